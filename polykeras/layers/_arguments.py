"""Checks of layer constructor arguments whose errors name the layer (``"MaxPooling2D: ..."``).

Shared by the pooling, locally-connected, activation, noise and dropout layers.
Each function returns the normalised value or raises ``ValueError``/``TypeError``
with a message ``"<owner>: Expected ... Received: <name>=<value>"``.
"""

from __future__ import annotations

import numbers

from .. import backend as K
from ..utils import conv_utils

DATA_FORMATS = ("channels_first", "channels_last")


def data_format(value, owner):
    """``value`` lower-cased, or ``K.image_data_format()`` for None.

    Raises:
        ValueError: anything but ``"channels_first"``/``"channels_last"`` (any case) or None.
    """
    try:
        return K.normalize_data_format(value)
    except (ValueError, AttributeError):
        raise ValueError(f"{owner}: Expected one of {{'channels_first', 'channels_last'}}. "
                         f"Received: data_format={value!r}") from None


def positive_tuple(value, n, name, owner):
    """An int or ``n`` ints, each >= 1, as a tuple of ``n`` ints.

    Raises:
        ValueError: another type, another length, or a value below 1.
    """
    try:
        result = conv_utils.normalize_tuple(value, n, name)
    except ValueError:
        raise ValueError(f"{owner}: Expected {name} as an integer or a tuple of {n} integers. "
                         f"Received: {name}={value!r}") from None
    if any(v < 1 for v in result):
        raise ValueError(f"{owner}: Expected {name} of positive integers. "
                         f"Received: {name}={value!r}")
    return result


def padding(value, owner, allowed=("valid", "same")):
    """``value`` lower-cased.

    Raises:
        ValueError: a value outside ``allowed`` (any case).
    """
    lowered = value.lower() if isinstance(value, str) else value
    if lowered not in allowed:
        expected = "{" + ", ".join(repr(a) for a in allowed) + "}"
        raise ValueError(f"{owner}: Expected padding one of {expected}. "
                         f"Received: padding={value!r}")
    return lowered


def number(value, name, owner, minimum=None):
    """``value`` as a Python float (a real number, not a bool), ``>= minimum`` when given.

    Raises:
        TypeError: not a real number.
        ValueError: below ``minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: Expected {name} to be a number. Received: {name}={value!r}")
    value = float(value)
    if minimum is not None and not value >= minimum:
        raise ValueError(f"{owner}: Expected {name} >= {minimum:g}. Received: {name}={value!r}")
    return value


def rate(value, owner):
    """A drop probability: a number in [0, 1], as a Python float.

    Raises:
        TypeError: not a real number.
        ValueError: outside [0, 1].
    """
    value = number(value, "rate", owner)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{owner}: Expected rate in [0, 1]. Received: rate={value!r}")
    return value


def spatial_output_lengths(owner, lengths, window, padding_mode, strides, what):
    """The output length per spatial axis of a sliding window (None stays None).

    Raises:
        ValueError: a ``"valid"`` window larger than a known input length (the output would
            be empty).
    """
    out = []
    for length, size, stride in zip(lengths, window, strides):
        result = conv_utils.conv_output_length(length, size, padding_mode, stride)
        if result is not None and result < 1:
            raise ValueError(
                f"{owner}: Expected {what}={tuple(window)} no larger than the input's spatial "
                f"size with padding={padding_mode!r}, or the output would be empty. Received: "
                f"spatial size {tuple(lengths)}")
        out.append(result)
    return tuple(out)
