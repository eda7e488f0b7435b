"""The building blocks of the conformance suite: cases, tolerances, and running one case.

A case file (``conformance/cases/<topic>.py``) registers, for each API
function, generators of cases with :func:`cases_for`::

    @cases_for("sum")
    def _sum(rng):
        for dtype in FLOAT_DTYPES:
            x = rng.standard_normal((3, 4)).astype(dtype)
            yield Case(args=(x,), kwargs={"axis": -1},
                       expected=ref.sum(x.astype("float64"), axis=-1), dtype=dtype)

Conventions every case follows:

* A ``numpy.ndarray`` in ``args``/``kwargs`` is a *tensor input*: the runner
  turns it into a backend tensor with ``backend.constant(value, dtype)``
  (same dtype as the array). ``Var(array)`` makes a backend variable instead.
  Anything else (Python numbers, tuples, strings, callables) is passed as is.
* A function argument that reads tensors from outside (an RNN step using
  its cell's weights) is a :class:`Closure`: the runner builds the function
  on the backend from its captured tensors, so the symbolic re-run can feed
  them and the gradient check can differentiate with respect to them.
* ``expected`` is computed by independent float64 reference code kept in the
  suite (``conformance/reference.py`` or the case file): never by a backend.
* The comparison tolerance comes from :data:`TOLERANCES`, by the dtype of the
  result, unless the case overrides ``rtol``/``atol``.
* Every :class:`Case` also checks the result's ``dtype`` (when given) and
  ``int_shape`` (the expected array's shape unless ``shape`` is given).

:class:`ErrorCase` checks that invalid input raises the given exception type
with a message naming the function. :class:`CustomCase` runs arbitrary checks
(seeding, statefulness) given the backend.
"""

from __future__ import annotations

import dataclasses
import re
import zlib
from typing import Any, Callable, Iterable

import numpy as np

FLOAT_DTYPES = ("float16", "float32", "float64")

#: Comparison tolerances by result dtype, written down once for the whole suite.
TOLERANCES = {
    "float16": {"rtol": 1e-2, "atol": 1e-2},
    "bfloat16": {"rtol": 4e-2, "atol": 4e-2},
    "float32": {"rtol": 1e-4, "atol": 1e-5},
    "float64": {"rtol": 1e-9, "atol": 1e-10},
}
#: Integer and boolean results must match exactly.
EXACT = {"rtol": 0.0, "atol": 0.0}


def tolerance(dtype: str) -> dict:
    """The ``rtol``/``atol`` for results of ``dtype``."""
    return TOLERANCES.get(str(dtype), EXACT)


@dataclasses.dataclass(frozen=True)
class Var:
    """Marks a tensor input that the runner passes as a backend *variable*."""

    value: np.ndarray


@dataclasses.dataclass(frozen=True)
class Closure:
    """A function argument (``fn`` of ``map_fn``, ``step_function`` of ``rnn``) that reads
    tensors from outside, as a recurrent cell reads its weights.

    Attributes:
        make: ``make(backend, *captured) -> callable`` builds the function on ``backend``
            from the backend tensors standing for ``captured``.
        captured: the arrays it reads (``numpy.ndarray`` or :class:`Var`), converted like
            tensor inputs: constants when a case runs eagerly, placeholders in the
            symbolic re-run, float64 variables the gradient check differentiates against.
        name: shown in case descriptions.
    """

    make: Callable
    captured: tuple = ()
    name: str = "closure"


@dataclasses.dataclass
class Case:
    """Call the function with ``args``/``kwargs`` and compare with ``expected``.

    Attributes:
        args, kwargs: the call (see the module docstring for tensor inputs).
        expected: float64 reference result: array, number, or a tuple/list of
            them for functions returning several tensors. ``None`` when only
            ``check`` decides.
        dtype: the Keras dtype string the result must have (for tuples, one
            string for all or a tuple of strings); ``None`` skips the check.
        shape: the ``int_shape`` the result must have; by default the shape
            of ``expected``.
        check: optional ``check(result, backend)`` raising ``AssertionError``;
            ``result`` is already converted to NumPy.
        rtol, atol: override the tolerance of the result dtype.
        label: a short description shown in failures.
        differentiable: whether issue 4's gradient check applies to this case.
    """

    args: tuple = ()
    kwargs: dict = dataclasses.field(default_factory=dict)
    expected: Any = None
    dtype: Any = None
    shape: Any = None
    check: Callable | None = None
    rtol: float | None = None
    atol: float | None = None
    label: str = ""
    differentiable: bool = True


@dataclasses.dataclass
class ErrorCase:
    """Calling the function must raise ``raises`` with a message naming it.

    ``match`` is an extra regular expression the message must contain.
    """

    args: tuple = ()
    kwargs: dict = dataclasses.field(default_factory=dict)
    raises: type | tuple = ValueError
    match: str | None = None
    label: str = ""


@dataclasses.dataclass
class CustomCase:
    """``run(backend)`` performs its own checks, raising ``AssertionError`` on failure."""

    run: Callable
    label: str = ""


#: name -> list of case generators ``gen(rng) -> iterable of cases``
CASES: dict[str, list[Callable]] = {}


def cases_for(*names: str):
    """Register the decorated generator as a source of cases for ``names``."""
    def register(gen: Callable[[np.random.Generator], Iterable]):
        for name in names:
            CASES.setdefault(name, []).append(gen)
        return gen
    return register


def rng_for(name: str) -> np.random.Generator:
    """The seeded generator for ``name``'s cases: same inputs on every run and backend."""
    return np.random.default_rng(zlib.crc32(name.encode()))


def generate_cases(name: str) -> list:
    """All cases registered for ``name``, generated with that name's seeded generator."""
    rng = rng_for(name)
    cases = []
    for gen in CASES.get(name, ()):
        cases.extend(gen(rng))
    return cases


# -- running one case on a backend -------------------------------------------------

def to_backend(backend, value):
    """Turn case inputs into backend inputs (see the module docstring)."""
    if isinstance(value, Closure):
        return value.make(backend, *to_backend(backend, tuple(value.captured)))
    if isinstance(value, Var):
        return backend.variable(value.value, dtype=str(value.value.dtype))
    if isinstance(value, (np.ndarray, np.generic)):
        return backend.constant(value, dtype=str(value.dtype))
    if isinstance(value, tuple):
        return tuple(to_backend(backend, v) for v in value)
    if isinstance(value, list):
        return [to_backend(backend, v) for v in value]
    return value


def to_numpy(backend, result):
    """Convert a backend result (tensor, variable, tuple/list of them) to NumPy."""
    if isinstance(result, (tuple, list)):
        return type(result)(to_numpy(backend, r) for r in result)
    if result is None or isinstance(result, (bool, int, float, str)):
        return result
    return np.asarray(backend.eval(result))


def _describe(args, kwargs) -> str:
    def short(v):
        if isinstance(v, Closure):
            return f"{v.name}<{', '.join(short(c) for c in v.captured)}>"
        if isinstance(v, Var):
            return f"Var({short(v.value)})"
        if isinstance(v, (np.ndarray, np.generic)):
            return f"array{v.shape}:{v.dtype}"
        if isinstance(v, (tuple, list)):
            inner = ", ".join(short(x) for x in v)
            return f"({inner})" if isinstance(v, tuple) else f"[{inner}]"
        if callable(v):
            return getattr(v, "__name__", "fn")
        return repr(v)
    parts = [short(a) for a in args] + [f"{k}={short(v)}" for k, v in kwargs.items()]
    return ", ".join(parts)


def describe(name: str, case) -> str:
    if isinstance(case, CustomCase):
        return f"{name} [{case.label or 'custom case'}]"
    text = f"{name}({_describe(case.args, case.kwargs)})"
    return f"{text} [{case.label}]" if case.label else text


def compare(actual, expected, dtype, rtol=None, atol=None, where="result"):
    """Assert ``actual`` (NumPy) matches ``expected`` within the dtype's tolerance."""
    if isinstance(expected, (tuple, list)):
        if not isinstance(actual, (tuple, list)) or len(actual) != len(expected):
            raise AssertionError(f"{where}: expected a sequence of {len(expected)} results, "
                                 f"got {type(actual).__name__}")
        dtypes = dtype if isinstance(dtype, (tuple, list)) else [dtype] * len(expected)
        for i, (a, e, d) in enumerate(zip(actual, expected, dtypes)):
            compare(a, e, d, rtol, atol, where=f"{where}[{i}]")
        return
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    if actual.shape != expected.shape:
        raise AssertionError(f"{where}: shape {actual.shape} != expected {expected.shape}")
    kind = expected.dtype.kind
    if kind in "biu" and actual.dtype.kind in "biu":
        if not np.array_equal(actual, expected):
            bad = np.argwhere(actual != expected)[:3].tolist()
            raise AssertionError(f"{where}: values differ at {bad}")
        return
    tol = tolerance(dtype if dtype else str(actual.dtype))
    rtol = tol["rtol"] if rtol is None else rtol
    atol = tol["atol"] if atol is None else atol
    a64 = actual.astype(np.complex128 if actual.dtype.kind == "c" else np.float64)
    if not np.allclose(a64, expected, rtol=rtol, atol=atol, equal_nan=True):
        with np.errstate(invalid="ignore"):
            err = np.abs(a64 - expected)
            worst = np.unravel_index(np.nanargmax(err), err.shape) if err.size else ()
        raise AssertionError(
            f"{where}: max abs error {np.nanmax(err) if err.size else 0:.3g} at "
            f"{tuple(int(i) for i in worst)} "
            f"(got {a64[worst] if err.size else a64}, expected "
            f"{expected[worst] if err.size else expected}; "
            f"rtol={rtol}, atol={atol})")


def leaves(value) -> list:
    """The non-list/tuple leaves of a (nested) result, in order."""
    if isinstance(value, (tuple, list)):
        return [leaf for v in value for leaf in leaves(v)]
    return [value]


def _check_meta(backend, result, case, name):
    """Check ``dtype`` and ``int_shape`` of a raw backend result (nested results leaf by leaf)."""
    results = leaves(result)
    expected = leaves(case.expected)
    dtypes = case.dtype if isinstance(case.dtype, (tuple, list)) else [case.dtype] * len(results)
    shapes = case.shape if case.shape is not None else [None] * len(results)
    if case.shape is not None and not isinstance(result, (tuple, list)):
        shapes = [case.shape]
    for i, (r, d) in enumerate(zip(results, dtypes)):
        if r is None or isinstance(r, (bool, int, float)):
            continue
        where = f"{name} result[{i}]" if len(results) > 1 else f"{name} result"
        if d is not None:
            got = backend.dtype(r)
            if got != d:
                raise AssertionError(f"{where}: dtype {got!r} != expected {d!r}")
        want = shapes[i] if i < len(shapes) else None
        if want is None and i < len(expected) and expected[i] is not None:
            want = np.shape(expected[i])
        if want is not None:
            got = backend.int_shape(r)
            if tuple(got) != tuple(want):
                raise AssertionError(f"{where}: int_shape {got} != expected {tuple(want)}")


def run_case(backend, name: str, case) -> None:
    """Run one case of function ``name`` on ``backend``; raise ``AssertionError`` on failure."""
    if isinstance(case, CustomCase):
        case.run(backend)
        return
    fn = getattr(backend, name)
    args = to_backend(backend, case.args)
    kwargs = {k: to_backend(backend, v) for k, v in case.kwargs.items()}
    if isinstance(case, ErrorCase):
        try:
            fn(*args, **kwargs)
        except case.raises as exc:
            message = str(exc)
            if name not in message:
                raise AssertionError(
                    f"{type(exc).__name__} raised, but its message does not name {name!r}: "
                    f"{message!r}") from exc
            if case.match and not re.search(case.match, message):
                raise AssertionError(
                    f"message {message!r} does not match {case.match!r}") from exc
            return
        except Exception as exc:  # noqa: BLE001 - report the wrong type
            raise AssertionError(
                f"expected {getattr(case.raises, '__name__', case.raises)}, got "
                f"{type(exc).__name__}: {exc}") from exc
        raise AssertionError(f"expected {getattr(case.raises, '__name__', case.raises)}, nothing "
                             "was raised")
    result = fn(*args, **kwargs)
    _check_meta(backend, result, case, name)
    actual = to_numpy(backend, result)
    if case.expected is not None:
        compare(actual, case.expected, case.dtype, case.rtol, case.atol, where=f"{name} result")
    if case.check is not None:
        case.check(actual, backend)
