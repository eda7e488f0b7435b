"""Agreement between backends: every case's result must match across each pair of backends.

Backends are compared with each other (not only with the reference), with the
tolerance of the result dtype, so two backends that both pass the reference
within tolerance but drift apart are still caught.
"""

from __future__ import annotations

import itertools

from . import cases as _cases  # noqa: F401  (registers every case)
from .framework import Case, compare, describe, generate_cases, to_backend, to_numpy


def results_on(backend, name: str, cases: list) -> list:
    """The NumPy result of each :class:`Case` on ``backend`` (``None`` where it raised)."""
    fn = getattr(backend, name)
    out = []
    for case in cases:
        if not isinstance(case, Case) or case.expected is None:
            out.append(None)
            continue
        try:
            args = to_backend(backend, case.args)
            kwargs = {k: to_backend(backend, v) for k, v in case.kwargs.items()}
            out.append(to_numpy(backend, fn(*args, **kwargs)))
        except Exception:  # noqa: BLE001 - a failing case is the runner's concern
            out.append(None)
    return out


#: Tolerance of gradient agreement: float64 gradients, each already within the gradient
#: check's tolerance of finite differences, must agree much more closely with each other.
GRADIENT_TOLERANCE = {"rtol": 1e-6, "atol": 1e-8}


def compare_gradients(backends: dict, name: str, cases=None) -> list[str]:
    """Compute the gradients of ``name``'s gradient-check cases on each of ``backends`` and
    compare each pair.

    Every backend gets the same seeded float64 inputs (``gradcheck.gradient_values``); the
    gradients are computed here, for these backends, whatever ran before in the process.

    Args:
        cases: ``name``'s cases (default: generated).

    Returns:
        One line per disagreeing (case, pair): different values, or a gradient that only
        one of the two computed.
    """
    from .gradcheck import gradient_values
    cases = generate_cases(name) if cases is None else cases
    computed = {label: dict(gradient_values(module, name, cases))
                for label, module in backends.items()}
    failures = []
    for a, b in itertools.combinations(computed, 2):
        for case in dict.fromkeys(list(computed[a]) + list(computed[b])):
            grads_a, grads_b = computed[a].get(case), computed[b].get(case)
            if isinstance(grads_a, str) and isinstance(grads_b, str):
                continue  # failed on both: the gradient check reports it
            if not isinstance(grads_a, list) or not isinstance(grads_b, list):
                missing, other = (a, grads_a) if not isinstance(grads_a, list) else (b, grads_b)
                why = other if isinstance(other, str) else "no float64 gradient to compare"
                failures.append(f"{case}: gradient not computed on {missing}, {a} vs {b}: {why}")
                continue
            try:
                compare(grads_a, grads_b, "float64", where=f"gradient, {a} vs {b}",
                        **GRADIENT_TOLERANCE)
            except AssertionError as exc:
                failures.append(f"{case}: {exc}")
    return failures


def compare_backends(backends: dict, name: str) -> list[str]:
    """Compare ``name``'s results on each pair of ``backends`` (label -> module), and their
    gradients (:func:`compare_gradients`, computed here).

    Returns:
        One line per disagreeing (case, pair).
    """
    cases = generate_cases(name)
    results = {label: results_on(module, name, cases) for label, module in backends.items()}
    failures = []
    for a, b in itertools.combinations(results, 2):
        for case, ra, rb in zip(cases, results[a], results[b]):
            if ra is None or rb is None:
                continue
            expected = rb
            try:
                compare(ra, expected, case.dtype, case.rtol, case.atol, where=f"{a} vs {b}")
            except AssertionError as exc:
                failures.append(f"{describe(name, case)}: {exc}")
    return failures + compare_gradients(backends, name, cases)
