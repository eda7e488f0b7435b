"""What every application constructor shares: argument checks, the input, the head, the weights.

A constructor (``VGG16``, ``ResNet50``, ...) does, in order:

1. :func:`check_arguments`: ``weights``, ``classes`` and ``pooling`` (before anything is built);
2. ``imagenet_utils.obtain_input_shape`` for the input shape, then :func:`image_input`;
3. its layers, with Keras 2.2.4's names, so that the official weight files
   (which Keras loads layer by layer, in the model's layer order) load unchanged;
4. :func:`feature_pooling` when ``include_top=False``;
5. :func:`make_model`, which creates the model and loads ``weights``: the ImageNet
   file through ``utils.get_file`` (cached in ``$KERAS_HOME/models``) or a local file.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from .. import backend as K
from ..utils.data_utils import FetchError, get_file

POOLINGS = (None, "avg", "max")
IMAGENET_CLASSES = 1000


class WeightsFile(NamedTuple):
    """An official weights file: its name in the cache, its URL and its md5 (None: unchecked)."""

    fname: str
    origin: str
    file_hash: str | None = None


def check_arguments(owner, weights, include_top, classes, pooling):
    """Check the arguments every constructor takes.

    Raises:
        ValueError: ``weights`` neither None, ``"imagenet"`` nor an existing
            file; ``classes != 1000`` with ImageNet weights and the top;
            ``pooling`` not one of None, ``"avg"``, ``"max"``.
    """
    if not (weights is None or weights == "imagenet"
            or isinstance(weights, (str, os.PathLike)) and os.path.isfile(weights)):
        missing = isinstance(weights, (str, os.PathLike))
        raise ValueError(f"{owner}: Expected weights=None (random initialization), 'imagenet' "
                         "(pre-trained on ImageNet) or the path of a weights file. Received: "
                         f"weights={weights!r}" + (" (no such file)" if missing else ""))
    if weights == "imagenet" and include_top and classes != IMAGENET_CLASSES:
        raise ValueError(f"{owner}: Expected classes=1000 with weights='imagenet' and "
                         "include_top=True (the ImageNet classifier has 1000 classes). Received: "
                         f"classes={classes!r}. Use include_top=False and a head of your own.")
    if pooling not in POOLINGS:
        raise ValueError(f"{owner}: Expected pooling to be one of None, 'avg' or 'max'. "
                         f"Received: pooling={pooling!r}")


def channel_axis():
    """The channel axis of 4-D image tensors in the current data format (1 or 3)."""
    return 1 if K.image_data_format() == "channels_first" else 3


def image_input(input_tensor, input_shape):
    """The image input: a new ``Input``, or ``input_tensor`` (wrapped if not a Keras tensor)."""
    from ..layers import Input
    if input_tensor is None:
        return Input(shape=input_shape)
    if not K.is_keras_tensor(input_tensor):
        return Input(tensor=input_tensor, shape=input_shape)
    return input_tensor


def feature_pooling(x, pooling):
    """The ``include_top=False`` output: the feature map, or its global average or maximum."""
    from ..layers import GlobalAveragePooling2D, GlobalMaxPooling2D
    if pooling == "avg":
        return GlobalAveragePooling2D()(x)
    if pooling == "max":
        return GlobalMaxPooling2D()(x)
    return x


def fetch_weights(owner, spec):
    """The local path of an official weights file, downloaded into the Keras cache on first use.

    Raises:
        FileNotFoundError: not cached and not downloadable; the message names
            the file, the cache folder to put it in and its URL.
        ValueError: the download does not have the expected hash.
    """
    try:
        return get_file(spec.fname, spec.origin, cache_subdir="models", file_hash=spec.file_hash)
    except FetchError as exc:
        folder = os.path.dirname(exc.path)
        cached = f" The cached copy was not used: {exc.rejected}." if exc.rejected else ""
        raise FileNotFoundError(
            f"{owner}: Expected the ImageNet weights file {spec.fname} in the Keras cache folder "
            f"{folder}, or a network connection to download it. Received: {exc.reason}.{cached} "
            f"To work offline, download {spec.origin} elsewhere and put it in {folder}.") from exc


def load_weights(owner, model, path, downloaded=False):
    """``model.load_weights(path)`` with errors that name the model and the file.

    Raises:
        OSError: the file cannot be read as HDF5 (not a weights file, truncated, damaged).
        ValueError: the file's layers or weights do not fit the model.
    """
    path = os.fspath(path)
    hint = (" Delete it: the next call downloads it again." if downloaded else "")
    try:
        model.load_weights(path)
    except OSError as exc:
        raise OSError(f"{owner}: Expected a Keras HDF5 weights file. Received: {path!r}, which "
                      f"cannot be read ({exc}): not an HDF5 file, truncated or damaged.{hint}"
                      ) from exc
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{owner}: Expected a weights file of the {model.name!r} architecture as "
                         f"built here (same layers and weight shapes). Received: {path!r}: {exc}"
                         f"{hint}") from exc


def make_model(owner, name, input_tensor, img_input, x, weights, imagenet_file=None):
    """The ``Model`` from the image input to ``x``, with ``weights`` loaded.

    Args:
        owner: the constructor, for messages.
        name: the model's name (Keras's: ``"vgg16"``, ``"resnet50"``, ...).
        input_tensor: the user's ``input_tensor``; when given, the model's
            inputs are the Input layers it comes from (as in Keras).
        imagenet_file: the :class:`WeightsFile` of ``weights="imagenet"``.
    """
    from ..models import Model
    from ..utils.layer_utils import get_source_inputs
    inputs = img_input if input_tensor is None else get_source_inputs(input_tensor)
    model = Model(inputs, x, name=name)
    if weights == "imagenet":
        load_weights(owner, model, fetch_weights(owner, imagenet_file), downloaded=True)
    elif weights is not None:
        load_weights(owner, model, weights)
    return model
