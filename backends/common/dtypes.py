"""Keras dtype strings, shared by every backend."""

from __future__ import annotations

import numpy as np

#: The dtypes a polykeras tensor may have, as Keras names them.
KERAS_DTYPES = ("float16", "bfloat16", "float32", "float64", "int8", "int16", "int32",
                "int64", "uint8", "bool")
FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")


#: dtype object -> Keras name, for the dtypes already seen (this lookup runs on every API call).
_KNOWN: dict = {}


def standardize_dtype(dtype, fn: str) -> str:
    """Return the Keras name of ``dtype`` (a string, NumPy dtype or type).

    Raises:
        ValueError: ``fn: Expected one of {...}. Received: dtype=...``.
    """
    try:
        return _KNOWN[dtype]
    except (KeyError, TypeError):
        pass
    name = _standardize(dtype, fn)
    try:
        _KNOWN[dtype] = name
    except TypeError:  # an unhashable dtype description
        pass
    return name


def _standardize(dtype, fn):
    if isinstance(dtype, str):
        name = dtype
    else:
        name = getattr(dtype, "name", None) or getattr(dtype, "__name__", None)
        if name is None or name not in KERAS_DTYPES:
            try:
                name = np.dtype(dtype).name
            except TypeError:
                name = str(dtype)
    name = {"float": "float32", "int": "int32", "double": "float64", "half": "float16",
            "bool_": "bool"}.get(name, name)
    if name.startswith("torch."):
        name = name[len("torch."):]
    if name not in KERAS_DTYPES:
        raise ValueError(f"{fn}: Expected one of {set(KERAS_DTYPES)}. Received: dtype={dtype!r}")
    return name


def is_float(dtype: str) -> bool:
    return dtype in FLOAT_DTYPES


def densify(value):
    """A scipy.sparse matrix as a dense NumPy array; anything else unchanged."""
    if hasattr(value, "toarray") and hasattr(value, "nnz"):
        return value.toarray()
    return value
