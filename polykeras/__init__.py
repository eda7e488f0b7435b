"""polykeras: the Keras 2 programming model on an abstract backend API.

``import polykeras as keras`` runs Keras 2 code; ``from polykeras import
backend as K`` is the backend API, bound to the backend chosen by
``KERAS_BACKEND`` or ``~/.keras/keras.json``. The backend's framework is
imported on first use of ``K``, not by ``import polykeras``.
"""

__version__ = "0.1.0"

from . import (  # noqa: F401,E402
    activations,
    backend,
    callbacks,
    constraints,
    datasets,
    initializers,
    losses,
    metrics,
    optimizers,
    preprocessing,
    regularizers,
    utils,
)

# The engine, layers and models, as in Keras 2.2: `keras.layers.Dense`,
# `keras.models.Sequential`, `keras.Input`, `keras.Model`, `keras.Sequential`.
_MODEL_API = {"Input": "layers", "Model": "models", "Sequential": "models"}


def __getattr__(name):
    import importlib
    if name in ("applications", "engine", "layers", "models", "preprocessing", "wrappers"):
        return importlib.import_module(f".{name}", __name__)
    if name in _MODEL_API:
        return getattr(importlib.import_module(f".{_MODEL_API[name]}", __name__), name)
    raise AttributeError(f"module 'polykeras' has no attribute {name!r}")
