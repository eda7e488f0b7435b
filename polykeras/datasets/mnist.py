"""MNIST handwritten digits: 28x28 grayscale images of the digits 0-9.

``load_data()`` downloads ``mnist.npz`` once into the Keras cache
(``$KERAS_HOME/datasets``, default ``~/.keras/datasets``), checks its
md5, and reads the cached copy afterwards, offline. It also reads a
local folder holding MNIST as published by its authors, in IDX files::

    train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz   (60,000 images)
    t10k-images-idx3-ubyte.gz   t10k-labels-idx1-ubyte.gz    (10,000 images)

(``.gz`` optional), or a ``mnist.npz``.
"""

from __future__ import annotations

import gzip
import os

import numpy as np

from ._files import fetch

#: Keras 2.2.4's URL, then a mirror of the same file.
ORIGINS = ("https://s3.amazonaws.com/img-datasets/mnist.npz",
           "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz")
FILE_HASH = "8a61469f7ea1b51cbae51d4f78837e45"

#: A folder holding only the official test set (t10k files) is split here:
#: its first TEST_ONLY_TRAIN_SIZE images for training, the rest for testing.
TEST_ONLY_TRAIN_SIZE = 8000

_IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def load_data(path="mnist.npz"):
    """The MNIST dataset.

    Args:
        path: where to find it:

            * a file name (default ``"mnist.npz"``): that file in the Keras
              cache, downloaded on first use;
            * the path of an existing ``.npz`` file with ``x_train``,
              ``y_train``, ``x_test``, ``y_test``;
            * a folder with a ``mnist.npz`` or MNIST's IDX files. With the
              train and t10k files: the official split. With only the t10k
              (test) files: its first :data:`TEST_ONLY_TRAIN_SIZE` images as
              training set and the remaining ones as test set.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
        ``(n, 28, 28)`` with values 0-255, uint8 labels of shape ``(n,)``.

    Raises:
        FileNotFoundError: a folder without MNIST files, or the file is
            neither cached nor downloadable (the message says what to do).
        ValueError: a corrupt IDX or npz file.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        return _load_folder(path)
    if os.path.dirname(path) and os.path.isfile(path):  # a path, not a bare name in the cache
        return _load_npz(path)
    try:
        cached = fetch("mnist.load_data", path, ORIGINS, file_hash=FILE_HASH)
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"{exc} Or pass the path of a folder holding MNIST's IDX files "
                                "(t10k-images-idx3-ubyte.gz, ...).") from exc
    return _load_npz(cached)


def _load_npz(path):
    try:
        with np.load(path, allow_pickle=False) as f:
            return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
    except (KeyError, OSError, ValueError) as exc:
        raise ValueError(f"mnist.load_data: Expected an npz file with x_train, y_train, x_test, "
                         f"y_test. Received: {path!r} ({exc})") from exc


def _find(folder, name):
    for candidate in (name, name + ".gz"):
        full = os.path.join(folder, candidate)
        if os.path.isfile(full):
            return full
    return None


def _load_folder(folder):
    npz = os.path.join(folder, "mnist.npz")
    if os.path.isfile(npz):
        return _load_npz(npz)
    found = {split: [_find(folder, name) for name in names] for split, names in _IDX_FILES.items()}
    if None in found["test"]:
        expected = [name + "[.gz]" for names in _IDX_FILES.values() for name in names]
        raise FileNotFoundError(
            f"mnist.load_data: Expected a folder with mnist.npz or MNIST's IDX files {expected} "
            f"(at least the t10k ones). Received: {folder!r} holding {sorted(os.listdir(folder))}")
    x_test, y_test = (read_idx(p) for p in found["test"])
    _check_pair(x_test, y_test, found["test"])
    if None in found["train"]:
        n = TEST_ONLY_TRAIN_SIZE
        return (x_test[:n], y_test[:n]), (x_test[n:], y_test[n:])
    x_train, y_train = (read_idx(p) for p in found["train"])
    _check_pair(x_train, y_train, found["train"])
    return (x_train, y_train), (x_test, y_test)


def _check_pair(images, labels, paths):
    if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        raise ValueError("mnist.load_data: Expected images (n, rows, cols) and n labels. "
                         "Received: "
                         f"shapes {images.shape} and {labels.shape} from {paths}")


def read_idx(path):
    """Read an IDX file (the format MNIST is published in; ``.gz`` is decompressed).

    Returns:
        A NumPy array of the dtype and shape the file declares.

    Raises:
        ValueError: not an IDX file, or a size that does not match its header.
    """
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as exc:
        raise ValueError(f"read_idx: Expected a readable IDX file. Received: {path!r} "
                         f"({exc})") from exc
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f"read_idx: Expected an IDX file (magic 0x0000 then a type code). "
                         f"Received: {path!r} starting with {data[:4]!r}")
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    ndim = data[3]
    header = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(data) != expected:
        raise ValueError(f"read_idx: Expected {expected} bytes for an IDX array of shape {shape}. "
                         f"Received: {len(data)} bytes in {path!r}")
    return np.frombuffer(data, dtype=dtype,
                         offset=header).reshape(shape).astype(dtype.newbyteorder("="))
