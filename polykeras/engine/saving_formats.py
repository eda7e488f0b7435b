"""The spellings of other Kerases' model files, translated in both directions.

Reading (``foreign_*``): configs and training configs written by Keras 2.2.x,
tf.keras 2.x / tf_keras and Keras 3 become the Keras 2.2 spelling polykeras's
``from_config`` methods take:

* class ``Functional`` -> ``Model``; ``module`` / ``registered_name`` /
  ``shared_object_id`` / ``build_config`` keys dropped;
* ``InputLayer``: ``batch_shape`` -> ``batch_input_shape``; ``ragged`` and
  ``optional`` accepted when False;
* dtype policies (``{"class_name": "DTypePolicy", "config": {"name": ...}}``)
  -> their dtype name;
* initializers, regularizers and constraints with tf.keras / Keras 3 class
  names (``GlorotUniform``, ``L2``, ...) -> their Keras 2.2 equivalents;
* Keras 3's ``inbound_nodes`` (``{"args": [keras tensors], "kwargs"}``, node
  indices counted without a model's own creation node) -> Keras 2's
  ``[[layer, node_index, tensor_index, kwargs], ...]``;
* options polykeras's layers do not have are dropped when they have their
  neutral value (``groups=1``, ``renorm=False``, ...) and refused otherwise.

Writing (``portable_*``): polykeras's configs as tf_keras 2.x and Keras 3
load them: a Sequential model's config starts with its ``InputLayer`` (Keras
3 reads ``batch_input_shape`` on a first Dense as a shape without the batch
axis), and optimizers are written with ``learning_rate`` (the current
optimizers refuse ``lr``/``decay``; a Keras 2 ``decay`` becomes the
equivalent ``InverseTimeDecay`` schedule).

Weights (``layer_weight_values``): the weight layout conversions of Keras
2.2.4's ``preprocess_weights_for_loading``: nested models and
``Bidirectional`` split per sub-layer, ``CuDNNLSTM`` <-> ``LSTM`` and
``CuDNNGRU`` <-> ``GRU(reset_after=True)`` (gates i, f, c, o and z, r, h;
CuDNN kernels are stored per gate in Fortran order and CuDNN's two bias sets
are summed for LSTM), and Theano-flipped convolution kernels.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np

MODEL_CLASSES = ("Model", "Sequential", "Network")
_CLASS_ALIASES = {"Functional": "Model"}
_ENVELOPE_KEYS = ("module", "registered_name", "shared_object_id", "build_config",
                  "compile_config")

# Options of tf.keras / Keras 3 layers that polykeras's layers lack: dropped when the value
# is neutral (the test returns True), refused otherwise.
_FOREIGN_OPTIONS = {
    "ragged": lambda v: not v,
    "optional": lambda v: not v,
    "groups": lambda v: v in (None, 1),
    "renorm": lambda v: not v,
    "renorm_clipping": lambda v: v is None,
    "renorm_momentum": lambda v: True,
    "virtual_batch_size": lambda v: v is None,
    "adjustment": lambda v: v is None,
    "fused": lambda v: True,
    "synchronized": lambda v: True,  # one device: nothing to synchronize
    "time_major": lambda v: not v,
    "zero_output_for_mask": lambda v: True,
    "use_cudnn": lambda v: True,
    "implementation": lambda v: True,
    "seed": lambda v: True,
    "lora_rank": lambda v: v is None,
    "lora_alpha": lambda v: True,
    "quantization_config": lambda v: v is None,
    "autocast": lambda v: True,
    "sparse": lambda v: not v,
    "input_length": lambda v: True,
    "unit_forget_bias": lambda v: True,
    "activity_regularizer": lambda v: v is None,
    "trainable": lambda v: True,
}

_VARIANCE_SCALING = {  # tf.keras / Keras 3 class -> (scale, mode, distribution)
    "GlorotUniform": (1., "fan_avg", "uniform"), "GlorotNormal": (1., "fan_avg", "normal"),
    "HeUniform": (2., "fan_in", "uniform"), "HeNormal": (2., "fan_in", "normal"),
    "LecunUniform": (1., "fan_in", "uniform"), "LecunNormal": (1., "fan_in", "normal"),
}
_INITIALIZER_ALIASES = {"RandomNormal": "RandomNormal", "RandomUniform": "RandomUniform",
                        "Zeros": "Zeros", "Ones": "Ones", "Constant": "Constant",
                        "TruncatedNormal": "TruncatedNormal", "Orthogonal": "Orthogonal",
                        "Identity": "Identity", "IdentityInitializer": "Identity",
                        "OrthogonalInitializer": "Orthogonal", "VarianceScaling": "VarianceScaling"}

_LOSS_CLASSES = {
    "MeanSquaredError": "mean_squared_error", "MeanAbsoluteError": "mean_absolute_error",
    "MeanAbsolutePercentageError": "mean_absolute_percentage_error",
    "MeanSquaredLogarithmicError": "mean_squared_logarithmic_error",
    "BinaryCrossentropy": "binary_crossentropy",
    "CategoricalCrossentropy": "categorical_crossentropy",
    "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
    "Hinge": "hinge", "SquaredHinge": "squared_hinge", "CategoricalHinge": "categorical_hinge",
    "LogCosh": "logcosh", "KLDivergence": "kullback_leibler_divergence", "Poisson": "poisson",
}


class FormatError(ValueError):
    """A file or config in a format polykeras cannot read (the message names what and why)."""


# ---------------------------------------------------------------------------------------
# Reading: foreign configs -> polykeras's spelling
# ---------------------------------------------------------------------------------------
def foreign_model_config(config, where="model_from_config"):
    """``{"class_name", "config"}`` of a model or layer, in polykeras's spelling.

    Accepts what Keras 2.2.x, tf.keras 2.x and Keras 3 write; polykeras's own
    configs come back unchanged in meaning.

    Raises:
        FormatError: a malformed entry or an option polykeras does not support.
    """
    return _layer_entry(config, where)


def _layer_entry(entry, where):
    if not isinstance(entry, dict) or "class_name" not in entry:
        raise FormatError(f"{where}: Expected a layer entry {{'class_name', 'config'}}. "
                          f"Received: {str(entry)[:200]}")
    class_name = _CLASS_ALIASES.get(entry["class_name"], entry["class_name"])
    config = entry.get("config")
    config = {} if config is None else config
    if class_name == "Sequential":
        config = _sequential_config(config, where)
    elif class_name in ("Model", "Network"):
        config = _functional_config(config, where)
    elif isinstance(config, dict):
        config = _layer_config(class_name, config, where)
    out = {"class_name": class_name, "config": config}
    for key in ("name", "inbound_nodes"):
        if key in entry:
            out[key] = entry[key]
    return out


def _sequential_config(config, where):
    if isinstance(config, list):  # Keras 2.0: the list of layer configs
        config = {"layers": config}
    layers = [_layer_entry(layer, where) for layer in config.get("layers", [])]
    out = {"name": config.get("name"), "layers": layers}
    if config.get("build_input_shape"):
        shape = config["build_input_shape"]
        if isinstance(shape, dict):  # Keras 3 may store {"input_shape": ...}
            shape = next(iter(shape.values()))
        out["build_input_shape"] = shape
    return out


def _is_keras3_node(node):
    return isinstance(node, dict) and ("args" in node or "kwargs" in node)


def _functional_config(config, where):
    raw_layers = config.get("layers")
    if not isinstance(raw_layers, list):
        raise FormatError(f"{where}: a functional model config needs a list of 'layers'. "
                          f"Received keys: {sorted(config)}")
    keras3 = any(_is_keras3_node(node) for layer in raw_layers
                 for node in (layer.get("inbound_nodes") or []))
    layers = [_layer_entry(layer, where) for layer in raw_layers]
    models = {layer.get("name") or layer["config"].get("name") for layer in layers
              if layer["class_name"] in MODEL_CLASSES}
    # Keras 2 counts a model's own creation as its node 0; Keras 3 does not.
    shift = (lambda name: 1 if name in models else 0) if keras3 else (lambda name: 0)
    for layer in layers:
        if "name" not in layer:
            layer["name"] = layer["config"].get("name")
        layer["inbound_nodes"] = [_inbound_node(node, shift, layer["name"], where)
                                  for node in (layer.get("inbound_nodes") or [])]
    out = {"name": config.get("name"), "layers": layers,
           "input_layers": _coordinates(config.get("input_layers"), shift, where),
           "output_layers": _coordinates(config.get("output_layers"), shift, where)}
    return out


def _coordinates(coords, shift, where):
    if isinstance(coords, dict):  # Keras 3: inputs/outputs given as a dict
        coords = list(coords.values())
    if not isinstance(coords, list):
        raise FormatError(f"{where}: Expected a list of [layer_name, node_index, tensor_index] "
                          f"for the model inputs/outputs. Received: {coords!r}")
    if coords and isinstance(coords[0], str):  # one input/output, not wrapped in a list
        coords = [coords]
    out = []
    for c in coords:
        if not isinstance(c, (list, tuple)) or len(c) != 3:
            raise FormatError(f"{where}: Expected [layer_name, node_index, tensor_index]. "
                              f"Received: {c!r}")
        out.append([c[0], c[1] + shift(c[0]), c[2]])
    return out


def _keras_tensors(value, found):
    """Collect the keras-history triples of the ``__keras_tensor__`` entries in ``value``."""
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            found.append(list(value["config"]["keras_history"]))
            return True
        return any([_keras_tensors(v, found) for v in value.values()])
    if isinstance(value, (list, tuple)):
        return any([_keras_tensors(v, found) for v in value])
    return False


def _inbound_node(node, shift, layer_name, where):
    if not _is_keras3_node(node):
        if not isinstance(node, list):
            raise FormatError(f"{where}: layer {layer_name!r}: Expected inbound nodes as lists "
                              f"of [layer_name, node_index, tensor_index, kwargs]. "
                              f"Received: {node!r}")
        return node
    tensors = []
    for arg in node.get("args", []):
        _keras_tensors(arg, tensors)
    kwargs = {}
    for key, value in (node.get("kwargs") or {}).items():
        if _keras_tensors(value, []):
            raise FormatError(f"{where}: layer {layer_name!r} is called with the tensor "
                              f"argument {key!r}; polykeras reads tensors only as inputs.")
        if value is None or (key == "training" and value is False):
            continue
        kwargs[key] = value
    if not tensors:
        raise FormatError(f"{where}: layer {layer_name!r} has a call without tensor inputs: "
                          f"{str(node)[:200]}")
    return [[name, index + shift(name), tensor_index, kwargs]
            for name, index, tensor_index in tensors]


def _dtype_name(value, layer):
    if isinstance(value, dict):
        name = (value.get("config") or {}).get("name")
        if not isinstance(name, str):
            raise FormatError(f"layer {layer!r}: Expected a dtype policy with a name. "
                              f"Received: dtype={value!r}")
        if name.startswith("mixed_"):
            warnings.warn(f"layer {layer!r}: dtype policy {name!r} (mixed precision) is read as "
                          "float32, the dtype of its weights.", stacklevel=4)
            return "float32"
        return name
    return value


def _strip(obj):
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k not in _ENVELOPE_KEYS}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def _initializer(value):
    if not isinstance(value, dict) or "class_name" not in value:
        return value
    value = _strip(value)
    name = value["class_name"]
    config = dict(value.get("config") or {})
    config.pop("input_axes", None)
    config.pop("output_axes", None)
    if name in _VARIANCE_SCALING:
        scale, mode, distribution = _VARIANCE_SCALING[name]
        return {"class_name": "VarianceScaling",
                "config": {"scale": scale, "mode": mode, "distribution": distribution,
                           "seed": config.get("seed")}}
    if name == "VarianceScaling":
        distribution = config.get("distribution", "normal")
        if distribution == "truncated_normal":
            config["distribution"] = "normal"  # Keras 2.2's "normal" is the truncated one
        elif distribution == "untruncated_normal":
            warnings.warn("VarianceScaling(distribution='untruncated_normal') is read as "
                          "Keras 2.2's truncated 'normal' (it only changes fresh weights).",
                          stacklevel=5)
            config["distribution"] = "normal"
    return {"class_name": _INITIALIZER_ALIASES.get(name, name), "config": config}


def _regularizer(value):
    if not isinstance(value, dict) or "class_name" not in value:
        return value
    value = _strip(value)
    name, config = value["class_name"], dict(value.get("config") or {})
    if name in ("L1", "L2", "l1", "l2"):
        key = name.lower()
        return {"class_name": "L1L2",
                "config": {"l1": float(config.get(key, 0.)) if key == "l1" else 0.,
                           "l2": float(config.get(key, 0.)) if key == "l2" else 0.}}
    return {"class_name": name, "config": config}


def _activation(value):
    if isinstance(value, dict):  # Keras 3: {"class_name": "function", "config": "relu", ...}
        inner = value.get("config")
        if isinstance(inner, str):
            return inner
        return _strip(value)
    return value


def _layer_class(class_name):
    from .. import layers as layers_module
    cls = getattr(layers_module, class_name, None)
    return cls if isinstance(cls, type) else None


def _accepted_arguments(cls):
    from .base_layer import _LAYER_KWARGS
    accepted = set()
    open_kwargs = False
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        init = inspect.unwrap(init)
        try:
            parameters = inspect.signature(init).parameters
        except (TypeError, ValueError):
            continue
        for p in parameters.values():
            if p.kind == p.VAR_KEYWORD:
                open_kwargs = True
            elif p.name != "self":
                accepted.add(p.name)
        if not any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
            break
    if open_kwargs:
        accepted |= set(_LAYER_KWARGS)
    return accepted


def _layer_config(class_name, config, where):
    name = config.get("name", class_name)
    config = {k: v for k, v in config.items() if k not in _ENVELOPE_KEYS}
    if "dtype" in config:
        config["dtype"] = _dtype_name(config["dtype"], name)
    for key in list(config):
        if key.endswith("initializer"):
            config[key] = _initializer(config[key])
        elif key.endswith("regularizer"):
            config[key] = _regularizer(config[key])
        elif key.endswith("constraint"):
            config[key] = _strip(config[key])
        elif key in ("activation", "recurrent_activation"):
            config[key] = _activation(config[key])
        elif key in ("layer", "backward_layer", "cell") and isinstance(config[key], dict) \
                and "class_name" in config[key]:
            config[key] = _layer_entry(config[key], where)
        elif key == "cells" and isinstance(config[key], list):
            config[key] = [_layer_entry(c, where) for c in config[key]]
    if class_name == "InputLayer":
        if "batch_shape" in config:
            config["batch_input_shape"] = config.pop("batch_shape")
        if "shape" in config and "batch_input_shape" not in config:
            config["batch_input_shape"] = [config.pop("batch_size",
                                                      None)] + list(config.pop("shape"))
        if config.get("sparse") is None:
            config["sparse"] = False
    if class_name == "BatchNormalization" and isinstance(config.get("axis"), list):
        if len(config["axis"]) != 1:
            raise FormatError(f"{where}: layer {name!r}: BatchNormalization over several axes "
                              f"{config['axis']} is not supported.")
        config["axis"] = config["axis"][0]
    if class_name == "Bidirectional" and "backward_layer" in config:
        _check_mirrored_backward_layer(config, name, where)
    cls = _layer_class(class_name)
    if cls is None:
        return config  # a custom layer: its own from_config judges the rest
    accepted = _accepted_arguments(cls)
    if class_name == "InputLayer":
        accepted |= {"batch_input_shape", "dtype", "sparse", "name"}
    if class_name == "Lambda":  # read by Lambda.from_config
        accepted |= {"function_type", "output_shape_type", "module", "output_shape_module"}
    dropped = []
    for key in list(config):
        if key in accepted:
            continue
        value = config.pop(key)
        test = _FOREIGN_OPTIONS.get(key)
        if test is not None:
            if not test(value):
                raise FormatError(f"{where}: layer {name!r} ({class_name}) uses {key}={value!r}; "
                                  f"polykeras's {class_name} does not support it.")
        else:
            dropped.append(f"{key}={value!r}")
    if dropped:
        warnings.warn(f"{where}: layer {name!r} ({class_name}): options unknown to polykeras "
                      f"were ignored: {', '.join(dropped)}", stacklevel=4)
    return config


def _check_mirrored_backward_layer(config, name, where):
    """Keras 2.2.4's Bidirectional derives the backward layer; accept only that one."""
    forward, backward = config.get("layer"), config.pop("backward_layer")
    if not isinstance(forward, dict) or not isinstance(backward, dict):
        return
    ignore = {"name", "go_backwards"}
    f = {k: v for k, v in forward.get("config", {}).items() if k not in ignore}
    b = {k: v for k, v in backward.get("config", {}).items() if k not in ignore}
    if forward.get("class_name") != backward.get("class_name") or f != b:
        raise FormatError(f"{where}: layer {name!r}: a Bidirectional whose backward layer differs "
                          "from its forward layer is not supported (Keras 2.2's Bidirectional "
                          "mirrors the forward layer).")


# -- training configuration -------------------------------------------------------------
_OPTIMIZER_NEUTRAL = {
    "name": lambda v: True, "weight_decay": lambda v: not v, "use_ema": lambda v: not v,
    "ema_momentum": lambda v: True, "ema_overwrite_frequency": lambda v: True,
    "jit_compile": lambda v: True, "is_legacy_optimizer": lambda v: True,
    "global_clipnorm": lambda v: v is None, "loss_scale_factor": lambda v: v is None,
    "gradient_accumulation_steps": lambda v: v is None, "centered": lambda v: not v,
    "momentum": lambda v: not v, "initial_accumulator_value": lambda v: True,
    "clipnorm": lambda v: v is None, "clipvalue": lambda v: v is None,
}


def foreign_optimizer_config(optimizer_config, where="load_model"):
    """A ``{"class_name", "config"}`` optimizer config in Keras 2.2's spelling (``lr``, ``decay``).

    Raises:
        FormatError: a learning-rate schedule or an option with no Keras 2.2 equivalent.
    """
    from .. import optimizers
    if isinstance(optimizer_config, str):
        return {"class_name": optimizer_config, "config": {}}
    optimizer_config = _strip(optimizer_config)
    class_name = optimizer_config["class_name"].split(">")[-1]  # tf_keras: "Custom>Adam"
    config = dict(optimizer_config.get("config") or {})
    if "learning_rate" in config:
        rate = config.pop("learning_rate")
        if isinstance(rate, dict):
            schedule = rate.get("config", {})
            if (rate.get("class_name") == "InverseTimeDecay" and schedule.get("decay_steps") == 1
                    and not schedule.get("staircase")):
                config["lr"] = schedule["initial_learning_rate"]
                config["decay"] = schedule["decay_rate"]
            else:
                raise FormatError(f"{where}: the learning-rate schedule {rate.get('class_name')!r} "
                                  "has no Keras 2.2 equivalent; load with compile=False and "
                                  "compile the model yourself.")
        else:
            config["lr"] = rate
    cls = optimizers._CLASSES.get(class_name.lower())
    if cls is None:
        return {"class_name": class_name, "config": config}
    accepted = set(inspect.signature(cls.__init__).parameters) | {"clipnorm", "clipvalue"}
    for key in list(config):
        if key in accepted and not (key in ("clipnorm", "clipvalue") and config[key] is None):
            continue
        value = config.pop(key)
        test = _OPTIMIZER_NEUTRAL.get(key)
        if test is None or not test(value):
            raise FormatError(f"{where}: optimizer {class_name} option {key}={value!r} has no "
                              "polykeras equivalent; load with compile=False and compile the "
                              "model yourself.")
    if class_name.lower() == "adagrad" and optimizer_config.get("config", {}).get(
            "initial_accumulator_value", 0.):
        warnings.warn(f"{where}: Adagrad's accumulators start at 0 in Keras 2.2 / polykeras "
                      "(the file's optimizer started them at "
                      f"{optimizer_config['config']['initial_accumulator_value']}).", stacklevel=3)
    return {"class_name": class_name, "config": config}


def _loss_name(loss, where):
    if isinstance(loss, dict) and "class_name" in loss:
        loss = _strip(loss)
        config = loss.get("config") or {}
        if config.get("from_logits"):
            raise FormatError(f"{where}: loss {loss['class_name']}(from_logits=True) has no Keras "
                              "2.2 equivalent; load with compile=False.")
        name = _LOSS_CLASSES.get(loss["class_name"])
        if name is None:
            raise FormatError(f"{where}: unknown loss class {loss['class_name']!r}; load with "
                              "compile=False and compile the model yourself.")
        return name
    if isinstance(loss, dict):
        return {k: _loss_name(v, where) for k, v in loss.items()}
    if isinstance(loss, list):
        return [_loss_name(v, where) for v in loss]
    return loss


def _metric_name(metric, where):
    if isinstance(metric, dict) and "class_name" in metric:
        metric = _strip(metric)
        config = metric.get("config") or {}
        if metric["class_name"] == "MeanMetricWrapper" and isinstance(config.get("fn"), str):
            return config["fn"]
        return config.get("name") or metric["class_name"]
    if isinstance(metric, list):
        return [_metric_name(m, where) for m in metric]
    if isinstance(metric, dict):
        return {k: _metric_name(v, where) for k, v in metric.items()}
    return metric


def foreign_training_config(training_config, n_outputs, where="load_model"):
    """The ``compile`` arguments of a training config written by any Keras.

    Returns:
        dict with ``optimizer`` (a config dict), ``loss``, ``metrics``,
        ``loss_weights``, ``sample_weight_mode``.
    """
    optimizer = training_config.get("optimizer_config", training_config.get("optimizer"))
    if optimizer is None:  # Keras 3.15 leaves an optimizer instance out of compile_config
        warnings.warn(f"{where}: the training config names no optimizer; compiling with "
                      "'rmsprop', Keras's default, without the saved optimizer state.",
                      stacklevel=3)
        optimizer = "rmsprop"
    metrics = _metric_name(training_config.get("metrics"), where)
    # tf.keras stores one list of metrics per output: [[m1, m2]] for one output.
    if (isinstance(metrics, list) and metrics and all(isinstance(m, list) for m in metrics)):
        metrics = metrics[0] if n_outputs == 1 else [m for per_output in metrics
                                                     for m in per_output]
    return {"optimizer": foreign_optimizer_config(optimizer, where),
            "loss": _loss_name(training_config.get("loss"), where),
            "metrics": metrics or None,
            "loss_weights": training_config.get("loss_weights"),
            "sample_weight_mode": training_config.get("sample_weight_mode")}


# ---------------------------------------------------------------------------------------
# Writing: polykeras's configs as tf_keras 2.x and Keras 3 read them
# ---------------------------------------------------------------------------------------
def portable_model_config(entry):
    """``{"class_name", "config"}`` of a model with every Sequential's InputLayer spelled out.

    Nested models (layers of a functional model) are handled too.
    """
    entry = dict(entry)
    config = entry.get("config")
    if entry.get("class_name") == "Sequential" and isinstance(config, dict):
        config = dict(config)
        layers = [portable_model_config(layer) for layer in config.get("layers", [])]
        if layers and layers[0]["class_name"] != "InputLayer":
            first = dict(layers[0], config=dict(layers[0]["config"]))
            shape = first["config"].pop("batch_input_shape", None)
            if shape is None and config.get("build_input_shape"):
                shape = config["build_input_shape"]
            if shape is not None:
                input_layer = {"class_name": "InputLayer", "config": {
                    "batch_input_shape": list(shape),
                    "dtype": first["config"].get("dtype") or "float32",
                    "sparse": False, "name": f"{config.get('name')}_input"}}
                layers = [input_layer, first] + layers[1:]
        config["layers"] = layers
        entry["config"] = config
    elif entry.get("class_name") in ("Model", "Network") and isinstance(config, dict):
        config = dict(config)
        config["layers"] = [dict(portable_model_config(layer), name=layer["name"],
                                 inbound_nodes=layer["inbound_nodes"])
                            for layer in config.get("layers", [])]
        entry["config"] = config
    return entry


_LOSS_ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error",
                 "mape": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error",
                 "kld": "kullback_leibler_divergence", "cosine": "cosine_proximity"}


def portable_loss(loss):
    """Loss names spelled out (Keras 3.15's HDF5 loader fails on the alias ``"mse"``)."""
    if isinstance(loss, str):
        return _LOSS_ALIASES.get(loss, loss)
    if isinstance(loss, dict):
        return {k: portable_loss(v) for k, v in loss.items()}
    if isinstance(loss, list):
        return [portable_loss(v) for v in loss]
    return loss


_OPTIMIZER_ARGUMENTS = {  # Keras 2.2 class -> its own options kept under today's names
    "SGD": ("momentum", "nesterov"), "RMSprop": ("rho", "epsilon"),
    "Adagrad": ("epsilon",), "Adadelta": ("rho", "epsilon"),
    "Adam": ("beta_1", "beta_2", "epsilon", "amsgrad"), "Adamax": ("beta_1", "beta_2", "epsilon"),
    "Nadam": ("beta_1", "beta_2", "epsilon"),
}


def portable_optimizer_config(optimizer):
    """The optimizer's config as tf_keras 2.x and Keras 3 read it (``learning_rate``)."""
    class_name = type(optimizer).__name__
    config = optimizer.get_config()
    if class_name not in _OPTIMIZER_ARGUMENTS:
        return {"class_name": class_name, "config": config}
    out = {"name": class_name}
    lr, decay = float(config.get("lr", 0.01)), float(config.get("decay", 0.) or 0.)
    if decay:
        out["learning_rate"] = {
            "module": "keras.optimizers.schedules", "class_name": "InverseTimeDecay",
            "config": {"initial_learning_rate": lr, "decay_steps": 1, "decay_rate": decay,
                       "staircase": False, "name": "InverseTimeDecay"},
            "registered_name": None}
    else:
        out["learning_rate"] = lr
    for key in _OPTIMIZER_ARGUMENTS[class_name]:
        if key in config:
            out[key] = config[key]
    if class_name == "RMSprop":
        out.update(momentum=0.0, centered=False)
    if class_name == "Adagrad":
        out["initial_accumulator_value"] = 0.0  # Keras 2.2 starts the accumulators at zero
    for key in ("clipnorm", "clipvalue"):
        if config.get(key):
            out[key] = config[key]
    return {"class_name": class_name, "config": out}


# ---------------------------------------------------------------------------------------
# Weights: saved arrays -> (variable, value) pairs of one layer
# ---------------------------------------------------------------------------------------
def _class(layer):
    return type(layer).__name__


def _rnn_attr(layer, name, default=None):
    if hasattr(layer, name):
        return getattr(layer, name)
    cell = getattr(layer, "cell", None)
    return getattr(cell, name, default)


def _per_gate(kernel, func, n_gates):
    return np.hstack([func(k) for k in np.hsplit(kernel, n_gates)])


def _from_cudnn_input(kernel):
    return kernel.T.reshape(kernel.shape, order="F")


def _to_cudnn_input(kernel):
    return kernel.T.reshape(kernel.shape, order="C")


def convert_rnn_weights(layer, values, where):
    """LSTM <-> CuDNNLSTM and GRU(reset_after=True) <-> CuDNNGRU weight layouts.

    Raises:
        FormatError: GRU weights of another bias layout than the layer's
            (``reset_after=False`` bias ``(3*units,)`` vs ``(2, 3*units)``).
    """
    target = _class(layer)
    if target not in ("LSTM", "CuDNNLSTM", "GRU", "CuDNNGRU") or len(values) != 3:
        return values
    kernel, recurrent, bias = (np.asarray(v) for v in values)
    units = recurrent.shape[0]
    if target in ("LSTM", "CuDNNLSTM"):
        if bias.shape == (8 * units,):
            source = "CuDNNLSTM"
        elif bias.shape == (4 * units,):
            source = "LSTM"
        else:
            raise FormatError(f"{where}: LSTM bias of shape {bias.shape} fits neither LSTM "
                              f"({4 * units},) nor CuDNNLSTM ({8 * units},)")
        if source == target:
            return values
        if source == "CuDNNLSTM":
            return [_per_gate(kernel, _from_cudnn_input, 4), _per_gate(recurrent, np.transpose, 4),
                    np.sum(np.split(bias, 2), axis=0)]
        return [_per_gate(kernel, _to_cudnn_input, 4), _per_gate(recurrent, np.transpose, 4),
                np.tile(0.5 * bias, 2)]
    if bias.shape == (6 * units,):
        source = "CuDNNGRU"
    elif bias.shape == (2, 3 * units):
        source = "GRU(reset_after=True)"
    elif bias.shape == (3 * units,):
        source = "GRU(reset_after=False)"
    else:
        raise FormatError(f"{where}: GRU bias of shape {bias.shape} fits no GRU layout of "
                          f"{units} units")
    if target == "CuDNNGRU":
        goal = "CuDNNGRU"
    else:
        goal = "GRU(reset_after=True)" if _rnn_attr(layer, "reset_after", False) \
            else "GRU(reset_after=False)"
    if source == goal:
        return values
    if "GRU(reset_after=False)" in (source, goal):
        raise FormatError(f"{where}: the file holds {source} weights; layer {layer.name!r} is "
                          f"{goal}: the two bias layouts compute different functions. Build the "
                          f"layer with reset_after={source != 'GRU(reset_after=False)'}.")
    if source == "CuDNNGRU":
        return [_per_gate(kernel, _from_cudnn_input, 3), _per_gate(recurrent, np.transpose, 3),
                bias.reshape((2, -1))]
    return [_per_gate(kernel, _to_cudnn_input, 3), _per_gate(recurrent, np.transpose, 3),
            bias.reshape(-1)]


def _flip_kernel(kernel):
    slices = [slice(None, None, -1)] * (kernel.ndim - 2) + [slice(None), slice(None)]
    return np.copy(kernel[tuple(slices)])


def layer_weight_values(layer, values, where, original_backend=None):
    """``[(variable, value), ...]`` for ``layer`` from its saved arrays in Keras 2 order.

    Nested models and wrappers are split per sub-layer (trainable weights of
    every sub-layer first, then the non-trainable ones, as Keras orders a
    model's weights) so that each sub-layer's layout conversions apply.

    Raises:
        FormatError: a different number of arrays than the layer has weights.
    """
    weights = layer.weights
    values = list(values)
    if len(values) != len(weights):
        raise FormatError(f"{where}: layer {layer.name!r} ({_class(layer)}) has {len(weights)} "
                          f"weights. Received: {len(values)} saved arrays")
    sublayers = getattr(layer, "_layers", None)
    if _class(layer) == "Bidirectional":
        half = len(values) // 2
        return (layer_weight_values(layer.forward_layer, values[:half], where, original_backend)
                + layer_weight_values(layer.backward_layer, values[half:], where,
                                      original_backend))
    if _class(layer) == "TimeDistributed":
        return layer_weight_values(layer.layer, values, where, original_backend)
    if sublayers and getattr(layer, "_is_graph_network", False):
        trainable = [(s, len(s.trainable_weights)) for s in sublayers]
        non_trainable = [(s, len(s.non_trainable_weights)) for s in sublayers]
        per_layer = {id(s): [] for s in sublayers}
        i = 0
        for s, n in trainable + non_trainable:
            per_layer[id(s)] += values[i:i + n]
            i += n
        pairs = []
        for s in sublayers:
            if s.weights:
                # a frozen sub-layer lists its trainable weights among the non-trainable ones
                pairs += layer_weight_values(s, per_layer[id(s)], where, original_backend)
        return _reorder(pairs, weights)
    values = [np.asarray(v) if not hasattr(v, "dtype") else v for v in values]
    if _class(layer) in ("Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "ConvLSTM2D") \
            and original_backend == "theano":
        values = [np.asarray(v) for v in values]
        values[0] = _flip_kernel(values[0])
        if _class(layer) == "ConvLSTM2D":
            values[1] = _flip_kernel(values[1])
    if _class(layer) in ("LSTM", "CuDNNLSTM", "GRU", "CuDNNGRU"):
        values = convert_rnn_weights(layer, [np.asarray(v) for v in values], where)
    return list(zip(weights, values))


def _reorder(pairs, weights):
    by_id = {id(w): (w, v) for w, v in pairs}
    return [by_id[id(w)] for w in weights if id(w) in by_id]


# ---------------------------------------------------------------------------------------
# Keras 3's weights layout (model.weights.h5 in a .keras zip, *.weights.h5 files)
# ---------------------------------------------------------------------------------------
def snake_case(name):
    """Keras 3's name for a class in a weights file path (``BatchNormalization`` -> ...)."""
    from .base_layer import to_snake_case
    return to_snake_case(name)


def keras3_class_name(layer):
    """The class name Keras 3 gives ``layer`` (a functional polykeras Model is ``Functional``)."""
    name = _class(layer)
    if name in ("Model", "Network") and getattr(layer, "_is_graph_network", False):
        return "Functional"
    return name


def keras3_child_layers(model):
    """The layers Keras 3 lists under ``layers/`` for ``model``, in its order."""
    from .input_layer import InputLayer
    layers = list(model._layers)
    if _class(model) == "Sequential" or not getattr(model, "_is_graph_network", False):
        layers = [layer for layer in layers if not isinstance(layer, InputLayer)]
    return layers


def keras3_paths(layers):
    """``{id(layer): key}``: Keras 3 names list items by snake-cased class name plus a counter."""
    used, paths = {}, {}
    for layer in layers:
        name = snake_case(keras3_class_name(layer))
        if name in used:
            used[name] += 1
            name = f"{name}_{used[name]}"
        else:
            used[name] = 0
        paths[id(layer)] = name
    return paths


def _own_vars(group):
    if group is None or "vars" not in group:
        return []
    from .saving import read_dataset
    variables = group["vars"]
    return [read_dataset(variables[k]) for k in sorted(variables.keys(), key=int)]


def keras3_layer_pairs(layer, group, where, original_backend=None):
    """``[(variable, value), ...]`` of ``layer`` from its group in Keras 3's layout.

    Raises:
        FormatError: missing groups or a different number of arrays.
    """
    name = _class(layer)
    if getattr(layer, "_is_graph_network", False):
        children = group.get("layers")
        pairs = []
        for sub, key in keras3_match(keras3_child_layers(layer), children, where):
            pairs += keras3_layer_pairs(sub, children[key] if key else None, where,
                                        original_backend)
        return _reorder(pairs, layer.weights)
    if name == "Bidirectional":
        pairs = []
        for part, key in ((layer.forward_layer, "forward_layer"),
                          (layer.backward_layer, "backward_layer")):
            if part.weights and key not in group:
                raise FormatError(f"{where}: no {key!r} group for Bidirectional layer "
                                  f"{layer.name!r}")
            pairs += keras3_layer_pairs(part, group.get(key), where, original_backend)
        return pairs
    if name == "TimeDistributed":
        return keras3_layer_pairs(layer.layer, group.get("layer"), where, original_backend)
    values = _own_vars(group)
    if group is not None and "cell" in group:
        values += _own_vars(group["cell"])
    if not layer.weights and not values:
        return []
    return layer_weight_values(layer, values, where, original_backend)


def keras3_match(layers, group, where):
    """Pair each of ``layers`` with its key under ``group`` (None for layers without weights).

    Keras 3 names the groups by class (``dense``, ``dense_1``); when the file
    records layer names (``vars`` attribute ``name``), those decide.
    """
    keys = list(group.keys()) if group is not None else []
    recorded = {}
    for key in keys:
        variables = group[key].get("vars")
        if variables is not None and "name" in variables.attrs:
            recorded[_text(variables.attrs["name"])] = key
    by_class = keras3_paths(layers)
    out = []
    for layer in layers:
        key = recorded.get(layer.name)
        if key is None and (not recorded or by_class[id(layer)] in keys):
            key = by_class[id(layer)] if by_class[id(layer)] in keys else None
        if key is None and layer.weights:
            raise FormatError(f"{where}: the file has no weights for layer {layer.name!r} "
                              f"({_class(layer)}; looked for group {by_class[id(layer)]!r} "
                              f"among {keys})")
        out.append((layer, key))
    return out


def _text(value):
    return value.decode("utf8") if isinstance(value, bytes) else str(value)


# ---------------------------------------------------------------------------------------
# Optimizer state written by tf_keras 2.x and Keras 3
# ---------------------------------------------------------------------------------------
_SLOT_ALIASES = {"m": "m", "momentum": "m", "momentums": "m", "v": "v", "velocity": "v",
                 "velocities": "v", "vhat": "vhat", "velocity_hat": "vhat",
                 "velocity_hats": "vhat", "accumulator": "v", "rms": "v"}
# polykeras's optimizer weights, as slots of the foreign state (Keras 2.2's orders)
_POLYKERAS_STATE = {"Adam": ("iterations", "m", "v", "vhat"), "SGD": ("iterations", "m"),
                    "RMSprop": ("v",)}


def _weight_keys(model):
    """``{key: index in model.trainable_weights}`` under tf_keras's and Keras 3's spellings."""
    from .base_layer import to_snake_case
    keys = {}
    index = {id(w): i for i, w in enumerate(model.trainable_weights)}

    def visit(layer, path, scopes=()):
        if getattr(layer, "_is_graph_network", False):
            for sub in layer._layers:
                visit(sub, path + [layer.name] if path is not None else [])
            return
        # Wrappers: the weights are the wrapped layers' (Bidirectional: forward_<name>,
        # backward_<name>), under the wrapper's name.
        wrapped = [getattr(layer, a) for a in ("forward_layer", "backward_layer", "layer")
                   if getattr(layer, a, None) is not None and hasattr(getattr(layer, a), "weights")]
        if wrapped:
            for sub in wrapped[:2] if hasattr(layer, "forward_layer") else wrapped:
                visit(sub, (path or []) + [layer.name], scopes + (layer.name,))
            return
        # A recurrent layer's weights belong to its cell (``lstm/lstm_cell/kernel``).
        cell = getattr(layer, "cell", None)
        middle = [to_snake_case(type(cell).__name__)] if hasattr(cell, "weights") and \
            not hasattr(cell, "cells") else []
        for w in layer.trainable_weights:
            if id(w) not in index:
                continue
            short = str(w.name).split("/")[-1].split(":")[0]
            for between in ([], middle) if middle else ([],):
                keys["/".join(scopes + (layer.name, *between, short))] = index[id(w)]
                keys["_".join((path or []) + [layer.name, *between, short])] = index[id(w)]
                # Keras 3 prefixes a Sequential's weights with the model's name
                keys["_".join([model.name] + (path or []) + [layer.name, *between, short])] = \
                    index[id(w)]
    for layer in model._layers:
        visit(layer, [])
    return keys


def _parse_slot(name):
    """``(slot, weight key)`` of a foreign optimizer variable name, or None."""
    name = name.split(":")[0]
    parts = name.split("/")
    for i, part in enumerate(parts[:-1]):  # tf_keras: "Adam/m/dense/kernel"
        if part in _SLOT_ALIASES and i <= 1:
            return _SLOT_ALIASES[part], "/".join(parts[i + 1:])
    last = parts[-1]  # Keras 3: "adam/dense_kernel_momentum"
    for suffix in sorted(_SLOT_ALIASES, key=len, reverse=True):
        if last.endswith("_" + suffix):
            return _SLOT_ALIASES[suffix], last[:-len(suffix) - 1]
    return None


def optimizer_state_in_polykeras_order(model, names, values):
    """The saved optimizer ``values`` in the order of ``model.optimizer.weights``.

    polykeras's own files come back unchanged. The state of a tf_keras 2.x or
    Keras 3 Adam, SGD or RMSprop is matched to the model's weights by name.

    Raises:
        ValueError: a state that cannot be matched (the caller starts afresh).
    """
    optimizer = model.optimizer
    foreign = any(_parse_slot(n) for n in names) or any(
        n.split(":")[0].split("/")[-1] in ("iteration", "learning_rate") for n in names)
    if not foreign:
        return values
    layout = _POLYKERAS_STATE.get(type(optimizer).__name__)
    if layout is None:
        raise ValueError(f"no translation of a foreign {type(optimizer).__name__} state")
    keys = _weight_keys(model)
    params = model.trainable_weights
    slots = {slot: [None] * len(params) for slot in ("m", "v", "vhat")}
    iterations = None
    for name, value in zip(names, values):
        short = name.split(":")[0].split("/")[-1]
        if short in ("iteration", "iterations"):
            iterations = value
            continue
        if short == "learning_rate":
            continue
        parsed = _parse_slot(name)
        if parsed is None or parsed[1] not in keys:
            raise ValueError(f"optimizer variable {name!r} matches no weight of the model")
        slots[parsed[0]][keys[parsed[1]]] = value
    current = optimizer.get_weights()
    out, i = [], 0
    for slot in layout:
        if slot == "iterations":
            out.append(np.asarray(iterations if iterations is not None else current[i]))
            i += 1
            continue
        for j in range(len(params)):
            value = slots[slot][j]
            if value is None:
                if slot != "vhat":
                    raise ValueError(f"no saved {slot!r} slot for weight {params[j].name!r}")
                value = current[i]
            out.append(np.asarray(value))
            i += 1
    return out
