"""Property-based fuzzing of every ``op`` function of the contract on all backends
(``conformance/fuzz.py`` states the property). Profiles (tests/conftest.py): ``ci`` (the
default: a few derandomized examples per function, about a minute in all) and ``thorough``
(``pytest tests/test_fuzz.py --hypothesis-profile=thorough``)."""

import pytest

hypothesis = pytest.importorskip("hypothesis")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from polykeras.backend.loading import load_backend  # noqa: E402
from polykeras.conformance import fuzz  # noqa: E402

BACKENDS = {name: load_backend(name) for name in fuzz.BACKENDS}


@pytest.mark.parametrize("name", fuzz.fuzzed_functions())
@given(data=st.data())
def test_backends_agree_with_the_reference_or_raise_alike(name, data):
    if not fuzz.templates(name):
        pytest.skip(f"{name} has no conformance case with a tensor input to fuzz from")
    args, kwargs = data.draw(fuzz.calls(name), label="call")
    outcomes = {b: fuzz.run_on(module, name, args, kwargs) for b, module in BACKENDS.items()}
    fuzz.check_property(name, outcomes, args, kwargs)
