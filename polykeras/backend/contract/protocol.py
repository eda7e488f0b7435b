"""The backend protocol: what a backend module provides beyond the API functions.

The API functions compute on arrays. Models are built as symbolic graphs
(``placeholder``, ``function``, ``gradients``), so a backend also provides the
members below; docs/BACKENDS.md explains each with an example.
:func:`polykeras.backend.graph.make_graph_aware` builds most of them from the
module's own functions and its executor; :func:`check_protocol` names every
member that is missing or wrong.
"""

from __future__ import annotations

import inspect
from types import ModuleType

#: member -> what it is. ``__raw__``, ``function`` and ``evaluate`` are made by
#: ``make_graph_aware``; a backend module defines ``Function`` and ``seed`` itself.
PROTOCOL: dict[str, str] = {
    "__raw__": "the raw implementations: an object with an attribute per op of the contract "
               "(every `op` function and every `random` one), the function that computes on "
               "arrays; executors call only these. Made by make_graph_aware",
    "Function": "the executor: a subclass of polykeras.backend.graph.executor.GraphFunction "
                "that compiles a recorded graph and runs it with the raw implementations "
                "(K.function returns one)",
    "evaluate": "evaluate(tensors, caller) -> list of NumPy arrays: the values of recorded "
                "(symbolic) tensors, for K.eval and K.get_value of a graph tensor. Made by "
                "make_graph_aware from Function.evaluate",
    "seed": "seed(value): reseed the backend's own random generator (the one dropout and "
            "K.random_* use without a seed); called by polykeras.utils.set_random_seed for "
            "every loaded backend",
}

#: The attribute a graph-aware function (a dispatcher) carries: its raw implementation.
RAW_ATTRIBUTE = "__polykeras_raw__"
#: The attribute of an implementation :func:`complete_backend` built from a contract default.
DEFAULT_ATTRIBUTE = "__polykeras_default__"


def recorded_functions(functions) -> list[str]:
    """The API functions a graph records, whose raw implementation ``__raw__`` must hold."""
    return [name for name, spec in functions.items() if spec.kind == "op" or spec.random]


def check_protocol(module: ModuleType, functions) -> list[str]:
    """The protocol problems of ``module``, one line each, starting with the member's name.

    Args:
        functions: the contract's registry (name -> FunctionSpec).

    Returns:
        Lines naming a missing or wrong protocol member (``"Function: ..."``), a
        function of the contract missing from ``__raw__`` (``"__raw__.relu: ..."``), and an
        op that is not graph-aware, so symbolic tensors would reach its implementation
        (``"relu: not graph-aware ..."``); empty when the module follows the protocol.
    """
    from polykeras.backend.graph.executor import GraphFunction

    how = "(see docs/BACKENDS.md: polykeras.backend.graph.make_graph_aware(globals()) makes it)"
    problems = []
    raw = getattr(module, "__raw__", None)
    if raw is None:
        problems.append(f"__raw__: missing: {PROTOCOL['__raw__']} {how}")
    executor = getattr(module, "Function", None)
    if executor is None:
        problems.append(f"Function: missing: {PROTOCOL['Function']}")
    elif not (isinstance(executor, type) and issubclass(executor, GraphFunction)):
        problems.append(f"Function: Expected a subclass of GraphFunction. Received: {executor!r}")
    problems += _check_callable(module, "evaluate", ("tensors", "caller"), how)
    problems += _check_callable(module, "seed", ("value",), "")
    for name in recorded_functions(functions):
        fn = getattr(module, name, None)
        if fn is None or not callable(fn) or getattr(fn, DEFAULT_ATTRIBUTE, False):
            continue  # a missing function is reported by the contract check; a default composes
        raw_fn = getattr(fn, RAW_ATTRIBUTE, None)
        if raw_fn is None:
            problems.append(f"{name}: not graph-aware: given a symbolic tensor it would "
                            f"compute on it instead of recording a graph node {how}")
        elif raw is not None and getattr(raw, name, None) is not raw_fn:
            problems.append(f"__raw__.{name}: Expected the implementation {name} records "
                            f"(a graph-aware function of another module was copied; call "
                            f"make_graph_aware on this module's namespace)")
    return problems


def _check_callable(module, member, parameters, how):
    fn = getattr(module, member, None)
    if fn is None:
        return [f"{member}: missing: {PROTOCOL[member]} {how}".rstrip()]
    if not callable(fn):
        return [f"{member}: not callable (got {type(fn).__name__})"]
    try:
        sig = inspect.signature(fn)
        sig.bind(*parameters)
    except (TypeError, ValueError):
        return [f"{member}: Expected a function taking ({', '.join(parameters)}). "
                f"Received: {member}{_signature_text(fn)}"]
    return []


def _signature_text(fn):
    try:
        return str(inspect.signature(fn))
    except (TypeError, ValueError):
        return "(...)"
