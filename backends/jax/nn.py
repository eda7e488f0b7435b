"""Neural-network kernels on JAX: the shared Keras semantics of ``backends/common/nn.py``
over ``jax.lax.conv_general_dilated`` and ``jax.lax.reduce_window``.

Convolutions with window strides of 1 (``groups == 1``, float32/float64) carry their own
gradient rule: stride-1 convolutions, and transposed ones (input-dilated) with at least
``_INPUT_DILATED_MIN_FILTERS`` output channels. XLA's CPU runtime computes the kernel gradient
of such a convolution (a convolution with the batch as its contracted feature dimension) up to
several times slower than the forward convolution: on the MNIST CNN of ``benchmarks/cnn.py``
it was two thirds of a training step. Here the kernel gradient is a loop over the kernel's
taps, each one matrix product of the input cells that tap meets with the output gradient,
which XLA runs as a plain GEMM; the input gradient stays XLA's own transposed convolution,
which is fast. Strided convolutions keep XLA's rule, which was as fast or faster on their
shapes. An input smaller than the kernel's reach is padded before the convolution (XLA's
generic loop for that case is 100x slower). ``benchmarks/cnn.md`` has the measurements.
"""

import dataclasses
import functools
import math

import jax
import jax.numpy as jnp
from jax import lax

from polykeras.backends.common import nn as _shared
from polykeras.backends.common.ops import bind_all

from .core import OPS

_SPATIAL = "DHW"
_OWN_GRADIENT_DTYPES = (jnp.float32, jnp.float64)
# Input-dilated (transposed) convolutions take the own kernel gradient from this many output
# channels: below it XLA's rule was faster (1 channel: 0.03 s against 0.33 s on Keras's ACGAN
# generator's last layer; 16: 0.27 against 0.60), from it slower (32: 0.81 against 0.66, 96:
# 1.00 against 0.37).
_INPUT_DILATED_MIN_FILTERS = 32


def _numbers(rank, channels_last):
    spatial = _SPATIAL[-rank:]
    lhs = f"N{spatial}C" if channels_last else f"NC{spatial}"
    return lax.conv_dimension_numbers((1,) * (rank + 2), (1,) * (rank + 2),
                                      (lhs, f"{spatial}IO", lhs))


def _lax_conv(x, kernel, strides, pads, dilation, groups, lhs_dilation, channels_last):
    rank = len(strides)
    spatial = range(1, rank + 1) if channels_last else range(2, rank + 2)
    sizes = [(x.shape[axis] - 1) * f + 1 for axis, f in zip(spatial, lhs_dilation)]
    reach = [(k - 1) * d + 1 for k, d in zip(kernel.shape[:rank], dilation)]
    if any(n < k for n, k in zip(sizes, reach)):
        # XLA's CPU runtime computes a convolution whose (input-dilated) input is smaller than
        # the kernel's reach with a generic loop, 100-200x slower than its fast path (8 s
        # instead of 0.07 s for the first Conv2DTranspose of Keras's ACGAN, 3x3 -> 7x7).
        # Padding the input beforehand, behind a barrier that keeps XLA from folding the pad
        # back into the convolution, takes the fast path.
        config = [(0, 0, 0)] * x.ndim
        for axis, (lo, hi), f in zip(spatial, pads, lhs_dilation):
            config[axis] = (lo, hi, f - 1)
        x = lax.optimization_barrier(lax.pad(x, jnp.zeros((), x.dtype), config))
        pads, lhs_dilation = ((0, 0),) * rank, (1,) * rank
    return lax.conv_general_dilated(
        x, kernel, window_strides=strides, padding=pads, lhs_dilation=lhs_dilation,
        rhs_dilation=dilation, dimension_numbers=_numbers(len(strides), channels_last),
        feature_group_count=groups)


def _conv(x, kernel, strides, pads, dilation, groups, lhs_dilation, channels_last):
    strides, dilation, lhs_dilation = tuple(strides), tuple(dilation), tuple(lhs_dilation)
    pads = tuple((int(lo), int(hi)) for lo, hi in pads)
    if (groups == 1 and all(s == 1 for s in strides) and x.dtype in _OWN_GRADIENT_DTYPES
            and kernel.dtype == x.dtype and (all(f == 1 for f in lhs_dilation)
                                             or kernel.shape[-1] >= _INPUT_DILATED_MIN_FILTERS)):
        return _stride1_conv(x, kernel, pads, dilation, lhs_dilation, channels_last)
    return _lax_conv(x, kernel, strides, pads, dilation, groups, lhs_dilation, channels_last)


@functools.partial(jax.custom_vjp, nondiff_argnums=(2, 3, 4, 5))
def _stride1_conv(x, kernel, pads, dilation, lhs_dilation, channels_last):
    ones = (1,) * len(dilation)
    return _lax_conv(x, kernel, ones, pads, dilation, 1, lhs_dilation, channels_last)


def _stride1_conv_forward(x, kernel, pads, dilation, lhs_dilation, channels_last):
    return _stride1_conv(x, kernel, pads, dilation, lhs_dilation, channels_last), (x, kernel)


def _stride1_conv_backward(pads, dilation, lhs_dilation, channels_last, residuals, g):
    x, kernel = residuals
    ones = (1,) * len(dilation)
    # the input gradient: XLA's transposed convolution (the forward is dead code under jit)
    _, input_vjp = jax.vjp(lambda x_: _lax_conv(x_, kernel, ones, pads, dilation, 1,
                                                lhs_dilation, channels_last), x)
    (g_x,) = input_vjp(g)
    return g_x, _kernel_gradient(x, g, kernel.shape, pads, dilation, lhs_dilation,
                                 channels_last)


_stride1_conv.defvjp(_stride1_conv_forward, _stride1_conv_backward)


def _kernel_gradient(x, g, kernel_shape, pads, dilation, lhs_dilation, channels_last):
    """``g_kernel[tap] = cells(tap)^T g`` summed over the batch and the output positions, where
    ``cells(tap)`` are the cells of the padded (and input-dilated: transposed convolutions)
    input that ``tap`` meets (a window of the output's size, offset by ``tap * dilation``). A
    ``fori_loop`` over the taps keeps the compiled program small; each iteration is one slice
    and one matrix product."""
    rank = len(dilation)
    ksize = kernel_shape[:rank]
    spatial = tuple(range(1, rank + 1)) if channels_last else tuple(range(2, rank + 2))
    config = [(0, 0, 0)] * x.ndim
    for axis, (lo, hi), f in zip(spatial, pads, lhs_dilation):
        config[axis] = (lo, hi, f - 1)
    padded = lax.pad(x, jnp.zeros((), x.dtype), config)
    window = list(padded.shape)
    for axis in spatial:
        window[axis] = g.shape[axis]
    contracted = (0,) + spatial
    strides_of_taps = [math.prod(ksize[i + 1:]) for i in range(rank)]

    def tap_gradient(tap, gradients):
        start = [0] * x.ndim
        for axis, k, step, d in zip(spatial, ksize, strides_of_taps, dilation):
            start[axis] = (tap // step) % k * d
        cells = lax.dynamic_slice(padded, start, window)
        product = lax.dot_general(cells, g, ((contracted, contracted), ((), ())))  # (C, F)
        return lax.dynamic_update_slice(gradients, product[None], (tap, 0, 0))

    taps = math.prod(ksize)
    gradients = jnp.zeros((taps,) + tuple(kernel_shape[rank:]), x.dtype)
    return lax.fori_loop(0, taps, tap_gradient, gradients).reshape(kernel_shape)


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
