"""The VGG architecture shared by VGG16 and VGG19 (Simonyan and Zisserman, 2014).

Five blocks of 3x3 ``relu`` convolutions (``block<b>_conv<i>``) each followed
by 2x2 max pooling (``block<b>_pool``); the top is ``flatten``, ``fc1``,
``fc2`` (4096 units each) and ``predictions``.
"""

from __future__ import annotations

from .. import backend as K
from . import _builder
from .imagenet_utils import obtain_input_shape

FILTERS = (64, 128, 256, 512, 512)
BASE_URL = "https://github.com/fchollet/deep-learning-models/releases/download/v0.1/"


def build(owner, name, convs_per_block, files, include_top, weights, input_tensor, input_shape,
          pooling, classes):
    """A VGG model with ``convs_per_block[b]`` convolutions in block ``b``.

    Args:
        files: ``(with_top, without_top)`` :class:`~._builder.WeightsFile`.
    """
    from ..layers import Conv2D, Dense, Flatten, MaxPooling2D
    _builder.check_arguments(owner, weights, include_top, classes, pooling)
    input_shape = obtain_input_shape(owner, input_shape, default_size=224, min_size=32,
                                     data_format=K.image_data_format(),
                                     require_flatten=include_top, weights=weights)
    img_input = _builder.image_input(input_tensor, input_shape)
    x = img_input
    for block, (filters, convs) in enumerate(zip(FILTERS, convs_per_block), start=1):
        for i in range(1, convs + 1):
            x = Conv2D(filters, (3, 3), activation="relu", padding="same",
                       name=f"block{block}_conv{i}")(x)
        x = MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        # Flatten orders channels_first features as channels_last ones (Keras 2.2.4), so
        # the file's fc1 kernel fits both data formats.
        x = Flatten(name="flatten")(x)
        x = Dense(4096, activation="relu", name="fc1")(x)
        x = Dense(4096, activation="relu", name="fc2")(x)
        x = Dense(classes, activation="softmax", name="predictions")(x)
    else:
        x = _builder.feature_pooling(x, pooling)
    return _builder.make_model(owner, name, input_tensor, img_input, x, weights,
                               files[0] if include_top else files[1])
