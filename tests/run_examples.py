"""Run every example's ``main`` in ``--smoke`` mode on one backend, in this one process.

    python tests/run_examples.py --backend jax --json results.json [NAME ...]
    python tests/run_examples.py --backend torch --times          # a table of CPU seconds
    python tests/run_examples.py --backend jax --claims DIR --json a.json &   # two runners
    python tests/run_examples.py --backend jax --claims DIR --json b.json     # share the work

Used by tests/test_examples.py (one subprocess per backend, two for JAX, so framework
start-up and compilation caches are paid once per backend, not per example).
Each example is a script in ``examples/`` defining ``main(argv=None)`` that
parses ``--backend``, ``--epochs`` and ``--smoke``. Writes
``{name: {"ok", "seconds", "cpu_seconds", "error", "stdout_tail"}}``: ``seconds`` is wall
time, ``cpu_seconds`` the user+system CPU time of this process (all its threads) and of any
child processes the example waited for (robust to a shared machine, unlike wall time).
An example's failure does not stop the others. ``--times`` prints a table of the
examples sorted by CPU time, most first.

Named examples run in the order given (all of them, in alphabetical order,
without names). With ``--claims DIR`` several runners of one backend share the
examples: each runs the next example that no other has claimed (by creating
``DIR/<name>``), so the work balances itself over the runners.

The runner uses one thread for each backend's math (unless the environment says
otherwise) and XLA's quickest compilation settings: see ``smoke_environment``.
"""

import argparse
import contextlib
import importlib.util
import io
import json
import os
import pathlib
import resource
import subprocess
import sys
import time
import traceback

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def example_paths(names=()):
    """The examples' paths: all in alphabetical order, or those of ``names`` in their order.

    Raises:
        ValueError: for a name that is not an example.
    """
    paths = {p.stem: p for p in sorted(EXAMPLES.glob("*.py")) if not p.name.startswith("_")}
    unknown = [name for name in names if name not in paths]
    if unknown:
        raise ValueError(f"run_examples: Expected example names among {sorted(paths)}. "
                         f"Received: {unknown}")
    return [paths[name] for name in names] if names else list(paths.values())


def claim(folder, name):
    """Whether this runner takes example ``name``: True for the first runner to ask."""
    try:
        os.close(os.open(os.path.join(folder, name), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


#: Thread counts of the math libraries: one each. Smoke sizes are far too small for threads
#: to pay, the test runs three runners side by side, and idle OpenMP/BLAS threads spin on a
#: busy machine (with them, PyTorch's smoke runs took ten times the CPU time).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")

#: XLA's unoptimized CPU code, and Eigen on one thread: smoke runs check code paths, not speed,
#: and most of a JAX smoke run is compilation (about a third faster at level 0).
SMOKE_XLA_FLAGS = ("--xla_backend_optimization_level=0", "--xla_cpu_multi_thread_eigen=false")

#: Flags that only some XLA versions know (an unknown flag in XLA_FLAGS aborts the process), so
#: each is kept only where a short JAX start-up with it succeeds. Fusions emitted the older
#: way compile about a quarter faster (jaxlib 0.10).
OPTIONAL_XLA_FLAGS = ("--xla_cpu_use_fusion_emitters=false",)


def xla_accepts(flags):
    """Whether JAX starts with ``XLA_FLAGS=flags`` (in a subprocess: a bad flag aborts)."""
    env = dict(os.environ, XLA_FLAGS=" ".join(flags), JAX_PLATFORMS="cpu")
    probe = subprocess.run([sys.executable, "-c", "import jax; jax.devices()"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return probe.returncode == 0


def smoke_environment(environ, backend):
    """Set the thread and XLA settings above in ``environ`` (kept where it sets them already).

    ``OPTIONAL_XLA_FLAGS`` are tried (one JAX start-up) for the ``"jax"`` backend only.
    """
    for name in THREAD_VARIABLES:
        environ.setdefault(name, "1")
    flags = environ.get("XLA_FLAGS", "").split()
    names = {flag.split("=")[0] for flag in flags}
    flags += [flag for flag in SMOKE_XLA_FLAGS if flag.split("=")[0] not in names]
    optional = [flag for flag in OPTIONAL_XLA_FLAGS if flag.split("=")[0] not in names]
    if backend == "jax" and optional and xla_accepts(flags + optional):
        flags += optional
    environ["XLA_FLAGS"] = " ".join(flags)


def cpu_seconds():
    """User+system CPU seconds so far of this process and of its waited-for children."""
    own, children = (resource.getrusage(who)
                     for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_one(path, backend):
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    out = io.StringIO()
    start, start_cpu = time.perf_counter(), cpu_seconds()
    try:
        with contextlib.redirect_stdout(out):
            spec.loader.exec_module(module)
            module.main(["--backend", backend, "--smoke"])
        ok, error = True, None
    except BaseException:  # noqa: BLE001 - SystemExit from argparse is a failure too
        ok, error = False, traceback.format_exc()[-4000:]
    return {"ok": ok, "seconds": round(time.perf_counter() - start, 2),
            "cpu_seconds": round(cpu_seconds() - start_cpu, 2), "error": error,
            "stdout_tail": out.getvalue()[-1500:]}


def times_table(results, backend):
    """The examples sorted by CPU seconds (most first), with wall seconds and status."""
    lines = [f"{'example (' + backend + ')':<34} {'cpu s':>8} {'wall s':>8}  status"]
    for name, result in sorted(results.items(), key=lambda item: -item[1]["cpu_seconds"]):
        lines.append(f"{name:<34} {result['cpu_seconds']:>8.2f} {result['seconds']:>8.2f}  "
                     f"{'ok' if result['ok'] else 'FAILED'}")
    lines.append(f"{'total':<34} {sum(r['cpu_seconds'] for r in results.values()):>8.2f} "
                 f"{sum(r['seconds'] for r in results.values()):>8.2f}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", required=True, choices=("numpy", "torch", "jax"))
    parser.add_argument("--json", help="write the results here (after each example)")
    parser.add_argument("--times", action="store_true",
                        help="print a table of CPU and wall seconds per example at the end")
    parser.add_argument("--claims", help="a folder shared with other runners of the backend: "
                                         "each example runs in the first runner to claim it")
    parser.add_argument("names", nargs="*", help="examples to run, in this order (default: all)")
    args = parser.parse_args(argv)
    os.environ["KERAS_BACKEND"] = args.backend
    smoke_environment(os.environ, args.backend)  # before NumPy's, PyTorch's or JAX's first import
    sys.path.insert(0, str(EXAMPLES))
    # The framework's import is paid once, before the first example, so that each example's
    # time is its own.
    start, start_cpu = time.perf_counter(), cpu_seconds()
    from polykeras import backend as K
    K.backend()
    import_times = (round(cpu_seconds() - start_cpu, 2), round(time.perf_counter() - start, 2))
    results = {}
    for path in example_paths(args.names):
        if args.claims and not claim(args.claims, path.stem):
            continue
        results[path.stem] = run_one(path, args.backend)
        if args.json:
            with open(args.json, "w") as f:  # written after each, so a crash keeps what ran
                json.dump(results, f, indent=1)
    if args.times:
        print(times_table(results, args.backend))
        print(f"(importing polykeras and the backend, before the examples: "
              f"{import_times[0]:.2f} cpu s, {import_times[1]:.2f} wall s)")
    return 0 if all(result["ok"] for result in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
