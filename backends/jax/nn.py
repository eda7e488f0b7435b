"""Neural-network kernels on JAX: the shared Keras semantics of ``backends/common/nn.py``
over ``jax.lax.conv_general_dilated`` and ``jax.lax.reduce_window``.

Convolutions (``groups == 1``, float32/float64) carry their own gradient rule. XLA's CPU
runtime computes the kernel gradient of a convolution (a convolution with the batch as its
contracted feature dimension) several times slower than the forward convolution: on the
MNIST CNN of ``benchmarks/cnn.py`` it was two thirds of a training step. Here the kernel
gradient is one matrix product of the input's patches (im2col by strided slices) with the
output gradient, which XLA runs as a plain GEMM; the input gradient stays XLA's own
transposed convolution, which is fast. ``benchmarks/cnn.md`` has the measurements.
"""

import dataclasses
import functools
import itertools

import jax
import jax.numpy as jnp
from jax import lax

from polykeras.backends.common import nn as _shared
from polykeras.backends.common.ops import bind_all

from .core import OPS

_SPATIAL = "DHW"
_OWN_GRADIENT_DTYPES = (jnp.float32, jnp.float64)


def _numbers(rank, channels_last):
    spatial = _SPATIAL[-rank:]
    lhs = f"N{spatial}C" if channels_last else f"NC{spatial}"
    return lax.conv_dimension_numbers((1,) * (rank + 2), (1,) * (rank + 2),
                                      (lhs, f"{spatial}IO", lhs))


def _lax_conv(x, kernel, strides, pads, dilation, groups, lhs_dilation, channels_last):
    return lax.conv_general_dilated(
        x, kernel, window_strides=strides, padding=pads, lhs_dilation=lhs_dilation,
        rhs_dilation=dilation, dimension_numbers=_numbers(len(strides), channels_last),
        feature_group_count=groups)


def _conv(x, kernel, strides, pads, dilation, groups, lhs_dilation, channels_last):
    strides, dilation, lhs_dilation = tuple(strides), tuple(dilation), tuple(lhs_dilation)
    pads = tuple((int(lo), int(hi)) for lo, hi in pads)
    if groups == 1 and x.dtype in _OWN_GRADIENT_DTYPES and kernel.dtype == x.dtype:
        return _conv_im2col_grad(x, kernel, strides, pads, dilation, lhs_dilation, channels_last)
    return _lax_conv(x, kernel, strides, pads, dilation, groups, lhs_dilation, channels_last)


@functools.partial(jax.custom_vjp, nondiff_argnums=(2, 3, 4, 5, 6))
def _conv_im2col_grad(x, kernel, strides, pads, dilation, lhs_dilation, channels_last):
    return _lax_conv(x, kernel, strides, pads, dilation, 1, lhs_dilation, channels_last)


def _conv_forward(x, kernel, strides, pads, dilation, lhs_dilation, channels_last):
    out = _lax_conv(x, kernel, strides, pads, dilation, 1, lhs_dilation, channels_last)
    return out, (x, kernel)


def _conv_backward(strides, pads, dilation, lhs_dilation, channels_last, residuals, g):
    x, kernel = residuals
    # the input gradient: XLA's transposed convolution (the forward is dead code under jit)
    _, input_vjp = jax.vjp(lambda x_: _lax_conv(x_, kernel, strides, pads, dilation, 1,
                                                lhs_dilation, channels_last), x)
    (g_x,) = input_vjp(g)
    return g_x, _kernel_gradient(x, g, kernel.shape, strides, pads, dilation, lhs_dilation,
                                 channels_last)


_conv_im2col_grad.defvjp(_conv_forward, _conv_backward)


def _kernel_gradient(x, g, kernel_shape, strides, pads, dilation, lhs_dilation, channels_last):
    """``sum over batch and output positions of patch (x) g``: the patches of the (input-dilated,
    padded) input as strided slices, stacked next to the channels, and one matrix product with
    the output gradient. Returns the kernel's layout (*k, in, out)."""
    rank = len(strides)
    ksize = kernel_shape[:rank]
    spatial = tuple(range(1, rank + 1)) if channels_last else tuple(range(2, rank + 2))
    config = [(0, 0, 0)] * x.ndim
    for axis, (lo, hi), d in zip(spatial, pads, lhs_dilation):
        config[axis] = (lo, hi, d - 1)
    padded = lax.pad(x, jnp.zeros((), x.dtype), config)
    outs = [g.shape[a] for a in spatial]
    patches = []
    for offsets in itertools.product(*(range(k) for k in ksize)):
        start, limit, step = [0] * x.ndim, list(padded.shape), [1] * x.ndim
        for axis, k, d, o, s in zip(spatial, offsets, dilation, outs, strides):
            start[axis], limit[axis], step[axis] = k * d, k * d + (o - 1) * s + 1, s
        patches.append(lax.slice(padded, start, limit, step))
    if channels_last:
        cols = jnp.stack(patches, axis=-2)                       # (N, *O, K, C)
        summed = (0,) + spatial
        out = lax.dot_general(cols, g, ((summed, summed), ((), ())))   # (K, C, F)
    else:
        cols = jnp.stack(patches, axis=2)                        # (N, C, K, *O)
        lhs = (0,) + tuple(range(3, rank + 3))
        out = lax.dot_general(cols, g, ((lhs, (0,) + spatial), ((), ())))   # (C, K, F)
        out = jnp.transpose(out, (1, 0, 2))
    return out.reshape(kernel_shape)


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
