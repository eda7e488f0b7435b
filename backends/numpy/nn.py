"""Neural-network kernels on NumPy: the shared Keras semantics of ``backends/common/nn.py``
over two vectorised primitives (im2col by strided views + one matrix product; windowed
max/sum by strided views)."""

import dataclasses

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from polykeras.backends.common import nn as _shared
from polykeras.backends.common.ops import bind_all

from .core import OPS


def _pad_or_crop(x, pads, axes, value=0.0):
    """Pad (positive) or crop (negative) each spatial axis; ``pads`` are (low, high) pairs."""
    widths = [(0, 0)] * x.ndim
    crop = [slice(None)] * x.ndim
    for axis, (lo, hi) in zip(axes, pads):
        widths[axis] = (max(lo, 0), max(hi, 0))
        crop[axis] = slice(max(-lo, 0), x.shape[axis] + max(lo, 0) + max(hi, 0) - max(-hi, 0))
    if any(w != (0, 0) for w in widths):
        x = np.pad(x, widths, constant_values=value)
    return x[tuple(crop)]


def _dilate(x, factors, axes):
    """Insert ``factor - 1`` zeros between elements along each axis (input dilation)."""
    if all(f == 1 for f in factors):
        return x
    shape = list(x.shape)
    for axis, f in zip(axes, factors):
        shape[axis] = (shape[axis] - 1) * f + 1 if shape[axis] else 0
    out = np.zeros(shape, x.dtype)
    index = [slice(None)] * x.ndim
    for axis, f in zip(axes, factors):
        index[axis] = slice(None, None, f)
    out[tuple(index)] = x
    return out


def _conv(x, kernel, strides, pads, dilation, groups, lhs_dilation, channels_last):
    rank = len(strides)
    if not channels_last:
        x = np.moveaxis(x, 1, -1)
    if groups == 1 and all(s == 1 for s in strides) and _scatter_is_cheaper(
            x.shape[1:1 + rank], kernel.shape[:rank], pads, dilation, lhs_dilation):
        out = _input_dilated_conv(x, kernel, pads, dilation, lhs_dilation)
        return out if channels_last else np.moveaxis(out, -1, 1)
    spatial = tuple(range(1, rank + 1))
    x = _dilate(x, lhs_dilation, spatial)
    x = _pad_or_crop(x, pads, spatial)
    ksize = kernel.shape[:rank]
    effective = tuple((k - 1) * d + 1 for k, d in zip(ksize, dilation))
    windows = sliding_window_view(x, effective, axis=spatial)        # (N, *S', C, *eff)
    select = (slice(None),) + tuple(slice(None, None, s) for s in strides) + (slice(None),) + \
        tuple(slice(None, None, d) for d in dilation)
    windows = windows[select]                                        # (N, *O, C, *k)
    letters = "xyz"[:rank]  # kernel axes; upper case: output positions
    if groups == 1:
        # im2col: one contiguous (N * prod(O), prod(k) * C) float buffer with the channels
        # innermost (so each window row is copied in runs of contiguous memory), then one
        # matrix product against the kernel, whose (*k, C, O) layout reshapes for free.
        n, out_sizes, c = windows.shape[0], windows.shape[1:1 + rank], windows.shape[1 + rank]
        order = (0,) + tuple(range(1, rank + 1)) + tuple(range(rank + 2, 2 * rank + 2)) + (rank + 1,
                                                                                           )
        dtype = np.result_type(x.dtype, kernel.dtype)
        cols = np.empty((n,) + out_sizes + ksize + (c,), dtype)
        np.copyto(cols, windows.transpose(order))
        rows, depth = n * int(np.prod(out_sizes, dtype=np.int64)), int(np.prod(ksize,
                                                                               dtype=np.int64)) * c
        out = np.matmul(cols.reshape(rows, depth),
                        np.ascontiguousarray(kernel, dtype).reshape(depth, kernel.shape[-1]))
        out = out.reshape((n,) + out_sizes + (kernel.shape[-1],))
    else:
        n, out_sizes, c = windows.shape[0], windows.shape[1:1 + rank], windows.shape[1 + rank]
        grouped = windows.reshape((n,) + out_sizes + (groups, c // groups) + ksize)
        gk = kernel.reshape(ksize + (kernel.shape[-2], groups, kernel.shape[-1] // groups))
        out = np.einsum(f"n{letters.upper()}gc{letters},{letters}cgo->n{letters.upper()}go",
                        grouped, gk, optimize=True)
        out = out.reshape(out.shape[:1 + rank] + (-1,))
    out = out.astype(x.dtype, copy=False)
    return out if channels_last else np.moveaxis(out, -1, 1)


def _scatter_is_cheaper(sizes, ksize, pads, dilation, lhs_dilation):
    """Whether a stride-1 convolution costs fewer multiply-adds scattering each input cell
    into the outputs it meets (``_input_dilated_conv``) than gathering each output's window
    (im2col): true when the output has more cells than the (undilated) input, as in
    transposed convolutions, whose padded or dilated input is mostly zeros."""
    if any(f != 1 for f in lhs_dilation):
        return True
    outs = [n + lo + hi - (k - 1) * d for n, k, (lo, hi), d in zip(sizes, ksize, pads, dilation)]
    return int(np.prod(outs)) > int(np.prod(sizes))


def _input_dilated_conv(x, kernel, pads, dilation, lhs_dilation):
    """A stride-1 convolution of the input dilated by ``lhs_dilation`` (a transposed
    convolution), channels last, without building the padded and dilated input:
    input cell ``i`` meets tap ``k`` at output ``i * lhs_dilation + k' * dilation - offset``
    (``k'`` the tap counted from the kernel's far end), so each tap adds one
    (rows, C) x (C, F) matrix product into a strided slice of the output."""
    rank = len(lhs_dilation)
    ksize = kernel.shape[:rank]
    n, sizes, filters = x.shape[0], x.shape[1:1 + rank], kernel.shape[-1]
    dtype = np.result_type(x.dtype, kernel.dtype)
    effective = [(k - 1) * d + 1 for k, d in zip(ksize, dilation)]
    full = [(size - 1) * f + e for size, f, e in zip(sizes, lhs_dilation, effective)]
    outs = [(size - 1) * f + 1 + lo + hi - e + 1
            for size, f, (lo, hi), e in zip(sizes, lhs_dilation, pads, effective)]
    offsets = [e - 1 - lo for e, (lo, _) in zip(effective, pads)]
    # the scatter target covers both the full result and the requested output window
    low = [max(-o, 0) for o in offsets]
    target = np.zeros((n,) + tuple(max(f, o + out) + lo_ for f, o, out, lo_ in
                                   zip(full, offsets, outs, low)) + (filters,), dtype)
    rows = np.ascontiguousarray(x, dtype).reshape(-1, x.shape[-1])
    weights = np.asarray(kernel, dtype)
    for tap in np.ndindex(*ksize):
        far = tuple(k - 1 - t for k, t in zip(ksize, tap))        # the flipped tap
        part = (rows @ weights[tap]).reshape((n,) + tuple(sizes) + (filters,))
        index = (slice(None),) + tuple(
            slice(lo_ + t * d, lo_ + t * d + (size - 1) * f + 1, f)
            for lo_, t, d, size, f in zip(low, far, dilation, sizes, lhs_dilation))
        target[index] += part
    window = (slice(None),) + tuple(slice(lo_ + o, lo_ + o + out)
                                    for lo_, o, out in zip(low, offsets, outs))
    return target[window].astype(x.dtype, copy=False)


def _pool(x, window, strides, pads, mode, channels_last):
    rank = len(window)
    spatial = tuple(range(1, rank + 1)) if channels_last else tuple(range(2, rank + 2))
    fill = -np.inf if mode == "max" else 0.0
    x = _pad_or_crop(x, pads, spatial, value=fill)
    if tuple(strides) == tuple(window):
        # non-overlapping windows (the common case): crop to whole windows and split each
        # spatial axis into (output, window), a free reshape; then one reduction
        outs = [(x.shape[a] - w) // w + 1 for a, w in zip(spatial, window)]
        crop = [slice(None)] * x.ndim
        shape, reduce_axes = [], []
        for axis, size in enumerate(x.shape):
            if axis in spatial:
                i = spatial.index(axis)
                crop[axis] = slice(0, outs[i] * window[i])
                shape += [outs[i], window[i]]
                reduce_axes.append(len(shape) - 1)
            else:
                shape.append(size)
        blocks = x[tuple(crop)].reshape(shape)
        reduce_axes = tuple(reduce_axes)
        return blocks.max(axis=reduce_axes) if mode == "max" else blocks.sum(axis=reduce_axes,
                                                                             dtype=x.dtype)
    views = sliding_window_view(x, window, axis=spatial)
    select = [slice(None)] * x.ndim
    for axis, s in zip(spatial, strides):
        select[axis] = slice(None, None, s)
    views = views[tuple(select)]
    reduce_axes = tuple(range(x.ndim, x.ndim + rank))
    return views.max(axis=reduce_axes) if mode == "max" else views.sum(axis=reduce_axes,
                                                                       dtype=x.dtype)


__all__ = list(_shared.__all__)
globals().update(bind_all(_shared, dataclasses.replace(OPS, conv=_conv, pool=_pool), __all__))
