"""The public ``K.*`` functions, built from the contract for one backend.

:func:`bind` turns a validated backend module into the mapping of public API
names to callables that ``polykeras.backend`` exposes. Every name comes from
the contract's one list; nothing is written out per function here. Each
callable carries its contract docstring and signature (the backend module got
them from ``make_graph_aware``), so ``help(K.sum)`` shows the contract.
"""

from __future__ import annotations

from types import ModuleType, SimpleNamespace

from .contract import FUNCTIONS


def bind(module: ModuleType, name: str | None = None) -> dict:
    """Map every declared API name to ``module``'s implementation.

    Args:
        name: the name the backend was selected by (``"numpy"``, ``"mybackend"``,
            ``"acme.backends.fast"``); ``backend()`` returns it, as Keras 2.2.4's
            ``K.backend()`` returns the ``KERAS_BACKEND`` value. ``None``: the module's own.
    """
    functions = {fn_name: getattr(module, fn_name) for fn_name in FUNCTIONS}
    if name is not None:
        functions["backend"] = _selected_name(name)
    return functions


def _selected_name(name: str):
    from .graph.dispatch import documented

    def backend():
        return name
    backend.__module__ = "polykeras.backend"
    return documented(backend, FUNCTIONS["backend"])


def namespace(module: ModuleType, name: str | None = None) -> SimpleNamespace:
    """A ``K``-like namespace for ``module``, for using backends side by side."""
    ns = SimpleNamespace(**bind(module, name))
    ns.__backend_module__ = module
    return ns
