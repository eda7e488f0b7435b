"""Process-wide configuration shared by every backend, and ``keras.json``.

Resolution of the active backend, as in Keras 2.2:

1. the ``KERAS_BACKEND`` environment variable (``numpy``, ``torch``, ``jax``,
   or the name of any importable third-party backend module, docs/BACKENDS.md);
2. else the ``backend`` field of ``$KERAS_HOME/keras.json`` (``KERAS_HOME``
   defaults to ``~/.keras``; the file is created with defaults when missing;
   an unusable home falls back to a private per-user folder,
   ``<tempdir>/.keras-<uid>``, made with mode 0700 and used only while it is the
   user's own and writable by nobody else);
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
    """The Keras folder: ``$KERAS_HOME``, else ``~/.keras``; when that cannot be used, the
    private per-user fallback (:func:`fallback_home`).

    Raises:
        OSError: neither the home nor a private fallback folder can be used.
    """
    base = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    if not os.access(base, os.W_OK):
        try:
            os.makedirs(base, exist_ok=True)
        except OSError:
            return fallback_home()
        if not os.access(base, os.W_OK):
            return fallback_home()
    return base


def fallback_home() -> str:
    """``<tempdir>/.keras-<uid>``, created with mode 0700.

    A shared folder such as ``/tmp/.keras`` would let anyone on the machine plant a
    ``keras.json`` naming a backend module to import; this one is used only while it is a
    real folder owned by the user and writable by no one else.

    Raises:
        OSError: the folder exists but is not private (it is named in the message).
    """
    import tempfile
    uid = os.getuid() if hasattr(os, "getuid") else os.getlogin()
    path = os.path.join(tempfile.gettempdir(), f".keras-{uid}")
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    problem = untrusted(path)
    if problem:
        raise OSError(f"keras_home: the Keras folder is not usable and the private fallback "
                      f"{path} cannot be trusted: {problem}. Set KERAS_HOME to a folder of "
                      f"your own.")
    return path


def untrusted(path: str) -> str | None:
    """Why ``path`` (a file or folder) cannot be trusted with code to run, or None: it must
    not be a symbolic link, must belong to the user and must not be writable by others."""
    import stat
    try:
        info = os.lstat(path)
    except OSError as exc:
        return f"it cannot be read ({exc.strerror})"
    if stat.S_ISLNK(info.st_mode):
        return "it is a symbolic link"
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return f"it belongs to user id {info.st_uid}, not to you (user id {os.getuid()})"
    if info.st_mode & 0o022:
        return f"other users can write to it (mode {stat.filemode(info.st_mode)})"
    return None


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
    """The backend to activate: ``KERAS_BACKEND``, else keras.json, else the default.

    A third-party backend (a module path, imported, so run) named only by keras.json is
    used only when that file and its folder are the user's own and writable by no one else
    (:func:`untrusted`); otherwise a warning says why and the default backend is used.
    """
    data = read_keras_json()
    _apply_keras_json(data)
    name = os.environ.get("KERAS_BACKEND")
    if not name:
        name = data.get("backend") or DEFAULT_BACKEND
        if str(name) not in BUILTIN_BACKENDS:
            path = os.path.join(keras_home(), "keras.json")
            problem = untrusted(path) or untrusted(os.path.dirname(path))
            if problem:
                import warnings
                warnings.warn(f"Ignoring the backend {name!r} named by {path}: {problem}. "
                              f"Using the {DEFAULT_BACKEND!r} backend; set KERAS_BACKEND to "
                              f"choose a module explicitly.", stacklevel=2)
                name = DEFAULT_BACKEND
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
