"""Layers wrapping another layer (Keras 2.2's ``keras.layers.wrappers``): :class:`Wrapper`,
:class:`TimeDistributed` and :class:`Bidirectional`, written on the ``K`` API only."""

from __future__ import annotations

import copy

from .. import backend as K
from ..engine.base_layer import InputSpec, Layer
from ..utils.generic_utils import has_arg, object_list_uid, to_list
from . import recurrent


class Wrapper(Layer):
    """Base class of the layers that wrap another layer (``self.layer``).

    The wrapper's weights, losses, updates and trainability are the wrapped
    layer's; ``get_config`` holds the wrapped layer's class and config under
    ``"layer"``.

    Raises:
        TypeError: ``layer`` is not a Layer.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise TypeError(f"{type(self).__name__}: Expected a Layer instance to wrap. "
                            f"Received: {layer!r}")
        self.layer = layer
        # Inputs of the wrapper -> the tensors the wrapped layer was called on (reshaped
        # ones in TimeDistributed), to find the wrapped layer's per-input updates.
        self._input_map = {}
        kwargs.setdefault("trainable", layer.trainable)  # a frozen layer stays frozen
        super().__init__(**kwargs)

    def build(self, input_shape=None):
        self.built = True

    @property
    def activity_regularizer(self):
        return getattr(self.layer, "activity_regularizer", None)

    @activity_regularizer.setter
    def activity_regularizer(self, value):
        self.layer.activity_regularizer = value

    @property
    def trainable(self):
        return self.layer.trainable

    @trainable.setter
    def trainable(self, value):
        self.layer.trainable = value

    @property
    def trainable_weights(self):
        return self.layer.trainable_weights

    @trainable_weights.setter
    def trainable_weights(self, weights):
        self._trainable_weights = list(weights)

    @property
    def non_trainable_weights(self):
        return self.layer.non_trainable_weights

    @non_trainable_weights.setter
    def non_trainable_weights(self, weights):
        self._non_trainable_weights = list(weights)

    @property
    def updates(self):
        return self.layer.updates + super().updates

    def get_updates_for(self, inputs=None):
        inner_inputs = inputs
        if inputs is not None:
            inner_inputs = self._input_map.get(object_list_uid(inputs), inputs)
        return self.layer.get_updates_for(inner_inputs) + super().get_updates_for(inputs)

    @property
    def losses(self):
        return self.layer.losses + super().losses

    def get_losses_for(self, inputs=None):
        if inputs is None:
            return self.layer.get_losses_for(None) + super().get_losses_for(None)
        return super().get_losses_for(inputs)

    def get_weights(self):
        return self.layer.get_weights()

    def set_weights(self, weights):
        self.layer.set_weights(weights)

    def get_config(self):
        config = {"layer": {"class_name": type(self.layer).__name__,
                            "config": self.layer.get_config()}}
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize as deserialize_layer
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)


class TimeDistributed(Wrapper):
    """Apply a layer to every time step of a sequence: ``(batch, time, ...) -> (batch, time, ...)``.

    ``TimeDistributed(Dense(8))`` on ``(batch, 10, 16)`` gives ``(batch, 10, 8)``
    with one Dense shared by all steps. The layer runs step by step
    (``K.rnn``, a compiled loop on JAX), as Keras 2.2.4 does with a fixed batch
    size; the input mask passes through unchanged.

    Raises:
        ValueError: an input of rank < 3.
    """

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _check_input_shape(self, input_shape):
        if input_shape is None or len(input_shape) < 3:
            raise ValueError(f"TimeDistributed: Layer {self.name!r} expects an input of rank >= 3 "
                             f"(batch, time, ...). Received: input shape {input_shape}")

    def build(self, input_shape):
        self._check_input_shape(input_shape)
        self.input_spec = InputSpec(shape=(None,) + tuple(input_shape[1:]))
        child_input_shape = (input_shape[0],) + tuple(input_shape[2:])
        if not self.layer.built:
            self.layer.build(child_input_shape)
            self.layer.built = True
        super().build()

    def compute_output_shape(self, input_shape):
        self._check_input_shape(input_shape)
        child_output_shape = self.layer.compute_output_shape(
            (input_shape[0],) + tuple(input_shape[2:]))
        return (child_output_shape[0], input_shape[1]) + tuple(child_output_shape[1:])

    def call(self, inputs, training=None, mask=None):
        kwargs = {}
        if has_arg(self.layer.call, "training"):
            kwargs["training"] = training
        uses_learning_phase = False

        def step(x, _):
            nonlocal uses_learning_phase
            output = self.layer.call(x, **kwargs)
            uses_learning_phase |= bool(getattr(output, "_uses_learning_phase", False))
            return output, []
        _, y, _ = K.rnn(step, inputs, initial_states=[], input_length=K.int_shape(inputs)[1])
        if uses_learning_phase:
            y._uses_learning_phase = True
        return y

    def compute_mask(self, inputs, mask=None):
        return mask


_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


class Bidirectional(Wrapper):
    """Run a recurrent layer forwards and backwards over the sequence and merge the two.

    Args:
        layer: a recurrent layer (:class:`~.recurrent.RNN` or subclass); a
            copy of it runs backwards (``go_backwards`` inverted, its own
            weights).
        merge_mode: ``"concat"`` (default), ``"sum"``, ``"mul"``, ``"ave"`` or
            None (a list ``[forward, backward]``). With ``return_sequences``
            the backward sequence is put back in time order before merging.
        weights: initial weights, the forward layer's then the backward's.

    With ``return_state`` the output is followed by the forward layer's
    final states, then the backward layer's; ``initial_state`` takes them in
    the same order.

    Raises:
        ValueError: a layer that is not recurrent, an unknown ``merge_mode``,
            an odd number of initial states.
    """

    def __init__(self, layer, merge_mode="concat", weights=None, **kwargs):
        if not isinstance(layer, recurrent.RNN):
            raise ValueError(f"Bidirectional: Expected a recurrent layer to wrap (an RNN such as "
                             f"LSTM, GRU or SimpleRNN, with `go_backwards`). Received: "
                             f"{type(layer).__name__} {getattr(layer, 'name', '')!r}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Bidirectional: Expected merge_mode to be one of {_MERGE_MODES}. "
                             f"Received: merge_mode={merge_mode!r}")
        # The forward layer shares the wrapped layer's cell (its weights, as in Keras); the
        # backward layer is a new layer from the config with go_backwards inverted.
        self.forward_layer = _fresh_copy(layer)
        config = layer.get_config()
        config["go_backwards"] = not config["go_backwards"]
        self.backward_layer = type(layer).from_config(config)
        # A layer already named forward_* (a tf.keras/Keras 3 config stores the forward layer)
        # keeps one prefix, as Keras 3 does.
        base = layer.name[len("forward_"):] if layer.name.startswith("forward_") else layer.name
        self.forward_layer.name = "forward_" + base
        self.backward_layer.name = "backward_" + base
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self._trainable = True
        super().__init__(layer, **kwargs)
        if weights:
            self._initial_weights = list(weights)
        self.stateful = layer.stateful
        self.supports_masking = True
        self.input_spec = layer.input_spec
        self._num_constants = None

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = value
        self.forward_layer.trainable = value
        self.backward_layer.trainable = value

    def get_weights(self):
        return self.forward_layer.get_weights() + self.backward_layer.get_weights()

    def set_weights(self, weights):
        weights = list(weights)
        n_forward = len(self.forward_layer.weights)
        if len(weights) != n_forward + len(self.backward_layer.weights):
            raise ValueError(f"set_weights: Layer {self.name!r} expects a list of "
                             f"{n_forward + len(self.backward_layer.weights)} weight arrays "
                             f"(forward then backward). Received: a list of {len(weights)} arrays")
        self.forward_layer.set_weights(weights[:n_forward])
        self.backward_layer.set_weights(weights[n_forward:])

    @property
    def trainable_weights(self):
        return self.forward_layer.trainable_weights + self.backward_layer.trainable_weights

    @trainable_weights.setter
    def trainable_weights(self, weights):
        self._trainable_weights = list(weights)

    @property
    def non_trainable_weights(self):
        return self.forward_layer.non_trainable_weights + self.backward_layer.non_trainable_weights

    @non_trainable_weights.setter
    def non_trainable_weights(self, weights):
        self._non_trainable_weights = list(weights)

    @property
    def updates(self):
        return self.forward_layer.updates + self.backward_layer.updates

    def get_updates_for(self, inputs=None):
        # The inner layers were called on the sequence alone (the first input).
        inner = None if inputs is None else to_list(inputs)[0]
        return (self.forward_layer.get_updates_for(inner)
                + self.backward_layer.get_updates_for(inner)
                + Layer.get_updates_for(self, inputs))

    @property
    def losses(self):
        return self.forward_layer.losses + self.backward_layer.losses + Layer.losses.fget(self)

    def get_losses_for(self, inputs=None):
        return (self.forward_layer.get_losses_for(inputs)
                + self.backward_layer.get_losses_for(inputs)
                + Layer.get_losses_for(self, inputs))

    def compute_output_shape(self, input_shape):
        output_shape = self.forward_layer.compute_output_shape(input_shape)
        state_shape = []
        if self.return_state:
            state_shape = list(output_shape[1:])
            output_shape = output_shape[0]
        if self.merge_mode == "concat":
            output_shape = tuple(output_shape[:-1]) + (output_shape[-1] * 2,)
        elif self.merge_mode is None:
            output_shape = [output_shape, copy.copy(output_shape)]
        if self.return_state:
            if self.merge_mode is None:
                return output_shape + state_shape + copy.copy(state_shape)
            return [output_shape] + state_shape + copy.copy(state_shape)
        return output_shape

    def __call__(self, inputs, initial_state=None, constants=None, **kwargs):
        inputs, initial_state, constants = recurrent._standardize_args(
            inputs, initial_state, constants, self._num_constants)
        if initial_state is None and constants is None:
            return super().__call__(inputs, **kwargs)
        additional_inputs, additional_specs = [], []
        if initial_state is not None:
            if len(initial_state) % 2:
                raise ValueError(f"Bidirectional: Layer {self.name!r} expects initial_state as "
                                 "the list of the forward layer's states followed by the "
                                 f"backward layer's (an even number). Received: "
                                 f"{len(initial_state)} states")
            half = len(initial_state) // 2
            shapes = [recurrent._static_shape(s) for s in initial_state]
            self.forward_layer._check_state_shapes(shapes[:half], "forward initial states")
            self.backward_layer._check_state_shapes(shapes[half:], "backward initial states")
            specs = [InputSpec(shape=s) for s in shapes]
            self.forward_layer.state_spec = specs[:half]
            self.backward_layer.state_spec = specs[half:]
            additional_inputs += initial_state
            additional_specs += specs
        if constants is not None:
            specs = [InputSpec(shape=recurrent._static_shape(c)) for c in constants]
            self.forward_layer.constants_spec = self.backward_layer.constants_spec = specs
            self._num_constants = len(constants)
            self.forward_layer._num_constants = self.backward_layer._num_constants = \
                self._num_constants
            additional_inputs += constants
            additional_specs += specs
        keras_tensors = [recurrent._is_keras_tensor(t) for t in additional_inputs]
        if any(keras_tensors) and not all(keras_tensors):
            raise ValueError(f"Bidirectional: The initial states and constants of layer "
                             f"{self.name!r} cannot mix Keras tensors (made by a layer or by "
                             "Input) and other tensors.")
        if all(keras_tensors):
            original_spec = self.input_spec
            self.input_spec = list(to_list(original_spec)) + additional_specs
            try:
                return super().__call__([inputs] + additional_inputs, **kwargs)
            finally:
                self.input_spec = original_spec
        if initial_state is not None:
            kwargs["initial_state"] = initial_state
        if constants is not None:
            kwargs["constants"] = constants
        return super().__call__(inputs, **kwargs)

    def call(self, inputs, mask=None, training=None, initial_state=None, constants=None):
        if isinstance(inputs, list):
            n_constants = self._num_constants or 0
            if n_constants:
                constants = inputs[len(inputs) - n_constants:]
                inputs = inputs[:len(inputs) - n_constants]
            initial_state = inputs[1:] or initial_state
            inputs = inputs[0]
        if isinstance(mask, list):
            mask = mask[0]
        kwargs = {}
        if has_arg(self.layer.call, "training"):
            kwargs["training"] = training
        if has_arg(self.layer.call, "mask"):
            kwargs["mask"] = mask
        if constants is not None:
            kwargs["constants"] = constants
        forward_kwargs, backward_kwargs = dict(kwargs), dict(kwargs)
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_kwargs["initial_state"] = list(initial_state[:half])
            backward_kwargs["initial_state"] = list(initial_state[half:])
        y = self.forward_layer.call(inputs, **forward_kwargs)
        y_rev = self.backward_layer.call(inputs, **backward_kwargs)

        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = K.reverse(y_rev, 1)
        if self.merge_mode == "concat":
            output = K.concatenate([y, y_rev])
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = [y, y_rev]

        if getattr(y, "_uses_learning_phase", False) or getattr(y_rev, "_uses_learning_phase",
                                                                False):
            for tensor in to_list(output):
                tensor._uses_learning_phase = True
        if self.return_state:
            return to_list(output) + states
        return output

    def reset_states(self):
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def build(self, input_shape):
        with K.name_scope(self.forward_layer.name):
            self.forward_layer.build(input_shape)
        with K.name_scope(self.backward_layer.name):
            self.backward_layer.build(input_shape)
        self.built = True

    def compute_mask(self, inputs, mask):
        if isinstance(mask, list):
            mask = mask[0]
        if self.return_sequences:
            output_mask = mask if self.merge_mode else [mask, mask]
        else:
            output_mask = None if self.merge_mode else [None, None]
        if self.return_state:
            state_mask = [None] * (2 * len(self.forward_layer.states))
            return (output_mask if isinstance(output_mask, list) else [output_mask]) + state_mask
        return output_mask

    def get_config(self):
        config = {"merge_mode": self.merge_mode}
        if self._num_constants is not None:
            config["num_constants"] = self._num_constants
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize as deserialize_layer
        config = dict(config)
        rnn_layer = deserialize_layer(config.pop("layer"), custom_objects=custom_objects)
        num_constants = config.pop("num_constants", None)
        layer = cls(rnn_layer, **config)
        layer._num_constants = num_constants
        return layer


def _fresh_copy(layer):
    """A shallow copy of ``layer`` sharing its cell (weights) but none of its call history."""
    clone = copy.copy(layer)
    clone._inbound_nodes = []
    clone._outbound_nodes = []
    clone._updates = []
    clone._losses = []
    clone._per_input_updates = {}
    clone._per_input_losses = {}
    clone.input_spec = copy.copy(layer.input_spec)
    return clone


__all__ = ["Wrapper", "TimeDistributed", "Bidirectional"]
