"""Inception-ResNet V2 (Keras 2.2.4's ``applications.inception_resnet_v2``; Szegedy et al., 2016).

Structure and names follow TF-slim, as Keras does: the stem, ``mixed_5b``,
ten ``block35_<i>``, ``mixed_6a``, twenty ``block17_<i>``, ``mixed_7a``, ten
``block8_<i>`` (each with ``_mixed``, ``_conv`` and the scaled residual sum
named ``block<type>_<i>``) and ``conv_7b``; the top is ``avg_pool`` and
``predictions``. Default input 299x299, at least 75x75.
"""

from __future__ import annotations

from .. import backend as K
from . import _builder, imagenet_utils
from ._builder import WeightsFile
from .imagenet_utils import decode_predictions, obtain_input_shape

BASE_WEIGHT_URL = "https://github.com/fchollet/deep-learning-models/releases/download/v0.7/"
FILES = (WeightsFile("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5",
                     BASE_WEIGHT_URL + "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5",
                     "e693bd0210a403b3192acc6073ad2e96"),
         WeightsFile("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
                     BASE_WEIGHT_URL
                     + "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
                     "d19885ff4a710c122648d3b5c3b684e4"))

BLOCK_TYPES = ("block35", "block17", "block8")


def conv2d_bn(x, filters, kernel_size, strides=1, padding="same", activation="relu",
              use_bias=False, name=None):
    """``Conv2D``, then (without bias) ``BatchNormalization`` without scale, then ``activation``.

    With ``name``: ``name``, ``name + "_bn"`` and ``name + "_ac"``.
    """
    from ..layers import Activation, BatchNormalization, Conv2D
    x = Conv2D(filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias,
               name=name)(x)
    if not use_bias:
        x = BatchNormalization(axis=_builder.channel_axis(), scale=False,
                               name=None if name is None else name + "_bn")(x)
    if activation is not None:
        x = Activation(activation, name=None if name is None else name + "_ac")(x)
    return x


def _scaled_residual(inputs, scale):
    """``inputs[0] + scale * inputs[1]``: the shortcut plus the scaled residual branch."""
    return inputs[0] + inputs[1] * scale


def inception_resnet_block(x, scale, block_type, block_idx, activation="relu"):
    """An Inception-ResNet block: ``activation(x + scale * branches(x))``.

    Args:
        block_type: ``"block35"`` (Inception-ResNet-A), ``"block17"`` (B) or ``"block8"`` (C).
        block_idx: the number in the layer names (``block35_1_mixed``...).

    Raises:
        ValueError: an unknown ``block_type``.
    """
    from ..layers import Activation, Concatenate, Lambda
    if block_type == "block35":
        branches = [conv2d_bn(x, 32, 1),
                    conv2d_bn(conv2d_bn(x, 32, 1), 32, 3),
                    conv2d_bn(conv2d_bn(conv2d_bn(x, 32, 1), 48, 3), 64, 3)]
    elif block_type == "block17":
        branches = [conv2d_bn(x, 192, 1),
                    conv2d_bn(conv2d_bn(conv2d_bn(x, 128, 1), 160, [1, 7]), 192, [7, 1])]
    elif block_type == "block8":
        branches = [conv2d_bn(x, 192, 1),
                    conv2d_bn(conv2d_bn(conv2d_bn(x, 192, 1), 224, [1, 3]), 256, [3, 1])]
    else:
        raise ValueError(f"inception_resnet_block: Expected one of {set(BLOCK_TYPES)}. Received: "
                         f"block_type={block_type!r}")
    block_name = f"{block_type}_{block_idx}"
    axis = _builder.channel_axis()
    mixed = Concatenate(axis=axis, name=block_name + "_mixed")(branches)
    up = conv2d_bn(mixed, K.int_shape(x)[axis], 1, activation=None, use_bias=True,
                   name=block_name + "_conv")
    x = Lambda(_scaled_residual, output_shape=K.int_shape(x)[1:], arguments={"scale": scale},
               name=block_name)([x, up])
    if activation is not None:
        x = Activation(activation, name=block_name + "_ac")(x)
    return x


def InceptionResNetV2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                      pooling=None, classes=1000):
    """The Inception-ResNet V2 model (55,873,736 parameters with the top).

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
        A ``Model`` named ``"inception_resnet_v2"``; inputs ``preprocess_input``-ed (mode ``"tf"``).

    Raises:
        ValueError, FileNotFoundError, OSError: as ``vgg16.VGG16``.
    """
    from ..layers import AveragePooling2D, Concatenate, Dense, GlobalAveragePooling2D, MaxPooling2D
    owner = "InceptionResNetV2"
    _builder.check_arguments(owner, weights, include_top, classes, pooling)
    input_shape = obtain_input_shape(owner, input_shape, default_size=299, min_size=75,
                                     data_format=K.image_data_format(), require_flatten=False,
                                     weights=weights)
    img_input = _builder.image_input(input_tensor, input_shape)
    axis = _builder.channel_axis()

    # Stem: 35 x 35 x 192.
    x = conv2d_bn(img_input, 32, 3, strides=2, padding="valid")
    x = conv2d_bn(x, 32, 3, padding="valid")
    x = conv2d_bn(x, 64, 3)
    x = MaxPooling2D(3, strides=2)(x)
    x = conv2d_bn(x, 80, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, padding="valid")
    x = MaxPooling2D(3, strides=2)(x)

    # Mixed 5b (Inception-A): 35 x 35 x 320.
    branch_0 = conv2d_bn(x, 96, 1)
    branch_1 = conv2d_bn(conv2d_bn(x, 48, 1), 64, 5)
    branch_2 = conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1), 96, 3), 96, 3)
    branch_pool = conv2d_bn(AveragePooling2D(3, strides=1, padding="same")(x), 64, 1)
    x = Concatenate(axis=axis, name="mixed_5b")([branch_0, branch_1, branch_2, branch_pool])
    for block_idx in range(1, 11):
        x = inception_resnet_block(x, scale=0.17, block_type="block35", block_idx=block_idx)

    # Mixed 6a (Reduction-A): 17 x 17 x 1088.
    branch_0 = conv2d_bn(x, 384, 3, strides=2, padding="valid")
    branch_1 = conv2d_bn(conv2d_bn(conv2d_bn(x, 256, 1), 256, 3), 384, 3, strides=2,
                         padding="valid")
    branch_pool = MaxPooling2D(3, strides=2, padding="valid")(x)
    x = Concatenate(axis=axis, name="mixed_6a")([branch_0, branch_1, branch_pool])
    for block_idx in range(1, 21):
        x = inception_resnet_block(x, scale=0.1, block_type="block17", block_idx=block_idx)

    # Mixed 7a (Reduction-B): 8 x 8 x 2080.
    branch_0 = conv2d_bn(conv2d_bn(x, 256, 1), 384, 3, strides=2, padding="valid")
    branch_1 = conv2d_bn(conv2d_bn(x, 256, 1), 288, 3, strides=2, padding="valid")
    branch_2 = conv2d_bn(conv2d_bn(conv2d_bn(x, 256, 1), 288, 3), 320, 3, strides=2,
                         padding="valid")
    branch_pool = MaxPooling2D(3, strides=2, padding="valid")(x)
    x = Concatenate(axis=axis, name="mixed_7a")([branch_0, branch_1, branch_2, branch_pool])
    for block_idx in range(1, 10):
        x = inception_resnet_block(x, scale=0.2, block_type="block8", block_idx=block_idx)
    x = inception_resnet_block(x, scale=1., activation=None, block_type="block8", block_idx=10)

    # Final convolution: 8 x 8 x 1536.
    x = conv2d_bn(x, 1536, 1, name="conv_7b")
    if include_top:
        x = GlobalAveragePooling2D(name="avg_pool")(x)
        x = Dense(classes, activation="softmax", name="predictions")(x)
    else:
        x = _builder.feature_pooling(x, pooling)
    return _builder.make_model(owner, "inception_resnet_v2", input_tensor, img_input, x, weights,
                               FILES[0] if include_top else FILES[1])


def preprocess_input(x, data_format=None):
    """``imagenet_utils.preprocess_input`` in mode ``"tf"`` (scaled to [-1, 1])."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


__all__ = ["InceptionResNetV2", "decode_predictions", "preprocess_input"]
