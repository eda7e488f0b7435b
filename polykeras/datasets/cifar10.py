"""CIFAR-10: 60,000 32x32 colour images in 10 classes (50,000 for training, 10,000 for testing).

``load_data()`` downloads ``cifar-10-python.tar.gz`` (163 MB) once, caches it
as ``$KERAS_HOME/datasets/cifar-10-batches-py.tar.gz`` (default
``~/.keras/datasets``), checks its md5 and extracts it into the folder
``cifar-10-batches-py`` next to it; later calls read that folder, offline.
"""

from __future__ import annotations

import os

import numpy as np

from ._files import fetch
from .cifar import load_batch, to_data_format

ORIGINS = ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",)
#: The md5 published with the archive (Keras 2.2.4 checked none).
FILE_HASH = "c58f30108f718f92721af3b95e74349a"
DIRNAME = "cifar-10-batches-py"
TRAIN_BATCHES = 5


def load_data():
    """The CIFAR-10 dataset.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
        ``(n, 32, 32, 3)`` (``(n, 3, 32, 32)`` when ``image_data_format()`` is
        ``channels_first``) and labels 0-9 of shape ``(n, 1)``: uint8 for
        training, int64 for testing, as in Keras 2.2.4.

    Raises:
        FileNotFoundError: neither cached nor downloadable; the message names
            the URL and where to put the archive.
        ValueError: a damaged batch file.
    """
    path = fetch("cifar10.load_data", DIRNAME, ORIGINS, file_hash=FILE_HASH, untar=True)
    batches = [load_batch(os.path.join(path, f"data_batch_{i}"))
               for i in range(1, TRAIN_BATCHES + 1)]
    x_train = np.concatenate([data for data, _ in batches])
    y_train = np.concatenate([np.asarray(labels, dtype="uint8") for _, labels in batches])
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))

    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(np.asarray(y_test, dtype="int64"), (len(y_test), 1))
    x_train, x_test = to_data_format(x_train, x_test)
    return (x_train, y_train), (x_test, y_test)
