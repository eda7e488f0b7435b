"""Finding, importing and validating backend modules.

Built-in backends are imported lazily, by name, from ``polykeras.backends``:
nothing imports a framework that is not in use. A third-party backend is any
importable module (named by its dotted path) that passes
:func:`polykeras.backend.contract.validate_backend`.
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
            f"one of {list(config.BUILTIN_BACKENDS)}, or the dotted path of a module "
            "implementing the polykeras backend contract.")


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
        name: ``"numpy"``, ``"torch"``, ``"jax"``, or a dotted module path.

    Raises:
        ValueError: unknown name; the message lists the available backends
            and how to choose one.
        ImportError: the backend's framework is not installed.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"load_backend: Expected one of {set(config.BUILTIN_BACKENDS)} or a "
                         f"dotted module path. Received: backend={name!r}. {_how_to_choose()}")
    if name in config.BUILTIN_BACKENDS:
        module_name = f"polykeras.backends.{name}"
    elif "." in name:
        if not all(part.isidentifier() for part in name.split(".")):
            # a file path such as '../x' is not imported: only modules on the import path
            raise ValueError(
                f"Unknown backend: Expected one of {set(config.BUILTIN_BACKENDS)} or a dotted "
                f"module path (identifiers separated by dots). Received: backend={name!r}. "
                f"{_how_to_choose()}")
        module_name = name
    else:
        raise ValueError(
            f"Unknown backend: Expected one of {set(config.BUILTIN_BACKENDS)} or a dotted "
            f"module path. Received: backend={name!r}. {_how_to_choose()}")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if name in config.BUILTIN_BACKENDS and exc.name and exc.name.split(".")[0] in ("torch", "jax", "jaxlib"):
            raise ImportError(
                f"The {name!r} backend needs the {exc.name.split('.')[0]!r} package, which is not "
                f"installed. Install it (pip install 'polykeras[{name}]') or choose another "
                f"backend. {_how_to_choose()}") from exc
        if exc.name == module_name or (exc.name and module_name.startswith(exc.name + ".")):
            raise ValueError(
                f"Unknown backend: no module named {module_name!r}. Expected one of "
                f"{set(config.BUILTIN_BACKENDS)} or a dotted module path. "
                f"Received: backend={name!r}. {_how_to_choose()}") from exc
        raise
    return module
