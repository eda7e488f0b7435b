"""Every script in examples/ runs in ``--smoke`` mode on every backend and takes the common flags.

The examples of one backend run in one subprocess (tests/run_examples.py);
each (example, backend) pair is its own test, reporting that example's traceback.
A new example joins by being added to examples/.
"""

import json
import os
import pathlib
import subprocess
import sys

import pytest

from run_examples import example_paths

ROOT = pathlib.Path(__file__).resolve().parents[1]
BACKENDS = ("numpy", "torch", "jax")
NAMES = [p.stem for p in example_paths()]


@pytest.fixture(scope="module")
def smoke_results(tmp_path_factory):
    """``{backend: {example: result}}``: the three backends' runners start together, once.

    They run side by side (JAX compiles on one core while NumPy and PyTorch run on
    the other); each test waits for its backend's runner only.
    """
    folder = tmp_path_factory.mktemp("examples")
    runs = {}
    for backend in BACKENDS:
        out = folder / f"{backend}.json"
        env = dict(os.environ, PYTHONHASHSEED="0", KERAS_BACKEND=backend)
        if backend == "jax":
            # Smoke runs check code paths, not speed: XLA's unoptimized CPU code compiles
            # about a third faster, and most of a JAX smoke run is compilation.
            env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_backend_optimization_level=0")
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "run_examples.py"), "--backend", backend,
             "--json", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env, cwd=str(ROOT))
        runs[backend] = (proc, out)
    cache = {}

    def get(backend):
        if backend not in cache:
            proc, out = runs[backend]
            try:
                _, stderr = proc.communicate(timeout=1200)
            except subprocess.TimeoutExpired:
                proc.kill()
                _, stderr = proc.communicate()
            results = json.loads(out.read_text()) if out.exists() else {}
            cache[backend] = (results, stderr)
        return cache[backend]
    yield get
    for proc, _ in runs.values():
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


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
