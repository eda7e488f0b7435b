"""Python utilities used across polykeras (Keras 2.2's ``keras.utils.generic_utils``).

Serialization of Keras objects by name or by ``{"class_name", "config"}``,
the custom-object scope, the progress bar, and small list helpers used by
the training engine. Nothing here touches a backend.
"""

from __future__ import annotations

import binascii
import codecs
import collections
import inspect
import marshal
import sys
import time
import types

import numpy as np

_GLOBAL_CUSTOM_OBJECTS: dict = {}


class CustomObjectScope:
    """Make custom classes and functions visible to deserialization inside a ``with`` block.

    ``with CustomObjectScope({"my_loss": my_loss}): losses.get("my_loss")``.
    The scope's objects are removed again when the block ends, even on error.

    Args:
        *args: dictionaries of ``name -> object``.
    """

    def __init__(self, *args):
        for arg in args:
            if not isinstance(arg, dict):
                raise TypeError(f"CustomObjectScope: Expected dictionaries of name -> object. "
                                f"Received: {type(arg).__name__}")
        self.custom_objects = args
        self.backup = None

    def __enter__(self):
        self.backup = _GLOBAL_CUSTOM_OBJECTS.copy()
        for objects in self.custom_objects:
            _GLOBAL_CUSTOM_OBJECTS.update(objects)
        return self

    def __exit__(self, *exc):
        _GLOBAL_CUSTOM_OBJECTS.clear()
        _GLOBAL_CUSTOM_OBJECTS.update(self.backup)
        return False


def custom_object_scope(*args):
    """``with custom_object_scope({"name": obj}): ...``; see :class:`CustomObjectScope`."""
    return CustomObjectScope(*args)


def get_custom_objects():
    """The global, mutable ``name -> object`` dictionary searched by deserialization."""
    return _GLOBAL_CUSTOM_OBJECTS


def serialize_keras_object(instance):
    """``{"class_name", "config"}`` for an object with ``get_config``, the name of a function.

    Returns:
        None for None; a dict for configurable objects; ``__name__`` for functions.

    Raises:
        ValueError: the object has neither ``get_config`` nor ``__name__``.
    """
    if instance is None:
        return None
    if hasattr(instance, "get_config"):
        return {"class_name": instance.__class__.__name__, "config": instance.get_config()}
    if hasattr(instance, "__name__"):
        return instance.__name__
    raise ValueError(f"serialize_keras_object: Expected an object with get_config() or a named "
                     f"function. Received: {instance!r}")


def _unknown(printable_module_name, name, module_objects, custom_objects):
    known = set(module_objects or ()) | set(custom_objects or ()) | set(_GLOBAL_CUSTOM_OBJECTS)
    known = sorted(k for k in known if not k.startswith("_"))
    arg = printable_module_name.split()[0]
    return ValueError(
        f"Unknown {printable_module_name}: Expected one of {{{', '.join(map(repr, known))}}} "
        f"(or an object registered with CustomObjectScope). Received: {arg}={name!r}")


def _lookup(name, module_objects, custom_objects):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    return (module_objects or {}).get(name)


def get_keras_object(identifier, deserialize, kind, allow_none=True):
    """Keras 2.2's ``<module>.get``: an object from a name, a config dict or a callable.

    ``deserialize(config)`` builds the object of ``{"class_name", "config"}``;
    ``kind`` names it in errors (``"initializer"`` for ``initializers.get``).
    ``None`` gives ``None`` when ``allow_none``.

    Raises:
        ValueError: an unknown name (from ``deserialize``) or an identifier of another kind.
    """
    if identifier is None and allow_none:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    if callable(identifier):
        return identifier
    expected = "None, a name" if allow_none else "a name"
    raise ValueError(f"{kind}s.get: Expected {expected}, a config dict or a callable. "
                     f"Received: {kind}={identifier!r}")


def deserialize_keras_object(identifier, module_objects=None, custom_objects=None,
                             printable_module_name="object"):
    """Turn a name or a ``{"class_name", "config"}`` dict back into an object.

    Names are looked up in ``custom_objects``, then the global custom objects
    (:func:`get_custom_objects`, :class:`CustomObjectScope`), then
    ``module_objects``. A dict instantiates its class with ``from_config``
    (or the constructor); a string returns the object itself.

    Raises:
        ValueError: an unknown name (the message lists the known ones) or an
            identifier that is neither a dict nor a string.
    """
    if isinstance(identifier, dict):
        if "class_name" not in identifier or "config" not in identifier:
            raise ValueError("deserialize_keras_object: Expected a dict with keys 'class_name' "
                             "and "
                             f"'config' for a {printable_module_name}. Received: {identifier!r}")
        class_name = identifier["class_name"]
        cls = _lookup(class_name, module_objects, custom_objects)
        if cls is None:
            raise _unknown(printable_module_name, class_name, module_objects, custom_objects)
        config = identifier["config"]
        if hasattr(cls, "from_config"):
            if has_arg(cls.from_config, "custom_objects"):
                merged = dict(_GLOBAL_CUSTOM_OBJECTS)
                merged.update(custom_objects or {})
                return cls.from_config(config, custom_objects=merged)
            with CustomObjectScope(custom_objects or {}):
                return cls.from_config(config)
        with CustomObjectScope(custom_objects or {}):
            return cls(**config)
    if isinstance(identifier, str):
        obj = _lookup(identifier, module_objects, custom_objects)
        if obj is None:
            raise _unknown(printable_module_name, identifier, module_objects, custom_objects)
        return obj
    raise ValueError(f"Could not interpret serialized {printable_module_name}: Expected a name or "
                     "a "
                     f"dict with 'class_name' and 'config'. Received: {identifier!r}")


def func_dump(func):
    """Serialize a function (its bytecode, defaults and closure) to a JSON-able tuple.

    Returns:
        ``(code, defaults, closure)``: base64 text of the marshalled code.
    """
    raw_code = marshal.dumps(func.__code__)
    code = codecs.encode(raw_code, "base64").decode("ascii")
    defaults = func.__defaults__
    closure = tuple(c.cell_contents for c in func.__closure__) if func.__closure__ else None
    return code, defaults, closure


def func_load(code, defaults=None, closure=None, globs=None):
    """Rebuild a function serialized by :func:`func_dump` (same Python version only)."""
    if isinstance(code, (tuple, list)):
        code, defaults, closure = code
        if isinstance(defaults, list):
            defaults = tuple(defaults)

    if closure is not None:
        closure = tuple(types.CellType(value) for value in closure)
    try:
        raw_code = codecs.decode(code.encode("ascii"), "base64")
    except (UnicodeEncodeError, binascii.Error):
        raw_code = code.encode("raw_unicode_escape")
    code = marshal.loads(raw_code)
    if globs is None:
        globs = globals()
    return types.FunctionType(code, globs, name=code.co_name, argdefs=defaults, closure=closure)


def getargspec(fn):
    """``inspect.getfullargspec`` of ``fn`` (kept for Keras 2 code that calls it)."""
    return inspect.getfullargspec(fn)


def has_arg(fn, name, accept_all=False):
    """Whether callable ``fn`` accepts a keyword argument ``name``.

    Args:
        accept_all: also True when ``fn`` takes ``**kwargs``.
    """
    try:
        parameters = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    if accept_all and any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        return True
    parameter = parameters.get(name)
    return parameter is not None and parameter.kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


class Progbar:
    """A text progress bar, as printed by ``fit`` and ``predict``.

    Args:
        target: total number of steps, or None when unknown.
        width: width of the bar in characters.
        verbose: 0 silent, 1 a bar updated in place, 2 one line when done.
        interval: minimum seconds between two redraws (verbose 1).
        stateful_metrics: names of values shown as given, not averaged over steps.
    """

    def __init__(self, target, width=30, verbose=1, interval=0.05, stateful_metrics=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics else set()
        self._dynamic_display = ((hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
                                 or "ipykernel" in sys.modules)
        self._total_width = 0
        self._seen_so_far = 0
        # name -> [weighted sum, number of samples], or the last value of a stateful metric
        self._values = collections.OrderedDict()
        self._start = time.time()
        self._last_update = 0.0

    def update(self, current, values=None):
        """Move the bar to step ``current``, averaging ``values`` (``[(name, value), ...]``)."""
        values = values or []
        for name, value in values:
            if name in self.stateful_metrics:
                self._values[name] = value
                continue
            steps = current - self._seen_so_far
            if name not in self._values:
                self._values[name] = [value * steps, steps]
            else:
                self._values[name][0] += value * steps
                self._values[name][1] += steps
        self._seen_so_far = current
        now = time.time()
        info = f" - {now - self._start:.0f}s"
        if self.verbose == 1:
            if (now - self._last_update < self.interval and self.target is not None
                    and current < self.target):
                return
            previous_width = self._total_width
            sys.stdout.write("\b" * previous_width + "\r" if self._dynamic_display else "\n")
            bar = self._bar(current)
            self._total_width = len(bar)
            sys.stdout.write(bar)
            time_per_unit = (now - self._start) / current if current else 0.0
            if self.target is not None and current < self.target:
                info = f" - ETA: {_format_eta(time_per_unit * (self.target - current))}"
            elif time_per_unit >= 1:
                info += f" {time_per_unit:.0f}s/step"
            elif time_per_unit >= 1e-3:
                info += f" {time_per_unit * 1e3:.0f}ms/step"
            else:
                info += f" {time_per_unit * 1e6:.0f}us/step"
            info += self._metrics_text()
            self._total_width += len(info)
            if previous_width > self._total_width:
                info += " " * (previous_width - self._total_width)
            if self.target is not None and current >= self.target:
                info += "\n"
            sys.stdout.write(info)
            sys.stdout.flush()
        elif self.verbose == 2:
            if self.target is None or current >= self.target:
                sys.stdout.write(info + self._metrics_text() + "\n")
                sys.stdout.flush()
        self._last_update = now

    def add(self, n, values=None):
        """Advance the bar by ``n`` steps."""
        self.update(self._seen_so_far + n, values)

    def _bar(self, current):
        if self.target is None:
            return f"{current:7d}/Unknown"
        digits = int(np.floor(np.log10(self.target))) + 1 if self.target > 0 else 1
        bar = f"{current:{digits}d}/{self.target} ["
        filled = int(self.width * (current / self.target if self.target else 1.0))
        if filled > 0:
            bar += "=" * (filled - 1) + (">" if current < self.target else "=")
        return bar + "." * (self.width - filled) + "]"

    def _metrics_text(self):
        text = ""
        for name, value in self._values.items():
            text += f" - {name}:"
            if isinstance(value, list):
                average = float(np.mean(value[0] / max(1, value[1])))
                text += f" {average:.4f}" if abs(average) > 1e-3 else f" {average:.4e}"
            else:
                text += f" {value}"
        return text


def _format_eta(eta):
    if eta > 3600:
        return f"{int(eta // 3600)}:{int(eta % 3600) // 60:02d}:{int(eta % 60):02d}"
    if eta > 60:
        return f"{int(eta // 60)}:{int(eta % 60):02d}"
    return f"{int(eta)}s"


def to_list(x, allow_tuple=False):
    """``x`` as a list: lists unchanged, tuples converted when ``allow_tuple``, else ``[x]``."""
    if isinstance(x, list):
        return x
    if allow_tuple and isinstance(x, tuple):
        return list(x)
    return [x]


def unpack_singleton(x):
    """The only element of a one-element list or tuple; anything else unchanged."""
    if isinstance(x, (list, tuple)) and len(x) == 1:
        return x[0]
    return x


def object_list_uid(object_list):
    """A string identifying a list of objects by their ``id``s."""
    return ", ".join(str(abs(id(x))) for x in to_list(object_list))


def is_all_none(iterable_or_element):
    """Whether every element of a list (or the single element) is None."""
    return all(element is None for element in to_list(iterable_or_element, allow_tuple=True))


def slice_arrays(arrays, start=None, stop=None):
    """Slice an array or a list of arrays (None entries stay None).

    ``start`` may be an index array (then ``stop`` is ignored) or an int;
    ``arrays[start:stop]`` otherwise. Works on NumPy arrays and h5py datasets.
    """
    if arrays is None:
        return [None]
    if hasattr(start, "__len__"):
        if hasattr(start, "shape"):
            start = start.tolist()  # h5py datasets accept lists, not arrays, as indices
        if isinstance(arrays, list):
            return [None if x is None else x[start] for x in arrays]
        return arrays[start]
    if isinstance(arrays, list):
        return [None if x is None else x[start:stop] for x in arrays]
    if hasattr(arrays, "__getitem__"):
        return arrays[start:stop]
    return [None]


def transpose_shape(shape, target_format, spatial_axes):
    """Reorder a channels-last ``shape`` for ``target_format``.

    Args:
        shape: a tuple or list in channels_last order.
        target_format: ``"channels_first"`` or ``"channels_last"``.
        spatial_axes: indices of the spatial axes in ``shape``.

    Raises:
        ValueError: an unknown ``target_format``.
    """
    if target_format == "channels_first":
        new_values = tuple(shape[:spatial_axes[0]]) + (shape[-1],)
        new_values += tuple(shape[x] for x in spatial_axes)
        if isinstance(shape, list):
            return list(new_values)
        return new_values
    if target_format == "channels_last":
        return shape
    raise ValueError(f"transpose_shape: Expected 'channels_first' or 'channels_last'. "
                     f"Received: target_format={target_format!r}")
