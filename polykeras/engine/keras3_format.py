"""Keras 3's native model format: the ``.keras`` zip and its weights layout.

A ``.keras`` file is a zip of::

    metadata.json      {"keras_version", "date_saved"}
    config.json        the model, Keras 3's spelling ({"module", "class_name", "config",
                       "registered_name"}, compile_config for compiled models)
    model.weights.h5   layers/<key>/vars/<i>, where <key> is the snake-cased class name
                       plus a counter among the siblings (dense, dense_1, ...); models nest
                       as layers/<key>/layers/..., recurrent layers keep their weights under
                       cell/vars, Bidirectional under forward_layer/ and backward_layer/;
                       the optimizer's variables under optimizer/vars/<i>

Keras 3 writes ``*.weights.h5`` files (``save_weights``) in the same layout.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import warnings
import zipfile

import numpy as np

from .. import backend as K
from . import saving
from . import saving_formats as formats
from .saving_formats import FormatError

# Keras 3 optimizer variables per trainable weight, after [iteration, learning_rate]
_KERAS3_SLOTS = {"Adam": ("momentum", "velocity"), "SGD": ("momentum",),
                 "RMSprop": ("velocity",)}


# ---------------------------------------------------------------------------------------
# Weights
# ---------------------------------------------------------------------------------------
def _write_layer(group, layer):
    name = formats._class(layer)
    if getattr(layer, "_is_graph_network", False):
        children = group.create_group("layers")
        paths = formats.keras3_paths(formats.keras3_child_layers(layer))
        for sub in formats.keras3_child_layers(layer):
            _write_layer(children.create_group(paths[id(sub)]), sub)
        values = []
    elif name == "Bidirectional":
        _write_layer(group.create_group("forward_layer"), layer.forward_layer)
        _write_layer(group.create_group("backward_layer"), layer.backward_layer)
        values = []
    elif name == "TimeDistributed":
        _write_layer(group.create_group("layer"), layer.layer)
        values = []
    elif getattr(layer, "cell", None) is not None and hasattr(layer.cell, "weights"):
        cell = group.create_group("cell").create_group("vars")
        cell.attrs["name"] = getattr(layer.cell, "name", "cell") or "cell"
        for i, value in enumerate(saving.weight_values_for_saving(layer.weights)):
            saving.write_dataset(cell, str(i), value)
        values = []
    else:
        values = saving.weight_values_for_saving(layer.weights)
    own = group.create_group("vars")
    own.attrs["name"] = layer.name
    for i, value in enumerate(values):
        saving.write_dataset(own, str(i), value)


def write_weights(f, model, optimizer_values=None):
    """Write ``model``'s weights (and optimizer variables) into an open h5py file, Keras 3
    layout."""
    layers = f.create_group("layers")
    children = formats.keras3_child_layers(model)
    paths = formats.keras3_paths(children)
    for layer in children:
        _write_layer(layers.create_group(paths[id(layer)]), layer)
    f.create_group("vars").attrs["name"] = model.name
    if optimizer_values is not None:
        group = f.create_group("optimizer").create_group("vars")
        group.attrs["name"] = type(model.optimizer).__name__.lower()
        for i, value in enumerate(optimizer_values):
            saving.write_dataset(group, str(i), value)


def read_weight_pairs(f, model, where, by_name=False, skip_mismatch=False):
    """``(variable, array)`` pairs of ``model`` from a Keras 3 layout file.

    Raises:
        FormatError: a layer with weights that has no group in the file, or a
            different number of arrays (unless ``skip_mismatch``).
    """
    if "layers" not in f:
        raise FormatError(f"{where}: the file has no 'layers' group (keys: {list(f.keys())})")
    group = f["layers"]
    children = formats.keras3_child_layers(model)
    if by_name:
        recorded = {}
        for key in group.keys():
            variables = group[key].get("vars")
            if variables is not None and "name" in variables.attrs:
                recorded[formats._text(variables.attrs["name"])] = key
        matches = [(layer, recorded.get(layer.name)) for layer in children]
        if not recorded:
            matches = formats.keras3_match(children, group, where)
    else:
        matches = _topological_match(children, group, where)
    pairs = []
    for layer, key in matches:
        if key is None:
            continue
        try:
            layer_pairs = formats.keras3_layer_pairs(layer, group[key], where)
            if by_name:
                layer_pairs = saving.check_weight_values(layer_pairs, where)
        except ValueError as exc:
            if by_name and skip_mismatch:
                warnings.warn(f"{exc}; skipped (skip_mismatch=True).", stacklevel=2)
                continue
            raise
        pairs += layer_pairs
    return pairs


def _topological_match(children, group, where):
    """Keras 3's topological loading: groups by class-and-counter key, checked both ways."""
    paths = formats.keras3_paths(children)
    keys = set(group.keys())
    with_weights = {key for key in keys if _has_arrays(group[key])}
    out = []
    for layer in children:
        key = paths[id(layer)]
        if key not in keys:
            if layer.weights:
                raise FormatError(f"{where}: the file has no weights for layer {layer.name!r} "
                                  f"(group {key!r}; the file has {sorted(keys)})")
            key = None
        out.append((layer, key))
    used = {key for _, key in out if key}
    unused = sorted(with_weights - used)
    if unused:
        raise FormatError(f"{where}: the file holds weights for layers the model does not have: "
                          f"{unused} (the model's layers: {[child.name for child in children]})")
    return out


def _has_arrays(group):
    found = []
    group.visititems(lambda name, obj: found.append(name) if hasattr(obj, "shape") else None)
    return bool(found)


# ---------------------------------------------------------------------------------------
# Configs in Keras 3's spelling
# ---------------------------------------------------------------------------------------
def _wrap(kind, value):
    """Keras 3's envelope for an initializer / regularizer / constraint config."""
    if not isinstance(value, dict) or "class_name" not in value:
        return value
    config = dict(value.get("config") or {})
    class_name = value["class_name"]
    if class_name == "VarianceScaling" and config.get("distribution") == "normal":
        config["distribution"] = "truncated_normal"  # what Keras 2.2's "normal" draws
    return {"module": f"keras.{kind}", "class_name": class_name, "config": config,
            "registered_name": None}


def _keras3_layer_config(class_name, config):
    config = dict(config)
    for key in list(config):
        if key.endswith("initializer"):
            config[key] = _wrap("initializers", config[key])
        elif key.endswith("regularizer"):
            config[key] = _wrap("regularizers", config[key])
        elif key.endswith("constraint"):
            config[key] = _wrap("constraints", config[key])
        elif key in ("layer", "cell") and isinstance(config[key], dict):
            config[key] = keras3_config(config[key])
    if class_name == "InputLayer":
        config["batch_shape"] = config.pop("batch_input_shape")
    config.pop("batch_input_shape", None)
    if class_name == "Embedding":
        config.pop("input_length", None)
    if class_name in ("LSTM", "GRU", "SimpleRNN"):
        config.pop("implementation", None)
    return config


def keras3_config(entry, network=None):
    """A polykeras ``{"class_name", "config"}`` (portable spelling) in Keras 3's spelling.

    ``network``: the model the config describes, for the shapes of the
    tensors between its layers (Keras 3 rebuilds each call from them).
    """
    class_name = entry["class_name"]
    config = entry["config"]
    if class_name == "Sequential":
        out = {"module": "keras", "class_name": "Sequential", "registered_name": None,
               "config": {"name": config.get("name"), "trainable": True,
                          "layers": [keras3_config(layer) for layer in config["layers"]]}}
        if config.get("build_input_shape"):
            out["config"]["build_input_shape"] = config["build_input_shape"]
    elif class_name in ("Model", "Network"):
        models = {layer["name"] for layer in config["layers"]
                  if layer["class_name"] in formats.MODEL_CLASSES}

        def history(name, node_index, tensor_index):
            # Keras 3 does not count a model's own creation as its node 0
            return [name, node_index - (1 if name in models else 0), tensor_index]
        def tensor(name, node_index, tensor_index):
            shape, dtype = None, "float32"
            try:
                source = network.get_layer(name)
                shape = source._inbound_nodes[node_index].output_shapes[tensor_index]
                dtype = K.dtype(source._inbound_nodes[node_index].output_tensors[tensor_index])
            except (AttributeError, IndexError, ValueError, TypeError):
                pass
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": None if shape is None else list(shape), "dtype": dtype,
                               "keras_history": history(name, node_index, tensor_index)}}
        layers = []
        for layer in config["layers"]:
            sub = None
            if network is not None and layer["class_name"] in formats.MODEL_CLASSES:
                sub = network.get_layer(layer["name"])
            converted = keras3_config(layer, sub)
            converted["name"] = layer["name"]
            converted["inbound_nodes"] = [_keras3_node(node, tensor)
                                          for node in layer["inbound_nodes"]]
            layers.append(converted)
        out = {"module": "keras.src.models.functional", "class_name": "Functional",
               "registered_name": "Functional",
               "config": {"name": config.get("name"), "trainable": True, "layers": layers,
                          "input_layers": [history(*c) for c in config["input_layers"]],
                          "output_layers": [history(*c) for c in config["output_layers"]]}}
    else:
        out = {"module": "keras.layers", "class_name": class_name, "registered_name": None,
               "config": _keras3_layer_config(class_name, config)}
    return out


def _keras3_node(node, tensor):
    """A Keras 2 inbound node ``[[layer, node, tensor, kwargs], ...]`` as Keras 3 writes it."""
    tensors = [tensor(*entry[:3]) for entry in node]
    kwargs = dict(node[0][3]) if node and len(node[0]) > 3 and node[0][3] else {}
    return {"args": [tensors[0] if len(tensors) == 1 else tensors], "kwargs": kwargs}


def _compile_config(model):
    training = saving.training_config_of(model)
    optimizer = training["optimizer_config"]
    return {"optimizer": {"module": "keras.optimizers", "class_name": optimizer["class_name"],
                          "config": optimizer["config"], "registered_name": None},
            "loss": training["loss"], "loss_weights": training["loss_weights"],
            "metrics": training["metrics"], "weighted_metrics": None, "run_eagerly": False,
            "steps_per_execution": 1, "jit_compile": False}


def _keras3_weight_order(model, config_layers=None):
    """``model.trainable_weights`` in the order Keras 3 lists them (its layers' order)."""
    order = []

    def visit(layer):
        if getattr(layer, "_is_graph_network", False):
            for sub in formats.keras3_child_layers(layer):
                visit(sub)
        else:
            order.extend(layer.trainable_weights)
    if config_layers is not None:
        by_name = {layer.name: layer for layer in model._layers}
        for name in config_layers:
            if name in by_name:
                visit(by_name[name])
    else:
        visit(model)
    trainable = {id(w) for w in model.trainable_weights}
    seen, out = set(), []
    for w in order:
        if id(w) in trainable and id(w) not in seen:
            seen.add(id(w))
            out.append(w)
    return out


def _slots(optimizer):
    name = type(optimizer).__name__
    slots = _KERAS3_SLOTS.get(name)
    if name == "SGD" and not float(K.get_value(optimizer.momentum)):
        slots = ()
    if name == "Adam" and optimizer.amsgrad:
        slots = ("momentum", "velocity", "velocity_hat")
    return slots


def _optimizer_values_for_keras3(model):
    """Keras 3's optimizer variables ([iteration, learning_rate] + slots per weight), or None."""
    optimizer = model.optimizer
    slots = _slots(optimizer)
    if slots is None or not optimizer.weights:
        return None
    params = model.trainable_weights
    values = optimizer.get_weights()
    names = {"Adam": ("iterations", "m", "v", "vhat"), "SGD": ("iterations", "m"),
             "RMSprop": ("v",)}[type(optimizer).__name__]
    state, i = {}, 0
    for slot in names:
        if slot == "iterations":
            state["iterations"] = values[i]
            i += 1
        else:
            state[slot] = values[i:i + len(params)]
            i += len(params)
    keras3 = {"momentum": "m", "velocity": "v", "velocity_hat": "vhat"}
    if type(optimizer).__name__ == "SGD":
        keras3["momentum"] = "m"
    index = {id(w): j for j, w in enumerate(params)}
    iterations = state.get("iterations", np.asarray(0))
    out = [np.asarray(iterations, dtype="int64"),
           np.asarray(K.get_value(optimizer.lr), dtype="float32")]
    for w in _keras3_weight_order(model):
        for slot in slots:
            out.append(np.asarray(state[keras3[slot]][index[id(w)]]))
    return out


def save_model(model, filepath, include_optimizer=True):
    """Write ``model`` as a Keras 3 ``.keras`` zip (atomically, like every polykeras file)."""
    config = keras3_config(formats.portable_model_config(
        {"class_name": type(model).__name__, "config": model.get_config()}), model)
    optimizer_values = None
    if include_optimizer and getattr(model, "optimizer", None) is not None:
        config["compile_config"] = _compile_config(model)
        optimizer_values = _optimizer_values_for_keras3(model)
        if optimizer_values is None and model.optimizer.weights:
            warnings.warn(f"save_model: the state of {type(model.optimizer).__name__} has no "
                          "Keras 3 layout here; the .keras file keeps its configuration only.",
                          stacklevel=2)
    metadata = {"keras_version": saving.keras_version_attribute(), "backend": K.backend(),
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    config_json = json.dumps(config, default=saving.json_default)

    def write(tmp):
        h5py = saving._h5py()
        buffer = io.BytesIO()
        with h5py.File(buffer, "w") as f:
            write_weights(f, model, optimizer_values)
        with zipfile.ZipFile(tmp, "w") as archive:
            archive.writestr("metadata.json", json.dumps(metadata))
            archive.writestr("config.json", config_json)
            archive.writestr("model.weights.h5", buffer.getvalue())
    saving.atomic_write(filepath, write)


def load_model(filepath, custom_objects=None, compile=True):
    """A model from a ``.keras`` zip written by Keras 3 (or by polykeras).

    Raises:
        ValueError: a zip without ``config.json`` or ``model.weights.h5``, or
            a config polykeras cannot build; the message names the file.
    """
    filepath = os.fspath(filepath)
    where = f"load_model({filepath!r})"
    try:
        with zipfile.ZipFile(filepath) as archive:
            names = archive.namelist()
            if "config.json" not in names:
                raise ValueError(f"{where}: the zip has no config.json (not a Keras 3 .keras "
                                 f"file; it holds {names[:10]})")
            config = json.loads(archive.read("config.json"))
    except zipfile.BadZipFile as exc:
        raise ValueError(f"{where}: the zip file is damaged ({exc})") from None
    compile_config = config.get("compile_config")
    model = saving._with_file(where, saving.model_from_any_config, config,
                              custom_objects=custom_objects)
    with saving.open_h5(filepath, "load_model") as (f, _):
        with saving._wrap_read_errors("load_model", filepath):
            saving.assign_weight_values(read_weight_pairs(f, model, where), where)
        if not compile or not compile_config:
            return model
        training = dict(compile_config)
        training["optimizer_config"] = training.pop("optimizer", None)
        saving.compile_from_training_config(model, training, custom_objects, where)
        if compile_config.get("optimizer") and "optimizer" in f and "vars" in f["optimizer"]:
            variables = f["optimizer"]["vars"]
            values = [saving.read_dataset(variables[k]) for k in sorted(variables, key=int)]
            layer_names = [layer.get("name") or layer.get("config", {}).get("name")
                           for layer in config.get("config", {}).get("layers", [])]
            _set_keras3_optimizer_state(model, values, layer_names, where)
    return model


def _set_keras3_optimizer_state(model, values, layer_names, where):
    model._make_train_function()
    optimizer = model.optimizer
    slots = _slots(optimizer)
    order = _keras3_weight_order(model, layer_names if model._is_graph_network
                                 and type(model).__name__ != "Sequential" else None)
    if slots is None or len(values) != 2 + len(order) * len(slots):
        warnings.warn(f"{where}: the saved {type(optimizer).__name__} state ({len(values)} "
                      "variables) does not fit; the optimizer starts afresh.", stacklevel=2)
        return
    short = {"momentum": "m", "velocity": "v", "velocity_hat": "vhat"}
    names = ["iteration", "learning_rate"]
    for w in order:
        key = str(w.name).split(":")[0]
        names += [f"opt/{short[s]}/{key}" for s in slots]
    try:
        ordered = _by_weight(model, names, values, order)
        optimizer.set_weights(ordered)
    except ValueError as exc:
        warnings.warn(f"{where}: the saved optimizer state does not fit ({exc}); the optimizer "
                      "starts afresh.", stacklevel=2)


def _by_weight(model, names, values, order):
    """Keras 3's optimizer values -> polykeras's order, matched through the weights themselves."""
    optimizer = model.optimizer
    params = model.trainable_weights
    index = {id(w): j for j, w in enumerate(params)}
    slots = {"m": [None] * len(params), "v": [None] * len(params), "vhat": [None] * len(params)}
    per_weight = (len(values) - 2) // max(1, len(order))
    for k, w in enumerate(order):
        for s in range(per_weight):
            name = names[2 + k * per_weight + s]
            slots[name.split("/")[1]][index[id(w)]] = values[2 + k * per_weight + s]
    layout = formats._POLYKERAS_STATE[type(optimizer).__name__]
    current = optimizer.get_weights()
    out, i = [], 0
    for slot in layout:
        if slot == "iterations":
            out.append(np.asarray(values[0]))
            i += 1
            continue
        for j in range(len(params)):
            value = slots[slot][j]
            if value is None:
                if slot == "vhat" or (slot == "m" and type(optimizer).__name__ == "SGD"):
                    value = current[i]
                else:
                    raise ValueError(f"no saved {slot!r} for weight {params[j].name!r}")
            out.append(np.asarray(value))
            i += 1
    return out
