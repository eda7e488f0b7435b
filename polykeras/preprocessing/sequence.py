"""Preparing sequence data (Keras 2.2's ``keras.preprocessing.sequence``).

* :func:`pad_sequences` turns a list of sequences of different lengths into
  one array, padding and truncating each to the same length.
* :class:`TimeseriesGenerator` cuts a time series into batches of windows
  and targets; it is a :class:`~polykeras.utils.Sequence`, for ``fit_generator``.
* :func:`skipgrams` and :func:`make_sampling_table` build word2vec training
  pairs from a sequence of word indices.
"""

from __future__ import annotations

import functools
import numbers
import random

import numpy as np

from ..utils.data_utils import Sequence

_PAD_MODES = ("pre", "post")


def _is_string_dtype(dtype):
    return np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.):
    """Pad (and truncate) sequences to one length, in one array.

    Sequences longer than ``maxlen`` lose values at the start
    (``truncating="pre"``) or the end (``"post"``); shorter ones get
    ``value`` before (``padding="pre"``) or after (``"post"``) their values.

    Args:
        sequences: a list (or other sized iterable) of sequences: lists,
            tuples or arrays, whose items are scalars or arrays of one shape.
        maxlen: the length of the result; None: the longest sequence's.
        dtype: dtype of the result. Strings work: ``object`` for Python
            strings, or a NumPy string dtype (``str``, ``"U"``, ``"S"``; one
            without a size, such as ``str``, is sized to the longest string,
            so nothing is cut).
        padding: ``"pre"`` or ``"post"``.
        truncating: ``"pre"`` or ``"post"``.
        value: the padding value (a string needs a string or object ``dtype``).

    Returns:
        An array of shape ``(len(sequences), maxlen) + item_shape``.

    Raises:
        ValueError: ``sequences`` not a list of sequences, ``maxlen`` not an
            int >= 1 (or None), an unknown ``padding`` or ``truncating``, a
            string ``value`` with a numeric ``dtype``, items of different
            shapes, or items that do not convert to ``dtype``.
    """
    if isinstance(sequences, (str, bytes)) or not hasattr(sequences, "__len__"):
        raise ValueError(f"pad_sequences: Expected a list of sequences. Received: "
                         f"{type(sequences).__name__} {_short(sequences)}")
    for name, mode in (("padding", padding), ("truncating", truncating)):
        if mode not in _PAD_MODES:
            raise ValueError(f"pad_sequences: Expected {name} one of {set(_PAD_MODES)}. "
                             f"Received: {name}={mode!r}")
    sequences = list(sequences)
    lengths = []
    for position, s in enumerate(sequences):
        try:
            if isinstance(s, (str, bytes)):
                raise TypeError
            lengths.append(len(s))
        except TypeError:
            raise ValueError(f"pad_sequences: Expected a list of sequences (lists, tuples or "
                             f"arrays). Received: {type(s).__name__} {_short(s)} at position "
                             f"{position}") from None
    if maxlen is None:
        maxlen = max(lengths, default=0)
    elif isinstance(maxlen, bool) or not isinstance(maxlen, numbers.Integral) or maxlen < 1:
        raise ValueError(f"pad_sequences: Expected maxlen an int >= 1 or None. "
                         f"Received: maxlen={maxlen!r}")
    maxlen = int(maxlen)
    try:
        dtype = np.dtype(dtype)
    except TypeError as exc:
        raise ValueError(f"pad_sequences: Expected a NumPy dtype. Received: dtype={dtype!r}") \
            from exc
    if (isinstance(value, (str, bytes)) and dtype != np.dtype(object)
            and not _is_string_dtype(dtype)):
        raise ValueError(f"pad_sequences: Expected a string or object dtype for the string "
                         f"value={value!r}. Received: dtype={dtype}; use dtype=object for "
                         "strings of any length")

    item_shape = None  # the shape of one item, from the first non-empty sequence
    kept = []
    for position, s in enumerate(sequences):
        if not len(s):
            kept.append(None)
            continue
        trunc = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        try:
            trunc = np.asarray(trunc, dtype=dtype)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"pad_sequences: Expected sequences of values convertible to "
                             f"{dtype}. Received: {_short(s)} at position {position} ({exc})") \
                from exc
        if item_shape is None:
            item_shape = trunc.shape[1:]
        elif trunc.shape[1:] != item_shape:
            raise ValueError(f"pad_sequences: Expected items of shape {item_shape} (those of the "
                             f"first non-empty sequence). Received: items of shape "
                             f"{trunc.shape[1:]} in the sequence at position {position}")
        kept.append(trunc)

    if _is_string_dtype(dtype) and dtype.itemsize == 0:
        # An unsized string dtype: as wide as the longest string, so nothing is cut.
        dtype = functools.reduce(np.promote_types,
                                 [trunc.dtype for trunc in kept if trunc is not None],
                                 np.asarray(value, dtype=dtype).dtype)
    x = np.full((len(sequences), maxlen) + (item_shape or ()), value, dtype=dtype)
    for row, trunc in enumerate(kept):
        if trunc is None:
            continue
        if padding == "post":
            x[row, :len(trunc)] = trunc
        else:
            x[row, maxlen - len(trunc):] = trunc
    return x


def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _remove_long_seq(maxlen, seq, label):
    """Keep the sequences shorter than ``maxlen`` (strictly) and their labels.

    Returns:
        ``(sequences, labels)``: two lists.
    """
    new_seq, new_label = [], []
    for x, y in zip(seq, label):
        if len(x) < maxlen:
            new_seq.append(x)
            new_label.append(y)
    return new_seq, new_label


def make_sampling_table(size, sampling_factor=1e-5):
    """Probabilities of keeping each word rank, for :func:`skipgrams`' ``sampling_table``.

    The word of rank ``i`` (1 the most frequent; entry 0 is a placeholder
    computed as rank 1) is kept with probability ``min(1, sqrt(s * r_i))``,
    word2vec's subsampling, where ``s`` is ``sampling_factor`` and
    ``r_i = i (ln i + gamma) + 1/2 - 1/(12 i)`` (``gamma = 0.577``) is the
    inverse of the frequency that Zipf's law gives rank ``i``.

    Args:
        size: number of word ranks (the vocabulary size).
        sampling_factor: the word2vec sampling factor.

    Returns:
        A float64 array of shape ``(size,)`` of probabilities in (0, 1].

    Raises:
        ValueError: ``size`` not an int >= 1, or ``sampling_factor`` not > 0.
    """
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
        raise ValueError(f"make_sampling_table: Expected size an int >= 1. Received: size={size!r}")
    if not isinstance(sampling_factor, numbers.Real) or not sampling_factor > 0:
        raise ValueError(f"make_sampling_table: Expected sampling_factor > 0. "
                         f"Received: sampling_factor={sampling_factor!r}")
    gamma = 0.577
    rank = np.arange(size, dtype="float64")
    rank[0] = 1
    inv_fq = rank * (np.log(rank) + gamma) + 0.5 - 1. / (12. * rank)
    f = sampling_factor * inv_fq
    return np.minimum(1., f / np.sqrt(f))


def skipgrams(sequence, vocabulary_size, window_size=4, negative_samples=1., shuffle=True,
              categorical=False, sampling_table=None, seed=None):
    """Skip-gram pairs of a sequence of word indices, for word2vec.

    Every word ``w`` (0 is skipped: it is not a word) is paired with each
    word of its window, ``window_size`` on each side, as a positive couple
    ``[w, context]`` labelled 1. Then ``int(negative_samples * positives)``
    negative couples ``[w, random word in 1..vocabulary_size-1]`` labelled 0.

    Args:
        sequence: word indices (a list or 1-D array of ints).
        vocabulary_size: one more than the largest word index.
        window_size: half the width of the context window.
        negative_samples: how many negative couples per positive one (>= 0).
        shuffle: shuffle the couples (and their labels alike).
        categorical: labels ``[0, 1]`` (positive) / ``[1, 0]`` instead of 1 / 0.
        sampling_table: ``sampling_table[i]``, the probability of using word
            ``i`` as a target (see :func:`make_sampling_table`).
        seed: with a seed, every random draw (sampling, negatives, shuffle)
            comes from a private generator seeded with it: the result is
            reproducible and Python's global ``random`` state is untouched.
            Without one, the draws come from the global ``random`` module.

    Returns:
        ``(couples, labels)``: lists of ``[word, context]`` pairs and of labels.

    Raises:
        ValueError: ``vocabulary_size`` < 2 with negative samples requested,
            a negative ``window_size`` or ``negative_samples``, a word index
            outside the ``sampling_table``.
    """
    if isinstance(window_size, bool) or not isinstance(window_size, numbers.Integral) \
            or window_size < 0:
        raise ValueError(f"skipgrams: Expected window_size an int >= 0. "
                         f"Received: window_size={window_size!r}")
    if not isinstance(negative_samples, numbers.Real) or negative_samples < 0:
        raise ValueError(f"skipgrams: Expected negative_samples >= 0. "
                         f"Received: negative_samples={negative_samples!r}")
    if negative_samples > 0 and (not isinstance(vocabulary_size, numbers.Integral)
                                 or vocabulary_size < 2):
        raise ValueError(f"skipgrams: Expected vocabulary_size an int >= 2 to draw negative "
                         f"samples. Received: vocabulary_size={vocabulary_size!r}")
    rng = random if seed is None else random.Random(seed)
    couples, labels = [], []
    positive, negative = ([0, 1], [1, 0]) if categorical else (1, 0)
    for i, wi in enumerate(sequence):
        if not wi:
            continue
        if sampling_table is not None:
            if not 0 <= wi < len(sampling_table):
                raise ValueError(f"skipgrams: Expected word indices below len(sampling_table)="
                                 f"{len(sampling_table)}. Received: {wi} at position {i}")
            if sampling_table[wi] < rng.random():
                continue
        for j in range(max(0, i - window_size), min(len(sequence), i + window_size + 1)):
            if j != i and sequence[j]:
                couples.append([wi, sequence[j]])
                labels.append(list(positive) if categorical else positive)

    if negative_samples > 0 and couples:
        num_negative = int(len(labels) * negative_samples)
        words = [c[0] for c in couples]
        rng.shuffle(words)
        couples += [[words[i % len(words)], rng.randint(1, vocabulary_size - 1)]
                    for i in range(num_negative)]
        labels += [list(negative) if categorical else negative for _ in range(num_negative)]

    if shuffle:
        order = list(range(len(couples)))
        rng.shuffle(order)
        couples = [couples[k] for k in order]
        labels = [labels[k] for k in order]
    return couples, labels


class TimeseriesGenerator(Sequence):
    """Batches of windows of a time series, with the target that follows each window.

    Sample ``i`` of the generator is the window
    ``data[row - length:row:sampling_rate]`` and its target ``targets[row]``,
    for the rows ``start_index + length, + stride, ...`` up to ``end_index``.

    Args:
        data: indexable time series (list or array) of time steps along axis 0.
        targets: one target per time step (same length as ``data``).
        length: the number of time steps each window spans (before sampling).
        sampling_rate: keep every ``sampling_rate``-th step inside a window.
        stride: steps between the ends of two consecutive windows.
        start_index: first time step a window may start at.
        end_index: last time step whose target may be used (default: the last one).
        shuffle: draw ``batch_size`` random rows for each batch (with
            replacement, from NumPy's global generator) instead of taking
            them in order.
        reverse: give the windows' time steps in reverse order.
        batch_size: windows per batch (the last batch may be smaller).

    Each item is ``(samples, targets)``: ``samples`` of shape
    ``(batch, ceil(length / sampling_rate)) + data.shape[1:]``.

    Raises:
        ValueError: ``data`` and ``targets`` of different lengths, a
            non-positive ``length``, ``sampling_rate``, ``stride`` or
            ``batch_size``, or no room for a single window
            (``start_index + length > end_index``).
    """

    def __init__(self, data, targets, length, sampling_rate=1, stride=1, start_index=0,
                 end_index=None, shuffle=False, reverse=False, batch_size=128):
        if len(data) != len(targets):
            raise ValueError(f"TimeseriesGenerator: Expected data and targets of the same length. "
                             f"Received: {len(data)} and {len(targets)}")
        for name, value in (("length", length), ("sampling_rate", sampling_rate),
                            ("stride", stride), ("batch_size", batch_size)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"TimeseriesGenerator: Expected {name} an int >= 1. "
                                 f"Received: {name}={value!r}")
        self.data = data
        self.targets = targets
        self.length = length
        self.sampling_rate = sampling_rate
        self.stride = stride
        self.start_index = start_index + length
        if end_index is None:
            end_index = len(data) - 1
        self.end_index = end_index
        self.shuffle = shuffle
        self.reverse = reverse
        self.batch_size = batch_size
        if self.start_index > self.end_index:
            raise ValueError(f"TimeseriesGenerator: Expected start_index + length <= end_index, "
                             f"so that one window fits. Received: start_index + length = "
                             f"{self.start_index} > end_index = {self.end_index}")

    def __len__(self):
        span = self.batch_size * self.stride
        return (self.end_index - self.start_index + span) // span

    def __getitem__(self, index):
        n = len(self)
        if isinstance(index, bool) or not isinstance(index, numbers.Integral) \
                or not -n <= index < n:
            raise IndexError(f"TimeseriesGenerator: Expected a batch index in [0, {n}). "
                             f"Received: {index!r}")
        index = int(index) % n
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            first = self.start_index + self.batch_size * self.stride * index
            rows = np.arange(first, min(first + self.batch_size * self.stride,
                                        self.end_index + 1), self.stride)
        samples = np.array([self.data[row - self.length:row:self.sampling_rate] for row in rows])
        targets = np.array([self.targets[row] for row in rows])
        if self.reverse:
            return samples[:, ::-1, ...], targets
        return samples, targets
