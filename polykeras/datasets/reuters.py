"""Reuters newswires: 11,228 newswires labelled with one of 46 topics.

Each newswire is a list of word indices, encoded as for IMDB (a word's
index is its frequency rank, shifted by ``index_from``). ``load_data``
downloads ``reuters.npz`` once into ``$KERAS_HOME/datasets`` (default
``~/.keras/datasets``), checks its md5 and reads the cached copy afterwards,
offline; ``get_word_index`` does the same for ``reuters_word_index.json``.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._files import fetch, load_npz
from ._word_lists import encode, load_word_index, object_array, take_legacy_arguments

ORIGINS = ("https://s3.amazonaws.com/text-datasets/reuters.npz",
           "https://storage.googleapis.com/tensorflow/tf-keras-datasets/reuters.npz")
FILE_HASH = "87aedbeb0cb229e378797a632c1997b6"
WORD_INDEX_ORIGINS = ("https://s3.amazonaws.com/text-datasets/reuters_word_index.json",
                      "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
                      "reuters_word_index.json")
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3, **kwargs):
    """The Reuters newswire topic classification dataset.

    The newswires are shuffled (``seed``), encoded, filtered by ``maxlen``,
    and then split: the first ``int(n * (1 - test_split))`` for training.

    Args:
        path: file name in the Keras cache (an absolute path is used as is).
        num_words: keep only the words of index below ``num_words`` (after
            the ``index_from`` shift); None keeps all but the largest index,
            as Keras 2.2.4 does.
        skip_top: drop (or mark) the words of index below ``skip_top``.
        maxlen: keep only the newswires shorter than ``maxlen`` words
            (``start_char`` included).
        test_split: fraction of the newswires used for testing, in [0, 1].
        seed: seed of the shuffle (the global NumPy random state is left alone).
        start_char: index put at the start of every newswire (None: nothing).
        oov_char: index that replaces the words cut by ``num_words`` or
            ``skip_top``; None drops them.
        index_from: added to every word's rank.
        **kwargs: only the Keras 1 name ``nb_words`` of ``num_words``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: 1-D object arrays of lists
        of int word indices, and label arrays (topics 0-45, the file's dtype).

    Raises:
        ValueError: an option out of range, a ``maxlen`` that keeps nothing,
            a damaged file.
        FileNotFoundError: neither cached nor downloadable; the message names
            the URL and the cache path to put ``reuters.npz`` at.
        TypeError: an unknown keyword argument.
    """
    num_words = take_legacy_arguments("reuters.load_data", num_words, kwargs)
    if (isinstance(test_split, bool) or not isinstance(test_split, numbers.Real)
            or not 0 <= test_split <= 1):
        raise ValueError(f"reuters.load_data: Expected test_split a number in [0, 1]. "
                         f"Received: test_split={test_split!r}")
    path = fetch("reuters.load_data", path, ORIGINS, file_hash=FILE_HASH)
    arrays = load_npz("reuters.load_data", path, ("x", "y"))
    xs, labels = arrays["x"], arrays["y"]

    indices = np.arange(len(xs))
    np.random.RandomState(seed).shuffle(indices)
    [(xs, labels)] = encode("reuters.load_data", [(xs[indices], labels[indices])], num_words,
                            skip_top, maxlen, start_char, oov_char, index_from)
    labels = np.asarray(labels, dtype=arrays["y"].dtype)
    idx = int(len(xs) * (1 - test_split))
    return (object_array(xs[:idx]), labels[:idx]), (object_array(xs[idx:]), labels[idx:])


def get_word_index(path="reuters_word_index.json"):
    """The dict word -> rank (1 = most frequent) of the Reuters newswires.

    Raises:
        FileNotFoundError: neither cached nor downloadable (the message says where to put it).
        ValueError: a damaged file.
    """
    return load_word_index("reuters.get_word_index", path, WORD_INDEX_ORIGINS, WORD_INDEX_HASH)
