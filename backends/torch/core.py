"""PyTorch tensors as the shared core (``backends/common/core.py``) sees them: conversion, the
variable class, ``shape`` and the hooks of :data:`OPS`.

Tensors live on the device PyTorch picks: the first GPU when one is
available, else the CPU.
"""

from __future__ import annotations

import numpy as np
import torch

from polykeras.backend.variables import Variable
from polykeras.backends.common import core as _shared
from polykeras.backends.common.dtypes import densify, is_weak, standardize_dtype, weak_dtype
from polykeras.backends.common.ops import Ops

__all__ = ["shape"]

DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")

TORCH_DTYPES = {
    "float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32,
    "float64": torch.float64, "int8": torch.int8, "int16": torch.int16, "int32": torch.int32,
    "int64": torch.int64, "uint8": torch.uint8, "bool": torch.bool,
}
KERAS_DTYPES = {v: k for k, v in TORCH_DTYPES.items()}


def to_numpy(t: torch.Tensor) -> np.ndarray:
    t = t.detach()
    if t.dtype == torch.bfloat16:
        t = t.float()
    return t.cpu().numpy().copy()


class TorchVariable(Variable):
    backend_name = "torch"

    def numpy(self):
        return to_numpy(self.value)


def torch_dtype(dtype, fn="as_tensor"):
    return TORCH_DTYPES[standardize_dtype(dtype, fn)]


def as_tensor(x, dtype=None):
    """``x`` (variable, tensor, array, number, list) as a tensor on :data:`DEVICE`.

    ``dtype`` is a Keras dtype string; without it a tensor keeps its dtype,
    NumPy input keeps NumPy's, and Python numbers and lists follow the dtype rule
    (``weak_dtype``: floatx, int32, bool).
    """
    if dtype is None and type(x) is torch.Tensor:
        return x
    if isinstance(x, Variable):
        x = x.value if x.backend_name == "torch" else x.numpy()
    if isinstance(x, torch.Tensor):
        return x if dtype is None else x.to(TORCH_DTYPES[dtype])
    x = densify(x)
    if getattr(x, "dtype", None) is not None and x.dtype.name == "bfloat16":
        # ml_dtypes' bfloat16, which torch.as_tensor does not know: the same 16 bits
        x = torch.from_numpy(np.ascontiguousarray(x).view(np.uint16)).view(torch.bfloat16)
        return x.to(device=DEVICE, dtype=TORCH_DTYPES[dtype] if dtype else None)
    if dtype is None:
        if is_weak(x):  # Python numbers and lists: the dtype rule (common/dtypes.py)
            dtype = weak_dtype(x)
        else:
            return torch.as_tensor(np.asarray(x), device=DEVICE)
    return torch.as_tensor(np.asarray(x) if not isinstance(x, (int, float, bool)) else x,
                           dtype=TORCH_DTYPES[dtype] if dtype else None, device=DEVICE)


def shape(x):
    return torch.tensor(_shared.int_shape(OPS, x), dtype=torch.int32, device=DEVICE)


def _assign(variable, new):
    """In place: the variable keeps its storage (and its tensor identity)."""
    with torch.no_grad():
        variable.value.copy_(new)


def _xp():
    import array_api_compat.torch as xp
    return xp


OPS = Ops(
    name="torch", xp=_xp(), as_tensor=as_tensor, native_dtype=lambda d: TORCH_DTYPES[d],
    keras_dtype=lambda x: KERAS_DTYPES[x.dtype], variable_class=TorchVariable,
    tensor_types=(torch.Tensor,), to_numpy=to_numpy, assign=_assign,
    stop_gradient=lambda x: x.detach(),
    is_native_sparse=lambda x: isinstance(x, torch.Tensor) and x.is_sparse)
