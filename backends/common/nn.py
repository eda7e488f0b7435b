"""Neural-network kernels, written once over :class:`~.ops.Ops` (Keras 2.2.4 semantics).

Every convolution and pooling reduces to two backend primitives,
``ops.conv`` (N-d cross-correlation with strides, explicit padding, dilation,
groups and input dilation) and ``ops.pool`` (windowed max or sum), which each
backend implements with its framework (``torch.nn.functional``,
``jax.lax.conv_general_dilated`` / ``reduce_window``, NumPy im2col). This
module owns the Keras semantics on top: data formats, kernel layouts,
``same``/``valid``/``causal`` padding as TensorFlow computes it, transposed
convolutions with an explicit ``output_shape``, depthwise/separable/local
convolutions, pooling that averages over valid cells only, resizing, padding
and batch normalization.
"""

from __future__ import annotations

import numpy as np

from polykeras.backend.config import normalize_data_format

from .math import _float
from .ops import normalize_axes

__all__ = ["conv1d", "conv2d", "conv3d", "conv2d_transpose", "conv3d_transpose", "separable_conv1d",
           "separable_conv2d", "depthwise_conv2d", "local_conv1d", "local_conv2d", "pool2d",
           "pool3d",
           "bias_add", "batch_normalization", "normalize_batch_in_training", "resize_images",
           "resize_volumes", "temporal_padding", "spatial_2d_padding", "spatial_3d_padding"]

PADDINGS = ("valid", "same")


def _data_format(value, fn):
    try:
        return normalize_data_format(value)
    except ValueError:
        raise ValueError(f"{fn}: Expected one of {{'channels_first', 'channels_last'}}. "
                         f"Received: data_format={value!r}") from None


def _tuple(value, n, fn, name):
    if isinstance(value, (int, np.integer)):
        value = (int(value),) * n
    value = tuple(int(v) for v in value)
    if len(value) != n or any(v < 1 for v in value):
        raise ValueError(f"{fn}: Expected {name} as {n} positive integers. Received: "
                         f"{name}={value!r}")
    return value


def _padding(value, fn, allowed=PADDINGS):
    if value not in allowed:
        raise ValueError(f"{fn}: Expected one of {set(allowed)}. Received: padding={value!r}")
    return value


def _same_pads(sizes, kernel, strides, dilation):
    """TensorFlow's 'same' padding: output ceil(size / stride), extra padding at the end."""
    pads = []
    for n, k, s, d in zip(sizes, kernel, strides, dilation):
        effective = (k - 1) * d + 1
        out = -(-n // s)
        total = max((out - 1) * s + effective - n, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def _spatial(ops, x, channels_last, rank):
    shape = ops.shape_of(x)
    return shape[1:1 + rank] if channels_last else shape[2:2 + rank]


def _channels(ops, x, channels_last):
    shape = ops.shape_of(x)
    return shape[-1] if channels_last else shape[1]


def _check_input(ops, fn, x, kernel, rank, channels_last, in_axis=-2):
    xs, ks = ops.shape_of(x), ops.shape_of(kernel)
    if len(xs) != rank + 2:
        raise ValueError(f"{fn}: Expected an input of rank {rank + 2}. Received: input of shape "
                         f"{xs}")
    if len(ks) != rank + 2:
        raise ValueError(f"{fn}: Expected a kernel of rank {rank + 2} ({'k, ' * rank}in, out). "
                         f"Received: kernel of shape {ks}")
    channels = _channels(ops, x, channels_last)
    if ks[in_axis] != channels:
        raise ValueError(f"{fn}: Expected the kernel's input channels {ks[in_axis]} to match the "
                         f"input's {channels} channels. Received: input {xs}, kernel {ks}")


def _conv(ops, fn, x, kernel, strides, padding, data_format, dilation_rate, rank, groups=1,
          in_axis=-2, allowed=PADDINGS):
    data_format = _data_format(data_format, fn)
    channels_last = data_format == "channels_last"
    x, kernel = ops.as_tensor(x), ops.as_tensor(kernel)
    if ops.keras_dtype(kernel) != ops.keras_dtype(x):
        kernel = ops.xp.astype(kernel, x.dtype)
    strides = _tuple(strides, rank, fn, "strides")
    dilation = _tuple(dilation_rate, rank, fn, "dilation_rate")
    padding = _padding(padding, fn, allowed)
    if groups == 1:
        _check_input(ops, fn, x, kernel, rank, channels_last, in_axis)
    ksize = ops.shape_of(kernel)[:rank]
    if 0 in ops.shape_of(kernel):
        raise ValueError(f"{fn}: Expected a kernel of non-zero sizes. Received: kernel of "
                         f"shape {ops.shape_of(kernel)}")
    sizes = _spatial(ops, x, channels_last, rank)
    if padding == "same":
        pads = _same_pads(sizes, ksize, strides, dilation)
    elif padding == "causal":
        pads = [((ksize[0] - 1) * dilation[0], 0)]
    else:
        pads = [(0, 0)] * rank
        for n, k, d in zip(sizes, ksize, dilation):
            if (k - 1) * d + 1 > n:
                raise ValueError(f"{fn}: Expected an input at least as large as the dilated kernel "
                                 f"with 'valid' padding. Received: input {ops.shape_of(x)}, "
                                 f"kernel {ops.shape_of(kernel)}, dilation_rate {dilation}")
    return ops.conv(x, kernel, strides, pads, dilation, groups, (1,) * rank, channels_last)


def conv1d(ops, x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    return _conv(ops, "conv1d", x, kernel, strides, padding, data_format, dilation_rate, 1,
                 allowed=("valid", "same", "causal"))


def conv2d(ops, x, kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)):
    return _conv(ops, "conv2d", x, kernel, strides, padding, data_format, dilation_rate, 2)


def conv3d(ops, x, kernel, strides=(1, 1, 1), padding="valid", data_format=None,
           dilation_rate=(1, 1, 1)):
    return _conv(ops, "conv3d", x, kernel, strides, padding, data_format, dilation_rate, 3)


def _conv_transpose(ops, fn, x, kernel, output_shape, strides, padding, data_format, rank,
                    dilation_rate=1):
    """Transposed convolution: the gradient, with respect to its input, of the forward
    convolution (same kernel, strides, padding and dilation) from ``output_shape`` to ``x``.

    ``kernel`` is (*k, out_channels, in_channels), as TensorFlow's. With dilation, the kernel's
    taps are ``dilation`` apart (effective size ``(k - 1) * d + 1``); for strides of 1 this is
    TensorFlow's ``atrous_conv2d_transpose``, which Keras 2.2.4 calls.
    """
    xp = ops.xp
    data_format = _data_format(data_format, fn)
    channels_last = data_format == "channels_last"
    x, kernel = ops.as_tensor(x), ops.as_tensor(kernel)
    if ops.keras_dtype(kernel) != ops.keras_dtype(x):
        kernel = xp.astype(kernel, x.dtype)
    strides = _tuple(strides, rank, fn, "strides")
    dilation = _tuple(dilation_rate, rank, fn, "dilation_rate")
    padding = _padding(padding, fn)
    _check_input(ops, fn, x, kernel, rank, channels_last, in_axis=-1)
    output_shape = tuple(int(d) for d in (output_shape.tolist() if hasattr(output_shape, "tolist")
                                           else output_shape))
    if len(output_shape) != rank + 2:
        raise ValueError(f"{fn}: Expected output_shape of length {rank + 2}. Received: "
                         f"{output_shape}")
    out_sizes = output_shape[1:1 + rank] if channels_last else output_shape[2:2 + rank]
    out_channels = output_shape[-1] if channels_last else output_shape[1]
    ksize = ops.shape_of(kernel)[:rank]
    effective = tuple((k - 1) * d + 1 for k, d in zip(ksize, dilation))
    if ops.shape_of(kernel)[-2] != out_channels:
        raise ValueError(f"{fn}: Expected output_shape's channels to match the kernel's "
                         f"{ops.shape_of(kernel)[-2]} output channels. Received: {output_shape}")
    in_sizes = _spatial(ops, x, channels_last, rank)
    lows = []
    for n_out, n_in, k, s in zip(out_sizes, in_sizes, effective, strides):
        if padding == "same":
            expected_in = -(-n_out // s)
        else:
            expected_in = (n_out - k) // s + 1 if n_out >= k else 0
        if expected_in != n_in:
            raise ValueError(f"{fn}: Expected an output_shape whose forward convolution (strides "
                             f"{strides}, dilation_rate {dilation}, padding '{padding}') has the "
                             f"input's spatial size {n_in}. Received: output_shape={output_shape}, "
                             f"input shape {ops.shape_of(x)}, kernel shape {ops.shape_of(kernel)}")
        total = max((n_in - 1) * s + k - n_out, 0) if padding == "same" else 0
        lows.append(total // 2)
    # Convolve the stride-dilated input with the flipped kernel (in/out swapped), padded so
    # that the window [low, low + out) of the full transposed result comes out.
    flipped = xp.flip(kernel, axis=tuple(range(rank)))
    swapped = xp.permute_dims(flipped, tuple(range(rank)) + (rank + 1, rank))
    pads = []
    for n_out, n_in, k, s, low in zip(out_sizes, in_sizes, effective, strides, lows):
        full = (n_in - 1) * s + k
        pads.append((k - 1 - low, n_out + low - full + k - 1))
    return ops.conv(x, swapped, (1,) * rank, pads, dilation, 1, strides, channels_last)


def conv2d_transpose(ops, x, kernel, output_shape, strides=(1, 1), padding="valid",
                     data_format=None, dilation_rate=(1, 1)):
    return _conv_transpose(ops, "conv2d_transpose", x, kernel, output_shape, strides, padding,
                           data_format, 2, dilation_rate)


def conv3d_transpose(ops, x, kernel, output_shape, strides=(1, 1, 1), padding="valid",
                     data_format=None):
    return _conv_transpose(ops, "conv3d_transpose", x, kernel, output_shape, strides, padding,
                           data_format, 3)


def _depthwise(ops, fn, x, depthwise_kernel, strides, padding, data_format, dilation_rate, rank):
    """Depthwise convolution: kernel (*k, in, multiplier) -> out channel ``c * multiplier + m``."""
    x, depthwise_kernel = ops.as_tensor(x), ops.as_tensor(depthwise_kernel)
    data_format = _data_format(data_format, fn)
    ks = ops.shape_of(depthwise_kernel)
    if len(ks) != rank + 2:
        raise ValueError(f"{fn}: Expected a depthwise kernel of rank {rank + 2} ({'k, ' * rank}in, "
                         f"multiplier). Received: kernel of shape {ks}")
    channels = _channels(ops, x, data_format == "channels_last")
    if len(ops.shape_of(x)) != rank + 2 or ks[-2] != channels:
        raise ValueError(f"{fn}: Expected an input of rank {rank + 2} with {ks[-2]} channels. "
                         f"Received: input {ops.shape_of(x)}, kernel {ks}")
    grouped = ops.xp.reshape(depthwise_kernel, ks[:rank] + (1, ks[-2] * ks[-1]))
    return _conv(ops, fn, x, grouped, strides, padding, data_format, dilation_rate, rank,
                 groups=channels)


def depthwise_conv2d(ops, x, depthwise_kernel, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):
    return _depthwise(ops, "depthwise_conv2d", x, depthwise_kernel, strides, padding, data_format,
                      dilation_rate, 2)


def separable_conv1d(ops, x, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                     data_format=None, dilation_rate=1):
    y = _depthwise(ops, "separable_conv1d", x, depthwise_kernel, strides, padding, data_format,
                   dilation_rate, 1)
    return _conv(ops, "separable_conv1d", y, pointwise_kernel, 1, "valid", data_format, 1, 1)


def separable_conv2d(ops, x, depthwise_kernel, pointwise_kernel, strides=(1, 1), padding="valid",
                     data_format=None, dilation_rate=(1, 1)):
    y = _depthwise(ops, "separable_conv2d", x, depthwise_kernel, strides, padding, data_format,
                   dilation_rate, 2)
    return _conv(ops, "separable_conv2d", y, pointwise_kernel, (1, 1), "valid", data_format, (1, 1),
                 2)


def _local_conv(ops, fn, inputs, kernel, kernel_size, strides, output_shape, data_format, rank):
    """Unshared convolution: one weight matrix per output position.

    ``kernel`` is (n_positions, prod(kernel_size) * in_channels, filters); a patch is flattened
    in (*k, in) order for channels_last inputs and (in, *k) order for channels_first (Keras 2.2.4).
    """
    xp = ops.xp
    data_format = _data_format(data_format, fn)
    channels_last = data_format == "channels_last"
    inputs, kernel = ops.as_tensor(inputs), ops.as_tensor(kernel)
    kernel_size = _tuple(kernel_size, rank, fn, "kernel_size")
    strides = _tuple(strides, rank, fn, "strides")
    xs, ks = ops.shape_of(inputs), ops.shape_of(kernel)
    if len(xs) != rank + 2 or len(ks) != 3:
        raise ValueError(f"{fn}: Expected an input of rank {rank + 2} and a kernel of rank 3. "
                         f"Received: input {xs}, kernel {ks}")
    sizes = _spatial(ops, inputs, channels_last, rank)
    outs = tuple((n - k) // s + 1 for n, k, s in zip(sizes, kernel_size, strides))
    if output_shape is not None and tuple(int(d) for d in output_shape) != outs:
        raise ValueError(f"{fn}: Expected output_shape {outs} for this input. Received: "
                         f"{tuple(output_shape)}")
    channels = _channels(ops, inputs, channels_last)
    positions = int(np.prod(outs))
    if ks[0] != positions or ks[1] != int(np.prod(kernel_size)) * channels:
        raise ValueError(f"{fn}: Expected a kernel of shape ({positions}, "
                         f"{int(np.prod(kernel_size)) * channels}, filters). Received: kernel {ks}")
    patches = []
    for index in np.ndindex(*outs):
        window = tuple(slice(i * s, i * s + k) for i, s, k in zip(index, strides, kernel_size))
        if channels_last:
            patch = inputs[(slice(None),) + window + (slice(None),)]
        else:
            patch = inputs[(slice(None), slice(None)) + window]
        patches.append(xp.reshape(patch, (xs[0], -1)))
    stacked = xp.stack(patches, axis=0)                   # (positions, batch, features)
    out = xp.matmul(stacked, xp.astype(kernel, stacked.dtype))  # (positions, batch, filters)
    out = xp.reshape(xp.permute_dims(out, (1, 0, 2)), (xs[0],) + outs + (ks[2],))
    if not channels_last:
        out = xp.permute_dims(out, (0, rank + 1) + tuple(range(1, rank + 1)))
    return out


def local_conv1d(ops, inputs, kernel, kernel_size, strides, data_format=None):
    return _local_conv(ops, "local_conv1d", inputs, kernel, kernel_size, strides, None, data_format,
                       1)


def local_conv2d(ops, inputs, kernel, kernel_size, strides, output_shape, data_format=None):
    return _local_conv(ops, "local_conv2d", inputs, kernel, kernel_size, strides, output_shape,
                       data_format, 2)


def _pool(ops, fn, x, pool_size, strides, padding, data_format, pool_mode, rank):
    data_format = _data_format(data_format, fn)
    channels_last = data_format == "channels_last"
    x = ops.as_tensor(x)
    if len(ops.shape_of(x)) != rank + 2:
        raise ValueError(f"{fn}: Expected an input of rank {rank + 2}. Received: shape "
                         f"{ops.shape_of(x)}")
    if ops.keras_dtype(x) == "bool":  # TensorFlow's pooling refuses bools too
        raise TypeError(f"{fn}: Expected a tensor of a numeric dtype. Received: a bool tensor "
                        f"(cast it with K.cast)")
    if pool_mode not in ("max", "avg"):
        raise ValueError(f"{fn}: Expected one of {{'max', 'avg'}}. Received: "
                         f"pool_mode={pool_mode!r}")
    window = _tuple(pool_size, rank, fn, "pool_size")
    strides = _tuple(strides, rank, fn, "strides")
    padding = _padding(padding, fn)
    sizes = _spatial(ops, x, channels_last, rank)
    if padding == "same":
        pads = _same_pads(sizes, window, strides, (1,) * rank)
    else:
        pads = [(0, 0)] * rank
        if any(w > n for w, n in zip(window, sizes)):
            raise ValueError(f"{fn}: Expected pool_size no larger than the input with 'valid' "
                             "padding. "
                             f"Received: pool_size={window}, input {ops.shape_of(x)}")
    shape = ops.shape_of(x)
    if 0 in shape:  # an empty batch or no channels: an empty result of the pooled shape
        out = [(n + lo + hi - w) // step + 1
               for n, w, step, (lo, hi) in zip(sizes, window, strides, pads)]
        out_shape = ((shape[0],) + tuple(out) + (shape[-1],) if channels_last
                     else tuple(shape[:2]) + tuple(out))
        return ops.xp.zeros(out_shape, dtype=x.dtype)
    if pool_mode == "max":
        return ops.pool(x, window, strides, pads, "max", channels_last)
    sums = ops.pool(x, window, strides, pads, "sum", channels_last)
    if all(lo == 0 and hi == 0 for lo, hi in pads):
        return sums / float(np.prod(window))
    # average over the valid cells only: divide by the number of unpadded cells per window
    counts = np.ones(sizes, np.float64)
    counts = np.pad(counts, pads)
    from numpy.lib.stride_tricks import sliding_window_view
    views = sliding_window_view(counts, window)[tuple(slice(None, None, s) for s in strides)]
    per_window = views.sum(axis=tuple(range(rank, 2 * rank)))
    shape = (1,) + per_window.shape + (1,) if channels_last else (1, 1) + per_window.shape
    return sums / ops.as_tensor(per_window.reshape(shape), ops.keras_dtype(sums))


def pool2d(ops, x, pool_size, strides=(1, 1), padding="valid", data_format=None, pool_mode="max"):
    return _pool(ops, "pool2d", x, pool_size, strides, padding, data_format, pool_mode, 2)


def pool3d(ops, x, pool_size, strides=(1, 1, 1), padding="valid", data_format=None,
           pool_mode="max"):
    return _pool(ops, "pool3d", x, pool_size, strides, padding, data_format, pool_mode, 3)


def bias_add(ops, x, bias, data_format=None):
    """Keras 2.2.4's TensorFlow ``bias_add``.

    For inputs of rank 3 to 5 the channels axis follows ``data_format``; a bias of rank
    ``ndim(x) - 1`` is read in channels-last shape ``(*spatial, channels)`` and, for
    channels_first, *reshaped* (not transposed) to ``(channels, *spatial)``. Inputs of other
    ranks take a rank-1 bias on their last axis (``tf.nn.bias_add``) whatever ``data_format``.
    """
    xp = ops.xp
    data_format = _data_format(data_format, "bias_add")
    x, bias = ops.as_tensor(x), ops.as_tensor(bias)
    xs, bs = ops.shape_of(x), ops.shape_of(bias)
    if len(xs) < 2:
        raise ValueError(f"bias_add: Expected an input of rank >= 2. Received: input of shape {xs}")
    if len(bs) not in (1, len(xs) - 1):
        raise ValueError(f"bias_add: Expected a bias of rank 1 or {len(xs) - 1}. "
                         f"Received: bias of shape {bs} for an input of shape {xs}")
    formatted = 3 <= len(xs) <= 5
    channels_first = formatted and data_format == "channels_first"
    if len(bs) == 1:
        channels = xs[1] if channels_first else xs[-1]
        if bs[0] != channels:
            raise ValueError(f"bias_add: Expected a bias of {channels} entries (the channels). "
                             f"Received: bias of shape {bs} for an input of shape {xs}")
        shape = ((1, bs[0]) + (1,) * (len(xs) - 2) if channels_first
                 else (1,) * (len(xs) - 1) + (bs[0],))
        return x + xp.astype(xp.reshape(bias, shape), x.dtype)
    if not formatted:
        raise ValueError(f"bias_add: Expected a bias of rank 1 for an input of rank {len(xs)} "
                         f"(a full-rank bias needs an input of rank 3 to 5). Received: bias of "
                         f"shape {bs} for an input of shape {xs}")
    target = (bs[-1],) + bs[:-1] if channels_first else bs
    if target != xs[1:]:
        expected = _channels_last_shape(xs, channels_first)
        raise ValueError(f"bias_add: Expected a bias of shape {expected} (spatial axes, then "
                         f"channels) for an input of shape {xs} ({data_format}). "
                         f"Received: bias of shape {bs}")
    return x + xp.astype(xp.reshape(bias, (1,) + target), x.dtype)


def _channels_last_shape(shape, channels_first):
    """The non-batch part of ``shape`` in channels-last order."""
    return tuple(shape[2:]) + (shape[1],) if channels_first else tuple(shape[1:])


def _broadcast_stat(ops, value, x, axis, fn="batch_normalization", name="mean"):
    """A per-feature statistic (1-D) reshaped to broadcast along ``axis`` of ``x``.

    Raises:
        ValueError: a statistic whose shape does not broadcast to ``x``'s.
    """
    if value is None:
        return None
    value = ops.as_tensor(value)
    if len(value.shape) == 1 and len(x.shape) > 1:
        shape = [1] * len(x.shape)
        shape[axis] = value.shape[0]
        value = ops.xp.reshape(value, tuple(shape))
    xs, vs = ops.shape_of(x), ops.shape_of(value)
    if len(vs) > len(xs) or any(v not in (1, d) for v, d in zip(reversed(vs), reversed(xs))):
        raise ValueError(f"{fn}: Expected {name} of shape ({xs[axis] if xs else 1},) (axis {axis} "
                         f"of the input) or one that broadcasts to the input's {xs}. Received: "
                         f"{name} of shape {tuple(ops.shape_of(ops.as_tensor(value)))}")
    return ops.xp.astype(value, x.dtype)


def batch_normalization(ops, x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    x = _float(ops, x)
    axis = axis % len(x.shape) if len(x.shape) else 0
    mean = _broadcast_stat(ops, mean, x, axis, name="mean")
    var = _broadcast_stat(ops, var, x, axis, name="var")
    out = (x - mean) / ops.xp.sqrt(var + epsilon)
    gamma = _broadcast_stat(ops, gamma, x, axis, name="gamma")
    beta = _broadcast_stat(ops, beta, x, axis, name="beta")
    if gamma is not None:
        out = out * gamma
    if beta is not None:
        out = out + beta
    return out


def normalize_batch_in_training(ops, x, gamma, beta, reduction_axes, epsilon=1e-3):
    """Normalise with the batch's statistics; return ``(normalized, mean, variance)``, the
    statistics squeezed to the non-reduced axes."""
    xp = ops.xp
    x = _float(ops, x)
    rank = len(x.shape)
    axes = normalize_axes(list(reduction_axes), rank, "normalize_batch_in_training",
                          allow_none=False)
    mean = xp.mean(x, axis=axes, keepdims=True)
    var = xp.mean((x - mean) ** 2, axis=axes, keepdims=True)
    kept = [i for i in range(rank) if i not in axes]
    stat_shape = tuple(x.shape[i] for i in kept)

    def full(param, name):
        if param is None:
            return None
        param = xp.astype(ops.as_tensor(param), x.dtype)
        target = tuple(1 if i in axes else x.shape[i] for i in range(rank))
        if _numel(ops.shape_of(param)) != _numel(target):
            raise ValueError(f"normalize_batch_in_training: Expected {name} of shape "
                             f"{stat_shape} (the input's axes not in reduction_axes). Received: "
                             f"{name} of shape {ops.shape_of(param)}")
        return xp.reshape(param, target)
    out = (x - mean) / xp.sqrt(var + epsilon)
    if gamma is not None:
        out = out * full(gamma, "gamma")
    if beta is not None:
        out = out + full(beta, "beta")
    return out, xp.reshape(mean, stat_shape), xp.reshape(var, stat_shape)


def _numel(shape):
    count = 1
    for d in shape:
        count *= d
    return count


def _resize_axis_bilinear(ops, x, axis, factor):
    """TensorFlow 1's resize_bilinear along one axis (align_corners=False, no half-pixel
    centers)."""
    xp = ops.xp
    n = x.shape[axis]
    out = n * factor
    src = np.arange(out) * (n / out)
    low = np.floor(src).astype(np.int64)
    high = np.minimum(low + 1, n - 1)
    frac = (src - low)
    shape = [1] * len(x.shape)
    shape[axis] = out
    weight = ops.as_tensor(frac.reshape(shape), ops.keras_dtype(x))
    a = xp.take(x, ops.as_tensor(low), axis=axis)
    b = xp.take(x, ops.as_tensor(high), axis=axis)
    return a + (b - a) * weight


def resize_images(ops, x, height_factor, width_factor, data_format, interpolation="nearest"):
    xp = ops.xp
    data_format = _data_format(data_format, "resize_images")
    x = ops.as_tensor(x)
    if len(ops.shape_of(x)) != 4:
        raise ValueError(f"resize_images: Expected a 4-D input. Received: shape {ops.shape_of(x)}")
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError("resize_images: Expected one of {'nearest', 'bilinear'}. "
                         f"Received: interpolation={interpolation!r}")
    axes = (1, 2) if data_format == "channels_last" else (2, 3)
    for axis, factor in zip(axes, (int(height_factor), int(width_factor))):
        if factor < 1:
            raise ValueError("resize_images: Expected positive factors. Received: "
                             f"{height_factor}, {width_factor}")
        if interpolation == "nearest":
            x = xp.repeat(x, factor, axis=axis)
        else:
            x = _resize_axis_bilinear(ops, _float(ops, x), axis, factor)
    return x


def resize_volumes(ops, x, depth_factor, height_factor, width_factor, data_format):
    xp = ops.xp
    data_format = _data_format(data_format, "resize_volumes")
    x = ops.as_tensor(x)
    if len(ops.shape_of(x)) != 5:
        raise ValueError(f"resize_volumes: Expected a 5-D input. Received: shape {ops.shape_of(x)}")
    axes = (1, 2, 3) if data_format == "channels_last" else (2, 3, 4)
    for axis, factor in zip(axes, (depth_factor, height_factor, width_factor)):
        if int(factor) < 1:
            raise ValueError(f"resize_volumes: Expected positive factors. Received: {factor}")
        x = xp.repeat(x, int(factor), axis=axis)
    return x


def _pad(ops, fn, x, pads, rank, data_format):
    xp = ops.xp
    x = ops.as_tensor(x)
    shape = ops.shape_of(x)
    if len(shape) != rank + 2:
        raise ValueError(f"{fn}: Expected an input of rank {rank + 2}. Received: shape {shape}")
    try:
        pads = [(int(lo), int(hi)) for lo, hi in pads]
    except (TypeError, ValueError):
        raise ValueError(f"{fn}: Expected padding as {rank} pairs of ints. Received: "
                         f"padding={pads!r}") from None
    if len(pads) != rank or any(v < 0 for pair in pads for v in pair):
        raise ValueError(f"{fn}: Expected padding as {rank} pairs of non-negative ints. Received: "
                         f"padding={pads!r}")
    offset = 1 if data_format == "channels_last" else 2
    out_shape = list(shape)
    for i, (lo, hi) in enumerate(pads):
        out_shape[offset + i] += lo + hi
    out = xp.zeros(tuple(out_shape), dtype=x.dtype)
    index = [slice(None)] * len(shape)
    for i, (lo, _) in enumerate(pads):
        index[offset + i] = slice(lo, lo + shape[offset + i])
    return _assign(ops, out, tuple(index), x)


def _assign(ops, out, index, value):
    """``out[index] = value`` for every backend (JAX arrays are immutable)."""
    if hasattr(out, "at"):
        return out.at[index].set(value)
    out[index] = value
    return out


def temporal_padding(ops, x, padding=(1, 1)):
    return _pad(ops, "temporal_padding", x, [padding], 1, "channels_last")


def spatial_2d_padding(ops, x, padding=((1, 1), (1, 1)), data_format=None):
    data_format = _data_format(data_format, "spatial_2d_padding")
    return _pad(ops, "spatial_2d_padding", x, padding, 2, data_format)


def spatial_3d_padding(ops, x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    data_format = _data_format(data_format, "spatial_3d_padding")
    return _pad(ops, "spatial_3d_padding", x, padding, 3, data_format)


