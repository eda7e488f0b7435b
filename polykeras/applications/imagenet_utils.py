"""ImageNet input preprocessing and prediction decoding (Keras 2.2.4's ``imagenet_utils``).

* :func:`preprocess_input` turns RGB images with values in ``[0, 255]`` into
  what a pre-trained model expects, in one of three modes: ``"caffe"`` (RGB
  to BGR, minus the ImageNet mean pixel; VGG16/19, ResNet50), ``"tf"``
  (scaled to ``[-1, 1]``; Inception, Xception, MobileNet, NASNet) and
  ``"torch"`` (scaled to ``[0, 1]``, then standardized per channel with the
  ImageNet mean and standard deviation; DenseNet). Each model module binds
  its own mode: ``polykeras.applications.resnet50.preprocess_input``.
* :func:`decode_predictions` maps the 1000 ImageNet scores to
  ``(wordnet_id, class_name, score)`` tuples; the class index file is fetched
  once through :func:`polykeras.utils.get_file` and cached.
"""

from __future__ import annotations

import json
import os
import warnings

import numpy as np

from .. import backend as K
from ..utils.data_utils import FetchError, get_file

CLASS_INDEX = None
CLASS_INDEX_PATH = ("https://storage.googleapis.com/download.tensorflow.org/"
                    "data/imagenet_class_index.json")
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"

MODES = ("caffe", "tf", "torch")
#: Per-channel statistics of ImageNet: caffe's mean in BGR order (0-255), torch's in RGB (0-1).
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
TORCH_MEAN_RGB = (0.485, 0.456, 0.406)
TORCH_STD_RGB = (0.229, 0.224, 0.225)


def _channel_axis(ndim, data_format):
    return (0 if ndim == 3 else 1) if data_format == "channels_first" else ndim - 1


def _stats(mode):
    """``(scale, flip, mean, std)``: ``x * scale``, flipped to BGR, ``- mean``, ``/ std``."""
    if mode == "torch":
        return 1. / 255., False, TORCH_MEAN_RGB, TORCH_STD_RGB
    return 1., True, CAFFE_MEAN_BGR, None


def _preprocess_numpy(x, data_format, mode):
    if not issubclass(x.dtype.type, np.floating):
        x = x.astype(K.floatx())
    if mode == "tf":
        x /= 127.5
        x -= 1.
        return x
    scale, flip, mean, std = _stats(mode)
    axis = _channel_axis(x.ndim, data_format)
    shape = [1] * x.ndim
    shape[axis] = 3
    if scale != 1.:
        x *= scale
    if flip:
        x[...] = np.flip(x, axis=axis).copy()
    x -= np.reshape(np.asarray(mean, dtype=x.dtype), shape)
    if std is not None:
        x /= np.reshape(np.asarray(std, dtype=x.dtype), shape)
    return x


def _preprocess_symbolic(x, data_format, mode):
    if mode == "tf":
        return x / 127.5 - 1.
    scale, flip, mean, std = _stats(mode)
    axis = _channel_axis(K.ndim(x), data_format)
    if scale != 1.:
        x = x * scale
    if flip:
        x = K.reverse(x, axis)
    dtype = K.dtype(x)
    if K.ndim(x) == 4:
        x = K.bias_add(x, K.constant(-np.asarray(mean), dtype=dtype), data_format=data_format)
    else:
        shape = [1] * 3
        shape[axis] = 3
        x = x - K.constant(np.reshape(mean, shape), dtype=dtype)
    if std is not None:
        shape = [1] * K.ndim(x)
        shape[axis] = 3
        x = x / K.constant(np.reshape(std, shape), dtype=dtype)
    return x


def preprocess_input(x, data_format=None, mode="caffe"):
    """Preprocess a batch of images (or one image) for an ImageNet model.

    Args:
        x: NumPy array or backend tensor (symbolic or not) of rank 3 (one
            image) or 4 (a batch), RGB values in ``[0, 255]``. A floating
            NumPy array is overwritten with the result (as in Keras; pass
            ``np.copy(x)`` to keep it); an integer one is converted to
            ``K.floatx()`` first.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``K.image_data_format()``.
        mode: ``"caffe"``, ``"tf"`` or ``"torch"`` (see the module docstring).

    Returns:
        The preprocessed array (NumPy for NumPy input) or tensor, same shape.

    Raises:
        ValueError: an unknown ``data_format`` or ``mode``, an input that is
            not of rank 3 or 4, or (modes ``"caffe"``/``"torch"``) whose
            channel axis is not of size 3.
    """
    if data_format is None:
        data_format = K.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("preprocess_input: Expected one of {'channels_first', 'channels_last'}. "
                         f"Received: data_format={data_format!r}")
    if mode not in MODES:
        raise ValueError(f"preprocess_input: Expected one of {set(MODES)}. Received: mode={mode!r}")
    numpy_input = isinstance(x, np.ndarray)
    shape = x.shape if numpy_input else K.int_shape(x)
    if len(shape) not in (3, 4):
        raise ValueError("preprocess_input: Expected an image (rank 3) or a batch of images "
                         f"(rank 4). Received: shape {tuple(shape)}")
    channels = shape[_channel_axis(len(shape), data_format)]
    if mode != "tf" and channels not in (3, None):
        raise ValueError(f"preprocess_input: Expected 3 (RGB) channels on the channel axis of "
                         f"{data_format} images for mode {mode!r}. Received: shape {tuple(shape)}")
    if numpy_input:
        return _preprocess_numpy(x, data_format, mode)
    return _preprocess_symbolic(x, data_format, mode)


def _class_index():
    global CLASS_INDEX
    if CLASS_INDEX is None:
        try:
            path = get_file("imagenet_class_index.json", CLASS_INDEX_PATH, cache_subdir="models",
                            file_hash=CLASS_INDEX_HASH)
        except FetchError as exc:
            folder = os.path.dirname(exc.path)
            raise FileNotFoundError(
                f"decode_predictions: Expected the ImageNet class index imagenet_class_index.json "
                f"in the Keras cache folder {folder}, or a network connection to download it. "
                f"Received: {exc.reason}. To work offline, download {CLASS_INDEX_PATH} elsewhere "
                f"and put it in {folder}.") from exc
        with open(path) as f:
            CLASS_INDEX = json.load(f)
    return CLASS_INDEX


def decode_predictions(preds, top=5):
    """The ``top`` best ImageNet classes of each prediction.

    Args:
        preds: array of shape ``(samples, 1000)``, a model's class scores.
        top: how many classes per sample.

    Returns:
        One list per sample of ``(wordnet_id, class_name, score)`` tuples,
        highest score first.

    Raises:
        ValueError: ``preds`` not of shape ``(samples, 1000)``.
        FileNotFoundError: the class index is neither cached nor downloadable.
    """
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError("decode_predictions: Expected a batch of ImageNet predictions, an array "
                         f"of shape (samples, 1000). Received: shape {preds.shape}")
    index = _class_index()
    results = []
    for pred in preds:
        best = np.argsort(pred, kind="stable")[::-1][:top]
        results.append([tuple(index[str(i)]) + (pred[i],) for i in best])
    return results


def _warn_channels(owner, channels):
    if channels not in (1, 3):
        warnings.warn(f"{owner}: this model usually expects 1 or 3 input channels. Received: an "
                      f"input_shape with {channels} channels.", stacklevel=4)


def obtain_input_shape(owner, input_shape, default_size, min_size, data_format, require_flatten,
                       weights=None):
    """The input shape of a model (without the batch axis), checked as Keras 2.2.4 checks it.

    Args:
        owner: the model constructor, for messages (``"VGG16"``).
        input_shape: the user's shape or None (the default: square
            ``default_size`` images with 3 channels when ``require_flatten``,
            else any size).
        default_size: the size the ImageNet weights were trained at.
        min_size: the smallest height and width the architecture accepts.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        require_flatten: whether the top needs a static shape (``include_top``).
        weights: ``"imagenet"`` requires 3 channels (and the default shape
            with ``require_flatten``).

    Returns:
        A tuple of 3 entries (None for unknown height or width).

    Raises:
        ValueError: a shape of another rank, other than 3 channels with
            ImageNet weights, smaller than ``min_size``, not the default one
            with ImageNet weights and a top, or unknown dims with a top.
    """
    if input_shape is not None:
        input_shape = tuple(input_shape)
    channels_first = data_format == "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if channels_first else input_shape[-1]
        _warn_channels(owner, channels)
    else:
        channels = 3
    default_shape = ((channels, default_size, default_size) if channels_first
                     else (default_size, default_size, channels))
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and input_shape != default_shape:
            raise ValueError(f"{owner}: Expected input_shape={default_shape} (or None) with "
                             "include_top=True and weights='imagenet': the classifier was trained "
                             f"at that size. Received: input_shape={input_shape}. Use "
                             "include_top=False for other sizes.")
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError(f"{owner}: Expected input_shape as a tuple of three integers "
                             f"(height, width and channels in {data_format} order). Received: "
                             f"input_shape={input_shape}")
        channels = input_shape[0] if channels_first else input_shape[-1]
        if weights == "imagenet" and channels != 3:
            raise ValueError(f"{owner}: Expected 3 input channels with weights='imagenet'. "
                             f"Received: input_shape={input_shape}")
        spatial = input_shape[1:] if channels_first else input_shape[:2]
        if any(d is not None and d < min_size for d in spatial):
            raise ValueError(f"{owner}: Expected an input of at least {min_size}x{min_size} "
                             f"pixels. Received: input_shape={input_shape}")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError(f"{owner}: Expected a static input_shape with include_top=True (the "
                         f"classifier needs a fixed size). Received: input_shape={input_shape}")
    return input_shape


def _obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten,
                        weights=None):
    """Keras 2.2.4's name and signature of :func:`obtain_input_shape` (used by custom models)."""
    return obtain_input_shape("_obtain_input_shape", input_shape, default_size, min_size,
                              data_format, require_flatten, weights)


__all__ = ["decode_predictions", "preprocess_input"]
