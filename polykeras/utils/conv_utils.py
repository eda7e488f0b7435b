"""Argument and shape helpers of the convolution layers (Keras 2.2's ``keras.utils.conv_utils``)."""

from __future__ import annotations

import numpy as np

from polykeras.backend.config import normalize_data_format  # noqa: F401  (re-exported, as in Keras)


def normalize_tuple(value, n, name):
    """An int or an iterable of ``n`` ints as a tuple of ``n`` ints.

    Args:
        name: the argument's name, for the error message (``"strides"``).

    Raises:
        ValueError: anything else.
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * n
    try:
        value_tuple = tuple(value)
    except TypeError:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                         f"Received: {name}={value!r}") from None
    if len(value_tuple) != n or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value_tuple):
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                         f"Received: {name}={value!r}")
    return tuple(int(v) for v in value_tuple)


def normalize_padding(value):
    """``"valid"``, ``"same"`` or ``"causal"`` (any case), lower-cased.

    Raises:
        ValueError: another value.
    """
    padding = value.lower() if isinstance(value, str) else value
    if padding not in {"valid", "same", "causal"}:
        raise ValueError(f"The `padding` argument must be one of {{'valid', 'same', 'causal'}}. "
                         f"Received: padding={value!r}")
    return padding


def convert_kernel(kernel):
    """Flip a convolution kernel's spatial axes (convolution <-> cross-correlation).

    Accepts kernels of shape ``spatial... + (input_depth, depth)``.

    Raises:
        ValueError: a kernel of rank < 3.
    """
    kernel = np.asarray(kernel)
    if not 3 <= kernel.ndim <= 5:
        raise ValueError("convert_kernel: Expected a kernel of rank 3 to 5. Received: shape "
                         f"{kernel.shape}")
    slices = [slice(None, None, -1) for _ in range(kernel.ndim - 2)] + [slice(None), slice(None)]
    return np.copy(kernel[tuple(slices)])


def conv_output_length(input_length, filter_size, padding, stride, dilation=1):
    """Output length of a convolution along one axis (None stays None)."""
    if input_length is None:
        return None
    if padding not in {"same", "valid", "full", "causal"}:
        raise ValueError(f"conv_output_length: Expected padding 'same', 'valid', 'full' or "
                         f"'causal'. Received: padding={padding!r}")
    dilated_filter_size = filter_size + (filter_size - 1) * (dilation - 1)
    if padding in ("same", "causal"):
        output_length = input_length
    elif padding == "valid":
        output_length = input_length - dilated_filter_size + 1
    else:
        output_length = input_length + dilated_filter_size - 1
    return (output_length + stride - 1) // stride


def conv_input_length(output_length, filter_size, padding, stride):
    """Input length that gives ``output_length`` after a convolution (None stays None)."""
    if output_length is None:
        return None
    if padding not in {"same", "valid", "full"}:
        raise ValueError(f"conv_input_length: Expected padding 'same', 'valid' or 'full'. "
                         f"Received: padding={padding!r}")
    if padding == "same":
        pad = filter_size // 2
    elif padding == "valid":
        pad = 0
    else:
        pad = filter_size - 1
    return (output_length - 1) * stride - 2 * pad + filter_size


def deconv_length(dim_size, stride_size, kernel_size, padding, output_padding, dilation=1):
    """Output length of a transposed convolution along one axis (None stays None)."""
    if padding not in {"same", "valid", "full"}:
        raise ValueError(f"deconv_length: Expected padding 'same', 'valid' or 'full'. "
                         f"Received: padding={padding!r}")
    if dim_size is None:
        return None
    kernel_size = kernel_size + (kernel_size - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return dim_size * stride_size + max(kernel_size - stride_size, 0)
        if padding == "full":
            return dim_size * stride_size - (stride_size + kernel_size - 2)
        return dim_size * stride_size
    if padding == "same":
        pad = kernel_size // 2
    elif padding == "valid":
        pad = 0
    else:
        pad = kernel_size - 1
    return (dim_size - 1) * stride_size + kernel_size - 2 * pad + output_padding
