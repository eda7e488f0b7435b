"""The gradient check: every differentiable API function, on every backend, against central
finite differences in float64.

For a ``Case`` of a differentiable function (``FUNCTIONS[name].differentiable``),
the float inputs of its differentiable arguments become float64 variables,
slightly perturbed with seeded noise (so no input sits on a kink such as a
tie of ``maximum``); the loss ``sum(output * fixed random projection)`` is
differentiated with the backend's own ``gradients`` and evaluated with its
``function``. The directional derivative along a few seeded random
directions must match ``(L(x + eps d) - L(x - eps d)) / 2 eps`` computed
with the backend's eager float64 functions. Registered in
``runner.EXTRA_PASSES``.
"""

from __future__ import annotations

import zlib

import numpy as np

from polykeras.backend.contract import FUNCTIONS

from .framework import Case, Var, describe

#: Functions whose eager value is random on each call (no deterministic finite differences).
RANDOM = {"dropout"}
#: Cases checked per function and backend (each compiles a function: JAX traces it).
MAX_CASES = 2
DIRECTIONS = 2
EPS = 1e-6
RTOL, ATOL = 1e-4, 1e-6


def _is_float_array(value):
    return isinstance(value, (np.ndarray, np.generic, Var)) and \
        np.asarray(value.value if isinstance(value, Var) else value).dtype.kind == "f"


def _array(value):
    return np.asarray(value.value if isinstance(value, Var) else value, dtype=np.float64)


def _bound(name, case):
    spec = FUNCTIONS[name]
    bound = spec.signature.bind(*case.args, **case.kwargs)
    return dict(bound.arguments)


def _targets(name, params):
    """(parameter, index or None) of each float tensor input a gradient flows to."""
    out = []
    for param in FUNCTIONS[name].differentiable:
        value = params.get(param)
        if isinstance(value, (list, tuple)) and value and all(_is_float_array(v) for v in value):
            out += [(param, i) for i in range(len(value))]
        elif _is_float_array(value):
            out.append((param, None))
    return out


def _to_backend_eager(backend, value):
    if isinstance(value, Var):
        value = value.value
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        dtype = "float64" if array.dtype.kind == "f" else str(array.dtype)
        return backend.constant(array.astype(dtype), dtype=dtype)
    if isinstance(value, list):
        return [_to_backend_eager(backend, v) for v in value]
    if isinstance(value, tuple):
        return tuple(_to_backend_eager(backend, v) for v in value)
    return value


def _output_value(backend, out, projections):
    outs = out if isinstance(out, (tuple, list)) else [out]
    return sum(float((np.asarray(backend.eval(o), np.float64) * p).sum()) for o, p in zip(outs, projections))


def check_case(backend, name, case, rng):
    """Raise AssertionError when the backend's gradient of one case disagrees with finite differences."""
    params = _bound(name, case)
    targets = _targets(name, params)
    if not targets:
        return False
    # float64, perturbed inputs for every float tensor parameter
    values = {}
    for key, value in params.items():
        if isinstance(value, (list, tuple)) and value and all(_is_float_array(v) for v in value):
            values[key] = [(_array(v) + rng.normal(0, 1e-3, np.shape(v))) for v in value]
        elif _is_float_array(value):
            values[key] = _array(value) + rng.normal(0, 1e-3, np.shape(_array(value)))
        else:
            values[key] = value

    def eager(vals):
        return getattr(backend, name)(**{k: _to_backend_eager(backend, v) for k, v in vals.items()})

    reference_out = eager(values)
    outs = reference_out if isinstance(reference_out, (tuple, list)) else [reference_out]
    if any(backend.dtype(o) != "float64" for o in outs):
        return False  # a lower-precision result (e.g. cast to float16) has no float64 finite differences
    projections = [rng.standard_normal(np.shape(backend.eval(o))) for o in outs]

    variables, symbolic = {}, {}
    for key, value in values.items():
        if any(t[0] == key for t in targets):
            if isinstance(value, list):
                symbolic[key] = [backend.variable(v, dtype="float64") for v in value]
                variables.update({(key, i): var for i, var in enumerate(symbolic[key])})
            else:
                symbolic[key] = backend.variable(value, dtype="float64")
                variables[(key, None)] = symbolic[key]
        else:
            symbolic[key] = _to_backend_eager(backend, value)
    out = getattr(backend, name)(**symbolic)
    outs_sym = out if isinstance(out, (tuple, list)) else [out]
    loss = None
    for o, p in zip(outs_sym, projections):
        term = backend.sum(o * backend.constant(p, dtype="float64"))
        loss = term if loss is None else loss + term
    wrt = [variables[t] for t in targets]
    grads = backend.function([], backend.gradients(loss, wrt))([])

    for _ in range(DIRECTIONS):
        directions = {t: rng.standard_normal(np.shape(g)) for t, g in zip(targets, grads)}
        analytic = sum(float((np.asarray(g, np.float64) * directions[t]).sum()) for t, g in zip(targets, grads))

        def shifted(sign):
            moved = dict(values)
            for (key, index), d in directions.items():
                if index is None:
                    moved[key] = values[key] + sign * EPS * d
                else:
                    moved[key] = list(moved[key])
                    moved[key][index] = values[key][index] + sign * EPS * d
            return _output_value(backend, eager(moved), projections)
        numeric = (shifted(1) - shifted(-1)) / (2 * EPS)
        if not abs(analytic - numeric) <= ATOL + RTOL * max(abs(numeric), abs(analytic)):
            raise AssertionError(f"gradient check: directional derivative {analytic:.8g} from gradients, "
                                 f"{numeric:.8g} from finite differences")
    return True


def gradcheck(backend, name, cases):
    """The EXTRA_PASSES entry: ``(failures, number of cases checked)``."""
    spec = FUNCTIONS.get(name)
    if spec is None or not spec.differentiable or name in RANDOM or spec.kind != "op":
        return [], 0
    rng = np.random.default_rng(zlib.crc32(f"gradcheck:{name}".encode()))
    failures, checked = [], 0
    for case in cases:
        if checked >= MAX_CASES:
            break
        if not isinstance(case, Case) or not case.differentiable or any(callable(a) for a in case.args):
            continue
        try:
            if check_case(backend, name, case, rng):
                checked += 1
        except Exception as exc:  # noqa: BLE001 - every failure is reported
            checked += 1
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            failures.append(f"{describe(name, case)} [gradient]: {type(exc).__name__}: {detail}")
    return failures, checked
