"""What IMDB and Reuters share: reviews and newswires as lists of word indices.

In the files, each text is a list of word ranks (1 = the most frequent
word). :func:`encode` applies the loaders' options in Keras 2.2.4's order:
shift the ranks by ``index_from``, prepend ``start_char``, drop texts of
``maxlen`` words or more, then replace (or drop, with ``oov_char=None``) the
words outside ``[skip_top, num_words)``.
"""

from __future__ import annotations

import json
import numbers
import warnings

import numpy as np

from ..preprocessing.sequence import _remove_long_seq
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


def encode(owner, splits, num_words, skip_top, maxlen, start_char, oov_char, index_from):
    """Apply the loaders' options to each ``(word_lists, labels)`` split (see the module docstring).

    ``maxlen`` filters each split on its own; the default ``num_words`` is
    the largest index over all of them.

    Returns:
        A list of ``(word_lists, labels)``: lists of lists of ints, and lists of labels.

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

    head = [] if start_char is None else [start_char]
    encoded = []
    for xs, labels in splits:
        xs = [head + [int(w) + index_from for w in x] for x in xs]
        labels = list(labels)
        if maxlen:
            xs, labels = _remove_long_seq(maxlen, xs, labels)
        encoded.append((xs, labels))
    if maxlen and not any(xs for xs, _ in encoded):
        raise ValueError(f"{owner}: After filtering for sequences shorter than "
                         f"maxlen={maxlen}, no sequence was kept. Increase maxlen.")
    if not num_words:
        # As in Keras 2.2.4: the largest index becomes the limit, so that word itself is out.
        num_words = max((max(x) for xs, _ in encoded for x in xs if x), default=0)
    if oov_char is not None:
        return [([[w if skip_top <= w < num_words else oov_char for w in x] for x in xs], labels)
                for xs, labels in encoded]
    return [([[w for w in x if skip_top <= w < num_words] for x in xs], labels)
            for xs, labels in encoded]


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
