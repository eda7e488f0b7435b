"""The Python-inputs pass: cases of every ``op`` function re-run with Python numbers and lists.

The contract accepts Python numbers and (nested) lists wherever it accepts a tensor, and the
dtype rule (docs/ARCHITECTURE.md) says a float becomes ``floatx()``, an int ``int32``, a bool
``bool``. So a case whose tensor inputs are all of one float dtype (float32 or float64, run
with that floatx), int32 or bool arrays must give the same values and dtype with those arrays
given as ``tolist()``. For each
``op`` function the first :data:`PER_FUNCTION` such case(s) are re-run:

* eagerly, every tensor input a Python value;
* through the graph, the first tensor input a placeholder and the others Python values, so
  that the graph's inferred dtype and the compiled function's result follow the same rule.

Registered in ``runner.EXTRA_PASSES``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from polykeras.backend import config
from polykeras.backend.contract import FUNCTIONS

from .framework import Case, Var, describe, run_case

#: Cases re-run per function: one keeps the pass cheap (on JAX the graph re-run compiles).
PER_FUNCTION = 1
#: Functions taking callables (``higher_order``), and stop_gradient, for which a list means a
#: list of tensors.
SKIPPED = tuple(name for name, spec in FUNCTIONS.items()
                if spec.higher_order is not None) + ("stop_gradient",)
_ELIGIBLE = ("int32", "bool")


def _floats(value):
    """The float dtypes of the arrays in ``value``."""
    if isinstance(value, (np.ndarray, np.generic)):
        return {str(value.dtype)} if np.asarray(value).dtype.kind == "f" else set()
    if isinstance(value, (tuple, list)):
        return set().union(*[_floats(v) for v in value]) if value else set()
    return set()


def _eligible(value, floatx) -> bool:
    """Whether every tensor input of ``value`` (an argument) converts to a Python value of the
    same dtype; at least one must exist in the case, checked by the caller."""
    if isinstance(value, Var):
        return False
    if isinstance(value, (np.ndarray, np.generic)):
        return str(value.dtype) in _ELIGIBLE + (floatx,) and np.size(value) > 0
    if isinstance(value, (tuple, list)):
        return all(_eligible(v, floatx) for v in value)
    return True


def _arrays(value):
    if isinstance(value, (np.ndarray, np.generic)):
        return 1
    if isinstance(value, (tuple, list)):
        return sum(_arrays(v) for v in value)
    return 0


def _pythonize(value, keep_first):
    """``value`` with arrays as Python values; with ``keep_first[0]`` set, the first array is
    kept (it becomes the placeholder of the symbolic re-run) and the flag cleared."""
    if isinstance(value, (np.ndarray, np.generic)):
        if keep_first[0]:
            keep_first[0] = False
            return value
        return np.asarray(value).tolist()
    if isinstance(value, tuple):
        return tuple(_pythonize(v, keep_first) for v in value)
    if isinstance(value, list):
        return [_pythonize(v, keep_first) for v in value]
    return value


def derived_cases(name, cases):
    """``[(eager_case, symbolic_case, floatx)]``: the first eligible cases with Python inputs,
    and the floatx to run them with."""
    out = []
    for case in cases:
        if type(case) is not Case or case.expected is None:
            continue
        values = list(case.args) + list(case.kwargs.values())
        floats = _floats(values)
        floatx = floats.pop() if len(floats) == 1 else "float32"
        if floats or floatx not in ("float32", "float64") or not _arrays(values) or not all(
                _eligible(v, floatx) for v in values):
            continue
        keys = list(case.kwargs)
        eager = _pythonize(values, [False])
        mixed = _pythonize(values, [True])
        n = len(case.args)
        out.append(tuple(
            dataclasses.replace(case, args=tuple(v[:n]), kwargs=dict(zip(keys, v[n:])),
                                label=f"{case.label} [{kind}, floatx {floatx}]".strip())
            for v, kind in ((eager, "Python inputs"), (mixed, "Python inputs, one placeholder")))
            + (floatx,))
        if len(out) == PER_FUNCTION:
            break
    return out


def python_inputs(backend, name, cases):
    """The EXTRA_PASSES entry: ``(failures, number of cases re-run)``."""
    from .symbolic_rerun import run_symbolically
    spec = FUNCTIONS.get(name)
    if spec is None or spec.kind != "op" or name in SKIPPED:
        return [], 0
    failures, count = [], 0
    saved = config.floatx()
    for eager, mixed, floatx in derived_cases(name, cases):
        for case, run in ((eager, run_case), (mixed, run_symbolically)):
            config.set_floatx(floatx)
            try:
                run(backend, name, case)
            except Exception as exc:  # noqa: BLE001 - every failure is reported, not raised
                detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                failures.append(f"{describe(name, case)}: {type(exc).__name__}: {detail}")
            finally:
                config.set_floatx(saved)
            count += 1
    return failures, count
