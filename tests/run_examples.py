"""Run every example's ``main`` in ``--smoke`` mode on one backend, in this one process.

    python tests/run_examples.py --backend jax --json results.json [NAME ...]

Used by tests/test_examples.py (one subprocess per backend, so framework
start-up and compilation caches are paid once per backend, not per example).
Each example is a script in ``examples/`` defining ``main(argv=None)`` that
parses ``--backend``, ``--epochs`` and ``--smoke``. Writes
``{name: {"ok", "seconds", "error"}}``; an example's failure does not stop the others.
"""

import argparse
import contextlib
import importlib.util
import io
import json
import os
import pathlib
import sys
import time
import traceback

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def example_paths(names=()):
    paths = sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))
    return [p for p in paths if not names or p.stem in names]


def run_one(path, backend):
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    out = io.StringIO()
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out):
            spec.loader.exec_module(module)
            module.main(["--backend", backend, "--smoke"])
        ok, error = True, None
    except BaseException:  # noqa: BLE001 - SystemExit from argparse is a failure too
        ok, error = False, traceback.format_exc()[-4000:]
    return {"ok": ok, "seconds": round(time.perf_counter() - start, 2), "error": error,
            "stdout_tail": out.getvalue()[-1500:]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", required=True, choices=("numpy", "torch", "jax"))
    parser.add_argument("--json", required=True)
    parser.add_argument("names", nargs="*")
    args = parser.parse_args(argv)
    os.environ["KERAS_BACKEND"] = args.backend
    sys.path.insert(0, str(EXAMPLES))
    results = {}
    for path in example_paths(args.names):
        results[path.stem] = run_one(path, args.backend)
        with open(args.json, "w") as f:  # written after each, so a crash keeps what ran
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
