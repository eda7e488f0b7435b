"""VGG16 (Keras 2.2.4's ``keras.applications.vgg16``), weights ported from VGG at Oxford."""

from __future__ import annotations

from . import _vgg, imagenet_utils
from ._builder import WeightsFile
from .imagenet_utils import decode_predictions

WEIGHTS_PATH = _vgg.BASE_URL + "vgg16_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = _vgg.BASE_URL + "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
FILES = (WeightsFile("vgg16_weights_tf_dim_ordering_tf_kernels.h5", WEIGHTS_PATH,
                     "64373286793e3c8b2b4e3219cbf3544b"),
         WeightsFile("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5", WEIGHTS_PATH_NO_TOP,
                     "6d6bbae143d832006294945121d1f1fc"))


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
          classes=1000):
    """The VGG16 model (138,357,544 parameters with the top), optionally with ImageNet weights.

    Args:
        include_top: include the classifier (``flatten``, ``fc1``, ``fc2``,
            ``predictions``); it needs ``224x224`` inputs with ImageNet weights.
        weights: None (random initialization), ``"imagenet"`` or the path of
            a weights file.
        input_tensor: a tensor to use as the image input (e.g. ``Input(...)``).
        input_shape: without the batch axis; default ``(224, 224, 3)`` (or
            ``(3, 224, 224)``) with the top, else any size from 32x32 up.
        pooling: with ``include_top=False``: None (the 4-D ``block5_pool``
            output), ``"avg"`` or ``"max"`` (global pooling, 2-D output).
        classes: the number of classes of the top (1000 with ImageNet weights).

    Returns:
        A ``Model`` named ``"vgg16"``; its input is ``preprocess_input``-ed
        images (mode ``"caffe"``).

    Raises:
        ValueError: invalid arguments (see ``imagenet_utils.obtain_input_shape``).
        FileNotFoundError: ImageNet weights neither cached nor downloadable.
        OSError: an unreadable weights file.
    """
    return _vgg.build("VGG16", "vgg16", (2, 2, 3, 3, 3), FILES, include_top, weights,
                      input_tensor, input_shape, pooling, classes)


def preprocess_input(x, data_format=None, mode="caffe"):
    """``imagenet_utils.preprocess_input``, by default in mode ``"caffe"`` (BGR, minus the mean)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode=mode)


__all__ = ["VGG16", "decode_predictions", "preprocess_input"]
