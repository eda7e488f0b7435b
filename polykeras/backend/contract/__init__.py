"""The backend contract: every function of the polykeras backend API, declared once.

The topic files of this package declare each function as a stub (signature
plus docstring, no body). :data:`FUNCTIONS` is the resulting ordered registry;
:func:`check_backend` compares a backend module against it and names every
offender at once.

A *backend* is any module that defines every declared function with the
declared signature and follows the backend protocol (:mod:`.protocol`: the
raw implementations, the executor, graph evaluation, the random seed; see
docs/BACKENDS.md). The built-in backends live in ``polykeras.backends``; a
third-party backend is just another module that passes the same check.
A few polykeras extensions (``fused_lstm``, ``fused_gru``) have a default
built on the module's other functions (``FunctionSpec.default``): a module
may leave them out, and :func:`complete_backend` fills them in.
"""

from __future__ import annotations

import inspect
from types import ModuleType

from ._declare import GROUPS, KINDS, REGISTRY, SUBGRAPH_FORMS, FunctionSpec, api
from .protocol import DEFAULT_ATTRIBUTE, PROTOCOL, RAW_ATTRIBUTE, check_protocol

# Importing the topic files fills REGISTRY, in this order. A backend implements
# each function in the file of the same topic name.
TOPICS = (
    "config", "core", "random", "math", "manipulation", "activations",
    "losses", "functional", "nn", "rnn", "ctc", "symbolic",
)
from . import (  # noqa: E402,F401  (import order is the registry order)
    activations,
    config,
    core,
    ctc,
    functional,
    losses,
    manipulation,
    math,
    nn,
    random,
    rnn,
    symbolic,
)

#: The whole API of Keras 2.2's backend that polykeras implements, by group, and the
#: polykeras extensions (group ``extension``: not in Keras 2.2.4's backend).
#: The registry must declare exactly these names (tests/test_contract.py).
API_NAMES: dict[str, tuple[str, ...]] = {
    "core": tuple("""
        abs all any arange argmax argmin backend batch_dot batch_flatten
        batch_get_value batch_set_value binary_crossentropy cast cast_to_floatx
        categorical_crossentropy clip concatenate constant cos count_params
        cumprod cumsum dot dropout dtype elu epsilon equal eval exp expand_dims
        eye flatten floatx foldl foldr gather get_value get_variable_shape
        greater greater_equal hard_sigmoid identity image_data_format in_top_k
        int_shape is_sparse is_tensor l2_normalize less less_equal log
        logsumexp map_fn max maximum mean min minimum ndim
        normalize_data_format not_equal one_hot ones ones_like
        permute_dimensions pow prod py_all py_sum random_binomial random_normal
        random_normal_variable random_uniform random_uniform_variable relu
        repeat repeat_elements reshape reverse round set_epsilon set_floatx
        set_image_data_format set_value shape sigmoid sign sin slice softmax
        softplus softsign sparse_categorical_crossentropy sqrt square squeeze
        stack std sum tanh tile to_dense transpose truncated_normal var
        variable zeros zeros_like
    """.split()),
    "nn": tuple("""
        conv1d conv2d conv2d_transpose conv3d conv3d_transpose separable_conv1d
        separable_conv2d depthwise_conv2d local_conv1d local_conv2d pool2d
        pool3d bias_add batch_normalization normalize_batch_in_training
        resize_images resize_volumes temporal_padding spatial_2d_padding
        spatial_3d_padding rnn ctc_label_dense_to_sparse ctc_batch_cost
        ctc_decode
    """.split()),
    "symbolic": tuple("""
        placeholder is_placeholder is_keras_tensor function gradients
        stop_gradient switch in_train_phase in_test_phase learning_phase
        set_learning_phase update update_add update_sub moving_average_update
        print_tensor name_scope get_session set_session clear_session get_uid
        reset_uids manual_variable_initialization
    """.split()),
    "extension": ("fused_lstm", "fused_gru"),
}
ALL_NAMES: tuple[str, ...] = tuple(n for g in GROUPS for n in API_NAMES[g])

#: The declared functions, name -> FunctionSpec, in declaration order.
FUNCTIONS: dict[str, FunctionSpec] = REGISTRY


class BackendContractError(TypeError):
    """A module does not implement the backend contract; lists every offender."""


def _parameters(sig: inspect.Signature) -> list[tuple]:
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


def check_backend(module: ModuleType, protocol: bool = True) -> list[str]:
    """Compare ``module`` with the declared contract and the backend protocol.

    Args:
        protocol: also check the protocol members (:data:`PROTOCOL`) and that every op is
            graph-aware (:func:`.protocol.check_protocol`).

    Returns:
        One line per offender, starting with its name: a missing function, one not
        callable, a different signature (in registry order), then the protocol's
        problems (``"Function: missing: ..."``, ``"relu: not graph-aware ..."``); empty
        when the module conforms. A function with a default (``FunctionSpec.default``)
        may be missing.
    """
    problems = check_functions(module)
    if protocol:
        problems += check_protocol(module, FUNCTIONS)
    return problems


def check_functions(module: ModuleType) -> list[str]:
    """The API functions' part of :func:`check_backend`: missing, not callable, signature."""
    problems = []
    for name, spec in FUNCTIONS.items():
        fn = getattr(module, name, None)
        if fn is None:
            if spec.default is None:
                problems.append(f"{name}: missing")
            continue
        if not callable(fn):
            problems.append(f"{name}: not callable (got {type(fn).__name__})")
            continue
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            problems.append(f"{name}: signature cannot be inspected")
            continue
        if _parameters(sig) != _parameters(spec.signature):
            problems.append(f"{name}: signature {sig} differs from the contract's {spec.signature}")
    return problems


def complete_backend(module: ModuleType) -> ModuleType:
    """Give ``module`` the default implementation of every function it leaves out that has
    one (``FunctionSpec.default``); return it."""
    for name, spec in FUNCTIONS.items():
        if spec.default is not None and getattr(module, name, None) is None:
            fn = spec.default(module)
            fn.__name__ = fn.__qualname__ = name
            fn.__doc__ = spec.doc
            fn.__signature__ = spec.signature
            setattr(fn, DEFAULT_ATTRIBUTE, True)
            setattr(module, name, fn)
    return module


def validate_backend(module: ModuleType) -> ModuleType:
    """Return ``module`` if it implements the contract, completed with the defaults of the
    functions it leaves out (:func:`complete_backend`).

    Raises:
        BackendContractError: naming every missing function, every signature that
            differs from the contract and every protocol problem, all at once.
    """
    problems = check_backend(module)
    if problems:
        listing = "\n  ".join(problems)
        raise BackendContractError(
            f"Backend module {module.__name__!r} does not implement the polykeras backend "
            f"contract ({len(problems)} problem(s)):\n  {listing}")
    return complete_backend(module)


__all__ = [
    "API_NAMES", "ALL_NAMES", "DEFAULT_ATTRIBUTE", "FUNCTIONS", "GROUPS", "KINDS", "PROTOCOL",
    "RAW_ATTRIBUTE", "SUBGRAPH_FORMS", "TOPICS", "BackendContractError", "FunctionSpec", "api",
    "check_backend", "check_functions", "check_protocol", "complete_backend", "validate_backend",
]
