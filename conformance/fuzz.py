"""Property-based fuzzing of the backend API with Hypothesis (``tests/test_fuzz.py`` runs it).

For every ``op`` function of the contract, calls are generated from the function's
conformance cases used as templates (they know the function's argument structure): each
tensor input gets a drawn dtype, a drawn shape (the template's, with dims changed to 0, 1
or another small size, or a rank added or removed: broadcasting and mismatches) and drawn
values; a drawn ``axis`` may be out of range. The property, checked eagerly on every
backend (no JAX compilation per shape):

* either every backend returns, with the same dtype and shape, values that agree with each
  other within the result dtype's tolerance and, where :data:`REFERENCES` has one, with the
  suite's float64 reference;
* or every backend raises ``ValueError`` or ``TypeError`` (the same one) whose message
  starts with the function's name.

Needs ``hypothesis`` (the ``test`` extra).
"""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from polykeras.backend.contract import FUNCTIONS

from . import reference as ref
from .cases.math import UNARY
from .framework import Case, ErrorCase, compare, generate_cases, to_backend, to_numpy

BACKENDS = ("numpy", "torch", "jax")
#: Functions taking callables (``higher_order``: their cases carry Python functions, not data).
SKIPPED = tuple(name for name, spec in FUNCTIONS.items() if spec.higher_order is not None)
#: Functions whose values are random (``random``): only dtypes, shapes and errors are compared.
RANDOM = tuple(name for name, spec in FUNCTIONS.items() if spec.random)
DTYPES = ("float32", "float64", "float16", "int32", "bool")
#: Float inputs stay in [-LIMIT, LIMIT] so float16 sums stay within tolerance.
LIMIT = 4.0


def fuzzed_functions():
    return [name for name, spec in FUNCTIONS.items() if spec.kind == "op" and name not in SKIPPED]


def templates(name):
    """The argument structures of ``name``'s cases with at least one tensor input."""
    out = []
    for case in generate_cases(name):
        if isinstance(case, (Case, ErrorCase)) and _arrays(list(case.args) +
                                                           list(case.kwargs.values())):
            out.append((tuple(case.args), dict(case.kwargs)))
    return out


def _arrays(value):
    if isinstance(value, np.ndarray):
        return 1
    if isinstance(value, (tuple, list)):
        return sum(_arrays(v) for v in value)
    return 0


@st.composite
def _array(draw, template):
    dtype = draw(st.sampled_from((str(template.dtype),) * 3 + DTYPES))
    if dtype not in DTYPES + ("int64", "uint8", "int8", "int16"):
        dtype = str(template.dtype)
    shape = list(template.shape)
    change = draw(st.sampled_from(("same", "same", "same", "dim", "zero", "rank")))
    if change in ("dim", "zero") and shape:
        axis = draw(st.integers(0, len(shape) - 1))
        shape[axis] = 0 if change == "zero" else draw(st.integers(1, 4))
    elif change == "rank":
        shape = shape[1:] if shape and draw(st.booleans()) else [draw(st.integers(1, 3))] + shape
    shape = tuple(min(d, 5) for d in shape)
    np_dtype = np.dtype(dtype)
    if np_dtype.kind == "f":
        # no subnormals: XLA on the CPU flushes them to zero (sign(5e-324) is 0 on JAX), a
        # property of the platform, not of polykeras
        elements = st.floats(-LIMIT, LIMIT, width=min(np_dtype.itemsize * 8, 64),
                             allow_nan=False, allow_infinity=False, allow_subnormal=False)
    elif np_dtype.kind == "b":
        elements = st.booleans()
    else:
        elements = st.integers(0 if np_dtype.kind == "u" else -2, 5)
    return draw(hnp.arrays(np_dtype, shape, elements=elements))


def _mutate(draw, value, rank_hint):
    if isinstance(value, np.ndarray):
        return draw(_array(value))
    if isinstance(value, tuple):
        return tuple(_mutate(draw, v, rank_hint) for v in value)
    if isinstance(value, list):
        return [_mutate(draw, v, rank_hint) for v in value]
    return value


@st.composite
def calls(draw, name):
    """``(args, kwargs)`` of a generated call of ``name``."""
    options = templates(name)
    assume(options)
    args, kwargs = options[draw(st.integers(0, len(options) - 1))]
    args = tuple(_mutate(draw, a, None) for a in args)
    kwargs = {k: _mutate(draw, v, None) for k, v in kwargs.items()}
    if "axis" in kwargs and isinstance(kwargs["axis"], int) and draw(st.integers(0, 3)) == 0:
        kwargs["axis"] = draw(st.integers(-4, 3))
    return args, kwargs


def run_on(backend, name, args, kwargs):
    """``("ok", result)`` or ``("error", exception)`` of one call, the result as NumPy with its
    Keras dtype (``(array, dtype)``, nested like the result)."""
    fn = getattr(backend, name)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            result = fn(*to_backend(backend, args),
                        **{k: to_backend(backend, v) for k, v in kwargs.items()})
            return "ok", _describe(backend, result)
    except Exception as exc:  # noqa: BLE001 - the property inspects it
        return "error", exc


def _describe(backend, result):
    if isinstance(result, (tuple, list)):
        return type(result)(_describe(backend, r) for r in result)
    if result is None or type(result) in (bool, int, float):
        return (np.asarray(result), None)
    return (np.asarray(to_numpy(backend, result)), backend.dtype(result))


def _flat(described):
    if isinstance(described, (tuple, list)) and not (
            len(described) == 2 and isinstance(described[0], np.ndarray)):
        return [leaf for d in described for leaf in _flat(d)]
    return [described]


def check_property(name, outcomes, args, kwargs):
    """Assert the fuzzing property over ``outcomes`` (backend name -> run_on result)."""
    errors = {b: o[1] for b, o in outcomes.items() if o[0] == "error"}
    call = f"{name}({_short(args, kwargs)})"
    for b, exc in errors.items():
        if not isinstance(exc, (ValueError, TypeError)) or not str(exc).startswith(name):
            raise AssertionError(f"{call} on {b}: {type(exc).__name__}: {str(exc)[:300]} (expected "
                                 f"ValueError/TypeError starting with {name!r})")
    if errors:
        if len(errors) != len(outcomes):
            fine = [b for b in outcomes if b not in errors]
            raise AssertionError(f"{call}: raised on {sorted(errors)} "
                                 f"({next(iter(errors.values()))}) but not on {fine}")
        kinds = {b: (ValueError if isinstance(e, ValueError) else TypeError)
                 for b, e in errors.items()}
        if len(set(kinds.values())) > 1:
            raise AssertionError(f"{call}: different errors: " + ", ".join(
                f"{b}: {type(e).__name__}: {e}" for b, e in errors.items()))
        return
    results = {b: _flat(o[1]) for b, o in outcomes.items()}
    first = BACKENDS[0]
    for b in BACKENDS[1:]:
        if len(results[b]) != len(results[first]):
            raise AssertionError(f"{call}: {len(results[b])} results on {b}, "
                                 f"{len(results[first])} on {first}")
        for i, ((va, da), (vb, db)) in enumerate(zip(results[first], results[b])):
            if da != db:
                raise AssertionError(f"{call}: result {i} dtype {da} on {first}, {db} on {b}")
            if va.shape != vb.shape:
                raise AssertionError(f"{call}: result {i} shape {va.shape} on {first}, "
                                     f"{vb.shape} on {b}")
            if name not in RANDOM:
                compare(vb.astype(np.float64) if vb.dtype.kind != "b" else vb,
                        va.astype(np.float64) if va.dtype.kind != "b" else va, da,
                        where=f"{call}: result {i}, {b} vs {first}")
    reference = REFERENCES.get(name)
    if reference is not None and name not in RANDOM:
        with np.errstate(all="ignore"):
            expected = reference(*args, **kwargs)
        (value, dtype), = results[first][:1]
        if np.dtype(dtype).kind == "f":
            # beyond the dtype's range the exact answer is an infinity of the same sign
            limit = float(np.finfo(dtype).max)
            expected = np.asarray(expected, np.float64)
            expected = np.where(np.abs(expected) > limit, np.sign(expected) * np.inf, expected)
        compare(value.astype(np.float64) if value.dtype.kind != "b" else value,
                np.asarray(expected), dtype, where=f"{call}: {first} vs the float64 reference")


def _short(args, kwargs):
    def short(v):
        if isinstance(v, np.ndarray):
            return f"array{v.shape}:{v.dtype}"
        if isinstance(v, (tuple, list)):
            return "[" + ", ".join(short(x) for x in v) + "]"
        return repr(v)
    return ", ".join([short(a) for a in args] + [f"{k}={short(v)}" for k, v in kwargs.items()])


def _f64(x):
    return np.asarray(x).astype(np.float64)


def _reduction(fn):
    def reference(x, axis=None, keepdims=False):
        return fn(_f64(x), axis=_axes(axis), keepdims=keepdims)
    return reference


def _axes(axis):
    return tuple(axis) if isinstance(axis, list) else axis


#: float64 references (never a backend) for the functions whose cases have a closed form.
REFERENCES = {name: (lambda fn: lambda x: fn(_f64(x)))(fn)  # noqa: B023 - bound by the outer call
              for name, (fn, _) in UNARY.items()}
REFERENCES.update({
    "sum": _reduction(np.sum), "prod": _reduction(np.prod), "mean": _reduction(np.mean),
    "max": _reduction(np.max), "min": _reduction(np.min), "std": _reduction(np.std),
    "var": _reduction(np.var),
    "maximum": lambda x, y: np.maximum(_f64(x), _f64(y)),
    "minimum": lambda x, y: np.minimum(_f64(x), _f64(y)),
    "logsumexp": lambda x, axis=None, keepdims=False: (
        ref.logsumexp(x, _axes(axis), keepdims) if np.size(x) else
        np.logaddexp.reduce(_f64(x), axis=_axes(axis), keepdims=keepdims)),
    "tanh": lambda x: np.tanh(_f64(x)),
    "softsign": lambda x: _f64(x) / (1 + np.abs(_f64(x))),
    "softplus": lambda x: np.logaddexp(0.0, _f64(x)),
    "sigmoid": lambda x: 1 / (1 + np.exp(-_f64(x))),
    "transpose": lambda x: _f64(x).T,
    "flatten": lambda x: _f64(x).reshape(-1),
    "cumsum": lambda x, axis=0: np.cumsum(_f64(x), axis=axis),
    "cumprod": lambda x, axis=0: np.cumprod(_f64(x), axis=axis),
})
