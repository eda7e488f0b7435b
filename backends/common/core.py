"""Variables, constants and tensor introspection, written once over :class:`~.ops.Ops`.

A backend's own ``core.py`` provides only what depends on its arrays: ``as_tensor``, its
:class:`~polykeras.backend.variables.Variable` subclass, ``shape`` and the ``OPS`` hooks.
"""

from __future__ import annotations

import builtins

import numpy as np

from polykeras.backend.config import floatx
from polykeras.backend.variables import Variable

from .dtypes import densify, exact_cast, standardize_dtype

__all__ = ["variable", "constant", "eval", "dtype", "int_shape", "get_value", "set_value",
           "batch_get_value", "batch_set_value", "ndim", "count_params", "get_variable_shape",
           "is_tensor", "is_sparse", "to_dense", "zeros", "ones", "eye", "zeros_like",
           "ones_like", "identity", "cast", "arange"]
UNBOUND = ("py_all", "py_sum")

py_all = builtins.all
py_sum = builtins.sum


def _shape_tuple(shape, fn):
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        dims = tuple(int(d) for d in shape)
    except TypeError:
        raise ValueError(f"{fn}: Expected a shape (tuple of ints). "
                         f"Received: shape={shape!r}") from None
    if builtins.any(d < 0 for d in dims):
        raise ValueError(f"{fn}: Expected non-negative dimensions. Received: shape={shape!r}")
    return dims


def variable(ops, value, dtype=None, name=None, constraint=None):
    dtype = standardize_dtype(dtype or floatx(), "variable")
    value = ops.xp.asarray(ops.as_tensor(value, dtype), copy=True)
    return ops.variable_class(value, dtype, name, constraint)


def constant(ops, value, dtype=None, shape=None, name=None):
    """A new backend array of ``value`` (never a view of an array given as ``value``)."""
    dtype = standardize_dtype(dtype or floatx(), "constant")
    tensor = ops.as_tensor(value, dtype)
    if shape is not None:
        shape = _shape_tuple(shape, "constant")
        if len(tensor.shape) == 0:
            tensor = ops.xp.broadcast_to(tensor, shape)
        elif int(np.prod(ops.shape_of(tensor), dtype=np.int64)) != int(np.prod(shape,
                                                                               dtype=np.int64)):
            raise ValueError(f"constant: Expected a value with as many elements as shape {shape}. "
                             f"Received: a value of shape {ops.shape_of(tensor)}")
        else:
            tensor = ops.xp.reshape(tensor, shape)
        return ops.xp.asarray(tensor, copy=True)
    if isinstance(value, ops.tensor_types + (np.ndarray,)):
        return ops.xp.asarray(tensor, copy=True)
    return tensor


def eval(ops, x):
    if isinstance(x, Variable):
        return x.numpy()
    return ops.to_numpy(ops.as_tensor(x))


def dtype(ops, x):
    if isinstance(x, Variable):
        return x.dtype
    return ops.keras_dtype(ops.as_tensor(x))


def int_shape(ops, x):
    if isinstance(x, Variable):
        return x.shape
    if isinstance(x, ops.tensor_types):
        return ops.shape_of(x)
    return tuple(int(d) for d in np.shape(x))


def get_value(ops, x):
    if not isinstance(x, Variable):
        return eval(ops, x)
    return x.numpy()


def set_value(ops, x, value):
    """Store ``value`` in variable ``x``: converted to its dtype only when no value changes
    (``dtypes.exact_cast``), of its shape exactly."""
    if not isinstance(x, Variable):
        raise TypeError(f"set_value: Expected a variable. Received: x of type {type(x).__name__}")
    if isinstance(value, Variable):
        value = value.value if value.backend_name == ops.name else value.numpy()
    if not (isinstance(value, ops.tensor_types) and value.dtype == ops.native_dtype(x.dtype)):
        if isinstance(value, ops.tensor_types):
            value = ops.to_numpy(value)
        value = exact_cast(densify(value), x.dtype, "set_value", f"variable {x.name!r}")
    new = ops.as_tensor(value, x.dtype)
    if ops.shape_of(new) != x.shape:
        raise ValueError(f"set_value: Expected a value of shape {x.shape} for variable "
                         f"{x.name!r}. Received: value of shape {ops.shape_of(new)}")
    if ops.assign is not None:
        ops.assign(x, new)
    else:
        x.value = ops.xp.asarray(new, copy=True)


def batch_get_value(backend_ops, ops):
    """``ops`` is Keras's name for the list of variables/tensors."""
    return [get_value(backend_ops, x) for x in ops]


def batch_set_value(ops, tuples):
    tuples = list(tuples)
    checked = []
    for pair in tuples:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError("batch_set_value: Expected (variable, value) pairs. Received: "
                             f"{pair!r}")
        x, value = pair
        if not isinstance(x, Variable):
            raise TypeError(f"batch_set_value: Expected a variable. Received: {type(x).__name__}")
        shape = np.shape(densify(value.numpy() if isinstance(value, Variable) else value))
        if tuple(shape) != x.shape:
            raise ValueError(f"batch_set_value: Expected a value of shape {x.shape} for variable "
                             f"{x.name!r}. Received: value of shape {tuple(shape)}")
        checked.append((x, value))
    for x, value in checked:
        set_value(ops, x, value)


def ndim(ops, x):
    if isinstance(x, Variable):
        return x.ndim
    return len(ops.as_tensor(x).shape)


def count_params(ops, x):
    shape = x.shape if isinstance(x, Variable) else ops.shape_of(ops.as_tensor(x))
    return int(np.prod(shape, dtype=np.int64))


def get_variable_shape(ops, x):
    if isinstance(x, Variable):
        return x.shape
    return ops.shape_of(ops.as_tensor(x))


def is_tensor(ops, x):
    return isinstance(x, Variable) or isinstance(x, ops.tensor_types)


def is_sparse(ops, tensor):
    return (hasattr(tensor, "toarray")
            and hasattr(tensor, "nnz")) or bool(ops.is_native_sparse(tensor))


def to_dense(ops, tensor):
    if ops.is_native_sparse(tensor):
        return tensor.to_dense()
    return ops.as_tensor(tensor)


def _filled(ops, fn, shape, dtype, fill):
    dtype = standardize_dtype(dtype or floatx(), fn)
    dims = _shape_tuple(shape, fn)
    return ops.xp.full(dims, fill, dtype=ops.native_dtype(dtype)), dtype


def zeros(ops, shape, dtype=None, name=None):
    value, dtype = _filled(ops, "zeros", shape, dtype, 0)
    return variable(ops, value, dtype=dtype, name=name)


def ones(ops, shape, dtype=None, name=None):
    value, dtype = _filled(ops, "ones", shape, dtype, 1)
    return variable(ops, value, dtype=dtype, name=name)


def eye(ops, size, dtype=None, name=None):
    dtype = standardize_dtype(dtype or floatx(), "eye")
    if isinstance(size, (tuple, list)):
        rows, cols = (int(size[0]), int(size[1]))
    else:
        rows = cols = int(size)
    if rows < 0 or cols < 0:
        raise ValueError(f"eye: Expected a non-negative size. Received: size={size!r}")
    value = ops.xp.eye(rows, cols, dtype=ops.native_dtype(dtype))
    return variable(ops, value, dtype=dtype, name=name)


def zeros_like(ops, x, dtype=None, name=None):
    x = ops.as_tensor(x)
    dtype = standardize_dtype(dtype, "zeros_like") if dtype else ops.keras_dtype(x)
    return ops.xp.zeros(x.shape, dtype=ops.native_dtype(dtype))


def ones_like(ops, x, dtype=None, name=None):
    x = ops.as_tensor(x)
    dtype = standardize_dtype(dtype, "ones_like") if dtype else ops.keras_dtype(x)
    return ops.xp.ones(x.shape, dtype=ops.native_dtype(dtype))


def identity(ops, x, name=None):
    return ops.xp.asarray(ops.as_tensor(x), copy=True)


def cast(ops, x, dtype):
    dtype = standardize_dtype(dtype, "cast")
    return ops.xp.astype(ops.as_tensor(x), ops.native_dtype(dtype))


def arange(ops, start, stop=None, step=1, dtype="int32"):
    dtype = standardize_dtype(dtype, "arange")
    if step == 0:
        raise ValueError("arange: Expected a non-zero step. Received: step=0")
    if stop is None:
        start, stop = 0, start
    if dtype == "bool":
        raise ValueError("arange: Expected a numeric dtype. Received: dtype='bool'")
    return ops.xp.arange(start, stop, step, dtype=ops.native_dtype(dtype))
