"""Agreement between backends: every case's result must match across each pair of backends.

Backends are compared with each other (not only with the reference), with the
tolerance of the result dtype, so two backends that both pass the reference
within tolerance but drift apart are still caught.
"""

from __future__ import annotations

import itertools

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


def compare_gradients(backends: dict, name: str) -> list[str]:
    """Compare the gradients the gradient check computed for ``name`` on each pair of ``backends``.

    The check (``gradcheck.py``) feeds every backend the same seeded float64
    inputs and keeps the gradients it computed; nothing is recomputed here,
    and a backend the check has not run on this process is left out.

    Returns:
        One line per disagreeing (case, pair).
    """
    from .gradcheck import GRADIENTS
    computed = {label: GRADIENTS.get((module.backend(), name))
                for label, module in backends.items()}
    computed = {label: grads for label, grads in computed.items() if grads}
    failures = []
    for a, b in itertools.combinations(computed, 2):
        for (case_a, grads_a), (case_b, grads_b) in zip(computed[a], computed[b]):
            if case_a != case_b:
                failures.append(f"{name}: gradient checks ran different cases ({case_a} vs "
                                f"{case_b})")
                break
            try:
                compare(list(grads_a), list(grads_b), "float64", where=f"gradient, {a} vs {b}",
                        **GRADIENT_TOLERANCE)
            except AssertionError as exc:
                failures.append(f"{case_a}: {exc}")
    return failures


def compare_backends(backends: dict, name: str) -> list[str]:
    """Compare ``name``'s results on each pair of ``backends`` (label -> module), and the
    gradients of the gradient check where it ran (:func:`compare_gradients`).

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
    return failures + compare_gradients(backends, name)
