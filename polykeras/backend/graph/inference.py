"""Shape and dtype inference for graph nodes: contract-level rules, else the recording backend.

The result of an op is inferred twice, with two different sizes put in place of the unknown
(``None``) dims; result dims that differ between the two are unknown. Each time:

* an op with a rule (:mod:`.rules`: element-wise functions and operators, reductions,
  shape manipulation, ``dot``, convolutions and pooling, losses) gets its inputs' shapes,
  dtypes and known values (:class:`.rules.Spec`) and states the result's shape and dtype
  by the contract and the dtype rule (docs/ARCHITECTURE.md). No backend runs.
* any other op (the fallback: the rarer ``nn`` functions, ``ctc``, ``batch_dot``, random
  draws with a symbolic shape, ...) runs the *recording* backend's own raw function on
  stand-ins made by that backend (``constant``), and reads the result with the backend's
  ``int_shape``/``dtype``/``eval``. The graph never picks one backend to stand for others:
  a third-party backend's graph gets its own functions' shapes and dtypes.

Small results of fully known shape (``K.shape(x)``, scalars) keep their values per size
("probes"), so ``reshape(x, (K.shape(x)[0], -1))`` infers exactly; rules compute them on the
host (:data:`.rules.VALUES`), the fallback reads them back. When an attempt fails, other
attempts follow before the error is raised: integer stand-ins filled with 1 instead of 0 (a
length of 0 may be invalid), and larger sizes when the inputs have unknown dims (a
convolution needing more pixels). A probe is identified by its key ``(size, integer fill)``.

NumPy's floating-point warnings are silenced: stand-ins may divide by zero.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from polykeras.backend.variables import Variable

from . import rules
from .tensor import Tensor, flatten_structure, leaves

#: Attempts, in order: (the two sizes substituted for unknown dims, integer fill).
ATTEMPTS = (((2, 3), 0), ((2, 3), 1), ((16, 17), 0), ((64, 65), 0))
#: Results with at most this many elements (and a known shape) keep their values.
SMALL = 64
#: Ops whose result has the rank of their input ``x`` and each dim unknown where ``x``'s is:
#: windows with strides map sizes by integer division, under which the two probe sizes can
#: give the same result (2 // 2 == 3 // 2 == 1), which probing alone would take for a known dim.
WINDOWED = frozenset("""
    conv1d conv2d conv3d separable_conv1d separable_conv2d depthwise_conv2d pool2d pool3d
""".split())

_FLOAT_FILL = 0.5
_FLOATS = ("float16", "bfloat16", "float32", "float64")


#: No attempt worked and integer inputs without known values may be why (their values decide
#: the result's shape, like a fed ``reshape`` target shape).
ValueDependentError = rules.ValueDependentError


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
    """The Keras name of an array's dtype (NumPy's, or any framework's whose dtype names end
    with the Keras name: ``torch.float32``)."""
    from polykeras.backends.common.dtypes import standardize_dtype
    dtype = array.dtype
    if not isinstance(dtype, (np.dtype, str)):
        dtype = str(dtype).rsplit(".", 1)[-1]
    return standardize_dtype(dtype, "inference")


def literal_shape(value) -> tuple:
    """The shape of a literal (a framework array, a NumPy array, a number or a list)."""
    shape = getattr(value, "shape", None)
    if shape is not None and not isinstance(value, type):
        return tuple(int(d) for d in shape)
    return tuple(np.shape(value))


def host_value(value, raw=None) -> np.ndarray:
    """A literal's values as NumPy (a framework array read by its backend's ``eval``)."""
    if isinstance(value, (np.ndarray, np.generic, bool, int, float, list, tuple)):
        return np.asarray(value)
    if raw is not None:
        return np.asarray(raw.eval(value))
    return np.asarray(value)


def varies(t) -> bool:
    """Whether ``t``'s probe depends on the substituted size."""
    return isinstance(t, Tensor) and t._varies


def known_value(t, key):
    """The value of Tensor ``t`` for probe ``key``, when it is known (small results), else None."""
    probes = t._probes
    if probes is None:
        return None
    value = probes.get(key)
    if value is None and t._probe_fn is not None:
        value = probes[key] = t._probe_fn(key)
    return value


def _quietly(fn, *args, **kwargs):
    from polykeras.backends.common.checks import skipping
    with warnings.catch_warnings(), np.errstate(all="ignore"), skipping():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


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
            raise ValueError(f"{op}: Expected shapes that broadcast together. "
                             f"Received: shapes {listed}")
        if known:
            out.append(known.pop())
        elif None in dims:
            out.append(None)
        else:
            out.append(1)
    return tuple(out)


def _concrete(shape, size):
    return tuple(rules.Unknown(size) if d is None else d for d in shape)


def _small(shape) -> bool:
    return int(np.prod(shape, dtype=np.int64)) <= SMALL


def infer(op: str, raw, params: dict):
    """Infer the result of ``op(**params)`` for the graph node ``op``.

    Args:
        raw: the recording backend's raw functions (``module.__raw__``), for the ops
            without a rule.

    Returns:
        ``(template, metas, probe_fn)``: ``template`` is ``None`` for a single
        result, else the nested list/tuple structure of the results (leaves:
        indices into ``metas``); ``probe_fn(key)`` gives the flattened results'
        values for another probe key.

    Raises:
        the rule's or the function's error for these shapes and dtypes (naming ``op``),
        or :class:`ValueDependentError` when integer inputs of unknown value may be the
        cause.
    """
    inputs = list(leaves(params))
    rule = rules.RULES.get(op)

    def run(key):
        nonlocal rule
        if rule is not None:
            try:
                return _by_rule(op, rule, params, key, raw)
            except rules.Unruled:
                rule = None
        return _by_backend(op, raw, params, key)

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
        except rules.ValueNeeded:
            raise
        except Exception as exc:  # noqa: BLE001 - re-raised unless another attempt works
            first_error = first_error or exc
    else:
        if integer_inputs and isinstance(first_error, (ValueError, TypeError, IndexError)):
            names = ", ".join(repr(t.name) for t in integer_inputs)
            raise ValueDependentError(
                f"{op}: Cannot infer the result's shape while building the graph: it may depend on "
                f"the values of the integer inputs {names}, known only when the function runs. "
                f"Pass such values as constants. Inferring with stand-in values raised: "
                f"{first_error}") from first_error
        raise first_error
    (flat, template), others = runs[0], runs[1:]
    metas = []
    for i, (shape, dtype, _) in enumerate(flat):
        for other, _ in others:
            shape = tuple(a if a == b else None for a, b in zip(shape, other[i][0]))
        probes = None
        if None not in shape and all(r[0][i][2] is not None for r in runs):
            probes = {key: r[0][i][2] for key, r in zip(keys, runs)}
        metas.append(Meta(shape, dtype, probes))
    x = params.get("x")
    if op in WINDOWED and isinstance(x, (Tensor, Variable)) and len(metas) == 1 \
            and len(metas[0].shape) == len(x.shape) and None in x.shape:
        shape = tuple(None if d is None else s for d, s in zip(x.shape, metas[0].shape))
        metas[0] = Meta(shape, metas[0].dtype, None if None in shape else metas[0].probes)

    def probe_fn(key):
        return [value for _, _, value in run(key)[0]]
    return (template if type(template) in (list, tuple) else None), metas, probe_fn


# -- by rule -----------------------------------------------------------------------------

def _specs(params, key, raw):
    size = key[0]

    def convert(value):
        if isinstance(value, Tensor):
            return rules.Spec(_concrete(value.shape, size), value.dtype, known_value(value, key))
        if isinstance(value, Variable):
            return rules.Spec(tuple(value.shape), value.dtype)
        kind = type(value)
        if kind is list or kind is tuple:
            return kind(convert(v) for v in value)
        if kind is slice:
            return slice(convert(value.start), convert(value.stop), convert(value.step))
        if _is_framework_array(value):
            shape = literal_shape(value)
            host = host_value(value, raw) if _small(shape) else None
            return rules.Spec(shape, keras_dtype(value), host)
        return value
    return {name: convert(value) for name, value in params.items()}


def _by_rule(op, rule, params, key, raw):
    specs = _specs(params, key, raw)
    out = rule(**specs)
    value = out.value
    compute = rules.VALUES.get(op)
    if value is None and compute is not None and _small(out.shape):
        host = _host_params(specs)
        if host is not None:
            value = _quietly(compute, **host)
    if value is not None:
        value = np.asarray(value).astype(numpy_dtype(out.dtype), copy=False)
        if value.shape != out.shape:
            value = None
    return [(out.shape, out.dtype, value)], None


def _host_params(specs):
    """The parameters with every Spec replaced by its value; None when one is unknown."""
    missing = []

    def convert(value):
        if isinstance(value, rules.Spec):
            if value.value is None:
                missing.append(value)
            return value.value
        kind = type(value)
        if kind is list or kind is tuple:
            return kind(convert(v) for v in value)
        if kind is slice:
            return slice(convert(value.start), convert(value.stop), convert(value.step))
        return value
    host = {name: convert(value) for name, value in specs.items()}
    return None if missing else host


# -- by the recording backend (the fallback) -------------------------------------------

def _stand_in(raw, t, key):
    """The recording backend's array standing for Tensor ``t`` at ``key``."""
    value = known_value(t, key)
    if value is not None:
        return raw.constant(value, dtype=t.dtype)
    size, int_fill = key
    fill = _FLOAT_FILL if t.dtype in _FLOATS else (int_fill if t.dtype != "bool" else False)
    return raw.constant(fill, dtype=t.dtype, shape=_concrete(t.shape, size))


def _by_backend(op, raw, params, key):
    def convert(value):
        if isinstance(value, Tensor):
            return _stand_in(raw, value, key)
        kind = type(value)
        if kind is list or kind is tuple:
            return kind(convert(v) for v in value)
        if kind is slice:
            return slice(convert(value.start), convert(value.stop), convert(value.step))
        return value
    fn = getattr(raw, op)
    result = _quietly(fn, **{name: convert(value) for name, value in params.items()})
    flat, template = flatten_structure(result)
    return [_read(raw, v) for v in flat], template


def _read(raw, value):
    """(shape, dtype, small value or None) of one result, read through the backend's API."""
    if raw.is_tensor(value):
        shape, dtype = tuple(raw.int_shape(value)), raw.dtype(value)
        host = np.asarray(raw.eval(value)) if _small(shape) else None
        return shape, dtype, host
    array = np.asarray(value)
    return tuple(array.shape), keras_dtype(array), array if array.size <= SMALL else None


def _is_framework_array(value):
    return (hasattr(value, "shape") and hasattr(value, "dtype") and not isinstance(value, type))
