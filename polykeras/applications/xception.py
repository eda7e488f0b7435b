"""Xception V1 (Keras 2.2.4's ``keras.applications.xception``; Chollet, 2016).

Entry flow ``block1``-``block4``, middle flow ``block5``-``block12`` (three
``SeparableConv2D`` each, identity shortcut), exit flow ``block13``,
``block14``; the projection shortcuts are unnamed ``Conv2D`` + ``BatchNormalization``
as in Keras. Default input 299x299, at least 71x71. Both data formats are
supported (Keras 2.2.4 switched to ``channels_last`` with a warning).
"""

from __future__ import annotations

from .. import backend as K
from . import _builder, imagenet_utils
from ._builder import WeightsFile
from .imagenet_utils import decode_predictions, obtain_input_shape

BASE_URL = "https://github.com/fchollet/deep-learning-models/releases/download/v0.4/"
TF_WEIGHTS_PATH = BASE_URL + "xception_weights_tf_dim_ordering_tf_kernels.h5"
TF_WEIGHTS_PATH_NO_TOP = BASE_URL + "xception_weights_tf_dim_ordering_tf_kernels_notop.h5"
FILES = (WeightsFile("xception_weights_tf_dim_ordering_tf_kernels.h5", TF_WEIGHTS_PATH,
                     "0a58e3b7378bc2990ea3b43d5981f1f6"),
         WeightsFile("xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
                     TF_WEIGHTS_PATH_NO_TOP, "b0042744bf5b25fce3cb969f33bebb97"))


def _sepconv_bn(x, filters, name, act_name=None):
    """Optional ``relu`` (``act_name``), ``SeparableConv2D`` 3x3 ``name``, ``name + "_bn"``."""
    from ..layers import Activation, BatchNormalization, SeparableConv2D
    if act_name is not None:
        x = Activation("relu", name=act_name)(x)
    x = SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return BatchNormalization(axis=_builder.channel_axis(), name=name + "_bn")(x)


def _projection(x, filters):
    from ..layers import BatchNormalization, Conv2D
    residual = Conv2D(filters, (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    return BatchNormalization(axis=_builder.channel_axis())(residual)


def _downsampling_block(x, block, filters, first_act=True):
    """Two separable convolutions, 3x3/2 max pooling, plus a projected shortcut."""
    from ..layers import MaxPooling2D, add
    first, second = filters
    residual = _projection(x, second)
    prefix = f"block{block}_"
    x = _sepconv_bn(x, first, prefix + "sepconv1", prefix + "sepconv1_act" if first_act else None)
    x = _sepconv_bn(x, second, prefix + "sepconv2", prefix + "sepconv2_act")
    x = MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=prefix + "pool")(x)
    return add([x, residual])


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000):
    """The Xception model (22,910,480 parameters with the top), optionally with ImageNet weights.

    Args:
        include_top: include ``avg_pool`` and the ``predictions`` classifier.
        weights: None (random initialization), ``"imagenet"`` or the path of
            a weights file.
        input_tensor: a tensor to use as the image input.
        input_shape: without the batch axis; default ``(299, 299, 3)``; at least 71x71.
        pooling: with ``include_top=False``: None (4-D feature map), ``"avg"`` or ``"max"``.
        classes: the number of classes of the top (1000 with ImageNet weights).

    Returns:
        A ``Model`` named ``"xception"``; inputs ``preprocess_input``-ed (mode ``"tf"``).

    Raises:
        ValueError, FileNotFoundError, OSError: as ``vgg16.VGG16``.
    """
    from ..layers import Activation, BatchNormalization, Conv2D, Dense, GlobalAveragePooling2D, add
    owner = "Xception"
    _builder.check_arguments(owner, weights, include_top, classes, pooling)
    input_shape = obtain_input_shape(owner, input_shape, default_size=299, min_size=71,
                                     data_format=K.image_data_format(), require_flatten=False,
                                     weights=weights)
    img_input = _builder.image_input(input_tensor, input_shape)
    axis = _builder.channel_axis()

    x = Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = BatchNormalization(axis=axis, name="block1_conv1_bn")(x)
    x = Activation("relu", name="block1_conv1_act")(x)
    x = Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = BatchNormalization(axis=axis, name="block1_conv2_bn")(x)
    x = Activation("relu", name="block1_conv2_act")(x)

    x = _downsampling_block(x, 2, (128, 128), first_act=False)
    x = _downsampling_block(x, 3, (256, 256))
    x = _downsampling_block(x, 4, (728, 728))
    for block in range(5, 13):
        residual = x
        prefix = f"block{block}_"
        for i in (1, 2, 3):
            x = _sepconv_bn(x, 728, f"{prefix}sepconv{i}", f"{prefix}sepconv{i}_act")
        x = add([x, residual])
    x = _downsampling_block(x, 13, (728, 1024))

    x = _sepconv_bn(x, 1536, "block14_sepconv1")
    x = Activation("relu", name="block14_sepconv1_act")(x)
    x = _sepconv_bn(x, 2048, "block14_sepconv2")
    x = Activation("relu", name="block14_sepconv2_act")(x)
    if include_top:
        x = GlobalAveragePooling2D(name="avg_pool")(x)
        x = Dense(classes, activation="softmax", name="predictions")(x)
    else:
        x = _builder.feature_pooling(x, pooling)
    return _builder.make_model(owner, "xception", input_tensor, img_input, x, weights,
                               FILES[0] if include_top else FILES[1])


def preprocess_input(x, data_format=None):
    """``imagenet_utils.preprocess_input`` in mode ``"tf"`` (scaled to [-1, 1])."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


__all__ = ["Xception", "decode_predictions", "preprocess_input"]
