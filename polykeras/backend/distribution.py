"""Finding a backend's data-parallelism extension (``multi_gpu_model``, ``polykeras.distribute``).

Data parallelism is not part of Keras 2.2's backend API: it is an optional
extension a backend provides as a ``distribute`` module next to its topic
files (``polykeras.backends.torch.distribute``, ``polykeras.backends.jax.distribute``,
or ``<your backend package>.distribute``). docs/ARCHITECTURE.md ("Data
parallelism") lists what that module defines. This is the only way model
code reaches it, so nothing outside ``polykeras/backend/`` imports a framework.
"""

from __future__ import annotations

import importlib
import importlib.util

from . import active_backend_module


def extension(caller: str, module=None):
    """The ``distribute`` module of ``module`` (default: the active backend).

    Raises:
        ValueError: the backend has no such module (the NumPy backend computes on the
            CPU in one process); the message names ``caller`` and the backends that do.
    """
    module = module or active_backend_module()
    package = getattr(module, "__name__", "")
    name = f"{package}.distribute"
    try:
        found = importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        found = False
    if not found:
        backend = module.backend() if hasattr(module, "backend") else package
        raise ValueError(
            f"{caller}: Expected a backend with data parallelism ('torch' or 'jax'). "
            f"Received: backend={backend!r}, which computes on one device in one process. "
            "Choose another backend with KERAS_BACKEND=torch or KERAS_BACKEND=jax.")
    return importlib.import_module(name)
