"""DenseNet 121, 169 and 201 (Keras 2.2.4's ``keras.applications.densenet``; Huang et al., 2016).

``conv1/conv`` (7x7/2), ``conv1/bn``, ``conv1/relu``, ``pool1``, then four
dense blocks ``conv<b>_block<i>`` (``_0_bn``, ``_0_relu``, ``_1_conv``,
``_1_bn``, ``_1_relu``, ``_2_conv``, ``_concat``: each adds 32 channels)
separated by transitions ``pool<b>`` (``_bn``, ``_relu``, ``_conv`` halving
the channels, ``_pool``), a final ``bn``; the top is ``avg_pool`` and ``fc1000``.
"""

from __future__ import annotations

from .. import backend as K
from . import _builder, imagenet_utils
from ._builder import WeightsFile
from .imagenet_utils import decode_predictions, obtain_input_shape

BASE_WEIGTHS_PATH = "https://github.com/keras-team/keras-applications/releases/download/densenet/"
#: blocks per dense block -> (name, md5 with the top, md5 without).
VARIANTS = {(6, 12, 24, 16): ("densenet121", "9d60b8095a5708f2dcce2bca79d332c7",
                              "30ee3e1110167f948a6b9946edeeb738"),
            (6, 12, 32, 32): ("densenet169", "d699b8f76981ab1b30698df4c175e90b",
                              "b8c4d4c20dd625c148057b9ff1c1176b"),
            (6, 12, 48, 32): ("densenet201", "1ceb130c1ea1b78c3bf6114dbdfd8807",
                              "c13680b51ded0fb44dff2d8f86ac8bb1")}
GROWTH_RATE = 32
EPSILON = 1.001e-5


def weights_file(blocks, include_top):
    """The official :class:`~._builder.WeightsFile` of a standard variant (None for others)."""
    variant = VARIANTS.get(tuple(blocks))
    if variant is None:
        return None
    name, top_hash, notop_hash = variant
    fname = f"{name}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
    return WeightsFile(fname, BASE_WEIGTHS_PATH + fname, top_hash if include_top else notop_hash)


def dense_block(x, blocks, name):
    """``blocks`` conv blocks named ``name + "_block<i>"``."""
    for i in range(blocks):
        x = conv_block(x, GROWTH_RATE, name=f"{name}_block{i + 1}")
    return x


def transition_block(x, reduction, name):
    """Batch norm, relu, 1x1 convolution to ``reduction`` times the channels, 2x2 average pool."""
    from ..layers import Activation, AveragePooling2D, BatchNormalization, Conv2D
    axis = _builder.channel_axis()
    x = BatchNormalization(axis=axis, epsilon=EPSILON, name=name + "_bn")(x)
    x = Activation("relu", name=name + "_relu")(x)
    x = Conv2D(int(K.int_shape(x)[axis] * reduction), 1, use_bias=False, name=name + "_conv")(x)
    return AveragePooling2D(2, strides=2, name=name + "_pool")(x)


def conv_block(x, growth_rate, name):
    """A bottleneck (1x1 to ``4 * growth_rate``, 3x3 to ``growth_rate``) concatenated to ``x``."""
    from ..layers import Activation, BatchNormalization, Concatenate, Conv2D
    axis = _builder.channel_axis()
    y = BatchNormalization(axis=axis, epsilon=EPSILON, name=name + "_0_bn")(x)
    y = Activation("relu", name=name + "_0_relu")(y)
    y = Conv2D(4 * growth_rate, 1, use_bias=False, name=name + "_1_conv")(y)
    y = BatchNormalization(axis=axis, epsilon=EPSILON, name=name + "_1_bn")(y)
    y = Activation("relu", name=name + "_1_relu")(y)
    y = Conv2D(growth_rate, 3, padding="same", use_bias=False, name=name + "_2_conv")(y)
    return Concatenate(axis=axis, name=name + "_concat")([x, y])


def DenseNet(blocks, include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000):
    """A DenseNet with ``blocks`` conv blocks in its four dense blocks.

    Args:
        blocks: four ints; ImageNet weights exist for ``[6, 12, 24, 16]``
            (121), ``[6, 12, 32, 32]`` (169) and ``[6, 12, 48, 32]`` (201).
        include_top: include ``avg_pool`` and the ``fc1000`` classifier.
        weights: None (random initialization), ``"imagenet"`` or the path of
            a weights file.
        input_tensor: a tensor to use as the image input.
        input_shape: without the batch axis; default ``(224, 224, 3)`` (or
            ``(3, 224, 224)``); at least 32x32.
        pooling: with ``include_top=False``: None (4-D feature map), ``"avg"`` or ``"max"``.
        classes: the number of classes of the top (1000 with ImageNet weights).

    Returns:
        A ``Model`` named ``"densenet121"`` (169, 201; ``"densenet"`` for
        other ``blocks``); inputs ``preprocess_input``-ed (mode ``"torch"``).

    Raises:
        ValueError: as ``vgg16.VGG16``; also ``blocks`` not four ints, or
            ImageNet weights for non-standard ``blocks``.
        FileNotFoundError, OSError: as ``vgg16.VGG16``.
    """
    from ..layers import (
        Activation,
        BatchNormalization,
        Conv2D,
        Dense,
        GlobalAveragePooling2D,
        GlobalMaxPooling2D,
        MaxPooling2D,
        ZeroPadding2D,
    )
    blocks = list(blocks)
    variant = VARIANTS.get(tuple(blocks))
    owner = {"densenet121": "DenseNet121", "densenet169": "DenseNet169",
             "densenet201": "DenseNet201"}.get(variant and variant[0], "DenseNet")
    if len(blocks) != 4 or not all(isinstance(b, int) and b > 0 for b in blocks):
        raise ValueError(f"{owner}: Expected blocks as four positive ints. Received: "
                         f"blocks={blocks!r}")
    _builder.check_arguments(owner, weights, include_top, classes, pooling)
    if weights == "imagenet" and variant is None:
        raise ValueError(f"{owner}: Expected blocks to be one of {[list(b) for b in VARIANTS]} "
                         f"with weights='imagenet'. Received: blocks={blocks}")
    input_shape = obtain_input_shape(owner, input_shape, default_size=224, min_size=32,
                                     data_format=K.image_data_format(),
                                     require_flatten=include_top, weights=weights)
    img_input = _builder.image_input(input_tensor, input_shape)
    axis = _builder.channel_axis()

    x = ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = Conv2D(64, 7, strides=2, use_bias=False, name="conv1/conv")(x)
    x = BatchNormalization(axis=axis, epsilon=EPSILON, name="conv1/bn")(x)
    x = Activation("relu", name="conv1/relu")(x)
    x = ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = MaxPooling2D(3, strides=2, name="pool1")(x)
    for index, count in enumerate(blocks, start=2):
        x = dense_block(x, count, name=f"conv{index}")
        if index < 5:
            x = transition_block(x, 0.5, name=f"pool{index}")
    x = BatchNormalization(axis=axis, epsilon=EPSILON, name="bn")(x)
    if include_top:
        x = GlobalAveragePooling2D(name="avg_pool")(x)
        x = Dense(classes, activation="softmax", name="fc1000")(x)
    elif pooling == "avg":
        x = GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = GlobalMaxPooling2D(name="max_pool")(x)
    name = variant[0] if variant else "densenet"
    return _builder.make_model(owner, name, input_tensor, img_input, x, weights,
                               weights_file(blocks, include_top))


def DenseNet121(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000):
    """DenseNet121 (8,062,504 parameters with the top): ``DenseNet([6, 12, 24, 16], ...)``."""
    return DenseNet([6, 12, 24, 16], include_top, weights, input_tensor, input_shape, pooling,
                    classes)


def DenseNet169(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000):
    """DenseNet169 (14,307,880 parameters with the top): ``DenseNet([6, 12, 32, 32], ...)``."""
    return DenseNet([6, 12, 32, 32], include_top, weights, input_tensor, input_shape, pooling,
                    classes)


def DenseNet201(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000):
    """DenseNet201 (20,242,984 parameters with the top): ``DenseNet([6, 12, 48, 32], ...)``."""
    return DenseNet([6, 12, 48, 32], include_top, weights, input_tensor, input_shape, pooling,
                    classes)


def preprocess_input(x, data_format=None):
    """``imagenet_utils.preprocess_input`` in mode ``"torch"`` (to [0, 1], standardized)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")


__all__ = ["DenseNet121", "DenseNet169", "DenseNet201", "decode_predictions", "preprocess_input"]
