"""Contract: neural-network kernels (convolutions, pooling, resizing, padding, normalization).

Kernels use Keras's layout ((*k, in, out); cross-correlation, not
flipped). ``data_format`` None means ``image_data_format()``; an unknown one
is a ValueError (``Expected one of {...}. Received: data_format=...``).
"""

from ._declare import api


@api("nn", differentiable=('x', 'kernel'))
def conv1d(x, kernel, strides=1, padding='valid', data_format=None, dilation_rate=1):
    """1-D convolution (cross-correlation, kernel not flipped).

    Args:
        x: (batch, steps, in) for channels_last, (batch, in, steps) for channels_first.
        kernel: (k, in, out).
        strides, dilation_rate: positive ints.
        padding: "valid", "same" (TensorFlow's: output ceil(steps / stride), the
            extra padding at the end) or "causal" (left padding of
            dilation_rate * (k - 1), then valid).
        data_format: None (image_data_format()), "channels_last" or "channels_first".

    Returns:
        Tensor (batch, new_steps, out) in ``data_format``'s layout, ``x``'s dtype.

    Raises:
        ValueError: wrong ranks, a kernel whose input channels differ from the
        input's, an unknown padding or data format, or an input smaller than
        the dilated kernel with "valid" padding.
    """


@api("nn", differentiable=('x', 'kernel'))
def conv2d(x, kernel, strides=(1, 1), padding='valid', data_format=None, dilation_rate=(1, 1)):
    """2-D convolution (cross-correlation, kernel not flipped).

    Args:
        x: (batch, rows, cols, in) channels_last / (batch, in, rows, cols) channels_first.
        kernel: (kh, kw, in, out).
        strides, dilation_rate: pairs of positive ints.
        padding: "valid" or "same" (TensorFlow's rule).

    Returns:
        Tensor in ``data_format``'s layout, ``x``'s dtype.

    Raises:
        ValueError: wrong ranks, channel mismatch, unknown padding or data format.
    """


@api("nn", differentiable=('x', 'kernel'))
def conv3d(x, kernel, strides=(1, 1, 1), padding='valid', data_format=None,
           dilation_rate=(1, 1, 1)):
    """3-D convolution; kernel (kd, kh, kw, in, out); as :func:`conv2d` otherwise.
    """


@api("nn", differentiable=('x', 'kernel'))
def conv2d_transpose(x, kernel, output_shape, strides=(1, 1), padding='valid', data_format=None,
                     dilation_rate=(1, 1)):
    """2-D transposed convolution (the gradient of conv2d with respect to its input).

    Args:
        kernel: (kh, kw, out, in), TensorFlow's layout.
        output_shape: the full output shape (batch, rows, cols, out) in
            ``data_format``'s layout; a forward conv2d of that shape with the same
            strides, padding and dilation must give ``x``'s spatial shape.
        dilation_rate: pair of positive ints; the kernel's taps are that far apart
            (Keras 2.2.4's TensorFlow backend: ``atrous_conv2d_transpose``, which
            needs equal rates and strides of 1; here any rates, combined with strides
            as the transpose of ``conv2d(strides=..., dilation_rate=...)``).

    Raises:
        ValueError: an output_shape inconsistent with ``x``, channel mismatches,
        unknown padding or data format, non-positive strides or dilation.
    """


@api("nn", differentiable=('x', 'kernel'))
def conv3d_transpose(x, kernel, output_shape, strides=(1, 1, 1), padding='valid', data_format=None):
    """3-D transposed convolution; kernel (kd, kh, kw, out, in); as :func:`conv2d_transpose`.
    """


@api("nn", differentiable=('x', 'depthwise_kernel', 'pointwise_kernel'))
def separable_conv1d(x, depthwise_kernel, pointwise_kernel, strides=1, padding='valid',
                     data_format=None, dilation_rate=1):
    """Depthwise 1-D convolution (kernel (k, in, multiplier)) followed by a pointwise one
    (kernel (1, in * multiplier, out)).

    Raises:
        ValueError: wrong ranks or channel mismatches.
    """


@api("nn", differentiable=('x', 'depthwise_kernel', 'pointwise_kernel'))
def separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1), padding='valid',
                     data_format=None, dilation_rate=(1, 1)):
    """Depthwise 2-D convolution (kernel (kh, kw, in, multiplier)) followed by a pointwise
    one (kernel (1, 1, in * multiplier, out)).

    Raises:
        ValueError: wrong ranks or channel mismatches.
    """


@api("nn", differentiable=('x', 'depthwise_kernel'))
def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding='valid', data_format=None,
                     dilation_rate=(1, 1)):
    """Depthwise 2-D convolution: each input channel c convolved with its own
    ``multiplier`` filters; output channel ``c * multiplier + m``.

    Args:
        depthwise_kernel: (kh, kw, in, multiplier).

    Raises:
        ValueError: wrong ranks or channel mismatches.
    """


@api("nn", differentiable=('inputs', 'kernel'))
def local_conv1d(inputs, kernel, kernel_size, strides, data_format=None):
    """1-D convolution with unshared weights.

    Args:
        inputs: (batch, steps, in) channels_last / (batch, in, steps) channels_first.
        kernel: (output_length, kernel_size * in, filters); a patch is flattened in
            (k, in) order (channels_last) or (in, k) order (channels_first).
        kernel_size, strides: 1-tuples (or ints).

    Returns:
        (batch, output_length, filters) in ``data_format``'s layout.

    Raises:
        ValueError: a kernel of the wrong shape.
    """


@api("nn", differentiable=('inputs', 'kernel'))
def local_conv2d(inputs, kernel, kernel_size, strides, output_shape, data_format=None):
    """2-D convolution with unshared weights.

    Args:
        kernel: (out_rows * out_cols, kh * kw * in, filters); patches flattened in
            (kh, kw, in) order (channels_last) or (in, kh, kw) (channels_first).
        output_shape: (out_rows, out_cols).

    Returns:
        (batch, out_rows, out_cols, filters) in ``data_format``'s layout.

    Raises:
        ValueError: a kernel or output_shape inconsistent with the input.
    """


@api("nn", differentiable=('x',))
def pool2d(x, pool_size, strides=(1, 1), padding='valid', data_format=None, pool_mode='max'):
    """2-D pooling.

    Args:
        pool_size, strides: pairs of positive ints.
        padding: "valid" or "same"; with "same", "avg" averages over the valid
            (unpadded) cells only, as TensorFlow does.
        pool_mode: "max" or "avg".

    Raises:
        ValueError: a wrong rank, unknown padding, pool_mode or data format.
    """


@api("nn", differentiable=('x',))
def pool3d(x, pool_size, strides=(1, 1, 1), padding='valid', data_format=None, pool_mode='max'):
    """3-D pooling; as :func:`pool2d`.
    """


@api("nn", differentiable=('x', 'bias'))
def bias_add(x, bias, data_format=None):
    """Add a bias to the channels of ``x`` (Keras 2.2.4's TensorFlow ``bias_add``).

    Args:
        x: a tensor of rank >= 2. For ranks 3 to 5 ``data_format`` says where the
            channels are; other ranks take the bias on their last axis.
        bias: rank 1 (one value per channel), or rank ``ndim(x) - 1`` for inputs
            of rank 3 to 5: a value per position and channel, of shape
            ``(*spatial, channels)``; with "channels_first" it is *reshaped* (not
            transposed) to ``(channels, *spatial)``, as Keras 2.2.4 does.

    Raises:
        ValueError: a bias of another rank or size, an input of rank < 2, an
        unknown data format.
    """


@api("nn", differentiable=('x', 'mean', 'var', 'beta', 'gamma'))
def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    """``(x - mean) / sqrt(var + epsilon) * gamma + beta``.

    1-D ``mean``/``var``/``beta``/``gamma`` apply along ``axis``; otherwise they
    broadcast. ``beta``/``gamma`` may be None.
    """


@api("nn", differentiable=('x', 'gamma', 'beta'))
def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
    """Normalise ``x`` with the mean and (population) variance over ``reduction_axes``.

    Returns:
        ``(normalized, mean, variance)``; mean and variance have the shape of the
        non-reduced axes. ``gamma``/``beta`` (shape of the non-reduced axes, or None)
        scale and shift.
    """


@api("nn", differentiable=('x',))
def resize_images(x, height_factor, width_factor, data_format, interpolation='nearest'):
    """Upsample rows and columns by integer factors.

    Args:
        interpolation: "nearest" (repeat) or "bilinear" (TensorFlow 1's
            resize_bilinear: align_corners=False, no half-pixel centres).

    Raises:
        ValueError: not 4-D, a factor < 1, unknown interpolation or data format.
    """


@api("nn", differentiable=('x',))
def resize_volumes(x, depth_factor, height_factor, width_factor, data_format):
    """Upsample a 5-D tensor's three spatial axes by repeating (nearest).
    """


@api("nn", differentiable=('x',))
def temporal_padding(x, padding=(1, 1)):
    """Zero-pad axis 1 of a 3-D tensor by (left, right).

    Raises:
        ValueError: not 3-D or negative padding.
    """


@api("nn", differentiable=('x',))
def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    """Zero-pad the two spatial axes of a 4-D tensor by ((top, bottom), (left, right)).
    """


@api("nn", differentiable=('x',))
def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    """Zero-pad the three spatial axes of a 5-D tensor.
    """
