"""Shape and dtype inference for graph nodes, by probing.

An op is run on small NumPy stand-ins ("probes") of its inputs: twice, with
two different sizes substituted for the unknown (``None``) dims; result dims
that differ between the runs are unknown. Probes of small tensors of fully
known shape (shape tensors such as ``K.shape(x)``, scalars) are real values,
kept per size, so ``reshape(x, (K.shape(x)[0], -1))`` infers exactly; other
probes are constant-filled arrays, and variables probe as their own values.
When the probes fail, other attempts follow before the error is raised:
integer stand-ins filled with 1 instead of 0 (a length of 0 may be invalid),
and larger sizes when the inputs have unknown dims (a convolution needing
more pixels). A probe is identified by its key ``(size, integer fill)``.

Element-wise ops skip the probe of full-size arrays: their shape is the
broadcast of their inputs' shapes, their dtype comes from 0-d probes.

NumPy's floating-point warnings are silenced: probes may divide by zero.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from polykeras.backend.variables import Variable

from .tensor import Tensor, flatten_structure, leaves, replace

#: Probing attempts, in order: (the two sizes substituted for unknown dims, integer fill).
ATTEMPTS = (((2, 3), 0), ((2, 3), 1), ((16, 17), 0), ((64, 65), 0))
#: Results with at most this many elements (and a known shape) keep their probe values.
SMALL = 64
#: Ops whose result shape is the broadcast of their tensor inputs' shapes.
ELEMENTWISE = frozenset("""
    __add__ __sub__ __mul__ __truediv__ __floordiv__ __mod__ __pow__ __neg__ __pos__ __abs__
    __lt__ __le__ __gt__ __ge__
    abs cos sin exp log sqrt square sign round pow equal not_equal greater greater_equal less
    less_equal maximum minimum clip cast relu elu sigmoid hard_sigmoid softplus softsign tanh
""".split())

#: Ops whose result has the rank of their input ``x`` and each dim unknown where ``x``'s is:
#: windows with strides map sizes by integer division, under which the two probe sizes can
#: give the same result (2 // 2 == 3 // 2 == 1), which probing alone would take for a known dim.
WINDOWED = frozenset("""
    conv1d conv2d conv3d separable_conv1d separable_conv2d depthwise_conv2d pool2d pool3d
""".split())

_FLOAT_FILL = 0.5
_FLOATS = ("float16", "bfloat16", "float32", "float64")


class ValueDependentError(ValueError):
    """No probe worked and integer inputs without known values may be why (their values decide
    the result's shape, like a fed ``reshape`` target shape)."""


@dataclasses.dataclass
class Meta:
    """What inference found for one result: shape (None for unknown dims), dtype, probes."""

    shape: tuple
    dtype: str
    probes: dict | None  # probe key -> small NumPy value, or None


def numpy_dtype(dtype: str):
    if dtype == "bfloat16":
        import ml_dtypes
        return ml_dtypes.bfloat16
    return np.dtype(dtype)


def keras_dtype(array) -> str:
    from polykeras.backends.common.dtypes import standardize_dtype
    return standardize_dtype(array.dtype, "inference")


def variable_probe(v: Variable) -> np.ndarray:
    """A variable's value as NumPy, without a copy where the framework allows it."""
    value = v.value
    if isinstance(value, np.ndarray):
        return value
    try:
        return np.asarray(value)
    except (TypeError, RuntimeError):
        return v.numpy()


def filled(shape, dtype: str, int_fill=0):
    np_dtype = np.dtype(numpy_dtype(dtype))
    fill = _FLOAT_FILL if np_dtype.kind in "fc" else int_fill
    return np.full(shape, fill, dtype=np_dtype)


def probe(t, key):
    """The NumPy stand-in of ``t`` (Tensor or Variable) for probe ``key = (size, int_fill)``."""
    if isinstance(t, Variable):
        return variable_probe(t)
    probes = t._probes
    if probes is not None:
        value = probes.get(key)
        if value is None and t._probe_fn is not None:
            value = t._probe_fn(key)
            probes[key] = value
        if value is not None:
            return value
    size, int_fill = key
    return filled(tuple(size if d is None else d for d in t._int_shape), t.dtype, int_fill)


def varies(t) -> bool:
    """Whether ``t``'s probe depends on the substituted size."""
    return isinstance(t, Tensor) and t._varies


def _quietly(fn, *args, **kwargs):
    from polykeras.backends.common.checks import skipping
    with warnings.catch_warnings(), np.errstate(all="ignore"), skipping():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _as_numpy(value, to_numpy):
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (bool, int, float, np.generic)):
        return np.asarray(value)
    return np.asarray(to_numpy(value))


def broadcast_shapes(op: str, shapes) -> tuple:
    """The broadcast of ``shapes`` (None for unknown dims), as for NumPy arrays.

    Raises:
        ValueError: naming ``op`` when known dims conflict.
    """
    rank = max((len(s) for s in shapes), default=0)
    out = []
    for axis in range(-rank, 0):
        dims = [s[axis] for s in shapes if len(s) >= -axis]
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            listed = " and ".join(str(tuple(s)) for s in shapes)
            raise ValueError(f"{op}: Expected shapes that broadcast together. Received: shapes {listed}")
        if known:
            out.append(known.pop())
        elif None in dims:
            out.append(None)
        else:
            out.append(1)
    return tuple(out)


def _shape_of(value):
    if isinstance(value, (Tensor, Variable)):
        return value.shape
    return tuple(int(d) for d in value.shape)


def _is_array(value):
    return isinstance(value, (Tensor, Variable)) or hasattr(value, "shape") and hasattr(value, "dtype")


def infer(op: str, fn, params: dict, to_numpy=np.asarray):
    """Infer the result of ``fn(**params)`` for the graph node ``op``.

    Args:
        fn: a raw implementation, called with NumPy probes as keyword arguments.
        to_numpy: converts the recording backend's arrays (literal parameters,
            results of a non-NumPy ``fn``) to NumPy.

    Returns:
        ``(template, metas, probe_fn)``: ``template`` is ``None`` for a single
        result, else the nested list/tuple structure of the results (leaves:
        indices into ``metas``); ``probe_fn(size)`` gives the flattened NumPy
        results for another probe key (``None`` for element-wise ops).

    Raises:
        whatever ``fn`` raises on the probes (the op's own validation), a
        ValueError naming ``op`` for shapes that do not broadcast, or
        :class:`ValueDependentError` when integer inputs of unknown value
        may be the cause.
    """
    inputs = list(leaves(params))
    if op in ELEMENTWISE and not all(_small(t) for t in inputs):
        return _infer_elementwise(op, fn, params, to_numpy)

    def run(key):
        value = _quietly(fn, **_probe_params(params, key, to_numpy))
        flat, template = flatten_structure(value)
        return [_as_numpy(v, to_numpy) for v in flat], template

    size_dependent = any(varies(t) for t in inputs)
    integer_inputs = [t for t in inputs if isinstance(t, Tensor) and t.dtype not in _FLOATS]
    attempts = [(sizes if size_dependent else sizes[:1], fill) for sizes, fill in ATTEMPTS
                if (fill == 0 or integer_inputs) and (sizes == ATTEMPTS[0][0] or size_dependent)]
    first_error = None
    for sizes, fill in attempts:
        keys = [(size, fill) for size in sizes]
        try:
            runs = [run(key) for key in keys]
            break
        except Exception as exc:  # noqa: BLE001 - re-raised unless another attempt works
            first_error = first_error or exc
    else:
        if integer_inputs and isinstance(first_error, (ValueError, TypeError, IndexError)):
            names = ", ".join(repr(t.name) for t in integer_inputs)
            raise ValueDependentError(
                f"{op}: Cannot infer the result's shape while building the graph: it may depend on "
                f"the values of the integer inputs {names}, known only when the function runs. "
                f"Pass such values as constants. Probing with stand-in values raised: "
                f"{first_error}") from first_error
        raise first_error
    (flat, template), others = runs[0], runs[1:]
    metas = []
    for i, value in enumerate(flat):
        shape = tuple(value.shape)
        for other, _ in others:
            shape = tuple(a if a == b else None for a, b in zip(shape, other[i].shape))
        probes = None
        if None not in shape and value.size <= SMALL:
            probes = {key: r[0][i] for key, r in zip(keys, runs)}
        metas.append(Meta(shape, keras_dtype(value), probes))
    x = params.get("x")
    if op in WINDOWED and isinstance(x, (Tensor, Variable)) and len(metas) == 1 \
            and len(metas[0].shape) == len(x.shape) and None in x.shape:
        shape = tuple(None if d is None else s for d, s in zip(x.shape, metas[0].shape))
        metas[0] = Meta(shape, metas[0].dtype, None if None in shape else metas[0].probes)

    def probe_fn(key):
        return run(key)[0]
    return (template if type(template) in (list, tuple) else None), metas, probe_fn


def _probe_params(params, key, to_numpy):
    def convert(value):
        if isinstance(value, (Tensor, Variable)):
            return probe(value, key)
        kind = type(value)
        if kind is list or kind is tuple:
            return kind(convert(v) for v in value)
        if kind is slice:
            return slice(convert(value.start), convert(value.stop), convert(value.step))
        if _is_framework_array(value):
            return _as_numpy(value, to_numpy)
        return value
    return {name: convert(value) for name, value in params.items()}


def _is_framework_array(value):
    return (not isinstance(value, (np.ndarray, np.generic)) and hasattr(value, "shape")
            and hasattr(value, "dtype") and not isinstance(value, type))


def _small(t):
    shape = _shape_of(t)
    if None in shape:
        return False
    return int(np.prod(shape, dtype=np.int64)) <= SMALL


def _infer_elementwise(op, fn, params, to_numpy):
    shapes = [_shape_of(v) for v in params.values() if _is_array(v)]
    shape = broadcast_shapes(op, shapes)

    def zero_d(value):
        if isinstance(value, (Tensor, Variable)):
            return filled((), value.dtype)
        if _is_array(value):
            return filled((), keras_dtype(_as_numpy(value, to_numpy)))
        return value
    result = _as_numpy(_quietly(fn, **{k: zero_d(v) for k, v in params.items()}), to_numpy)
    return None, [Meta(shape, keras_dtype(result), None)], None
