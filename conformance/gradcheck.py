"""The gradient check: every differentiable API function, on every backend, against central
finite differences in float64.

For a ``Case`` of a differentiable function (``FUNCTIONS[name].differentiable``),
the float inputs of its differentiable arguments become float64 variables,
slightly perturbed with seeded noise that keeps signs (so no input sits on a
kink such as a tie of ``maximum``, and probabilities stay positive); the
loss ``sum(output * fixed random projection)`` (summed over every result of a
function returning several) is differentiated with the backend's own
``gradients`` and evaluated with its ``function``. Function arguments take
part: a plain callable is passed as is, and the float tensors a
:class:`~.framework.Closure` captures (the weights an RNN step reads) are
differentiated against like the declared arguments. The directional
derivative along a few seeded random directions must match
``(L(x + eps d) - L(x - eps d)) / 2 eps`` computed with the backend's eager
float64 functions. Registered in ``runner.EXTRA_PASSES``.
"""

from __future__ import annotations

import os
import zlib

import numpy as np

from polykeras.backend.contract import FUNCTIONS

from .framework import Case, Closure, Var, describe, leaves

#: Cases checked per function and backend (their gradients are computed by one function:
#: JAX traces it once per function).
MAX_CASES = int(os.environ.get("POLYKERAS_GRADCHECK_CASES", "2"))
#: More cases for functions whose options each change the reverse pass (rnn: closures,
#: constants, masks, go_backwards, unroll, nesting).
CASES_PER_FUNCTION = {"rnn": 3}
DIRECTIONS = 2
EPS = 1e-6
RTOL, ATOL = 1e-4, 1e-6


def _is_float_array(value):
    return isinstance(value, (np.ndarray, np.generic, Var)) and \
        np.asarray(value.value if isinstance(value, Var) else value).dtype.kind == "f"


def _array(value):
    return np.asarray(value.value if isinstance(value, Var) else value, dtype=np.float64)


def _perturbed(value, rng):
    """``value`` in float64 with seeded noise that keeps signs (probabilities stay positive)."""
    array = _array(value)
    noise = rng.normal(0, 1e-3, array.shape)
    return np.where(array == 0, noise, array * (1 + noise))


def _bound(name, case):
    spec = FUNCTIONS[name]
    bound = spec.signature.bind(*case.args, **case.kwargs)
    return dict(bound.arguments)


def _targets(name, params):
    """The float tensor inputs a gradient flows to, as keys ``(parameter, index)``: ``index`` is
    None (the argument itself), a position in a list argument, or ``("captured", i)`` for the
    i-th tensor a :class:`Closure` argument captures."""
    out = []
    for param in FUNCTIONS[name].differentiable:
        value = params.get(param)
        if isinstance(value, (list, tuple)) and value and all(_is_float_array(v) for v in value):
            out += [(param, i) for i in range(len(value))]
        elif _is_float_array(value):
            out.append((param, None))
    for param, value in params.items():
        if isinstance(value, Closure):
            out += [(param, ("captured", i)) for i, c in enumerate(value.captured)
                    if _is_float_array(c)]
    return out


def _leaf(values, key):
    param, index = key
    value = values[param]
    if index is None:
        return value
    if isinstance(index, tuple):
        return value.captured[index[1]]
    return value[index]


def _replaced(values, key, new):
    """A copy of ``values`` with the input ``key`` replaced by ``new``."""
    param, index = key
    moved = dict(values)
    if index is None:
        moved[param] = new
    elif isinstance(index, tuple):
        closure = values[param]
        captured = list(closure.captured)
        captured[index[1]] = new
        moved[param] = Closure(closure.make, tuple(captured), closure.name)
    else:
        items = list(values[param])
        items[index] = new
        moved[param] = items
    return moved


def _to_backend_eager(backend, value):
    if isinstance(value, Closure):
        return value.make(backend, *[_to_backend_eager(backend, c) for c in value.captured])
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
    return sum(float((np.asarray(backend.eval(o), np.float64) * p).sum())
               for o, p in zip(leaves(out), projections))


def _perturbed_values(params, rng):
    """Every float tensor input (captured ones included) in float64 with seeded noise."""
    def perturb(value):
        if isinstance(value, Closure):
            return Closure(value.make, tuple(perturb(c) for c in value.captured), value.name)
        if isinstance(value, (list, tuple)) and value and all(_is_float_array(v) for v in value):
            return [_perturbed(v, rng) for v in value]
        if _is_float_array(value):
            return _perturbed(value, rng)
        return value
    return {key: perturb(value) for key, value in params.items()}


def prepare_case(backend, name, case, rng):
    """Record one case's loss and gradients on float64 variables.

    Returns None when the case has nothing to check (no float input a gradient
    flows to, or a result that is not float64), else ``(grads, check)``: the
    symbolic gradients and ``check(grad_values)`` raising AssertionError when
    they disagree with finite differences.
    """
    params = _bound(name, case)
    targets = _targets(name, params)
    if not targets:
        return None
    values = _perturbed_values(params, rng)

    def eager(vals):
        return getattr(backend, name)(**{k: _to_backend_eager(backend, v) for k, v in vals.items()})

    outs = leaves(eager(values))
    if any(backend.dtype(o) != "float64" for o in outs):
        return None  # a lower-precision result (e.g. cast to float16) has no float64 finite differences
    evaluated = [np.asarray(backend.eval(o), np.float64) for o in outs]
    if not all(np.isfinite(e).all() for e in evaluated):
        return None  # e.g. the mean over an empty axis: no finite differences either
    projections = [rng.standard_normal(np.shape(e)) for e in evaluated]

    variables = {key: backend.variable(_leaf(values, key), dtype="float64") for key in targets}
    symbolic = {}
    for key, value in values.items():
        if isinstance(value, Closure):
            captured = [variables.get((key, ("captured", i))) for i in range(len(value.captured))]
            symbolic[key] = value.make(backend, *[_to_backend_eager(backend, c) if v is None else v
                                                  for c, v in zip(value.captured, captured)])
        elif (key, None) in variables:
            symbolic[key] = variables[(key, None)]
        elif (key, 0) in variables:
            symbolic[key] = [variables[(key, i)] for i in range(len(value))]
        else:
            symbolic[key] = _to_backend_eager(backend, value)
    outs_sym = leaves(getattr(backend, name)(**symbolic))
    loss = None
    for o, p in zip(outs_sym, projections):
        term = backend.sum(o * backend.constant(p, dtype="float64"))
        loss = term if loss is None else loss + term
    grads = backend.gradients(loss, [variables[key] for key in targets])

    def check(grad_values):
        for _ in range(DIRECTIONS):
            directions = {t: rng.standard_normal(np.shape(g)) for t, g in zip(targets, grad_values)}
            analytic = sum(float((np.asarray(g, np.float64) * directions[t]).sum())
                           for t, g in zip(targets, grad_values))

            def shifted(step):
                moved = values
                for key, d in directions.items():
                    moved = _replaced(moved, key, _leaf(values, key) + step * d)
                return _output_value(backend, eager(moved), projections)

            def agrees(numeric):
                return abs(analytic - numeric) <= ATOL + RTOL * max(abs(numeric), abs(analytic))
            numeric = (shifted(EPS) - shifted(-EPS)) / (2 * EPS)
            if not agrees(numeric):
                # A kink (a tie of maximum, broadcast against noisy inputs) may lie within
                # EPS of the input: a much smaller step must then agree.
                small = (shifted(EPS / 100) - shifted(-EPS / 100)) / (2 * EPS / 100)
                if agrees(small):
                    continue
                raise AssertionError(f"gradient check: directional derivative {analytic:.8g} from "
                                     f"gradients, {numeric:.8g} from finite differences")
    return grads, check


def check_case(backend, name, case, rng):
    """Raise AssertionError when the backend's gradient of one case disagrees with finite differences.

    Returns False when the case has nothing to check.
    """
    prepared = prepare_case(backend, name, case, rng)
    if prepared is None:
        return False
    grads, check = prepared
    check(backend.function([], grads)([]))
    return True


def _failure(name, case, exc):
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"{describe(name, case)} [gradient]: {type(exc).__name__}: {detail}"


def checked(name) -> bool:
    """Whether the gradient check applies to ``name``: a differentiable ``op`` that is not
    ``random`` (a random function has no deterministic finite differences)."""
    spec = FUNCTIONS.get(name)
    return spec is not None and bool(spec.differentiable) and not spec.random and spec.kind == "op"


def prepare_cases(backend, name, cases):
    """Record the loss and gradients of the cases the check takes for ``name``.

    The inputs are drawn from a generator seeded by ``name`` alone, in case order, so every
    backend gets the same float64 inputs.

    Returns:
        ``(prepared, failures, rng)``: ``[(case, (grads, check))]`` for the recorded cases
        (:func:`prepare_case`), one failure line per case that failed while being recorded,
        and the generator (the check draws its directions from it next).
    """
    rng = np.random.default_rng(zlib.crc32(f"gradcheck:{name}".encode()))
    failures, prepared = [], []
    limit = max(MAX_CASES, CASES_PER_FUNCTION.get(name, 0))
    for case in cases:
        if len(prepared) + len(failures) >= limit:
            break
        if not isinstance(case, Case) or not case.differentiable:
            continue
        try:
            recorded = prepare_case(backend, name, case, rng)
        except Exception as exc:  # noqa: BLE001 - every failure is reported
            failures.append(_failure(name, case, exc))
            continue
        if recorded is not None:
            prepared.append((case, recorded))
    return prepared, failures, rng


def gradcheck(backend, name, cases):
    """The EXTRA_PASSES entry: ``(failures, number of cases checked)``.

    The gradients of all checked cases of one function are computed by one
    ``function`` call (on JAX: one compilation instead of one per case). When
    that shared call fails, each case is computed alone, so the failure names
    its case.
    """
    if not checked(name):
        return [], 0
    prepared, failures, _ = prepare_cases(backend, name, cases)
    unprepared = len(failures)  # cases that failed while being recorded
    if not prepared:
        return failures, unprepared
    try:
        values = backend.function([], [g for _, (grads, _) in prepared for g in grads])([])
    except Exception:  # noqa: BLE001 - isolate the failing case
        values = None
    for case, (grads, check) in prepared:
        try:
            if values is None:
                own = backend.function([], grads)([])
            else:
                own, values = values[:len(grads)], values[len(grads):]
            check(own)
        except Exception as exc:  # noqa: BLE001
            failures.append(_failure(name, case, exc))
    return failures, len(prepared) + unprepared


def gradient_values(backend, name, cases) -> list:
    """The gradients of the checked cases of ``name`` on ``backend``, computed now.

    The same cases and seeded float64 inputs as the gradient check, on every backend, and
    like it one ``function`` call for all cases (one JAX compilation), each case alone when
    that fails. Nothing is kept between calls, so a comparison of backends never depends on
    what ran before it.

    Returns:
        ``[(case description, [float64 gradient arrays] or the error line)]``, empty when
        the gradient check does not apply to ``name``.
    """
    if not checked(name):
        return []
    prepared, failures, _ = prepare_cases(backend, name, cases)
    out = [(line.split(" [gradient]")[0], line) for line in failures]
    if not prepared:
        return out
    try:
        values = backend.function([], [g for _, (grads, _) in prepared for g in grads])([])
    except Exception:  # noqa: BLE001 - isolate the failing case
        values = None
    for case, (grads, _) in prepared:
        try:
            if values is None:
                own = backend.function([], grads)([])
            else:
                own, values = values[:len(grads)], values[len(grads):]
            out.append((describe(name, case), [np.asarray(g, np.float64) for g in own]))
        except Exception as exc:  # noqa: BLE001 - reported by the comparison
            out.append((describe(name, case), _failure(name, case, exc)))
    return out
