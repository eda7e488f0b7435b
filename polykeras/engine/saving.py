"""Model and weight files in HDF5, in Keras 2.2's layout.

Weights file (``save_weights``)::

    attrs: layer_names (bytes, every layer in model order), backend, keras_version
    /<layer name>/            one group per layer
        attrs: weight_names   (bytes, the layer's weights in order)
        /<weight name>        one dataset per weight

Model file (``save_model``): the same weights under ``/model_weights``, plus
attrs ``model_config`` (JSON topology) and ``training_config`` (JSON
optimizer, loss, metrics) and the optimizer state under
``/optimizer_weights``.

Every file is written under a temporary name in the target's folder and
renamed over the target when complete, so a failure never damages an
existing file. Loading checks everything before setting any weight.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings

import numpy as np

from .. import backend as K

#: h5py cannot store an attribute larger than the HDF5 object header (64 KiB).
HDF5_OBJECT_HEADER_LIMIT = 64512


def _h5py():
    try:
        import h5py
    except ImportError as exc:  # pragma: no cover - h5py is a dependency
        raise ImportError("Saving and loading weights needs h5py (pip install h5py).") from exc
    return h5py


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


def atomic_write_hdf5(filepath, write):
    """Run ``write(h5py_file)`` on a temporary file, then rename it to ``filepath``."""
    h5py = _h5py()
    filepath = os.fspath(filepath)
    folder = os.path.dirname(os.path.abspath(filepath))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-" + os.path.basename(filepath) + "-", suffix=".h5",
                               dir=folder)
    os.close(fd)
    try:
        with h5py.File(tmp, "w") as f:
            write(f)
            f.flush()
        os.replace(tmp, filepath)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def save_attributes_to_hdf5_group(group, name, data):
    """Store list ``data`` as attribute ``name``, split into ``name0``, ``name1``... if too large.

    Raises:
        RuntimeError: one item alone exceeds the HDF5 attribute limit.
    """
    too_long = [x for x in data if len(x) > HDF5_OBJECT_HEADER_LIMIT]
    if too_long:
        raise RuntimeError(f"save_weights: names longer than {HDF5_OBJECT_HEADER_LIMIT} bytes cannot "
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


def save_weights_to_hdf5_group(group, layers):
    """Write the weights of ``layers`` into an open h5py group (Keras 2.2 layout)."""
    from .. import __version__
    save_attributes_to_hdf5_group(group, "layer_names", [layer.name.encode("utf8") for layer in layers])
    group.attrs["backend"] = K.backend().encode("utf8")
    group.attrs["keras_version"] = str(__version__).encode("utf8")
    for layer in layers:
        layer_group = group.create_group(layer.name)
        weights = layer.weights
        values = K.batch_get_value(weights)
        names = _weight_names(weights)
        save_attributes_to_hdf5_group(layer_group, "weight_names", [n.encode("utf8") for n in names])
        for name, value in zip(names, values):
            value = np.asarray(value)
            dataset = layer_group.create_dataset(name, value.shape, dtype=value.dtype)
            if value.shape:
                dataset[:] = value
            else:
                dataset[()] = value


def _fit_value(value, weight, reshape, where):
    expected = tuple(K.int_shape(weight))
    value = np.asarray(value)
    if value.shape == expected:
        return value
    if reshape and value.size == int(np.prod(expected)):
        return value.reshape(expected)
    raise ValueError(f"load_weights: {where}: weight {weight.name!r} has shape {expected}. "
                     f"Received: a saved array of shape {value.shape}")


def _saved_layer_weights(group, name):
    layer_group = group[name]
    return [np.asarray(layer_group[n]) for n in load_attributes_from_hdf5_group(layer_group, "weight_names")]


def preprocess_weights_for_loading(layer, weights, original_keras_version=None,
                                   original_backend=None, reshape=False):
    """Saved ``weights`` (NumPy arrays) converted for ``layer``, as Keras 2.2.4 loads them:
    CuDNNLSTM/CuDNNGRU weights for LSTM/GRU(reset_after=True) layers and the reverse, also
    inside Bidirectional, TimeDistributed and nested models. (Keras 1 files' conversions are
    not done: ``original_keras_version``, ``original_backend`` and ``reshape`` are accepted
    for compatibility.)

    Raises:
        ValueError: GRU weights that cannot be converted for the layer.
    """
    from ..layers.cudnn_recurrent import _convert_rnn_weights
    kind = type(layer).__name__
    if kind == "Bidirectional":
        half = len(weights) // 2
        return (preprocess_weights_for_loading(layer.forward_layer, weights[:half])
                + preprocess_weights_for_loading(layer.backward_layer, weights[half:]))
    if kind == "TimeDistributed":
        return preprocess_weights_for_loading(layer.layer, weights)
    if hasattr(layer, "layers") and not hasattr(layer, "cell"):  # a nested model
        converted = []
        for inner in layer.layers:
            n = len(inner.weights)
            if n:
                converted += preprocess_weights_for_loading(inner, weights[:n])
                weights = weights[n:]
        return converted + list(weights)
    return _convert_rnn_weights(layer, list(weights))


def load_weights_from_hdf5_group(group, layers, reshape=False):
    """Load weights layer by layer, in order, from an open h5py group.

    Only layers with weights count on both sides. Everything is checked
    before anything is set.

    Raises:
        ValueError: a different number of layers with weights, a different
            number of weights in a layer, or a shape mismatch.
    """
    layers_with_weights = [layer for layer in layers if layer.weights]
    saved_names = [n for n in load_attributes_from_hdf5_group(group, "layer_names")
                   if load_attributes_from_hdf5_group(group[n], "weight_names")]
    if len(saved_names) != len(layers_with_weights):
        raise ValueError(f"load_weights: the file holds weights for {len(saved_names)} layers "
                         f"({saved_names}); the model has {len(layers_with_weights)} layers with "
                         f"weights ({[layer.name for layer in layers_with_weights]}).")
    pairs = []
    for index, (name, layer) in enumerate(zip(saved_names, layers_with_weights)):
        values = preprocess_weights_for_loading(layer, _saved_layer_weights(group, name))
        weights = layer.weights
        where = f"layer #{index} ({layer.name!r}, saved as {name!r})"
        if len(values) != len(weights):
            raise ValueError(f"load_weights: {where} expects {len(weights)} weights. "
                             f"Received: {len(values)} saved arrays")
        pairs += [(w, _fit_value(v, w, reshape, where)) for w, v in zip(weights, values)]
    if pairs:
        K.batch_set_value(pairs)


def load_weights_from_hdf5_group_by_name(group, layers, skip_mismatch=False, reshape=False):
    """Load weights into the layers whose names are in the file; the others are unchanged.

    Raises:
        ValueError: a weight count or shape mismatch (unless ``skip_mismatch``).
    """
    by_name = {}
    for layer in layers:
        if layer.name:
            by_name.setdefault(layer.name, []).append(layer)
    pairs = []
    for name in load_attributes_from_hdf5_group(group, "layer_names"):
        saved = _saved_layer_weights(group, name)
        for layer in by_name.get(name, []):
            weights = layer.weights
            where = f"layer {layer.name!r}"
            try:
                values = preprocess_weights_for_loading(layer, saved) \
                    if len(saved) == len(weights) else saved
            except ValueError as exc:
                if skip_mismatch:
                    warnings.warn(f"{exc}; skipped (skip_mismatch=True).")
                    continue
                raise
            if len(values) != len(weights):
                if skip_mismatch:
                    warnings.warn(f"load_weights: skipping {where}: it expects {len(weights)} "
                                  f"weights, the file has {len(values)}.")
                    continue
                raise ValueError(f"load_weights: {where} expects {len(weights)} weights. "
                                 f"Received: {len(values)} saved arrays")
            try:
                fitted = [(w, _fit_value(v, w, reshape, where)) for w, v in zip(weights, values)]
            except ValueError as exc:
                if skip_mismatch:
                    warnings.warn(f"{exc}; skipped (skip_mismatch=True).")
                    continue
                raise
            pairs += fitted
    if pairs:
        K.batch_set_value(pairs)


def load_weights_from_file(filepath, layers, by_name=False, skip_mismatch=False, reshape=False):
    """Open ``filepath`` (a weights file or a whole-model file) and load it into ``layers``.

    Raises:
        OSError: the file cannot be opened.
        ValueError: see :func:`load_weights_from_hdf5_group`.
    """
    h5py = _h5py()
    with h5py.File(os.fspath(filepath), "r") as f:
        group = f
        if "layer_names" not in f.attrs and "layer_names0" not in f.attrs and "model_weights" in f:
            group = f["model_weights"]
        if by_name:
            load_weights_from_hdf5_group_by_name(group, layers, skip_mismatch=skip_mismatch,
                                                 reshape=reshape)
        else:
            load_weights_from_hdf5_group(group, layers, reshape=reshape)


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Save topology, weights and (when compiled) training configuration and optimizer state.

    Raises:
        NotImplementedError: a subclassed model (no serializable topology).
    """
    from .. import __version__
    if not overwrite and os.path.isfile(filepath):
        warnings.warn(f"save_model: {filepath!r} exists and overwrite=False; not saved.")
        return
    model_config = json.dumps({"class_name": type(model).__name__, "config": model.get_config()},
                              default=json_default)
    training_config = None
    optimizer_weights = []
    if include_optimizer and getattr(model, "optimizer", None) is not None:
        training_config = json.dumps({
            "optimizer_config": {"class_name": type(model.optimizer).__name__,
                                 "config": model.optimizer.get_config()},
            "loss": model.loss, "metrics": model.metrics,
            "sample_weight_mode": model.sample_weight_mode,
            "loss_weights": model.loss_weights}, default=json_default)
        optimizer_weights = list(getattr(model.optimizer, "weights", []))

    def write(f):
        f.attrs["keras_version"] = str(__version__).encode("utf8")
        f.attrs["backend"] = K.backend().encode("utf8")
        f.attrs["model_config"] = model_config.encode("utf8")
        save_weights_to_hdf5_group(f.create_group("model_weights"), model.layers)
        if training_config is not None:
            f.attrs["training_config"] = training_config.encode("utf8")
            if optimizer_weights:
                group = f.create_group("optimizer_weights")
                names = _weight_names(optimizer_weights)
                save_attributes_to_hdf5_group(group, "weight_names", [n.encode("utf8") for n in names])
                for name, value in zip(names, K.batch_get_value(optimizer_weights)):
                    value = np.asarray(value)
                    dataset = group.create_dataset(name, value.shape, dtype=value.dtype)
                    if value.shape:
                        dataset[:] = value
                    else:
                        dataset[()] = value
    atomic_write_hdf5(filepath, write)


def load_model(filepath, custom_objects=None, compile=True):
    """A model saved by :func:`save_model`, compiled again when the file has a training config.

    Raises:
        ValueError: the file holds no model (e.g. a weights-only file).
    """
    from .. import optimizers
    from ..models import model_from_config
    h5py = _h5py()
    with h5py.File(os.fspath(filepath), "r") as f:
        model_config = f.attrs.get("model_config")
        if model_config is None:
            raise ValueError(f"load_model: {os.fspath(filepath)!r} holds no model (a weights-only "
                             "file? use model.load_weights).")
        model_config = json.loads(_text(model_config))
        model = model_from_config(model_config, custom_objects=custom_objects)
        load_weights_from_hdf5_group(f["model_weights"], model.layers)
        if not compile:
            return model
        training_config = f.attrs.get("training_config")
        if training_config is None:
            warnings.warn("load_model: the file has no training configuration; the model is not "
                          "compiled. Compile it yourself.")
            return model
        training_config = json.loads(_text(training_config))
        optimizer = optimizers.deserialize(training_config["optimizer_config"],
                                           custom_objects=custom_objects)

        def resolve(obj):
            if isinstance(obj, str) and custom_objects and obj in custom_objects:
                return custom_objects[obj]
            if isinstance(obj, dict):
                return {k: resolve(v) for k, v in obj.items()}
            if isinstance(obj, list):
                return [resolve(v) for v in obj]
            return obj
        model.compile(optimizer=optimizer, loss=resolve(training_config["loss"]),
                      metrics=resolve(training_config["metrics"]),
                      loss_weights=training_config["loss_weights"],
                      sample_weight_mode=training_config["sample_weight_mode"])
        if "optimizer_weights" in f:
            model._make_train_function()  # creates the optimizer's state variables
            group = f["optimizer_weights"]
            values = [np.asarray(group[n]) for n in load_attributes_from_hdf5_group(group, "weight_names")]
            try:
                model.optimizer.set_weights(values)
            except ValueError as exc:
                warnings.warn(f"load_model: the saved optimizer state does not fit ({exc}); the "
                              "optimizer starts afresh.")
    return model


def _text(value):
    return value.decode("utf8") if isinstance(value, bytes) else str(value)
