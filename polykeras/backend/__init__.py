"""``from polykeras import backend as K``: the Keras 2 backend API.

Every public function here is built from the contract's one list
(:mod:`polykeras.backend.contract`) and bound to the active backend, chosen
by ``KERAS_BACKEND`` or ``keras.json`` (see :mod:`polykeras.backend.config`).
The active backend is loaded on first use of a ``K.*`` attribute, so
``import polykeras`` imports only the framework of that backend.

For side-by-side use, :func:`for_backend` returns the same API bound to any
other backend, independently of the active one.
"""

from __future__ import annotations

import sys as _sys

from . import config as _config
from .contract import ALL_NAMES as _ALL_NAMES
from .contract import FUNCTIONS as _FUNCTIONS

_active = None


def _activate():
    global _active
    if _active is None:
        from .frontend import bind
        from .loading import load_backend
        module = load_backend(_config.configured_backend_name())
        globals().update(bind(module))
        _active = module
    return _active


def active_backend_module():
    """The module of the active backend (loading it if needed)."""
    return _activate()


def for_backend(name):
    """The ``K`` API bound to backend ``name`` (``"numpy"``, ``"torch"``, ``"jax"`` or a dotted path)."""
    from .frontend import namespace
    from .loading import load_backend
    return namespace(load_backend(name))


def __getattr__(name):
    if name in _FUNCTIONS:
        _activate()
        return globals()[name]
    if name in _ALL_NAMES:
        raise AttributeError(
            f"polykeras.backend.{name} is part of the Keras 2 backend API but is not "
            "implemented yet in this version of polykeras")
    raise AttributeError(f"module 'polykeras.backend' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_FUNCTIONS))
