"""The conformance suite, run on every built-in backend, one test per (backend, function)."""

import pytest

from polykeras.backend.contract import FUNCTIONS
from polykeras.backend.loading import load_backend
from polykeras.conformance.agreement import compare_backends
from polykeras.conformance.runner import run_function

NAMES = list(FUNCTIONS)


@pytest.mark.parametrize("name", NAMES)
def test_function_conforms(backend, name):
    entry = run_function(backend, name, max_failures=10)
    assert entry["status"] == "pass", f"{backend.backend()}.{name}: " + "\n".join(entry["failures"])
    assert entry["cases"] > 0


@pytest.mark.parametrize("name", NAMES)
def test_backends_agree(name):
    backends = {b: load_backend(b) for b in ("numpy", "torch", "jax")}
    failures = compare_backends(backends, name)
    assert not failures, "\n".join(failures[:10])
