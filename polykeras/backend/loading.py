"""Finding, importing and validating backend modules.

Built-in backends are imported lazily, by name, from ``polykeras.backends``:
nothing imports a framework that is not in use. A third-party backend is any
importable module, named as ``import`` names it (``mybackend`` or
``acme.backends.fast``, as Keras 2.2.4 imported any module name), that passes
:func:`polykeras.backend.contract.validate_backend`: the API functions and the
backend protocol (docs/BACKENDS.md). A built-in name (``numpy``, ``torch``,
``jax``) always means the built-in backend, not a module of that name.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from . import config
from .contract import validate_backend

_LOADED: dict[str, ModuleType] = {}


def available_backends() -> tuple[str, ...]:
    return config.BUILTIN_BACKENDS


def _how_to_choose() -> str:
    return ("Choose a backend with the KERAS_BACKEND environment variable or the "
            "'backend' field of $KERAS_HOME/keras.json (default ~/.keras/keras.json): "
            f"one of {list(config.BUILTIN_BACKENDS)}, or the name of an importable module "
            "implementing the polykeras backend contract (docs/BACKENDS.md).")


def loaded_backends() -> tuple[ModuleType, ...]:
    """The backend modules loaded (imported and validated) so far in this process."""
    return tuple(dict.fromkeys(_LOADED.values()))


def load_backend(name: str) -> ModuleType:
    """Import and validate the backend ``name`` (cached).

    See :func:`import_backend_module` for the errors of the import itself.

    Raises:
        polykeras.backend.contract.BackendContractError: the module does not
            implement the contract (every offender named).
    """
    if name in _LOADED:
        return _LOADED[name]
    module = validate_backend(import_backend_module(name))
    _LOADED[name] = module
    from polykeras.utils.random_utils import seed_backend
    seed_backend(module)
    return module


def import_backend_module(name: str) -> ModuleType:
    """Import the module of backend ``name`` without checking it against the contract.

    Args:
        name: ``"numpy"``, ``"torch"``, ``"jax"``, or the name of an importable module
            (``"mybackend"``, ``"acme.backends.fast"``).

    Raises:
        ValueError: unknown name; the message lists the available backends
            and how to choose one.
        ImportError: the backend's framework is not installed.
    """
    expected = f"Expected one of {set(config.BUILTIN_BACKENDS)} or a module name"
    if not isinstance(name, str) or not name:
        raise ValueError(f"load_backend: {expected}. Received: backend={name!r}. "
                         f"{_how_to_choose()}")
    if name in config.BUILTIN_BACKENDS:
        module_name = f"polykeras.backends.{name}"
    elif all(part.isidentifier() for part in name.split(".")):
        module_name = name
    else:
        # a file path such as '../x' is not imported: only modules on the import path
        raise ValueError(
            f"Unknown backend: {expected} (identifiers separated by dots). "
            f"Received: backend={name!r}. {_how_to_choose()}")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        framework = exc.name.split(".")[0] if exc.name else None
        if name in config.BUILTIN_BACKENDS and framework in ("torch", "jax", "jaxlib"):
            raise ImportError(
                f"The {name!r} backend needs the {exc.name.split('.')[0]!r} package, which is not "
                f"installed. Install it (pip install 'polykeras[{name}]') or choose another "
                f"backend. {_how_to_choose()}") from exc
        if exc.name == module_name or (exc.name and module_name.startswith(exc.name + ".")):
            raise ValueError(
                f"Unknown backend: no module named {module_name!r}. {expected}. "
                f"Received: backend={name!r}. {_how_to_choose()}") from exc
        raise
    return module
