"""Keras 1 layers that Keras 2.2.4 still exported (``keras.legacy.layers``), deprecated there too.

``Highway`` and ``MaxoutDense`` keep their Keras 1 arguments and weight names
(``W``, ``b``...) so that Keras 1 models and weight files still load; each warns
on construction, as Keras 2.2.4 did. ``AtrousConvolution1D/2D`` are the
factories of :mod:`polykeras.layers.convolutional` (``Conv1D``/``Conv2D`` with
``dilation_rate``), re-exported here where Keras 2.2.4 defined them.
``Recurrent`` and ``ConvRecurrent2D`` are Keras 2.0's abstract bases of
recurrent layers, for custom layers written on them.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import activations, constraints, initializers, regularizers
from .. import backend as K
from ..engine.base_layer import InputSpec, Layer
from ..layers.convolutional import AtrousConvolution1D, AtrousConvolution2D
from ..utils import conv_utils

__all__ = ["AtrousConvolution1D", "AtrousConvolution2D", "ConvRecurrent2D", "Highway",
           "MaxoutDense", "Recurrent"]


def _positive_int(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{owner}: Expected {name} to be a positive integer. "
                         f"Received: {name}={value!r}")
    return int(value)


class _Keras1Dense(Layer):
    """What ``Highway`` and ``MaxoutDense`` share: Keras 1's weight arguments and config."""

    def __init__(self, init="glorot_uniform", weights=None, W_regularizer=None,
                 b_regularizer=None, activity_regularizer=None, W_constraint=None,
                 b_constraint=None, bias=True, input_dim=None, **kwargs):
        warnings.warn(f"The `{type(self).__name__}` layer is deprecated and will be removed "
                      "after 06/2017.", stacklevel=3)
        if input_dim:
            kwargs["input_shape"] = (input_dim,)
        super().__init__(weights=weights, **kwargs)
        self.init = initializers.get(init)
        self.W_regularizer = regularizers.get(W_regularizer)
        self.b_regularizer = regularizers.get(b_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.W_constraint = constraints.get(W_constraint)
        self.b_constraint = constraints.get(b_constraint)
        self.bias = bias
        self.input_dim = input_dim
        self.input_spec = InputSpec(ndim=2)

    def _input_dim(self, input_shape):
        if input_shape is None or len(input_shape) != 2 or input_shape[1] is None:
            raise ValueError(f"{type(self).__name__}: Expected an input of shape (batch, "
                             f"input_dim) with a known input_dim. Received: {input_shape}")
        self.input_spec = InputSpec(ndim=2, axes={1: int(input_shape[1])})
        return int(input_shape[1])

    def get_config(self):
        config = {"init": initializers.serialize(self.init),
                  "W_regularizer": regularizers.serialize(self.W_regularizer),
                  "b_regularizer": regularizers.serialize(self.b_regularizer),
                  "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                  "W_constraint": constraints.serialize(self.W_constraint),
                  "b_constraint": constraints.serialize(self.b_constraint),
                  "bias": self.bias, "input_dim": self.input_dim}
        return {**super().get_config(), **config}


class MaxoutDense(_Keras1Dense):
    """The element-wise maximum of ``nb_feature`` linear ``Dense(output_dim)`` maps (no activation).

    Input ``(batch, input_dim)``, output ``(batch, output_dim)``; weights ``W``
    of shape ``(nb_feature, input_dim, output_dim)`` and ``b`` of shape
    ``(nb_feature, output_dim)``.

    Raises:
        ValueError: a non-positive ``output_dim`` or ``nb_feature``; an input
            that is not ``(batch, input_dim)``.
    """

    def __init__(self, output_dim, nb_feature=4, init="glorot_uniform", weights=None,
                 W_regularizer=None, b_regularizer=None, activity_regularizer=None,
                 W_constraint=None, b_constraint=None, bias=True, input_dim=None, **kwargs):
        self.output_dim = _positive_int("MaxoutDense", "output_dim", output_dim)
        self.nb_feature = _positive_int("MaxoutDense", "nb_feature", nb_feature)
        super().__init__(init=init, weights=weights, W_regularizer=W_regularizer,
                         b_regularizer=b_regularizer, activity_regularizer=activity_regularizer,
                         W_constraint=W_constraint, b_constraint=b_constraint, bias=bias,
                         input_dim=input_dim, **kwargs)

    def build(self, input_shape):
        input_dim = self._input_dim(input_shape)
        self.W = self.add_weight(name="W", shape=(self.nb_feature, input_dim, self.output_dim),
                                 initializer=self.init, regularizer=self.W_regularizer,
                                 constraint=self.W_constraint)
        self.b = None
        if self.bias:
            self.b = self.add_weight(name="b", shape=(self.nb_feature, self.output_dim),
                                     initializer="zeros", regularizer=self.b_regularizer,
                                     constraint=self.b_constraint)
        self.built = True

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)

    def call(self, inputs):
        output = K.dot(inputs, self.W)  # (batch, nb_feature, output_dim)
        if self.b is not None:
            output = output + self.b
        return K.max(output, axis=1)

    def get_config(self):
        config = {"output_dim": self.output_dim, "nb_feature": self.nb_feature}
        return {**super().get_config(), **config}


class Highway(_Keras1Dense):
    """``t * activation(x W + b) + (1 - t) * x`` with the gate ``t = sigmoid(x W_carry + b_carry)``.

    Input and output ``(batch, input_dim)``; weights ``W``, ``W_carry``
    ``(input_dim, input_dim)``, then ``b`` (zeros) and ``b_carry`` (ones) of
    shape ``(input_dim,)`` when ``bias``. ``transform_bias`` (Keras 1) is
    dropped with a warning.
    """

    def __init__(self, init="glorot_uniform", activation=None, weights=None, W_regularizer=None,
                 b_regularizer=None, activity_regularizer=None, W_constraint=None,
                 b_constraint=None, bias=True, input_dim=None, **kwargs):
        if "transform_bias" in kwargs:
            kwargs.pop("transform_bias")
            warnings.warn("`transform_bias` argument is deprecated and has been removed.",
                          stacklevel=2)
        super().__init__(init=init, weights=weights, W_regularizer=W_regularizer,
                         b_regularizer=b_regularizer, activity_regularizer=activity_regularizer,
                         W_constraint=W_constraint, b_constraint=b_constraint, bias=bias,
                         input_dim=input_dim, **kwargs)
        self.activation = activations.get(activation)

    def build(self, input_shape):
        input_dim = self._input_dim(input_shape)
        square = (input_dim, input_dim)
        self.W = self.add_weight(name="W", shape=square, initializer=self.init,
                                 regularizer=self.W_regularizer, constraint=self.W_constraint)
        self.W_carry = self.add_weight(name="W_carry", shape=square, initializer=self.init)
        self.b = self.b_carry = None
        if self.bias:
            self.b = self.add_weight(name="b", shape=(input_dim,), initializer="zeros",
                                     regularizer=self.b_regularizer,
                                     constraint=self.b_constraint)
            self.b_carry = self.add_weight(name="b_carry", shape=(input_dim,),
                                           initializer="ones")
        self.built = True

    def call(self, inputs):
        carry = K.dot(inputs, self.W_carry)
        transform = K.dot(inputs, self.W)
        if self.bias:
            carry = carry + self.b_carry
            transform = transform + self.b
        gate = K.sigmoid(carry)
        return self.activation(transform) * gate + (1 - gate) * inputs

    def get_config(self):
        config = {"activation": activations.serialize(self.activation)}
        return {**super().get_config(), **config}


def _stateful_batch_size_error(name):
    return ValueError(f"{name}: a stateful RNN needs to know its batch size. Give the first "
                      "layer of a Sequential model a `batch_input_shape`, or the functional "
                      "model's Input a `batch_shape`.")


class Recurrent(Layer):
    """Keras 2.0's abstract base of recurrent layers, kept for custom layers written on it.

    Keras 2.2.4's own ``SimpleRNN``/``GRU``/``LSTM`` are built on
    :class:`polykeras.layers.RNN` and cells; this class serves old subclasses.
    A subclass defines ``self.units``, sets ``self.states`` (a list with one
    entry per state, ``None`` until a stateful layer makes its variables) and
    ``self.state_spec`` in ``build``, and implements
    ``step(inputs, states) -> (output, new_states)``; optionally
    ``get_constants(inputs, training)`` and ``preprocess_input(inputs, training)``.
    The loop is ``K.rnn`` (masking, ``go_backwards``, ``unroll``); every state
    has shape ``(batch, units)``.

    Raises:
        ValueError: a wrong number of initial states; ``unroll`` with an
            unknown or single time step; ``reset_states`` without a fixed
            batch size or with values of the wrong shape.
        AttributeError: ``reset_states`` on a layer that is not stateful.
    """

    def __init__(self, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, implementation=0, **kwargs):
        super().__init__(**kwargs)
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.implementation = implementation
        self.supports_masking = True
        self.input_spec = [InputSpec(ndim=3)]
        self.state_spec = None
        self.dropout = 0
        self.recurrent_dropout = 0

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        if self.return_sequences:
            output_shape = (input_shape[0], input_shape[1], self.units)
        else:
            output_shape = (input_shape[0], self.units)
        if self.return_state:
            return [output_shape] + [(input_shape[0], self.units) for _ in self.states]
        return output_shape

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, list):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.states]
        return output_mask

    def step(self, inputs, states):
        raise NotImplementedError(f"{type(self).__name__}: a Recurrent subclass must implement "
                                  "step(inputs, states) -> (output, new_states)")

    def get_constants(self, inputs, training=None):
        return []

    def get_initial_state(self, inputs):
        """Zeros of shape ``(batch, units)``, one per state, built from ``inputs``."""
        zeros = K.sum(K.zeros_like(inputs), axis=(1, 2))  # (batch,)
        zeros = K.tile(K.expand_dims(zeros), [1, self.units])
        return [zeros for _ in self.states]

    def preprocess_input(self, inputs, training=None):
        return inputs

    def __call__(self, inputs, initial_state=None, **kwargs):
        if isinstance(inputs, (list, tuple)) and len(inputs) > 1 and initial_state is None:
            initial_state, inputs = list(inputs[1:]), inputs[0]
        if initial_state is None:
            return super().__call__(inputs, **kwargs)
        initial_state = list(initial_state) if isinstance(initial_state, (list, tuple)) \
            else [initial_state]
        symbolic = [hasattr(t, "_keras_history") for t in initial_state]
        if any(symbolic) != all(symbolic):
            raise ValueError(f"{self.name}: the initial state of an RNN layer cannot be a mix "
                             "of Keras tensors and other tensors")
        if not all(symbolic):
            return super().__call__(inputs, initial_state=initial_state, **kwargs)
        input_spec = self.input_spec
        specs = list(input_spec) if isinstance(input_spec, list) else [input_spec]
        state_spec = self.state_spec if isinstance(self.state_spec, list) \
            else [self.state_spec] * len(initial_state)
        self.input_spec = specs + state_spec
        try:
            return super().__call__([inputs] + initial_state, **kwargs)
        finally:
            self.input_spec = input_spec

    def call(self, inputs, mask=None, training=None, initial_state=None):
        if isinstance(inputs, list):
            initial_state, inputs = inputs[1:], inputs[0]
        elif initial_state is None:
            initial_state = self.states if self.stateful else self.get_initial_state(inputs)
        if isinstance(mask, list):
            mask = mask[0]
        if len(initial_state) != len(self.states):
            raise ValueError(f"Layer {self.name!r} has {len(self.states)} states but was passed "
                             f"{len(initial_state)} initial states.")
        timesteps = K.int_shape(inputs)[1]
        if self.unroll and timesteps in (None, 1):
            raise ValueError(f"{self.name}: cannot unroll an RNN whose time dimension is unknown "
                             "or 1; give the input a fixed number of timesteps.")
        constants = self.get_constants(inputs, training=None)
        preprocessed = self.preprocess_input(inputs, training=None)
        last_output, outputs, states = K.rnn(
            self.step, preprocessed, initial_state, go_backwards=self.go_backwards, mask=mask,
            constants=constants, unroll=self.unroll, input_length=timesteps)
        if self.stateful:
            self.add_update([K.update(var, new) for var, new in zip(self.states, states)],
                            inputs)
        output = outputs if self.return_sequences else last_output
        if self.return_state:
            return [output] + list(states)
        return output

    def _batch_size(self):
        spec = self.input_spec[0] if isinstance(self.input_spec, list) else self.input_spec
        batch_size = spec.shape[0] if spec is not None and spec.shape else None
        if not batch_size:
            batch_size = getattr(self, "batch_input_shape", (None,))[0]
        if not batch_size:
            raise _stateful_batch_size_error(self.name)
        return batch_size

    def reset_states(self, states=None):
        """Set the states of a stateful layer to zeros, or to ``states`` (NumPy arrays)."""
        if not self.stateful:
            raise AttributeError(f"{self.name}: reset_states: Layer must be stateful.")
        batch_size = self._batch_size()
        shape = (batch_size, self.units)
        if self.states[0] is None:
            self.states = [K.zeros(shape) for _ in self.states]
        if states is None:
            K.batch_set_value([(state, np.zeros(shape)) for state in self.states])
            return
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        if len(states) != len(self.states):
            raise ValueError(f"Layer {self.name!r} expects {len(self.states)} states, but it "
                             f"received {len(states)} state values.")
        for index, value in enumerate(states):
            if np.shape(value) != shape:
                raise ValueError(f"State {index} is incompatible with layer {self.name!r}: "
                                 f"expected shape={shape}, found shape={np.shape(value)}")
        K.batch_set_value(list(zip(self.states, states)))

    def get_config(self):
        config = {"return_sequences": self.return_sequences, "return_state": self.return_state,
                  "go_backwards": self.go_backwards, "stateful": self.stateful,
                  "unroll": self.unroll, "implementation": self.implementation}
        return {**super().get_config(), **config}


class ConvRecurrent2D(Recurrent):
    """Keras 2.0's abstract base of convolutional recurrent layers (kept for old subclasses).

    Inputs ``(batch, time, rows, cols, channels)`` (``channels_last``) or
    ``(batch, time, channels, rows, cols)``; the output's spatial size follows
    the convolution arguments (:func:`polykeras.utils.conv_utils.conv_output_length`).
    A subclass implements ``build`` and ``step`` as for :class:`Recurrent`.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), return_sequences=False, go_backwards=False,
                 stateful=False, **kwargs):
        super().__init__(return_sequences=return_sequences, go_backwards=go_backwards,
                         stateful=stateful, **kwargs)
        self.filters = _positive_int(type(self).__name__, "filters", filters)
        self.kernel_size = conv_utils.normalize_tuple(kernel_size, 2, "kernel_size")
        self.strides = conv_utils.normalize_tuple(strides, 2, "strides")
        self.padding = conv_utils.normalize_padding(padding)
        self.data_format = K.normalize_data_format(data_format)
        self.dilation_rate = conv_utils.normalize_tuple(dilation_rate, 2, "dilation_rate")
        self.input_spec = [InputSpec(ndim=5)]

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        first = self.data_format == "channels_first"
        spatial = input_shape[3:5] if first else input_shape[2:4]
        rows, cols = (conv_utils.conv_output_length(length, k, padding=self.padding, stride=s,
                                                    dilation=d)
                      for length, k, s, d in zip(spatial, self.kernel_size, self.strides,
                                                 self.dilation_rate))
        step = (self.filters, rows, cols) if first else (rows, cols, self.filters)
        if self.return_sequences:
            output_shape = (input_shape[0], input_shape[1]) + step
        else:
            output_shape = (input_shape[0],) + step
        if self.return_state:
            return [output_shape] + [(input_shape[0],) + step for _ in range(2)]
        return output_shape

    def get_config(self):
        config = {"filters": self.filters, "kernel_size": self.kernel_size,
                  "strides": self.strides, "padding": self.padding,
                  "data_format": self.data_format, "dilation_rate": self.dilation_rate,
                  "return_sequences": self.return_sequences,
                  "go_backwards": self.go_backwards, "stateful": self.stateful}
        return {**super().get_config(), **config}
