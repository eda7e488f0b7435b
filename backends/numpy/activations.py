"""Activations on numpy: what differs from ``backends/common/activations.py`` (bound by
``export_topics``): its own ``sigmoid`` and a one-call ``relu`` for the plain case."""

import numpy as np
from scipy.special import expit as _expit

from polykeras.backends.common import activations as _shared
from polykeras.backends.common.math import _float
from polykeras.backends.common.ops import bind

from .core import OPS

__all__ = ["sigmoid", "relu"]


def sigmoid(x):
    """``1 / (1 + exp(-x))`` in one buffer (float32/float64): within 2 ulp of SciPy's ``expit``
    down to 1e-30, and faster on small arrays (the rnn step's gates). ``-x`` is capped at the
    largest finite ``log``, so the smallest result is ``1 / (1 + exp(88.72))`` (2.9e-39;
    5.6e-309 in float64) where the exact value is smaller, with no overflow warning."""
    x = _float(OPS, x)
    limit = _EXP_LIMITS.get(x.dtype)
    if limit is None:
        return _expit(x).astype(x.dtype, copy=False)
    t = np.negative(x, out=np.empty(x.shape, x.dtype))
    np.minimum(t, limit, out=t)
    np.exp(t, out=t)
    t += 1
    return np.reciprocal(t, out=t)


#: log of the largest finite value, per dtype
_EXP_LIMITS = {np.dtype("float32"): np.float32(88.72283), np.dtype("float64"): 709.782712893384}


_relu_with_options = bind(_shared.relu, OPS)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Keras's relu; without options one ``np.maximum`` against a Python 0 (it keeps x's
    float dtype), with no zero array made per call."""
    if alpha == 0.0 and max_value is None and threshold == 0.0:
        return np.maximum(_float(OPS, x), 0.0)
    return _relu_with_options(x, alpha, max_value, threshold)
