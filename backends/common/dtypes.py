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


def exact_cast(value, dtype: str, fn: str, what: str) -> np.ndarray:
    """``value`` (array-like) as a NumPy array of Keras ``dtype``, refusing any lossy change.

    Used where a user's values enter a variable or a compiled function (``set_value``, feeds,
    ``fit``'s arrays): a conversion that would change values is an error, never a silent
    wrap-around, truncation, ``inf`` or NaN.

    Raises:
        TypeError: ``fn: ...`` for values that are not numbers (strings, ``None`` in an object
            array) and for floats that are not whole numbers given to an integer or bool dtype.
        ValueError: ``fn: ...`` for values out of the range of ``dtype`` (an int64 2**40 to
            int32, a float64 1e300 to float32, a 2 to bool).
    """
    array = value if isinstance(value, np.ndarray) else np.asarray(value)
    target = _numpy_dtype(dtype)
    if array.dtype == target:
        return array
    kind = array.dtype.kind
    if kind == "O":
        bad = _non_number(array)
        if bad is not None:
            raise TypeError(f"{fn}: Expected numbers for {what}. Received: an object array "
                            f"holding {bad}")
        array = np.array(array.tolist())
        kind = array.dtype.kind
    if kind not in "biuf":
        raise TypeError(f"{fn}: Expected numbers for {what} (dtype {dtype}). Received: dtype "
                        f"{array.dtype}")
    if np.can_cast(array.dtype, target, casting="safe") or array.size == 0:
        return array.astype(target)
    if target.kind == "b":
        if np.isin(array, (0, 1)).all():
            return array.astype(target)
        raise ValueError(f"{fn}: Expected 0 or 1 for {what} of dtype bool. Received: values "
                         f"such as {_first(array, ~np.isin(array, (0, 1)))}")
    if target.kind in "iu" and kind == "f":
        whole = np.isfinite(array) & (np.floor(array) == array)
        if not whole.all():
            raise TypeError(f"{fn}: Expected whole numbers for {what} of dtype {dtype}. "
                            f"Received: {_first(array, ~whole)} (dtype {array.dtype}), which "
                            f"cannot be converted without losing values")
    if target.kind in "iu":
        info = np.iinfo(target)
        inside = (array >= info.min) & (array <= info.max)
        if not inside.all():
            raise ValueError(f"{fn}: Expected values in [{info.min}, {info.max}] for {what} of "
                             f"dtype {dtype}. Received: {_first(array, ~inside)}")
        return array.astype(target)
    with np.errstate(over="ignore", invalid="ignore"):
        cast = array.astype(target)
    if kind == "f":
        overflow = np.isinf(cast) & np.isfinite(array)
        if overflow.any():
            raise ValueError(f"{fn}: Expected values within the range of {dtype} (magnitude <= "
                             f"{float(np.finfo(target).max):.6g}) for {what}. Received: "
                             f"{_first(array, overflow)}")
    return cast


def _numpy_dtype(dtype):
    if dtype == "bfloat16":
        import ml_dtypes
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(dtype)


def _first(array, mask):
    value = array[mask].reshape(-1)[0]
    return repr(value.item() if hasattr(value, "item") else value)


def _non_number(array):
    """The first element of an object array that is not a real number, as text; else None."""
    for item in array.reshape(-1):
        if isinstance(item, (bool, int, float, np.bool_, np.integer, np.floating)):
            continue
        return repr(item)
    return None


# -- the dtype rule (docs/ARCHITECTURE.md, "The dtype rule") ----------------------------------

_INT32 = (-2 ** 31, 2 ** 31 - 1)
_KIND = {"bool": 0, "uint8": 1, "int8": 1, "int16": 1, "int32": 1, "int64": 1,
         "float16": 2, "bfloat16": 2, "float32": 2, "float64": 2}
_BITS = {"uint8": 8, "int8": 8, "int16": 16, "int32": 32, "int64": 64,
         "float16": 16, "bfloat16": 16, "float32": 32, "float64": 64}


def is_python_scalar(value) -> bool:
    """A Python bool, int or float (NumPy scalars are arrays of their own dtype)."""
    return type(value) in (bool, int, float)


def is_weak(value) -> bool:
    """A Python number, or a (nested) non-empty list/tuple of Python numbers: a value with no
    dtype of its own, which takes the dtype of the tensors it meets."""
    if type(value) in (bool, int, float):
        return True
    if type(value) in (list, tuple) and value:
        return all(is_weak(v) for v in value)
    return False


def _python_leaves(value):
    if type(value) in (list, tuple):
        for v in value:
            yield from _python_leaves(v)
    else:
        yield value


def weak_dtype(value) -> str:
    """The dtype of a weak value on its own: bool; int32 (int64 when a value does not fit in
    int32); floatx when any element is a float."""
    from polykeras.backend.config import floatx
    leaves = list(_python_leaves(value))
    if any(type(v) is float for v in leaves):
        return floatx()
    if all(type(v) is bool for v in leaves):
        return "bool"
    if all(_INT32[0] <= v <= _INT32[1] for v in leaves):
        return "int32"
    return "int64"


def promote(*dtypes: str) -> str:
    """The common dtype of tensors of Keras ``dtypes``, the same on every backend.

    bool joins anything as the other dtype; integers join floats at the float's dtype (the
    widest float present); among integers the widest, and an unsigned uint8 with a signed
    integer gives at least int16; among floats the widest, float16 with bfloat16 gives
    float32. (NumPy alone would make int32 + float32 float64; PyTorch and JAX do not.)
    """
    dtypes = [d for d in dtypes if d != "bool"] or ["bool"]
    floats = [d for d in dtypes if _KIND[d] == 2]
    if floats:
        if len(set(floats)) == 1:
            return floats[0]
        if set(floats) == {"float16", "bfloat16"}:
            return "float32"
        return max(floats, key=lambda d: (_BITS[d], d == "float32"))
    if dtypes == ["bool"]:
        return "bool"
    signed = [d for d in dtypes if d != "uint8"]
    if not signed:
        return "uint8"
    widest = max(signed, key=_BITS.get)
    if "uint8" in dtypes and _BITS[widest] < 16:
        return "int16"
    return widest


def weak_joined(dtype: str, value, fn: str) -> str:
    """The dtype of weak ``value`` combined with a tensor of ``dtype``: ``dtype`` when the value
    is of its kind or lower (a Python float with float16 stays float16); floatx for a float
    with an integer or bool tensor; int32 for an integer with a bool tensor.

    Raises:
        ValueError: ``fn: ...`` for a Python integer out of the range of an integer ``dtype``.
    """
    own = weak_dtype(value)
    if _KIND[own] > _KIND[dtype]:
        return own if own != "int64" else "int64"
    if _KIND[dtype] == 1 and _KIND[own] == 1:
        info = np.iinfo(dtype)
        for v in _python_leaves(value):
            if not info.min <= v <= info.max:
                raise ValueError(f"{fn}: Expected Python integers in [{info.min}, {info.max}] to "
                                 f"combine with a tensor of dtype {dtype}. Received: {v}")
    return dtype


def common_dtype(values, keras_dtype, fn: str) -> str:
    """The dtype the values of one operation are brought to (docs/ARCHITECTURE.md): the
    :func:`promote` of the tensors' dtypes (``keras_dtype(v)``), then joined with each weak
    value (:func:`weak_joined`); with weak values only, the promote of their own dtypes."""
    weak = [v for v in values if is_weak(v)]
    strong = [keras_dtype(v) for v in values if not is_weak(v)]
    if not strong:
        return promote(*[weak_dtype(v) for v in weak])
    dtype = promote(*strong)
    for v in weak:
        dtype = weak_joined(dtype, v, fn)
    return dtype
