"""Activations on jax: what differs from ``backends/common/activations.py`` (bound by
``export_topics``): the framework's own fused logistic function for ``sigmoid`` and its own
``relu`` for the plain case and its own ``softmax``."""

import jax

from polykeras.backends.common import activations as _shared
from polykeras.backends.common.math import _float
from polykeras.backends.common.ops import bind, normalize_axis

from .core import OPS

__all__ = ["sigmoid", "relu", "softmax"]


def sigmoid(x):
    """Native logistic function (``jax.nn.sigmoid``)."""
    return jax.nn.sigmoid(_float(OPS, x))


_relu_with_options = bind(_shared.relu, OPS)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Keras's relu; without options, the framework's own ``jax.nn.relu`` (one kernel each
    way, and a gradient of 0 at 0, as TensorFlow's and the NumPy backend's)."""
    if alpha == 0.0 and max_value is None and threshold == 0.0:
        return jax.nn.relu(_float(OPS, x))
    return _relu_with_options(x, alpha, max_value, threshold)


def softmax(x, axis=-1):
    """Native softmax (one kernel each way) along Keras's ``axis``."""
    x = _float(OPS, x)
    return jax.nn.softmax(x, axis=normalize_axis(axis, x.ndim, "softmax"))
