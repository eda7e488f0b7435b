"""Build a faulty backend module: the NumPy backend's functions, with the module's own
replacements, made graph-aware so that models and ``K.function`` run the replacements."""

from polykeras.backend.contract import FUNCTIONS


def assemble(namespace: dict) -> None:
    """Fill ``namespace`` (a module's globals holding its replaced functions) with the rest of
    the NumPy backend and the graph support of the declared backend protocol."""
    import polykeras.backends.numpy as base

    for name in FUNCTIONS:
        namespace.setdefault(name, getattr(base, name))
    try:
        from polykeras.backend.graph import make_graph_aware
    except ImportError:  # before the declared backend protocol (issue 16): eager calls only
        return
    namespace.setdefault("Function", type("Function", (base.Function,), {
        "__doc__": "The NumPy executor, running this module's raw implementations."}))
    namespace.setdefault("seed", base.seed)
    make_graph_aware(namespace)
