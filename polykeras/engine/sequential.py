"""A linear stack of layers: :class:`Sequential` (Keras 2.2)."""

from __future__ import annotations

import copy
import warnings

import numpy as np

from .. import backend as K
from ..utils.generic_utils import to_list
from .base_layer import Layer
from .input_layer import Input, InputLayer
from .network import get_source_inputs, node_key
from .training import Model


class Sequential(Model):
    """A model made of layers applied one after the other.

    ``Sequential([Dense(32, input_shape=(784,)), Activation("relu")])`` or
    ``model.add(layer)``. The model is built as soon as its first layer knows
    its input shape (``input_shape``, ``input_dim`` or ``batch_input_shape``);
    otherwise when :meth:`build` is called or when it first sees data.

    Args:
        layers: optional list of layers to add.
        name: model name (default ``sequential_<n>``).
    """

    def __init__(self, layers=None, name=None):
        super().__init__(name=name)
        self._build_input_shape = None
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self):
        """The added layers (without the automatically created input layer)."""
        if self._layers and isinstance(self._layers[0], InputLayer):
            return self._layers[1:]
        return list(self._layers)

    @property
    def model(self):
        warnings.warn("Sequential.model is deprecated: a Sequential is a Model itself.",
                      stacklevel=2)
        return self

    def add(self, layer):
        """Append ``layer`` on top of the stack (building the model when the shapes are known).

        Raises:
            TypeError: not a Layer, or a layer with several outputs.
            ValueError: an empty model added as a layer, or a layer whose
                input does not fit the current output.
        """
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add: Expected a Layer instance. Received: {layer!r}")
        self.built = False
        if not self._layers:
            set_inputs = False
            if isinstance(layer, InputLayer):
                set_inputs = True
            else:
                first_layer = layer
                if isinstance(layer, Model):
                    if not layer.layers:
                        raise ValueError("Sequential.add: Cannot add an empty model.")
                    first_layer = layer.layers[0]
                    while isinstance(first_layer, Model):
                        first_layer = first_layer.layers[0]
                    if isinstance(layer, Sequential) and layer.inputs:
                        first_layer = layer.inputs[0]._keras_history[0]
                if hasattr(first_layer, "batch_input_shape"):
                    x = Input(batch_shape=first_layer.batch_input_shape, dtype=first_layer.dtype,
                              name=layer.name + "_input")
                    layer(x)
                    set_inputs = True
            if set_inputs:
                outputs = layer._inbound_nodes[-1].output_tensors
                if len(outputs) != 1:
                    raise TypeError("Sequential.add: every layer of a Sequential model must have "
                                    f"one output tensor. Layer {layer.name!r} has {len(outputs)}.")
                self.outputs = [outputs[0]]
                self.inputs = get_source_inputs(self.outputs[0])
        elif self.outputs:
            output = layer(self.outputs[0])
            if isinstance(output, list):
                raise TypeError("Sequential.add: every layer of a Sequential model must have one "
                                f"output tensor. Layer {layer.name!r} has {len(output)}.")
            self.outputs = [output]
        if self.inputs:
            self.build()
        else:
            self._layers.append(layer)

    def pop(self):
        """Remove the last layer.

        Raises:
            TypeError: the model has no layers.
        """
        if not self.layers:
            raise TypeError("Sequential.pop: There are no layers in the model.")
        if not self.inputs or not self._is_graph_network:
            self._layers.pop()
            return
        layers = self.layers[:-1]
        last_output = None
        if layers:
            last = layers[-1]
            for index, node in enumerate(last._inbound_nodes):
                if node_key(last, index) in self._network_nodes:
                    last_output = node.output_tensors[0]
        self.built = False
        if last_output is None:
            # Back to an empty model; the input layer goes with the last layer.
            self._is_graph_network = False
            self._layers = []
            self.inputs, self.outputs = [], []
            return
        self.outputs = [last_output]
        self.build()

    def build(self, input_shape=None):
        """Build the model for inputs of ``input_shape`` (with the batch axis, e.g.
        ``(None, 784)``).

        Raises:
            ValueError: no shape given and none known from the first layer.
        """
        if input_shape and not self.inputs:
            batch_shape = tuple(input_shape)
            x = Input(batch_shape=batch_shape, dtype=K.floatx(), name=self.name + "_input")
            self.inputs = [x]
            for layer in self._layers:
                x = layer(x)
            self.outputs = [x]
            self._build_input_shape = batch_shape
        if self.inputs:
            trainable = self.trainable  # set by the user before add(); not reset by a rebuild
            self._init_graph_network(self.inputs, self.outputs, name=self.name)
            self.trainable = trainable
            self.built = True
            # The outputs may have changed (add/pop): a predict function made for the old
            # outputs must not be reused.
            self.predict_function = None
        elif input_shape is None and not self._layers:
            raise ValueError("Sequential.build: the model has no layers and no input shape.")

    def _build_from_data(self, x, caller):
        if not self._layers:
            raise ValueError(f"{caller}: Sequential model {self.name!r} has no layers yet; add "
                             "layers (the first with an input_shape) first.")
        arrays = to_list(x)
        if isinstance(x, dict) or len(arrays) != 1:
            raise ValueError(f"{caller}: a Sequential model takes one input array. "
                             f"Received: {len(arrays)} arrays")
        array = arrays[0] if hasattr(arrays[0], "shape") else np.asarray(arrays[0])
        shape = tuple(array.shape[1:]) if array.ndim > 1 else (1,)
        self.build((None,) + shape)

    def _check_has_layers(self, caller):
        if not self._layers:
            raise ValueError(f"{caller}: Sequential model {self.name!r} has no layers yet.")

    def summary(self, line_length=None, positions=None, print_fn=None):
        if not self.built:
            raise ValueError(f"summary: Sequential model {self.name!r} is not built yet: give the "
                             "first layer an input_shape, call build(input_shape), or fit it on "
                             "data first.")
        return super().summary(line_length=line_length, positions=positions, print_fn=print_fn)

    # -- predictions --------------------------------------------------------------------
    def predict_proba(self, x, batch_size=32, verbose=0):
        """``predict`` with a warning when the outputs are not probabilities (outside [0, 1])."""
        preds = self.predict(x, batch_size, verbose)
        if preds.min() < 0. or preds.max() > 1.:
            warnings.warn("predict_proba: the network returns values outside [0, 1]; its last "
                          "layer may not normalize predictions into probabilities (softmax, "
                          "sigmoid).", stacklevel=2)
        return preds

    def predict_classes(self, x, batch_size=32, verbose=0):
        """Class indices: arg-max of the last axis, or ``output > 0.5`` for one output unit."""
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")

    # -- config --------------------------------------------------------------------------
    def get_config(self):
        """``{"name", "layers": [{"class_name", "config"}, ...]}`` (plus the build input shape)."""
        layer_configs = [{"class_name": type(layer).__name__, "config": layer.get_config()}
                         for layer in self.layers]
        config = {"name": self.name, "layers": copy.deepcopy(layer_configs)}
        if self._build_input_shape:
            config["build_input_shape"] = self._build_input_shape
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..layers import deserialize as deserialize_layer
        if isinstance(config, dict) and "layers" in config:
            name = config.get("name")
            build_input_shape = config.get("build_input_shape")
            layer_configs = config["layers"]
        else:  # Keras 2.0 stored a plain list of layer configs
            name, build_input_shape, layer_configs = None, None, config
        model = cls(name=name)
        for layer_config in layer_configs:
            model.add(deserialize_layer(layer_config, custom_objects=custom_objects))
        if not model.inputs and build_input_shape:
            model.build(build_input_shape)
        return model

