"""The NumPy backend with a faulty ``conv2d``: it flips the kernel's spatial axes."""

import polykeras.backends.numpy as _base

from ._assemble import assemble


def conv2d(x, kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)):
    """Faulty: a true convolution (kernel rotated by 180 degrees) instead of Keras's
    cross-correlation."""
    raw = _base.__raw__
    flipped = raw.reverse(raw.identity(kernel), (0, 1))
    return raw.conv2d(x, flipped, strides, padding, data_format, dilation_rate)


assemble(globals())
