"""Random tensors on NumPy: one module-level ``numpy.random.Generator`` (re-seed with
:func:`seed`)."""

import dataclasses
import weakref

import numpy as np

from polykeras.backends.common import random as _shared
from polykeras.backends.common.ops import bind_all

from .core import OPS

_GENERATOR = np.random.default_rng()


def seed(value):
    """Re-seed the global generator used when a random function gets ``seed=None``."""
    global _GENERATOR
    _GENERATOR = np.random.default_rng(value)


def _sample(kind, shape, dtype, seed):
    rng = _GENERATOR if seed is None else np.random.default_rng(seed)
    if kind == "uniform":
        if dtype in ("float32", "float64"):
            return rng.random(shape, dtype=dtype)  # no float64 draw and cast for float32
        return rng.random(shape).astype(dtype)
    z = rng.standard_normal(shape)
    if kind == "truncated":
        outside = np.abs(z) > 2.0
        while outside.any():
            z[outside] = rng.standard_normal(int(outside.sum()))
            outside = np.abs(z) > 2.0
    return z.astype(dtype)


__all__ = list(_shared.__all__)
_OPS = dataclasses.replace(OPS, sample=_sample)
globals().update(bind_all(_shared, _OPS, [n for n in __all__ if n != "dropout"]))

#: id(result) -> (weak reference to the result, mask) for each live result of dropout, for its
#: gradient rule: where x is 0 the result does not tell whether the entry was kept.
_MASKS = {}


def dropout(x, level, noise_shape=None, seed=None):
    """The shared dropout, its mask remembered while the result lives (see :func:`mask_of`)."""
    x, mask = _shared.dropout_mask(_OPS, x, level, noise_shape, seed)
    if mask is None:
        return x
    out = x * mask
    key = id(out)
    _MASKS[key] = (weakref.ref(out, lambda _, key=key: _MASKS.pop(key, None)), mask)
    return out


def mask_of(out):
    """The mask ``dropout`` multiplied into ``out`` (0 or ``1 / (1 - level)``), or None."""
    entry = _MASKS.get(id(out))
    return entry[1] if entry is not None and entry[0]() is out else None
