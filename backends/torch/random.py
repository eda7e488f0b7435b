"""Random tensors on PyTorch: one module-level ``torch.Generator`` on the backend's device."""

import dataclasses

import torch

from polykeras.backends.common import random as _shared
from polykeras.backends.common.ops import bind_all

from .core import DEVICE, OPS, TORCH_DTYPES

_GENERATOR = torch.Generator(device=DEVICE)
_GENERATOR.seed()


def seed(value):
    """Re-seed the global generator used when a random function gets ``seed=None``."""
    _GENERATOR.manual_seed(int(value))


def _sample(kind, shape, dtype, seed):
    if seed is None:
        generator = _GENERATOR
    else:
        generator = torch.Generator(device=DEVICE)
        generator.manual_seed(int(seed))
    if kind == "uniform":
        out = torch.rand(shape, generator=generator, device=DEVICE)
    elif kind == "normal":
        out = torch.randn(shape, generator=generator, device=DEVICE)
    else:
        out = torch.empty(shape, device=DEVICE)
        torch.nn.init.trunc_normal_(out, 0.0, 1.0, -2.0, 2.0, generator=generator)
    return out.to(TORCH_DTYPES[dtype])


__all__ = list(_shared.__all__)
globals().update(bind_all(_shared, dataclasses.replace(OPS, sample=_sample), __all__))
