"""Locally-connected layers (Keras 2.2's ``keras.layers.local``), on the ``K`` API only.

Like ``Conv1D``/``Conv2D`` with ``padding="valid"``, but every output position
has its own filters (unshared weights). The weights have Keras 2.2.4's layout:

* ``kernel``: ``(output positions, prod(kernel_size) * input channels, filters)``,
  positions in row-major order; a patch is flattened in ``(*kernel_size, channels)``
  order for channels_last inputs and ``(channels, *kernel_size)`` for channels_first
  (``K.local_conv1d``/``K.local_conv2d``);
* ``bias``: ``(*output spatial shape, filters)`` whatever the data format; with
  ``channels_first`` it is added after a *reshape* to ``(filters, *output spatial shape)``,
  as Keras 2.2.4's ``bias_add`` does, so that its weight files give the same outputs.
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import activations, constraints, initializers, regularizers
from .. import backend as K
from ..engine.base_layer import InputSpec, Layer
from ..legacy import interfaces
from . import _arguments
from .pooling import _channel_axis, _spatial_axes


class _LocallyConnected(Layer):
    """Unshared ``valid`` convolution over ``rank`` spatial axes.

    Subclasses set ``rank`` and give Keras's constructor signature.

    Raises:
        ValueError: non-positive ``filters``, ``kernel_size`` or ``strides``, a padding
            other than ``"valid"``, another data format, an input of another rank, an
            input whose spatial and channel sizes are not all known, or a kernel larger
            than the input.
    """

    rank = None

    def __init__(self, filters, kernel_size, strides, padding, data_format, activation, use_bias,
                 kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                 activity_regularizer, kernel_constraint, bias_constraint, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        if isinstance(filters, bool) or not isinstance(filters, numbers.Integral) or filters < 1:
            raise ValueError(f"{owner}: Expected filters to be a positive integer. "
                             f"Received: filters={filters!r}")
        self.filters = int(filters)
        self.kernel_size = _arguments.positive_tuple(kernel_size, self.rank, "kernel_size", owner)
        self.strides = _arguments.positive_tuple(strides, self.rank, "strides", owner)
        self.padding = _arguments.padding(padding, owner, allowed=("valid",))
        self.data_format = _arguments.data_format(data_format, owner)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _output_lengths(self, input_shape):
        lengths = [input_shape[a] for a in _spatial_axes(self.rank, self.data_format)]
        return _arguments.spatial_output_lengths(type(self).__name__, lengths, self.kernel_size,
                                                 self.padding, self.strides, "kernel_size")

    def build(self, input_shape):
        owner = type(self).__name__
        channel_axis = _channel_axis(self.rank, self.data_format)
        spatial = [input_shape[a] for a in _spatial_axes(self.rank, self.data_format)]
        channels = input_shape[channel_axis]
        if channels is None or None in spatial:
            raise ValueError(f"{owner}: Expected an input whose spatial and channel sizes are all "
                             f"known (the weights depend on them). Received: input shape "
                             f"{tuple(input_shape)}")
        self.output_lengths = self._output_lengths(input_shape)
        if self.rank == 2:
            self.output_row, self.output_col = self.output_lengths  # Keras 2.2.4's attributes
        positions = int(np.prod(self.output_lengths))
        self.kernel_shape = (positions, int(np.prod(self.kernel_size)) * channels, self.filters)
        self.kernel = self.add_weight(shape=self.kernel_shape, initializer=self.kernel_initializer,
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(shape=self.output_lengths + (self.filters,),
                                        initializer=self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={channel_axis: channels})
        self.built = True

    def compute_output_shape(self, input_shape):
        lengths = self._output_lengths(input_shape)
        if self.data_format == "channels_first":
            return (input_shape[0], self.filters) + lengths
        return (input_shape[0],) + lengths + (self.filters,)

    def call(self, inputs):
        if self.rank == 1:
            output = K.local_conv1d(inputs, self.kernel, self.kernel_size, self.strides,
                                    data_format=self.data_format)
        else:
            output = K.local_conv2d(inputs, self.kernel, self.kernel_size, self.strides,
                                    self.output_lengths, data_format=self.data_format)
        if self.use_bias:
            if self.data_format == "channels_first":
                # Keras 2.2.4 reshapes (not transposes) the (*spatial, filters) bias to
                # (filters, *spatial); doing the same keeps its weight files loadable as is.
                output = output + K.reshape(self.bias, (1, self.filters) + self.output_lengths)
            else:
                output = K.bias_add(output, self.bias, data_format=self.data_format)
        if self.activation is not None:
            output = self.activation(output)
        return output

    def get_config(self):
        config = {
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
        return {**super().get_config(), **config}


class LocallyConnected1D(_LocallyConnected):
    """Unshared 1-D convolution: ``(batch, steps, channels)`` -> ``(batch, new_steps, filters)``.

    ``kernel``: ``(new_steps, kernel_size * channels, filters)``; ``bias``:
    ``(new_steps, filters)``. With ``data_format="channels_first"`` the input is
    ``(batch, channels, steps)`` and the output ``(batch, filters, new_steps)`` (Keras
    2.2.4 accepted but ignored ``data_format`` here; see docs/COMPATIBILITY.md).
    """

    rank = 1

    @interfaces.legacy_conv1d_support
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, activation,
                         use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint,
                         bias_constraint, **kwargs)


class LocallyConnected2D(_LocallyConnected):
    """Unshared 2-D convolution of images.

    ``kernel``: ``(new_rows * new_cols, kh * kw * channels, filters)``; ``bias``:
    ``(new_rows, new_cols, filters)``.
    """

    rank = 2

    @interfaces.legacy_conv2d_support
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, activation,
                         use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint,
                         bias_constraint, **kwargs)


__all__ = ["LocallyConnected1D", "LocallyConnected2D"]
