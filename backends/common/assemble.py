"""Assemble a backend module from its topic files."""

from __future__ import annotations

import importlib
import importlib.util

from polykeras.backend.contract import TOPICS


def export_topics(package: str, namespace: dict) -> None:
    """Copy the public names of each topic module of ``package`` into ``namespace``.

    A topic module lists what it exports in ``__all__``; topic files that do
    not exist are skipped (the contract check then names what is missing).
    The backend protocol's own members (docs/BACKENDS.md) come from the
    package's ``random`` (``seed``) and ``executor`` (``Function``) modules. The API
    functions are then made graph-aware
    (:func:`polykeras.backend.graph.make_graph_aware`): op functions record
    graph nodes when given symbolic tensors or variables, the raw
    implementations stay reachable as ``<module>.__raw__``, and ``function`` and
    ``evaluate`` run graphs with the executor.
    """
    for topic in TOPICS:
        if importlib.util.find_spec(f"{package}.{topic}") is None:
            continue
        module = importlib.import_module(f"{package}.{topic}")
        for name in getattr(module, "__all__", ()):
            namespace[name] = getattr(module, name)
    namespace["seed"] = importlib.import_module(f"{package}.random").seed
    namespace["Function"] = importlib.import_module(f"{package}.executor").Function
    from polykeras.backend.graph import dispatch
    dispatch.make_graph_aware(namespace)
