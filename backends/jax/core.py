"""JAX arrays as the shared core (``backends/common/core.py``) sees them: conversion, the
variable class, ``shape`` and the hooks of :data:`OPS`.

The backend enables JAX's 64-bit mode (``jax_enable_x64``) on import, since
the contract includes float64 and int64; every function states its dtypes
explicitly, so 32-bit results stay 32-bit. Arrays live on JAX's default device.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from polykeras.backend.variables import Variable
from polykeras.backends.common import core as _shared
from polykeras.backends.common.dtypes import densify, is_weak, standardize_dtype, weak_dtype
from polykeras.backends.common.ops import Ops

jax.config.update("jax_enable_x64", True)

__all__ = ["shape"]


class JaxVariable(Variable):
    backend_name = "jax"


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


def shape(x):
    """On JAX the shape is a NumPy int32 array: static, so it can shape other arrays inside
    jax.jit."""
    return np.asarray(_shared.int_shape(OPS, x), dtype=np.int32)


def _compiled_ctc_forward():
    from polykeras.backends.common.ctc import ctc_forward
    return jax.jit(ctc_forward, static_argnums=0)


# set_value stores a copy (the default ``assign``): on the CPU an aligned NumPy array can be
# taken without one, and a variable's buffer must belong to it alone (executor.py)
OPS = Ops(
    name="jax", xp=jnp, as_tensor=as_tensor, native_dtype=jnp.dtype,
    keras_dtype=lambda x: standardize_dtype(x.dtype, "dtype"), variable_class=JaxVariable,
    tensor_types=(jax.Array,), traced=lambda x: isinstance(x, jax.core.Tracer),
    stop_gradient=jax.lax.stop_gradient, on_host=jax.debug.callback,
    scan=lambda step, carry, xs: jax.lax.scan(lambda c, x: (step(c, x), None), carry, xs)[0],
    ctc_forward=_compiled_ctc_forward())
