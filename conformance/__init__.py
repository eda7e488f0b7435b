"""The polykeras conformance suite: one set of cases, run against any backend.

Run it with ``polykeras-conformance --backend BACKEND`` or
``python -m polykeras.conformance --backend BACKEND``; see :mod:`.runner`.
Cases live in ``cases/<topic>.py`` (same topics as the contract) and compare
each backend with independent float64 reference code (``reference.py``).
"""

from .framework import (  # noqa: F401
    CASES,
    FLOAT_DTYPES,
    TOLERANCES,
    Case,
    CustomCase,
    ErrorCase,
    Var,
    cases_for,
    generate_cases,
    run_case,
)
