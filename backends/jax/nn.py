"""Neural-network kernels on JAX: the shared Keras semantics of ``backends/common/nn.py``
over ``jax.lax.conv_general_dilated`` and ``jax.lax.reduce_window``."""

import dataclasses

import jax.numpy as jnp
from jax import lax

from polykeras.backends.common import nn as _shared
from polykeras.backends.common.ops import bind_all

from .core import OPS

_SPATIAL = "DHW"


def _numbers(rank, channels_last):
    spatial = _SPATIAL[-rank:]
    lhs = f"N{spatial}C" if channels_last else f"NC{spatial}"
    return lax.conv_dimension_numbers((1,) * (rank + 2), (1,) * (rank + 2),
                                      (lhs, f"{spatial}IO", lhs))


def _conv(x, kernel, strides, pads, dilation, groups, lhs_dilation, channels_last):
    rank = len(strides)
    return lax.conv_general_dilated(
        x, kernel, window_strides=strides, padding=[tuple(p) for p in pads],
        lhs_dilation=lhs_dilation, rhs_dilation=dilation,
        dimension_numbers=_numbers(rank, channels_last), feature_group_count=groups)


def _pool(x, window, strides, pads, mode, channels_last):
    if channels_last:
        dims, steps, padding = (1,) + tuple(window) + (1,), (1,) + tuple(strides) + (1,), \
            [(0, 0)] + [tuple(p) for p in pads] + [(0, 0)]
    else:
        dims, steps, padding = (1, 1) + tuple(window), (1, 1) + tuple(strides), \
            [(0, 0), (0, 0)] + [tuple(p) for p in pads]
    # Python scalars as initial values: JAX then recognises the max/add monoid and can differentiate
    if mode == "max":
        return lax.reduce_window(x, -jnp.inf, lax.max, dims, steps, padding)
    return lax.reduce_window(x, 0.0, lax.add, dims, steps, padding)


__all__ = list(_shared.__all__)
globals().update(bind_all(_shared, dataclasses.replace(OPS, conv=_conv, pool=_pool), __all__))
