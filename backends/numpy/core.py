"""Variables, constants, conversion and introspection on NumPy."""

from __future__ import annotations

import numpy as np

from polykeras.backend.config import floatx
from polykeras.backend.variables import Variable
from polykeras.backends.common.dtypes import (densify, exact_cast, is_weak, standardize_dtype,
                                              weak_dtype)
from polykeras.backends.common.ops import Ops

__all__ = ["variable", "constant", "eval", "dtype", "int_shape", "get_value", "set_value"]


class NumpyVariable(Variable):
    backend_name = "numpy"

    def numpy(self):
        return np.array(self.value, copy=True)


def as_tensor(x, dtype=None):
    """``x`` (variable, array, number, list) as a NumPy array; no copy when possible.

    ``dtype`` is a Keras dtype string. Used by every function of this backend
    to accept all the input kinds the contract allows. Without ``dtype``, arrays keep
    theirs and Python numbers and lists follow the dtype rule (``weak_dtype``: floatx,
    int32, bool).
    """
    if dtype is None and type(x) is np.ndarray:
        return x
    if isinstance(x, Variable):
        x = x.value if x.backend_name == "numpy" else x.numpy()
    x = densify(x)
    if dtype is None:
        if is_weak(x):  # Python numbers and lists: the dtype rule (common/dtypes.py)
            return np.asarray(x, dtype=weak_dtype(x))
        return np.asarray(x)
    return np.asarray(x, dtype=dtype)


def variable(value, dtype=None, name=None, constraint=None):
    dtype = standardize_dtype(dtype or floatx(), "variable")
    return NumpyVariable(np.array(as_tensor(value), dtype=dtype, copy=True), dtype, name, constraint)


def constant(value, dtype=None, shape=None, name=None):
    dtype = standardize_dtype(dtype or floatx(), "constant")
    array = as_tensor(value, dtype)
    if shape is not None:
        shape = tuple(shape)
        if array.ndim == 0:
            return np.full(shape, array, dtype=dtype)
        if array.size != int(np.prod(shape)):
            raise ValueError(f"constant: a value of shape {array.shape} cannot take shape {shape}")
        return array.reshape(shape)
    return np.array(array, copy=True) if isinstance(value, np.ndarray) else array


def eval(x):
    if isinstance(x, Variable):
        return x.numpy()
    return np.array(as_tensor(x), copy=True)


def dtype(x):
    if isinstance(x, Variable):
        return x.dtype
    return standardize_dtype(as_tensor(x).dtype, "dtype")


def int_shape(x):
    if isinstance(x, Variable):
        return x.shape
    return tuple(int(d) for d in np.shape(x))


def get_value(x):
    if not isinstance(x, Variable):
        return eval(x)
    return x.numpy()


def set_value(x, value):
    if not isinstance(x, Variable):
        raise TypeError(f"set_value: Expected a variable. Received: x of type {type(x).__name__}")
    new = exact_cast(densify(value.numpy() if isinstance(value, Variable) else value), x.dtype,
                     "set_value", f"variable {x.name!r}")
    if new.shape != x.shape:
        raise ValueError(f"set_value: Expected a value of shape {x.shape} for variable "
                         f"{x.name!r}. Received: value of shape {new.shape}")
    x.value = np.array(new, copy=True)


OPS = Ops(
    name="numpy", xp=np, as_tensor=as_tensor, native_dtype=np.dtype,
    keras_dtype=lambda x: standardize_dtype(x.dtype, "dtype"), variable=variable, get_value=get_value, set_value=set_value,
    tensor_types=(np.ndarray,))

# -- the rest of the topic: shared implementations bound to this backend ---------------------
from polykeras.backends.common import core as _shared  # noqa: E402
from polykeras.backends.common.ops import bind_all  # noqa: E402

_SHARED = [n for n in _shared.__all__ if n not in ("py_all", "py_sum")]
globals().update(bind_all(_shared, OPS, _SHARED))
py_all, py_sum = _shared.py_all, _shared.py_sum
__all__ += _SHARED + ["py_all", "py_sum", "shape"]


def shape(x):
    return np.asarray(int_shape(x), dtype=np.int32)
