"""Models: ``Sequential``, the functional ``Model``, saving, loading and cloning (Keras 2.2)."""

from __future__ import annotations

import json

from . import backend as K
from .engine.input_layer import Input, InputLayer
from .engine.network import Network
from .engine.saving import load_model, model_from_any_config, safe_mode_scope, save_model
from .engine.sequential import Sequential
from .engine.training import Model
from .utils.generic_utils import to_list


def model_from_config(config, custom_objects=None, safe_mode=True):
    """A new model (fresh weights) from ``{"class_name", "config"}``.

    Accepts the configs of Keras 2.2.x, tf.keras 2.x / tf_keras and Keras 3.

    Args:
        safe_mode: refuse a ``Lambda`` layer's stored Python bytecode (pass
            False only for configs you trust, or give the function in
            ``custom_objects`` under the Lambda layer's name).

    Raises:
        TypeError: a list (Keras 1's Sequential config) instead of a dict.
        ValueError: an unknown layer class, or bytecode refused in safe mode.
    """
    if isinstance(config, list):
        raise TypeError("model_from_config: Expected a dict {'class_name', 'config'}. Received a "
                        "list; use Sequential.from_config(config) for a list of layer configs.")
    with safe_mode_scope(safe_mode):
        return model_from_any_config(config, custom_objects=custom_objects)


def model_from_json(json_string, custom_objects=None, safe_mode=True):
    """A new model from :meth:`Network.to_json`'s output (or tf_keras's, or Keras 3's).

    Args:
        safe_mode: see :func:`model_from_config`.
    """
    try:
        config = json.loads(json_string)
    except ValueError as exc:
        raise ValueError(f"model_from_json: Expected a JSON string. Received text that is not "
                         f"JSON ({exc})") from None
    with safe_mode_scope(safe_mode):
        return model_from_any_config(config, custom_objects=custom_objects,
                                     where="model_from_json")


def model_from_yaml(yaml_string, custom_objects=None, safe_mode=True):
    """A new model from :meth:`Network.to_yaml`'s output, read with PyYAML's safe loader.

    Args:
        safe_mode: see :func:`model_from_config`.

    Raises:
        ImportError: PyYAML is not installed.
        ValueError: a document that is not a model config (a mapping with
            ``class_name`` and ``config``), or bytecode refused in safe mode.
    """
    try:
        import yaml
    except ImportError:
        raise ImportError("model_from_yaml requires PyYAML, which is not installed. Install it "
                          "with `pip install pyyaml` (or `pip install 'polykeras[yaml]'`).") \
            from None
    config = yaml.safe_load(yaml_string)  # plain data only: no Python objects from the text
    if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
        raise ValueError("model_from_yaml: Expected a YAML mapping with 'class_name' and 'config' "
                         f"(what Model.to_yaml() writes). Received: {type(config).__name__} "
                         f"{str(config)[:80]!r}")
    with safe_mode_scope(safe_mode):
        return model_from_any_config(config, custom_objects=custom_objects,
                                     where="model_from_yaml")


def _clone_functional_model(model, input_tensors=None):
    layer_map = {}  # original layer -> clone
    tensor_map = {}  # id(original tensor) -> (clone tensor, mask)
    if input_tensors is None:
        input_tensors = []
        for layer in model._input_layers:
            clone = Input(batch_shape=layer.batch_input_shape, dtype=layer.dtype,
                          sparse=layer.sparse, name=layer.name)
            input_tensors.append(clone)
            layer_map[layer] = clone._keras_history[0]
    else:
        input_tensors = to_list(input_tensors)
        if len(input_tensors) != len(model.inputs):
            raise ValueError(f"clone_model: Expected {len(model.inputs)} input tensors. "
                             f"Received: {len(input_tensors)}")
        wrapped = []
        for i, x in enumerate(input_tensors):
            if not K.is_keras_tensor(x):
                x = Input(tensor=x, name=f"input_wrapper_for_{model._input_layers[i].name}")
                layer_map[model._input_layers[i]] = x._keras_history[0]
            wrapped.append(x)
        input_tensors = wrapped
    for original, clone in zip(model.inputs, input_tensors):
        tensor_map[id(original)] = (clone, None)

    for node in model._node_plan:
        layer = node.outbound_layer
        if layer not in layer_map:
            new_layer = type(layer).from_config(layer.get_config())
            layer_map[layer] = new_layer
        if isinstance(layer, InputLayer):
            continue
        layer = layer_map[layer]
        if all(id(x) in tensor_map for x in node.input_tensors):
            kwargs = dict(node.arguments or {})
            data = [tensor_map[id(x)] for x in node.input_tensors]
            tensors = [d[0] for d in data]
            if len(data) == 1:
                outputs = to_list(layer(tensors[0], **kwargs))
            else:
                outputs = to_list(layer(tensors, **kwargs))
            for x, y in zip(node.output_tensors, outputs):
                tensor_map[id(x)] = (y, None)
    outputs = [tensor_map[id(x)][0] for x in model.outputs]
    return Model(input_tensors, outputs, name=model.name)


def _clone_sequential_model(model, input_tensors=None):
    layers = [type(layer).from_config(layer.get_config()) for layer in model.layers]
    if input_tensors is None:
        return Sequential(layers=layers, name=model.name)
    input_tensors = to_list(input_tensors)
    if len(input_tensors) != 1:
        raise ValueError(f"clone_model: a Sequential model takes one input tensor. "
                         f"Received: {len(input_tensors)}")
    x = input_tensors[0]
    if not K.is_keras_tensor(x):
        x = Input(tensor=x, name=f"input_wrapper_for_{model.name}")
    return Sequential(layers=[x._keras_history[0]] + layers, name=model.name)


def clone_model(model, input_tensors=None):
    """A new model with the same topology and new layers (new, freshly initialized weights).

    Args:
        input_tensors: optional tensors to build the clone on.
    """
    if isinstance(model, Sequential):
        return _clone_sequential_model(model, input_tensors)
    if not isinstance(model, Model) or not model._is_graph_network:
        raise ValueError(f"clone_model: Expected a Sequential or functional Model. "
                         f"Received: {model!r}")
    return _clone_functional_model(model, input_tensors)


__all__ = ["Model", "Network", "Sequential", "clone_model", "load_model", "model_from_config",
           "model_from_json", "model_from_yaml", "save_model"]
