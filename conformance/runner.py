"""``polykeras-conformance --backend BACKEND``: run the conformance suite on one backend.

Prints a per-function table (status, number of cases, first failure) and a
summary line ``BACKEND: N/158 functions conform`` (Keras 2.2's 156 backend functions
and polykeras's 2 extensions, ``fused_lstm`` and ``fused_gru``); ``--json PATH`` writes::

    {"backend": str,
     "functions": {name: {"status": "pass"|"fail"|"missing"|"skip",
                          "cases": int, "failures": [str]}},
     "protocol": [str],
     "summary": {"pass": int, "fail": int, "missing": int, "skip": int}}

with every API name present; ``protocol`` lists the problems with the backend protocol's
members (docs/BACKENDS.md: ``__raw__``, ``Function``, ``evaluate``, ``seed``), empty when it
follows it; an op that is not graph-aware fails with that reason. Exit status 1 when any
present function fails or the protocol has a problem.

Statuses: ``missing`` -- the backend lacks the function (or the contract does
not declare it yet); ``fail`` -- a case failed, or the signature differs from
the contract; ``skip`` -- present but the suite has no case for it;
``pass`` -- every case passed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback

from polykeras.backend.contract import ALL_NAMES, FUNCTIONS, check_backend, complete_backend
from polykeras.backend.loading import import_backend_module

from . import cases as _cases  # noqa: F401  (registers every case)
from .framework import CASES, describe, generate_cases, run_case

#: Extra passes over the cases, registered by other parts of the suite (the
#: symbolic re-run, gradient checks): ``pass_(backend, name, cases) -> (failures: list[str], count: int)``.
EXTRA_PASSES: list = []

from .symbolic_rerun import rerun as _symbolic_rerun  # noqa: E402

from .gradcheck import gradcheck as _gradcheck  # noqa: E402

EXTRA_PASSES.append(_symbolic_rerun)
EXTRA_PASSES.append(_gradcheck)

from .python_inputs import python_inputs as _python_inputs  # noqa: E402

EXTRA_PASSES.append(_python_inputs)


def run_function(backend, name: str, max_failures: int = 5) -> dict:
    """Run every case of ``name`` on ``backend``; return its JSON entry."""
    try:
        cases = generate_cases(name)
    except Exception as exc:  # noqa: BLE001 - a broken generator is a failure of the suite
        return {"status": "fail", "cases": 0,
                "failures": [f"case generation failed: {type(exc).__name__}: {exc}"]}
    if not cases:
        return {"status": "skip", "cases": 0, "failures": []}
    failures = []
    for case in cases:
        try:
            run_case(backend, name, case)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, not raised
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            if not isinstance(exc, AssertionError):
                frame = traceback.extract_tb(exc.__traceback__)[-1]
                detail = f"{type(exc).__name__}: {detail} ({frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})"
            failures.append(f"{describe(name, case)}: {detail}")
    count = len(cases)
    for extra in EXTRA_PASSES:
        extra_failures, extra_count = extra(backend, name, cases)
        failures.extend(extra_failures)
        count += extra_count
    return {"status": "fail" if failures else "pass", "cases": count,
            "failures": failures[:max_failures] + (
                [f"... and {len(failures) - max_failures} more"] if len(failures) > max_failures else [])}


def run_suite(backend_name: str, names=None) -> dict:
    """Run the suite on backend ``backend_name`` (a built-in name or a module name)."""
    module = complete_backend(import_backend_module(backend_name))
    problems, protocol = {}, []
    for line in check_backend(module):
        name = line.split(":", 1)[0]
        if name in FUNCTIONS:
            problems.setdefault(name, line)
        else:
            protocol.append(line)
    functions = {}
    for name in ALL_NAMES:
        if names is not None and name not in names:
            continue
        if name not in FUNCTIONS or problems.get(name, "").endswith("missing"):
            functions[name] = {"status": "missing", "cases": 0, "failures": []}
        elif name in problems:
            functions[name] = {"status": "fail", "cases": 0, "failures": [problems[name]]}
        else:
            functions[name] = run_function(module, name)
    summary = {s: sum(1 for f in functions.values() if f["status"] == s)
               for s in ("pass", "fail", "missing", "skip")}
    return {"backend": backend_name, "functions": functions, "protocol": protocol,
            "summary": summary}


def format_table(report: dict) -> str:
    rows = [f"{'function':34} {'status':8} {'cases':>5}  first failure"]
    for name, entry in report["functions"].items():
        first = entry["failures"][0] if entry["failures"] else ""
        if len(first) > 110:
            first = first[:107] + "..."
        rows.append(f"{name:34} {entry['status']:8} {entry['cases']:>5}  {first}")
    s = report["summary"]
    total = len(ALL_NAMES)
    rows.append("")
    for line in report.get("protocol", []):
        rows.append(f"protocol: {line}")
    rows.append(f"pass={s['pass']} fail={s['fail']} missing={s['missing']} skip={s['skip']}")
    rows.append(f"{report['backend']}: {s['pass']}/{total} functions conform")
    return "\n".join(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="polykeras-conformance",
        description="Run the polykeras conformance suite on one backend.")
    parser.add_argument("--backend", required=True,
                        help="numpy, torch, jax, or the module name of a backend "
                             "(docs/BACKENDS.md)")
    parser.add_argument("--json", metavar="PATH", help="write the report as JSON to PATH")
    parser.add_argument("--only", metavar="NAMES",
                        help="comma-separated function names to run (default: all)")
    args = parser.parse_args(argv)
    names = set(args.only.split(",")) if args.only else None
    if names:
        unknown = names - set(ALL_NAMES)
        if unknown:
            parser.error(f"--only: Expected API function names. Received unknown: {sorted(unknown)}")
    start = time.perf_counter()
    try:
        report = run_suite(args.backend, names)
    except (ValueError, ImportError) as exc:
        print(f"polykeras-conformance: {exc}", file=sys.stderr)
        return 2
    print(format_table(report))
    print(f"({time.perf_counter() - start:.1f} s)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
    return 1 if report["summary"]["fail"] or report["protocol"] else 0


if __name__ == "__main__":
    sys.exit(main())
