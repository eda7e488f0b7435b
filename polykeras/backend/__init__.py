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

from . import config as _config
from .contract import ALL_NAMES as _ALL_NAMES
from .contract import FUNCTIONS as _FUNCTIONS

_active = None
#: The name the active backend was selected by (what ``K.backend()`` returns).
_active_name = None


def _activate():
    global _active, _active_name
    if _active is None:
        from .frontend import bind
        from .loading import load_backend
        name = _config.configured_backend_name()
        module = load_backend(name)
        globals().update(bind(module, name))
        _active, _active_name = module, name
    return _active


def active_backend_module():
    """The module of the active backend (loading it if needed)."""
    return _activate()


def set_backend(name):
    """Make backend ``name`` the active one for ``K.*`` in this process.

    Not part of Keras 2.2: it serves comparing backends side by side in one
    process. Variables and models keep the backend they were made with, so
    build a model after choosing its backend.

    Raises:
        ValueError: unknown backend (the message lists the available ones).
    """
    global _active, _active_name
    from .frontend import bind
    from .loading import load_backend
    module = load_backend(name)
    globals().update(bind(module, name))
    _active, _active_name = module, name
    return module


class use_backend:
    """Context manager: ``with K.use_backend("torch"): ...`` activates a backend, then restores."""

    def __init__(self, name):
        self.name = name
        self._previous = None

    def __enter__(self):
        self._previous = (_activate(), _active_name)
        return set_backend(self.name)

    def __exit__(self, *exc):
        global _active, _active_name
        from .frontend import bind
        module, name = self._previous
        globals().update(bind(module, name))
        _active, _active_name = module, name
        return False


def for_backend(name):
    """The ``K`` API bound to backend ``name`` (``"numpy"``, ``"torch"``, ``"jax"`` or the name
    of a backend module); its ``backend()`` returns ``name``."""
    from .frontend import namespace
    from .loading import load_backend
    return namespace(load_backend(name), name)


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
