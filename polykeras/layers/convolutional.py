"""Convolutional layers (Keras 2.2's ``keras.layers.convolutional``), written on the ``K`` API only.

Families, each a shared base class so that a concrete layer only states its rank and its
Keras 2.2.4 constructor:

* :class:`_Conv`: ``Conv1D``, ``Conv2D``, ``Conv3D`` (kernel ``(*kernel_size, in, filters)``);
* :class:`_ConvTranspose`: ``Conv2DTranspose``, ``Conv3DTranspose`` (kernel
  ``(*kernel_size, filters, in)``, TensorFlow's layout, as Keras 2.2.4);
* :class:`_SeparableConv`: ``SeparableConv1D``, ``SeparableConv2D``; and ``DepthwiseConv2D``;
* :class:`_UpSampling`, :class:`_ZeroPadding`, :class:`_Cropping`: 1-D, 2-D and 3-D each.

Weight names, shapes, order, default initializers, ``compute_output_shape`` and config keys
are Keras 2.2.4's; the Keras 1 arguments (``Convolution2D(32, 3, 3, border_mode='same')``)
are converted with a warning by the decorators of :mod:`polykeras.legacy.interfaces`, on the
same constructors as in Keras 2.2.4. Invalid arguments and inputs raise ``ValueError`` naming
the layer class, what it expects and what it received.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import activations, constraints, initializers, regularizers
from .. import backend as K
from ..engine.base_layer import InputSpec, Layer
from ..legacy import interfaces
from ..utils import conv_utils

_ORDINALS = ("1st", "2nd", "3rd")


# -- argument checks ----------------------------------------------------------------------------

def _arguments(frame_locals):
    """A concrete layer's constructor arguments (its ``locals()`` taken first thing in
    ``__init__``), with its ``**kwargs`` merged in, to hand on to the family's base class."""
    arguments = {name: value for name, value in frame_locals.items()
                 if name not in ("self", "__class__", "kwargs")}
    arguments.update(frame_locals.get("kwargs", {}))
    return arguments


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _data_format(value, owner):
    """``value`` normalized (None: ``K.image_data_format()``); a ValueError naming ``owner``."""
    try:
        return K.normalize_data_format(value)
    except (ValueError, AttributeError):
        raise ValueError(f"{owner}: Expected one of {{'channels_first', 'channels_last'}}. "
                         f"Received: data_format={value!r}") from None


def _int_tuple(value, n, name, owner, minimum=1):
    """An int or ``n`` ints as a tuple of ``n`` ints, each at least ``minimum``."""
    try:
        values = conv_utils.normalize_tuple(value, n, name)
    except ValueError:
        raise ValueError(f"{owner}: Expected {name} as an integer or a tuple of {n} integers. "
                         f"Received: {name}={value!r}") from None
    if any(v < minimum for v in values):
        kind = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{owner}: Expected {name} of {kind} integers. Received: {name}={value!r}")
    return values


def _pairs(value, rank, name, owner):
    """Padding or cropping amounts as ``rank`` pairs ``(before, after)`` of non-negative ints.

    Rank 1 takes an int or one pair; ranks 2 and 3 take an int (the same everywhere), ``rank``
    ints (symmetric per axis) or ``rank`` pairs, as Keras 2.2.4's ZeroPadding/Cropping layers.
    """
    if rank == 1:
        return (_int_tuple(value, 2, name, owner, minimum=0),)
    if _is_int(value):
        return (_int_tuple(value, 2, name, owner, minimum=0),) * rank
    if not hasattr(value, "__len__") or len(value) != rank:
        raise ValueError(f"{owner}: Expected {name} as an integer, a tuple of {rank} integers or "
                         f"a tuple of {rank} pairs of integers. Received: {name}={value!r}")
    return tuple(_int_tuple(entry, 2, f"{_ORDINALS[i]} entry of {name}", owner, minimum=0)
                 for i, entry in enumerate(value))


def _padding(value, owner, allowed=("valid", "same")):
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        expected = "{" + ", ".join(repr(p) for p in allowed) + "}"
        raise ValueError(f"{owner}: Expected one of {expected}. Received: padding={value!r}")
    return padding


def _spatial_axes(rank, data_format):
    first = 1 if data_format == "channels_last" else 2
    return tuple(range(first, first + rank))


def _channel_axis(data_format):
    return -1 if data_format == "channels_last" else 1


# -- convolutions ---------------------------------------------------------------------------------

class _Conv(Layer):
    """Base of the N-D convolutions: ``activation(conv(inputs, kernel) + bias)``.

    Args:
        rank: 1, 2 or 3, the number of spatial axes.
        filters: positive int, the number of output channels.
        kernel_size, strides, dilation_rate: an int or ``rank`` positive ints.
        padding: ``"valid"``, ``"same"`` (TensorFlow's: output ``ceil(size / stride)``)
            or, for Conv1D only, ``"causal"``.
        data_format: ``"channels_last"`` (``(batch, *spatial, channels)``) or
            ``"channels_first"``; None: ``K.image_data_format()``.
        activation, use_bias, *_initializer, *_regularizer, *_constraint: as Dense.

    Weights: ``kernel`` of shape ``(*kernel_size, input_channels, filters)``, then ``bias``
    of shape ``(filters,)``.

    Raises:
        ValueError: non-positive filters or sizes, an unknown padding or data format (at
            construction); an input of the wrong rank, with an unknown channels axis or, with
            ``"valid"`` padding, smaller than the dilated kernel (when called).
    """

    #: The paddings this layer accepts (Keras 2.2.4's TensorFlow backend: "causal" is conv1d's).
    _paddings = ("valid", "same")
    #: Whether ``filters`` must be given (DepthwiseConv2D derives its output channels).
    _requires_filters = True

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.rank = rank
        if filters is not None or self._requires_filters:
            if not _is_int(filters) or filters < 1:
                raise ValueError(f"{owner}: Expected filters to be a positive integer. "
                                 f"Received: filters={filters!r}")
            filters = int(filters)
        self.filters = filters
        self.kernel_size = _int_tuple(kernel_size, rank, "kernel_size", owner)
        self.strides = _int_tuple(strides, rank, "strides", owner)
        self.padding = _padding(padding, owner, self._paddings)
        self.data_format = _data_format(data_format, owner)
        self.dilation_rate = _int_tuple(dilation_rate, rank, "dilation_rate", owner)
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

    # -- what the families specialise ----------------------------------------------------------
    def _create_kernels(self, input_dim):
        self.kernel = self.add_weight(shape=self.kernel_size + (input_dim, self.filters),
                                      initializer=self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)

    def _output_channels(self, input_dim):
        return self.filters

    def _output_length(self, axis, length):
        return conv_utils.conv_output_length(length, self.kernel_size[axis], padding=self.padding,
                                             stride=self.strides[axis],
                                             dilation=self.dilation_rate[axis])

    def _convolve(self, inputs):
        if self.rank == 1:
            return K.conv1d(inputs, self.kernel, strides=self.strides[0], padding=self.padding,
                            data_format=self.data_format, dilation_rate=self.dilation_rate[0])
        conv = K.conv2d if self.rank == 2 else K.conv3d
        return conv(inputs, self.kernel, strides=self.strides, padding=self.padding,
                    data_format=self.data_format, dilation_rate=self.dilation_rate)

    def _check_input_size(self, input_shape):
        """With "valid" padding every known spatial size must hold the dilated kernel."""
        if self.padding != "valid" or input_shape is None or len(input_shape) != self.rank + 2:
            return
        spatial = [input_shape[a] for a in _spatial_axes(self.rank, self.data_format)]
        effective = tuple((k - 1) * d + 1 for k, d in zip(self.kernel_size, self.dilation_rate))
        if any(n is not None and n < e for n, e in zip(spatial, effective)):
            raise ValueError(
                f"{type(self).__name__}: Expected an input whose spatial size is at least the "
                f"(dilated) kernel size {effective} with padding='valid'. Received: input shape "
                f"{tuple(input_shape)} ({self.data_format})")

    # -- the Layer API -----------------------------------------------------------------------------
    def _input_channels(self, input_shape):
        axis = _channel_axis(self.data_format)
        if input_shape is None or input_shape[axis] is None:
            raise ValueError(f"{type(self).__name__}: Expected an input whose channels axis "
                             f"({axis}, {self.data_format}) is known. Received: input shape "
                             f"{input_shape}")
        return int(input_shape[axis])

    def build(self, input_shape):
        self._check_input_size(input_shape)
        input_dim = self._input_channels(input_shape)
        self._create_kernels(input_dim)
        if self.use_bias:
            self.bias = self.add_weight(shape=(self._output_channels(input_dim),),
                                        initializer=self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.input_spec = InputSpec(ndim=self.rank + 2,
                                    axes={_channel_axis(self.data_format): input_dim})
        self.built = True

    def call(self, inputs):
        self._check_input_size(K.int_shape(inputs))
        outputs = self._convolve(inputs)
        if self.use_bias:
            outputs = K.bias_add(outputs, self.bias, data_format=self.data_format)
        if self.activation is not None:
            return self.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_input_size(input_shape)
        axes = _spatial_axes(self.rank, self.data_format)
        space = tuple(self._output_length(i, input_shape[a]) for i, a in enumerate(axes))
        channels = input_shape[_channel_axis(self.data_format)]
        channels = None if channels is None else self._output_channels(channels)
        if self.data_format == "channels_last":
            return (input_shape[0],) + space + (channels,)
        return (input_shape[0], channels) + space

    def get_config(self):
        config = {
            "rank": self.rank,
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
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


class Conv1D(_Conv):
    """1-D convolution over ``(batch, steps, channels)`` (temporal data; channels_last by default).

    ``padding="causal"``: ``output[t]`` depends on ``input[:t + 1]`` only (left zero padding
    of ``dilation_rate * (kernel_size - 1)``, WaveNet); it needs ``"channels_last"``.
    """

    _paddings = ("valid", "same", "causal")

    @interfaces.legacy_conv1d_support
    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank=1, **_arguments(locals()))
        if self.padding == "causal" and self.data_format != "channels_last":
            raise ValueError(f"{type(self).__name__}: Expected data_format='channels_last' with "
                             f"causal padding (temporal data). "
                             f"Received: data_format={data_format!r}")

    def get_config(self):
        config = super().get_config()
        config.pop("rank")
        return config


class Conv2D(_Conv):
    """2-D convolution over images: ``(batch, rows, cols, channels)`` (channels_last)."""

    @interfaces.legacy_conv2d_support
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank=2, **_arguments(locals()))

    def get_config(self):
        config = super().get_config()
        config.pop("rank")
        return config


class Conv3D(_Conv):
    """3-D convolution over volumes: ``(batch, dim1, dim2, dim3, channels)`` (channels_last)."""

    @interfaces.legacy_conv3d_support
    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank=3, **_arguments(locals()))

    def get_config(self):
        config = super().get_config()
        config.pop("rank")
        return config


class _ConvTranspose(_Conv):
    """Base of the transposed convolutions (the gradient of a convolution with respect to its
    input).

    Kernel ``(*kernel_size, filters, input_channels)``. Each output length is
    ``conv_utils.deconv_length``: with ``output_padding=None``, ``size * stride`` ("same") or
    ``size * stride + max(k - stride, 0)`` ("valid"), ``k`` the dilated kernel size; else
    ``(size - 1) * stride + k - 2 * pad + output_padding`` with ``pad`` ``k // 2`` ("same") or
    0 ("valid"). A convolution of the output with the same strides and padding gives back
    the input's size.

    Raises:
        ValueError: an ``output_padding`` not below the stride, or one that no convolution
            maps back to the input (an even dilated kernel with "same" padding and an output
            padding of 0, which Keras 2.2.4's TensorFlow backend rejects when run).
    """

    #: Whether the Keras 2.2.4 constructor takes ``dilation_rate`` (Conv3DTranspose does not).
    _takes_dilation = True

    def _set_output_padding(self, output_padding):
        owner = type(self).__name__
        self.output_padding = output_padding
        if output_padding is None:
            return
        self.output_padding = _int_tuple(output_padding, self.rank, "output_padding", owner,
                                         minimum=0)
        for stride, out_pad in zip(self.strides, self.output_padding):
            if out_pad >= stride:
                raise ValueError(f"{owner}: Expected each output_padding lower than the stride "
                                 f"along its axis. Received: strides={self.strides}, "
                                 f"output_padding={self.output_padding}")
        if self.padding == "same":
            for axis, (k, d, out_pad) in enumerate(zip(self.kernel_size, self.dilation_rate,
                                                       self.output_padding)):
                if ((k - 1) * d + 1) % 2 == 0 and out_pad == 0:
                    raise ValueError(
                        f"{owner}: Expected output_padding >= 1 along axis {axis}, whose dilated "
                        f"kernel size {(k - 1) * d + 1} is even, with padding='same': the output "
                        f"(size - 1) * stride would not convolve back to the input's size. "
                        f"Received: output_padding={self.output_padding}")

    def _create_kernels(self, input_dim):
        self.kernel = self.add_weight(shape=self.kernel_size + (self.filters, input_dim),
                                      initializer=self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)

    def _output_length(self, axis, length):
        out_pad = None if self.output_padding is None else self.output_padding[axis]
        return conv_utils.deconv_length(length, self.strides[axis], self.kernel_size[axis],
                                        self.padding, out_pad, self.dilation_rate[axis])

    def _check_input_size(self, input_shape):
        return  # a transposed convolution grows its input: any size works

    def _convolve(self, inputs):
        static = K.int_shape(inputs)
        dynamic = K.shape(inputs)
        space = []
        for i, axis in enumerate(_spatial_axes(self.rank, self.data_format)):
            length = static[axis] if static[axis] is not None else dynamic[axis]
            space.append(self._output_length(i, length))
        if self.data_format == "channels_first":
            output_shape = (dynamic[0], self.filters) + tuple(space)
        else:
            output_shape = (dynamic[0],) + tuple(space) + (self.filters,)
        if self.rank == 2:
            return K.conv2d_transpose(inputs, self.kernel, output_shape, self.strides,
                                      padding=self.padding, data_format=self.data_format,
                                      dilation_rate=self.dilation_rate)
        return K.conv3d_transpose(inputs, self.kernel, output_shape, self.strides,
                                  padding=self.padding, data_format=self.data_format)

    def get_config(self):
        config = super().get_config()
        if not self._takes_dilation:
            config.pop("dilation_rate")
        config["output_padding"] = self.output_padding
        return config


class Conv2DTranspose(_ConvTranspose, Conv2D):
    """2-D transposed convolution ("deconvolution"): kernel ``(kh, kw, filters, input_channels)``.

    ``dilation_rate`` spaces the kernel's taps (Keras 2.2.4's TensorFlow backend allows it
    only with strides of 1 and equal rates; here any combination, see docs/COMPATIBILITY.md).
    """

    @interfaces.legacy_deconv2d_support
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        arguments = _arguments(locals())
        arguments.pop("output_padding")
        super().__init__(**arguments)
        self._set_output_padding(output_padding)


class Conv3DTranspose(_ConvTranspose, Conv3D):
    """3-D transposed convolution: kernel ``(kd, kh, kw, filters, input_channels)``; no dilation
    (Keras 2.2.4's constructor has no ``dilation_rate``)."""

    _takes_dilation = False

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 output_padding=None, data_format=None, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        arguments = _arguments(locals())
        arguments.pop("output_padding")
        super().__init__(**arguments)
        self._set_output_padding(output_padding)


class _SeparableConv(_Conv):
    """Base of the depthwise separable convolutions: a depthwise convolution (each input channel
    with its own ``depth_multiplier`` filters), then a pointwise (1 x 1) one to ``filters``.

    Weights: ``depthwise_kernel`` ``(*kernel_size, input_channels, depth_multiplier)``,
    ``pointwise_kernel`` ``(*(1,) * rank, input_channels * depth_multiplier, filters)``, then
    ``bias`` ``(filters,)``.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank=rank, filters=filters, kernel_size=kernel_size, strides=strides,
                         padding=padding, data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, bias_constraint=bias_constraint,
                         **kwargs)
        self.depth_multiplier = _depth_multiplier(depth_multiplier, type(self).__name__)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def _create_kernels(self, input_dim):
        self.depthwise_kernel = self.add_weight(
            shape=self.kernel_size + (input_dim, self.depth_multiplier),
            initializer=self.depthwise_initializer, name="depthwise_kernel",
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            shape=(1,) * self.rank + (self.depth_multiplier * input_dim, self.filters),
            initializer=self.pointwise_initializer, name="pointwise_kernel",
            regularizer=self.pointwise_regularizer, constraint=self.pointwise_constraint)

    def _convolve(self, inputs):
        conv = K.separable_conv1d if self.rank == 1 else K.separable_conv2d
        return conv(inputs, self.depthwise_kernel, self.pointwise_kernel,
                    data_format=self.data_format, strides=self.strides, padding=self.padding,
                    dilation_rate=self.dilation_rate)

    def get_config(self):
        config = super().get_config()
        for key in ("rank", "kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            config.pop(key)
        config.update(_depthwise_config(self))
        config["pointwise_initializer"] = initializers.serialize(self.pointwise_initializer)
        config["pointwise_regularizer"] = regularizers.serialize(self.pointwise_regularizer)
        config["pointwise_constraint"] = constraints.serialize(self.pointwise_constraint)
        return config


def _depth_multiplier(value, owner):
    if not _is_int(value) or value < 1:
        raise ValueError(f"{owner}: Expected depth_multiplier to be a positive integer. "
                         f"Received: depth_multiplier={value!r}")
    return int(value)


def _depthwise_config(layer):
    return {"depth_multiplier": layer.depth_multiplier,
            "depthwise_initializer": initializers.serialize(layer.depthwise_initializer),
            "depthwise_regularizer": regularizers.serialize(layer.depthwise_regularizer),
            "depthwise_constraint": constraints.serialize(layer.depthwise_constraint)}


class SeparableConv1D(_SeparableConv):
    """Depthwise separable 1-D convolution over ``(batch, steps, channels)``."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, depth_multiplier=1, activation=None,
                 use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, pointwise_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(rank=1, **_arguments(locals()))


class SeparableConv2D(_SeparableConv):
    """Depthwise separable 2-D convolution over images."""

    @interfaces.legacy_separable_conv2d_support
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank=2, **_arguments(locals()))


class DepthwiseConv2D(Conv2D):
    """The depthwise step of a separable convolution: input channel ``c`` convolved with its own
    ``depth_multiplier`` filters gives output channels ``c * depth_multiplier + m``.

    Weights: ``depthwise_kernel`` ``(kh, kw, input_channels, depth_multiplier)``, then
    ``bias`` ``(input_channels * depth_multiplier,)``. Keras 2.2.4's constructor has no
    ``dilation_rate``; its config still holds ``dilation_rate`` (always 1), which
    :meth:`from_config` accepts.
    """

    _requires_filters = False

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters=None, kernel_size=kernel_size, strides=strides, padding=padding,
                         data_format=data_format, activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, bias_constraint=bias_constraint,
                         **kwargs)
        self.depth_multiplier = _depth_multiplier(depth_multiplier, type(self).__name__)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def _create_kernels(self, input_dim):
        self.depthwise_kernel = self.add_weight(
            shape=self.kernel_size + (input_dim, self.depth_multiplier),
            initializer=self.depthwise_initializer, name="depthwise_kernel",
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint)

    def _output_channels(self, input_dim):
        return input_dim * self.depth_multiplier

    def _convolve(self, inputs):
        return K.depthwise_conv2d(inputs, self.depthwise_kernel, strides=self.strides,
                                  padding=self.padding, dilation_rate=self.dilation_rate,
                                  data_format=self.data_format)

    def get_config(self):
        config = super().get_config()
        for key in ("filters", "kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            config.pop(key)
        config.update(_depthwise_config(self))
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        dilation_rate = config.pop("dilation_rate", 1)
        if _int_tuple(dilation_rate, 2, "dilation_rate", cls.__name__) != (1, 1):
            raise ValueError(f"{cls.__name__}: Expected dilation_rate (1, 1) in the config (the "
                             f"layer has no dilation). Received: dilation_rate={dilation_rate!r}")
        return cls(**config)


# -- resizing, padding, cropping ------------------------------------------------------------------

class _SpatialLayer(Layer):
    """Base of the weightless layers acting on the ``rank`` spatial axes of an input of rank
    ``rank + 2``: per-axis parameters ``values`` (a size or a pair) and ``data_format``."""

    def __init__(self, rank, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.data_format = _data_format(data_format, type(self).__name__)
        self.input_spec = InputSpec(ndim=rank + 2)

    def _spatial_shape(self, input_shape):
        return [input_shape[a] for a in _spatial_axes(self.rank, self.data_format)]

    def _new_length(self, axis, length):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        output_shape = list(input_shape)
        for i, axis in enumerate(_spatial_axes(self.rank, self.data_format)):
            if output_shape[axis] is not None:
                output_shape[axis] = self._new_length(i, output_shape[axis])
        return tuple(output_shape)


class _UpSampling(_SpatialLayer):
    """Base of the upsampling layers: each spatial axis ``i`` repeated ``size[i]`` times."""

    def __init__(self, size, data_format=None, **kwargs):
        super().__init__(len(size), data_format, **kwargs)
        self.size = size

    def _new_length(self, axis, length):
        return length * self.size[axis]

    def get_config(self):
        config = {"size": self.size, "data_format": self.data_format}
        return {**super().get_config(), **config}


class UpSampling1D(_UpSampling):
    """Repeat each step of ``(batch, steps, features)`` ``size`` times along the steps."""

    @interfaces.legacy_upsampling1d_support
    def __init__(self, size=2, **kwargs):
        size = _int_tuple(size, 1, "size", type(self).__name__)
        super().__init__(size, "channels_last", **kwargs)

    def call(self, inputs):
        return K.repeat_elements(inputs, self.size[0], axis=1)

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size[0]
        config.pop("data_format")
        return config


class UpSampling2D(_UpSampling):
    """Upsample rows and columns by ``size``: ``interpolation="nearest"`` repeats them,
    ``"bilinear"`` interpolates as TensorFlow 1's ``resize_bilinear`` (``K.resize_images``)."""

    @interfaces.legacy_upsampling2d_support
    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        owner = type(self).__name__
        super().__init__(_int_tuple(size, 2, "size", owner), data_format, **kwargs)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"{owner}: Expected one of {{'nearest', 'bilinear'}}. "
                             f"Received: interpolation={interpolation!r}")
        self.interpolation = interpolation

    def call(self, inputs):
        return K.resize_images(inputs, self.size[0], self.size[1], self.data_format,
                               self.interpolation)

    def get_config(self):
        config = super().get_config()
        config["interpolation"] = self.interpolation
        return config


class UpSampling3D(_UpSampling):
    """Upsample the three spatial axes of a volume by repeating (``K.resize_volumes``)."""

    @interfaces.legacy_upsampling3d_support
    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(_int_tuple(size, 3, "size", type(self).__name__), data_format, **kwargs)

    def call(self, inputs):
        return K.resize_volumes(inputs, self.size[0], self.size[1], self.size[2], self.data_format)


class _ZeroPadding(_SpatialLayer):
    """Base of the zero-padding layers: ``padding[i] = (before, after)`` zeros on spatial axis
    ``i``."""

    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(len(padding), data_format, **kwargs)
        self.padding = padding

    def _new_length(self, axis, length):
        return length + sum(self.padding[axis])

    def call(self, inputs):
        if self.rank == 1:
            return K.temporal_padding(inputs, padding=self.padding[0])
        pad = K.spatial_2d_padding if self.rank == 2 else K.spatial_3d_padding
        return pad(inputs, padding=self.padding, data_format=self.data_format)

    def get_config(self):
        config = {"padding": self.padding, "data_format": self.data_format}
        return {**super().get_config(), **config}


class ZeroPadding1D(_ZeroPadding):
    """Zero-pad the steps of ``(batch, steps, features)``: ``padding`` an int or
    ``(left, right)``."""

    def __init__(self, padding=1, **kwargs):
        super().__init__(_pairs(padding, 1, "padding", type(self).__name__), "channels_last",
                         **kwargs)

    def get_config(self):
        config = super().get_config()
        config["padding"] = config["padding"][0]
        config.pop("data_format")
        return config


class ZeroPadding2D(_ZeroPadding):
    """Zero-pad rows and columns: ``padding`` an int, ``(rows, cols)`` (symmetric) or
    ``((top, bottom), (left, right))``."""

    @interfaces.legacy_zeropadding2d_support
    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(_pairs(padding, 2, "padding", type(self).__name__), data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Zero-pad the three spatial axes: ``padding`` an int, 3 ints or 3 pairs."""

    @interfaces.legacy_zeropadding3d_support
    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        super().__init__(_pairs(padding, 3, "padding", type(self).__name__), data_format, **kwargs)


class _Cropping(_SpatialLayer):
    """Base of the cropping layers: ``cropping[i] = (before, after)`` cells removed from spatial
    axis ``i``.

    Raises:
        ValueError: (when called) a cropping that leaves no cell of a known spatial axis.
    """

    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(len(cropping), data_format, **kwargs)
        self.cropping = cropping

    def _new_length(self, axis, length):
        return length - sum(self.cropping[axis])

    def _check_input_size(self, input_shape):
        if input_shape is None or len(input_shape) != self.rank + 2:
            return
        for length, (before, after) in zip(self._spatial_shape(input_shape), self.cropping):
            if length is not None and before + after >= length:
                raise ValueError(
                    f"{type(self).__name__}: Expected a cropping that leaves at least one cell of "
                    f"each spatial axis. Received: cropping={self.cropping} for an input of shape "
                    f"{tuple(input_shape)} ({self.data_format})")

    def build(self, input_shape):
        self._check_input_size(input_shape)
        self.built = True

    def call(self, inputs):
        self._check_input_size(K.int_shape(inputs))
        slices = [slice(None)] * (self.rank + 2)
        for axis, (before, after) in zip(_spatial_axes(self.rank, self.data_format), self.cropping):
            slices[axis] = slice(before, -after if after else None)
        return inputs[tuple(slices)]

    def compute_output_shape(self, input_shape):
        self._check_input_size(input_shape)
        return super().compute_output_shape(input_shape)

    def get_config(self):
        config = {"cropping": self.cropping, "data_format": self.data_format}
        return {**super().get_config(), **config}


class Cropping1D(_Cropping):
    """Crop the steps of ``(batch, steps, features)``: ``cropping`` an int or ``(start, end)``."""

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(_pairs(cropping, 1, "cropping", type(self).__name__), "channels_last",
                         **kwargs)

    def get_config(self):
        config = super().get_config()
        config["cropping"] = config["cropping"][0]
        config.pop("data_format")
        return config


class Cropping2D(_Cropping):
    """Crop rows and columns: ``cropping`` an int, ``(rows, cols)`` (symmetric) or
    ``((top, bottom), (left, right))``."""

    @interfaces.legacy_cropping2d_support
    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(_pairs(cropping, 2, "cropping", type(self).__name__), data_format,
                         **kwargs)


class Cropping3D(_Cropping):
    """Crop the three spatial axes: ``cropping`` an int, 3 ints or 3 pairs."""

    @interfaces.legacy_cropping3d_support
    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(_pairs(cropping, 3, "cropping", type(self).__name__), data_format,
                         **kwargs)


# -- Keras 1's atrous convolutions (keras.legacy.layers in Keras 2.2.4) ----------------------------

def _atrous(layer_class, legacy_name, args, kwargs):
    kwargs = dict(kwargs)
    if "atrous_rate" in kwargs:
        if "dilation_rate" in kwargs:
            interfaces.raise_duplicate_arg_error("atrous_rate", "dilation_rate")
        kwargs["dilation_rate"] = kwargs.pop("atrous_rate")
    warnings.warn(f"The `{legacy_name}` layer has been deprecated. Use instead the "
                  f"`{layer_class.__name__}` layer with the `dilation_rate` argument.",
                  stacklevel=3)
    return layer_class(*args, **kwargs)


def AtrousConvolution1D(*args, **kwargs):  # noqa: N802 - a Keras 1 layer name
    """Keras 1's dilated 1-D convolution: ``Conv1D(..., dilation_rate=atrous_rate)`` (warns)."""
    return _atrous(Conv1D, "AtrousConvolution1D", args, kwargs)


def AtrousConvolution2D(*args, **kwargs):  # noqa: N802 - a Keras 1 layer name
    """Keras 1's dilated 2-D convolution: ``Conv2D(..., dilation_rate=atrous_rate)`` (warns)."""
    return _atrous(Conv2D, "AtrousConvolution2D", args, kwargs)


# Aliases (Keras 2.2.4's)
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
Convolution2DTranspose = Conv2DTranspose
Deconvolution2D = Deconv2D = Conv2DTranspose
Deconvolution3D = Deconv3D = Conv3DTranspose
AtrousConv1D = AtrousConvolution1D
AtrousConv2D = AtrousConvolution2D

#: Keras 2.2.4's convolutional module also re-exports the pooling layers (backwards namespace
#: compatibility): ``keras.layers.convolutional.MaxPooling2D`` is ``keras.layers.pooling``'s.
_POOLING_NAMES = ("AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "MaxPooling1D",
                  "MaxPooling2D", "MaxPooling3D")


def __getattr__(name):
    if name in _POOLING_NAMES:
        try:
            from . import pooling
        except ImportError as exc:
            raise AttributeError(f"polykeras.layers.convolutional re-exports {name} from "
                                 f"polykeras.layers.pooling, which failed to import: "
                                 f"{exc}") from exc
        return getattr(pooling, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "Conv3DTranspose", "SeparableConv1D",
    "SeparableConv2D", "DepthwiseConv2D", "UpSampling1D", "UpSampling2D", "UpSampling3D",
    "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D",
    "Convolution1D", "Convolution2D", "Convolution3D", "SeparableConvolution1D",
    "SeparableConvolution2D", "Convolution2DTranspose", "Deconvolution2D", "Deconv2D",
    "Deconvolution3D", "Deconv3D", "AtrousConvolution1D", "AtrousConvolution2D", "AtrousConv1D",
    "AtrousConv2D"]
