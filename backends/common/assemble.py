"""Assemble a backend module from the shared topic modules and its own topic files."""

from __future__ import annotations

import importlib
import importlib.util

from polykeras.backend.contract import TOPICS

from .ops import bind_all

SHARED_PACKAGE = __package__  # polykeras.backends.common


def export_topics(package: str, namespace: dict) -> None:
    """Fill ``namespace`` (the backend package's globals) with every function of the contract
    and the backend protocol's members (docs/BACKENDS.md).

    For each topic of the contract, in order:

    1. the functions of the shared module ``backends/common/<topic>.py`` that are written
       over :class:`~.ops.Ops` (its ``__all__``) are bound to the backend's hooks, the
       ``OPS`` of ``<package>.core``; names it lists in ``UNBOUND`` are exported as they are;
    2. the public names of the backend's own ``<package>.<topic>`` module (its ``__all__``),
       when the file exists, are copied over them: a backend file holds only what differs.

    The ``symbolic`` topic also gets the functions that need no array module
    (:func:`polykeras.backend.graph.api.shared_functions`). Missing functions are left
    missing: the contract check names them. The protocol's own members come from the
    package's ``random`` (``seed``) and ``executor`` (``Function``, the
    :class:`~polykeras.backend.graph.executor.GraphFunction` subclass behind ``K.function``)
    modules. Last, the API functions are made graph-aware
    (:func:`polykeras.backend.graph.make_graph_aware`): op functions record graph nodes when
    given symbolic tensors or variables, the raw implementations stay reachable as
    ``<module>.__raw__``, and ``function`` and ``evaluate`` run graphs with the executor.
    """
    ops = _ops(package)
    for topic in TOPICS:
        # imported first: importing a package's submodule sets the package's attribute of that
        # name (the ``rnn`` module would hide the ``rnn`` function)
        own = _topic_module(package, topic)
        shared = _topic_module(SHARED_PACKAGE, topic)
        if shared is not None and ops is not None:
            namespace.update(bind_all(shared, ops, shared.__all__))
            namespace.update({name: getattr(shared, name)
                              for name in getattr(shared, "UNBOUND", ())})
        if topic == "symbolic":
            from polykeras.backend.graph import api
            raw_is_tensor = namespace.get("is_tensor", lambda x: False)
            namespace.update(api.shared_functions(package, raw_is_tensor))
        if own is not None:
            namespace.update({name: getattr(own, name) for name in getattr(own, "__all__", ())})
    namespace["seed"] = importlib.import_module(f"{package}.random").seed
    namespace["Function"] = importlib.import_module(f"{package}.executor").Function
    from polykeras.backend.graph import dispatch
    dispatch.make_graph_aware(namespace)


def _topic_module(package: str, topic: str):
    if importlib.util.find_spec(f"{package}.{topic}") is None:
        return None
    return importlib.import_module(f"{package}.{topic}")


def _ops(package: str):
    """The backend's :class:`~.ops.Ops` (``<package>.core.OPS``), or None."""
    core = _topic_module(package, "core")
    return getattr(core, "OPS", None)
