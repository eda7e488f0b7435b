"""CIFAR-100: 60,000 32x32 colour images in 100 fine classes grouped into 20 coarse ones.

``load_data()`` downloads ``cifar-100-python.tar.gz`` (161 MB) once, caches
it as ``$KERAS_HOME/datasets/cifar-100-python.tar.gz`` (default
``~/.keras/datasets``), checks its md5 and extracts it into the folder
``cifar-100-python`` next to it; later calls read that folder, offline.
"""

from __future__ import annotations

import os

import numpy as np

from ._files import fetch
from .cifar import load_batch, to_data_format

ORIGINS = ("https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",)
#: The md5 published with the archive (Keras 2.2.4 checked none).
FILE_HASH = "eb9058c3a382ffc7106e4002c42a8d85"
DIRNAME = "cifar-100-python"
LABEL_MODES = ("fine", "coarse")


def load_data(label_mode="fine"):
    """The CIFAR-100 dataset.

    Args:
        label_mode: ``"fine"`` (100 classes) or ``"coarse"`` (20 superclasses).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
        ``(n, 32, 32, 3)`` (``(n, 3, 32, 32)`` when ``image_data_format()`` is
        ``channels_first``) and int64 labels of shape ``(n, 1)``.

    Raises:
        ValueError: an unknown ``label_mode``; a damaged batch file.
        FileNotFoundError: neither cached nor downloadable; the message names
            the URL and where to put the archive.
    """
    if label_mode not in LABEL_MODES:
        raise ValueError(f"cifar100.load_data: Expected label_mode one of {set(LABEL_MODES)}. "
                         f"Received: label_mode={label_mode!r}")
    path = fetch("cifar100.load_data", DIRNAME, ORIGINS, file_hash=FILE_HASH, untar=True)
    x_train, y_train = load_batch(os.path.join(path, "train"), label_key=label_mode + "_labels")
    x_test, y_test = load_batch(os.path.join(path, "test"), label_key=label_mode + "_labels")

    y_train = np.reshape(np.asarray(y_train, dtype="int64"), (len(y_train), 1))
    y_test = np.reshape(np.asarray(y_test, dtype="int64"), (len(y_test), 1))
    x_train, x_test = to_data_format(x_train, x_test)
    return (x_train, y_train), (x_test, y_test)
