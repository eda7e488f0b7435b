"""Variables, constants, conversion and introspection on PyTorch.

Tensors live on the device PyTorch picks: the first GPU when one is
available, else the CPU.
"""

from __future__ import annotations

import numpy as np
import torch

from polykeras.backend.config import floatx
from polykeras.backend.variables import Variable
from polykeras.backends.common.dtypes import (densify, exact_cast, is_weak, standardize_dtype,
                                              weak_dtype)
from polykeras.backends.common.ops import Ops

__all__ = ["variable", "constant", "eval", "dtype", "int_shape", "get_value", "set_value"]

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
    if dtype is None:
        if is_weak(x):  # Python numbers and lists: the dtype rule (common/dtypes.py)
            dtype = weak_dtype(x)
        else:
            return torch.as_tensor(np.asarray(x), device=DEVICE)
    return torch.as_tensor(np.asarray(x) if not isinstance(x, (int, float, bool)) else x,
                           dtype=TORCH_DTYPES[dtype] if dtype else None, device=DEVICE)


def variable(value, dtype=None, name=None, constraint=None):
    dtype = standardize_dtype(dtype or floatx(), "variable")
    tensor = as_tensor(value, dtype).clone()
    return TorchVariable(tensor, dtype, name, constraint)


def constant(value, dtype=None, shape=None, name=None):
    dtype = standardize_dtype(dtype or floatx(), "constant")
    tensor = as_tensor(value, dtype)
    if shape is not None:
        shape = tuple(int(d) for d in shape)
        if tensor.ndim == 0:
            return torch.full(shape, tensor.item(), dtype=tensor.dtype, device=DEVICE)
        if tensor.numel() != int(np.prod(shape)):
            raise ValueError(f"constant: a value of shape {tuple(tensor.shape)} cannot take shape {shape}")
        return tensor.reshape(shape).clone()
    return tensor.clone() if isinstance(value, torch.Tensor) else tensor


def eval(x):
    if isinstance(x, Variable):
        return x.numpy()
    return to_numpy(as_tensor(x))


def dtype(x):
    if isinstance(x, Variable):
        return x.dtype
    return KERAS_DTYPES[as_tensor(x).dtype]


def int_shape(x):
    if isinstance(x, Variable):
        return x.shape
    if isinstance(x, torch.Tensor):
        return tuple(x.shape)
    return tuple(int(d) for d in np.shape(x))


def get_value(x):
    if not isinstance(x, Variable):
        return eval(x)
    return x.numpy()


def set_value(x, value):
    if not isinstance(x, Variable):
        raise TypeError(f"set_value: Expected a variable. Received: x of type {type(x).__name__}")
    if isinstance(value, Variable):
        value = value.value if value.backend_name == "torch" else value.numpy()
    if isinstance(value, torch.Tensor) and value.dtype != TORCH_DTYPES[x.dtype]:
        value = to_numpy(value)
    if not isinstance(value, torch.Tensor):
        value = exact_cast(densify(value), x.dtype, "set_value", f"variable {x.name!r}")
    new = as_tensor(value, x.dtype)
    if tuple(new.shape) != x.shape:
        raise ValueError(f"set_value: Expected a value of shape {x.shape} for variable "
                         f"{x.name!r}. Received: value of shape {tuple(new.shape)}")
    with torch.no_grad():
        x.value.copy_(new)


def _xp():
    import array_api_compat.torch as xp
    return xp


OPS = Ops(
    name="torch", xp=_xp(), as_tensor=as_tensor, native_dtype=lambda d: TORCH_DTYPES[d],
    keras_dtype=lambda x: KERAS_DTYPES[x.dtype], variable=variable, get_value=get_value, set_value=set_value,
    tensor_types=(torch.Tensor,), is_native_sparse=lambda x: isinstance(x, torch.Tensor) and x.is_sparse)

# -- the rest of the topic: shared implementations bound to this backend ---------------------
from polykeras.backends.common import core as _shared  # noqa: E402
from polykeras.backends.common.ops import bind_all  # noqa: E402

_SHARED = [n for n in _shared.__all__ if n not in ("py_all", "py_sum")]
globals().update(bind_all(_shared, OPS, _SHARED))
py_all, py_sum = _shared.py_all, _shared.py_sum
__all__ += _SHARED + ["py_all", "py_sum", "shape"]


def shape(x):
    return torch.tensor(int_shape(x), dtype=torch.int32, device=DEVICE)
