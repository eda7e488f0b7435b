"""The public ``K.*`` functions, built from the contract for one backend.

:func:`bind` turns a validated backend module into the mapping of public API
names to callables that ``polykeras.backend`` exposes. Every name comes from
the contract's one list; nothing is written out per function here.
"""

from __future__ import annotations

from types import ModuleType, SimpleNamespace

from .contract import FUNCTIONS


def bind(module: ModuleType) -> dict:
    """Map every declared API name to ``module``'s implementation."""
    return {name: getattr(module, name) for name in FUNCTIONS}


def namespace(module: ModuleType) -> SimpleNamespace:
    """A ``K``-like namespace for ``module``, for using backends side by side."""
    ns = SimpleNamespace(**bind(module))
    ns.__backend_module__ = module
    return ns
