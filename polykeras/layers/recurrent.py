"""Recurrent layers (Keras 2.2's ``keras.layers.recurrent``), written on the ``K`` API only.

A recurrent layer is :class:`RNN` driving a *cell* over the time axis with
``K.rnn``: the cell computes one step, ``cell.call(x_t, states) -> (y_t,
new_states)``, and says how many states it carries (``state_size``).
:class:`SimpleRNN`, :class:`GRU` and :class:`LSTM` are an RNN around their
cell, with the cell's arguments flattened into their own (as in Keras 2.2.4,
including ``get_config``).

Weight layouts are Keras 2.2.4's: ``kernel (input_dim, n * units)``,
``recurrent_kernel (units, n * units)``, ``bias (n * units,)`` with the gates
side by side, LSTM ``i, f, c, o`` and GRU ``z, r, h`` (GRU with
``reset_after=True``: ``bias (2, 3 * units)``, input bias then recurrent bias).

Dropout masks are drawn once per call, outside the time loop, and shared by
every step (Gal and Ghahramani's variational dropout, as Keras's cells do).

An LSTM or GRU whose cell computes what the backend's fused kernels compute
(``tanh``, ``recurrent_activation="sigmoid"``, no dropout) runs the whole
sequence with ``K.fused_lstm``/``K.fused_gru`` (the same function, equal to
the ``K.rnn`` path within float32 tolerance); any other runs ``K.rnn`` with
the cell's step.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import activations, constraints, initializers, regularizers
from .. import backend as K
from ..engine.base_layer import InputSpec, Layer
from ..legacy import interfaces
from ..utils.generic_utils import has_arg, to_list


def _check_units(units, owner):
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
        raise ValueError(f"{owner}: Expected units to be a positive integer. "
                         f"Received: units={units!r}")
    return int(units)


def _check_implementation(implementation, owner):
    if implementation not in (0, 1, 2) or isinstance(implementation, bool):
        raise ValueError(f"{owner}: Expected implementation to be one of {{0, 1, 2}}. "
                         f"Received: implementation={implementation!r}")
    return int(implementation)


def _state_sizes(cell):
    """``cell.state_size`` as a list of ints (one per state)."""
    size = cell.state_size
    return list(size) if hasattr(size, "__len__") else [size]


def _generate_dropout_mask(ones, rate, training=None, count=1):
    """``count`` dropout masks shaped like ``ones`` (scaled by ``1 / (1 - rate)``) in training,
    ``ones`` in test mode."""
    def dropped_inputs():
        return K.dropout(ones, rate)
    return [K.in_train_phase(dropped_inputs, ones, training=training) for _ in range(count)]


def _standardize_args(inputs, initial_state, constants, num_constants):
    """Split ``__call__``'s arguments into ``(inputs, initial_state, constants)``.

    A model loaded from a config calls the layer on one list ``[inputs, *states,
    *constants]`` (the last ``num_constants`` entries are constants); the
    keyword arguments come back as lists (or None).
    """
    if isinstance(inputs, (list, tuple)):
        inputs = list(inputs)
        if initial_state is not None or constants is not None:
            raise ValueError("RNN: Expected initial_state and constants either in the list of "
                             "inputs or as keyword arguments, not both.")
        if num_constants:
            constants = inputs[-num_constants:]
            inputs = inputs[:-num_constants]
        if len(inputs) > 1:
            initial_state = inputs[1:]
        inputs = inputs[0]

    def to_list_or_none(x):
        if x is None or isinstance(x, list):
            return x
        if isinstance(x, tuple):
            return list(x)
        return [x]
    return inputs, to_list_or_none(initial_state), to_list_or_none(constants)


def _prepare_dropout_masks(cell, inputs_like, states, training):
    """Draw the dropout masks of ``cell`` (and of the cells it stacks) now, outside the time
    loop, from tensors shaped like a step's input and states. Returns whether a mask depends
    on the learning phase."""
    if isinstance(cell, StackedRNNCells):
        uses_learning_phase = False
        for sub_cell, sub_states in zip(cell.cells, cell._split_states(states)):
            uses_learning_phase |= _prepare_dropout_masks(sub_cell, inputs_like, sub_states,
                                                          training)
            inputs_like = sub_states[0]  # the next cell's input is this one's output
        return uses_learning_phase
    prepare = getattr(cell, "_prepare_dropout_masks", None)
    return bool(prepare(inputs_like, states, training)) if prepare is not None else False


def _reset_dropout_masks(cell):
    for sub_cell in getattr(cell, "cells", [cell]):
        if hasattr(sub_cell, "reset_dropout_masks"):
            sub_cell.reset_dropout_masks()


def _build_cell(cell, input_shape, owner):
    """Build ``cell`` with its weights named after the layer that owns it (``lstm_1/kernel``),
    as Keras's name scopes did; the cells of a stack keep their own names."""
    if isinstance(cell, StackedRNNCells):
        cell.build(input_shape)
        return
    own_name = cell.name
    cell.name = owner.name
    try:
        cell.build(input_shape)
    finally:
        cell.name = own_name
    cell.built = True


def _fused_cell(cell, cell_class):
    """Whether ``cell`` is a ``cell_class`` computing what ``K.fused_lstm``/``K.fused_gru``
    compute: ``tanh`` activation, ``sigmoid`` gates, no dropout (constraints act after
    optimizer updates, not in the recurrence)."""
    return (type(cell) is cell_class and cell.built
            and cell.activation is activations.tanh
            and cell.recurrent_activation is activations.sigmoid
            and not 0 < cell.dropout < 1 and not 0 < cell.recurrent_dropout < 1)


class StackedRNNCells(Layer):
    """Several cells acting as one: each step runs them in order, each feeding the next.

    ``RNN([LSTMCell(32), LSTMCell(32)])`` builds one of these. As in Keras
    2.2.4, the states are one flat list in *reverse* order of the cells
    (``[h2, c2, h1, c1]`` for two LSTM cells), so that ``state_size[0]`` is
    the output size.

    Raises:
        ValueError: a cell without a ``call`` method or a ``state_size``.
    """

    def __init__(self, cells, **kwargs):
        cells = list(cells)
        for cell in cells:
            if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
                raise ValueError("StackedRNNCells: Expected cells with a `call` method and a "
                                 f"`state_size` attribute. Received: {cell!r}")
        self.cells = cells
        super().__init__(**kwargs)

    @property
    def state_size(self):
        sizes = []
        for cell in self.cells[::-1]:
            sizes += _state_sizes(cell)
        return tuple(sizes)

    def _split_states(self, states):
        """The flat (reversed) list of states as one list per cell, in cell order."""
        states = list(states)
        nested = []
        for cell in self.cells[::-1]:
            n = len(_state_sizes(cell))
            nested.append(states[:n])
            states = states[n:]
        return nested[::-1]

    def call(self, inputs, states, constants=None, **kwargs):
        new_nested = []
        for cell, cell_states in zip(self.cells, self._split_states(states)):
            if has_arg(cell.call, "constants"):
                inputs, cell_states = cell.call(inputs, cell_states, constants=constants, **kwargs)
            else:
                inputs, cell_states = cell.call(inputs, cell_states, **kwargs)
            new_nested.append(list(cell_states))
        new_states = []
        for cell_states in new_nested[::-1]:
            new_states += cell_states
        return inputs, new_states

    def build(self, input_shape):
        constants_shape = []
        if isinstance(input_shape, list):
            constants_shape = input_shape[1:]
            input_shape = input_shape[0]
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                if has_arg(cell.call, "constants"):
                    cell.build([input_shape] + constants_shape)
                else:
                    cell.build(input_shape)
                cell.built = True
            input_shape = (input_shape[0], _state_sizes(cell)[0])
        self.built = True

    def get_config(self):
        cells = [{"class_name": type(cell).__name__, "config": cell.get_config()}
                 for cell in self.cells]
        return {**super().get_config(), "cells": cells}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize as deserialize_layer
        config = dict(config)
        cells = [deserialize_layer(c, custom_objects=custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        weights = []
        for cell in self.cells:
            if isinstance(cell, Layer):
                weights += cell.trainable_weights
        return weights

    @property
    def non_trainable_weights(self):
        weights = []
        for cell in self.cells:
            if isinstance(cell, Layer):
                weights += cell.non_trainable_weights
        if not self.trainable:
            trainable = []
            for cell in self.cells:
                if isinstance(cell, Layer):
                    trainable += cell.trainable_weights
            return trainable + weights
        return weights

    @property
    def losses(self):
        losses = []
        for cell in self.cells:
            if isinstance(cell, Layer):
                losses += cell.losses
        return losses

    def get_losses_for(self, inputs=None):
        losses = []
        for cell in self.cells:
            if isinstance(cell, Layer):
                losses += cell.get_losses_for(inputs)
        return losses


class RNN(Layer):
    """Base class of the recurrent layers: runs ``cell`` over the time axis of its input.

    Input ``(batch, timesteps, features)``; output ``(batch, units)`` (the
    last step), or ``(batch, timesteps, units)`` with ``return_sequences``;
    with ``return_state`` a list ``[output, *final_states]``.

    Args:
        cell: an object with ``call(inputs_t, states) -> (output_t, new_states)``
            (optionally taking ``training`` and ``constants`` keyword
            arguments) and ``state_size`` (an int or one int per state); a
            list of cells is stacked (:class:`StackedRNNCells`).
        return_sequences: return every step's output instead of the last one.
        return_state: also return the final states.
        go_backwards: process the sequence from the end; the output sequence
            is then in processing order (reversed).
        stateful: the final states of a batch are the initial states of the
            next one (sample ``i`` continues sample ``i``). Needs a fixed batch
            size: ``batch_input_shape`` (or ``input_shape`` with ``batch_size``)
            on the first layer, ``Input(batch_shape=...)`` in functional
            models. ``reset_states()`` sets them back to zeros.
        unroll: run the time loop in Python instead of a compiled loop (same values).

    Calling the layer:
        ``layer(x, initial_state=..., constants=..., mask=..., training=...)``:
        ``initial_state`` is a tensor or list of tensors (one per state),
        ``constants`` tensors given to every step of a cell whose ``call``
        accepts ``constants``. Masks (``Embedding(mask_zero=True)``,
        ``Masking``) make masked steps keep the previous output and states.

    Raises:
        ValueError: an invalid cell, an input that is not of rank 3, a
            stateful layer without a fixed batch size, initial states that
            do not fit the cell, ``unroll`` with an unknown number of steps.
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
            raise ValueError(f"{type(self).__name__}: Expected a cell with a `call` method and a "
                             f"`state_size` attribute (an int, or one int per state). "
                             f"Received: cell={cell!r}")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll

        self.supports_masking = True
        self.input_spec = [InputSpec(ndim=3)]
        self.state_spec = None
        self._states = None
        self.constants_spec = None
        self._num_constants = None

    # -- states --------------------------------------------------------------------------
    @property
    def states(self):
        """The state variables of a stateful layer (built); ``[None] * n`` otherwise."""
        if self._states is None:
            return [None] * len(_state_sizes(self.cell))
        return self._states

    @states.setter
    def states(self, states):
        self._states = states

    def _state_shapes(self, input_shape=None):
        """The shape of each state, ``(batch, dim)``, for inputs of ``input_shape`` (unknown
        entries None)."""
        batch_size = input_shape[0] if input_shape else None
        return [(batch_size, dim) for dim in _state_sizes(self.cell)]

    def reset_states(self, states=None):
        """Set the states of a stateful layer to zeros, or to ``states`` (arrays, one per state).

        Raises:
            AttributeError: the layer is not stateful.
            ValueError: no fixed batch size; a wrong number of states or a
                state of the wrong shape.
        """
        if not self.stateful:
            raise AttributeError(f"reset_states: Layer {self.name!r} must be stateful "
                                 "(stateful=True) to have states to reset.")
        spec = self.input_spec[0] if self.input_spec else None
        input_shape = spec.shape if spec is not None else None
        if input_shape is None:  # build() sets the input shape
            raise RuntimeError(f"reset_states: Layer {self.name!r} is not built yet, so its "
                               "states do not exist. Call it on an input first.")
        batch_size = input_shape[0] if input_shape else None
        if not batch_size:
            raise ValueError(
                f"{type(self).__name__}: Layer {self.name!r} is stateful, so it needs a fixed "
                "batch size. Specify the batch size of your input tensors: in a Sequential "
                "model, pass `batch_input_shape=(batch, timesteps, features)` (or "
                "`input_shape` and `batch_size`) to the first layer; in a functional model, "
                "`Input(batch_shape=(batch, timesteps, features))`. Received: input shape "
                f"{input_shape}")
        shapes = self._state_shapes(input_shape)
        if any(d is None for shape in shapes for d in shape):
            raise ValueError(f"{type(self).__name__}: Layer {self.name!r} is stateful, so it "
                             f"needs inputs of fully known shape (but the time axis). Received: "
                             f"input shape {input_shape}")
        if self._states is None or self._states[0] is None:
            self._states = [K.zeros(shape, dtype=self.dtype) for shape in shapes]
            if states is None:
                return
        if states is None:
            K.batch_set_value([(s, np.zeros(shape)) for s, shape in zip(self._states, shapes)])
            return
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        if len(states) != len(self._states):
            raise ValueError(f"reset_states: Layer {self.name!r} expects {len(self._states)} "
                             f"states. Received: {len(states)} state values")
        pairs = []
        for index, (value, state, shape) in enumerate(zip(states, self._states, shapes)):
            if tuple(np.shape(value)) != tuple(shape):
                raise ValueError(f"reset_states: State {index} of layer {self.name!r} expects "
                                 f"shape {tuple(shape)}. Received: shape {tuple(np.shape(value))}")
            pairs.append((state, value))
        K.batch_set_value(pairs)

    # -- shapes and masks ---------------------------------------------------------------
    def _output_dim(self):
        return _state_sizes(self.cell)[0]

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        output_dim = self._output_dim()
        if self.return_sequences:
            output_shape = (input_shape[0], input_shape[1], output_dim)
        else:
            output_shape = (input_shape[0], output_dim)
        if self.return_state:
            return [output_shape] + [tuple(s) for s in self._state_shapes(input_shape)]
        return output_shape

    def compute_mask(self, inputs, mask):
        if isinstance(mask, list):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.states)
        return output_mask

    # -- building -----------------------------------------------------------------------
    def _check_input_shape(self, input_shape):
        if input_shape is None or len(input_shape) != 3:
            raise ValueError(f"{type(self).__name__}: Layer {self.name!r} expects an input of "
                             f"rank 3 (batch, timesteps, features). Received: input shape "
                             f"{input_shape}")

    def _state_channel(self, shape):
        """The entry of a state's shape that must equal its ``state_size``."""
        return shape[-1]

    def _check_state_shapes(self, shapes, what):
        """Check the shapes of given initial states against the cell's state sizes."""
        sizes = _state_sizes(self.cell)
        expected = self._state_shapes(None)
        if len(shapes) != len(sizes):
            raise ValueError(f"{type(self).__name__}: Layer {self.name!r} has {len(sizes)} "
                             f"state(s) of shapes {expected}, but was passed {len(shapes)} "
                             f"{what}.")
        for index, (shape, dim, wanted) in enumerate(zip(shapes, sizes, expected)):
            if shape is None:
                continue
            if len(shape) != len(wanted) or self._state_channel(shape) not in (dim, None):
                raise ValueError(
                    f"{type(self).__name__}: An initial_state was passed that is not compatible "
                    f"with layer {self.name!r}: state {index} must have shape {wanted} "
                    f"(cell.state_size={self.cell.state_size}). Received: shape {tuple(shape)}")

    def build(self, input_shape):
        constants_shape = None
        if self._num_constants:
            constants_shape = input_shape[-self._num_constants:]
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        self._check_input_shape(input_shape)
        batch_size = input_shape[0] if self.stateful else None
        self.input_spec[0] = InputSpec(shape=(batch_size, None) + tuple(input_shape[2:]))

        if isinstance(self.cell, Layer) and not self.cell.built:
            step_input_shape = (input_shape[0],) + tuple(input_shape[2:])
            if constants_shape is not None:
                _build_cell(self.cell, [step_input_shape] + list(constants_shape), self)
            else:
                _build_cell(self.cell, step_input_shape, self)

        if self.state_spec is not None:
            self._check_state_shapes([spec.shape for spec in self.state_spec], "initial states")
        else:
            self.state_spec = [InputSpec(shape=shape) for shape in self._state_shapes(None)]
        if self.stateful:
            self.reset_states()
        self.built = True

    def get_initial_state(self, inputs):
        """Zeros ``(batch, dim)`` for each state, with the batch size of ``inputs``."""
        zeros = K.expand_dims(K.zeros_like(inputs[:, 0, 0]))  # (batch, 1)
        return [K.tile(zeros, [1, dim]) for dim in _state_sizes(self.cell)]

    # -- calling --------------------------------------------------------------------------
    def __call__(self, inputs, initial_state=None, constants=None, **kwargs):
        inputs, initial_state, constants = _standardize_args(
            inputs, initial_state, constants, self._num_constants)
        if initial_state is None and constants is None:
            return super().__call__(inputs, **kwargs)

        # Keras tensors among the initial states and constants become inputs of the layer
        # (so that a model's graph includes them); others are passed to call() as they are.
        additional_inputs, additional_specs = [], []
        if initial_state is not None:
            shapes = [_static_shape(s) for s in initial_state]
            self._check_state_shapes(shapes, "initial states")
            self.state_spec = [InputSpec(shape=s) for s in shapes]
            additional_inputs += initial_state
            additional_specs += self.state_spec
        if constants is not None:
            if not has_arg(self.cell.call, "constants"):
                raise ValueError(f"{type(self).__name__}: The cell of layer {self.name!r} "
                                 f"({type(self.cell).__name__}) does not accept constants: its "
                                 "`call` has no `constants` argument.")
            self.constants_spec = [InputSpec(shape=_static_shape(c)) for c in constants]
            self._num_constants = len(constants)
            additional_inputs += constants
            additional_specs += self.constants_spec
        keras_tensors = [_is_keras_tensor(t) for t in additional_inputs]
        if any(keras_tensors) and not all(keras_tensors):
            raise ValueError(f"{type(self).__name__}: The initial states and constants of layer "
                             f"{self.name!r} cannot mix Keras tensors (made by a layer or by "
                             "Input) and other tensors.")
        if all(keras_tensors):
            full_input = [inputs] + additional_inputs
            original_spec = self.input_spec
            self.input_spec = list(original_spec) + additional_specs
            try:
                return super().__call__(full_input, **kwargs)
            finally:
                self.input_spec = original_spec
        if initial_state is not None:
            kwargs["initial_state"] = initial_state
        if constants is not None:
            kwargs["constants"] = constants
        return super().__call__(inputs, **kwargs)

    def _split_call_inputs(self, inputs, initial_state, constants):
        """``(inputs, initial_state, constants)`` from call()'s arguments (a list of inputs
        holds the states, then the constants)."""
        if not isinstance(inputs, list):
            return inputs, initial_state, constants
        n_constants = self._num_constants or 0
        if n_constants:
            constants = inputs[len(inputs) - n_constants:]
            inputs = inputs[:len(inputs) - n_constants]
        initial_state = inputs[1:] or initial_state
        return inputs[0], initial_state, constants

    def _fused_runner(self, constants, training):
        """A function ``(inputs, initial_state, mask) -> (last_output, outputs, states)`` running
        the whole sequence with the backend's fused kernel (``K.fused_lstm``/``K.fused_gru``),
        or None for the generic ``K.rnn`` path. LSTM, GRU and the CuDNN layers return one when
        their cell is what the kernel computes (the same function, equal within float32
        tolerance, gradients included); ``unroll`` does not change the function."""
        return None

    def call(self, inputs, mask=None, training=None, initial_state=None, constants=None):
        call_inputs = inputs
        inputs, initial_state, constants = self._split_call_inputs(inputs, initial_state,
                                                                   constants)
        if isinstance(mask, list):
            mask = mask[0]
        if initial_state is not None:
            initial_state = to_list(initial_state, allow_tuple=True)
            self._check_state_shapes([_static_shape(s) for s in initial_state],
                                     "initial states")
        elif self.stateful:
            initial_state = self.states
        else:
            initial_state = self.get_initial_state(inputs)
        if len(initial_state) != len(self.states):
            raise ValueError(f"{type(self).__name__}: Layer {self.name!r} has "
                             f"{len(self.states)} states but was passed {len(initial_state)} "
                             "initial states.")
        timesteps = K.int_shape(inputs)[1]
        if self.unroll and timesteps is None:
            raise ValueError(
                f"{type(self).__name__}: Layer {self.name!r} cannot unroll a loop whose number "
                "of time steps is unknown. Give the first layer an `input_shape` (or "
                "`batch_input_shape`) with the number of steps (an Embedding: `input_length`); "
                "in a functional model, a `shape` to `Input`.")

        cell_kwargs = {}
        if has_arg(self.cell.call, "training"):
            cell_kwargs["training"] = training
        if constants:
            if not has_arg(self.cell.call, "constants"):
                raise ValueError(f"{type(self).__name__}: The cell of layer {self.name!r} "
                                 f"({type(self.cell).__name__}) does not accept constants.")
            n_constants = len(constants)

            def step(x, states):
                return self.cell.call(x, states[:-n_constants], constants=states[-n_constants:],
                                      **cell_kwargs)
        else:
            def step(x, states):
                return self.cell.call(x, states, **cell_kwargs)

        fused = self._fused_runner(constants, training)
        uses_learning_phase = False
        if fused is not None:
            last_output, outputs, states = fused(inputs, initial_state, mask)
        else:
            _reset_dropout_masks(self.cell)
            uses_learning_phase = _prepare_dropout_masks(self.cell, inputs[:, 0], initial_state,
                                                         training)
            last_output, outputs, states = K.rnn(step, inputs, initial_state,
                                                 constants=constants,
                                                 go_backwards=self.go_backwards, mask=mask,
                                                 unroll=self.unroll, input_length=timesteps)
        states = list(states)
        if self.stateful:
            self.add_update([(var, new) for var, new in zip(self.states, states)], call_inputs)

        output = outputs if self.return_sequences else last_output
        if uses_learning_phase:
            for tensor in [output] + states:
                tensor._uses_learning_phase = True
        if self.return_state:
            return [output] + states
        return output

    # -- weights and config --------------------------------------------------------------
    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        if isinstance(self.cell, Layer):
            return self.cell.trainable_weights
        return []

    @trainable_weights.setter
    def trainable_weights(self, weights):
        self._trainable_weights = list(weights)

    @property
    def non_trainable_weights(self):
        if isinstance(self.cell, Layer):
            if not self.trainable:
                return self.cell.weights
            return self.cell.non_trainable_weights
        return []

    @non_trainable_weights.setter
    def non_trainable_weights(self, weights):
        self._non_trainable_weights = list(weights)

    @property
    def losses(self):
        own = super().losses
        if isinstance(self.cell, Layer):
            return self.cell.losses + own
        return own

    def get_losses_for(self, inputs=None):
        own = super().get_losses_for(inputs)
        if isinstance(self.cell, Layer):
            return self.cell.get_losses_for(inputs) + own
        return own

    def get_config(self):
        config = {"return_sequences": self.return_sequences, "return_state": self.return_state,
                  "go_backwards": self.go_backwards, "stateful": self.stateful,
                  "unroll": self.unroll}
        if self._num_constants is not None:
            config["num_constants"] = self._num_constants
        config["cell"] = {"class_name": type(self.cell).__name__,
                          "config": self.cell.get_config()}
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize as deserialize_layer
        config = dict(config)
        cell = deserialize_layer(config.pop("cell"), custom_objects=custom_objects)
        num_constants = config.pop("num_constants", None)
        layer = cls(cell, **config)
        layer._num_constants = num_constants
        return layer


def _static_shape(x):
    shape = getattr(x, "_keras_shape", None)
    if shape is None:
        try:
            shape = K.int_shape(x)
        except (TypeError, ValueError, AttributeError):
            shape = np.shape(x)
    return None if shape is None else tuple(shape)


def _is_keras_tensor(x):
    try:
        return K.is_keras_tensor(x)
    except ValueError:
        return False


# -- cells -------------------------------------------------------------------------------

class _DropoutCell(Layer):
    """What the built-in cells share: their ``dropout``/``recurrent_dropout`` masks.

    A mask is drawn once per sequence (``_prepare_dropout_masks``, called by
    :class:`RNN` outside the time loop) and reused at every step; a cell
    called on its own draws them at its first call, as Keras's cells do.
    ``_mask_count`` masks are drawn per kind (one per gate).
    """

    _mask_count = 1

    def _init_dropout(self, dropout, recurrent_dropout):
        self.dropout = min(1., max(0., float(dropout)))
        self.recurrent_dropout = min(1., max(0., float(recurrent_dropout)))
        self._dropout_mask = None
        self._recurrent_dropout_mask = None

    def reset_dropout_masks(self):
        """Forget the masks, so that the next call draws new ones."""
        self._dropout_mask = None
        self._recurrent_dropout_mask = None

    def _recurrent_mask_like(self, states):
        return states[0]

    def _prepare_dropout_masks(self, inputs, states, training=None):
        """Draw the masks that do not exist yet, shaped like ``inputs`` and the states.
        Returns whether a mask depends on the learning phase."""
        if 0 < self.dropout < 1 and self._dropout_mask is None:
            self._dropout_mask = _generate_dropout_mask(
                K.ones_like(inputs), self.dropout, training=training, count=self._mask_count)
        if 0 < self.recurrent_dropout < 1 and self._recurrent_dropout_mask is None:
            self._recurrent_dropout_mask = _generate_dropout_mask(
                K.ones_like(self._recurrent_mask_like(states)), self.recurrent_dropout,
                training=training, count=self._mask_count)
        masks = (self._dropout_mask or []) + (self._recurrent_dropout_mask or [])
        return any(getattr(m, "_uses_learning_phase", False) for m in masks)

    def _masks(self, inputs, states, training):
        """``(input masks or None, recurrent masks or None)`` for this step."""
        self._prepare_dropout_masks(inputs, states, training)
        dp = self._dropout_mask if 0 < self.dropout < 1 else None
        rec = self._recurrent_dropout_mask if 0 < self.recurrent_dropout < 1 else None
        return dp, rec

    def _add_gate_weights(self, input_dim, gates, bias_initializer=None, bias_shape=None):
        """``kernel (input_dim, gates * units)``, ``recurrent_kernel (units, gates * units)``
        and ``bias`` (default shape ``(gates * units,)``) when ``use_bias``."""
        if input_dim is None:
            raise ValueError(f"{type(self).__name__}: Expected an input whose last axis "
                             "(features) is known. Received: None")
        self.kernel = self.add_weight(shape=(int(input_dim), gates * self.units), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, gates * self.units), name="recurrent_kernel",
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        if self.use_bias:
            self.bias = self.add_weight(shape=bias_shape or (gates * self.units,), name="bias",
                                        initializer=bias_initializer or self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None

    def _init_weights_args(self, use_bias, kernel_initializer, recurrent_initializer,
                           bias_initializer, kernel_regularizer, recurrent_regularizer,
                           bias_regularizer, kernel_constraint, recurrent_constraint,
                           bias_constraint):
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _weights_config(self):
        return {
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


def _unit_forget_bias_initializer(bias_initializer, units):
    """The LSTM bias ``(4 * units,)``: ``bias_initializer`` but ones for the forget gate."""
    def initializer(shape, dtype=None):
        return K.concatenate([bias_initializer((units,), dtype=dtype),
                              initializers.Ones()((units,), dtype=dtype),
                              bias_initializer((units * 2,), dtype=dtype)])
    return initializer


class SimpleRNNCell(_DropoutCell):
    """The cell of :class:`SimpleRNN`: ``h = activation(x W + b + h_prev U)``.

    Args:
        units: positive int, the output (and state) size.
        activation: default ``"tanh"``.
        use_bias, kernel_initializer (``"glorot_uniform"``), recurrent_initializer
            (``"orthogonal"``), bias_initializer (``"zeros"``), the regularizers and
            constraints of ``kernel``, ``recurrent_kernel`` and ``bias``.
        dropout: fraction of the inputs dropped (one mask per sequence).
        recurrent_dropout: fraction of the previous output dropped.
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0., recurrent_dropout=0., **kwargs):
        super().__init__(**kwargs)
        self.units = _check_units(units, type(self).__name__)
        self.activation = activations.get(activation)
        self._init_weights_args(use_bias, kernel_initializer, recurrent_initializer,
                                bias_initializer, kernel_regularizer, recurrent_regularizer,
                                bias_regularizer, kernel_constraint, recurrent_constraint,
                                bias_constraint)
        self._init_dropout(dropout, recurrent_dropout)
        self.state_size = self.units

    def build(self, input_shape):
        self._add_gate_weights(input_shape[-1], 1)
        self.built = True

    def call(self, inputs, states, training=None):
        prev_output = states[0]
        dp_mask, rec_dp_mask = self._masks(inputs, states, training)
        if dp_mask is not None:
            inputs = inputs * dp_mask[0]
        h = K.dot(inputs, self.kernel)
        if self.bias is not None:
            h = K.bias_add(h, self.bias)
        if rec_dp_mask is not None:
            prev_output = prev_output * rec_dp_mask[0]
        output = self.activation(h + K.dot(prev_output, self.recurrent_kernel))
        return output, [output]

    def get_config(self):
        config = {"units": self.units, "activation": activations.serialize(self.activation),
                  **self._weights_config(), "dropout": self.dropout,
                  "recurrent_dropout": self.recurrent_dropout}
        return {**super().get_config(), **config}


class GRUCell(_DropoutCell):
    """The cell of :class:`GRU` (Cho et al., 2014), gates ``z`` (update), ``r`` (reset), ``h``.

    ``z = ra(x Wz + bz + h_prev Uz)``, ``r = ra(x Wr + br + h_prev Ur)``,
    ``hh = a(x Wh + bh + (r * h_prev) Uh)``, ``h = z * h_prev + (1 - z) * hh``;
    with ``reset_after`` the reset gate multiplies after the product:
    ``hh = a(x Wh + bh + r * (h_prev Uh + rbh))``, with a separate recurrent
    bias (``bias`` of shape ``(2, 3 * units)``: the CuDNN-compatible GRU).

    Args:
        units, activation (``"tanh"``), recurrent_activation
            (``"hard_sigmoid"``), use_bias, initializers, regularizers and
            constraints: as :class:`LSTMCell`.
        dropout, recurrent_dropout: fractions dropped (one mask per gate
            with ``implementation=1``, one shared mask with 2).
        implementation: 1 (per-gate products) or 2 (one product per step).
        reset_after: apply the reset gate after the recurrent product.
    """

    _mask_count = 3

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0., recurrent_dropout=0., implementation=1, reset_after=False,
                 **kwargs):
        super().__init__(**kwargs)
        self.units = _check_units(units, type(self).__name__)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self._init_weights_args(use_bias, kernel_initializer, recurrent_initializer,
                                bias_initializer, kernel_regularizer, recurrent_regularizer,
                                bias_regularizer, kernel_constraint, recurrent_constraint,
                                bias_constraint)
        self._init_dropout(dropout, recurrent_dropout)
        self.implementation = _check_implementation(implementation, type(self).__name__)
        self.reset_after = reset_after
        self.state_size = self.units

    def build(self, input_shape):
        bias_shape = (2, 3 * self.units) if self.reset_after else None
        self._add_gate_weights(input_shape[-1], 3, bias_shape=bias_shape)
        u = self.units
        if self.bias is None:
            self.input_bias = self.recurrent_bias = None
        elif self.reset_after:
            self.input_bias, self.recurrent_bias = self.bias[0], self.bias[1]
        else:
            self.input_bias, self.recurrent_bias = self.bias, None
        self.kernel_z, self.kernel_r, self.kernel_h = (
            self.kernel[:, :u], self.kernel[:, u:2 * u], self.kernel[:, 2 * u:])
        self.recurrent_kernel_z, self.recurrent_kernel_r, self.recurrent_kernel_h = (
            self.recurrent_kernel[:, :u], self.recurrent_kernel[:, u:2 * u],
            self.recurrent_kernel[:, 2 * u:])
        if self.bias is not None:
            self.input_bias_z, self.input_bias_r, self.input_bias_h = (
                self.input_bias[:u], self.input_bias[u:2 * u], self.input_bias[2 * u:])
            if self.reset_after:
                self.recurrent_bias_z, self.recurrent_bias_r, self.recurrent_bias_h = (
                    self.recurrent_bias[:u], self.recurrent_bias[u:2 * u],
                    self.recurrent_bias[2 * u:])
        self.built = True

    def call(self, inputs, states, training=None):
        h_tm1 = states[0]
        dp_mask, rec_dp_mask = self._masks(inputs, states, training)
        u = self.units
        if self.implementation == 1 and (dp_mask is not None or rec_dp_mask is not None):
            x = [inputs * m for m in dp_mask] if dp_mask is not None else [inputs] * 3
            x_z, x_r, x_h = (K.dot(xi, w) for xi, w in
                             zip(x, (self.kernel_z, self.kernel_r, self.kernel_h)))
            if self.use_bias:
                x_z = K.bias_add(x_z, self.input_bias_z)
                x_r = K.bias_add(x_r, self.input_bias_r)
                x_h = K.bias_add(x_h, self.input_bias_h)
            h_z, h_r, h_h = ([h_tm1 * m for m in rec_dp_mask] if rec_dp_mask is not None
                             else [h_tm1] * 3)
            recurrent_z = K.dot(h_z, self.recurrent_kernel_z)
            recurrent_r = K.dot(h_r, self.recurrent_kernel_r)
            if self.reset_after and self.use_bias:
                recurrent_z = K.bias_add(recurrent_z, self.recurrent_bias_z)
                recurrent_r = K.bias_add(recurrent_r, self.recurrent_bias_r)
            z = self.recurrent_activation(x_z + recurrent_z)
            r = self.recurrent_activation(x_r + recurrent_r)
            if self.reset_after:
                recurrent_h = K.dot(h_h, self.recurrent_kernel_h)
                if self.use_bias:
                    recurrent_h = K.bias_add(recurrent_h, self.recurrent_bias_h)
                recurrent_h = r * recurrent_h
            else:
                recurrent_h = K.dot(r * h_h, self.recurrent_kernel_h)
        else:
            # One product for the three gates (implementation 2, and 1 without dropout: the
            # same function).
            if dp_mask is not None:
                inputs = inputs * dp_mask[0]
            matrix_x = K.dot(inputs, self.kernel)
            if self.use_bias:
                matrix_x = K.bias_add(matrix_x, self.input_bias)
            x_z, x_r, x_h = matrix_x[:, :u], matrix_x[:, u:2 * u], matrix_x[:, 2 * u:]
            if rec_dp_mask is not None:
                # As in Keras 2.2.4, the masked state is also the one carried by the update
                # gate below (implementation 2 only).
                h_tm1 = h_tm1 * rec_dp_mask[0]
            if self.reset_after:
                matrix_inner = K.dot(h_tm1, self.recurrent_kernel)
                if self.use_bias:
                    matrix_inner = K.bias_add(matrix_inner, self.recurrent_bias)
            else:
                matrix_inner = K.dot(h_tm1, self.recurrent_kernel[:, :2 * u])
            z = self.recurrent_activation(x_z + matrix_inner[:, :u])
            r = self.recurrent_activation(x_r + matrix_inner[:, u:2 * u])
            if self.reset_after:
                recurrent_h = r * matrix_inner[:, 2 * u:]
            else:
                recurrent_h = K.dot(r * h_tm1, self.recurrent_kernel_h)
        hh = self.activation(x_h + recurrent_h)
        h = z * h_tm1 + (1 - z) * hh
        return h, [h]

    def get_config(self):
        config = {"units": self.units, "activation": activations.serialize(self.activation),
                  "recurrent_activation": activations.serialize(self.recurrent_activation),
                  **self._weights_config(), "dropout": self.dropout,
                  "recurrent_dropout": self.recurrent_dropout,
                  "implementation": self.implementation, "reset_after": self.reset_after}
        return {**super().get_config(), **config}


class LSTMCell(_DropoutCell):
    """The cell of :class:`LSTM` (Hochreiter and Schmidhuber, 1997), gates ``i, f, c, o``.

    ``i = ra(x Wi + bi + h Ui)``, ``f = ra(x Wf + bf + h Uf)``,
    ``c = f * c_prev + i * a(x Wc + bc + h Uc)``, ``o = ra(x Wo + bo + h Uo)``,
    ``h = o * a(c)``; states ``[h, c]``.

    Args:
        units: positive int.
        activation: default ``"tanh"``.
        recurrent_activation: of the gates, default ``"hard_sigmoid"``.
        use_bias, kernel_initializer (``"glorot_uniform"``), recurrent_initializer
            (``"orthogonal"``), bias_initializer (``"zeros"``): the weights.
        unit_forget_bias: initialize the forget gate's bias to ones.
        kernel_regularizer, recurrent_regularizer, bias_regularizer,
            kernel_constraint, recurrent_constraint, bias_constraint: optional.
        dropout, recurrent_dropout: fractions dropped (one mask per gate with
            ``implementation=1``, one shared mask otherwise).
        implementation: 1 (per-gate products) or 2 (one product per step);
            0 (Keras 1's ``consume_less='cpu'``) computes as 2.
    """

    _mask_count = 4

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0., recurrent_dropout=0., implementation=1,
                 **kwargs):
        super().__init__(**kwargs)
        self.units = _check_units(units, type(self).__name__)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self._init_weights_args(use_bias, kernel_initializer, recurrent_initializer,
                                bias_initializer, kernel_regularizer, recurrent_regularizer,
                                bias_regularizer, kernel_constraint, recurrent_constraint,
                                bias_constraint)
        self.unit_forget_bias = unit_forget_bias
        self._init_dropout(dropout, recurrent_dropout)
        self.implementation = _check_implementation(implementation, type(self).__name__)
        self.state_size = (self.units, self.units)

    def build(self, input_shape):
        bias_initializer = None
        if self.use_bias and self.unit_forget_bias:
            bias_initializer = _unit_forget_bias_initializer(self.bias_initializer, self.units)
        self._add_gate_weights(input_shape[-1], 4, bias_initializer=bias_initializer)
        u = self.units
        self.kernel_i, self.kernel_f, self.kernel_c, self.kernel_o = (
            self.kernel[:, i * u:(i + 1) * u] for i in range(4))
        self.recurrent_kernel_i, self.recurrent_kernel_f, self.recurrent_kernel_c, \
            self.recurrent_kernel_o = (self.recurrent_kernel[:, i * u:(i + 1) * u]
                                       for i in range(4))
        if self.use_bias:
            self.bias_i, self.bias_f, self.bias_c, self.bias_o = (
                self.bias[i * u:(i + 1) * u] for i in range(4))
        else:
            self.bias_i = self.bias_f = self.bias_c = self.bias_o = None
        self.built = True

    def call(self, inputs, states, training=None):
        h_tm1, c_tm1 = states[0], states[1]
        dp_mask, rec_dp_mask = self._masks(inputs, states, training)
        u = self.units
        if self.implementation == 1 and (dp_mask is not None or rec_dp_mask is not None):
            x = [inputs * m for m in dp_mask] if dp_mask is not None else [inputs] * 4
            kernels = (self.kernel_i, self.kernel_f, self.kernel_c, self.kernel_o)
            z = [K.dot(xi, w) for xi, w in zip(x, kernels)]
            if self.use_bias:
                z = [K.bias_add(zi, b) for zi, b in
                     zip(z, (self.bias_i, self.bias_f, self.bias_c, self.bias_o))]
            h = [h_tm1 * m for m in rec_dp_mask] if rec_dp_mask is not None else [h_tm1] * 4
            recurrent = (self.recurrent_kernel_i, self.recurrent_kernel_f,
                         self.recurrent_kernel_c, self.recurrent_kernel_o)
            z0, z1, z2, z3 = (zi + K.dot(hi, w) for zi, hi, w in zip(z, h, recurrent))
        else:
            # One product for the four gates (implementation 2, and 1 without dropout: the
            # same function).
            if dp_mask is not None:
                inputs = inputs * dp_mask[0]
            if rec_dp_mask is not None:
                h_tm1 = h_tm1 * rec_dp_mask[0]
            z = K.dot(inputs, self.kernel) + K.dot(h_tm1, self.recurrent_kernel)
            if self.use_bias:
                z = K.bias_add(z, self.bias)
            z0, z1, z2, z3 = (z[:, i * u:(i + 1) * u] for i in range(4))
        i = self.recurrent_activation(z0)
        f = self.recurrent_activation(z1)
        c = f * c_tm1 + i * self.activation(z2)
        o = self.recurrent_activation(z3)
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self):
        config = {"units": self.units, "activation": activations.serialize(self.activation),
                  "recurrent_activation": activations.serialize(self.recurrent_activation),
                  **self._weights_config(), "unit_forget_bias": self.unit_forget_bias,
                  "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                  "implementation": self.implementation}
        return {**super().get_config(), **config}


# -- layers ------------------------------------------------------------------------------

class _CellLayer(RNN):
    """An RNN around one built-in cell whose arguments it takes (and exposes) as its own.

    ``get_config`` is the cell's config flattened into the layer's (without
    ``cell``), as Keras 2.2.4's SimpleRNN/GRU/LSTM write it.
    """

    _cell_class = None
    _cell_arguments = ()

    def __init__(self, cell_kwargs, activity_regularizer, return_sequences, return_state,
                 go_backwards, stateful, unroll, **kwargs):
        if kwargs.get("dtype") is not None:
            cell_kwargs["dtype"] = kwargs["dtype"]
        cell = self._cell_class(**cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)

    def __getattr__(self, name):
        # The cell's arguments read as the layer's own (layer.units, layer.dropout...).
        if name in type(self)._cell_arguments and "cell" in self.__dict__:
            return getattr(self.__dict__["cell"], name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def get_config(self):
        cell_config = self.cell.get_config()
        config = {key: cell_config[key] for key in self._cell_arguments}
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        base = super().get_config()
        del base["cell"]
        return {**base, **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        num_constants = config.pop("num_constants", None)
        layer = cls(**config)
        layer._num_constants = num_constants
        return layer


_WEIGHT_ARGUMENTS = ("use_bias", "kernel_initializer", "recurrent_initializer",
                     "bias_initializer")
_REGULARIZER_ARGUMENTS = ("kernel_regularizer", "recurrent_regularizer", "bias_regularizer")
_CONSTRAINT_ARGUMENTS = ("kernel_constraint", "recurrent_constraint", "bias_constraint")


class SimpleRNN(_CellLayer):
    """A fully connected RNN whose output is fed back: ``h_t = activation(x_t W + b + h_{t-1} U)``.

    Args: those of :class:`SimpleRNNCell` (``units``, ``activation``...,
    ``dropout``, ``recurrent_dropout``), ``activity_regularizer``, and those of
    :class:`RNN` (``return_sequences``, ``return_state``, ``go_backwards``,
    ``stateful``, ``unroll``).
    """

    _cell_class = SimpleRNNCell
    _cell_arguments = ("units", "activation") + _WEIGHT_ARGUMENTS + _REGULARIZER_ARGUMENTS \
        + _CONSTRAINT_ARGUMENTS + ("dropout", "recurrent_dropout")

    @interfaces.legacy_recurrent_support
    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.,
                 recurrent_dropout=0., return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, **kwargs):
        if "implementation" in kwargs:
            kwargs.pop("implementation")
            warnings.warn("SimpleRNN: the `implementation` argument is deprecated and has no "
                          "effect; remove it from your layer call.", stacklevel=2)
        _check_units(units, "SimpleRNN")
        cell_kwargs = dict(
            units=units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout)
        super().__init__(cell_kwargs, activity_regularizer, return_sequences, return_state,
                         go_backwards, stateful, unroll, **kwargs)


class GRU(_CellLayer):
    """Gated Recurrent Unit (Cho et al., 2014): an RNN around a :class:`GRUCell`.

    Args: those of :class:`GRUCell` (``units``, ``activation="tanh"``,
    ``recurrent_activation="hard_sigmoid"``, ..., ``implementation=1``,
    ``reset_after=False``), ``activity_regularizer``, and those of :class:`RNN`.
    ``reset_after=True`` with ``recurrent_activation="sigmoid"`` is the GRU
    of :class:`CuDNNGRU` (whose weights it can load).
    """

    _cell_class = GRUCell
    _cell_arguments = ("units", "activation", "recurrent_activation") + _WEIGHT_ARGUMENTS \
        + _REGULARIZER_ARGUMENTS + _CONSTRAINT_ARGUMENTS \
        + ("dropout", "recurrent_dropout", "implementation", "reset_after")

    @interfaces.legacy_recurrent_support
    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0., recurrent_dropout=0., implementation=1,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, reset_after=False, **kwargs):
        _check_units(units, "GRU")
        _check_implementation(implementation, "GRU")
        if implementation == 0:
            warnings.warn("GRU: `implementation=0` is deprecated (it computes as "
                          "implementation=2); use 1 or 2.", stacklevel=2)
        cell_kwargs = dict(
            units=units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, implementation=implementation,
            reset_after=reset_after)
        super().__init__(cell_kwargs, activity_regularizer, return_sequences, return_state,
                         go_backwards, stateful, unroll, **kwargs)

    def _fused_runner(self, constants, training):
        cell = self.cell
        if constants or not _fused_cell(cell, GRUCell):
            return None

        def run(inputs, initial_state, mask):
            return K.fused_gru(inputs, cell.kernel, cell.recurrent_kernel, cell.bias,
                               list(initial_state), mask=mask, go_backwards=self.go_backwards,
                               reset_after=bool(cell.reset_after))
        return run

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if config.get("implementation") == 0:
            config["implementation"] = 1
        return super().from_config(config, custom_objects)


class LSTM(_CellLayer):
    """Long Short-Term Memory (Hochreiter and Schmidhuber, 1997): an RNN around an LSTMCell.

    Args: those of :class:`LSTMCell` (``units``, ``activation="tanh"``,
    ``recurrent_activation="hard_sigmoid"``, ..., ``unit_forget_bias=True``,
    ``dropout``, ``recurrent_dropout``, ``implementation=1``),
    ``activity_regularizer``, and those of :class:`RNN`. Keras 1 arguments
    (``output_dim``, ``inner_activation``, ``dropout_W``, ``consume_less``...)
    are converted with a warning.
    """

    _cell_class = LSTMCell
    _cell_arguments = ("units", "activation", "recurrent_activation") + _WEIGHT_ARGUMENTS \
        + ("unit_forget_bias",) + _REGULARIZER_ARGUMENTS + _CONSTRAINT_ARGUMENTS \
        + ("dropout", "recurrent_dropout", "implementation")

    @interfaces.legacy_recurrent_support
    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.,
                 recurrent_dropout=0., implementation=1, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False, **kwargs):
        _check_units(units, "LSTM")
        _check_implementation(implementation, "LSTM")
        if implementation == 0:
            warnings.warn("LSTM: `implementation=0` is deprecated (it computes as "
                          "implementation=2); use 1 or 2.", stacklevel=2)
        cell_kwargs = dict(
            units=units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, implementation=implementation)
        super().__init__(cell_kwargs, activity_regularizer, return_sequences, return_state,
                         go_backwards, stateful, unroll, **kwargs)

    def _fused_runner(self, constants, training):
        cell = self.cell
        if constants or not _fused_cell(cell, LSTMCell):
            return None

        def run(inputs, initial_state, mask):
            return K.fused_lstm(inputs, cell.kernel, cell.recurrent_kernel, cell.bias,
                                list(initial_state), mask=mask, go_backwards=self.go_backwards)
        return run

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if config.get("implementation") == 0:
            config["implementation"] = 1
        return super().from_config(config, custom_objects)


__all__ = ["StackedRNNCells", "RNN", "SimpleRNNCell", "GRUCell", "LSTMCell", "SimpleRNN", "GRU",
           "LSTM"]
