"""ResNet50 (Keras 2.2.4's ``keras.applications.resnet50``; He et al., 2015).

Layer names follow Keras: ``conv1``/``bn_conv1``, then per stage ``s`` and
block ``b``: ``res<s><b>_branch2a/2b/2c`` (and ``_branch1``, the projection
shortcut of the first block of a stage) with their ``bn<s><b>_branch...``
batch normalizations; the top is ``avg_pool`` and ``fc1000``.
"""

from __future__ import annotations

import warnings

from .. import backend as K
from . import _builder, imagenet_utils
from ._builder import WeightsFile
from .imagenet_utils import decode_predictions, obtain_input_shape

BASE_URL = "https://github.com/fchollet/deep-learning-models/releases/download/v0.2/"
WEIGHTS_PATH = BASE_URL + "resnet50_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = BASE_URL + "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
FILES = (WeightsFile("resnet50_weights_tf_dim_ordering_tf_kernels.h5", WEIGHTS_PATH,
                     "a7b3fe01876f51b976af0dea6bc144eb"),
         WeightsFile("resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5", WEIGHTS_PATH_NO_TOP,
                     "a268eb855778b3df3c7506639542a6af"))

#: (filters of the three convolutions, blocks) per stage 2..5.
STAGES = (((64, 64, 256), 3), ((128, 128, 512), 4), ((256, 256, 1024), 6),
          ((512, 512, 2048), 3))


def _bottleneck(x, kernel_size, filters, stage, block, strides=None):
    """A residual block; with ``strides`` (the first block of a stage) the shortcut is projected."""
    from ..layers import Activation, BatchNormalization, Conv2D, add
    bn_axis = _builder.channel_axis()
    conv_name = f"res{stage}{block}_branch"
    bn_name = f"bn{stage}{block}_branch"
    filters1, filters2, filters3 = filters
    first_strides = strides or (1, 1)
    y = Conv2D(filters1, (1, 1), strides=first_strides, kernel_initializer="he_normal",
               name=conv_name + "2a")(x)
    y = BatchNormalization(axis=bn_axis, name=bn_name + "2a")(y)
    y = Activation("relu")(y)
    y = Conv2D(filters2, kernel_size, padding="same", kernel_initializer="he_normal",
               name=conv_name + "2b")(y)
    y = BatchNormalization(axis=bn_axis, name=bn_name + "2b")(y)
    y = Activation("relu")(y)
    y = Conv2D(filters3, (1, 1), kernel_initializer="he_normal", name=conv_name + "2c")(y)
    y = BatchNormalization(axis=bn_axis, name=bn_name + "2c")(y)
    shortcut = x
    if strides is not None:
        shortcut = Conv2D(filters3, (1, 1), strides=strides, kernel_initializer="he_normal",
                          name=conv_name + "1")(x)
        shortcut = BatchNormalization(axis=bn_axis, name=bn_name + "1")(shortcut)
    y = add([y, shortcut])
    return Activation("relu")(y)


def identity_block(input_tensor, kernel_size, filters, stage, block):
    """Keras's residual block whose shortcut is its input (names ``res<stage><block>_...``)."""
    return _bottleneck(input_tensor, kernel_size, filters, stage, block)


def conv_block(input_tensor, kernel_size, filters, stage, block, strides=(2, 2)):
    """Keras's residual block with a 1x1 convolution (``..._branch1``) on the shortcut."""
    return _bottleneck(input_tensor, kernel_size, filters, stage, block, strides=strides)


def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000):
    """The ResNet50 model (25,636,712 parameters with the top), optionally with ImageNet weights.

    Args:
        include_top: include ``avg_pool`` and the ``fc1000`` classifier.
        weights: None (random initialization), ``"imagenet"`` or the path of
            a weights file.
        input_tensor: a tensor to use as the image input.
        input_shape: without the batch axis; default ``(224, 224, 3)`` (or
            ``(3, 224, 224)``); at least 32x32.
        pooling: with ``include_top=False``: None (4-D feature map), ``"avg"`` or ``"max"``.
        classes: the number of classes of the top (1000 with ImageNet weights).

    Returns:
        A ``Model`` named ``"resnet50"``; inputs ``preprocess_input``-ed (mode ``"caffe"``).

    Raises:
        ValueError, FileNotFoundError, OSError: as ``vgg16.VGG16``.
    """
    from ..layers import (
        Activation,
        BatchNormalization,
        Conv2D,
        Dense,
        GlobalAveragePooling2D,
        MaxPooling2D,
        ZeroPadding2D,
    )
    owner = "ResNet50"
    _builder.check_arguments(owner, weights, include_top, classes, pooling)
    input_shape = obtain_input_shape(owner, input_shape, default_size=224, min_size=32,
                                     data_format=K.image_data_format(),
                                     require_flatten=include_top, weights=weights)
    img_input = _builder.image_input(input_tensor, input_shape)
    x = ZeroPadding2D(padding=(3, 3), name="conv1_pad")(img_input)
    x = Conv2D(64, (7, 7), strides=(2, 2), padding="valid", kernel_initializer="he_normal",
               name="conv1")(x)
    x = BatchNormalization(axis=_builder.channel_axis(), name="bn_conv1")(x)
    x = Activation("relu")(x)
    x = ZeroPadding2D(padding=(1, 1), name="pool1_pad")(x)
    x = MaxPooling2D((3, 3), strides=(2, 2))(x)
    for stage, (filters, blocks) in enumerate(STAGES, start=2):
        x = conv_block(x, 3, filters, stage, "a", strides=(1, 1) if stage == 2 else (2, 2))
        for block in "bcdef"[:blocks - 1]:
            x = identity_block(x, 3, filters, stage, block)
    if include_top:
        x = GlobalAveragePooling2D(name="avg_pool")(x)
        x = Dense(classes, activation="softmax", name="fc1000")(x)
    else:
        if pooling is None:
            warnings.warn("ResNet50: the output of include_top=False without pooling is the 4-D "
                          "feature map of the last block (Keras 2.2.0 and later; Keras 2.1 "
                          "applied a 7x7 average pooling first).", stacklevel=2)
        x = _builder.feature_pooling(x, pooling)
    return _builder.make_model(owner, "resnet50", input_tensor, img_input, x, weights,
                               FILES[0] if include_top else FILES[1])


def preprocess_input(x, data_format=None, mode="caffe"):
    """``imagenet_utils.preprocess_input``, by default in mode ``"caffe"`` (BGR, minus the mean)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode=mode)


__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]
