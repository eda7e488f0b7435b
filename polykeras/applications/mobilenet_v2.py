"""MobileNet V2 (Keras 2.2.4's ``keras.applications.mobilenet_v2``; Sandler et al., 2018).

``Conv1`` / ``bn_Conv1`` / ``Conv1_relu``, seventeen inverted residual
blocks (``expanded_conv_*`` for the first, ``block_<i>_*`` for the others:
``expand``, ``depthwise``, ``project`` with ``_BN`` and ``_relu``, ``add``
where the shapes allow), then ``Conv_1`` / ``Conv_1_bn`` / ``out_relu`` and
the ``Logits`` classifier. ImageNet weights exist for ``alpha`` in 0.35,
0.5, 0.75, 1.0, 1.3, 1.4 and square inputs of 96, 128, 160, 192 or 224.
"""

from __future__ import annotations

from .. import backend as K
from . import _builder, imagenet_utils
from ._builder import WeightsFile
from .imagenet_utils import decode_predictions, obtain_input_shape
from .mobilenet import imagenet_rows, square_size

BASE_WEIGHT_PATH = ("https://github.com/JonathanCMitchell/mobilenet_v2_keras/"
                    "releases/download/v1.1/")
ALPHAS = (0.35, 0.50, 0.75, 1.0, 1.3, 1.4)
ROWS = (96, 128, 160, 192, 224)

#: (filters, stride, expansion, repeats) of the inverted residual stages.
STAGES = ((16, 1, 1, 1), (24, 2, 6, 2), (32, 2, 6, 3), (64, 2, 6, 4), (96, 1, 6, 3),
          (160, 2, 6, 3), (320, 1, 6, 1))


def weights_file(alpha, rows, include_top):
    """The official :class:`~._builder.WeightsFile` of ``alpha`` and ``rows`` (no known hash)."""
    fname = (f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}"
             f"{'' if include_top else '_no_top'}.h5")
    return WeightsFile(fname, BASE_WEIGHT_PATH + fname)


def _make_divisible(v, divisor, min_value=None):
    """``v`` rounded to a multiple of ``divisor`` (at least ``min_value``), not 10% below ``v``."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    from ..layers import Add, BatchNormalization, Conv2D, DepthwiseConv2D, ReLU
    axis = _builder.channel_axis()
    in_channels = K.int_shape(inputs)[axis]
    pointwise_filters = _make_divisible(int(filters * alpha), 8)
    prefix = f"block_{block_id}_" if block_id else "expanded_conv_"
    x = inputs
    if block_id:
        x = Conv2D(expansion * in_channels, kernel_size=1, padding="same", use_bias=False,
                   activation=None, name=prefix + "expand")(x)
        x = BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999,
                               name=prefix + "expand_BN")(x)
        x = ReLU(6., name=prefix + "expand_relu")(x)
    x = DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                        padding="same", name=prefix + "depthwise")(x)
    x = BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999,
                           name=prefix + "depthwise_BN")(x)
    x = ReLU(6., name=prefix + "depthwise_relu")(x)
    x = Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False, activation=None,
               name=prefix + "project")(x)
    x = BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999,
                           name=prefix + "project_BN")(x)
    if in_channels == pointwise_filters and stride == 1:
        return Add(name=prefix + "add")([inputs, x])
    return x


def MobileNetV2(input_shape=None, alpha=1.0, depth_multiplier=1, include_top=True,
                weights="imagenet", input_tensor=None, pooling=None, classes=1000):
    """The MobileNetV2 model (3,538,984 parameters with the top at ``alpha=1``).

    Args:
        input_shape: without the batch axis; default ``(224, 224, 3)`` (or
            ``(3, 224, 224)``), or the shape of ``input_tensor``; at least
            32x32. With ImageNet weights a square 96 to 224 input selects the
            weights of that size.
        alpha: width multiplier (the last convolution widens only for ``alpha > 1``).
        depth_multiplier: must be 1 with ImageNet weights (Keras accepts and
            otherwise ignores it).
        include_top: include global pooling and the ``Logits`` classifier.
        weights: None (random initialization), ``"imagenet"`` or the path of
            a weights file.
        input_tensor: a tensor to use as the image input.
        pooling: with ``include_top=False``: None (4-D feature map), ``"avg"`` or ``"max"``.
        classes: the number of classes of the top (1000 with ImageNet weights).

    Returns:
        A ``Model`` named ``"mobilenetv2_<alpha>_<rows>"``; inputs
        ``preprocess_input``-ed (mode ``"tf"``).

    Raises:
        ValueError: as ``mobilenet.MobileNet``; also an ``input_shape`` that
            differs from ``input_tensor``'s.
        FileNotFoundError, OSError: as ``vgg16.VGG16``.
    """
    from ..layers import BatchNormalization, Conv2D, Dense, GlobalAveragePooling2D, ReLU
    owner = "MobileNetV2"
    _builder.check_arguments(owner, weights, include_top, classes, pooling)
    if input_tensor is not None and K.is_keras_tensor(input_tensor):
        tensor_shape = tuple(K.int_shape(input_tensor)[1:])
        if input_shape is not None and tuple(input_shape) != tensor_shape:
            raise ValueError(f"{owner}: Expected input_shape to match the shape of input_tensor, "
                             f"{tensor_shape}. Received: input_shape={tuple(input_shape)}")
        if input_shape is None:
            input_shape = tensor_shape
    default_size = square_size(owner, input_shape, ROWS)
    input_shape = obtain_input_shape(owner, input_shape, default_size=default_size, min_size=32,
                                     data_format=K.image_data_format(),
                                     require_flatten=include_top, weights=weights)
    rows = imagenet_rows(owner, input_shape, weights, alpha, ALPHAS, depth_multiplier, ROWS)
    img_input = _builder.image_input(input_tensor, input_shape)
    axis = _builder.channel_axis()

    x = Conv2D(_make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2), padding="same",
               use_bias=False, name="Conv1")(img_input)
    x = BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name="bn_Conv1")(x)
    x = ReLU(6., name="Conv1_relu")(x)
    block_id = 0
    for filters, stride, expansion, repeats in STAGES:
        for i in range(repeats):
            x = _inverted_res_block(x, filters=filters, alpha=alpha, stride=stride if i == 0 else 1,
                                    expansion=expansion, block_id=block_id)
            block_id += 1
    # The last convolution widens with alpha > 1 only, as in the paper.
    last_block_filters = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = Conv2D(last_block_filters, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name="Conv_1_bn")(x)
    x = ReLU(6., name="out_relu")(x)
    if include_top:
        x = GlobalAveragePooling2D()(x)
        x = Dense(classes, activation="softmax", use_bias=True, name="Logits")(x)
    else:
        x = _builder.feature_pooling(x, pooling)
    imagenet = weights_file(alpha, rows, include_top) if weights == "imagenet" else None
    return _builder.make_model(owner, f"mobilenetv2_{alpha:0.2f}_{rows}", input_tensor, img_input,
                               x, weights, imagenet)


def preprocess_input(x, data_format=None):
    """``imagenet_utils.preprocess_input`` in mode ``"tf"`` (scaled to [-1, 1])."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


__all__ = ["MobileNetV2", "decode_predictions", "preprocess_input"]
