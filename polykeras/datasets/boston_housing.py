"""Boston housing prices: 506 Boston suburbs of the 1970s, 13 attributes each, median home value.

``load_data`` downloads ``boston_housing.npz`` once into
``$KERAS_HOME/datasets`` (default ``~/.keras/datasets``), checks its md5 and
reads the cached copy afterwards, offline.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._files import fetch, load_npz

ORIGINS = ("https://s3.amazonaws.com/keras-datasets/boston_housing.npz",
           "https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz")
FILE_HASH = "f553886a1f8d56431e820c5b82552d4d"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """The Boston housing regression dataset.

    The rows are shuffled (``seed``) and split: the first
    ``int(n * (1 - test_split))`` for training.

    Args:
        path: file name in the Keras cache (an absolute path is used as is).
        test_split: fraction of the rows used for testing, in [0, 1).
        seed: seed of the shuffle (the global NumPy random state is left alone).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: float64 arrays of shape
        ``(n, 13)`` and ``(n,)`` (prices in thousands of dollars).

    Raises:
        ValueError: ``test_split`` outside [0, 1); a damaged file.
        FileNotFoundError: neither cached nor downloadable; the message names
            the URL and the cache path to put ``boston_housing.npz`` at.
    """
    if (isinstance(test_split, bool) or not isinstance(test_split, numbers.Real)
            or not 0 <= test_split < 1):
        raise ValueError(f"boston_housing.load_data: Expected test_split a number in [0, 1). "
                         f"Received: test_split={test_split!r}")
    path = fetch("boston_housing.load_data", path, ORIGINS, file_hash=FILE_HASH)
    arrays = load_npz("boston_housing.load_data", path, ("x", "y"))
    x, y = arrays["x"], arrays["y"]
    if len(x) != len(y):
        raise ValueError(f"boston_housing.load_data: Expected as many targets as rows in {path}. "
                         f"Received: {len(x)} rows and {len(y)} targets")

    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    idx = int(len(x) * (1 - test_split))
    return (x[:idx], y[:idx]), (x[idx:], y[idx:])
