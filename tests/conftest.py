"""Shared fixtures: the ``backend`` fixture runs a test once per built-in backend, in one
process."""

import os

import numpy as np
import pytest

try:  # Hypothesis profiles of the fuzzing tests (tests/test_fuzz.py)
    from hypothesis import HealthCheck, settings
except ImportError:  # the fuzzing tests skip themselves
    settings = None
if settings is not None:
    _QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
              HealthCheck.function_scoped_fixture]
    # ci: few examples per function, derandomized (the same calls on every run), no database
    settings.register_profile("ci", max_examples=4, derandomize=True, deadline=None,
                              database=None, suppress_health_check=_QUIET, print_blob=True)
    settings.register_profile("thorough", max_examples=100, deadline=None,
                              suppress_health_check=_QUIET, print_blob=True)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

from polykeras.backend import config

BACKENDS = ("numpy", "torch", "jax")


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Each built-in backend in turn, in one process.

    Yields the backend module (``polykeras.backends.<name>``, validated against
    the contract) and makes it the active backend of ``polykeras.backend``
    (``K``) for the test, so model-level tests run on it too.
    """
    from polykeras import backend as K
    with K.use_backend(request.param) as module:
        yield module


@pytest.fixture(autouse=True)
def _restore_config():
    """Tests may change floatx/epsilon/image_data_format; put them back afterwards."""
    saved = (config.floatx(), config.epsilon(), config.image_data_format())
    yield
    config.set_floatx(saved[0])
    config.set_epsilon(saved[1])
    config.set_image_data_format(saved[2])


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(autouse=True, scope="session")
def _isolated_keras_home(tmp_path_factory):
    """Never read or write the user's ~/.keras during tests."""
    home = tmp_path_factory.mktemp("keras_home")
    old = os.environ.get("KERAS_HOME")
    os.environ["KERAS_HOME"] = str(home)
    yield home
    if old is None:
        os.environ.pop("KERAS_HOME", None)
    else:
        os.environ["KERAS_HOME"] = old
