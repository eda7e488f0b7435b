"""The built-in backends: ``polykeras.backends.numpy``, ``.torch`` and ``.jax``.

Each is imported only when asked for (``import polykeras.backends.torch`` or
``polykeras.backend.for_backend("torch")``), so using one backend never
imports the frameworks of the others. Every backend folder has the same topic
files as the contract (``core.py``, ``math.py``, ``nn.py``, ``rnn.py``, ...),
so a function is found at the same path in each. Logic that is the same on
every backend is written once in ``polykeras.backends.common`` with the array
module as a parameter.
"""

import importlib

_BUILTIN = ("numpy", "torch", "jax")


def __getattr__(name):
    if name in _BUILTIN:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
