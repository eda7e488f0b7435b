"""NumPy helpers for preparing data (Keras 2.2's ``keras.utils.np_utils``)."""

from __future__ import annotations

import numpy as np


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot encode integer class labels.

    Args:
        y: array-like of non-negative integer labels, any shape; a trailing
            axis of length 1 is dropped (``(n, 1)`` labels give ``(n, num_classes)``).
        num_classes: number of classes; default ``max(y) + 1``.
        dtype: dtype of the result.

    Returns:
        ``y.shape + (num_classes,)`` array of 0s and 1s.

    Raises:
        ValueError: non-integer or negative labels, or a label >= ``num_classes``.
    """
    y = np.asarray(y)
    if y.size and not np.issubdtype(y.dtype, np.integer):
        if not np.all(np.equal(np.mod(y, 1), 0)):
            raise ValueError("to_categorical: Expected integer class labels. Received: values "
                             "such "
                             f"as {y.ravel()[np.flatnonzero(np.mod(y.ravel(), 1))[0]]!r}")
    y = y.astype("int64")
    input_shape = y.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    y = y.ravel()
    if y.size and y.min() < 0:
        raise ValueError("to_categorical: Expected non-negative class labels. Received: "
                         f"{int(y.min())}")
    if num_classes is None:
        num_classes = int(np.max(y)) + 1 if y.size else 0
    elif y.size and int(y.max()) >= num_classes:
        raise ValueError(f"to_categorical: Expected labels < num_classes={num_classes}. "
                         f"Received: label {int(y.max())}")
    n = y.shape[0]
    categorical = np.zeros((n, num_classes), dtype=dtype)
    categorical[np.arange(n), y] = 1
    return np.reshape(categorical, input_shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Scale ``x`` to unit ``order``-norm along ``axis`` (zero vectors stay zero)."""
    x = np.asarray(x)
    norms = np.atleast_1d(np.linalg.norm(x, order, axis))
    norms[norms == 0] = 1
    return x / np.expand_dims(norms, axis)
