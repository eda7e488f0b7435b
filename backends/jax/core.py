"""Variables, constants, conversion and introspection on JAX.

The backend enables JAX's 64-bit mode (``jax_enable_x64``) on import, since
the contract includes float64 and int64; every function states its dtypes
explicitly, so 32-bit results stay 32-bit. Arrays live on JAX's default device.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from polykeras.backend.config import floatx
from polykeras.backend.variables import Variable
from polykeras.backends.common.dtypes import (densify, exact_cast, is_weak, standardize_dtype,
                                              weak_dtype)
from polykeras.backends.common.ops import Ops

jax.config.update("jax_enable_x64", True)

__all__ = ["variable", "constant", "eval", "dtype", "int_shape", "get_value", "set_value"]


class JaxVariable(Variable):
    backend_name = "jax"

    def numpy(self):
        return np.array(self.value, copy=True)


def as_tensor(x, dtype=None):
    """``x`` (variable, array, number, list) as a ``jax.Array``.

    ``dtype`` is a Keras dtype string; without it an array keeps its dtype
    and Python numbers and lists follow the dtype rule (``weak_dtype``: floatx,
    int32, bool).
    """
    if isinstance(x, Variable):
        x = x.value if x.backend_name == "jax" else x.numpy()
    if isinstance(x, jax.Array):
        return x if dtype is None or x.dtype == dtype else x.astype(dtype)
    x = densify(x)
    if dtype is None and is_weak(x):  # Python numbers and lists: the dtype rule (common/dtypes.py)
        dtype = weak_dtype(x)
    return jnp.asarray(x, dtype=dtype)


def variable(value, dtype=None, name=None, constraint=None):
    dtype = standardize_dtype(dtype or floatx(), "variable")
    return JaxVariable(jnp.array(as_tensor(value, dtype), copy=True), dtype, name, constraint)


def constant(value, dtype=None, shape=None, name=None):
    dtype = standardize_dtype(dtype or floatx(), "constant")
    array = as_tensor(value, dtype)
    if shape is not None:
        shape = tuple(int(d) for d in shape)
        if array.ndim == 0:
            return jnp.full(shape, array, dtype=dtype)
        if array.size != int(np.prod(shape)):
            raise ValueError(f"constant: a value of shape {array.shape} cannot take shape {shape}")
        return array.reshape(shape)
    return array


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
    value = value.numpy() if isinstance(value, Variable) else value
    if not (isinstance(value, jax.Array) and value.dtype == x.dtype):
        value = exact_cast(densify(value), x.dtype, "set_value", f"variable {x.name!r}")
    new = as_tensor(value, x.dtype)
    if tuple(new.shape) != x.shape:
        raise ValueError(f"set_value: Expected a value of shape {x.shape} for variable "
                         f"{x.name!r}. Received: value of shape {tuple(new.shape)}")
    # a copy: on the CPU an aligned NumPy array can be taken without one, and the variable's
    # buffer may be donated to a compiled function that replaces it (executor.py)
    x.value = jnp.array(new, copy=True)


OPS = Ops(
    name="jax", xp=jnp, as_tensor=as_tensor, native_dtype=jnp.dtype,
    keras_dtype=lambda x: standardize_dtype(x.dtype, "dtype"), variable=variable, get_value=get_value, set_value=set_value,
    tensor_types=(jax.Array,), traced=lambda x: isinstance(x, jax.core.Tracer),
    scan=lambda step, carry, xs: jax.lax.scan(lambda c, x: (step(c, x), None), carry, xs)[0])

# -- the rest of the topic: shared implementations bound to this backend ---------------------
from polykeras.backends.common import core as _shared  # noqa: E402
from polykeras.backends.common.ops import bind_all  # noqa: E402

_SHARED = [n for n in _shared.__all__ if n not in ("py_all", "py_sum")]
globals().update(bind_all(_shared, OPS, _SHARED))
py_all, py_sum = _shared.py_all, _shared.py_sum
__all__ += _SHARED + ["py_all", "py_sum", "shape"]


def shape(x):
    """On JAX the shape is a NumPy int32 array: static, so it can shape other arrays inside jax.jit."""
    return np.asarray(int_shape(x), dtype=np.int32)
