"""Every script in examples/ runs in ``--smoke`` mode on every backend and takes the common flags.

The examples of one backend run in one subprocess (two for JAX, sharing them; see
tests/run_examples.py); each (example, backend) pair is its own test, reporting that
example's traceback.
A new example joins by being added to examples/.
"""

import json
import os
import pathlib
import subprocess
import sys

import pytest

from run_examples import example_paths, smoke_environment

ROOT = pathlib.Path(__file__).resolve().parents[1]
BACKENDS = ("numpy", "torch", "jax")
NAMES = [p.stem for p in example_paths()]


#: Runners per backend. JAX's examples take the longest (compilation), so two runners share
#: them (run_examples.py --claims); with NumPy's and PyTorch's runners, both cores stay busy.
RUNNERS = {"numpy": 1, "torch": 1, "jax": 2}
#: The pytest cache key of the last run's CPU seconds per backend and example.
TIMES_KEY = "polykeras/examples_cpu_seconds"


def longest_first(times):
    """The examples, those that took the most CPU time last run first (unknown ones first)."""
    return sorted(NAMES, key=lambda name: -times.get(name, float("inf")))


@pytest.fixture(scope="module")
def smoke_results(request, tmp_path_factory):
    """``{backend: {example: result}}``: every backend's runners start together, once.

    They run side by side (JAX compiles on one core while NumPy and PyTorch run on
    the other); each test waits for its backend's runners only. Each backend's
    examples run longest first (by the last run's CPU times, kept in pytest's
    cache), so that the runners sharing them finish together.
    """
    cache = getattr(request.config, "cache", None)
    last_times = cache.get(TIMES_KEY, {}) if cache is not None else {}
    folder = tmp_path_factory.mktemp("examples")
    runs = {}
    for backend in BACKENDS:
        # The runners' threads and XLA flags (run_examples.smoke_environment), found once here.
        env = dict(os.environ, PYTHONHASHSEED="0", KERAS_BACKEND=backend)
        smoke_environment(env, backend)
        claims = folder / f"{backend}-claims"
        claims.mkdir()
        order = longest_first(last_times.get(backend, {}))
        runs[backend] = []
        for index in range(RUNNERS[backend]):
            out, err = folder / f"{backend}-{index}.json", folder / f"{backend}-{index}.stderr"
            with open(err, "w") as stderr:  # a file, not a pipe: a full pipe would block it
                proc = subprocess.Popen(
                    [sys.executable, str(ROOT / "tests" / "run_examples.py"), "--backend",
                     backend, "--json", str(out), "--claims", str(claims), *order],
                    stdout=subprocess.DEVNULL, stderr=stderr, env=env, cwd=str(ROOT))
            runs[backend].append((proc, out, err))
    collected = {}

    def get(backend):
        if backend not in collected:
            results, stderr = {}, ""
            for proc, out, err in runs[backend]:
                try:
                    proc.wait(timeout=1200)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                results.update(json.loads(out.read_text()) if out.exists() else {})
                stderr += err.read_text()[-3000:]
            collected[backend] = (results, stderr)
        return collected[backend]
    yield get
    for backend in BACKENDS:
        for proc, _, _ in runs[backend]:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    if cache is not None:
        times = {backend: {name: result["cpu_seconds"] for name, result in results.items()}
                 for backend, (results, _) in collected.items()}
        cache.set(TIMES_KEY, {**last_times, **times})


@pytest.mark.parametrize("backend_name", BACKENDS)
@pytest.mark.parametrize("name", NAMES)
def test_example_smoke(smoke_results, name, backend_name):
    results, stderr = smoke_results(backend_name)
    assert name in results, (f"{name} did not run on {backend_name} (the runner died?): "
                             f"{stderr[-3000:]}")
    result = results[name]
    assert result["ok"], f"{name} --smoke on {backend_name} failed:\n{result['error']}"


@pytest.mark.parametrize("name", NAMES)
def test_example_takes_the_common_flags(name):
    source = (ROOT / "examples" / f"{name}.py").read_text()
    for flag in ("--backend", "--epochs", "--smoke"):
        assert f'"{flag}"' in source, f"examples/{name}.py does not define {flag}"
    assert "def main(argv=None)" in source, f"examples/{name}.py has no main(argv=None)"
