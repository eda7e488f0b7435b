"""NASNet-A Mobile and Large (Keras 2.2.4's ``keras.applications.nasnet``; Zoph et al., 2017).

``stem_conv1``/``stem_bn1``, two stem reduction cells (``stem_1``,
``stem_2``), then three stacks of ``num_blocks`` normal cells separated by
reduction cells (``reduce_<n>``); cell layers are named as in Keras
(``normal_conv_1_<id>``, ``separable_conv_1_normal_left1_<id>``,
``adjust_conv_projection_<id>``, ...). NASNetMobile: 4 @ 1056, default input
224x224; NASNetLarge: 6 @ 4032, default input 331x331; both at least 32x32.
"""

from __future__ import annotations

from .. import backend as K
from . import _builder, imagenet_utils
from ._builder import WeightsFile
from .imagenet_utils import decode_predictions, obtain_input_shape

BASE_WEIGHTS_PATH = "https://github.com/titu1994/Keras-NASNet/releases/download/v1.2/"
NASNET_MOBILE_WEIGHT_PATH = BASE_WEIGHTS_PATH + "NASNet-mobile.h5"
NASNET_MOBILE_WEIGHT_PATH_NO_TOP = BASE_WEIGHTS_PATH + "NASNet-mobile-no-top.h5"
NASNET_LARGE_WEIGHT_PATH = BASE_WEIGHTS_PATH + "NASNet-large.h5"
NASNET_LARGE_WEIGHT_PATH_NO_TOP = BASE_WEIGHTS_PATH + "NASNet-large-no-top.h5"
#: default_size -> (file with the top, file without).
FILES = {224: (WeightsFile("nasnet_mobile.h5", NASNET_MOBILE_WEIGHT_PATH,
                           "020fb642bf7360b370c678b08e0adf61"),
               WeightsFile("nasnet_mobile_no_top.h5", NASNET_MOBILE_WEIGHT_PATH_NO_TOP,
                           "1ed92395b5b598bdda52abe5c0dbfd63")),
         331: (WeightsFile("nasnet_large.h5", NASNET_LARGE_WEIGHT_PATH,
                           "11577c9a518f0070763c2b964a382f17"),
               WeightsFile("nasnet_large_no_top.h5", NASNET_LARGE_WEIGHT_PATH_NO_TOP,
                           "d81d89dc07e6e56530c4e77faddd61b5"))}

_BN = {"momentum": 0.9997, "epsilon": 1e-3}


def _bn(x, name=None):
    from ..layers import BatchNormalization
    return BatchNormalization(axis=_builder.channel_axis(), name=name, **_BN)(x)


def _conv1x1(x, filters, name):
    from ..layers import Conv2D
    return Conv2D(filters, (1, 1), strides=(1, 1), padding="same", use_bias=False, name=name,
                  kernel_initializer="he_normal")(x)


def _separable_conv_block(ip, filters, kernel_size=(3, 3), strides=(1, 1), block_id=None):
    """Twice relu, ``SeparableConv2D`` and batch norm (the first with ``strides``)."""
    from ..layers import Activation, SeparableConv2D
    x = ip
    for i, stride in ((1, strides), (2, (1, 1))):
        x = Activation("relu")(x)
        x = SeparableConv2D(filters, kernel_size, strides=stride,
                            name=f"separable_conv_{i}_{block_id}", padding="same",
                            use_bias=False, kernel_initializer="he_normal")(x)
        x = _bn(x, f"separable_conv_{i}_bn_{block_id}")
    return x


def _adjust_block(p, ip, filters, block_id=None):
    """``p`` (the previous cell's input) brought to the spatial size and width of ``ip``."""
    from ..layers import Activation, AveragePooling2D, Cropping2D, ZeroPadding2D, concatenate
    axis = _builder.channel_axis()
    img_dim = 2 if K.image_data_format() == "channels_first" else -2
    if p is None:
        return ip
    p_shape, ip_shape = K.int_shape(p), K.int_shape(ip)
    if p_shape[img_dim] != ip_shape[img_dim]:
        p = Activation("relu", name=f"adjust_relu_1_{block_id}")(p)
        p1 = AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                              name=f"adjust_avg_pool_1_{block_id}")(p)
        p1 = _conv1x1(p1, filters // 2, f"adjust_conv_1_{block_id}")
        p2 = ZeroPadding2D(padding=((0, 1), (0, 1)))(p)
        p2 = Cropping2D(cropping=((1, 0), (1, 0)))(p2)
        p2 = AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                              name=f"adjust_avg_pool_2_{block_id}")(p2)
        p2 = _conv1x1(p2, filters // 2, f"adjust_conv_2_{block_id}")
        p = concatenate([p1, p2], axis=axis)
        p = _bn(p, f"adjust_bn_{block_id}")
    elif p_shape[axis] != filters:
        p = Activation("relu")(p)
        p = _conv1x1(p, filters, f"adjust_conv_projection_{block_id}")
        p = _bn(p, f"adjust_bn_{block_id}")
    return p


def _normal_a_cell(ip, p, filters, block_id=None):
    """A normal cell (Fig. 4 of the paper); returns ``(output, ip)``."""
    from ..layers import Activation, AveragePooling2D, add, concatenate
    p = _adjust_block(p, ip, filters, block_id)
    h = Activation("relu")(ip)
    h = _conv1x1(h, filters, f"normal_conv_1_{block_id}")
    h = _bn(h, f"normal_bn_1_{block_id}")

    x1_1 = _separable_conv_block(h, filters, kernel_size=(5, 5),
                                 block_id=f"normal_left1_{block_id}")
    x1_2 = _separable_conv_block(p, filters, block_id=f"normal_right1_{block_id}")
    x1 = add([x1_1, x1_2], name=f"normal_add_1_{block_id}")

    x2_1 = _separable_conv_block(p, filters, (5, 5), block_id=f"normal_left2_{block_id}")
    x2_2 = _separable_conv_block(p, filters, (3, 3), block_id=f"normal_right2_{block_id}")
    x2 = add([x2_1, x2_2], name=f"normal_add_2_{block_id}")

    x3 = AveragePooling2D((3, 3), strides=(1, 1), padding="same",
                          name=f"normal_left3_{block_id}")(h)
    x3 = add([x3, p], name=f"normal_add_3_{block_id}")

    x4_1 = AveragePooling2D((3, 3), strides=(1, 1), padding="same",
                            name=f"normal_left4_{block_id}")(p)
    x4_2 = AveragePooling2D((3, 3), strides=(1, 1), padding="same",
                            name=f"normal_right4_{block_id}")(p)
    x4 = add([x4_1, x4_2], name=f"normal_add_4_{block_id}")

    x5 = _separable_conv_block(h, filters, block_id=f"normal_left5_{block_id}")
    x5 = add([x5, h], name=f"normal_add_5_{block_id}")

    x = concatenate([p, x1, x2, x3, x4, x5], axis=_builder.channel_axis(),
                    name=f"normal_concat_{block_id}")
    return x, ip


def _reduction_a_cell(ip, p, filters, block_id=None):
    """A reduction cell (Fig. 4 of the paper, stride 2); returns ``(output, ip)``."""
    from ..layers import Activation, AveragePooling2D, MaxPooling2D, add, concatenate
    p = _adjust_block(p, ip, filters, block_id)
    h = Activation("relu")(ip)
    h = _conv1x1(h, filters, f"reduction_conv_1_{block_id}")
    h = _bn(h, f"reduction_bn_1_{block_id}")

    x1_1 = _separable_conv_block(h, filters, (5, 5), strides=(2, 2),
                                 block_id=f"reduction_left1_{block_id}")
    x1_2 = _separable_conv_block(p, filters, (7, 7), strides=(2, 2),
                                 block_id=f"reduction_right1_{block_id}")
    x1 = add([x1_1, x1_2], name=f"reduction_add_1_{block_id}")

    x2_1 = MaxPooling2D((3, 3), strides=(2, 2), padding="same",
                        name=f"reduction_left2_{block_id}")(h)
    x2_2 = _separable_conv_block(p, filters, (7, 7), strides=(2, 2),
                                 block_id=f"reduction_right2_{block_id}")
    x2 = add([x2_1, x2_2], name=f"reduction_add_2_{block_id}")

    x3_1 = AveragePooling2D((3, 3), strides=(2, 2), padding="same",
                            name=f"reduction_left3_{block_id}")(h)
    x3_2 = _separable_conv_block(p, filters, (5, 5), strides=(2, 2),
                                 block_id=f"reduction_right3_{block_id}")
    x3 = add([x3_1, x3_2], name=f"reduction_add3_{block_id}")

    x4 = AveragePooling2D((3, 3), strides=(1, 1), padding="same",
                          name=f"reduction_left4_{block_id}")(x1)
    x4 = add([x2, x4])

    x5_1 = _separable_conv_block(x1, filters, (3, 3), block_id=f"reduction_left4_{block_id}")
    x5_2 = MaxPooling2D((3, 3), strides=(2, 2), padding="same",
                        name=f"reduction_right5_{block_id}")(h)
    x5 = add([x5_1, x5_2], name=f"reduction_add4_{block_id}")

    x = concatenate([x2, x3, x4, x5], axis=_builder.channel_axis(),
                    name=f"reduction_concat_{block_id}")
    return x, ip


def NASNet(input_shape=None, penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
           skip_reduction=True, filter_multiplier=2, include_top=True, weights=None,
           input_tensor=None, pooling=None, classes=1000, default_size=None):
    """A NASNet-A model ``NASNet (num_blocks @ penultimate_filters)``.

    Args:
        input_shape: without the batch axis, height and width known; default
            ``(default_size, default_size, 3)`` (or channels first) with the
            top; at least 32x32.
        penultimate_filters: filters of the penultimate layer, divisible by 24.
        num_blocks: normal cells per stack.
        stem_block_filters: filters of the stem convolution.
        skip_reduction: feed the reduction cell's input (not its output) to the next stack.
        filter_multiplier: width growth from one stack to the next.
        include_top: include global pooling and the ``predictions`` classifier.
        weights: None, ``"imagenet"`` (for the Mobile and Large configurations
            only) or the path of a weights file.
        input_tensor: a tensor to use as the image input.
        pooling: with ``include_top=False``: None (4-D feature map), ``"avg"`` or ``"max"``.
        classes: the number of classes of the top (1000 with ImageNet weights).
        default_size: 224 (Mobile), 331 (Large, the default) or another size.

    Returns:
        A ``Model`` named ``"NASNet"``; inputs ``preprocess_input``-ed (mode ``"tf"``).

    Raises:
        ValueError: as ``vgg16.VGG16``; also ``penultimate_filters`` not
            divisible by 24, ImageNet weights for another ``default_size``,
            or an input size not fully known (``include_top=False`` needs
            an ``input_shape``).
        FileNotFoundError, OSError: as ``vgg16.VGG16``.
    """
    from ..layers import Activation, Conv2D, Dense, GlobalAveragePooling2D
    owner = {224: "NASNetMobile", 331: "NASNetLarge"}.get(default_size, "NASNet")
    _builder.check_arguments(owner, weights, include_top, classes, pooling)
    if default_size is None:
        default_size = 331
    if weights == "imagenet":
        if default_size not in FILES:
            raise ValueError(f"{owner}: Expected default_size 224 (NASNetMobile) or 331 "
                             f"(NASNetLarge) with weights='imagenet'. Received: "
                             f"default_size={default_size!r}")
    if penultimate_filters % 24 != 0:
        raise ValueError(f"{owner}: Expected penultimate_filters divisible by 24 (NASNet-A). "
                         f"Received: penultimate_filters={penultimate_filters!r}")
    given = input_shape
    input_shape = obtain_input_shape(owner, input_shape, default_size=default_size, min_size=32,
                                     data_format=K.image_data_format(),
                                     require_flatten=include_top, weights=weights)
    if None in input_shape:
        # Each cell compares the sizes of its two inputs to choose how to adjust them.
        raise ValueError(f"{owner}: Expected a static input_shape (height and width known): "
                         "NASNet's cells depend on the input size. Received: "
                         f"input_shape={None if given is None else tuple(given)}")
    img_input = _builder.image_input(input_tensor, input_shape)
    filters = penultimate_filters // 24

    x = Conv2D(stem_block_filters, (3, 3), strides=(2, 2), padding="valid", use_bias=False,
               name="stem_conv1", kernel_initializer="he_normal")(img_input)
    x = _bn(x, "stem_bn1")
    p = None
    x, p = _reduction_a_cell(x, p, filters // (filter_multiplier ** 2), block_id="stem_1")
    x, p = _reduction_a_cell(x, p, filters // filter_multiplier, block_id="stem_2")
    for stack in range(3):
        width = filters * filter_multiplier ** stack
        if stack:
            x, p0 = _reduction_a_cell(x, p, width, block_id=f"reduce_{stack * num_blocks}")
            p = p if skip_reduction else p0
        first_id = stack * num_blocks + (1 if stack else 0)  # Keras: 0.., N+1.., 2N+1..
        for i in range(num_blocks):
            x, p = _normal_a_cell(x, p, width, block_id=f"{first_id + i}")
    x = Activation("relu")(x)
    if include_top:
        x = GlobalAveragePooling2D()(x)
        x = Dense(classes, activation="softmax", name="predictions")(x)
    else:
        x = _builder.feature_pooling(x, pooling)
    imagenet = FILES[default_size][0 if include_top else 1] if weights == "imagenet" else None
    return _builder.make_model(owner, "NASNet", input_tensor, img_input, x, weights, imagenet)


def NASNetLarge(input_shape=None, include_top=True, weights="imagenet", input_tensor=None,
                pooling=None, classes=1000):
    """NASNet-A Large, 6 @ 4032 (88,949,818 parameters with the top); default input 331x331.

    Arguments, result and errors as :func:`NASNet`.
    """
    return NASNet(input_shape, penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
                  skip_reduction=True, filter_multiplier=2, include_top=include_top,
                  weights=weights, input_tensor=input_tensor, pooling=pooling, classes=classes,
                  default_size=331)


def NASNetMobile(input_shape=None, include_top=True, weights="imagenet", input_tensor=None,
                 pooling=None, classes=1000):
    """NASNet-A Mobile, 4 @ 1056 (5,326,716 parameters with the top); default input 224x224.

    Arguments, result and errors as :func:`NASNet`.
    """
    return NASNet(input_shape, penultimate_filters=1056, num_blocks=4, stem_block_filters=32,
                  skip_reduction=False, filter_multiplier=2, include_top=include_top,
                  weights=weights, input_tensor=input_tensor, pooling=pooling, classes=classes,
                  default_size=224)


def preprocess_input(x, data_format=None):
    """``imagenet_utils.preprocess_input`` in mode ``"tf"`` (scaled to [-1, 1])."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


__all__ = ["NASNetLarge", "NASNetMobile", "decode_predictions", "preprocess_input"]
