"""The CuDNN recurrent layers (Keras 2.2's ``keras.layers.cudnn_recurrent``).

Keras 2.2.4 ran them only with TensorFlow on a GPU. Here they compute the
same function on every backend and device: the GRU and LSTM of NVIDIA's
cuDNN (``tanh`` and ``sigmoid``, separate input and recurrent biases), with
Keras's weight layout, so weights saved by Keras load unchanged; the
backend's fused kernels (``K.fused_lstm``, ``K.fused_gru``) run them:

* :class:`CuDNNLSTM`: ``kernel (input_dim, 4 * units)``,
  ``recurrent_kernel (units, 4 * units)``, gates ``i, f, c, o``;
  ``bias (8 * units,)``: the input biases then the recurrent biases.
* :class:`CuDNNGRU`: ``kernel (input_dim, 3 * units)``,
  ``recurrent_kernel (units, 3 * units)``, gates ``z, r, h``;
  ``bias (6 * units,)``: the input biases then the recurrent biases, the
  reset gate applied after the recurrent product.

Keras handed each gate's block of these arrays to cuDNN as a flat buffer,
which cuDNN reads as its row-major ``(units, input_dim)`` (``(units,
units)``) matrix ``W`` of ``W @ x``. So the kernel of ``x @ kernel`` (the
layout of LSTM and GRU) is, per gate, the block reshaped to ``(units,
input_dim)`` and transposed, and the recurrent one the block transposed;
that is also how Keras converts CuDNN weights to LSTM/GRU weights when
loading them. With those kernels, ``LSTM(recurrent_activation="sigmoid")``
with the sum of the two biases, and ``GRU(reset_after=True,
recurrent_activation="sigmoid")`` with ``bias`` reshaped to ``(2, 3 *
units)``, compute the same functions.
"""

from __future__ import annotations

from .. import backend as K
from .. import constraints, initializers, regularizers
from ..engine.base_layer import InputSpec, Layer
from .recurrent import RNN, _check_units


class _CuDNNStep:
    """The step of a CuDNN layer as a cell (the weights belong to the layer)."""

    def __init__(self, layer, state_size):
        self._layer = layer
        self.state_size = state_size

    def call(self, inputs, states):
        return self._layer._step(inputs, states)

    def get_config(self):
        return {}


class _CuDNNRNN(RNN):
    """What the CuDNN layers share: no masking, dropout, unroll or custom cell.

    Raises:
        ValueError: a mask reaches the layer.
    """

    def __init__(self, state_size, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        super().__init__(_CuDNNStep(self, state_size), return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, unroll=False, **kwargs)
        self.supports_masking = False
        self.input_spec = [InputSpec(ndim=3)]

    def _init_weight_args(self, kernel_initializer, recurrent_initializer, bias_initializer,
                          kernel_regularizer, recurrent_regularizer, bias_regularizer,
                          activity_regularizer, kernel_constraint, recurrent_constraint,
                          bias_constraint):
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _build_weights(self, input_shape, gates, bias_initializer):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        input_dim = input_shape[-1]
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
        self.bias = self.add_weight(shape=(2 * gates * self.units,), name="bias",
                                    initializer=bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint)
        self.input_bias = self.bias[:gates * self.units]
        self.recurrent_bias = self.bias[gates * self.units:]
        # The kernels of x @ W in the LSTM/GRU layout (see the module docstring).
        u, n = self.units, int(input_dim)
        self.native_kernel = K.concatenate(
            [K.transpose(K.reshape(self.kernel[:, g * u:(g + 1) * u], (u, n)))
             for g in range(gates)], axis=1)
        self.native_recurrent_kernel = K.concatenate(
            [K.transpose(self.recurrent_kernel[:, g * u:(g + 1) * u]) for g in range(gates)],
            axis=1)

    def call(self, inputs, mask=None, training=None, initial_state=None, constants=None):
        if any(m is not None for m in (mask if isinstance(mask, list) else [mask])):
            raise ValueError(f"{type(self).__name__}: Masking is not supported by CuDNN RNNs "
                             f"(layer {self.name!r}): remove the mask (Embedding(mask_zero=True), "
                             "Masking) or use the LSTM/GRU layer.")
        if constants:
            raise ValueError(f"{type(self).__name__}: Layer {self.name!r} does not accept "
                             "constants.")
        return super().call(inputs, training=training, initial_state=initial_state)

    @property
    def trainable_weights(self):
        if self.trainable and self.built:
            return [self.kernel, self.recurrent_kernel, self.bias]
        return []

    @trainable_weights.setter
    def trainable_weights(self, weights):
        self._trainable_weights = list(weights)

    @property
    def non_trainable_weights(self):
        if not self.trainable and self.built:
            return [self.kernel, self.recurrent_kernel, self.bias]
        return []

    @non_trainable_weights.setter
    def non_trainable_weights(self, weights):
        self._non_trainable_weights = list(weights)

    @property
    def losses(self):
        return Layer.losses.fget(self)

    def get_losses_for(self, inputs=None):
        return Layer.get_losses_for(self, inputs)

    def _weights_config(self):
        return {
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }

    def get_config(self):
        config = super().get_config()
        for key in ("cell", "unroll", "num_constants"):
            config.pop(key, None)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


class CuDNNGRU(_CuDNNRNN):
    """The GRU of cuDNN: ``z = s(x Wz + bz + h Uz + rbz)``, ``r = s(x Wr + br + h Ur + rbr)``,
    ``hh = tanh(x Wh + bh + r * (h Uh + rbh))``, ``h = z * h + (1 - z) * hh`` (``s``: sigmoid;
    ``W``, ``U``: the gate blocks of the kernels as the module docstring says).

    Args:
        units: positive int.
        kernel_initializer, recurrent_initializer, bias_initializer: default
            ``"glorot_uniform"``, ``"orthogonal"``, ``"zeros"``.
        kernel_regularizer, recurrent_regularizer, bias_regularizer,
            activity_regularizer, kernel_constraint, recurrent_constraint,
            bias_constraint: optional.
        return_sequences, return_state, stateful, go_backwards: as :class:`RNN`.
    """

    def __init__(self, units, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, return_sequences=False, return_state=False,
                 stateful=False, **kwargs):
        self.units = _check_units(units, "CuDNNGRU")
        super().__init__(self.units, return_sequences=return_sequences,
                         return_state=return_state, stateful=stateful, **kwargs)
        self._init_weight_args(kernel_initializer, recurrent_initializer, bias_initializer,
                               kernel_regularizer, recurrent_regularizer, bias_regularizer,
                               activity_regularizer, kernel_constraint, recurrent_constraint,
                               bias_constraint)

    def build(self, input_shape):
        super().build(input_shape)
        self._build_weights(input_shape, 3, self.bias_initializer)
        self.built = True

    def _step(self, inputs, states):
        h_tm1 = states[0]
        u = self.units
        matrix_x = K.bias_add(K.dot(inputs, self.native_kernel), self.input_bias)
        matrix_h = K.bias_add(K.dot(h_tm1, self.native_recurrent_kernel), self.recurrent_bias)
        z = K.sigmoid(matrix_x[:, :u] + matrix_h[:, :u])
        r = K.sigmoid(matrix_x[:, u:2 * u] + matrix_h[:, u:2 * u])
        hh = K.tanh(matrix_x[:, 2 * u:] + r * matrix_h[:, 2 * u:])
        h = z * h_tm1 + (1 - z) * hh
        return h, [h]

    def _fused_runner(self, constants, training):
        def run(inputs, initial_state, mask):
            bias = K.reshape(self.bias, (2, 3 * self.units))
            return K.fused_gru(inputs, self.native_kernel, self.native_recurrent_kernel, bias,
                               list(initial_state), mask=mask, go_backwards=self.go_backwards,
                               reset_after=True)
        return run

    def get_config(self):
        return {**super().get_config(), "units": self.units, **self._weights_config()}


class CuDNNLSTM(_CuDNNRNN):
    """The LSTM of cuDNN: :class:`~.recurrent.LSTM` with sigmoid gates, ``tanh``, the sum of an
    input and a recurrent bias, and the kernels' gate blocks as the module docstring says.

    Args:
        units: positive int.
        kernel_initializer, recurrent_initializer, bias_initializer: default
            ``"glorot_uniform"``, ``"orthogonal"``, ``"zeros"``.
        unit_forget_bias: initialize the recurrent bias of the forget gate to ones.
        kernel_regularizer, recurrent_regularizer, bias_regularizer,
            activity_regularizer, kernel_constraint, recurrent_constraint,
            bias_constraint: optional.
        return_sequences, return_state, stateful, go_backwards: as :class:`RNN`.
    """

    def __init__(self, units, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, return_sequences=False,
                 return_state=False, stateful=False, **kwargs):
        self.units = _check_units(units, "CuDNNLSTM")
        super().__init__((self.units, self.units), return_sequences=return_sequences,
                         return_state=return_state, stateful=stateful, **kwargs)
        self._init_weight_args(kernel_initializer, recurrent_initializer, bias_initializer,
                               kernel_regularizer, recurrent_regularizer, bias_regularizer,
                               activity_regularizer, kernel_constraint, recurrent_constraint,
                               bias_constraint)
        self.unit_forget_bias = unit_forget_bias

    def build(self, input_shape):
        super().build(input_shape)
        bias_initializer = self.bias_initializer
        if self.unit_forget_bias:
            units, base = self.units, self.bias_initializer

            def bias_initializer(shape, dtype=None):
                # ones for the recurrent bias of the forget gate (the sixth block of units)
                return K.concatenate([base((units * 5,), dtype=dtype),
                                      initializers.Ones()((units,), dtype=dtype),
                                      base((units * 2,), dtype=dtype)])
        self._build_weights(input_shape, 4, bias_initializer)
        self.summed_bias = self.input_bias + self.recurrent_bias
        self.built = True

    def _step(self, inputs, states):
        h_tm1, c_tm1 = states[0], states[1]
        u = self.units
        z = K.bias_add(K.dot(inputs, self.native_kernel)
                       + K.dot(h_tm1, self.native_recurrent_kernel), self.summed_bias)
        i = K.sigmoid(z[:, :u])
        f = K.sigmoid(z[:, u:2 * u])
        c = f * c_tm1 + i * K.tanh(z[:, 2 * u:3 * u])
        o = K.sigmoid(z[:, 3 * u:])
        h = o * K.tanh(c)
        return h, [h, c]

    def _fused_runner(self, constants, training):
        def run(inputs, initial_state, mask):
            return K.fused_lstm(inputs, self.native_kernel, self.native_recurrent_kernel,
                                self.summed_bias, list(initial_state), mask=mask,
                                go_backwards=self.go_backwards)
        return run

    def get_config(self):
        weights = self._weights_config()
        config = {"units": self.units,
                  "kernel_initializer": weights.pop("kernel_initializer"),
                  "recurrent_initializer": weights.pop("recurrent_initializer"),
                  "bias_initializer": weights.pop("bias_initializer"),
                  "unit_forget_bias": self.unit_forget_bias, **weights}
        return {**super().get_config(), **config}


__all__ = ["CuDNNGRU", "CuDNNLSTM"]

