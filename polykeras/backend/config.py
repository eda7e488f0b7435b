"""Process-wide configuration shared by every backend, and ``keras.json``.

Resolution of the active backend, as in Keras 2.2:

1. the ``KERAS_BACKEND`` environment variable (``numpy``, ``torch``, ``jax``,
   or the dotted path of a third-party backend module);
2. else the ``backend`` field of ``$KERAS_HOME/keras.json`` (``KERAS_HOME``
   defaults to ``~/.keras``; the file is created with defaults when missing;
   an unwritable home falls back to ``/tmp/.keras``);
3. else :data:`DEFAULT_BACKEND`.

``floatx``, ``epsilon`` and ``image_data_format`` start from ``keras.json``
and are changed with their setters; they are shared by all backends.
"""

from __future__ import annotations

import json
import math
import os

import numpy as np

#: Chosen from the benchmarks: see README.md, "Choosing a backend".
DEFAULT_BACKEND = "jax"
BUILTIN_BACKENDS = ("numpy", "torch", "jax")
FLOATX_VALUES = ("float16", "float32", "float64")
DATA_FORMATS = ("channels_first", "channels_last")

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"


def keras_home() -> str:
    """The Keras folder: ``$KERAS_HOME``, else ``~/.keras``; ``/tmp/.keras`` if unwritable."""
    base = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    if not os.access(base, os.W_OK):
        try:
            os.makedirs(base, exist_ok=True)
        except OSError:
            base = os.path.join("/tmp", ".keras")
            os.makedirs(base, exist_ok=True)
        if not os.access(base, os.W_OK):
            base = os.path.join("/tmp", ".keras")
            os.makedirs(base, exist_ok=True)
    return base


def _default_config() -> dict:
    return {"floatx": "float32", "epsilon": 1e-7, "backend": DEFAULT_BACKEND,
            "image_data_format": "channels_last"}


def read_keras_json() -> dict:
    """Read ``keras.json`` (creating it with defaults when missing).

    A file that is not valid JSON is left untouched and ignored with a
    warning: a user's broken config must not be overwritten.
    """
    path = os.path.join(keras_home(), "keras.json")
    if os.path.exists(path):
        try:
            with open(path) as f:
                data = json.load(f)
            if not isinstance(data, dict):
                raise ValueError("top level is not an object")
            return data
        except (OSError, ValueError) as exc:
            import warnings
            warnings.warn(f"Ignoring unreadable Keras config {path}: {exc}", stacklevel=2)
            return {}
    config = _default_config()
    try:
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(config, f, indent=4)
        os.replace(tmp, path)
    except OSError:
        pass
    return config


def _apply_keras_json(data: dict) -> None:
    for key, setter in (("floatx", set_floatx), ("epsilon", set_epsilon),
                        ("image_data_format", set_image_data_format)):
        if key in data:
            try:
                setter(data[key])
            except ValueError as exc:
                import warnings
                warnings.warn(f"Ignoring invalid keras.json entry: {exc}", stacklevel=2)


def configured_backend_name() -> str:
    """The backend to activate: ``KERAS_BACKEND``, else keras.json, else the default."""
    data = read_keras_json()
    _apply_keras_json(data)
    name = os.environ.get("KERAS_BACKEND") or data.get("backend") or DEFAULT_BACKEND
    return str(name)


# -- the shared configuration functions of the contract ----------------------

def epsilon():
    return _EPSILON


def set_epsilon(e):
    global _EPSILON
    try:
        value = float(e)
    except (TypeError, ValueError):
        raise ValueError(f"set_epsilon: Expected a finite number >= 0. Received: e={e!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"set_epsilon: Expected a finite number >= 0. Received: e={e!r}")
    _EPSILON = value


def floatx():
    return _FLOATX


def set_floatx(floatx):
    global _FLOATX
    if floatx not in FLOATX_VALUES:
        raise ValueError(
            f"set_floatx: Expected one of {set(FLOATX_VALUES)}. Received: floatx={floatx!r}")
    _FLOATX = str(floatx)


def image_data_format():
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    global _IMAGE_DATA_FORMAT
    if data_format not in DATA_FORMATS:
        raise ValueError(
            f"set_image_data_format: Expected one of {set(DATA_FORMATS)}. "
            f"Received: data_format={data_format!r}")
    _IMAGE_DATA_FORMAT = str(data_format)


def normalize_data_format(value):
    if value is None:
        return _IMAGE_DATA_FORMAT
    data_format = value.lower() if isinstance(value, str) else value
    if data_format not in DATA_FORMATS:
        raise ValueError(
            f"normalize_data_format: Expected one of {set(DATA_FORMATS)}. "
            f"Received: data_format={value!r}")
    return data_format


def cast_to_floatx(x):
    return np.asarray(x, dtype=_FLOATX)
