"""VGG19 (Keras 2.2.4's ``keras.applications.vgg19``), weights ported from VGG at Oxford."""

from __future__ import annotations

from . import _vgg, imagenet_utils
from ._builder import WeightsFile
from .imagenet_utils import decode_predictions

WEIGHTS_PATH = _vgg.BASE_URL + "vgg19_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = _vgg.BASE_URL + "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
FILES = (WeightsFile("vgg19_weights_tf_dim_ordering_tf_kernels.h5", WEIGHTS_PATH,
                     "cbe5617147190e668d6c5d5026f83318"),
         WeightsFile("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5", WEIGHTS_PATH_NO_TOP,
                     "253f8cb515780f3b799900260a226db6"))


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
          classes=1000):
    """The VGG19 model (143,667,240 parameters with the top), optionally with ImageNet weights.

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
        A ``Model`` named ``"vgg19"``; its input is ``preprocess_input``-ed
        images (mode ``"caffe"``).

    Raises:
        ValueError: invalid arguments (see ``imagenet_utils.obtain_input_shape``).
        FileNotFoundError: ImageNet weights neither cached nor downloadable.
        OSError: an unreadable weights file.
    """
    return _vgg.build("VGG19", "vgg19", (2, 2, 4, 4, 4), FILES, include_top, weights,
                      input_tensor, input_shape, pooling, classes)


def preprocess_input(x, data_format=None, mode="caffe"):
    """``imagenet_utils.preprocess_input``, by default in mode ``"caffe"`` (BGR, minus the mean)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode=mode)


__all__ = ["VGG19", "decode_predictions", "preprocess_input"]
