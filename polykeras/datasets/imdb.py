"""IMDB movie reviews: 25,000 for training, 25,000 for testing, positive (1) or negative (0).

Each review is a list of word indices: a word's index is its frequency rank
in the data (3 is the third most frequent word), shifted by ``index_from``.
``load_data`` downloads ``imdb.npz`` once into ``$KERAS_HOME/datasets``
(default ``~/.keras/datasets``), checks its md5 and reads the cached copy
afterwards, offline; ``get_word_index`` does the same for
``imdb_word_index.json``.
"""

from __future__ import annotations

import numpy as np

from ._files import fetch, load_npz
from ._word_lists import encode, load_word_index, object_array, take_legacy_arguments

ORIGINS = ("https://s3.amazonaws.com/text-datasets/imdb.npz",
           "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz")
FILE_HASH = "599dadb1135973df5b59232a0e9a887c"
WORD_INDEX_ORIGINS = ("https://s3.amazonaws.com/text-datasets/imdb_word_index.json",
                      "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
                      "imdb_word_index.json")
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3, **kwargs):
    """The IMDB sentiment dataset.

    Args:
        path: file name in the Keras cache (an absolute path is used as is).
        num_words: keep only the words of index below ``num_words`` (after
            the ``index_from`` shift); None keeps all but the largest index,
            as Keras 2.2.4 does.
        skip_top: drop (or mark) the words of index below ``skip_top``.
        maxlen: keep only the reviews shorter than ``maxlen`` words
            (``start_char`` included), in each split.
        seed: seed of the shuffle of each split (the global NumPy random
            state is left alone).
        start_char: index put at the start of every review (None: nothing).
        oov_char: index that replaces the words cut by ``num_words`` or
            ``skip_top``; None drops them.
        index_from: added to every word's rank (0-2 are kept for padding,
            start and out-of-vocabulary).
        **kwargs: only the Keras 1 name ``nb_words`` of ``num_words``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: 1-D object arrays of lists
        of int word indices, and the label arrays (the file's dtype).

    Raises:
        ValueError: an option out of range, a ``maxlen`` that keeps nothing,
            a damaged file.
        FileNotFoundError: neither cached nor downloadable; the message names
            the URL and the cache path to put ``imdb.npz`` at.
        TypeError: an unknown keyword argument.
    """
    num_words = take_legacy_arguments("imdb.load_data", num_words, kwargs)
    path = fetch("imdb.load_data", path, ORIGINS, file_hash=FILE_HASH)
    arrays = load_npz("imdb.load_data", path, ("x_train", "y_train", "x_test", "y_test"))

    rng = np.random.RandomState(seed)
    splits = []
    for x, y in ((arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])):
        indices = np.arange(len(x))
        rng.shuffle(indices)
        splits.append((x[indices], y[indices]))
    (x_train, y_train), (x_test, y_test) = encode(
        "imdb.load_data", splits, num_words, skip_top, maxlen, start_char, oov_char, index_from)
    label_dtype = arrays["y_train"].dtype
    return ((object_array(x_train), np.asarray(y_train, dtype=label_dtype)),
            (object_array(x_test), np.asarray(y_test, dtype=label_dtype)))


def get_word_index(path="imdb_word_index.json"):
    """The dict word -> rank (1 = most frequent) of the IMDB reviews.

    Add ``index_from`` (3 by default) to a rank to get the index used in
    ``load_data``'s lists.

    Raises:
        FileNotFoundError: neither cached nor downloadable (the message says where to put it).
        ValueError: a damaged file.
    """
    return load_word_index("imdb.get_word_index", path, WORD_INDEX_ORIGINS, WORD_INDEX_HASH)
