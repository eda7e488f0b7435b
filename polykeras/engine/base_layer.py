"""The base of every layer: :class:`Layer`, :class:`InputSpec` and :class:`Node` (Keras 2.2).

A layer is called on symbolic tensors (``K.placeholder``/``Input`` outputs or
outputs of other layers); each call records a :class:`Node` linking the
input tensors to the output tensors, which is how networks find their
topology. The output tensors carry three attributes the engine relies on:

* ``_keras_shape``: the static shape computed by ``compute_output_shape``;
* ``_keras_history``: ``(layer, node_index, tensor_index)``, where it came from;
* ``_uses_learning_phase``: whether its value depends on ``K.learning_phase()``.

Everything here is written on the abstract backend API (``K``).
"""

from __future__ import annotations

import copy
import re

import numpy as np

from .. import backend as K
from .. import initializers
from ..legacy import interfaces
from ..utils.generic_utils import has_arg, is_all_none, object_list_uid, to_list, unpack_singleton

_LAYER_KWARGS = frozenset({
    "input_shape", "batch_input_shape", "batch_size", "dtype", "name", "trainable",
    "weights", "input_dtype"})


class InputSpec:
    """What a layer accepts as input: rank, dtype, shape or the size of some axes.

    A layer sets ``self.input_spec`` (one spec, or a list with one per input);
    every call checks its inputs against it (:meth:`Layer.assert_input_compatibility`).

    Args:
        dtype: expected dtype string.
        shape: expected shape tuple; ``None`` entries match anything.
        ndim: expected rank.
        max_ndim: maximum rank.
        min_ndim: minimum rank.
        axes: dict ``axis -> size`` (axis may be negative).
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None):
        self.dtype = dtype
        self.shape = shape
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = axes or {}

    def __repr__(self):
        spec = [f"dtype={self.dtype}" if self.dtype else "",
                f"shape={self.shape}" if self.shape else "",
                f"ndim={self.ndim}" if self.ndim else "",
                f"max_ndim={self.max_ndim}" if self.max_ndim else "",
                f"min_ndim={self.min_ndim}" if self.min_ndim else "",
                f"axes={self.axes}" if self.axes else ""]
        return f"InputSpec({', '.join(x for x in spec if x)})"


class Node:
    """One call of a layer: which tensors went in, which came out.

    ``outbound_layer`` is the called layer; ``inbound_layers[i]`` made
    ``input_tensors[i]`` at its node ``node_indices[i]``, output
    ``tensor_indices[i]``. Creating a node registers it in
    ``outbound_layer._inbound_nodes`` and in each inbound layer's
    ``_outbound_nodes``.

    Args:
        arguments: the keyword arguments of the call (replayed when the
            network runs again on other inputs).
    """

    def __init__(self, outbound_layer, inbound_layers, node_indices, tensor_indices,
                 input_tensors, output_tensors, input_masks, output_masks,
                 input_shapes, output_shapes, arguments=None):
        self.outbound_layer = outbound_layer
        self.inbound_layers = inbound_layers
        self.node_indices = node_indices
        self.tensor_indices = tensor_indices
        self.input_tensors = input_tensors
        self.output_tensors = output_tensors
        self.input_masks = input_masks
        self.output_masks = output_masks
        self.input_shapes = input_shapes
        self.output_shapes = output_shapes
        self.arguments = arguments

        for layer in inbound_layers:
            if layer is not None:
                layer._outbound_nodes.append(self)
        outbound_layer._inbound_nodes.append(self)

    def get_config(self):
        return {"outbound_layer": self.outbound_layer.name,
                "inbound_layers": [layer.name if layer else None for layer in self.inbound_layers],
                "node_indices": self.node_indices,
                "tensor_indices": self.tensor_indices}


def to_snake_case(name):
    """``"BatchNormalization"`` -> ``"batch_normalization"``."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    # A leading underscore would make the name private-looking; keep names public.
    if insecure[0] != "_":
        return insecure
    return "private" + insecure


def collect_previous_mask(input_tensors):
    """The Keras masks attached to ``input_tensors`` (None where a tensor has none)."""
    masks = []
    for x in to_list(input_tensors):
        history = getattr(x, "_keras_history", None)
        if history is not None:
            layer, node_index, tensor_index = history
            masks.append(layer._inbound_nodes[node_index].output_masks[tensor_index])
        else:
            masks.append(None)
    return unpack_singleton(masks)


def collect_input_shape(input_tensors):
    """The static shapes of ``input_tensors`` (``_keras_shape``, else ``K.int_shape``)."""
    shapes = []
    for x in to_list(input_tensors):
        shape = getattr(x, "_keras_shape", None)
        if shape is None:
            try:
                shape = K.int_shape(x)
            except (TypeError, ValueError, AttributeError):
                shape = None
        shapes.append(shape)
    return unpack_singleton(shapes)


def _inputs_key(inputs):
    """The key of ``inputs`` in ``_per_input_losses``/``_per_input_updates``.

    None (unconditional) for None or an empty list, as Keras 2.2.4's ``add_loss``.
    """
    if inputs is None or (isinstance(inputs, list) and not inputs):
        return None
    return object_list_uid(inputs)


def _is_tensor(x):
    """Whether ``x`` is a tensor of the active backend (symbolic or not), as Keras requires."""
    try:
        K.is_keras_tensor(x)
    except ValueError:
        return False
    return True


class Layer:
    """Base class of every layer.

    Subclasses implement ``build(input_shape)`` (create weights with
    :meth:`add_weight`), ``call(inputs, **kwargs)`` (the computation on
    symbolic tensors), ``compute_output_shape(input_shape)`` and
    ``get_config()``; masking layers also ``compute_mask``.

    Keyword arguments accepted by every layer:
        input_shape: shape without the batch axis (first layer of a model).
        batch_input_shape: shape with the batch axis.
        batch_size: fixed batch size used with ``input_shape``.
        dtype: dtype of the layer's weights and of the input it creates
            (default ``K.floatx()``).
        name: unique name (default ``<snake_case class name>_<n>``).
        trainable: whether its weights are trained (default True).
        weights: initial weight values, set when the layer is built.

    Attributes:
        trainable: settable at any time; a compiled model picks the change
            up at its next ``compile``.
        built: whether ``build`` ran.
        input_spec: :class:`InputSpec` (or list of them) checked on every call.
        supports_masking: whether masks pass through it.

    Raises:
        TypeError: an unknown keyword argument.
    """

    def __init__(self, **kwargs):
        self.input_spec = None
        self.supports_masking = False
        self.stateful = False

        self._trainable_weights = []
        self._non_trainable_weights = []
        self._losses = []
        self._updates = []
        self._per_input_losses = {}
        self._per_input_updates = {}
        self._built = False
        # Nodes: calls of this layer (inbound) and calls of layers on its outputs (outbound).
        self._inbound_nodes = []
        self._outbound_nodes = []

        for kwarg in kwargs:
            if kwarg not in _LAYER_KWARGS:
                raise TypeError(f"{type(self).__name__}: Keyword argument not understood: "
                                f"{kwarg!r}. "
                                f"Expected one of {sorted(_LAYER_KWARGS)} or the layer's own "
                                "arguments.")
        name = kwargs.get("name")
        if not name:
            prefix = type(self).__name__
            name = f"{to_snake_case(prefix)}_{K.get_uid(prefix)}"
        elif not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: Expected a string name. Received: "
                            f"name={name!r}")
        self.name = name
        self.trainable = kwargs.get("trainable", True)

        if "input_shape" in kwargs or "batch_input_shape" in kwargs:
            if "batch_input_shape" in kwargs:
                batch_input_shape = tuple(kwargs["batch_input_shape"])
            else:
                input_shape = kwargs["input_shape"]
                if isinstance(input_shape, (int, np.integer)):
                    input_shape = (input_shape,)
                batch_input_shape = (kwargs.get("batch_size"),) + tuple(input_shape)
            self.batch_input_shape = batch_input_shape

        self.dtype = kwargs.get("dtype") or kwargs.get("input_dtype") or K.floatx()
        # Keras 2.2.4 has a dtype (and writes it in the config) only for layers given an input
        # shape; polykeras also honours (and writes) a dtype given without one.
        self._dtype_in_config = (hasattr(self, "batch_input_shape") or
                                 bool(kwargs.get("dtype") or kwargs.get("input_dtype")))
        self._initial_weights = kwargs.get("weights")

    # -- weights -------------------------------------------------------------------
    @property
    def built(self):
        return self._built

    @built.setter
    def built(self, value):
        self._built = value

    @property
    def trainable_weights(self):
        """The weights trained by an optimizer ([] when the layer is not trainable)."""
        return list(self._trainable_weights) if self.trainable else []

    @trainable_weights.setter
    def trainable_weights(self, weights):
        self._trainable_weights = list(weights)

    @property
    def non_trainable_weights(self):
        """Weights not trained by gradients (all of them when the layer is not trainable)."""
        if self.trainable:
            return list(self._non_trainable_weights)
        return self._trainable_weights + self._non_trainable_weights

    @non_trainable_weights.setter
    def non_trainable_weights(self, weights):
        self._non_trainable_weights = list(weights)

    @property
    def weights(self):
        """``trainable_weights + non_trainable_weights``."""
        return self.trainable_weights + self.non_trainable_weights

    @interfaces.legacy_add_weight_support
    def add_weight(self, name, shape, dtype=None, initializer=None, regularizer=None,
                   trainable=True, constraint=None):
        """Create a weight variable of this layer.

        Args:
            name: the weight's name within the layer (the variable is named
                ``<layer name>/<name>``).
            shape: tuple of ints.
            dtype: default the layer's dtype.
            initializer: initializer or its name (default ``"glorot_uniform"``).
            regularizer: optional; its penalty is added to :attr:`losses`.
            trainable: whether optimizers update it.
            constraint: optional projection applied after optimizer updates.

        Returns:
            The variable.
        """
        initializer = initializers.get("glorot_uniform" if initializer is None else initializer)
        dtype = dtype or self.dtype or K.floatx()
        shape = tuple(int(d) for d in shape)
        weight = K.variable(initializer(shape, dtype=dtype), dtype=dtype,
                            name=f"{self.name}/{name}", constraint=constraint)
        if regularizer is not None:
            self.add_loss(regularizer(weight))
        if trainable:
            self._trainable_weights.append(weight)
        else:
            self._non_trainable_weights.append(weight)
        return weight

    def get_weights(self):
        """The current weight values, NumPy arrays in the order of :attr:`weights`."""
        return K.batch_get_value(self.weights)

    def set_weights(self, weights):
        """Set the weights from NumPy arrays (same number, order and shapes as :meth:`get_weights`).

        Everything is checked before anything is written, so a bad list
        leaves the layer unchanged.

        Raises:
            ValueError: a different number of arrays, or an array whose
                shape differs from its weight's.
        """
        params = self.weights
        weights = list(weights)
        if len(params) != len(weights):
            raise ValueError(
                f"set_weights: Layer {self.name!r} expects a list of {len(params)} weight arrays. "
                f"Received: a list of {len(weights)} arrays")
        pairs = []
        for i, (p, w) in enumerate(zip(params, weights)):
            expected = tuple(K.int_shape(p))
            received = tuple(np.shape(w))
            if expected != received:
                raise ValueError(
                    f"set_weights: Layer {self.name!r} expects weight {i} ({p.name!r}) of shape "
                    f"{expected}. Received: an array of shape {received}")
            pairs.append((p, w))
        if pairs:
            K.batch_set_value(pairs)

    def count_params(self):
        """The number of scalars in the layer's weights.

        Raises:
            RuntimeError: the layer is not built yet.
        """
        if not self.built:
            if type(self).build is Layer.build:
                self.build(None)  # weightless layer: building needs no shape
            else:
                raise RuntimeError(
                    f"count_params: Layer {self.name!r} is not built yet, so its weights do not "
                    "exist. Call it on an input (or build it) first.")
        from ..utils.layer_utils import count_params
        return count_params(self.weights)

    # -- losses and updates ----------------------------------------------------------
    @property
    def losses(self):
        """Scalar loss tensors added by this layer (weight and activity regularization)."""
        return list(self._losses)

    @property
    def updates(self):
        """Update ops this layer runs at each training step (none when frozen and stateless)."""
        if not self.trainable and not self.stateful:
            return []
        return list(self._updates)

    def add_loss(self, losses, inputs=None):
        """Add loss tensors (possibly depending on ``inputs``) to this layer.

        Args:
            losses: a tensor or a list of tensors (None is ignored).
            inputs: the input tensors the losses depend on, or None for
                unconditional losses (weight regularization).
        """
        if losses is None or (isinstance(losses, list) and not losses):
            return
        losses = to_list(losses)
        self._losses += losses
        uid = _inputs_key(inputs)
        self._per_input_losses.setdefault(uid, [])
        self._per_input_losses[uid] += losses

    def add_update(self, updates, inputs=None):
        """Add update ops (``K.update*``, ``K.moving_average_update``) to this layer.

        Args:
            updates: an update or a list of updates.
            inputs: the input tensors they depend on, or None.
        """
        if updates is None or (isinstance(updates, list) and not updates):
            return
        updates = to_list(updates)
        self._updates += updates
        uid = _inputs_key(inputs)
        self._per_input_updates.setdefault(uid, [])
        self._per_input_updates[uid] += updates

    def get_updates_for(self, inputs):
        """The updates that depend on ``inputs`` (``None``: the unconditional ones)."""
        if not self.trainable and not self.stateful:
            return []
        uid = object_list_uid(inputs) if inputs is not None else None
        return list(self._per_input_updates.get(uid, []))

    def get_losses_for(self, inputs):
        """The losses that depend on ``inputs`` (``None``: the unconditional ones)."""
        uid = object_list_uid(inputs) if inputs is not None else None
        return list(self._per_input_losses.get(uid, []))

    # -- the call -------------------------------------------------------------------------
    def build(self, input_shape):
        """Create the layer's weights for inputs of ``input_shape``; the default creates none."""
        self.built = True

    def call(self, inputs, **kwargs):
        """The layer's computation on symbolic ``inputs``; the default is the identity."""
        return inputs

    def compute_output_shape(self, input_shape):
        """The output shape for ``input_shape``; the default keeps it."""
        return input_shape

    def compute_mask(self, inputs, mask=None):
        """The output mask; the default passes ``mask`` through when masking is supported.

        Raises:
            TypeError: a mask reaches a layer that does not support masking.
        """
        if not self.supports_masking:
            if any(m is not None for m in to_list(mask)):
                raise TypeError(f"Layer {self.name!r} ({type(self).__name__}) does not support "
                                f"masking, but was passed an input mask: {mask}")
            return None
        return mask

    def __call__(self, inputs, **kwargs):
        """Call the layer on symbolic tensor(s): build it if needed, run :meth:`call`, record a
        Node.

        Returns:
            The output tensor(s), with ``_keras_shape``, ``_keras_history``
            and ``_uses_learning_phase`` set.

        Raises:
            ValueError: an input that is not a symbolic tensor, or inputs
                incompatible with the layer's ``input_spec``.
        """
        if isinstance(inputs, list):
            inputs = inputs[:]
        self.assert_input_compatibility(inputs)
        if not self.built:
            input_shapes = []
            for x in to_list(inputs):
                shape = getattr(x, "_keras_shape", None)
                input_shapes.append(shape if shape is not None else K.int_shape(x))
            self.build(unpack_singleton(input_shapes))
            self.built = True
            if self._initial_weights is not None:
                self.set_weights(self._initial_weights)
                self._initial_weights = None
            self.assert_input_compatibility(inputs)  # build may have refined input_spec

        with K.name_scope(self.name):
            user_kwargs = dict(kwargs)
            previous_mask = collect_previous_mask(inputs)
            if (not is_all_none(previous_mask) and "mask" not in kwargs
                    and has_arg(self.call, "mask")):
                kwargs["mask"] = previous_mask
            input_shape = collect_input_shape(inputs)
            output = self.call(inputs, **kwargs)
            output_mask = self.compute_mask(inputs, previous_mask)

            # A layer returning one of its inputs unchanged must still give a new tensor,
            # else that tensor would get two histories.
            input_ids = {id(x) for x in to_list(inputs)}
            output_list = [K.identity(x) if id(x) in input_ids else x for x in to_list(output)]
            output = unpack_singleton(output_list) if not isinstance(output, list) else output_list

            if all(s is not None for s in to_list(input_shape)):
                output_shape = self.compute_output_shape(input_shape)
            elif isinstance(input_shape, list):
                output_shape = [None] * len(input_shape)
            else:
                output_shape = None
            if not isinstance(output_mask, (list, tuple)) and len(output_list) > 1:
                output_mask = [output_mask] * len(output_list)

            self._add_inbound_node(input_tensors=inputs, output_tensors=output,
                                   input_masks=previous_mask, output_masks=output_mask,
                                   input_shapes=input_shape, output_shapes=output_shape,
                                   arguments=user_kwargs)

            regularizer = getattr(self, "activity_regularizer", None)
            if regularizer is not None:
                penalties = [regularizer(x) for x in to_list(output)]
                self.add_loss(penalties, inputs=to_list(inputs))
        return output

    def _add_inbound_node(self, input_tensors, output_tensors, input_masks, output_masks,
                          input_shapes, output_shapes, arguments=None):
        input_tensors = to_list(input_tensors)
        output_tensors = to_list(output_tensors)
        input_masks = to_list(input_masks)
        output_masks = to_list(output_masks)
        input_shapes = to_list(input_shapes)
        output_shapes = to_list(output_shapes)

        # A tensor made outside any layer (a raw placeholder) has no history: None entries.
        inbound_layers, node_indices, tensor_indices = [], [], []
        for x in input_tensors:
            layer, node_index, tensor_index = getattr(x, "_keras_history", (None, None, None))
            inbound_layers.append(layer)
            node_indices.append(node_index)
            tensor_indices.append(tensor_index)

        Node(self, inbound_layers=inbound_layers, node_indices=node_indices,
             tensor_indices=tensor_indices, input_tensors=input_tensors,
             output_tensors=output_tensors, input_masks=input_masks, output_masks=output_masks,
             input_shapes=input_shapes, output_shapes=output_shapes, arguments=arguments)

        uses_learning_phase = any(getattr(x, "_uses_learning_phase", False) for x in input_tensors)
        node_index = len(self._inbound_nodes) - 1
        for i, x in enumerate(output_tensors):
            if output_shapes[i] is not None:
                x._keras_shape = tuple(output_shapes[i])
            x._uses_learning_phase = getattr(x, "_uses_learning_phase",
                                             False) or uses_learning_phase
            x._keras_history = (self, node_index, i)

    def assert_input_compatibility(self, inputs):
        """Check ``inputs`` against :attr:`input_spec`.

        Raises:
            ValueError: naming the layer, what it expects and what it received.
        """
        inputs = to_list(inputs)
        for x in inputs:
            if not _is_tensor(x):
                raise ValueError(
                    f"Layer {self.name!r} was called with an input that is not a symbolic tensor "
                    f"(use keras Input() or the output of another layer). Received: type "
                    f"{type(x).__name__}: {str(x)[:100]}")
        if not self.input_spec:
            return
        specs = to_list(self.input_spec)
        if len(inputs) != len(specs):
            raise ValueError(f"Layer {self.name!r} expects {len(specs)} input(s). Received: "
                             f"{len(inputs)} input tensors: {inputs}")
        for index, (x, spec) in enumerate(zip(inputs, specs)):
            if spec is None:
                continue
            shape = getattr(x, "_keras_shape", None)
            if shape is None:
                shape = K.int_shape(x)
            where = f"Input {index} of layer {self.name!r} ({type(self).__name__})"
            if shape is None:
                continue
            ndim = len(shape)
            if spec.ndim is not None and ndim != spec.ndim:
                raise ValueError(f"{where} is incompatible with the layer: expected "
                                 f"ndim={spec.ndim}. "
                                 f"Received: ndim={ndim} (shape {shape})")
            if spec.max_ndim is not None and ndim > spec.max_ndim:
                raise ValueError(f"{where} is incompatible with the layer: expected "
                                 f"max_ndim={spec.max_ndim}. Received: ndim={ndim} (shape {shape})")
            if spec.min_ndim is not None and ndim < spec.min_ndim:
                raise ValueError(f"{where} is incompatible with the layer: expected "
                                 f"min_ndim={spec.min_ndim}. Received: ndim={ndim} (shape {shape})")
            if spec.dtype is not None and K.dtype(x) != spec.dtype:
                raise ValueError(f"{where} is incompatible with the layer: expected "
                                 f"dtype={spec.dtype}. Received: dtype={K.dtype(x)}")
            for axis, value in spec.axes.items():
                if value is None:
                    continue
                if not -ndim <= axis < ndim or shape[axis] not in (value, None):
                    raise ValueError(
                        f"{where} is incompatible with the layer: expected axis {axis} of the "
                        f"input shape to have value {value}. Received: shape {shape}")
            if spec.shape is not None:
                for spec_dim, dim in zip(spec.shape, shape):
                    if spec_dim is not None and dim is not None and spec_dim != dim:
                        raise ValueError(f"{where} is incompatible with the layer: expected "
                                         f"shape={spec.shape}. Received: shape {shape}")

    # -- config ---------------------------------------------------------------------
    def get_config(self):
        """The layer's constructor arguments as a JSON-able dict (``from_config`` inverts it)."""
        config = {"name": self.name, "trainable": self.trainable}
        if hasattr(self, "batch_input_shape"):
            config["batch_input_shape"] = self.batch_input_shape
        if hasattr(self, "dtype") and getattr(self, "_dtype_in_config", True):
            config["dtype"] = self.dtype
        return config

    @classmethod
    def from_config(cls, config):
        """A new layer from :meth:`get_config`'s output."""
        return cls(**config)

    # -- the tensors and shapes of past calls -------------------------------------------
    def _node_attribute(self, node_index, attr, attr_name):
        if not self._inbound_nodes:
            raise RuntimeError(f"Layer {self.name!r} is not connected: it has never been called, "
                               f"so it has no {attr_name}.")
        if not -len(self._inbound_nodes) <= node_index < len(self._inbound_nodes):
            raise ValueError(f"Layer {self.name!r}: asked for the {attr_name} of node "
                             f"{node_index}, "
                             f"but the layer has only {len(self._inbound_nodes)} inbound nodes.")
        return unpack_singleton(getattr(self._inbound_nodes[node_index], attr))

    def get_input_at(self, node_index):
        """The input tensor(s) of call ``node_index``."""
        return self._node_attribute(node_index, "input_tensors", "input")

    def get_output_at(self, node_index):
        """The output tensor(s) of call ``node_index``."""
        return self._node_attribute(node_index, "output_tensors", "output")

    def get_input_shape_at(self, node_index):
        return self._node_attribute(node_index, "input_shapes", "input shape")

    def get_output_shape_at(self, node_index):
        return self._node_attribute(node_index, "output_shapes", "output shape")

    def get_input_mask_at(self, node_index):
        return self._node_attribute(node_index, "input_masks", "input mask")

    def get_output_mask_at(self, node_index):
        return self._node_attribute(node_index, "output_masks", "output mask")

    def _single_node_attribute(self, attr, attr_name):
        if len(self._inbound_nodes) > 1:
            raise AttributeError(
                f"Layer {self.name!r} has multiple inbound nodes, so its {attr_name} is "
                f"ill-defined. Use get_{attr_name.replace(' ', '_')}_at(node_index) instead.")
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name!r} is not connected: it has never been called, "
                                 f"so it has no {attr_name}.")
        return self._node_attribute(0, attr, attr_name)

    @property
    def input(self):
        return self._single_node_attribute("input_tensors", "input")

    @property
    def output(self):
        return self._single_node_attribute("output_tensors", "output")

    @property
    def input_mask(self):
        return self._single_node_attribute("input_masks", "input mask")

    @property
    def output_mask(self):
        return self._single_node_attribute("output_masks", "output mask")

    def _shape_over_nodes(self, attr, attr_name):
        if not self._inbound_nodes:
            raise AttributeError(f"The layer {self.name!r} has never been called and thus has no "
                                 f"defined {attr_name}.")
        shapes = {str(getattr(node, attr)) for node in self._inbound_nodes}
        if len(shapes) == 1:
            return unpack_singleton(getattr(self._inbound_nodes[0], attr))
        raise AttributeError(
            f"The layer {self.name!r} has multiple inbound nodes with different {attr_name}s, so "
            f"its {attr_name} is ill-defined. Use "
            f"get_{attr_name.replace(' ', '_')}_at(node_index).")

    @property
    def input_shape(self):
        """The input shape (the same for every call), with None for the batch axis."""
        return self._shape_over_nodes("input_shapes", "input shape")

    @property
    def output_shape(self):
        """The output shape (the same for every call), with None for the batch axis."""
        return self._shape_over_nodes("output_shapes", "output shape")

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}>"


def copy_layer_kwargs(kwargs):
    """A shallow copy of layer kwargs, translating Keras's ``input_dim`` to ``input_shape``."""
    kwargs = copy.copy(kwargs)
    if "input_shape" not in kwargs and "input_dim" in kwargs:
        kwargs["input_shape"] = (kwargs.pop("input_dim"),)
    return kwargs
