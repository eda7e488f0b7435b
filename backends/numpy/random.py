"""Random tensors on NumPy: one module-level ``numpy.random.Generator`` (re-seed with :func:`seed`)."""

import dataclasses

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
        return rng.random(shape).astype(dtype)
    z = rng.standard_normal(shape)
    if kind == "truncated":
        outside = np.abs(z) > 2.0
        while outside.any():
            z[outside] = rng.standard_normal(int(outside.sum()))
            outside = np.abs(z) > 2.0
    return z.astype(dtype)


__all__ = list(_shared.__all__)
globals().update(bind_all(_shared, dataclasses.replace(OPS, sample=_sample), __all__))
