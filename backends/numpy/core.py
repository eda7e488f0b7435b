"""NumPy arrays as the shared core (``backends/common/core.py``) sees them: conversion, the
variable class, ``shape`` and the hooks of :data:`OPS`."""

from __future__ import annotations

import numpy as np

from polykeras.backend.variables import Variable
from polykeras.backends.common import core as _shared
from polykeras.backends.common.dtypes import densify, is_weak, standardize_dtype, weak_dtype
from polykeras.backends.common.ops import Ops

__all__ = ["shape"]


class NumpyVariable(Variable):
    backend_name = "numpy"


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


def shape(x):
    return np.asarray(_shared.int_shape(OPS, x), dtype=np.int32)


OPS = Ops(
    name="numpy", xp=np, as_tensor=as_tensor, native_dtype=np.dtype,
    keras_dtype=lambda x: standardize_dtype(x.dtype, "dtype"), variable_class=NumpyVariable,
    tensor_types=(np.ndarray,))
