"""Build a faulty backend module the way docs/BACKENDS.md tells a backend author to: the NumPy
backend's functions, the module's own replacements, the protocol's ``Function`` and ``seed``,
then ``make_graph_aware``, so that models and ``K.function`` run the replacements."""

from polykeras.backend.contract import FUNCTIONS
from polykeras.backend.graph import make_graph_aware


def assemble(namespace: dict) -> None:
    """Fill ``namespace`` (a module's globals holding its replaced functions) with the rest of
    the NumPy backend and make it a graph-aware backend module."""
    import polykeras.backends.numpy as base

    for name in FUNCTIONS:
        namespace.setdefault(name, getattr(base, name))
    namespace.setdefault("Function", type("Function", (base.Function,), {
        "__doc__": "The NumPy executor, running this module's raw implementations."}))
    namespace.setdefault("seed", base.seed)
    make_graph_aware(namespace)
