"""The symbolic re-run: every ``Case`` of every ``op`` function, computed through the graph.

Each tensor input of a case (a ``numpy.ndarray`` or NumPy scalar, see
``framework.py``) becomes a placeholder of its shape and dtype, ``Var``
inputs become variables, the function is called on them (recording graph
nodes), compiled with the backend's ``function`` and fed the arrays. The
result must match the case's expected values like the eager result does,
and the symbolic result's inferred dtype and ``int_shape`` must be those of
the case. Registered in ``runner.EXTRA_PASSES``.
"""

from __future__ import annotations

import numpy as np

from polykeras.backend.contract import FUNCTIONS
from polykeras.backend.graph.inference import ValueDependentError

from .framework import Case, Closure, Var, compare, describe


def _symbolic_inputs(backend, value, placeholders, feeds, integer_constants=False):
    """``value`` with arrays replaced by placeholders (recorded in order) and Vars by variables.

    With ``integer_constants``, integer and bool arrays become constants instead. A
    :class:`Closure` is built on the placeholders (or variables) of its captured arrays.
    """
    if isinstance(value, Closure):
        captured = _symbolic_inputs(backend, tuple(value.captured), placeholders, feeds,
                                    integer_constants)
        return value.make(backend, *captured)
    if isinstance(value, Var):
        return backend.variable(value.value, dtype=str(value.value.dtype))
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if integer_constants and array.dtype.kind in "biu":
            return backend.constant(array, dtype=str(array.dtype))
        x = backend.placeholder(shape=array.shape, dtype=str(array.dtype),
                                name=f"input_{len(placeholders)}")
        placeholders.append(x)
        feeds.append(array)
        return x
    if isinstance(value, tuple):
        return tuple(_symbolic_inputs(backend, v, placeholders, feeds, integer_constants)
                     for v in value)
    if isinstance(value, list):
        return [_symbolic_inputs(backend, v, placeholders, feeds, integer_constants) for v in value]
    return value


def _has_tensor_input(value):
    if isinstance(value, (Var, np.ndarray, np.generic)):
        return True
    if isinstance(value, Closure):
        return _has_tensor_input(tuple(value.captured))
    if isinstance(value, (tuple, list)):
        return any(_has_tensor_input(v) for v in value)
    return False


def _flatten(result):
    if isinstance(result, (tuple, list)):
        flat = []
        for r in result:
            flat.extend(_flatten(r))
        return flat
    return [result]


def _rebuild(template, flat):
    if isinstance(template, (tuple, list)):
        return type(template)(_rebuild(t, flat) for t in template)
    return flat.pop(0)


def _check_meta(backend, result, case, name):
    """The symbolic result's inferred dtype and int_shape, as the case says."""
    results = _flatten(result)
    expected = _flatten(case.expected) if case.expected is not None else [None] * len(results)
    dtypes = case.dtype if isinstance(case.dtype, (tuple, list)) else [case.dtype] * len(results)
    shapes = case.shape if case.shape is not None else None
    if shapes is not None and not isinstance(result, (tuple, list)):
        shapes = [shapes]
    for i, r in enumerate(results):
        if isinstance(r, (bool, int, float)) or r is None:
            continue
        where = f"{name} symbolic result[{i}]" if len(results) > 1 else f"{name} symbolic result"
        want_dtype = dtypes[i] if i < len(dtypes) else None
        if want_dtype is not None and backend.dtype(r) != want_dtype:
            raise AssertionError(f"{where}: inferred dtype {backend.dtype(r)!r} != expected "
                                 f"{want_dtype!r}")
        want = shapes[i] if shapes is not None and i < len(shapes) else (
            np.shape(expected[i]) if i < len(expected) and expected[i] is not None else None)
        if want is not None:
            got = tuple(backend.int_shape(r))
            if len(got) != len(want) or any(g is not None and g != w for g, w in zip(got, want)):
                raise AssertionError(f"{where}: inferred int_shape {got} != expected {tuple(want)}")


def _record(backend, name, case, integer_constants):
    placeholders, feeds = [], []
    args = _symbolic_inputs(backend, case.args, placeholders, feeds, integer_constants)
    kwargs = {k: _symbolic_inputs(backend, v, placeholders, feeds, integer_constants)
              for k, v in case.kwargs.items()}
    return placeholders, feeds, getattr(backend, name)(*args, **kwargs)


def _prepare(backend, name, case):
    """Record one case on placeholders and check its inferred metadata.

    Returns ``(placeholders, feeds, result)``, or None when the case has no
    tensor input (nothing to re-run).
    """
    if not (_has_tensor_input(case.args) or _has_tensor_input(tuple(case.kwargs.values()))):
        return None
    try:
        recorded = _record(backend, name, case, integer_constants=False)
    except ValueDependentError:
        # The result's shape depends on integer values (a target shape, lengths): a graph
        # needs those as constants, so only the other inputs are fed.
        recorded = _record(backend, name, case, integer_constants=True)
    _check_meta(backend, recorded[2], case, name)
    return recorded


def _symbolic_outputs(backend, result):
    return [r for r in _flatten(result) if backend.is_tensor(r)]


def _check_values(backend, name, case, result, values):
    """Compare the function's ``values`` (one per symbolic output of ``result``) with the case."""
    values = list(values)
    flat = _flatten(result)
    actual = [values.pop(0) if backend.is_tensor(r) else r for r in flat]
    actual = _rebuild(result, actual) if isinstance(result, (tuple, list)) else actual[0]
    if case.expected is not None:
        compare(actual, case.expected, case.dtype, case.rtol, case.atol,
                where=f"{name} symbolic result")
    if case.check is not None:
        case.check(actual, backend)


def run_symbolically(backend, name, case):
    """Re-run one case through placeholders and ``function``; raise AssertionError on a mismatch.

    Returns False when the case has no tensor input (nothing to re-run).
    """
    recorded = _prepare(backend, name, case)
    if recorded is None:
        return False
    placeholders, feeds, result = recorded
    outputs = _symbolic_outputs(backend, result)
    values = backend.function(placeholders, outputs)(feeds) if outputs else []
    _check_values(backend, name, case, result, values)
    return True


def _failure(name, case, exc):
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if not isinstance(exc, AssertionError):
        detail = f"{type(exc).__name__}: {detail}"
    return f"{describe(name, case)} [symbolic re-run]: {detail}"


def rerun(backend, name, cases):
    """The EXTRA_PASSES entry: ``(failures, number of cases re-run)``.

    All cases of one function are recorded first and computed by one
    ``function`` call (on JAX: one compilation instead of one per case). When
    that shared call fails, each case is re-run alone, so the failure names
    its case.
    """
    spec = FUNCTIONS.get(name)
    if spec is None or spec.kind != "op":
        return [], 0
    failures, prepared = [], []
    for case in cases:
        if type(case) is not Case:
            continue
        try:
            recorded = _prepare(backend, name, case)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, not raised
            failures.append(_failure(name, case, exc))
            continue
        if recorded is not None:
            prepared.append((case, recorded))
    if not prepared:
        return failures, 0
    placeholders = [p for _, (ps, _, _) in prepared for p in ps]
    feeds = [f for _, (_, fs, _) in prepared for f in fs]
    outputs = [_symbolic_outputs(backend, result) for _, (_, _, result) in prepared]
    try:
        flat = [o for outs in outputs for o in outs]
        values = backend.function(placeholders, flat)(feeds) if flat else []
    except Exception:  # noqa: BLE001 - isolate the failing case
        values = None
    for (case, (ps, fs, result)), outs in zip(prepared, outputs):
        try:
            if values is None:
                own = backend.function(ps, outs)(fs) if outs else []
            else:
                own, values = values[:len(outs)], values[len(outs):]
            _check_values(backend, name, case, result, own)
        except Exception as exc:  # noqa: BLE001
            failures.append(_failure(name, case, exc))
    return failures, len(prepared)
