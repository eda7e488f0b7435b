"""Inception V3 (Keras 2.2.4's ``keras.applications.inception_v3``; Szegedy et al., 2015).

Its convolutions are unnamed ``Conv2D`` (no bias) + ``BatchNormalization``
(no scale) + ``relu`` triples, in Keras's order; the mixed blocks are named
``mixed0`` to ``mixed10`` (``mixed9_0``, ``mixed9_1`` inside), the top
``avg_pool`` and ``predictions``. Default input 299x299, at least 75x75.
"""

from __future__ import annotations

from .. import backend as K
from . import _builder, imagenet_utils
from ._builder import WeightsFile
from .imagenet_utils import decode_predictions, obtain_input_shape

BASE_URL = "https://github.com/fchollet/deep-learning-models/releases/download/v0.5/"
WEIGHTS_PATH = BASE_URL + "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = BASE_URL + "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
FILES = (WeightsFile("inception_v3_weights_tf_dim_ordering_tf_kernels.h5", WEIGHTS_PATH,
                     "9a0d58056eeedaa3f26cb7ebd46da564"),
         WeightsFile("inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
                     WEIGHTS_PATH_NO_TOP, "bcbd6486424b2319ff4ef7d526e38f63"))


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1), name=None):
    """``Conv2D`` without bias, ``BatchNormalization`` without scale, ``relu``.

    With ``name``, the layers are ``name + "_conv"``, ``name + "_bn"`` and ``name``.
    """
    from ..layers import Activation, BatchNormalization, Conv2D
    x = Conv2D(filters, (num_row, num_col), strides=strides, padding=padding, use_bias=False,
               name=None if name is None else name + "_conv")(x)
    x = BatchNormalization(axis=_builder.channel_axis(), scale=False,
                           name=None if name is None else name + "_bn")(x)
    return Activation("relu", name=name)(x)


def _average_branch(x, filters):
    from ..layers import AveragePooling2D
    branch = AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(branch, filters, 1, 1)


def _mixed_35(x, pool_filters, name):
    """A 35x35 block (mixed0-2): 1x1, 5x5, double 3x3 and pooled branches."""
    from ..layers import concatenate
    branch1x1 = conv2d_bn(x, 64, 1, 1)
    branch5x5 = conv2d_bn(x, 48, 1, 1)
    branch5x5 = conv2d_bn(branch5x5, 64, 5, 5)
    branch3x3dbl = conv2d_bn(x, 64, 1, 1)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3)
    branch_pool = _average_branch(x, pool_filters)
    return concatenate([branch1x1, branch5x5, branch3x3dbl, branch_pool],
                       axis=_builder.channel_axis(), name=name)


def _mixed_17(x, filters_7x7, name):
    """A 17x17 block (mixed4-7) with factorized 7x7 convolutions of ``filters_7x7`` filters."""
    from ..layers import concatenate
    n = filters_7x7
    branch1x1 = conv2d_bn(x, 192, 1, 1)
    branch7x7 = conv2d_bn(x, n, 1, 1)
    branch7x7 = conv2d_bn(branch7x7, n, 1, 7)
    branch7x7 = conv2d_bn(branch7x7, 192, 7, 1)
    branch7x7dbl = conv2d_bn(x, n, 1, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, n, 7, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, n, 1, 7)
    branch7x7dbl = conv2d_bn(branch7x7dbl, n, 7, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, 192, 1, 7)
    branch_pool = _average_branch(x, 192)
    return concatenate([branch1x1, branch7x7, branch7x7dbl, branch_pool],
                       axis=_builder.channel_axis(), name=name)


def _mixed_8(x, index):
    """An 8x8 block (mixed9, mixed10) with split 1x3 / 3x1 branches."""
    from ..layers import concatenate
    axis = _builder.channel_axis()
    branch1x1 = conv2d_bn(x, 320, 1, 1)
    branch3x3 = conv2d_bn(x, 384, 1, 1)
    branch3x3_1 = conv2d_bn(branch3x3, 384, 1, 3)
    branch3x3_2 = conv2d_bn(branch3x3, 384, 3, 1)
    branch3x3 = concatenate([branch3x3_1, branch3x3_2], axis=axis, name=f"mixed9_{index}")
    branch3x3dbl = conv2d_bn(x, 448, 1, 1)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 384, 3, 3)
    branch3x3dbl_1 = conv2d_bn(branch3x3dbl, 384, 1, 3)
    branch3x3dbl_2 = conv2d_bn(branch3x3dbl, 384, 3, 1)
    branch3x3dbl = concatenate([branch3x3dbl_1, branch3x3dbl_2], axis=axis)
    branch_pool = _average_branch(x, 192)
    return concatenate([branch1x1, branch3x3, branch3x3dbl, branch_pool], axis=axis,
                       name=f"mixed{9 + index}")


def InceptionV3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000):
    """The Inception V3 model (23,851,784 parameters with the top), with ImageNet weights or not.

    Args:
        include_top: include ``avg_pool`` and the ``predictions`` classifier.
        weights: None (random initialization), ``"imagenet"`` or the path of
            a weights file.
        input_tensor: a tensor to use as the image input.
        input_shape: without the batch axis; default ``(299, 299, 3)`` (or
            ``(3, 299, 299)``); at least 75x75.
        pooling: with ``include_top=False``: None (4-D feature map), ``"avg"`` or ``"max"``.
        classes: the number of classes of the top (1000 with ImageNet weights).

    Returns:
        A ``Model`` named ``"inception_v3"``; inputs ``preprocess_input``-ed (mode ``"tf"``).

    Raises:
        ValueError, FileNotFoundError, OSError: as ``vgg16.VGG16``.
    """
    from ..layers import Dense, GlobalAveragePooling2D, MaxPooling2D, concatenate
    owner = "InceptionV3"
    _builder.check_arguments(owner, weights, include_top, classes, pooling)
    # The top pools globally, so any size works with it (Keras: require_flatten=False).
    input_shape = obtain_input_shape(owner, input_shape, default_size=299, min_size=75,
                                     data_format=K.image_data_format(), require_flatten=False,
                                     weights=weights)
    img_input = _builder.image_input(input_tensor, input_shape)
    axis = _builder.channel_axis()
    x = conv2d_bn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = MaxPooling2D((3, 3), strides=(2, 2))(x)

    x = _mixed_35(x, 32, "mixed0")
    x = _mixed_35(x, 64, "mixed1")
    x = _mixed_35(x, 64, "mixed2")

    branch3x3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    branch3x3dbl = conv2d_bn(x, 64, 1, 1)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = concatenate([branch3x3, branch3x3dbl, branch_pool], axis=axis, name="mixed3")

    x = _mixed_17(x, 128, "mixed4")
    x = _mixed_17(x, 160, "mixed5")
    x = _mixed_17(x, 160, "mixed6")
    x = _mixed_17(x, 192, "mixed7")

    branch3x3 = conv2d_bn(x, 192, 1, 1)
    branch3x3 = conv2d_bn(branch3x3, 320, 3, 3, strides=(2, 2), padding="valid")
    branch7x7x3 = conv2d_bn(x, 192, 1, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 1, 7)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 7, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = concatenate([branch3x3, branch7x7x3, branch_pool], axis=axis, name="mixed8")

    x = _mixed_8(x, 0)
    x = _mixed_8(x, 1)
    if include_top:
        x = GlobalAveragePooling2D(name="avg_pool")(x)
        x = Dense(classes, activation="softmax", name="predictions")(x)
    else:
        x = _builder.feature_pooling(x, pooling)
    return _builder.make_model(owner, "inception_v3", input_tensor, img_input, x, weights,
                               FILES[0] if include_top else FILES[1])


def preprocess_input(x, data_format=None):
    """``imagenet_utils.preprocess_input`` in mode ``"tf"`` (scaled to [-1, 1])."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


__all__ = ["InceptionV3", "decode_predictions", "preprocess_input"]
