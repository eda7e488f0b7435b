"""Convolutional recurrent layers (Keras 2.2's ``keras.layers.convolutional_recurrent``).

:class:`ConvRNN2D` runs a cell over the time axis of a sequence of images
``(batch, time, rows, cols, channels)`` (``channels_first``: ``(batch, time,
channels, rows, cols)``); :class:`ConvLSTM2D` is the LSTM whose products are
2-D convolutions (Shi et al., 2015), weights ``kernel (kh, kw, channels, 4 *
filters)``, ``recurrent_kernel (kh, kw, filters, 4 * filters)``, ``bias (4 *
filters,)``, gates ``i, f, c, o``.
"""

from __future__ import annotations

import numpy as np

from .. import activations
from .. import backend as K
from ..engine.base_layer import InputSpec
from ..legacy import interfaces
from ..utils import conv_utils
from .recurrent import RNN, _CellLayer, _DropoutCell, _unit_forget_bias_initializer


class ConvRNN2D(RNN):
    """Base class of the convolutional recurrent layers: an :class:`RNN` over image sequences.

    Args:
        cell: a cell with ``filters``, ``kernel_size``, ``strides``,
            ``padding``, ``dilation_rate``, ``data_format`` and ``state_size``
            (such as :class:`ConvLSTM2DCell`).
        return_sequences, return_state, go_backwards, stateful: as :class:`RNN`.
        unroll: must be False.

    Raises:
        TypeError: ``unroll=True`` or a list of cells (not supported, as in Keras 2.2.4).
        ValueError: an input that is not of rank 5.
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, **kwargs):
        if unroll:
            raise TypeError(f"{type(self).__name__}: Unrolling is not possible with "
                            "convolutional RNNs. Received: unroll=True")
        if isinstance(cell, (list, tuple)):
            raise TypeError(f"{type(self).__name__}: Stacking convolutional cells is not "
                            "supported. Received: a list of cells")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)
        self.input_spec = [InputSpec(ndim=5)]

    def _check_input_shape(self, input_shape):
        if input_shape is None or len(input_shape) != 5:
            raise ValueError(f"{type(self).__name__}: Layer {self.name!r} expects an input of "
                             "rank 5 (batch, time, rows, cols, channels). Received: input shape "
                             f"{input_shape}")

    def _output_image_shape(self, input_shape):
        """``(rows, cols)`` of the outputs for inputs of ``input_shape`` (None: unknown)."""
        cell = self.cell
        if input_shape is None:
            return None, None
        if cell.data_format == "channels_first":
            rows, cols = input_shape[3], input_shape[4]
        else:
            rows, cols = input_shape[2], input_shape[3]
        rows = conv_utils.conv_output_length(rows, cell.kernel_size[0], padding=cell.padding,
                                             stride=cell.strides[0],
                                             dilation=cell.dilation_rate[0])
        cols = conv_utils.conv_output_length(cols, cell.kernel_size[1], padding=cell.padding,
                                             stride=cell.strides[1],
                                             dilation=cell.dilation_rate[1])
        return rows, cols

    def _image(self, batch, channels, rows, cols):
        if self.cell.data_format == "channels_first":
            return (batch, channels, rows, cols)
        return (batch, rows, cols, channels)

    def _state_shapes(self, input_shape=None):
        rows, cols = self._output_image_shape(input_shape)
        batch = input_shape[0] if input_shape else None
        sizes = self.cell.state_size
        sizes = list(sizes) if hasattr(sizes, "__len__") else [sizes]
        return [self._image(batch, dim, rows, cols) for dim in sizes]

    def _state_channel(self, shape):
        return shape[1] if self.cell.data_format == "channels_first" else shape[-1]

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        rows, cols = self._output_image_shape(input_shape)
        image = self._image(input_shape[0], self.cell.filters, rows, cols)
        output_shape = image[:1] + (input_shape[1],) + image[1:] if self.return_sequences \
            else image
        if self.return_state:
            return [output_shape] + self._state_shapes(input_shape)
        return output_shape

    def get_initial_state(self, inputs):
        """Zeros of the output's image shape: a convolution of zeros (the padding and strides
        give the size)."""
        if self.cell.data_format == "channels_first":
            zeros = K.zeros_like(inputs[:, 0, :1])
        else:
            zeros = K.zeros_like(inputs[:, 0, :, :, :1])
        kernel = K.constant(np.zeros(self.cell.kernel_size + (1, self.cell.filters)),
                            dtype=K.dtype(inputs))
        state = self.cell.input_conv(zeros, kernel, padding=self.cell.padding)
        return [state for _ in self._state_shapes()]


class ConvLSTM2DCell(_DropoutCell):
    """The cell of :class:`ConvLSTM2D`: an LSTM step whose products are convolutions.

    The input products use ``strides``, ``padding`` and ``dilation_rate``; the
    recurrent ones stride 1 with ``"same"`` padding. Arguments: those of
    :class:`ConvLSTM2D` but the recurrent-layer ones.
    """

    _mask_count = 4

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0., recurrent_dropout=0., **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        if isinstance(filters, bool) or not isinstance(filters, (int, np.integer)) or filters < 1:
            raise ValueError(f"{owner}: Expected filters to be a positive integer. "
                             f"Received: filters={filters!r}")
        self.filters = int(filters)
        self.kernel_size = conv_utils.normalize_tuple(kernel_size, 2, "kernel_size")
        self.strides = conv_utils.normalize_tuple(strides, 2, "strides")
        self.padding = conv_utils.normalize_padding(padding)
        if self.padding == "causal":
            raise ValueError(f"{owner}: Expected padding 'valid' or 'same'. "
                             f"Received: padding={padding!r}")
        self.data_format = K.normalize_data_format(data_format)
        self.dilation_rate = conv_utils.normalize_tuple(dilation_rate, 2, "dilation_rate")
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self._init_weights_args(use_bias, kernel_initializer, recurrent_initializer,
                                bias_initializer, kernel_regularizer, recurrent_regularizer,
                                bias_regularizer, kernel_constraint, recurrent_constraint,
                                bias_constraint)
        self.unit_forget_bias = unit_forget_bias
        self._init_dropout(dropout, recurrent_dropout)
        self.state_size = (self.filters, self.filters)

    def build(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        channel_axis = 1 if self.data_format == "channels_first" else -1
        if input_shape[channel_axis] is None:
            raise ValueError(f"{type(self).__name__}: The channel dimension of the inputs must "
                             f"be known. Received: input shape {input_shape}")
        input_dim = int(input_shape[channel_axis])
        self.kernel_shape = self.kernel_size + (input_dim, self.filters * 4)
        self.kernel = self.add_weight(shape=self.kernel_shape, name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, self.filters * 4), name="recurrent_kernel",
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        if self.use_bias:
            bias_initializer = self.bias_initializer
            if self.unit_forget_bias:
                bias_initializer = _unit_forget_bias_initializer(self.bias_initializer,
                                                                 self.filters)
            self.bias = self.add_weight(shape=(self.filters * 4,), name="bias",
                                        initializer=bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        f = self.filters
        self.kernel_i, self.kernel_f, self.kernel_c, self.kernel_o = (
            self.kernel[:, :, :, g * f:(g + 1) * f] for g in range(4))
        self.recurrent_kernel_i, self.recurrent_kernel_f, self.recurrent_kernel_c, \
            self.recurrent_kernel_o = (self.recurrent_kernel[:, :, :, g * f:(g + 1) * f]
                                       for g in range(4))
        if self.use_bias:
            self.bias_i, self.bias_f, self.bias_c, self.bias_o = (
                self.bias[g * f:(g + 1) * f] for g in range(4))
        else:
            self.bias_i = self.bias_f = self.bias_c = self.bias_o = None
        self.built = True

    def _recurrent_mask_like(self, states):
        return states[1]

    def call(self, inputs, states, training=None):
        h_tm1, c_tm1 = states[0], states[1]
        dp_mask, rec_dp_mask = self._masks(inputs, states, training)
        f = self.filters
        if dp_mask is None and rec_dp_mask is None:
            # All four gates in one convolution each (the same function as per gate).
            z = (self.input_conv(inputs, self.kernel, self.bias, padding=self.padding)
                 + self.recurrent_conv(h_tm1, self.recurrent_kernel))
            axis = 1 if self.data_format == "channels_first" else 3
            z0, z1, z2, z3 = (z[:, g * f:(g + 1) * f] if axis == 1
                              else z[:, :, :, g * f:(g + 1) * f] for g in range(4))
        else:
            x = [inputs * m for m in dp_mask] if dp_mask is not None else [inputs] * 4
            h = [h_tm1 * m for m in rec_dp_mask] if rec_dp_mask is not None else [h_tm1] * 4
            kernels = (self.kernel_i, self.kernel_f, self.kernel_c, self.kernel_o)
            recurrent = (self.recurrent_kernel_i, self.recurrent_kernel_f,
                         self.recurrent_kernel_c, self.recurrent_kernel_o)
            biases = (self.bias_i, self.bias_f, self.bias_c, self.bias_o)
            z0, z1, z2, z3 = (self.input_conv(xi, w, b, padding=self.padding)
                              + self.recurrent_conv(hi, u)
                              for xi, hi, w, u, b in zip(x, h, kernels, recurrent, biases))
        i = self.recurrent_activation(z0)
        f_gate = self.recurrent_activation(z1)
        c = f_gate * c_tm1 + i * self.activation(z2)
        o = self.recurrent_activation(z3)
        h = o * self.activation(c)
        return h, [h, c]

    def input_conv(self, x, w, b=None, padding="valid"):
        """The convolution of an input with ``w`` (the layer's strides and dilation), plus ``b``."""
        out = K.conv2d(x, w, strides=self.strides, padding=padding,
                       data_format=self.data_format, dilation_rate=self.dilation_rate)
        if b is not None:
            out = K.bias_add(out, b, data_format=self.data_format)
        return out

    def recurrent_conv(self, x, w):
        """The convolution of a state with ``w``: stride 1, ``"same"`` padding."""
        return K.conv2d(x, w, strides=(1, 1), padding="same", data_format=self.data_format)

    def get_config(self):
        config = {"filters": self.filters, "kernel_size": self.kernel_size,
                  "strides": self.strides, "padding": self.padding,
                  "data_format": self.data_format, "dilation_rate": self.dilation_rate,
                  "activation": activations.serialize(self.activation),
                  "recurrent_activation": activations.serialize(self.recurrent_activation),
                  **self._weights_config(), "unit_forget_bias": self.unit_forget_bias,
                  "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout}
        return {**super().get_config(), **config}


class ConvLSTM2D(_CellLayer, ConvRNN2D):
    """Convolutional LSTM (Shi et al., 2015): an LSTM whose products are 2-D convolutions.

    Input ``(batch, time, rows, cols, channels)`` (``channels_first``:
    ``(batch, time, channels, rows, cols)``); output the last step's
    ``(batch, new_rows, new_cols, filters)``, every step's with
    ``return_sequences``.

    Args:
        filters: number of output channels.
        kernel_size, strides, padding (``"valid"``/``"same"``), data_format,
            dilation_rate: of the input convolution (the recurrent one uses
            stride 1 and ``"same"``).
        activation (``"tanh"``), recurrent_activation (``"hard_sigmoid"``),
            use_bias, kernel_initializer, recurrent_initializer,
            bias_initializer, unit_forget_bias, the regularizers (and
            ``activity_regularizer``), the constraints, dropout,
            recurrent_dropout: as :class:`~.recurrent.LSTM`.
        return_sequences, go_backwards, stateful (and ``return_state``): as
            :class:`~.recurrent.RNN`.
    """

    _cell_class = ConvLSTM2DCell
    _cell_arguments = (
        "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
        "activation", "recurrent_activation", "use_bias", "kernel_initializer",
        "recurrent_initializer", "bias_initializer", "unit_forget_bias", "kernel_regularizer",
        "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
        "bias_constraint", "dropout", "recurrent_dropout")

    @interfaces.legacy_convlstm2d_support
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, return_sequences=False,
                 go_backwards=False, stateful=False, dropout=0., recurrent_dropout=0.,
                 **kwargs):
        cell_kwargs = dict(
            filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout)
        return_state = kwargs.pop("return_state", False)
        unroll = kwargs.pop("unroll", False)
        super().__init__(cell_kwargs, activity_regularizer, return_sequences, return_state,
                         go_backwards, stateful, unroll, **kwargs)


__all__ = ["ConvRNN2D", "ConvLSTM2DCell", "ConvLSTM2D"]
