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


def compare_backends(backends: dict, name: str) -> list[str]:
    """Compare ``name``'s results on each pair of ``backends`` (label -> module).

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
    return failures
