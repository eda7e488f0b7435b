"""MobileNet V1 (Keras 2.2.4's ``keras.applications.mobilenet``; Howard et al., 2017).

``conv1`` then thirteen depthwise-separable blocks ``conv_dw_<i>`` /
``conv_pw_<i>`` (with ``_bn`` and ``_relu``; ``ReLU(6.)``); strided blocks
pad with ``conv_pad_<i>`` first. ``alpha`` scales the widths and
``depth_multiplier`` the depthwise outputs. ImageNet weights exist for
``alpha`` in 0.25, 0.5, 0.75, 1.0 and square inputs of 128, 160, 192 or 224.
"""

from __future__ import annotations

import warnings

from .. import backend as K
from . import _builder, imagenet_utils
from ._builder import WeightsFile
from .imagenet_utils import decode_predictions, obtain_input_shape

BASE_WEIGHT_PATH = "https://github.com/fchollet/deep-learning-models/releases/download/v0.6/"
ALPHAS = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}
ROWS = (128, 160, 192, 224)


def weights_file(alpha, rows, include_top):
    """The official :class:`~._builder.WeightsFile` of ``alpha`` and ``rows`` (no known hash)."""
    fname = f"mobilenet_{ALPHAS[float(alpha)]}_{rows}_tf{'' if include_top else '_no_top'}.h5"
    return WeightsFile(fname, BASE_WEIGHT_PATH + fname)


def _conv_block(inputs, filters, alpha, kernel=(3, 3), strides=(1, 1)):
    """The first convolution (``conv1_pad``, ``conv1``, ``conv1_bn``, ``conv1_relu``)."""
    from ..layers import BatchNormalization, Conv2D, ReLU, ZeroPadding2D
    x = ZeroPadding2D(padding=((0, 1), (0, 1)), name="conv1_pad")(inputs)
    x = Conv2D(int(filters * alpha), kernel, padding="valid", use_bias=False, strides=strides,
               name="conv1")(x)
    x = BatchNormalization(axis=_builder.channel_axis(), name="conv1_bn")(x)
    return ReLU(6., name="conv1_relu")(x)


def _depthwise_conv_block(inputs, pointwise_conv_filters, alpha, depth_multiplier=1,
                          strides=(1, 1), block_id=1):
    """A depthwise 3x3 and a pointwise 1x1 convolution, each with batch norm and ``ReLU(6.)``."""
    from ..layers import BatchNormalization, Conv2D, DepthwiseConv2D, ReLU, ZeroPadding2D
    axis = _builder.channel_axis()
    x = inputs
    if strides != (1, 1):
        x = ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = DepthwiseConv2D((3, 3), padding="same" if strides == (1, 1) else "valid",
                        depth_multiplier=depth_multiplier, strides=strides, use_bias=False,
                        name=f"conv_dw_{block_id}")(x)
    x = BatchNormalization(axis=axis, name=f"conv_dw_{block_id}_bn")(x)
    x = ReLU(6., name=f"conv_dw_{block_id}_relu")(x)
    x = Conv2D(int(pointwise_conv_filters * alpha), (1, 1), padding="same", use_bias=False,
               strides=(1, 1), name=f"conv_pw_{block_id}")(x)
    x = BatchNormalization(axis=axis, name=f"conv_pw_{block_id}_bn")(x)
    return ReLU(6., name=f"conv_pw_{block_id}_relu")(x)


def square_size(owner, input_shape, sizes):
    """The size of a square ``input_shape`` among ``sizes`` (the default size), else 224."""
    if input_shape is None:
        return 224
    if len(input_shape) != 3:
        raise ValueError(f"{owner}: Expected input_shape as a tuple of three integers. "
                         f"Received: input_shape={tuple(input_shape)}")
    rows, cols = (input_shape[1:] if K.image_data_format() == "channels_first"
                  else input_shape[:2])
    return rows if rows == cols and rows in sizes else 224


def imagenet_rows(owner, input_shape, weights, alpha, alphas, depth_multiplier, sizes):
    """The input size whose ImageNet weights load (``rows``), after checking the arguments.

    Raises:
        ValueError: ImageNet weights with ``depth_multiplier != 1``, an
            ``alpha`` without weights, or a non-square or unsupported size.
    """
    rows, cols = (input_shape[1:] if K.image_data_format() == "channels_first"
                  else input_shape[:2])
    if weights != "imagenet":
        return rows
    if depth_multiplier != 1:
        raise ValueError(f"{owner}: Expected depth_multiplier=1 with weights='imagenet'. "
                         f"Received: depth_multiplier={depth_multiplier!r}")
    if alpha not in alphas:
        raise ValueError(f"{owner}: Expected alpha to be one of {sorted(alphas)} with "
                         f"weights='imagenet'. Received: alpha={alpha!r}")
    if rows is None and cols is None:
        warnings.warn(f"{owner}: the input size is not fixed; the weights for 224x224 inputs "
                      "are loaded.", stacklevel=3)
        return 224
    if rows != cols or rows not in sizes:
        raise ValueError(f"{owner}: Expected a static square input of one of the sizes "
                         f"{list(sizes)} with weights='imagenet'. Received: input_shape="
                         f"{tuple(input_shape)}")
    return rows


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3, include_top=True,
              weights="imagenet", input_tensor=None, pooling=None, classes=1000):
    """The MobileNet model (4,253,864 parameters with the top at ``alpha=1``).

    Args:
        input_shape: without the batch axis; default ``(224, 224, 3)`` (or
            ``(3, 224, 224)``); at least 32x32. With ImageNet weights a square
            128, 160, 192 or 224 input selects the weights of that size.
        alpha: width multiplier of every layer.
        depth_multiplier: outputs per channel of the depthwise convolutions.
        dropout: rate of the dropout before the classifier.
        include_top: include the classifier (global pooling, ``reshape_1``,
            ``dropout``, the 1x1 ``conv_preds``, ``act_softmax``, ``reshape_2``).
        weights: None (random initialization), ``"imagenet"`` or the path of
            a weights file.
        input_tensor: a tensor to use as the image input.
        pooling: with ``include_top=False``: None (4-D feature map), ``"avg"`` or ``"max"``.
        classes: the number of classes of the top (1000 with ImageNet weights).

    Returns:
        A ``Model`` named ``"mobilenet_<alpha>_<rows>"``; inputs
        ``preprocess_input``-ed (mode ``"tf"``).

    Raises:
        ValueError: as ``vgg16.VGG16``; also ImageNet weights with
            ``depth_multiplier != 1``, another ``alpha`` or an unsupported size.
        FileNotFoundError, OSError: as ``vgg16.VGG16``.
    """
    from ..layers import Activation, Conv2D, Dropout, GlobalAveragePooling2D, Reshape
    owner = "MobileNet"
    _builder.check_arguments(owner, weights, include_top, classes, pooling)
    default_size = square_size(owner, input_shape, ROWS)
    input_shape = obtain_input_shape(owner, input_shape, default_size=default_size, min_size=32,
                                     data_format=K.image_data_format(),
                                     require_flatten=include_top, weights=weights)
    rows = imagenet_rows(owner, input_shape, weights, alpha, ALPHAS, depth_multiplier, ROWS)
    img_input = _builder.image_input(input_tensor, input_shape)

    blocks = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
              (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))
    x = _conv_block(img_input, 32, alpha, strides=(2, 2))
    for block_id, (filters, stride) in enumerate(blocks, start=1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier, strides=(stride, stride),
                                  block_id=block_id)
    if include_top:
        width = int(1024 * alpha)
        shape = (width, 1, 1) if K.image_data_format() == "channels_first" else (1, 1, width)
        x = GlobalAveragePooling2D()(x)
        x = Reshape(shape, name="reshape_1")(x)
        x = Dropout(dropout, name="dropout")(x)
        x = Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = Activation("softmax", name="act_softmax")(x)
        x = Reshape((classes,), name="reshape_2")(x)
    else:
        x = _builder.feature_pooling(x, pooling)
    imagenet = weights_file(alpha, rows, include_top) if weights == "imagenet" else None
    return _builder.make_model(owner, f"mobilenet_{alpha:0.2f}_{rows}", input_tensor, img_input,
                               x, weights, imagenet)


def preprocess_input(x, data_format=None):
    """``imagenet_utils.preprocess_input`` in mode ``"tf"`` (scaled to [-1, 1])."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


__all__ = ["MobileNet", "decode_predictions", "preprocess_input"]
