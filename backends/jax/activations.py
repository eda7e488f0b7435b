"""Activations on jax: the shared implementations of ``backends/common/activations.py``,
bound here, with the framework's own fused logistic function for ``sigmoid``."""

import jax

from polykeras.backends.common import activations as _shared
from polykeras.backends.common.math import _float
from polykeras.backends.common.ops import bind_all

from .core import OPS

__all__ = list(_shared.__all__)
globals().update(bind_all(_shared, OPS, [n for n in __all__ if n != "sigmoid"]))


def sigmoid(x):
    """Native logistic function (``jax.nn.sigmoid``)."""
    return jax.nn.sigmoid(_float(OPS, x))
