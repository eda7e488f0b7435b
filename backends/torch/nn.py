"""Neural-network kernels on PyTorch: the shared Keras semantics of ``backends/common/nn.py``
over ``torch.nn.functional`` convolutions and pooling (NC* layout inside)."""

import dataclasses

import torch
import torch.nn.functional as F

from polykeras.backends.common import nn as _shared
from polykeras.backends.common.ops import bind_all

from .core import OPS

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_MAX_POOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG_POOL = {2: F.avg_pool2d, 3: F.avg_pool3d}


def _to_first(x, rank):
    return x.permute((0, rank + 1) + tuple(range(1, rank + 1)))


def _to_last(x, rank):
    return x.permute((0,) + tuple(range(2, rank + 2)) + (1,))


def _pad_or_crop(x, pads, value=0.0):
    """Pad/crop the trailing ``len(pads)`` axes of an NC* tensor (negative pads crop)."""
    flat = []
    for lo, hi in reversed(pads):
        flat += [lo, hi]
    if any(flat):
        x = F.pad(x, flat, value=value)
    return x


def _dilate(x, factors):
    if all(f == 1 for f in factors):
        return x
    rank = len(factors)
    shape = list(x.shape[:2]) + [(n - 1) * f + 1 for n, f in zip(x.shape[2:], factors)]
    out = x.new_zeros(shape)
    out[(slice(None), slice(None)) + tuple(slice(None, None, f) for f in factors)] = x
    return out if rank else x


def _compute_dtype(x):
    # CPU kernels for half-precision convolution are missing or slow: compute in float32
    return torch.float32 if (x.dtype in (torch.float16, torch.bfloat16)
                             and x.device.type == "cpu") else x.dtype


def _conv(x, kernel, strides, pads, dilation, groups, lhs_dilation, channels_last):
    rank = len(strides)
    dtype = x.dtype
    work = _compute_dtype(x)
    if channels_last:
        x = _to_first(x, rank)
    x = _dilate(x.to(work), lhs_dilation)
    padding = 0
    if all(low == high and low >= 0 for low, high in pads):
        padding = tuple(low for low, _ in pads)  # symmetric: let the convolution pad, no copy
    else:
        x = _pad_or_crop(x, pads)
    weight = kernel.to(work).permute((rank + 1, rank) + tuple(range(rank)))  # (out, in/groups, *k)
    out = _CONV[rank](x, weight, None, strides, padding, dilation, groups)
    out = out.to(dtype)
    return _to_last(out, rank) if channels_last else out


def _pool(x, window, strides, pads, mode, channels_last):
    rank = len(window)
    dtype = x.dtype
    x = x.to(_compute_dtype(x))
    if channels_last:
        x = _to_first(x, rank)
    if mode == "max":
        x = _pad_or_crop(x, pads, value=float("-inf"))
        out = _MAX_POOL[rank](x, window, strides)
    else:
        x = _pad_or_crop(x, pads, value=0.0)
        out = _AVG_POOL[rank](x, window, strides, divisor_override=1)
    out = out.to(dtype)
    return _to_last(out, rank) if channels_last else out


__all__ = list(_shared.__all__)
globals().update(bind_all(_shared, dataclasses.replace(OPS, conv=_conv, pool=_pool), __all__))
