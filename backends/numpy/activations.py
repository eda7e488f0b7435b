"""Activations on numpy: the shared implementations of ``backends/common/activations.py``,
bound here, with the framework's own fused logistic function for ``sigmoid``."""

from scipy.special import expit as _expit

from polykeras.backends.common import activations as _shared
from polykeras.backends.common.math import _float
from polykeras.backends.common.ops import bind_all

from .core import OPS

__all__ = list(_shared.__all__)
globals().update(bind_all(_shared, OPS, [n for n in __all__ if n != "sigmoid"]))


def sigmoid(x):
    """Native logistic function (SciPy's ``expit``: stable, one pass)."""
    x = _float(OPS, x)
    return _expit(x).astype(x.dtype, copy=False)
