"""The contract is declared once and every backend is checked against it, naming every offender."""

import inspect
import sys
import types

import numpy as np
import pytest

from polykeras.backend import contract
from polykeras.backend.contract import (
    ALL_NAMES, API_NAMES, FUNCTIONS, BackendContractError, check_backend, validate_backend)
from polykeras.backend.loading import load_backend


def test_api_has_158_names_keras_groups_and_extensions():
    # Keras 2.2's 156 backend functions, and polykeras's 2 extensions
    assert len(ALL_NAMES) == 158
    assert len(set(ALL_NAMES)) == 158
    assert {g: len(n) for g, n in API_NAMES.items()} == {"core": 109, "nn": 24, "symbolic": 23,
                                                         "extension": 2}
    assert API_NAMES["extension"] == ("fused_lstm", "fused_gru")


def test_every_declared_function_belongs_to_the_api_and_its_group():
    group_of = {n: g for g, names in API_NAMES.items() for n in names}
    wrong = [f"{name}: declared {spec.group}, API says {group_of.get(name)}"
             for name, spec in FUNCTIONS.items() if group_of.get(name) != spec.group]
    assert not wrong, wrong


def test_every_stub_has_a_contract_docstring_and_no_body():
    for name, spec in FUNCTIONS.items():
        assert len(spec.doc) > 20, f"{name}: docstring too short to be a contract"
        source = inspect.getsource(spec.stub)
        body = source.split('"""')[-1].strip()
        assert body == "", f"{name}: a contract stub must have no body, found {body!r}"


def test_core_group_is_complete():
    missing = sorted(set(API_NAMES["core"]) - set(FUNCTIONS))
    assert not missing, f"core functions not declared yet: {missing}"


def _module(name, **functions):
    module = types.ModuleType(name)
    for key, value in functions.items():
        setattr(module, key, value)
    return module


def test_check_backend_names_every_offender_at_once():
    numpy_backend = load_backend("numpy")
    functions = {name: getattr(numpy_backend, name) for name in FUNCTIONS}
    first, second, third = list(FUNCTIONS)[:3]
    del functions[first]
    functions[second] = lambda *args: None          # wrong signature
    functions[third] = 42                           # not callable
    problems = check_backend(_module("broken_backend", **functions))
    assert [p.split(":")[0] for p in problems] == [first, second, third]
    assert "missing" in problems[0] and "signature" in problems[1] and "not callable" in problems[2]
    with pytest.raises(BackendContractError) as info:
        validate_backend(_module("broken_backend", **functions))
    message = str(info.value)
    for name in (first, second, third):
        assert name in message
    assert "3 problem(s)" in message


def test_builtin_backends_conform(backend):
    assert check_backend(backend) == []


def test_third_party_backend_by_dotted_path(monkeypatch):
    numpy_backend = load_backend("numpy")
    third = _module("acme_backend.core", **{n: getattr(numpy_backend, n) for n in FUNCTIONS})
    monkeypatch.setitem(sys.modules, "acme_backend", _module("acme_backend"))
    monkeypatch.setitem(sys.modules, "acme_backend.core", third)
    module = load_backend("acme_backend.core")
    assert module is third
    x = module.constant(np.arange(6.0).reshape(2, 3))
    assert module.int_shape(x) == (2, 3)


def test_third_party_backend_missing_functions_is_refused(monkeypatch):
    numpy_backend = load_backend("numpy")
    functions = {n: getattr(numpy_backend, n) for n in FUNCTIONS if n not in ("floatx", "epsilon")}
    monkeypatch.setitem(sys.modules, "half_backend", _module("half_backend"))
    monkeypatch.setitem(sys.modules, "half_backend.impl", _module("half_backend.impl", **functions))
    with pytest.raises(BackendContractError) as info:
        load_backend("half_backend.impl")
    assert "2 problem(s)" in str(info.value)
    assert "floatx: missing" in str(info.value) and "epsilon: missing" in str(info.value)


def test_unknown_backend_lists_the_choices():
    with pytest.raises(ValueError) as info:
        load_backend("tensorflow")
    message = str(info.value)
    for expected in ("numpy", "torch", "jax", "KERAS_BACKEND", "keras.json", "tensorflow"):
        assert expected in message


def test_unknown_dotted_backend_is_a_clear_error():
    with pytest.raises(ValueError, match="no module named 'no_such_pkg.backend'"):
        load_backend("no_such_pkg.backend")


def test_contract_declaration_rejects_bad_declarations():
    with pytest.raises(ValueError, match="group"):
        contract.api("graphics")
    with pytest.raises(ValueError, match="differentiable arguments"):
        @contract.api("core", differentiable=("nope",))
        def _stub(x):
            """A stub with a wrong differentiable argument name."""


def test_third_party_backend_without_the_extensions_gets_defaults_built_on_rnn(monkeypatch):
    numpy_backend = load_backend("numpy")
    extensions = set(API_NAMES["extension"])
    functions = {n: getattr(numpy_backend, n) for n in FUNCTIONS if n not in extensions}
    third = _module("acme_lean.core", **functions)
    assert check_backend(third) == []  # the extensions are optional
    monkeypatch.setitem(sys.modules, "acme_lean", _module("acme_lean"))
    monkeypatch.setitem(sys.modules, "acme_lean.core", third)
    module = load_backend("acme_lean.core")
    assert check_backend(module) == [] and module.fused_lstm is not numpy_backend.fused_lstm
    rng = np.random.default_rng(0)
    x, h0, c0 = (rng.standard_normal(shape) for shape in ((2, 3, 4), (2, 5), (2, 5)))
    kernel, recurrent = rng.standard_normal((4, 20)), rng.standard_normal((5, 20))
    mask = np.array([[1, 0, 1], [1, 1, 0]], bool)
    args, kwargs = (x, kernel, recurrent, None, [h0, c0]), {"mask": mask, "go_backwards": True}
    got, want = module.fused_lstm(*args, **kwargs), numpy_backend.fused_lstm(*args, **kwargs)
    for g, w in zip([got[0], got[1]] + got[2], [want[0], want[1]] + want[2]):
        np.testing.assert_allclose(g, w, rtol=1e-12)
    gru_args = (x, kernel[:, :15], recurrent[:, :15], rng.standard_normal((2, 15)), [h0])
    np.testing.assert_allclose(module.fused_gru(*gru_args, reset_after=True)[1],
                               numpy_backend.fused_gru(*gru_args, reset_after=True)[1], rtol=1e-12)
    with pytest.raises(ValueError, match="fused_lstm: Expected kernel"):
        module.fused_lstm(x, kernel[:3], recurrent, None, [h0, c0])
