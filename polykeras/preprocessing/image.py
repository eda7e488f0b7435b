"""Image loading and real-time data augmentation (Keras 2.2.4's ``keras.preprocessing.image``).

Keras 2.2.4 re-exported these names from the ``keras-preprocessing`` 1.0.5
package; the signatures here are that package's. Everything is computed on
the host with NumPy and ``scipy.ndimage``; Pillow reads, writes and resizes
image files (it is optional: ``pip install 'polykeras[image]'``, and only the
functions that touch files or PIL images need it).

Images are NumPy arrays of rank 3, ``(rows, cols, channels)`` with
``data_format="channels_last"`` or ``(channels, rows, cols)`` with
``"channels_first"``; batches add a leading sample axis.

Iterators (:class:`NumpyArrayIterator`, :class:`DirectoryIterator`,
:class:`DataFrameIterator`) are :class:`~polykeras.utils.Sequence` objects.
The random transform of a sample depends only on the iterator's seed, the
epoch number and the sample's index: batch ``i`` of epoch ``e`` is the same
whichever thread or process reads it and in whatever order, so the same
seed gives the same augmented batches with any number of ``workers``.
"""

from __future__ import annotations

import io
import os
import threading
import warnings

import numpy as np
import scipy.linalg
import scipy.ndimage

from ..backend import config
from ..utils.data_utils import Sequence
from ..utils.generic_utils import has_arg

FILL_MODES = ("constant", "nearest", "reflect", "wrap")
COLOR_MODES = ("grayscale", "rgb", "rgba")
INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")
#: scipy.ndimage's name for each fill mode. Keras documents "wrap" as
#: ``abcdabcd|abcd|abcdabcd``, which is scipy's "grid-wrap" (scipy's own
#: "wrap" makes the first and last pixels overlap).
_SCIPY_MODES = {"constant": "constant", "nearest": "nearest", "reflect": "reflect",
                "wrap": "grid-wrap"}


def _pil(caller):
    """``PIL.Image`` and ``PIL.ImageEnhance``, or an ImportError saying how to install Pillow."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(f"{caller} requires Pillow, which is not installed. Install it with "
                          "`pip install Pillow` (or `pip install 'polykeras[image]'`).") from None
    return Image


def _data_format(value, caller):
    if value is None:
        return config.image_data_format()
    if value not in config.DATA_FORMATS:
        raise ValueError(f"{caller}: Expected data_format one of {set(config.DATA_FORMATS)}. "
                         f"Received: data_format={value!r}")
    return value


def _check_fill_mode(fill_mode, caller):
    if fill_mode not in FILL_MODES:
        raise ValueError(f"{caller}: Expected fill_mode one of {set(FILL_MODES)}. "
                         f"Received: fill_mode={fill_mode!r}")


def _check_image(x, caller):
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"{caller}: Expected a single image, an array of rank 3. "
                         f"Received: an array of shape {x.shape}")
    return x


def _check_pair(value, name, caller):
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{caller}: Expected {name} as a tuple or list of two floats. "
                         f"Received: {name}={value!r}") from None
    return low, high


# -- geometric transforms ------------------------------------------------------------------

def transform_matrix_offset_center(matrix, x, y):
    """``matrix`` (3x3, homogeneous row/col coordinates) applied about the centre of an image.

    ``x`` and ``y`` are the numbers of rows and columns.

    The centre is the middle of the pixel grid, ``((x - 1) / 2, (y - 1) / 2)``
    in pixel indices, so a rotation by 90 degrees maps the pixel grid onto
    itself (Keras 2.2.4 used ``x / 2 + 0.5``, one pixel off: see
    docs/COMPATIBILITY.md).
    """
    o_x = (float(x) - 1.) / 2.
    o_y = (float(y) - 1.) / 2.
    offset_matrix = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset_matrix = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return offset_matrix @ matrix @ reset_matrix


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=0, col_axis=1,
                           channel_axis=2, fill_mode="nearest", cval=0.):
    """Rotate, shift, shear and zoom one image (bilinear interpolation, ``scipy.ndimage``).

    The output pixel at ``p = (row, col)`` takes the input value at
    ``R(theta) @ S(tx, ty) @ H(shear) @ Z(zx, zy) @ (p - c) + c`` where
    ``c`` is the image centre; so ``theta=90`` gives ``np.rot90(x, k=-1)``
    (a clockwise quarter turn of the picture as displayed, rows downward),
    ``tx=1`` moves the content one row up and ``ty=1`` one column left, and
    ``zx=2`` samples the input rows twice as far apart (the content shrinks:
    factors above 1 zoom out).

    Args:
        x: one image, rank 3.
        theta: rotation angle in degrees.
        tx, ty: shifts in pixels along the rows and the columns.
        shear: shear angle in degrees.
        zx, zy: zoom factors along the rows and the columns.
        row_axis, col_axis, channel_axis: the axes of ``x``.
        fill_mode: how points outside the input are filled: ``"constant"``
            (``cval``), ``"nearest"`` (aaaa|abcd|dddd), ``"reflect"``
            (dcba|abcd|dcba) or ``"wrap"`` (abcd|abcd|abcd).
        cval: the value outside the input for ``fill_mode="constant"``.

    Returns:
        The transformed image, same shape and dtype as ``x`` (``x`` itself
        when every parameter is the identity).

    Raises:
        ValueError: ``x`` not of rank 3, axes that are not three distinct
            axes of ``x``, an unknown ``fill_mode``.
    """
    caller = "apply_affine_transform"
    x = _check_image(x, caller)
    _check_fill_mode(fill_mode, caller)
    try:
        axes = [int(a) % 3 if -3 <= int(a) < 3 else None
                for a in (row_axis, col_axis, channel_axis)]
    except (TypeError, ValueError):
        axes = []
    if sorted(a for a in axes if a is not None) != [0, 1, 2]:
        raise ValueError(f"{caller}: Expected row_axis, col_axis and channel_axis to be the three "
                         f"axes of a rank-3 image. Received: {row_axis}, {col_axis}, "
                         f"{channel_axis}")
    matrix = np.eye(3)
    if theta != 0:
        angle = np.deg2rad(theta)
        matrix = matrix @ np.array([[np.cos(angle), -np.sin(angle), 0],
                                    [np.sin(angle), np.cos(angle), 0], [0, 0, 1]])
    if tx != 0 or ty != 0:
        matrix = matrix @ np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
    if shear != 0:
        angle = np.deg2rad(shear)
        matrix = matrix @ np.array([[1, -np.sin(angle), 0], [0, np.cos(angle), 0], [0, 0, 1]])
    if zx != 1 or zy != 1:
        matrix = matrix @ np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])
    if np.array_equal(matrix, np.eye(3)):
        return x
    matrix = transform_matrix_offset_center(matrix, x.shape[axes[0]], x.shape[axes[1]])
    # (channel, row, col) order; the channel axis is mapped onto itself (identity row and
    # column), so one call transforms every channel and integer channel coordinates never mix.
    image = np.moveaxis(x, [axes[2], axes[0], axes[1]], [0, 1, 2])
    full = np.eye(3)
    full[1:, 1:] = matrix[:2, :2]
    offset = np.concatenate([[0.], matrix[:2, 2]])
    out = scipy.ndimage.affine_transform(image, full, offset, order=1,
                                         mode=_SCIPY_MODES[fill_mode], cval=cval)
    return np.moveaxis(out, [0, 1, 2], [axes[2], axes[0], axes[1]])


def flip_axis(x, axis):
    """``x`` reversed along ``axis`` (a copy)."""
    return np.flip(np.asarray(x), axis).copy()


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.):
    """Rotate one image by an angle drawn uniformly in ``[-rg, rg]`` degrees (``np.random``).

    The default axes are those of a channels-first image. See
    :func:`apply_affine_transform` for the direction and ``fill_mode``.
    """
    theta = np.random.uniform(-rg, rg)
    return apply_affine_transform(x, theta=theta, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval)


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.):
    """Shift one image by fractions of its size: ``hrg`` of the rows, ``wrg`` of the cols (+-)."""
    x = _check_image(x, "random_shift")
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return apply_affine_transform(x, tx=tx, ty=ty, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                 cval=0.):
    """Shear one image by an angle drawn uniformly in ``[-intensity, intensity]`` degrees."""
    shear = np.random.uniform(-intensity, intensity)
    return apply_affine_transform(x, shear=shear, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval)


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                cval=0.):
    """Zoom one image by factors (rows, cols) drawn independently in ``zoom_range = (low, high)``.

    Raises:
        ValueError: ``zoom_range`` is not a pair of numbers.
    """
    low, high = _check_pair(zoom_range, "zoom_range", "random_zoom")
    if low == 1 and high == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(low, high, 2)
    return apply_affine_transform(x, zx=zx, zy=zy, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval)


def apply_channel_shift(x, intensity, channel_axis=0):
    """Add ``intensity`` to every channel, clipped to the image's own [min, max]."""
    x = _check_image(x, "apply_channel_shift")
    low, high = np.min(x), np.max(x)
    return np.clip(x + intensity, low, high).astype(x.dtype, copy=False)


def random_channel_shift(x, intensity_range, channel_axis=0):
    """:func:`apply_channel_shift` by an intensity drawn in ``[-range, range]``."""
    intensity = np.random.uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


def apply_brightness_shift(x, brightness):
    """Multiply the brightness of one image by ``brightness`` (1 = unchanged, 0 = black).

    This is Pillow's ``ImageEnhance.Brightness`` applied to the picture that
    :func:`array_to_img` makes of ``x`` (values offset to be >= 0, the image's
    maximum as white), computed in floating point on ``x``'s own scale:
    ``clip((x + offset) * brightness, 0, white) - offset``, where ``offset =
    max(-min(x), 0)`` and ``white = max(x + offset)``. Keras 2.2.4 returned
    the result rescaled to 0..255 and rounded to integers (docs/COMPATIBILITY.md).

    Returns:
        An array of ``x``'s shape and (floating) dtype.
    """
    x = np.asarray(x)
    x = x.astype(config.floatx()) if not np.issubdtype(x.dtype, np.floating) else x
    offset = max(-float(np.min(x)), 0.) if x.size else 0.
    white = float(np.max(x)) + offset if x.size else 0.
    if white == 0:
        return x.copy()
    return (np.clip((x + offset) * brightness, 0., white) - offset).astype(x.dtype, copy=False)


def random_brightness(x, brightness_range):
    """:func:`apply_brightness_shift` by a factor drawn in ``brightness_range = (low, high)``.

    Raises:
        ValueError: ``brightness_range`` is not a pair of numbers.
    """
    low, high = _check_pair(brightness_range, "brightness_range", "random_brightness")
    return apply_brightness_shift(x, np.random.uniform(low, high))


# -- PIL images and files ------------------------------------------------------------------

def array_to_img(x, data_format=None, scale=True):
    """A PIL image of one image array (1 channel: ``L``, 3: ``RGB``, 4: ``RGBA``).

    Args:
        x: an array of rank 3.
        data_format: the layout of ``x``; default ``K.image_data_format()``.
        scale: map the values onto 0..255 (offset so the minimum is >= 0,
            then divided by the maximum); else the values are used as they
            are, clipped to 0..255 (Keras 2.2.4 wrapped them around).

    Raises:
        ImportError: Pillow is not installed.
        ValueError: not rank 3, an unknown ``data_format``, a channel count
            other than 1, 3 or 4.
    """
    caller = "array_to_img"
    image = _pil(caller)
    x = np.asarray(x, dtype=config.floatx())
    if x.ndim != 3:
        raise ValueError(f"{caller}: Expected image array to have rank 3 (single image). "
                         f"Received: an array of shape {x.shape}")
    data_format = _data_format(data_format, caller)
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if x.shape[2] not in (1, 3, 4):
        raise ValueError(f"{caller}: Expected 1, 3 or 4 channels. Received: an image of shape "
                         f"{x.shape} ({data_format}) with {x.shape[2]} channels")
    if scale:
        x = x + max(-np.min(x), 0)
        x_max = np.max(x)
        if x_max != 0:
            x = x / x_max
        x = x * 255
    pixels = np.clip(x, 0, 255).astype("uint8")
    if x.shape[2] == 4:
        return image.fromarray(pixels, "RGBA")
    if x.shape[2] == 3:
        return image.fromarray(pixels, "RGB")
    return image.fromarray(pixels[:, :, 0], "L")


def img_to_array(img, data_format=None, dtype=None):
    """The array of a PIL image: ``(rows, cols, channels)`` or ``(channels, rows, cols)``.

    Args:
        img: a PIL image (or anything ``np.asarray`` turns into a 2-D or 3-D array).
        data_format: the layout wanted; default ``K.image_data_format()``.
        dtype: default ``K.floatx()``.

    Raises:
        ValueError: an unknown ``data_format``; an image that is not 2-D or 3-D.
    """
    data_format = _data_format(data_format, "img_to_array")
    x = np.asarray(img, dtype=dtype or config.floatx())
    if x.ndim == 2:
        x = x[:, :, np.newaxis]
    elif x.ndim != 3:
        raise ValueError(f"img_to_array: Expected an image of rank 2 or 3. "
                         f"Received: shape {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(2, 0, 1)
    return x


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Save one image array to ``path`` (a path or a file object).

    Args:
        file_format: ``"png"``, ``"jpeg"``, ...; default from the file
            extension (required for a file object).
        scale: see :func:`array_to_img`.
        **kwargs: passed to ``PIL.Image.save``.

    An RGBA image saved as JPEG is converted to RGB (with a warning).
    """
    img = array_to_img(x, data_format=data_format, scale=scale)
    target_format = file_format
    if target_format is None and isinstance(path, (str, os.PathLike)):
        target_format = os.path.splitext(os.fspath(path))[1][1:]
    if img.mode == "RGBA" and str(target_format).lower() in ("jpg", "jpeg"):
        warnings.warn("save_img: The JPG format does not support RGBA images, converting to RGB.",
                      stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def load_img(path, grayscale=False, color_mode="rgb", target_size=None, interpolation="nearest"):
    """Read an image file into a PIL image.

    Args:
        path: a path or a binary file object.
        grayscale: deprecated; ``color_mode="grayscale"``.
        color_mode: ``"grayscale"``, ``"rgb"`` or ``"rgba"``: the mode of the result.
        target_size: ``None`` (the file's size) or ``(rows, cols)``.
        interpolation: resampling to ``target_size``: ``"nearest"``,
            ``"bilinear"``, ``"bicubic"``, ``"hamming"``, ``"box"``, ``"lanczos"``.

    Raises:
        ImportError: Pillow is not installed.
        FileNotFoundError: no such file.
        PIL.UnidentifiedImageError (an ``OSError``): a file that is not an
            image Pillow can read; the message names the file.
        ValueError: an unknown ``color_mode`` or ``interpolation``, a bad ``target_size``.
    """
    caller = "load_img"
    image = _pil(caller)
    if grayscale is True:
        warnings.warn('load_img: grayscale is deprecated. Please use color_mode="grayscale".',
                      DeprecationWarning, stacklevel=2)
        color_mode = "grayscale"
    if color_mode not in COLOR_MODES:
        raise ValueError(f"{caller}: Expected color_mode one of {set(COLOR_MODES)}. "
                         f"Received: color_mode={color_mode!r}")
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"{caller}: Expected interpolation one of {set(INTERPOLATIONS)}. "
                         f"Received: interpolation={interpolation!r}")
    if target_size is not None:
        target_size = _check_size(target_size, "target_size", caller)
    if isinstance(path, (str, bytes, os.PathLike)):
        with open(path, "rb") as f:
            data = f.read()
        stream, name = io.BytesIO(data), os.fsdecode(path)
    else:
        stream, name = path, getattr(path, "name", repr(path))
    try:
        img = image.open(stream)
        img.load()
    except image.UnidentifiedImageError:
        from PIL import UnidentifiedImageError
        raise UnidentifiedImageError(f"{caller}: Expected an image file (PNG, JPEG, BMP, GIF, "
                                     f"TIFF, ...). Received: {name!r}, which is not an image "
                                     "Pillow can read") from None
    wanted = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}[color_mode]
    if img.mode != wanted:
        img = img.convert(wanted)
    if target_size is not None:
        width_height = (target_size[1], target_size[0])
        if img.size != width_height:
            resample = getattr(image.Resampling, interpolation.upper())
            img = img.resize(width_height, resample)
    return img


def _check_size(value, name, caller):
    try:
        rows, cols = (int(v) for v in value)
        if rows < 1 or cols < 1 or any(int(v) != v for v in value):
            raise ValueError
    except (TypeError, ValueError):
        raise ValueError(f"{caller}: Expected {name} as (rows, cols), two positive ints. "
                         f"Received: {name}={value!r}") from None
    return rows, cols


def list_pictures(directory, ext="jpg|jpeg|bmp|png|ppm"):
    """The paths of the files under ``directory`` (recursively) with an extension in ``ext``."""
    extensions = tuple("." + e.lower() for e in ext.split("|"))
    return [os.path.join(root, f) for root, _, files in sorted(os.walk(directory))
            for f in sorted(files) if f.lower().endswith(extensions)]


# -- the generator ------------------------------------------------------------------------

def _shift_range(value, name):
    """Validate a ``*_shift_range``: a number or a 1-D array-like of numbers."""
    array = np.asarray(value)
    if array.dtype.kind not in "biuf" or array.ndim > 1 or (array.ndim == 1 and not array.size):
        raise ValueError(f"ImageDataGenerator: Expected {name} as a float, an int or a 1-D "
                         f"array-like of numbers. Received: {name}={value!r}")
    return value


def _draw_shift(rng, shift_range, size):
    """A shift in pixels (Keras 1.0.5's rule): ints and arrays pick a value with a random sign."""
    array = np.asarray(shift_range)
    if array.size == 0 or not np.any(array):
        return 0
    if array.ndim == 1 or array.dtype.kind in "biu":
        # An int n picks from range(n), an array from its elements; then a random sign.
        value = float(rng.choice(shift_range)) * rng.choice([-1, 1])
    else:
        value = rng.uniform(-float(shift_range), float(shift_range))
    if np.max(array) < 1:
        value *= size
    return value


class ImageDataGenerator:
    """Batches of images with real-time data augmentation and normalization.

    The transforms, in order: rotation, shifts, shear and zoom (one affine
    resampling), channel shift, flips, brightness; then
    :meth:`standardize`: ``preprocessing_function``, ``rescale``,
    samplewise centering and std normalization, featurewise centering and
    std normalization (statistics from :meth:`fit`), ZCA whitening.

    Args:
        featurewise_center: subtract the dataset mean per channel (from :meth:`fit`).
        samplewise_center: subtract each sample's mean.
        featurewise_std_normalization: divide by the dataset std per channel.
        samplewise_std_normalization: divide each sample by its std.
        zca_whitening: apply ZCA whitening (from :meth:`fit`).
        zca_epsilon: added to the eigenvalues of the covariance.
        rotation_range: degrees; rotations drawn in ``[-r, r]``.
        width_shift_range, height_shift_range: a float < 1 is a fraction of the
            width/height, >= 1 a number of pixels, drawn in ``[-r, r)``; an int
            ``n`` draws a whole number of pixels in ``(-n, n)``; a 1-D
            array-like draws one of its elements with a random sign.
        brightness_range: ``(low, high)``: brightness factors (1 = unchanged).
        shear_range: shear angle in degrees, drawn in ``[-r, r]``.
        zoom_range: a float ``z`` (zoom in ``[1 - z, 1 + z]``) or ``(low, high)``.
        channel_shift_range: intensities added to every channel, in ``[-r, r]``.
        fill_mode: ``"constant"``, ``"nearest"``, ``"reflect"`` or ``"wrap"``.
        cval: the fill value for ``"constant"``.
        horizontal_flip, vertical_flip: flip with probability 1/2.
        rescale: a factor multiplied into the data (None or 0: none).
        preprocessing_function: ``f(image) -> image`` of the same shape,
            run on each image after augmentation, before rescaling.
        data_format: default ``K.image_data_format()``.
        validation_split: the fraction of the data ``subset="validation"`` uses.
        dtype: the dtype of the batches; default ``K.floatx()``.

    Raises:
        ValueError: an unknown ``data_format`` or ``fill_mode``; a
            ``validation_split`` outside [0, 1); malformed ranges.
    """

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 zca_whitening=False, zca_epsilon=1e-6, rotation_range=0, width_shift_range=0.,
                 height_shift_range=0., brightness_range=None, shear_range=0., zoom_range=0.,
                 channel_shift_range=0., fill_mode="nearest", cval=0., horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None, data_format=None,
                 validation_split=0.0, dtype=None):
        caller = "ImageDataGenerator"
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = _shift_range(width_shift_range, "width_shift_range")
        self.height_shift_range = _shift_range(height_shift_range, "height_shift_range")
        if brightness_range is not None:
            brightness_range = _check_pair(brightness_range, "brightness_range", caller)
        self.brightness_range = brightness_range
        self.shear_range = shear_range
        self.channel_shift_range = channel_shift_range
        _check_fill_mode(fill_mode, caller)
        self.fill_mode = fill_mode
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        if preprocessing_function is not None and not callable(preprocessing_function):
            raise TypeError(f"{caller}: Expected a callable preprocessing_function. "
                            f"Received: {preprocessing_function!r}")
        self.preprocessing_function = preprocessing_function
        self.data_format = _data_format(data_format, caller)
        if self.data_format == "channels_first":
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(f"{caller}: Expected validation_split strictly between 0 and 1. "
                             f"Received: validation_split={validation_split!r}")
        self._validation_split = validation_split
        self.dtype = dtype or config.floatx()
        self.mean = None
        self.std = None
        self.principal_components = None

        if np.isscalar(zoom_range):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        else:
            self.zoom_range = list(_check_pair(zoom_range, "zoom_range", caller))
        if zca_whitening:
            if not featurewise_center:
                self.featurewise_center = True
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, which overrides "
                              "setting of `featurewise_center`.", stacklevel=2)
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn("This ImageDataGenerator specifies `zca_whitening` which overrides "
                              "setting of `featurewise_std_normalization`.", stacklevel=2)
        if featurewise_std_normalization and not featurewise_center:
            self.featurewise_center = True
            warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, "
                          "which overrides setting of `featurewise_center`.", stacklevel=2)
        if samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            warnings.warn("This ImageDataGenerator specifies `samplewise_std_normalization`, "
                          "which overrides setting of `samplewise_center`.", stacklevel=2)

    # -- iterators ----------------------------------------------------------------------
    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None,
             save_to_dir=None, save_prefix="", save_format="png", subset=None):
        """A :class:`NumpyArrayIterator` over images ``x`` (rank 4) and labels ``y``.

        ``x`` may be a tuple ``(images, extra)`` where ``extra`` is an array
        or list of arrays passed through unchanged next to the images.
        Batches are ``x`` (no ``y``), ``(x, y)`` or ``(x, y, sample_weight)``.
        """
        return NumpyArrayIterator(
            x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight,
            seed=seed, data_format=self.data_format, save_to_dir=save_to_dir,
            save_prefix=save_prefix, save_format=save_format, subset=subset, dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb",
                            classes=None, class_mode="categorical", batch_size=32, shuffle=True,
                            seed=None, save_to_dir=None, save_prefix="", save_format="png",
                            follow_links=False, subset=None, interpolation="nearest"):
        """A :class:`DirectoryIterator` over the images in the class subfolders of ``directory``.

        ``directory/<class>/**/<image>``: one subfolder per class (sorted
        names give the class indices, see ``class_indices``), searched
        recursively for png, jpg, jpeg, bmp, ppm, tif and tiff files.

        Args:
            target_size: ``(rows, cols)`` every image is resized to.
            color_mode: ``"grayscale"``, ``"rgb"`` or ``"rgba"`` (1, 3, 4 channels).
            classes: the class subfolders to read, in class-index order
                (default: every subfolder, sorted).
            class_mode: the labels: ``"categorical"`` (one-hot),
                ``"binary"`` (0/1 floats), ``"sparse"`` (int indices),
                ``"input"`` (the images themselves, for autoencoders) or
                ``None`` (batches of images only).
            follow_links: follow symbolic links to folders.
            subset: ``"training"`` or ``"validation"`` with ``validation_split``.
            interpolation: resampling to ``target_size`` (see :func:`load_img`).

        Raises:
            FileNotFoundError: ``directory`` does not exist.
            ValueError: an unknown ``class_mode``/``color_mode``/``subset``, a
                ``classes`` entry with no folder, no image found.
        """
        _check_class_mode(class_mode, DirectoryIterator.allowed_class_modes, "flow_from_directory")
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"flow_from_directory: Expected an existing directory of class "
                                    f"subfolders. Received: directory={os.fspath(directory)!r}, "
                                    "which does not exist or is not a directory")
        return DirectoryIterator(
            directory, self, target_size=target_size, color_mode=color_mode, classes=classes,
            class_mode=class_mode, data_format=self.data_format, batch_size=batch_size,
            shuffle=shuffle, seed=seed, save_to_dir=save_to_dir, save_prefix=save_prefix,
            save_format=save_format, follow_links=follow_links, subset=subset,
            interpolation=interpolation, dtype=self.dtype)

    def flow_from_dataframe(self, dataframe, directory, x_col="filename", y_col="class",
                            has_ext=True, target_size=(256, 256), color_mode="rgb", classes=None,
                            class_mode="categorical", batch_size=32, shuffle=True, seed=None,
                            save_to_dir=None, save_prefix="", save_format="png", subset=None,
                            interpolation="nearest"):
        """A :class:`DataFrameIterator`: file names in column ``x_col`` of a pandas DataFrame.

        Args:
            dataframe: a ``pandas.DataFrame``, one row per image.
            directory: the folder the file names are relative to (None: they
                are paths).
            x_col: the column of file names.
            y_col: the column of class labels (``"categorical"``,
                ``"binary"``, ``"sparse"``), or the numeric column or list
                of columns given as targets as they are (``"other"``).
            has_ext: whether the file names carry their extension; if not,
                the image file with that name and an image extension is used.
            class_mode: ``"categorical"``, ``"binary"``, ``"sparse"``,
                ``"input"``, ``"other"`` or ``None``.
            (the others as in :meth:`flow_from_directory`)

        Rows whose image file does not exist are left out with a warning.

        Raises:
            ImportError: pandas is not installed.
            TypeError: ``dataframe`` is not a DataFrame.
            ValueError: missing columns, an unknown ``class_mode``, no image found.
        """
        return DataFrameIterator(
            dataframe, directory, self, x_col=x_col, y_col=y_col, has_ext=has_ext,
            target_size=target_size, color_mode=color_mode, classes=classes,
            class_mode=class_mode, data_format=self.data_format, batch_size=batch_size,
            shuffle=shuffle, seed=seed, save_to_dir=save_to_dir, save_prefix=save_prefix,
            save_format=save_format, subset=subset, interpolation=interpolation, dtype=self.dtype)

    # -- per-image work -----------------------------------------------------------------
    def standardize(self, x):
        """Normalize one image or a batch (in place where possible), as configured.

        ``preprocessing_function``, ``rescale``, samplewise center/std,
        featurewise center/std, ZCA, in that order. Featurewise steps warn
        and are skipped when :meth:`fit` has not been called.
        """
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x = x * self.rescale
        if self.samplewise_center:
            x = x - np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x = x / (np.std(x, keepdims=True) + config.epsilon())
        if self.featurewise_center:
            if self.mean is not None:
                x = x - self.mean
            else:
                warnings.warn("This ImageDataGenerator specifies `featurewise_center`, but it "
                              "hasn't been fit on any training data. Fit it first by calling "
                              "`.fit(numpy_data)`.", stacklevel=2)
        if self.featurewise_std_normalization:
            if self.std is not None:
                x = x / (self.std + 1e-6)
            else:
                warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, "
                              "but it hasn't been fit on any training data. Fit it first by "
                              "calling `.fit(numpy_data)`.", stacklevel=2)
        if self.zca_whitening:
            if self.principal_components is not None:
                flat = np.reshape(x, (-1, int(np.prod(x.shape[-3:]))))
                x = np.reshape(flat @ self.principal_components, x.shape)
            else:
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, but it hasn't "
                              "been fit on any training data. Fit it first by calling "
                              "`.fit(numpy_data)`.", stacklevel=2)
        return x

    def get_random_transform(self, img_shape, seed=None):
        """Draw the parameters of a random transform for one image of shape ``img_shape``.

        Args:
            seed: an int for a reproducible draw (a private generator; the
                global ``np.random`` state is neither used nor changed), else
                ``np.random``.

        Returns:
            A dict with ``theta``, ``tx``, ``ty``, ``shear``, ``zx``, ``zy``,
            ``flip_horizontal``, ``flip_vertical``,
            ``channel_shift_intensity`` and ``brightness`` for
            :meth:`apply_transform`.
        """
        rng = np.random if seed is None else np.random.RandomState(int(seed) % 2 ** 32)
        img_row_axis, img_col_axis = self.row_axis - 1, self.col_axis - 1
        theta = rng.uniform(-self.rotation_range, self.rotation_range) if self.rotation_range else 0
        tx = _draw_shift(rng, self.height_shift_range, img_shape[img_row_axis])
        ty = _draw_shift(rng, self.width_shift_range, img_shape[img_col_axis])
        shear = rng.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = rng.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_horizontal = bool(rng.random_sample() < 0.5) and bool(self.horizontal_flip)
        flip_vertical = bool(rng.random_sample() < 0.5) and bool(self.vertical_flip)
        channel_shift_intensity = None
        if self.channel_shift_range != 0:
            channel_shift_intensity = rng.uniform(-self.channel_shift_range,
                                                  self.channel_shift_range)
        brightness = None
        if self.brightness_range is not None:
            brightness = rng.uniform(self.brightness_range[0], self.brightness_range[1])
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                "flip_horizontal": flip_horizontal, "flip_vertical": flip_vertical,
                "channel_shift_intensity": channel_shift_intensity, "brightness": brightness}

    def apply_transform(self, x, transform_parameters):
        """Apply a transform (a dict as from :meth:`get_random_transform`) to one image.

        Missing keys mean the identity for that step.
        """
        img_row_axis, img_col_axis = self.row_axis - 1, self.col_axis - 1
        img_channel_axis = self.channel_axis - 1
        p = transform_parameters
        x = apply_affine_transform(x, p.get("theta", 0), p.get("tx", 0), p.get("ty", 0),
                                   p.get("shear", 0), p.get("zx", 1), p.get("zy", 1),
                                   row_axis=img_row_axis, col_axis=img_col_axis,
                                   channel_axis=img_channel_axis, fill_mode=self.fill_mode,
                                   cval=self.cval)
        if p.get("channel_shift_intensity") is not None:
            x = apply_channel_shift(x, p["channel_shift_intensity"], img_channel_axis)
        if p.get("flip_horizontal", False):
            x = flip_axis(x, img_col_axis)
        if p.get("flip_vertical", False):
            x = flip_axis(x, img_row_axis)
        if p.get("brightness") is not None:
            x = apply_brightness_shift(x, p["brightness"])
        return x

    def random_transform(self, x, seed=None):
        """One image randomly transformed (see :meth:`get_random_transform` for ``seed``)."""
        return self.apply_transform(x, self.get_random_transform(np.shape(x), seed))

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Compute the featurewise mean, std and ZCA matrix of the images ``x`` (rank 4).

        The statistics are those of ``x`` as given (``rescale`` and
        ``preprocessing_function`` are not applied first, as in Keras).

        Args:
            augment: fit on ``rounds`` randomly transformed copies of ``x``.
            seed: seed of those random transforms.

        Raises:
            ValueError: ``x`` not of rank 4.
        """
        x = np.array(x, dtype=self.dtype, copy=True)
        if x.ndim != 4:
            raise ValueError(f"ImageDataGenerator.fit: Expected input of rank 4 (a batch of "
                             f"images). Received: an array of shape {x.shape}")
        if x.shape[self.channel_axis] not in (1, 3, 4):
            warnings.warn(f"ImageDataGenerator.fit: Expected 1, 3 or 4 channels on axis "
                          f"{self.channel_axis} ({self.data_format}); the data has shape "
                          f"{x.shape}.", stacklevel=2)
        if augment:
            base = np.random.randint(0, 2 ** 31 - 1) if seed is None else seed
            augmented = np.zeros((rounds * x.shape[0],) + x.shape[1:], dtype=self.dtype)
            for r in range(rounds):
                for i in range(x.shape[0]):
                    sample_seed = _derive_seed(base, r, i)
                    augmented[i + r * x.shape[0]] = self.random_transform(x[i], seed=sample_seed)
            x = augmented
        broadcast_shape = [1, 1, 1]
        broadcast_shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        axes = (0, self.row_axis, self.col_axis)
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=axes), broadcast_shape)
            x = x - self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=axes), broadcast_shape)
            x = x / (self.std + config.epsilon())
        if self.zca_whitening:
            flat = np.reshape(x, (x.shape[0], -1)).astype(np.float64)
            sigma = flat.T @ flat / flat.shape[0]
            u, s, _ = scipy.linalg.svd(sigma)
            s_inv = 1. / np.sqrt(s[np.newaxis] + self.zca_epsilon)
            self.principal_components = ((u * s_inv) @ u.T).astype(self.dtype)


def _derive_seed(*entropy):
    """A 32-bit seed determined by non-negative ints ``entropy`` (independent streams)."""
    return int(np.random.SeedSequence([int(e) % 2 ** 32 for e in entropy]).generate_state(1)[0])


def _check_class_mode(class_mode, allowed, caller):
    if class_mode not in allowed:
        raise ValueError(f"{caller}: Expected class_mode one of {allowed}. "
                         f"Received: class_mode={class_mode!r}")


def _check_subset(subset, caller):
    if subset not in (None, "training", "validation"):
        raise ValueError(f"{caller}: Expected subset 'training', 'validation' or None. "
                         f"Received: subset={subset!r}")


# -- iterators ----------------------------------------------------------------------------

class Iterator(Sequence):
    """Base of the image iterators: ``n`` samples in batches of ``batch_size``.

    An Iterator is both a :class:`~polykeras.utils.Sequence` (``it[i]`` is
    batch ``i`` of the current epoch, ``len(it)`` batches, ``on_epoch_end``
    starts the next epoch) and an endless Python iterator (``next(it)``
    walks the batches and moves to the next epoch by itself). Subclasses
    implement ``_get_batches_of_transformed_samples(index_array)``; they may
    also accept an ``epoch`` keyword, the epoch the batch belongs to.

    Shuffling and the per-sample random transforms are drawn from
    generators seeded with ``(seed, epoch, sample index)``: with a fixed
    ``seed`` the batches are reproducible, whichever thread reads them.
    Without a seed, one is drawn from ``np.random`` at construction.

    Attributes:
        n, batch_size, shuffle, seed: as given.
        epoch: the current epoch (starts at 0).
        batch_index: the next batch ``next()`` returns.
        total_batches_seen: batches returned so far.
        index_array: the sample order of the current epoch.
    """

    white_list_formats = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")

    def __init__(self, n, batch_size, shuffle, seed):
        owner = type(self).__name__
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size < 1:
            raise ValueError(f"{owner}: Expected an int batch_size >= 1. "
                             f"Received: batch_size={batch_size!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(f"{owner}: Expected an int seed or None. Received: seed={seed!r}")
        self.n = int(n)
        self.batch_size = int(batch_size)
        self.seed = seed
        self.shuffle = shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.epoch = 0
        self.lock = threading.Lock()
        self.index_array = None
        self._base_seed = int(seed) % 2 ** 32 if seed is not None else \
            int(np.random.randint(0, 2 ** 31 - 1))
        self._takes_epoch = has_arg(self._get_batches_of_transformed_samples, "epoch")
        self.index_generator = self._flow_index()

    def __getstate__(self):  # picklable for worker processes: no lock, no generator
        state = dict(self.__dict__)
        state.pop("lock", None)
        state.pop("index_generator", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.lock = threading.Lock()
        self.index_generator = self._flow_index()

    def _set_index_array(self):
        if self.shuffle:
            self.index_array = np.random.RandomState(
                _derive_seed(self._base_seed, self.epoch, 0)).permutation(self.n)
        else:
            self.index_array = np.arange(self.n)

    def _sample_seed(self, epoch, index):
        """The seed of the random transform of sample ``index`` in ``epoch``."""
        return _derive_seed(self._base_seed, epoch, 1, index)

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def __getitem__(self, idx):
        length = len(self)
        if isinstance(idx, bool) or not isinstance(idx, (int, np.integer)) \
                or not -length <= idx < length:
            raise ValueError(f"{type(self).__name__}: Asked to retrieve element {idx!r}, but the "
                             f"Sequence has length {length}")
        idx = int(idx) % length
        with self.lock:
            if self.index_array is None:
                self._set_index_array()
            index_array = self.index_array[self.batch_size * idx:self.batch_size * (idx + 1)]
            self.total_batches_seen += 1
            epoch = self.epoch
        return self._batch(index_array, epoch)

    def _batch(self, index_array, epoch):
        if self._takes_epoch:
            return self._get_batches_of_transformed_samples(index_array, epoch=epoch)
        return self._get_batches_of_transformed_samples(index_array)

    def on_epoch_end(self):
        """Start the next epoch: a new sample order (if shuffling) and new random transforms."""
        with self.lock:
            self.epoch += 1
            self._set_index_array()

    def reset(self):
        """``next()`` starts again from the first batch of the current epoch."""
        self.batch_index = 0

    def _next_index_array(self):
        with self.lock:
            if self.index_array is None:
                self._set_index_array()
            if self.batch_index >= len(self):
                self.epoch += 1
                self._set_index_array()
                self.batch_index = 0
            start = self.batch_index * self.batch_size
            index_array = self.index_array[start:start + self.batch_size]
            self.batch_index += 1
            self.total_batches_seen += 1
            return index_array, self.epoch

    def _flow_index(self):
        while True:
            yield self._next_index_array()[0]

    def __iter__(self):
        return self

    def __next__(self):
        return self.next()

    def next(self):
        """The next batch (thread-safe); after the last batch of an epoch, the next epoch begins."""
        if self.n == 0:
            raise ValueError(f"{type(self).__name__}: there are no samples to iterate over")
        index_array, epoch = self._next_index_array()
        return self._batch(index_array, epoch)

    def _get_batches_of_transformed_samples(self, index_array):
        """The batch made of the samples ``index_array`` (subclasses implement it)."""
        raise NotImplementedError(f"{type(self).__name__} must implement "
                                  "_get_batches_of_transformed_samples(index_array)")

    # -- shared by the subclasses ----------------------------------------------------------
    def _transform(self, x, epoch, index):
        generator = self.image_data_generator
        if generator is None:
            return x
        params = generator.get_random_transform(x.shape, self._sample_seed(epoch, index))
        x = generator.apply_transform(x, params)
        return generator.standardize(x)

    def _save_batch(self, batch_x, index_array, epoch):
        os.makedirs(self.save_to_dir, exist_ok=True)
        for i, j in enumerate(index_array):
            img = array_to_img(batch_x[i], self.data_format, scale=True)
            tag = _derive_seed(self._base_seed, epoch, 2, j) % 10 ** 7
            fname = f"{self.save_prefix}_{int(j)}_{tag}.{self.save_format}"
            img.save(os.path.join(self.save_to_dir, fname))


class NumpyArrayIterator(Iterator):
    """Batches of augmented images from NumPy arrays (what :meth:`ImageDataGenerator.flow` returns).

    Args:
        x: images, rank 4; or a tuple ``(images, extra)`` where ``extra``
            (an array or a list of arrays of the same length) comes out next
            to the images, unchanged.
        y: labels (or None).
        image_data_generator: the :class:`ImageDataGenerator` (None: no
            transform and no normalization).
        sample_weight: per-sample weights (or None).
        subset: ``"training"`` or ``"validation"``: the last or first
            ``validation_split`` of the samples.
        save_to_dir: save the augmented images there (PNG unless ``save_format``).
        (the others as in :class:`Iterator`)

    Raises:
        ValueError: ``x`` not of rank 4; ``y``, ``sample_weight`` or
            ``extra`` of another length than ``x``; a bad ``subset``.
    """

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False,
                 sample_weight=None, seed=None, data_format=None, save_to_dir=None,
                 save_prefix="", save_format="png", subset=None, dtype=None):
        owner = "NumpyArrayIterator"
        self.dtype = dtype or config.floatx()
        x_misc = []
        if isinstance(x, tuple):
            if len(x) != 2:
                raise ValueError(f"{owner}: Expected x as an array or a tuple (images, extra). "
                                 f"Received: a tuple of {len(x)} items")
            x, misc = x
            x_misc = list(misc) if isinstance(misc, (list, tuple)) else [misc]
            x_misc = [np.asarray(m) for m in x_misc]
            for m in x_misc:
                if len(m) != len(x):
                    raise ValueError(f"{owner}: All of the arrays in `x` should have the same "
                                     f"length. Found a pair with: len(x[0]) = {len(x)}, "
                                     f"len(x[?]) = {len(m)}")
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(f"{owner}: Input data in `NumpyArrayIterator` should have rank 4. "
                             f"Received: an array with shape {x.shape}")
        if y is not None:
            y = np.asarray(y)
            if len(x) != len(y):
                raise ValueError(f"{owner}: `x` (images tensor) and `y` (labels) should have the "
                                 f"same length. Found: x.shape = {x.shape}, y.shape = {y.shape}")
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight)
            if len(x) != len(sample_weight):
                raise ValueError(f"{owner}: `x` (images tensor) and `sample_weight` should have "
                                 f"the same length. Found: x.shape = {x.shape}, "
                                 f"sample_weight.shape = {sample_weight.shape}")
        _check_subset(subset, owner)
        if subset is not None:
            split = getattr(image_data_generator, "_validation_split", 0)
            if not split:
                raise ValueError(f"{owner}: subset={subset!r} needs an ImageDataGenerator with a "
                                 "validation_split. Received: validation_split=0")
            split_idx = int(len(x) * split)
            if y is not None and not np.array_equal(np.unique(y[:split_idx]),
                                                    np.unique(y[split_idx:])):
                raise ValueError(f"{owner}: Training and validation subsets have different "
                                 "number of classes after the split. If your numpy arrays are "
                                 "sorted by the label, you might want to shuffle them.")
            part = slice(None, split_idx) if subset == "validation" else slice(split_idx, None)
            x = x[part]
            x_misc = [m[part] for m in x_misc]
            y = None if y is None else y[part]
            sample_weight = None if sample_weight is None else sample_weight[part]
        self.data_format = _data_format(data_format, owner)
        channels_axis = 3 if self.data_format == "channels_last" else 1
        if x.shape[channels_axis] not in (1, 3, 4):
            warnings.warn(f"{owner}: Expected 1, 3 or 4 channels on axis {channels_axis} "
                          f"({self.data_format}); the input has shape {x.shape} "
                          f"({x.shape[channels_axis]} channels).", stacklevel=3)
        self.x = x
        self.x_misc = x_misc
        self.y = y
        self.sample_weight = sample_weight
        self.image_data_generator = image_data_generator
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        super().__init__(x.shape[0], batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array, epoch=None):
        epoch = self.epoch if epoch is None else epoch
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        for i, j in enumerate(index_array):
            batch_x[i] = self._transform(self.x[j], epoch, j)
        if self.save_to_dir:
            self._save_batch(batch_x, index_array, epoch)
        batch_misc = [m[index_array] for m in self.x_misc]
        inputs = [batch_x] + batch_misc if batch_misc else batch_x
        if self.y is None:
            return inputs
        if self.sample_weight is None:
            return inputs, self.y[index_array]
        return inputs, self.y[index_array], self.sample_weight[index_array]


class _FileIterator(Iterator):
    """Shared part of the iterators over image files: loading, labels, the batch."""

    allowed_class_modes = ("categorical", "binary", "sparse", "input", None)

    def _setup_images(self, image_data_generator, target_size, color_mode, data_format,
                      save_to_dir, save_prefix, save_format, interpolation, dtype):
        owner = type(self).__name__
        self.image_data_generator = image_data_generator
        self.target_size = _check_size(target_size, "target_size", owner)
        if color_mode not in COLOR_MODES:
            raise ValueError(f"{owner}: Expected color_mode one of {set(COLOR_MODES)}. "
                             f"Received: color_mode={color_mode!r}")
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"{owner}: Expected interpolation one of {set(INTERPOLATIONS)}. "
                             f"Received: interpolation={interpolation!r}")
        self.color_mode = color_mode
        self.interpolation = interpolation
        self.data_format = _data_format(data_format, owner)
        channels = {"rgba": 4, "rgb": 3, "grayscale": 1}[color_mode]
        if self.data_format == "channels_last":
            self.image_shape = self.target_size + (channels,)
        else:
            self.image_shape = (channels,) + self.target_size
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        self.dtype = dtype or config.floatx()

    @property
    def filepaths(self):
        """The full paths of the images, in sample order."""
        return self._filepaths

    def _get_batches_of_transformed_samples(self, index_array, epoch=None):
        epoch = self.epoch if epoch is None else epoch
        batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=self.dtype)
        for i, j in enumerate(index_array):
            img = load_img(self._filepaths[j], color_mode=self.color_mode,
                           target_size=self.target_size, interpolation=self.interpolation)
            x = img_to_array(img, data_format=self.data_format, dtype=self.dtype)
            img.close()
            batch_x[i] = self._transform(x, epoch, j)
        if self.save_to_dir:
            self._save_batch(batch_x, index_array, epoch)
        mode = self.class_mode
        if mode is None:
            return batch_x
        if mode == "input":
            batch_y = batch_x.copy()
        elif mode == "sparse":
            batch_y = self.classes[index_array]
        elif mode == "binary":
            batch_y = self.classes[index_array].astype(self.dtype)
        elif mode == "categorical":
            batch_y = np.zeros((len(index_array), self.num_classes), dtype=self.dtype)
            batch_y[np.arange(len(index_array)), self.classes[index_array]] = 1.
        else:  # "other"
            batch_y = self.data[index_array]
        return batch_x, batch_y

    def _check_binary(self):
        if self.class_mode == "binary" and self.num_classes > 2:
            raise ValueError(f"{type(self).__name__}: class_mode='binary' gives 0/1 labels, so it "
                             f"takes at most 2 classes. Received {self.num_classes} classes: "
                             f"{sorted(self.class_indices, key=self.class_indices.get)}; use "
                             "'categorical' or 'sparse'")


class DirectoryIterator(_FileIterator):
    """Batches of images read from the class subfolders of a directory.

    What :meth:`ImageDataGenerator.flow_from_directory` returns; see it for
    the arguments.

    Attributes:
        class_indices: ``{class name: index}``.
        classes: the class index of every sample (int32 array).
        filenames: the paths of the images relative to ``directory``.
        samples, num_classes: the counts.
    """

    def __init__(self, directory, image_data_generator, target_size=(256, 256), color_mode="rgb",
                 classes=None, class_mode="categorical", batch_size=32, shuffle=True, seed=None,
                 data_format=None, save_to_dir=None, save_prefix="", save_format="png",
                 follow_links=False, subset=None, interpolation="nearest", dtype=None):
        owner = "DirectoryIterator"
        _check_class_mode(class_mode, self.allowed_class_modes, owner)
        _check_subset(subset, owner)
        self._setup_images(image_data_generator, target_size, color_mode, data_format,
                           save_to_dir, save_prefix, save_format, interpolation, dtype)
        directory = os.fspath(directory)
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"{owner}: Expected an existing directory of class subfolders. "
                                    f"Received: directory={directory!r}, which does not exist or "
                                    "is not a directory")
        self.directory = directory
        self.class_mode = class_mode
        split = None
        if subset is not None:
            validation_split = getattr(image_data_generator, "_validation_split", 0)
            if not validation_split:
                raise ValueError(f"{owner}: subset={subset!r} needs an ImageDataGenerator with a "
                                 "validation_split. Received: validation_split=0")
            split = (0, validation_split) if subset == "validation" else (validation_split, 1)
        self.split = split
        self.subset = subset

        if not classes:
            classes = sorted(d for d in os.listdir(directory)
                             if os.path.isdir(os.path.join(directory, d)))
        else:
            classes = list(classes)
            missing = [c for c in classes if not os.path.isdir(os.path.join(directory, c))]
            if missing:
                raise ValueError(f"{owner}: Expected a subfolder of {directory!r} for every class "
                                 f"in `classes`. Received classes with no folder: {missing}")
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))
        formats = tuple("." + f for f in self.white_list_formats)
        filenames, labels = [], []
        for name in classes:
            found = []
            class_root = os.path.join(directory, name)
            for root, dirs, files in os.walk(class_root, followlinks=follow_links):
                dirs.sort()
                found += [os.path.join(root, f) for f in sorted(files)
                          if f.lower().endswith(formats)]
            if split is not None:
                found = found[int(split[0] * len(found)):int(split[1] * len(found))]
            filenames += [os.path.relpath(path, directory) for path in found]
            labels += [self.class_indices[name]] * len(found)
        if not filenames:
            loose = [f for f in os.listdir(directory) if f.lower().endswith(formats)]
            hint = (f" ({len(loose)} images lie directly in the folder: flow_from_directory reads "
                    "only class subfolders; put them in one subfolder, e.g. with "
                    "class_mode=None)") if loose else ""
            raise ValueError(f"{owner}: Found no images in the class subfolders of {directory!r} "
                             f"(classes: {classes}, extensions: {list(self.white_list_formats)}"
                             f"{', subset ' + repr(subset) if subset else ''}){hint}")
        self.filenames = filenames
        self.classes = np.array(labels, dtype="int32")
        self.samples = len(filenames)
        self._filepaths = [os.path.join(directory, f) for f in filenames]
        self._check_binary()
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        super().__init__(self.samples, batch_size, shuffle, seed)


class DataFrameIterator(_FileIterator):
    """Batches of images whose file names (and labels) are the rows of a pandas DataFrame.

    What :meth:`ImageDataGenerator.flow_from_dataframe` returns; see it for
    the arguments. The samples keep the row order of the DataFrame.

    Attributes:
        class_indices, classes, filenames, samples, num_classes: as in
        :class:`DirectoryIterator`; ``data``: the targets for ``"other"``.
    """

    allowed_class_modes = ("categorical", "binary", "sparse", "input", "other", None)

    def __init__(self, dataframe, directory, image_data_generator, x_col="filename",
                 y_col="class", has_ext=True, target_size=(256, 256), color_mode="rgb",
                 classes=None, class_mode="categorical", batch_size=32, shuffle=True, seed=None,
                 data_format=None, save_to_dir=None, save_prefix="", save_format="png",
                 follow_links=False, subset=None, interpolation="nearest", dtype=None):
        owner = "flow_from_dataframe"
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(f"{owner} requires pandas, which is not installed. Install it with "
                              "`pip install pandas` (or `pip install 'polykeras[pandas]'`).") \
                from None
        if not isinstance(dataframe, pd.DataFrame):
            raise TypeError(f"{owner}: Expected a pandas DataFrame. Received: "
                            f"{type(dataframe).__name__}")
        _check_class_mode(class_mode, self.allowed_class_modes, owner)
        _check_subset(subset, owner)
        self._setup_images(image_data_generator, target_size, color_mode, data_format,
                           save_to_dir, save_prefix, save_format, interpolation, dtype)
        self.class_mode = class_mode
        y_cols = [y_col] if isinstance(y_col, str) else list(y_col)
        needed = [x_col] + (y_cols if class_mode not in ("input", None) else [])
        missing = [c for c in needed if c not in dataframe.columns]
        if missing:
            raise ValueError(f"{owner}: Expected columns {needed} in the DataFrame. Missing: "
                             f"{missing}; its columns are {list(dataframe.columns)}")
        if class_mode in ("categorical", "binary", "sparse") and len(y_cols) != 1:
            raise ValueError(f"{owner}: class_mode={class_mode!r} takes one label column. "
                             f"Received: y_col={y_col!r}")
        df = dataframe.reset_index(drop=True)
        if classes and class_mode in ("input", "other", None):
            raise ValueError(f"{owner}: classes cannot be set when class_mode is {class_mode!r}")
        if class_mode in ("categorical", "binary", "sparse"):
            labels = df[y_cols[0]]
            if classes:
                classes = list(classes)
                df = df[labels.isin(classes)].reset_index(drop=True)
            else:
                classes = sorted(labels.unique().tolist(), key=str)
        else:
            classes = []
        if class_mode == "other":
            non_numeric = [c for c in y_cols if not pd.api.types.is_numeric_dtype(df[c])]
            if non_numeric:
                raise TypeError(f"{owner}: class_mode='other' takes numeric y_col columns. "
                                f"Received non-numeric columns: {non_numeric}")
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))

        directory = None if directory is None else os.fspath(directory)
        if directory is not None and not os.path.isdir(directory):
            raise FileNotFoundError(f"{owner}: Expected an existing directory. Received: "
                                    f"directory={directory!r}")
        formats = tuple("." + f for f in self.white_list_formats)
        paths, keep = [], []
        listings = {}  # folder -> {path without extension: image path}, for has_ext=False
        for row, name in enumerate(df[x_col].astype(str)):
            path = name if directory is None else os.path.join(directory, name)
            if not has_ext:
                folder = os.path.dirname(path) or "."
                if folder not in listings:
                    listings[folder] = _image_stems(folder, formats)
                path = listings[folder].get(os.path.normpath(path))
            elif not name.lower().endswith(formats):
                path = None
            if path is not None and os.path.isfile(path):
                paths.append(path)
                keep.append(row)
        dropped = len(df) - len(keep)
        if dropped:
            bad = [str(v) for v in df[x_col].drop(index=keep).head(5)]
            warnings.warn(f"{owner}: {dropped} rows name no existing image file with an extension "
                          f"in {list(self.white_list_formats)} (e.g. {bad}); they are left out.",
                          stacklevel=3)
        df = df.iloc[keep].reset_index(drop=True)
        if subset is not None:
            validation_split = getattr(image_data_generator, "_validation_split", 0)
            if not validation_split:
                raise ValueError(f"{owner}: subset={subset!r} needs an ImageDataGenerator with a "
                                 "validation_split. Received: validation_split=0")
            split_idx = int(len(df) * validation_split)
            part = slice(None, split_idx) if subset == "validation" else slice(split_idx, None)
            df, paths = df.iloc[part].reset_index(drop=True), paths[part]
        if not paths:
            raise ValueError(f"{owner}: Found no images: no row of column {x_col!r} names an "
                             f"existing image file{' in ' + repr(directory) if directory else ''}"
                             f"{', subset ' + repr(subset) if subset else ''}")
        self.directory = directory
        self._filepaths = paths
        self.filenames = [str(v) for v in df[x_col]]
        if class_mode in ("categorical", "binary", "sparse"):
            self.classes = np.array([self.class_indices[v] for v in df[y_cols[0]]], dtype="int32")
        else:
            self.classes = None
        if class_mode == "other":
            values = df[y_cols].to_numpy()
            self.data = values[:, 0] if isinstance(y_col, str) else values
        self.samples = len(paths)
        self._check_binary()
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        super().__init__(self.samples, batch_size, shuffle, seed)


def _image_stems(folder, formats):
    """``{path without extension: path}`` of the image files in ``folder`` (first when sorted)."""
    if not os.path.isdir(folder):
        return {}
    stems = {}
    for f in sorted(os.listdir(folder)):
        if f.lower().endswith(formats):
            path = os.path.join(folder, f)
            stems.setdefault(os.path.normpath(os.path.splitext(path)[0]), path)
    return stems


__all__ = ["DataFrameIterator", "DirectoryIterator", "ImageDataGenerator", "Iterator",
           "NumpyArrayIterator", "apply_affine_transform", "apply_brightness_shift",
           "apply_channel_shift", "array_to_img", "flip_axis", "img_to_array", "list_pictures",
           "load_img", "random_brightness", "random_channel_shift", "random_rotation",
           "random_shear", "random_shift", "random_zoom", "save_img",
           "transform_matrix_offset_center"]
