"""Random tensors and dropout, written once over a backend's standard samples (``ops.sample``).

``seed`` given: the same numbers on every call with that seed (one backend).
``seed`` None: fresh numbers from the backend's global generator.
"""

from __future__ import annotations

from polykeras.backend.config import floatx

from .core import _shape_tuple, variable
from .dtypes import FLOAT_DTYPES, standardize_dtype

__all__ = ["random_uniform", "random_normal", "truncated_normal", "random_binomial",
           "random_uniform_variable", "random_normal_variable", "dropout"]


def _float_dtype(dtype, fn):
    dtype = standardize_dtype(dtype or floatx(), fn)
    if dtype not in FLOAT_DTYPES:
        raise ValueError(f"{fn}: Expected a float dtype, one of {set(FLOAT_DTYPES)}. Received: "
                         f"dtype={dtype!r}")
    return dtype


def random_uniform(ops, shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    dtype = _float_dtype(dtype, "random_uniform")
    if maxval < minval:
        raise ValueError(f"random_uniform: Expected minval <= maxval. Received: minval={minval}, "
                         f"maxval={maxval}")
    u = ops.sample("uniform", _shape_tuple(shape, "random_uniform"), dtype, seed)
    return u * (maxval - minval) + minval


def random_normal(ops, shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    dtype = _float_dtype(dtype, "random_normal")
    z = ops.sample("normal", _shape_tuple(shape, "random_normal"), dtype, seed)
    return z * stddev + mean


def truncated_normal(ops, shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    dtype = _float_dtype(dtype, "truncated_normal")
    z = ops.sample("truncated", _shape_tuple(shape, "truncated_normal"), dtype, seed)
    return z * stddev + mean


def random_binomial(ops, shape, p=0.0, dtype=None, seed=None):
    dtype = _float_dtype(dtype, "random_binomial")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"random_binomial: Expected 0 <= p <= 1. Received: p={p!r}")
    u = ops.sample("uniform", _shape_tuple(shape, "random_binomial"), "float32", seed)
    return ops.xp.astype(u < p, ops.native_dtype(dtype))


def random_uniform_variable(ops, shape, low, high, dtype=None, name=None, seed=None):
    dtype = _float_dtype(dtype, "random_uniform_variable")
    return variable(ops, random_uniform(ops, shape, low, high, dtype, seed), dtype=dtype, name=name)


def random_normal_variable(ops, shape, mean, scale, dtype=None, name=None, seed=None):
    dtype = _float_dtype(dtype, "random_normal_variable")
    return variable(ops, random_normal(ops, shape, mean, scale, dtype, seed), dtype=dtype,
                    name=name)


def dropout(ops, x, level, noise_shape=None, seed=None):
    """Zero each entry with probability ``level``; scale the kept ones by ``1 / (1 - level)``."""
    x, mask = dropout_mask(ops, x, level, noise_shape, seed)
    return x if mask is None else x * mask


def dropout_mask(ops, x, level, noise_shape=None, seed=None):
    """``(x as a tensor, mask)`` of a dropout: ``x * mask`` is the result. The mask has
    ``noise_shape`` and x's dtype, and holds 0 or ``1 / (1 - level)``; None when level is 0.

    Raises:
        ValueError: a level outside [0, 1), a tensor that is not float, a noise_shape that does
            not broadcast to x's shape.
    """
    if not 0.0 <= level < 1.0:
        raise ValueError(f"dropout: Expected 0 <= level < 1. Received: level={level!r}")
    x = ops.as_tensor(x)
    dtype = ops.keras_dtype(x)
    if dtype not in FLOAT_DTYPES:
        raise ValueError(f"dropout: Expected a float tensor. Received: dtype={dtype!r}")
    shape = ops.shape_of(x)
    if noise_shape is None:
        noise_shape = shape
    noise_shape = tuple(shape[i] if d is None else int(d) for i, d in enumerate(noise_shape))
    if len(noise_shape) != len(shape) or any(n not in (1, s) for n, s in zip(noise_shape, shape)):
        raise ValueError(f"dropout: Expected a noise_shape that broadcasts to {shape}. "
                         f"Received: noise_shape={noise_shape}")
    if level == 0.0:
        return x, None
    keep = ops.sample("uniform", noise_shape, "float32", seed) >= level
    # keep * scale is exactly 0 or the scale, so x * mask is (x * keep) * scale bit for bit
    return x, ops.xp.astype(keep, x.dtype) * (1.0 / (1.0 - level))
