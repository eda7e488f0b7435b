"""Reading CIFAR batch files (Keras 2.2's ``keras.datasets.cifar``), shared by CIFAR-10 and -100.

A batch file is a Python pickle of a dict with ``data`` (a uint8 array of
shape ``(n, 3072)``: 1024 red, 1024 green, then 1024 blue values of a 32x32
image, row by row) and the labels under ``labels`` (CIFAR-10) or
``fine_labels`` / ``coarse_labels`` (CIFAR-100). The files were written by
Python 2, so the dict keys come back as bytes and are decoded here.
"""

from __future__ import annotations

import numpy as np

from ..backend.config import image_data_format
from ._files import load_pickle


def load_batch(fpath, label_key="labels"):
    """Read one CIFAR batch file.

    Args:
        fpath: path of the batch file (``data_batch_1``, ``test``, ...).
        label_key: the key of the labels: ``"labels"``, ``"fine_labels"``
            or ``"coarse_labels"``.

    Returns:
        ``(data, labels)``: uint8 images of shape ``(n, 3, 32, 32)`` and the
        labels as a list of n ints.

    Raises:
        FileNotFoundError: no file at ``fpath``.
        ValueError: not a CIFAR batch (a damaged pickle, a missing key, data
            that are not 3x32x32 images, a label count that differs from the
            image count); the pickle is never allowed to build anything but
            arrays and plain values.
    """
    try:
        with open(fpath, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"load_batch: Expected a CIFAR batch file. Received: no file at "
                                f"{fpath!r}") from None
    batch = load_pickle("load_batch", raw, encoding="bytes")
    if not isinstance(batch, dict):
        raise ValueError(f"load_batch: Expected a pickled dict in {fpath!r}. "
                         f"Received: {type(batch).__name__}")
    batch = {key.decode("utf8") if isinstance(key, bytes) else key: value
             for key, value in batch.items()}
    for key in ("data", label_key):
        if key not in batch:
            raise ValueError(f"load_batch: Expected the keys 'data' and {label_key!r} in "
                             f"{fpath!r}. Received: {sorted(batch)}")
    data, labels = batch["data"], batch[label_key]
    if not isinstance(data, np.ndarray) or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        shape = getattr(data, "shape", type(data).__name__)
        raise ValueError(f"load_batch: Expected 'data' of shape (n, 3072) in {fpath!r}. "
                         f"Received: {shape}")
    if len(labels) != data.shape[0]:
        raise ValueError(f"load_batch: Expected one label per image in {fpath!r}. Received: "
                         f"{data.shape[0]} images and {len(labels)} labels")
    return data.reshape(data.shape[0], 3, 32, 32), labels


def to_data_format(*images):
    """Channels-first CIFAR images in the layout of ``image_data_format()``."""
    if image_data_format() == "channels_last":
        return tuple(x.transpose(0, 2, 3, 1) for x in images)
    return images
