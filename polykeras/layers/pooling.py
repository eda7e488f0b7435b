"""Pooling layers (Keras 2.2's ``keras.layers.pooling``), written on the ``K`` API only.

Windowed pooling (``MaxPooling1D/2D/3D``, ``AveragePooling1D/2D/3D``) runs
``K.pool2d``/``K.pool3d`` (1-D pooling is 2-D pooling over a dummy axis of size
1); global pooling reduces every spatial axis with ``K.max``/``K.mean``.
``data_format`` says where the channels are: ``"channels_last"``
``(batch, *spatial, channels)`` or ``"channels_first"`` ``(batch, channels, *spatial)``.
The 1-D layers default to ``"channels_last"``, the 2-D and 3-D ones to
``K.image_data_format()``, as in Keras 2.2.4.
"""

from __future__ import annotations

from .. import backend as K
from ..engine.base_layer import InputSpec, Layer
from ..legacy import interfaces
from . import _arguments


def _spatial_axes(rank, data_format):
    """The axes of the spatial dimensions in an input of ``rank + 2`` dimensions."""
    first = 1 if data_format == "channels_last" else 2
    return tuple(range(first, first + rank))


def _channel_axis(rank, data_format):
    return rank + 1 if data_format == "channels_last" else 1


class _Pooling(Layer):
    """Max or average pooling over windows of ``pool_size``, moved by ``strides``.

    Subclasses set ``rank`` (number of spatial axes) and ``pool_mode`` (``"max"`` or
    ``"avg"``). With ``padding="same"`` the input is padded so that every input cell
    is covered and the output length is ``ceil(length / stride)``; average pooling then
    averages over the unpadded cells only (as TensorFlow does).

    Args:
        pool_size: int or tuple of ``rank`` ints, the window.
        strides: int, tuple of ``rank`` ints, or None (``pool_size``).
        padding: ``"valid"`` or ``"same"`` (any case).
        data_format: ``"channels_last"``, ``"channels_first"`` or None
            (``K.image_data_format()``).

    Raises:
        ValueError: a non-positive or malformed ``pool_size``/``strides``, another
            padding or data format, an input of another rank, or a ``"valid"`` window
            larger than the input (the output would be empty).
    """

    rank = None
    pool_mode = None

    def __init__(self, pool_size, strides, padding, data_format, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        if strides is None:
            strides = pool_size
        self.pool_size = _arguments.positive_tuple(pool_size, self.rank, "pool_size", owner)
        self.strides = _arguments.positive_tuple(strides, self.rank, "strides", owner)
        self.padding = _arguments.padding(padding, owner)
        self.data_format = _arguments.data_format(data_format, owner)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)  # a window larger than the input fails here
        self.built = True

    def compute_output_shape(self, input_shape):
        axes = _spatial_axes(self.rank, self.data_format)
        lengths = _arguments.spatial_output_lengths(
            type(self).__name__, [input_shape[a] for a in axes], self.pool_size, self.padding,
            self.strides, "pool_size")
        output_shape = list(input_shape)
        for axis, length in zip(axes, lengths):
            output_shape[axis] = length
        return tuple(output_shape)

    def call(self, inputs):
        if self.rank == 1:
            # 1-D pooling is 2-D pooling with a window of 1 over a dummy axis after the steps.
            dummy_axis = 2 if self.data_format == "channels_last" else 3
            outputs = K.pool2d(K.expand_dims(inputs, dummy_axis), self.pool_size + (1,),
                               self.strides + (1,), self.padding, self.data_format,
                               pool_mode=self.pool_mode)
            return K.squeeze(outputs, dummy_axis)
        pool = K.pool2d if self.rank == 2 else K.pool3d
        return pool(inputs, self.pool_size, self.strides, self.padding, self.data_format,
                    pool_mode=self.pool_mode)

    def get_config(self):
        config = {"pool_size": self.pool_size, "padding": self.padding, "strides": self.strides,
                  "data_format": self.data_format}
        return {**super().get_config(), **config}


class _Pooling1D(_Pooling):
    """Pooling over the steps of ``(batch, steps, features)`` (channels_last) inputs."""

    rank = 1

    @interfaces.legacy_pooling1d_support
    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last",
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _Pooling2D(_Pooling):
    """Pooling over the rows and columns of images."""

    rank = 2

    @interfaces.legacy_pooling2d_support
    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _Pooling3D(_Pooling):
    """Pooling over the three spatial axes of volumes."""

    rank = 3

    @interfaces.legacy_pooling3d_support
    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling1D(_Pooling1D):
    """The maximum of each window of ``pool_size`` steps; ``(batch, steps, features)`` in."""

    pool_mode = "max"


class AveragePooling1D(_Pooling1D):
    """The mean of each window of ``pool_size`` steps; ``(batch, steps, features)`` in."""

    pool_mode = "avg"


class MaxPooling2D(_Pooling2D):
    """The maximum of each ``pool_size`` window of rows and columns, per channel."""

    pool_mode = "max"


class AveragePooling2D(_Pooling2D):
    """The mean of each ``pool_size`` window of rows and columns, per channel."""

    pool_mode = "avg"


class MaxPooling3D(_Pooling3D):
    """The maximum of each ``pool_size`` window of the three spatial axes, per channel."""

    pool_mode = "max"


class AveragePooling3D(_Pooling3D):
    """The mean of each ``pool_size`` window of the three spatial axes, per channel."""

    pool_mode = "avg"


class _GlobalPooling(Layer):
    """The maximum or mean over all spatial axes: ``(batch, channels)`` out.

    Subclasses set ``rank`` and ``reduce`` (``"max"`` or ``"mean"``: the ``K`` function).

    Raises:
        ValueError: another data format, or an input of another rank.
    """

    rank = None
    reduce = None

    def __init__(self, data_format, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _arguments.data_format(data_format, type(self).__name__)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[_channel_axis(self.rank, self.data_format)])

    def call(self, inputs):
        reduce = getattr(K, self.reduce)
        return reduce(inputs, axis=list(_spatial_axes(self.rank, self.data_format)))

    def get_config(self):
        config = {"data_format": self.data_format}
        return {**super().get_config(), **config}


class _GlobalPooling1D(_GlobalPooling):
    """Global pooling over the steps of ``(batch, steps, features)`` (channels_last) inputs."""

    rank = 1

    def __init__(self, data_format="channels_last", **kwargs):
        super().__init__(data_format, **kwargs)


class _GlobalPooling2D(_GlobalPooling):
    """Global pooling over the rows and columns of images."""

    rank = 2

    @interfaces.legacy_global_pooling_support
    def __init__(self, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)


class _GlobalPooling3D(_GlobalPooling):
    """Global pooling over the three spatial axes of volumes."""

    rank = 3

    @interfaces.legacy_global_pooling_support
    def __init__(self, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)


class GlobalAveragePooling1D(_GlobalPooling1D):
    """The mean over the steps, of the unmasked steps only when a mask arrives.

    A mask ``(batch, steps)`` (from ``Masking`` or ``Embedding(mask_zero=True)``)
    weights each step by 0 or 1; the output carries no mask. A sample whose steps are
    all masked divides 0 by 0 (NaN), as in Keras 2.2.4.
    """

    reduce = "mean"

    def __init__(self, data_format="channels_last", **kwargs):
        super().__init__(data_format, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        steps_axis = 1 if self.data_format == "channels_last" else 2
        if mask is None:
            return K.mean(inputs, axis=steps_axis)
        weights = K.cast(mask, K.dtype(inputs))
        weights = K.expand_dims(weights, 2 if self.data_format == "channels_last" else 1)
        return K.sum(inputs * weights, axis=steps_axis) / K.sum(weights, axis=steps_axis)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalMaxPooling1D(_GlobalPooling1D):
    """The maximum over the steps of ``(batch, steps, features)``: ``(batch, features)``."""

    reduce = "max"


class GlobalAveragePooling2D(_GlobalPooling2D):
    """The mean over rows and columns: ``(batch, channels)``."""

    reduce = "mean"


class GlobalMaxPooling2D(_GlobalPooling2D):
    """The maximum over rows and columns: ``(batch, channels)``."""

    reduce = "max"


class GlobalAveragePooling3D(_GlobalPooling3D):
    """The mean over the three spatial axes: ``(batch, channels)``."""

    reduce = "mean"


class GlobalMaxPooling3D(_GlobalPooling3D):
    """The maximum over the three spatial axes: ``(batch, channels)``."""

    reduce = "max"


# Aliases, as Keras 2.2.4 exports them.
AvgPool1D = AveragePooling1D
MaxPool1D = MaxPooling1D
AvgPool2D = AveragePooling2D
MaxPool2D = MaxPooling2D
AvgPool3D = AveragePooling3D
MaxPool3D = MaxPooling3D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalMaxPool3D = GlobalMaxPooling3D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D

__all__ = [
    "MaxPooling1D", "AveragePooling1D", "MaxPooling2D", "AveragePooling2D", "MaxPooling3D",
    "AveragePooling3D", "GlobalMaxPooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling2D",
    "GlobalAveragePooling2D", "GlobalMaxPooling3D", "GlobalAveragePooling3D",
    "AvgPool1D", "MaxPool1D", "AvgPool2D", "MaxPool2D", "AvgPool3D", "MaxPool3D",
    "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalAvgPool1D",
    "GlobalAvgPool2D", "GlobalAvgPool3D"]
