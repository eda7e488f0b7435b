"""The contract is declared once and every backend is checked against it, naming every offender."""

import inspect
import sys
import types

import numpy as np
import pytest

from polykeras.backend import contract
from polykeras.backend.contract import (
    ALL_NAMES,
    API_NAMES,
    FUNCTIONS,
    BackendContractError,
    check_backend,
    validate_backend,
)
from polykeras.backend.graph import GraphFunction, make_graph_aware
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


def _backend_module(name, **functions):
    """A backend module built as docs/BACKENDS.md says: the API functions (here NumPy's), the
    protocol's own members, then make_graph_aware."""
    numpy_backend = load_backend("numpy")
    module = _module(name, Function=numpy_backend.Function, seed=numpy_backend.seed, **functions)
    make_graph_aware(vars(module))
    return module


def test_check_backend_names_every_offender_at_once():
    numpy_backend = load_backend("numpy")
    functions = {name: getattr(numpy_backend, name) for name in FUNCTIONS}
    first, second, third = list(FUNCTIONS)[:3]
    del functions[first]
    functions[second] = lambda *args: None          # wrong signature
    functions[third] = 42                           # not callable
    problems = check_backend(_backend_module("broken_backend", **functions))
    assert [p.split(":")[0] for p in problems] == [first, second, third]
    assert "missing" in problems[0] and "signature" in problems[1] and "not callable" in problems[2]
    with pytest.raises(BackendContractError) as info:
        validate_backend(_backend_module("broken_backend", **functions))
    message = str(info.value)
    for name in (first, second, third):
        assert name in message
    assert "3 problem(s)" in message


def test_builtin_backends_conform(backend):
    assert check_backend(backend) == []


def test_third_party_backend_by_dotted_path(monkeypatch):
    numpy_backend = load_backend("numpy")
    third = _backend_module("acme_backend.core", **{n: getattr(numpy_backend, n) for n in FUNCTIONS})
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
    monkeypatch.setitem(sys.modules, "half_backend.impl",
                        _backend_module("half_backend.impl", **functions))
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
    third = _backend_module("acme_lean.core", **functions)
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


# -- the backend protocol ----------------------------------------------------------------------

def test_a_module_of_api_functions_alone_is_refused_naming_each_protocol_member():
    numpy_backend = load_backend("numpy")
    bare = _module("bare_backend", **{n: getattr(numpy_backend, n) for n in FUNCTIONS})
    problems = check_backend(bare)
    assert [p.split(":")[0] for p in problems] == ["__raw__", "Function", "evaluate", "seed"]
    assert all("missing" in p for p in problems)
    with pytest.raises(BackendContractError, match="4 problem"):
        validate_backend(bare)


def test_an_op_replaced_after_make_graph_aware_is_named():
    numpy_backend = load_backend("numpy")
    functions = {n: getattr(numpy_backend, n) for n in FUNCTIONS}
    functions["tanh"] = lambda x: numpy_backend.__raw__.tanh(x)
    module = _backend_module("late_backend", **functions)
    assert check_backend(module) == []
    module.relu = numpy_backend.__raw__.relu  # a plain implementation: sees symbolic tensors
    module.tanh = numpy_backend.tanh          # NumPy's graph-aware tanh, not the module's own
    problems = check_backend(module)
    assert len(problems) == 2
    assert problems[0].startswith("relu: not graph-aware")
    assert problems[1].startswith("__raw__.tanh: Expected the implementation tanh records")


def test_protocol_members_of_the_wrong_kind_are_named():
    numpy_backend = load_backend("numpy")
    module = _backend_module("odd_backend", **{n: getattr(numpy_backend, n) for n in FUNCTIONS})
    module.Function = object
    module.seed = lambda: None
    problems = check_backend(module)
    assert [p.split(":")[0] for p in problems] == ["Function", "seed"]
    assert "Expected a subclass of GraphFunction" in problems[0]
    assert "Expected a function taking (value)" in problems[1]


def test_a_copied_backend_records_and_runs_its_own_implementations():
    numpy_backend = load_backend("numpy")
    calls = []

    def relu(x, alpha=0.0, max_value=None, threshold=0.0):
        calls.append(x)
        return numpy_backend.__raw__.relu(x, alpha, max_value, threshold) + 1
    functions = {n: getattr(numpy_backend, n) for n in FUNCTIONS}
    functions["relu"] = relu
    module = _backend_module("own_relu_backend", **functions)
    assert check_backend(module) == []
    assert issubclass(module.Function, GraphFunction)
    x = module.placeholder((None, 2))
    y = module.relu(x)
    assert not calls  # recorded, not computed
    out, = module.function([x], [y])([np.array([[-1.0, 2.0]])])
    np.testing.assert_allclose(out, [[1.0, 3.0]])
    assert len(calls) == 1 and isinstance(calls[0], np.ndarray)
    np.testing.assert_allclose(module.eval(module.relu(module.variable([-3.0, 3.0]))), [1.0, 4.0])
    # the NumPy backend itself is untouched
    np.testing.assert_allclose(numpy_backend.eval(numpy_backend.relu(
        numpy_backend.variable([-3.0, 3.0]))), [0.0, 3.0])


def test_per_function_metadata_replaces_name_lists():
    random = {n for n, s in FUNCTIONS.items() if s.random}
    assert random == {"random_uniform", "random_normal", "truncated_normal", "random_binomial",
                      "dropout"}
    higher_order = {n: (s.higher_order, s.subgraph) for n, s in FUNCTIONS.items()
                    if s.higher_order or s.subgraph}
    assert higher_order == {"map_fn": ("fn", "map"), "foldl": ("fn", "fold"),
                            "foldr": ("fn", "fold"), "rnn": ("step_function", "rnn")}
    elementwise = {n for n, s in FUNCTIONS.items() if s.elementwise}
    assert {"relu", "tanh", "cast", "clip", "maximum", "equal", "pow"} <= elementwise
    assert not elementwise & {"sum", "dot", "softmax", "reshape", "dropout", "switch"}
    assert all(FUNCTIONS[n].kind == "op" for n in elementwise)


def test_contract_declaration_rejects_inconsistent_metadata():
    with pytest.raises(ValueError, match="subgraph"):
        contract.api("core", subgraph="scan")
    with pytest.raises(ValueError, match="higher_order"):
        contract.api("core", subgraph="map")
    with pytest.raises(ValueError, match="element-wise"):
        contract.api("core", kind="host", elementwise=True)
    with pytest.raises(ValueError, match="higher-order parameter 'f'"):
        @contract.api("core", higher_order="f", subgraph="map")
        def _stub(fn, elems):
            """A stub whose higher-order parameter is misnamed."""


# -- the contract's docstrings are what users read ------------------------------------------------

def test_every_backend_function_shows_its_contract_docstring_and_signature(backend):
    from polykeras import backend as K
    undocumented, wrong_signature = [], []
    for name, spec in FUNCTIONS.items():
        for where, fn in ((backend.__name__, getattr(backend, name)), ("K", getattr(K, name))):
            if not (inspect.getdoc(fn) or "").startswith(spec.doc):
                undocumented.append(f"{where}.{name}")
            if inspect.signature(fn) != spec.signature:
                wrong_signature.append(f"{where}.{name}{inspect.signature(fn)}")
    assert not undocumented, undocumented
    assert not wrong_signature, wrong_signature


def test_help_prints_the_contract_text():
    import pydoc

    from polykeras import backend as K
    text = pydoc.render_doc(K.conv2d, renderer=pydoc.plaintext)
    assert "conv2d(x, kernel, strides=(1, 1), padding='valid'" in text
    for line in FUNCTIONS["conv2d"].doc.splitlines()[:3]:
        assert line.strip() in text
    # an implementation's own docstring follows as notes, after the contract
    numpy_relu = inspect.getdoc(load_backend("numpy").relu)
    assert numpy_relu.startswith(FUNCTIONS["relu"].doc)
