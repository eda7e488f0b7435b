"""A third-party backend: the built-in NumPy backend with a ``relu`` of its own.

It is written the way docs/BACKENDS.md tells a backend author to: take every API
function (here, the NumPy backend's), replace the ones it implements itself, define
the protocol's own members (``Function``, ``seed``), then call
``make_graph_aware(globals())``. That last call makes ``relu`` record graph nodes
when a model is built, and makes ``K.function``/``K.gradients`` run this module's
``relu`` (counted in :data:`CALLS`), not NumPy's.
"""

from __future__ import annotations

import collections

import numpy as np

import polykeras.backends.numpy as _base
from polykeras.backend.config import floatx
from polykeras.backend.contract import FUNCTIONS
from polykeras.backend.graph import make_graph_aware

# Every API function of the NumPy backend; make_graph_aware below rebinds them to this module.
globals().update({name: getattr(_base, name) for name in FUNCTIONS})

#: How many times this module's own implementations ran, by name.
CALLS: collections.Counter = collections.Counter()

_FLOATS = ("float16", "bfloat16", "float32", "float64")


def backend():
    return __name__


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Keras 2.2.4's relu, computed with plain NumPy.

    A value above ``threshold`` passes (a zero threshold: ``max(x, 0)``); ``max_value``
    clips the result into ``[0, max_value]``; ``alpha`` times the part below the threshold
    is subtracted. Integer and bool inputs are computed in floatx.
    """
    CALLS["relu"] += 1
    x = _base.__raw__.identity(x) if not isinstance(x, np.ndarray) else x
    if _base.__raw__.dtype(x) not in _FLOATS:
        x = x.astype(floatx())
    zero = np.zeros((), x.dtype)
    if threshold == 0.0:
        out = np.maximum(x, zero)
        below = np.maximum(-x, zero) if alpha != 0.0 else None
    else:
        out = x * (x > threshold).astype(x.dtype)
        below = np.maximum(threshold - x, zero) if alpha != 0.0 else None
    if max_value is not None:
        out = np.maximum(np.minimum(out, np.asarray(max_value, x.dtype)), zero)
    if below is not None:
        out = out - alpha * below
    return out


class Function(_base.Function):
    """This backend's executor: the NumPy executor, running this module's raw implementations
    (``make_graph_aware`` binds ``K.function`` to it with ``raw=__raw__``)."""


seed = _base.seed

make_graph_aware(globals())
