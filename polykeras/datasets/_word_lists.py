"""What IMDB and Reuters share: reviews and newswires as lists of word indices.

In the files, each text is a list of word ranks (1 = the most frequent
word). :func:`encode` applies the loaders' options in Keras 2.2.4's order:
shift the ranks by ``index_from``, prepend ``start_char``, drop texts of
``maxlen`` words or more, then replace (or drop, with ``oov_char=None``) the
words outside ``[skip_top, num_words)``.
"""

from __future__ import annotations

import itertools
import json
import numbers
import warnings

import numpy as np

from ._files import fetch


def take_legacy_arguments(owner, num_words, kwargs):
    """``num_words``, or Keras 1's ``nb_words`` (with a warning).

    Raises:
        TypeError: any other keyword argument.
    """
    if "nb_words" in kwargs:
        warnings.warn(f"{owner}: the `nb_words` argument has been renamed `num_words`.",
                      stacklevel=3)
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"{owner}: Unrecognized keyword arguments: {sorted(kwargs)}")
    return num_words


def _check_int(owner, name, value, minimum, allow_none):
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        expected = f"an int >= {minimum}" + (" or None" if allow_none else "")
        raise ValueError(f"{owner}: Expected {name} {expected}. Received: {name}={value!r}")


def _flatten(xs):
    """All words of ``xs`` in one int64 array, and the length of each text."""
    lengths = np.fromiter((len(x) for x in xs), dtype=np.int64, count=len(xs))
    flat = np.fromiter(itertools.chain.from_iterable(xs), dtype=np.int64,
                       count=int(lengths.sum()))
    return flat, lengths


def _bounds(lengths):
    return np.concatenate([[0], np.cumsum(lengths)])


def encode(owner, splits, num_words, skip_top, maxlen, start_char, oov_char, index_from):
    """Apply the loaders' options to each ``(word_lists, labels)`` split (see the module docstring).

    ``maxlen`` filters each split on its own; the default ``num_words`` is
    the largest index over all of them. The words are processed as one flat
    NumPy array per split (the texts are Python lists only on the way in and out).

    Returns:
        A list of ``(word_lists, labels)``: lists of lists of Python ints,
        and label arrays.

    Raises:
        ValueError: an option of the wrong type or range, or ``maxlen`` so
            small that no text is kept.
    """
    _check_int(owner, "num_words", num_words, 1, allow_none=True)
    _check_int(owner, "skip_top", skip_top, 0, allow_none=False)
    _check_int(owner, "maxlen", maxlen, 1, allow_none=True)
    _check_int(owner, "start_char", start_char, 0, allow_none=True)
    _check_int(owner, "oov_char", oov_char, 0, allow_none=True)
    _check_int(owner, "index_from", index_from, 0, allow_none=False)

    flat_splits = []
    for xs, labels in splits:
        flat, lengths = _flatten(xs)
        flat += index_from
        labels = np.asarray(labels)
        if start_char is not None:
            flat = np.insert(flat, _bounds(lengths)[:-1], start_char)
            lengths = lengths + 1
        if maxlen:
            keep = lengths < maxlen  # strictly shorter, as Keras's _remove_long_seq
            flat, lengths, labels = flat[np.repeat(keep, lengths)], lengths[keep], labels[keep]
        flat_splits.append((flat, lengths, labels))
    if maxlen and not any(len(lengths) for _, lengths, _ in flat_splits):
        raise ValueError(f"{owner}: After filtering for sequences shorter than "
                         f"maxlen={maxlen}, no sequence was kept. Increase maxlen.")
    if not num_words:
        # As in Keras 2.2.4: the largest index becomes the limit, so that word itself is out.
        num_words = max((int(flat.max()) for flat, _, _ in flat_splits if flat.size), default=0)

    encoded = []
    for flat, lengths, labels in flat_splits:
        in_vocabulary = (flat >= skip_top) & (flat < num_words)
        if oov_char is not None:
            flat = np.where(in_vocabulary, flat, oov_char)
        else:
            kept = _bounds(in_vocabulary)
            flat, lengths = flat[in_vocabulary], np.diff(kept[_bounds(lengths)])
        values, bounds = flat.tolist(), _bounds(lengths).tolist()
        encoded.append(([values[a:b] for a, b in zip(bounds[:-1], bounds[1:])], labels))
    return encoded


def object_array(lists):
    """A 1-D object array holding the given Python lists (ragged or not)."""
    array = np.empty(len(lists), dtype=object)
    for i, item in enumerate(lists):
        array[i] = item
    return array


def load_word_index(owner, path, origins, file_hash):
    """The word -> rank dict of a ``*_word_index.json`` file, fetched into the cache."""
    path = fetch(owner, path, origins, file_hash=file_hash)
    try:
        with open(path, encoding="utf-8") as f:
            index = json.load(f)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"{owner}: Expected a JSON word index in {path}. Received: a file "
                         f"that does not parse ({exc})") from exc
    if not isinstance(index, dict):
        raise ValueError(f"{owner}: Expected a JSON object (word -> index) in {path}. "
                         f"Received: {type(index).__name__}")
    return index
