"""A graph of layers: :class:`Network` (Keras 2.2's topology container).

A network is built from input tensors (``Input``) and output tensors: it
walks the :class:`~.base_layer.Node` records back from the outputs, orders
the layers by depth, and can then

* run the same graph on other inputs (a model called like a layer),
* infer output shapes and masks without running anything,
* serialize its topology (``get_config``/``from_config``) and its weights
  (``save_weights``/``load_weights``, HDF5 in Keras 2.2's layout).
"""

from __future__ import annotations

import copy
import json
import warnings

import numpy as np

from .. import backend as K
from ..legacy import interfaces
from ..utils.generic_utils import has_arg, object_list_uid, to_list, unpack_singleton
from ..utils.layer_utils import print_summary
from . import saving
from .base_layer import Layer, Node, _inputs_key, to_snake_case
from .input_layer import InputLayer


def node_key(layer, node_index):
    """The key naming call ``node_index`` of ``layer`` in :attr:`Network._network_nodes`."""
    return f"{layer.name}_ib-{node_index}"


class Network(Layer):
    """A directed acyclic graph of layers, from input tensors to output tensors.

    ``Network(inputs, outputs, name=None)``: ``inputs``/``outputs`` are a
    tensor or a list of tensors; the inputs must come from ``Input``.
    Without ``inputs``/``outputs`` the network is *subclassed*: the subclass
    defines ``call`` and assigns its layers as attributes.

    Raises:
        ValueError: inputs that do not come from ``Input``, outputs that are
            not layer outputs, a graph whose outputs cannot be computed from
            the inputs ("Graph disconnected"), duplicate layer names.
    """

    @interfaces.legacy_model_constructor_support
    def __init__(self, *args, **kwargs):
        if (len(args) == 2 or (len(args) == 1 and "outputs" in kwargs)
                or ("inputs" in kwargs and "outputs" in kwargs)):
            self._init_graph_network(*args, **kwargs)
        else:
            self._init_subclassed_network(**kwargs)

    def _base_init(self, name=None):
        if not name:
            prefix = to_snake_case(type(self).__name__)
            name = f"{prefix}_{K.get_uid(prefix)}"
        self.name = name
        self.trainable = True
        self._is_compiled = False
        self._expects_training_arg = False
        self._initial_weights = None
        self.supports_masking = False
        self.optimizer = None
        self._trainable_weights = []
        self._non_trainable_weights = []
        self._updates = []
        self._losses = []
        self._per_input_losses = {}
        self._per_input_updates = {}
        # The updates of the calls of this network on other inputs, as (layer, its inputs)
        # pairs looked up when asked for (see get_updates_for), keyed like _per_input_updates.
        self._call_updates = {}
        self._inbound_nodes = []
        self._outbound_nodes = []
        self._layers = []
        self.inputs = []
        self.outputs = []
        self.dtype = K.floatx()
        self._built = False

    def _init_subclassed_network(self, name=None):
        self._base_init(name=name)
        self._is_graph_network = False
        self._expects_training_arg = has_arg(self.call, "training")
        self.built = False

    def _init_graph_network(self, inputs, outputs, name=None):
        cls_name = type(self).__name__
        inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]

        if len({id(x) for x in inputs}) != len(inputs):
            raise ValueError(f"{cls_name}: Expected each input tensor once. Received the list of "
                             f"inputs {inputs}, with repetitions.")
        for x in inputs:
            history = getattr(x, "_keras_history", None)
            if history is None:
                raise ValueError(f"{cls_name}: Expected input tensors made by keras Input(). "
                                 f"Received: {x!r} (it has no layer history)")
            layer = history[0]
            if not isinstance(layer, InputLayer):
                warnings.warn(f"{cls_name} inputs should come from keras Input(); the input "
                              f"{getattr(x, 'name', x)!r} of {name or cls_name!r} was made by "
                              "layer "
                              f"{layer.name!r}.", stacklevel=3)
        for x in outputs:
            if getattr(x, "_keras_history", None) is None:
                raise ValueError(f"{cls_name}: Expected output tensors made by keras layers. "
                                 f"Received: {x!r} (it has no layer history)")

        self._base_init(name)
        self.inputs = inputs
        self.outputs = outputs
        self._is_graph_network = True
        self.built = True
        self._output_tensor_cache = {}
        self._output_mask_cache = {}
        self._output_shape_cache = {}

        self._output_layers = []
        self._output_coordinates = []
        for x in self.outputs:
            layer, node_index, tensor_index = x._keras_history
            self._output_layers.append(layer)
            self._output_coordinates.append((layer, node_index, tensor_index))
        self._input_layers = []
        self._input_coordinates = []
        for x in self.inputs:
            layer, node_index, tensor_index = x._keras_history
            self._input_layers.append(layer)
            self._input_coordinates.append((layer, node_index, tensor_index))

        self.input_names = [layer.name for layer in self._input_layers]
        self.output_names = [layer.name for layer in self._output_layers]
        self._feed_inputs, self._feed_input_names, self._feed_input_shapes = [], [], []
        for i, layer in enumerate(self._input_layers):
            if getattr(layer, "is_placeholder", True):
                self._feed_inputs.append(self.inputs[i])
                self._feed_input_names.append(layer.name)
                self._feed_input_shapes.append(self.inputs[i]._keras_shape)
        self._internal_input_shapes = [getattr(x, "_keras_shape", None) for x in self.inputs]
        self._internal_output_shapes = [getattr(x, "_keras_shape", None) for x in self.outputs]

        self._map_graph()

        # The node linking the network's own inputs to its outputs (its node 0).
        input_masks = [self._history_mask(x) for x in self.inputs]
        output_masks = [self._history_mask(x) for x in self.outputs]
        Node(self, inbound_layers=[], node_indices=[], tensor_indices=[],
             input_tensors=self.inputs, output_tensors=self.outputs,
             input_masks=input_masks, output_masks=output_masks,
             input_shapes=self._internal_input_shapes,
             output_shapes=self._internal_output_shapes)
        # As Keras 2.2.4: the masks for the network's own inputs are known, so compile's
        # compute_mask(self.inputs) does not run the layers again (that would add a second
        # activity loss and a second set of BatchNormalization updates per call).
        mask_key = object_list_uid(self.inputs) + "_" + object_list_uid(input_masks)
        self._output_mask_cache[mask_key] = unpack_singleton(output_masks)

    @staticmethod
    def _history_mask(x):
        layer, node_index, tensor_index = x._keras_history
        return layer._inbound_nodes[node_index].output_masks[tensor_index]

    def _map_graph(self):
        """Find the nodes between inputs and outputs; order nodes and layers by depth."""
        network_nodes = set()
        nodes_depths = {}
        layers_depths = {}
        layer_indices = {}
        nodes_in_decreasing_depth = []
        finished, in_progress = set(), set()

        def visit(tensor, layer, node_index):
            node = layer._inbound_nodes[node_index]
            if id(node) in in_progress:
                raise ValueError(f"{type(self).__name__}: The tensor {tensor!r} at layer "
                                 f"{layer.name!r} is part of a cycle.")
            if id(node) in finished:
                return
            network_nodes.add(node_key(layer, node_index))
            layer_indices.setdefault(layer, len(layer_indices))
            in_progress.add(id(node))
            for x, inbound_layer, inbound_index in zip(node.input_tensors, node.inbound_layers,
                                                       node.node_indices):
                if inbound_layer is not None:  # else a raw tensor: reported as disconnected
                    visit(x, inbound_layer, inbound_index)
            finished.add(id(node))
            in_progress.discard(id(node))
            nodes_in_decreasing_depth.append(node)

        for x in self.outputs:
            layer, node_index, _ = x._keras_history
            visit(x, layer, node_index)

        for node in reversed(nodes_in_decreasing_depth):
            depth = max(nodes_depths.setdefault(node, 0), layers_depths.get(node.outbound_layer, 0))
            layers_depths[node.outbound_layer] = depth
            nodes_depths[node] = depth
            for inbound_layer, inbound_index in zip(node.inbound_layers, node.node_indices):
                if inbound_layer is None:
                    continue
                inbound_node = inbound_layer._inbound_nodes[inbound_index]
                nodes_depths[inbound_node] = max(depth + 1, nodes_depths.get(inbound_node, 0))

        nodes_by_depth = {}
        for node, depth in nodes_depths.items():
            nodes_by_depth.setdefault(depth, []).append(node)
        layers_by_depth = {}
        for layer, depth in layers_depths.items():
            layers_by_depth.setdefault(depth, []).append(layer)

        depth_keys = sorted(layers_by_depth, reverse=True)
        layers = []
        for depth in depth_keys:
            layers.extend(sorted(layers_by_depth[depth], key=lambda layer: layer_indices[layer]))

        computable = {id(x) for x in self.inputs}
        reached = []
        for depth in sorted(nodes_by_depth, reverse=True):
            for node in nodes_by_depth[depth]:
                layer = node.outbound_layer
                for x in node.input_tensors:
                    if id(x) not in computable:
                        raise ValueError(
                            f"{type(self).__name__}: Graph disconnected: cannot obtain the value "
                            "of "
                            f"tensor {x!r} at layer {layer.name!r} from the inputs. Layers reached "
                            f"without issue: {reached}")
                computable.update(id(x) for x in node.output_tensors)
                reached.append(layer.name)

        names = [layer.name for layer in layers]
        for name in names:
            if names.count(name) != 1:
                raise ValueError(f"{type(self).__name__}: The layer name {name!r} is used "
                                 f"{names.count(name)} times in the model; layer names must be "
                                 f"unique. Layer names: {names}")

        self._network_nodes = network_nodes
        self._nodes_by_depth = nodes_by_depth
        self._layers = layers
        self._layers_by_depth = layers_by_depth
        # Execution plan for run_internal_graph: nodes from the inputs to the outputs.
        self._node_plan = [node for depth in sorted(nodes_by_depth, reverse=True)
                           for node in nodes_by_depth[depth]]

    # -- attributes of subclassed networks -----------------------------------------------
    def __setattr__(self, name, value):
        if (isinstance(value, Layer) and not name.startswith("_")
                and getattr(self, "_is_graph_network", True) is False):
            if value not in self._layers:
                self._layers.append(value)
        super().__setattr__(name, value)

    # -- layers -------------------------------------------------------------------------
    @property
    def layers(self):
        """The layers of the network, from the inputs to the outputs."""
        return list(self._layers)

    def get_layer(self, name=None, index=None):
        """A layer by name or by index in :attr:`layers` (an int ``name`` is an index).

        Raises:
            ValueError: no such name, index out of range, or neither given.
        """
        if index is None and isinstance(name, (int, np.integer)) and not isinstance(name, bool):
            name, index = None, int(name)
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"get_layer: Expected an index in [{-len(layers)}, {len(layers)}) "
                                 f"for model {self.name!r} with {len(layers)} layers. Received: "
                                 f"index={index}")
            return layers[index]
        if not name:
            raise ValueError("get_layer: Expected a layer name or index. Received neither.")
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"get_layer: No layer named {name!r} in model {self.name!r}. Expected one "
                         f"of {[layer.name for layer in layers]}")

    @property
    def input_spec(self):
        """The input specs of the network's first layers (None for Input layers)."""
        if not getattr(self, "_is_graph_network", False):
            return None
        specs = []
        for layer in self._input_layers:
            specs += [None] if layer.input_spec is None else to_list(layer.input_spec)
        return unpack_singleton(specs) if len(specs) == 1 else specs

    @input_spec.setter
    def input_spec(self, value):
        pass  # derived from the input layers

    # -- weights, updates, losses ---------------------------------------------------------
    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        weights = list(self._trainable_weights)
        for layer in self._layers:
            weights += layer.trainable_weights
        return _unique(weights)

    @trainable_weights.setter
    def trainable_weights(self, weights):
        self._trainable_weights = list(weights)

    @property
    def non_trainable_weights(self):
        weights = list(self._non_trainable_weights)
        for layer in self._layers:
            weights += layer.non_trainable_weights
        if not self.trainable:
            trainable = list(self._trainable_weights)
            for layer in self._layers:
                trainable += layer.trainable_weights
            weights = trainable + weights
        return _unique(weights)

    @non_trainable_weights.setter
    def non_trainable_weights(self, weights):
        self._non_trainable_weights = list(weights)

    def get_weights(self):
        """All weight values, layer by layer (NumPy arrays)."""
        weights = []
        for layer in self._layers:
            weights += layer.weights
        return K.batch_get_value(weights)

    def set_weights(self, weights):
        """Set all weights from NumPy arrays in the order of :meth:`get_weights`.

        Everything is checked before anything is written.

        Raises:
            ValueError: a different number of arrays or a shape mismatch.
        """
        weights = list(weights)
        params = []
        for layer in self._layers:
            params += layer.weights
        if len(params) != len(weights):
            raise ValueError(f"set_weights: Model {self.name!r} expects a list of {len(params)} "
                             f"weight arrays. Received: a list of {len(weights)} arrays")
        pairs = []
        for p, w in zip(params, weights):
            expected, received = tuple(K.int_shape(p)), tuple(np.shape(w))
            if expected != received:
                raise ValueError(f"set_weights: Model {self.name!r} expects an array of shape "
                                 f"{expected} for weight {p.name!r}. Received: shape {received}")
            pairs.append((p, w))
        if pairs:
            K.batch_set_value(pairs)

    @property
    def updates(self):
        """The update ops to run at each training step, as Keras 2.2.4 lists them.

        For a graph network: for each layer, the updates of its calls inside
        this network (``layer.get_updates_for(node inputs)``) and its
        unconditional ones (``get_updates_for(None)``), without removing
        repetitions; for a subclassed one, every layer's ``updates``.

        A frozen layer contributes nothing, including when it sits in a
        nested model: the nested model's updates are looked up at each query
        (Keras 2.2.4 copied them when the model was called, so freezing a
        layer afterwards did not stop its updates). A frozen but stateful
        network keeps only the updates of its stateful layers. Updates added
        to the network itself (``add_update(u)``, or with ``inputs=model.inputs``)
        are included.
        """
        return self._network_updates(state_only=False)

    def _network_updates(self, state_only):
        """:attr:`updates`; with ``state_only``, only those of stateful layers."""
        state_only = state_only or not self.trainable
        if state_only and not self.stateful:
            return []
        updates = []
        for layer in self._layers:
            if self._is_graph_network:
                for index, node in enumerate(layer._inbound_nodes):
                    if node_key(layer, index) in self._network_nodes:
                        updates += _updates_of_call(layer, node.input_tensors, state_only)
                updates += _updates_of_call(layer, None, state_only)
            elif isinstance(layer, Network):
                updates += layer._network_updates(state_only)
            elif not state_only or getattr(layer, "stateful", False):
                updates += layer.updates
        if not state_only:  # added to the network itself, unconditional or on its own inputs
            updates += self._per_input_updates.get(None, [])
            if self.inputs:
                updates += self._per_input_updates.get(object_list_uid(self.inputs), [])
        return updates

    def get_updates_for(self, inputs):
        """The updates of this network's call on ``inputs`` (None: the unconditional ones).

        Looked up from the layers at each query, so that their current
        ``trainable`` flags apply; [] when the network is frozen (its stateful
        layers' updates excepted).
        """
        return self._updates_of_call(inputs, state_only=False)

    def _updates_of_call(self, inputs, state_only):
        state_only = state_only or not self.trainable
        if state_only and not self.stateful:
            return []
        key = object_list_uid(inputs) if inputs is not None else None
        updates = [] if state_only else list(self._per_input_updates.get(key, []))
        for layer, layer_inputs in self._call_updates.get(key, []):
            updates += _updates_of_call(layer, layer_inputs, state_only)
        return updates

    @property
    def losses(self):
        """The losses of the layers for the calls inside this network, plus unconditional ones.

        As Keras 2.2.4: the same loss tensor is listed once, every Python
        number (a regularizer with zero factors returns 0.) as often as it was
        added; the tensors come first, in the order they were found.
        """
        losses = []
        for layer in self._layers:
            if self._is_graph_network:
                for index, node in enumerate(layer._inbound_nodes):
                    if node_key(layer, index) in self._network_nodes:
                        losses += layer.get_losses_for(node.input_tensors)
                losses += layer.get_losses_for(None)
            else:
                losses += layer.losses
        losses += self.get_losses_for(None)
        numbers = [x for x in losses if isinstance(x, (float, int))]
        return _unique([x for x in losses if not isinstance(x, (float, int))]) + numbers

    @property
    def stateful(self):
        return any(getattr(layer, "stateful", False) for layer in self._layers)

    @stateful.setter
    def stateful(self, value):
        pass  # derived from the layers

    def reset_states(self):
        for layer in self._layers:
            if hasattr(layer, "reset_states") and getattr(layer, "stateful", False):
                layer.reset_states()

    @property
    def state_updates(self):
        """The updates of stateful layers (run by predict as well as by fit).

        Those of the calls inside this network, found as :attr:`updates` finds
        them (Keras 2.2.4 took every update of each stateful layer, so a
        nested stateful model brought updates of its own inputs and of its
        BatchNormalization layers).
        """
        return self._network_updates(state_only=True)

    @property
    def uses_learning_phase(self):
        """Whether an output depends on ``K.learning_phase()`` (Dropout, BatchNormalization)."""
        return any(getattr(x, "_uses_learning_phase", False) for x in self.outputs)

    # -- running the graph ---------------------------------------------------------------
    def call(self, inputs, mask=None):
        """The network's outputs for new ``inputs`` (symbolic tensors)."""
        inputs = to_list(inputs)
        masks = [None] * len(inputs) if mask is None else to_list(mask)
        cache_key = object_list_uid(inputs) + "_" + object_list_uid(masks)
        if cache_key in self._output_tensor_cache:
            return self._output_tensor_cache[cache_key]
        outputs, _, _ = self.run_internal_graph(inputs, masks)
        return outputs

    def compute_mask(self, inputs, mask=None):
        if not self._is_graph_network:
            return None
        inputs = to_list(inputs)
        masks = [None] * len(inputs) if mask is None else to_list(mask)
        cache_key = object_list_uid(inputs) + "_" + object_list_uid(masks)
        if cache_key in self._output_mask_cache:
            return self._output_mask_cache[cache_key]
        _, output_masks, _ = self.run_internal_graph(inputs, masks)
        return output_masks

    def compute_output_shape(self, input_shape):
        """The output shape(s) for ``input_shape`` (one shape per model input).

        Raises:
            ValueError: a different number of shapes than model inputs.
        """
        if not self._is_graph_network:
            raise NotImplementedError(
                f"compute_output_shape: subclassed model {self.name!r} cannot infer its output "
                "shape; override compute_output_shape.")
        input_shapes = to_list(input_shape) if isinstance(input_shape, list) else [input_shape]
        if len(input_shapes) != len(self._input_layers):
            raise ValueError(f"compute_output_shape: Model {self.name!r} has "
                             f"{len(self._input_layers)} inputs. Received: {len(input_shapes)} "
                             f"shapes: {input_shape}")
        cache_key = ", ".join(str(s) for s in input_shapes)
        if cache_key in self._output_shape_cache:
            return self._output_shape_cache[cache_key]
        shapes = {}
        for layer, shape in zip(self._input_layers, input_shapes):
            shapes[(id(layer), 0, 0)] = None if shape is None else tuple(shape)
        for node in self._node_plan:
            layer = node.outbound_layer
            if not node.inbound_layers:
                continue  # an input node
            in_shapes = [shapes[(id(inbound), n, t)] for inbound, n, t in
                         zip(node.inbound_layers, node.node_indices, node.tensor_indices)]
            out_shapes = to_list(layer.compute_output_shape(unpack_singleton(in_shapes)))
            index = _node_index(layer, node)
            for j, s in enumerate(out_shapes):
                shapes[(id(layer), index, j)] = s
        outputs = [shapes[(id(layer), n, t)] for layer, n, t in self._output_coordinates]
        result = unpack_singleton(outputs)
        self._output_shape_cache[cache_key] = result
        return result

    def run_internal_graph(self, inputs, masks=None):
        """Run the layers on new ``inputs``: returns ``(outputs, output_masks, output_shapes)``."""
        if masks is None:
            masks = [None] * len(inputs)
        computed = {}
        for x, y, mask in zip(self.inputs, inputs, masks):
            computed[id(x)] = (y, mask)

        for node in self._node_plan:
            layer = node.outbound_layer
            if not node.inbound_layers:
                continue
            data = [computed[id(x)] for x in node.input_tensors if id(x) in computed]
            if len(data) != len(node.input_tensors):
                continue
            kwargs = dict(node.arguments) if node.arguments else {}
            tensors = [d[0] for d in data]
            tensor_masks = [d[1] for d in data]
            with K.name_scope(layer.name):
                if len(data) == 1:
                    tensor, tensor_mask = tensors[0], tensor_masks[0]
                    if "mask" not in kwargs and has_arg(layer.call, "mask"):
                        kwargs["mask"] = tensor_mask
                    outputs = to_list(layer.call(tensor, **kwargs))
                    output_masks = layer.compute_mask(tensor, tensor_mask)
                else:
                    if "mask" not in kwargs and has_arg(layer.call, "mask"):
                        kwargs["mask"] = tensor_masks
                    outputs = to_list(layer.call(tensors, **kwargs))
                    output_masks = layer.compute_mask(tensors, tensor_masks)
                output_masks = ([None] * len(outputs) if output_masks is None
                                else to_list(output_masks))
                regularizer = getattr(layer, "activity_regularizer", None)
                if regularizer is not None:
                    layer.add_loss([regularizer(x) for x in outputs], inputs=tensors)

            # Updates and losses of this call, keyed by the network's new inputs. Losses are
            # copied as Keras 2.2.4 does; updates are recorded as (layer, inputs) and looked
            # up when asked for, so that freezing the layer later stops them.
            self._call_updates.setdefault(_inputs_key(inputs), []).append((layer, tensors))
            self._call_updates.setdefault(None, []).append((layer, None))
            self.add_loss(layer.get_losses_for(tensors), inputs)
            self.add_loss(layer.get_losses_for(None), None)

            if all(getattr(x, "_keras_shape", None) is not None for x in tensors):
                shapes = to_list(layer.compute_output_shape(
                    unpack_singleton([x._keras_shape for x in tensors])))
                uses_learning_phase = any(getattr(x, "_uses_learning_phase", False)
                                          for x in tensors)
                for x, s in zip(outputs, shapes):
                    x._keras_shape = None if s is None else tuple(s)
                    x._uses_learning_phase = getattr(x, "_uses_learning_phase",
                                                     False) or uses_learning_phase
            for x, y, mask in zip(node.output_tensors, outputs, output_masks):
                computed[id(x)] = (y, mask)

        output_tensors, output_masks, output_shapes = [], [], []
        for x in self.outputs:
            tensor, mask = computed[id(x)]
            output_tensors.append(tensor)
            output_masks.append(mask)
            output_shapes.append(getattr(tensor, "_keras_shape", None))

        cache_key = object_list_uid(inputs) + "_" + object_list_uid(masks)
        output_tensors = unpack_singleton(output_tensors)
        output_masks = unpack_singleton(output_masks)
        self._output_tensor_cache[cache_key] = output_tensors
        self._output_mask_cache[cache_key] = output_masks
        if all(s is not None for s in output_shapes):
            input_shapes = [getattr(x, "_keras_shape", None) for x in inputs]
            self._output_shape_cache[", ".join(str(s) for s in input_shapes)] = \
                unpack_singleton(output_shapes)
        return output_tensors, output_masks, unpack_singleton(output_shapes)

    # -- serialization ----------------------------------------------------------------
    def get_config(self):
        """The topology: layers (class, config, inbound nodes), input and output layers.

        Raises:
            NotImplementedError: a subclassed network (its topology is Python code).
        """
        if not self._is_graph_network:
            raise NotImplementedError(f"get_config: subclassed model {self.name!r} has no "
                                      "serializable topology.")
        # Calls of a layer outside this network are dropped, so node indices are renumbered.
        conversion = {}
        for layer in self._layers:
            kept = 1 if isinstance(layer, Network) else 0  # a network's node 0 exists on creation
            for index, _ in enumerate(layer._inbound_nodes):
                key = node_key(layer, index)
                if key in self._network_nodes:
                    conversion[key] = kept
                    kept += 1

        layer_configs = []
        for layer in self._layers:
            inbound_nodes = []
            for index, node in enumerate(layer._inbound_nodes):
                if node_key(layer, index) not in self._network_nodes or not node.inbound_layers:
                    continue
                kwargs = node.arguments or {}
                try:
                    json.dumps(kwargs)
                except TypeError:
                    warnings.warn(f"Layer {layer.name!r} was called with keyword arguments that "
                                  f"cannot be serialized ({kwargs}); they are left out of the "
                                  "config.", stacklevel=2)
                    kwargs = {}
                inbound_nodes.append([
                    [inbound.name, conversion.get(node_key(inbound, n), 0), t, kwargs]
                    for inbound, n, t in zip(node.inbound_layers, node.node_indices,
                                             node.tensor_indices)])
            layer_configs.append({"name": layer.name, "class_name": type(layer).__name__,
                                  "config": layer.get_config(), "inbound_nodes": inbound_nodes})

        def coordinates(coords):
            return [[layer.name, conversion[node_key(layer, n)], t] for layer, n, t in coords
                    if node_key(layer, n) in conversion]
        return copy.deepcopy({"name": self.name, "layers": layer_configs,
                              "input_layers": coordinates(self._input_coordinates),
                              "output_layers": coordinates(self._output_coordinates)})

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild a network from :meth:`get_config` (new layers, new weights).

        Raises:
            ValueError: a malformed config.
        """
        from ..layers import deserialize as deserialize_layer

        created = {}
        pending = {}  # layer name -> node data waiting for their inbound nodes
        for layer_data in config["layers"]:
            layer = deserialize_layer(layer_data, custom_objects=custom_objects)
            created[layer_data["name"]] = layer
            pending[layer_data["name"]] = list(layer_data["inbound_nodes"])

        def try_node(layer, node_data):
            tensors, kwargs = [], {}
            for entry in node_data:
                if len(entry) not in (3, 4):
                    raise ValueError(f"from_config: Expected inbound node entries "
                                     f"[layer_name, node_index, tensor_index(, kwargs)]. "
                                     f"Received: {entry}")
                inbound = created.get(entry[0])
                if inbound is None:
                    raise ValueError(f"from_config: layer {layer.name!r} refers to an unknown "
                                     f"layer {entry[0]!r}")
                if len(entry) == 4:
                    kwargs = entry[3]
                if len(inbound._inbound_nodes) <= entry[1]:
                    return False
                tensors.append(inbound._inbound_nodes[entry[1]].output_tensors[entry[2]])
            layer(unpack_singleton(tensors), **kwargs)
            return True

        # Layers shared at several depths need their inbound nodes created first: sweep
        # until every node is processed.
        while any(pending.values()):
            progressed = False
            for layer_data in config["layers"]:
                name = layer_data["name"]
                layer = created[name]
                while pending[name] and try_node(layer, pending[name][0]):
                    pending[name].pop(0)
                    progressed = True
            if not progressed:
                stuck = [n for n, nodes in pending.items() if nodes]
                raise ValueError(f"from_config: the inbound nodes of layers {stuck} can never be "
                                 "created; the config is inconsistent.")

        def tensors_at(coords):
            result = []
            for name, node_index, tensor_index in coords:
                if name not in created:
                    raise ValueError(f"from_config: unknown model input/output layer {name!r}")
                result.append(created[name]._inbound_nodes[node_index].output_tensors[tensor_index])
            return result
        return cls(inputs=tensors_at(config["input_layers"]),
                   outputs=tensors_at(config["output_layers"]), name=config.get("name"))

    def to_json(self, **kwargs):
        """The model's topology as a JSON string (``models.model_from_json`` inverts it)."""
        config = json.loads(saving.model_config_json(self))  # as tf_keras and Keras 3 read it
        config.update(keras_version=saving.keras_version_attribute(), backend=K.backend(),
                      module="keras", registered_name=None)  # Keras 3 needs the module
        return json.dumps(config, default=saving.json_default, **kwargs)

    def to_yaml(self, **kwargs):
        """The model's topology as a YAML string (``models.model_from_yaml`` inverts it).

        The document holds plain YAML types only (what ``yaml.safe_load``
        reads): the same content as :meth:`to_json`. ``kwargs`` go to
        ``yaml.safe_dump``.

        Raises:
            ImportError: PyYAML is not installed.
        """
        try:
            import yaml
        except ImportError:
            raise ImportError("to_yaml requires PyYAML, which is not installed. Install it with "
                              "`pip install pyyaml` (or `pip install 'polykeras[yaml]'`).") \
                from None
        return yaml.safe_dump(json.loads(self.to_json()), **kwargs)

    # -- weights files -------------------------------------------------------------------
    def save_weights(self, filepath, overwrite=True):
        """Write all weights to an HDF5 file in Keras 2.2's layout (Keras 3's for ``*.weights.h5``).

        The file is written under a temporary name next to ``filepath`` and
        renamed over it at the end, so an error never leaves a damaged file.

        Args:
            overwrite: if False and the file exists, do nothing (with a warning).
        """
        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False, reshape=False):
        """Load weights saved by :meth:`save_weights`, Keras 2.2, tf_keras 2.x or Keras 3.

        Reads HDF5 weights or model files in Keras 2's layout, Keras 3's
        ``*.weights.h5`` layout and ``.keras`` zips.

        Args:
            by_name: match layers by name (others keep their weights), else by order.
            skip_mismatch: with ``by_name``, skip layers whose weights differ
                in number or shape (with a warning) instead of raising.
            reshape: accepted for Keras compatibility; arrays of the same size
                are reshaped to the weight's shape.

        Raises:
            ValueError: a file with a different number of layers or weights,
                a shape mismatch, a dtype that does not convert, an unreadable
                file; nothing is changed in that case.
        """
        saving.load_weights_from_file(filepath, self, by_name=by_name,
                                      skip_mismatch=skip_mismatch, reshape=reshape)

    def summary(self, line_length=None, positions=None, print_fn=None):
        """Print the layer table (Layer (type), Output Shape, Param #) and the parameter counts.

        Raises:
            ValueError: the model is not built yet.
        """
        if not self.built:
            raise ValueError(f"summary: Model {self.name!r} is not built yet. Give the first layer "
                             "an input_shape, call build(input_shape), or fit it on data first.")
        return print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn)


def _node_index(layer, node):
    for i, n in enumerate(layer._inbound_nodes):
        if n is node:
            return i
    raise ValueError(f"Node of layer {layer.name!r} not found")


def _updates_of_call(layer, inputs, state_only):
    """``layer.get_updates_for(inputs)``; with ``state_only``, only stateful layers' updates."""
    if isinstance(layer, Network):
        return layer._updates_of_call(inputs, state_only)
    if state_only and not getattr(layer, "stateful", False):
        return []
    return layer.get_updates_for(inputs)


def _unique(items):
    seen, result = set(), []
    for x in items:
        if id(x) not in seen:
            seen.add(id(x))
            result.append(x)
    return result


def get_source_inputs(tensor, layer=None, node_index=None):
    """The Input tensors ``tensor`` was computed from (walking the layer history back)."""
    if not hasattr(tensor, "_keras_history"):
        return [tensor]
    if layer is None or node_index is None:
        layer, node_index, _ = tensor._keras_history
    if not layer._inbound_nodes:
        return [tensor]
    node = layer._inbound_nodes[node_index]
    if not node.inbound_layers:
        return node.input_tensors
    sources = []
    for x, inbound, index in zip(node.input_tensors, node.inbound_layers, node.node_indices):
        if inbound is None:
            sources.append(x)
            continue
        for source in get_source_inputs(x, inbound, index):
            if all(source is not s for s in sources):
                sources.append(source)
    return sources


__all__ = ["Network", "get_source_inputs", "node_key", "to_snake_case"]
