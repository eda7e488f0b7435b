"""Model and weight files: HDF5 in Keras 2's layout, and Keras 3's ``.keras`` zip.

Weights file (``save_weights``)::

    attrs: layer_names (bytes, every layer in model order), backend, keras_version
    /<layer name>/            one group per layer
        attrs: weight_names   (bytes, the layer's weights in order)
        /<weight name>        one dataset per weight

Model file (``save_model``): the same weights under ``/model_weights``, plus
attrs ``model_config`` (JSON topology) and ``training_config`` (JSON
optimizer, loss, metrics) and the optimizer state under
``/optimizer_weights``. A path ending in ``.keras`` gets Keras 3's native
zip instead (``keras3_format``), and ``save_weights`` to a path ending in
``.weights.h5`` gets Keras 3's weights layout (``layers/<name>/vars/<i>``),
as Keras 3 chooses by file name.

Reading accepts the files of Keras 2.2.x, tf.keras 2.x / tf_keras and Keras 3
(``saving_formats`` translates their spellings). Loading checks every array
(shape, and a dtype that converts to the weight's) before it sets any weight,
so a failed load leaves the model as it was.

Writing: every file is written under a temporary name in the target's folder
and renamed over the target when complete, so a failure never damages an
existing file. A path that is a symlink is written through (its target is
replaced, the link stays). A new file gets the permissions ``open()`` would
give it (``0o666`` less the umask); an overwritten one keeps its own.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import json
import os
import stat
import tempfile
import warnings
import zipfile

import numpy as np

from .. import backend as K
from . import saving_formats as formats
from .saving_formats import FormatError

#: h5py cannot store an attribute larger than the HDF5 object header (64 KiB).
HDF5_OBJECT_HEADER_LIMIT = 64512

_SAFE_MODE = contextvars.ContextVar("polykeras_safe_mode", default=None)


class UnreadableFileError(OSError, ValueError):
    """A file that is not a readable HDF5 file: truncated, damaged or of another kind.

    An ``OSError`` as in Keras 2.2.4 (where h5py raised it), and a ``ValueError`` like the
    other bad-file errors of loading, so either ``except`` clause catches it."""


def _h5py():
    try:
        import h5py
    except ImportError as exc:  # pragma: no cover - h5py is a dependency
        raise ImportError("Saving and loading weights needs h5py (pip install h5py).") from exc
    return h5py


def keras_version_attribute():
    """What ``keras_version`` says in the files polykeras writes.

    The Keras API version the file follows (loaders pick their Keras 2 code
    paths from it) with polykeras's version as a PEP 440 local label.
    """
    from .. import __version__
    return f"2.2.4+polykeras.{__version__}"


# ---------------------------------------------------------------------------------------
# Safe mode
# ---------------------------------------------------------------------------------------
@contextlib.contextmanager
def safe_mode_scope(safe_mode=True):
    """Within the block, deserializing a ``Lambda`` with stored bytecode is refused if
    ``safe_mode``."""
    token = _SAFE_MODE.set(bool(safe_mode))
    try:
        yield
    finally:
        _SAFE_MODE.reset(token)


def in_safe_mode():
    """True inside ``load_model``/``model_from_json``/``model_from_config`` with
    ``safe_mode=True``."""
    return bool(_SAFE_MODE.get())


# ---------------------------------------------------------------------------------------
# Writing files
# ---------------------------------------------------------------------------------------
def json_default(obj):
    """``json.dumps`` fallback for configs: configurable objects, NumPy values, functions."""
    if hasattr(obj, "get_config"):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if callable(obj) and hasattr(obj, "__name__"):
        return obj.__name__
    raise TypeError(f"Not JSON serializable: {obj!r}")


def _umask():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # no other portable way to read it
    os.umask(mask)
    return mask


def atomic_write(filepath, write):
    """Run ``write(temporary_path)``, then move the finished file to ``filepath``.

    A symlink at ``filepath`` is followed: its target is replaced and the link
    stays. The file gets the mode an ``open(filepath, "w")`` would give it.
    """
    filepath = os.fspath(filepath)
    target = os.path.realpath(filepath)
    folder = os.path.dirname(target)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-" + os.path.basename(target) + "-", dir=folder)
    os.close(fd)
    try:
        write(tmp)
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode)
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def atomic_write_hdf5(filepath, write):
    """Run ``write(h5py_file)`` on a temporary file, then rename it to ``filepath``."""
    h5py = _h5py()

    def write_file(tmp):
        with h5py.File(tmp, "w") as f:
            write(f)
            f.flush()
    atomic_write(filepath, write_file)


def save_attributes_to_hdf5_group(group, name, data):
    """Store list ``data`` as attribute ``name``, split into ``name0``, ``name1``... if too large.

    Raises:
        RuntimeError: one item alone exceeds the HDF5 attribute limit.
    """
    too_long = [x for x in data if len(x) > HDF5_OBJECT_HEADER_LIMIT]
    if too_long:
        raise RuntimeError(f"save_weights: names longer than {HDF5_OBJECT_HEADER_LIMIT} bytes "
                           "cannot "
                           f"be stored in HDF5 attributes: {too_long[:3]}")
    array = np.asarray(data)
    chunks = 1
    chunked = np.array_split(array, chunks)
    while any(c.nbytes > HDF5_OBJECT_HEADER_LIMIT for c in chunked):
        chunks += 1
        chunked = np.array_split(array, chunks)
    if chunks > 1:
        for i, chunk in enumerate(chunked):
            group.attrs[f"{name}{i}"] = chunk
    else:
        group.attrs[name] = data


def load_attributes_from_hdf5_group(group, name):
    """The list stored by :func:`save_attributes_to_hdf5_group` (decoded to str)."""
    if name in group.attrs:
        data = list(group.attrs[name])
    else:
        data, i = [], 0
        while f"{name}{i}" in group.attrs:
            data += list(group.attrs[f"{name}{i}"])
            i += 1
    return [x.decode("utf8") if isinstance(x, bytes) else str(x) for x in data]


def _weight_names(weights):
    names, seen = [], set()
    for i, w in enumerate(weights):
        name = str(getattr(w, "name", "") or f"param_{i}")
        if name in seen:
            name = f"{name}_param_{i}"
        seen.add(name)
        names.append(name)
    return names


def weight_values_for_saving(weights):
    """NumPy values of ``weights``; bfloat16 weights as ``ml_dtypes.bfloat16`` arrays."""
    values = K.batch_get_value(weights)
    out = []
    for w, value in zip(weights, values):
        value = np.asarray(value)
        if K.dtype(w) == "bfloat16" and value.dtype.name != "bfloat16":
            value = value.astype(_bfloat16())
        out.append(value)
    return out


def write_dataset(group, name, value):
    """One array as a dataset; bfloat16 as Keras 3 stores it (2-byte opaque, attr dtype)."""
    value = np.asarray(value)
    dataset = group.create_dataset(name, data=value)
    if value.dtype.name == "bfloat16":
        dataset.attrs["dtype"] = "bfloat16"
    return dataset


def save_weights_to_hdf5_group(group, layers):
    """Write the weights of ``layers`` into an open h5py group (Keras 2 layout)."""
    save_attributes_to_hdf5_group(group, "layer_names",
                                  [layer.name.encode("utf8") for layer in layers])
    group.attrs["backend"] = K.backend().encode("utf8")
    group.attrs["keras_version"] = keras_version_attribute().encode("utf8")
    for layer in layers:
        layer_group = group.create_group(layer.name)
        weights = layer.weights
        names = _weight_names(weights)
        save_attributes_to_hdf5_group(layer_group, "weight_names",
                                      [n.encode("utf8") for n in names])
        for name, value in zip(names, weight_values_for_saving(weights)):
            write_dataset(layer_group, name, value)


def save_weights(model, filepath, overwrite=True):
    """``model.save_weights``: Keras 3's layout for ``*.weights.h5``, Keras 2's otherwise."""
    filepath = os.fspath(filepath)
    if not overwrite and os.path.isfile(filepath):
        # stacklevel 3: the user's model.save_weights(...) call (Network.save_weights calls this)
        warnings.warn(f"save_weights: {filepath!r} exists and overwrite=False; not saved.",
                      stacklevel=3)
        return
    if filepath.endswith(".weights.h5"):
        from . import keras3_format
        atomic_write_hdf5(filepath, lambda f: keras3_format.write_weights(f, model))
    else:
        atomic_write_hdf5(filepath, lambda f: save_weights_to_hdf5_group(f, model.layers))


# ---------------------------------------------------------------------------------------
# Reading weights
# ---------------------------------------------------------------------------------------
def _bfloat16():
    try:
        import ml_dtypes
    except ImportError as exc:  # pragma: no cover - comes with jax
        raise ImportError("bfloat16 arrays need the ml_dtypes package (pip install ml_dtypes)") \
            from exc
    return ml_dtypes.bfloat16


def read_dataset(dataset):
    """A dataset's value as a NumPy array (2-byte opaque data is bfloat16, as Keras 3 writes it)."""
    value = dataset[()]
    value = np.asarray(value)
    if value.dtype.kind == "V" and value.dtype.itemsize == 2:
        value = value.view(_bfloat16())
    return value


def _np_dtype(name):
    return _bfloat16() if name == "bfloat16" else np.dtype(name)


def check_weight_values(pairs, where, reshape=False):
    """Every ``(variable, array)`` pair converted to the variable's shape and dtype, or an error.

    Raises:
        ValueError: a shape mismatch (``reshape`` allows the same number of
            values), or an array of a dtype that does not convert to numbers.
    """
    checked = []
    for weight, value in pairs:
        value = np.asarray(value)
        expected = tuple(K.int_shape(weight))
        name = getattr(weight, "name", "?")
        if value.shape != expected:
            if reshape and value.size == int(np.prod(expected)):
                value = value.reshape(expected)
            else:
                raise ValueError(f"{where}: weight {name!r} has shape {expected}. Received: a "
                                 f"saved array of shape {value.shape}")
        target = K.dtype(weight)
        if value.dtype.kind not in "biuf" and value.dtype.name != "bfloat16":
            raise ValueError(f"{where}: weight {name!r} is {target}. Received: a saved array of "
                             f"dtype {value.dtype} (not numbers)")
        if target == "bfloat16":
            value = value.astype(np.float32)  # exact; the backend stores it as bfloat16
        elif value.dtype != np.dtype(target):
            value = value.astype(_np_dtype(target))
        checked.append((weight, value))
    return checked


def assign_weight_values(pairs, where, reshape=False):
    """Check every pair, then set them all; on any failure nothing changes.

    Raises:
        ValueError: see :func:`check_weight_values`.
    """
    checked = check_weight_values(pairs, where, reshape=reshape)
    if not checked:
        return
    weights = [w for w, _ in checked]
    previous = K.batch_get_value(weights)
    try:
        K.batch_set_value(checked)
    except BaseException:
        K.batch_set_value(list(zip(weights, previous)))
        raise


def _saved_layer_arrays(group, name):
    layer_group = group[name]
    return [read_dataset(layer_group[n])
            for n in load_attributes_from_hdf5_group(layer_group, "weight_names")]


def _original_backend(group):
    value = group.attrs.get("backend")
    return None if value is None else _text(value)


def keras2_layout_pairs(group, layers, where, reshape=False):
    """``(variable, array)`` pairs for ``layers`` in order from a Keras 2 layout group.

    Only layers with weights count on both sides.

    Raises:
        ValueError: a different number of layers with weights, or of weights in a layer.
    """
    backend = _original_backend(group)
    layers_with_weights = [layer for layer in layers if layer.weights]
    saved_names = [n for n in load_attributes_from_hdf5_group(group, "layer_names")
                   if n in group and load_attributes_from_hdf5_group(group[n], "weight_names")]
    if len(saved_names) != len(layers_with_weights):
        raise ValueError(f"{where}: the file holds weights for {len(saved_names)} layers "
                         f"({saved_names}); the model has {len(layers_with_weights)} layers with "
                         f"weights ({[layer.name for layer in layers_with_weights]}).")
    pairs = []
    for index, (name, layer) in enumerate(zip(saved_names, layers_with_weights)):
        values = _saved_layer_arrays(group, name)
        here = f"{where}: layer #{index} ({layer.name!r}, saved as {name!r})"
        pairs += formats.layer_weight_values(layer, values, here, backend)
    return pairs


def keras2_layout_pairs_by_name(group, layers, where, skip_mismatch=False, reshape=False):
    """Pairs for the layers whose names are in the file; the others are left out."""
    backend = _original_backend(group)
    by_name = {}
    for layer in layers:
        if layer.name:
            by_name.setdefault(layer.name, []).append(layer)
    pairs = []
    for name in load_attributes_from_hdf5_group(group, "layer_names"):
        if name not in by_name or name not in group:
            continue
        values = _saved_layer_arrays(group, name)
        for layer in by_name[name]:
            here = f"{where}: layer {layer.name!r}"
            try:
                layer_pairs = formats.layer_weight_values(layer, values, here, backend)
                layer_pairs = check_weight_values(layer_pairs, here, reshape=reshape)
            except ValueError as exc:
                if skip_mismatch:
                    warnings.warn(f"{exc}; skipped (skip_mismatch=True).", stacklevel=2)
                    continue
                raise
            pairs += layer_pairs
    return pairs


def _target_layers(model_or_layers):
    if isinstance(model_or_layers, (list, tuple)):
        return list(model_or_layers), None
    return list(model_or_layers.layers), model_or_layers


@contextlib.contextmanager
def open_h5(filepath, caller):
    """Open an HDF5 file (or the ``model.weights.h5`` inside a ``.keras`` zip) for reading.

    Yields ``(h5py_file, zip_archive_or_None)``.

    Raises:
        FileNotFoundError, ValueError: a missing file, a file that is neither
            HDF5 nor a ``.keras`` zip, or a truncated/damaged file; the
            message names the file.
    """
    h5py = _h5py()
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"{caller}: no such file: {filepath!r}")
    if zipfile.is_zipfile(filepath):
        with zipfile.ZipFile(filepath) as archive:
            if "model.weights.h5" not in archive.namelist():
                raise ValueError(f"{caller}: {filepath!r} is a zip file without "
                                 f"'model.weights.h5' (not a Keras 3 .keras file; it holds "
                                 f"{archive.namelist()[:10]})")
            data = io.BytesIO(archive.read("model.weights.h5"))
            try:
                f = h5py.File(data, "r")
            except OSError as exc:
                raise ValueError(f"{caller}: {filepath!r}: its model.weights.h5 is not a "
                                 f"readable HDF5 file ({exc})") from None
            with f:
                yield f, archive
        return
    if not h5py.is_hdf5(filepath):
        raise UnreadableFileError(
            f"{caller}: {filepath!r} is not an HDF5 file nor a Keras 3 .keras zip "
            f"(Expected a file written by save/save_weights).")
    try:
        f = h5py.File(filepath, "r")
    except OSError as exc:
        raise UnreadableFileError(f"{caller}: {filepath!r} cannot be read: it is truncated or "
                                  f"damaged ({exc})") from None
    with f:
        yield f, None


def _wrap_read_errors(caller, filepath):
    """Turn low-level read errors of a damaged file into a ValueError naming the file."""
    @contextlib.contextmanager
    def scope():
        try:
            yield
        except (OSError, KeyError, RuntimeError) as exc:
            raise ValueError(f"{caller}: {os.fspath(filepath)!r} cannot be read: it is truncated "
                             f"or damaged ({type(exc).__name__}: {exc})") from None
    return scope()


def weight_pairs_from_h5(f, model_or_layers, where, by_name=False, skip_mismatch=False,
                         reshape=False):
    """The (variable, array) pairs of a weights or model file, whatever its layout."""
    layers, model = _target_layers(model_or_layers)
    group = f
    if "layer_names" not in f.attrs and "layer_names0" not in f.attrs and "model_weights" in f:
        group = f["model_weights"]
    if "layer_names" in group.attrs or "layer_names0" in group.attrs:
        if by_name:
            return keras2_layout_pairs_by_name(group, layers, where, skip_mismatch, reshape)
        return keras2_layout_pairs(group, layers, where, reshape)
    if "layers" in f or "vars" in f:
        from . import keras3_format
        if model is None:
            raise ValueError(f"{where}: a Keras 3 layout weights file loads into a model, not a "
                             "list of layers.")
        return keras3_format.read_weight_pairs(f, model, where, by_name=by_name,
                                               skip_mismatch=skip_mismatch)
    raise ValueError(f"{where}: the file holds no weights in a layout polykeras knows (Keras 2: "
                     f"attribute 'layer_names'; Keras 3: group 'layers'). Top-level keys: "
                     f"{list(f.keys())[:10]}")


def load_weights_from_file(filepath, model_or_layers, by_name=False, skip_mismatch=False,
                           reshape=False):
    """Open ``filepath`` (a weights file, a whole-model file or a ``.keras`` zip) and load it.

    Every array is checked before any weight changes.

    Raises:
        FileNotFoundError: no such file.
        ValueError: an unreadable file, or weights that do not fit the model;
            the message names the file.
    """
    where = f"load_weights({os.fspath(filepath)!r})"
    with open_h5(filepath, "load_weights") as (f, _), _wrap_read_errors("load_weights", filepath):
        pairs = weight_pairs_from_h5(f, model_or_layers, where, by_name=by_name,
                                     skip_mismatch=skip_mismatch, reshape=reshape)
        assign_weight_values(pairs, where, reshape=reshape)


# Keras 2.2 names kept for code that imports them.
def load_weights_from_hdf5_group(group, layers, reshape=False):
    """Load weights layer by layer, in order, from an open h5py group (all or nothing)."""
    assign_weight_values(keras2_layout_pairs(group, layers, "load_weights", reshape),
                         "load_weights", reshape=reshape)


def load_weights_from_hdf5_group_by_name(group, layers, skip_mismatch=False, reshape=False):
    """Load weights into the layers whose names are in the file; the others are unchanged."""
    assign_weight_values(
        keras2_layout_pairs_by_name(group, layers, "load_weights", skip_mismatch, reshape),
        "load_weights", reshape=reshape)


# ---------------------------------------------------------------------------------------
# Whole models
# ---------------------------------------------------------------------------------------
def model_config_json(model):
    """The model's config as JSON that polykeras, tf_keras 2.x and Keras 3 read."""
    config = formats.portable_model_config(
        {"class_name": type(model).__name__, "config": model.get_config()})
    return json.dumps(config, default=json_default)


def training_config_of(model):
    """The ``training_config`` of a compiled model (None if not compiled)."""
    if getattr(model, "optimizer", None) is None:
        return None
    return {"optimizer_config": formats.portable_optimizer_config(model.optimizer),
            "loss": formats.portable_loss(model.loss), "metrics": model.metrics,
            "sample_weight_mode": model.sample_weight_mode, "loss_weights": model.loss_weights}


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Save topology, weights and (when compiled) training configuration and optimizer state.

    A path ending in ``.keras`` gets Keras 3's native zip format.

    Raises:
        NotImplementedError: a subclassed model (no serializable topology).
    """
    filepath = os.fspath(filepath)
    if not overwrite and os.path.isfile(filepath):
        warnings.warn(f"save_model: {filepath!r} exists and overwrite=False; not saved.",
                      stacklevel=2)
        return
    if filepath.endswith(".keras"):
        from . import keras3_format
        keras3_format.save_model(model, filepath, include_optimizer=include_optimizer)
        return
    model_config = model_config_json(model)
    training_config = None
    optimizer_weights = []
    if include_optimizer and getattr(model, "optimizer", None) is not None:
        training_config = json.dumps(training_config_of(model), default=json_default)
        optimizer_weights = list(getattr(model.optimizer, "weights", []))

    def write(f):
        f.attrs["keras_version"] = keras_version_attribute().encode("utf8")
        f.attrs["backend"] = K.backend().encode("utf8")
        f.attrs["model_config"] = model_config.encode("utf8")
        save_weights_to_hdf5_group(f.create_group("model_weights"), model.layers)
        if training_config is not None:
            f.attrs["training_config"] = training_config.encode("utf8")
            if optimizer_weights:
                group = f.create_group("optimizer_weights")
                names = _weight_names(optimizer_weights)
                save_attributes_to_hdf5_group(group, "weight_names",
                                              [n.encode("utf8") for n in names])
                for name, value in zip(names, weight_values_for_saving(optimizer_weights)):
                    write_dataset(group, name, value)
    atomic_write_hdf5(filepath, write)


def model_from_any_config(config, custom_objects=None, where="model_from_config"):
    """A new model from a config written by any Keras (see ``saving_formats``)."""
    from ..layers import deserialize
    config = formats.foreign_model_config(config, where)
    return deserialize(config, custom_objects=custom_objects)


def compile_from_training_config(model, training_config, custom_objects, where):
    """``model.compile`` with the optimizer, loss and metrics of a training config."""
    from .. import optimizers
    args = formats.foreign_training_config(training_config, len(model.outputs), where)
    optimizer = optimizers.deserialize(args["optimizer"], custom_objects=custom_objects)

    def resolve(obj):
        if isinstance(obj, str) and custom_objects and obj in custom_objects:
            return custom_objects[obj]
        if isinstance(obj, dict):
            return {k: resolve(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [resolve(v) for v in obj]
        return obj
    model.compile(optimizer=optimizer, loss=resolve(args["loss"]),
                  metrics=resolve(args["metrics"]), loss_weights=args["loss_weights"],
                  sample_weight_mode=args["sample_weight_mode"])


def set_optimizer_state(model, names, values, where):
    """Give the compiled model's optimizer its saved state (polykeras's order, or a foreign one).

    A state that does not fit is dropped with a warning: the optimizer starts afresh.
    """
    model._make_train_function()  # creates the optimizer's state variables
    try:
        values = formats.optimizer_state_in_polykeras_order(model, names, values)
        model.optimizer.set_weights(values)
    except ValueError as exc:
        warnings.warn(f"{where}: the saved optimizer state does not fit ({exc}); the optimizer "
                      "starts afresh.", stacklevel=2)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """A model saved by :func:`save_model`, by tf.keras 2.x / tf_keras or by Keras 3.

    Reads HDF5 model files and Keras 3 ``.keras`` zips; compiles the model
    again (optimizer state included) when the file has a training config.

    Args:
        safe_mode: refuse to run a ``Lambda`` layer's stored Python bytecode
            (pass False only for files you trust).

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file holds no model (e.g. a weights-only file), is not
            a model file, or is damaged; the message names the file.
    """
    filepath = os.fspath(filepath)
    where = f"load_model({filepath!r})"
    if os.path.exists(filepath) and zipfile.is_zipfile(filepath):
        from . import keras3_format
        with safe_mode_scope(safe_mode):
            return keras3_format.load_model(filepath, custom_objects=custom_objects,
                                            compile=compile)
    with open_h5(filepath, "load_model") as (f, _):
        model_config = f.attrs.get("model_config")
        if model_config is None:
            raise ValueError(f"{where}: the file holds no model (no 'model_config' attribute; a "
                             "weights-only file? use model.load_weights).")
        try:
            model_config = json.loads(_text(model_config))
        except ValueError as exc:
            raise ValueError(f"{where}: its model_config is not valid JSON ({exc})") from None
        with safe_mode_scope(safe_mode):
            model = _with_file(where, model_from_any_config, model_config,
                               custom_objects=custom_objects)
        if "model_weights" not in f:
            raise ValueError(f"{where}: the file has a model config but no 'model_weights'.")
        with _wrap_read_errors("load_model", filepath):
            pairs = weight_pairs_from_h5(f["model_weights"], model, where)
            assign_weight_values(pairs, where)
        if not compile:
            return model
        training_config = f.attrs.get("training_config")
        if training_config is None:
            warnings.warn(f"{where}: the file has no training configuration; the model is not "
                          "compiled. Compile it yourself.", stacklevel=2)
            return model
        compile_from_training_config(model, json.loads(_text(training_config)), custom_objects,
                                     where)
        if "optimizer_weights" in f:
            group = f["optimizer_weights"]
            names = load_attributes_from_hdf5_group(group, "weight_names")
            set_optimizer_state(model, names, [read_dataset(group[n]) for n in names], where)
    return model


def _with_file(where, fn, *args, **kwargs):
    """``fn(*args, where=where, **kwargs)``, its ValueErrors/TypeErrors prefixed with ``where``."""
    try:
        return fn(*args, where=where, **kwargs)
    except FormatError:
        raise
    except (ValueError, TypeError) as exc:
        message = str(exc)
        if message.startswith(where):
            raise
        raise type(exc)(f"{where}: {message}") from exc


def _text(value):
    return value.decode("utf8") if isinstance(value, bytes) else str(value)
