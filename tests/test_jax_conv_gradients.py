"""JAX's own convolution rules (backends/jax/nn.py) against plain NumPy float64 loops.

The conformance suite's cases have few channels, so they reach neither the own kernel gradient
of transposed convolutions (taken from ``_INPUT_DILATED_MIN_FILTERS`` output channels) nor, in
its gradient check, every shape of input smaller than the kernel (padded before XLA's
convolution). These cases do, on small shapes.
"""

import numpy as np
import pytest

jax = pytest.importorskip("jax")


def _jax_backend():
    from polykeras.backend.loading import load_backend
    from polykeras.backends.jax import nn as jax_nn
    return load_backend("jax"), jax_nn


def _transpose_reference(x, kernel, g, strides, n_out, low):
    """``(output, input gradient, kernel gradient)`` of the transposed convolution
    ``out[n, i * s + t - low, o] += x[n, i, c] * kernel[t, o, c]`` (channels last, 2-D),
    cropped to ``n_out``, for the output gradient ``g``; loops over the kernel's taps."""
    batch, h, w, _ = x.shape
    kh, kw, cout, _ = kernel.shape
    (sh, sw), (out_h, out_w), (low_h, low_w) = strides, n_out, low
    full = np.zeros((batch, (h - 1) * sh + kh, (w - 1) * sw + kw, cout))
    g_full = np.zeros_like(full)
    g_full[:, low_h:low_h + out_h, low_w:low_w + out_w] = g
    g_x, g_kernel = np.zeros_like(x), np.zeros_like(kernel)
    for i in range(kh):
        for j in range(kw):
            rows, cols = slice(i, i + (h - 1) * sh + 1, sh), slice(j, j + (w - 1) * sw + 1, sw)
            full[:, rows, cols] += x @ kernel[i, j].T
            g_x += g_full[:, rows, cols] @ kernel[i, j]
            g_kernel[i, j] = np.einsum("nhwo,nhwc->oc", g_full[:, rows, cols], x)
    return full[:, low_h:low_h + out_h, low_w:low_w + out_w], g_x, g_kernel


@pytest.mark.parametrize("strides, padding, n_out, low", [
    ((2, 2), "same", (6, 8), (0, 0)),      # Keras's stride-2 decoder layers
    ((2, 1), "valid", (7, 6), (0, 0)),
    ((1, 1), "valid", (5, 6), (0, 0)),     # stride 1: also the own rule
])
def test_transposed_convolution_gradients_with_many_filters(strides, padding, n_out, low):
    K, jax_nn = _jax_backend()
    import jax.numpy as jnp

    rng = np.random.default_rng(0)
    cout = jax_nn._INPUT_DILATED_MIN_FILTERS   # the own kernel gradient applies
    x = rng.standard_normal((2, 3, 4, 3))
    kernel = rng.standard_normal((3, 3, cout, 3))
    g = rng.standard_normal((2,) + n_out + (cout,))
    if padding == "same":  # TensorFlow's split: the smaller half of the padding first
        full = [(n - 1) * s + 3 for n, s in zip(x.shape[1:3], strides)]
        low = tuple((f - o) // 2 for f, o in zip(full, n_out))
    expected = _transpose_reference(x, kernel, g, strides, n_out, low)

    def loss(x_, kernel_):
        out = K.conv2d_transpose(x_, kernel_, (2,) + n_out + (cout,), strides=strides,
                                 padding=padding)
        return jnp.sum(out * g), out

    (_, out), (g_x, g_kernel) = jax.value_and_grad(loss, argnums=(0, 1), has_aux=True)(
        jnp.asarray(x), jnp.asarray(kernel))
    for got, want, what in zip((out, g_x, g_kernel), expected, ("output", "dx", "dkernel")):
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-9, atol=1e-9, err_msg=what)


def test_input_smaller_than_the_kernel():
    """A 2x3 input under a 5x5 kernel ('same' padding) and under a dilated 3x3 one: the input
    is padded before XLA's convolution; values and gradients as the loops give them."""
    K, _ = _jax_backend()
    import jax.numpy as jnp

    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 2, 3, 4))
    for kernel_shape, dilation in (((5, 5, 4, 3), (1, 1)), ((3, 3, 4, 3), (2, 2))):
        kernel = rng.standard_normal(kernel_shape)
        reach = [(k - 1) * d + 1 for k, d in zip(kernel_shape[:2], dilation)]
        lows = [(r - 1) // 2 for r in reach]
        padded = np.zeros((2, 2 + reach[0] - 1, 3 + reach[1] - 1, 4))
        padded[:, lows[0]:lows[0] + 2, lows[1]:lows[1] + 3] = x
        g = rng.standard_normal((2, 2, 3, 3))
        expected = np.zeros((2, 2, 3, 3))
        g_padded, g_kernel = np.zeros_like(padded), np.zeros_like(kernel)
        for i in range(kernel_shape[0]):
            for j in range(kernel_shape[1]):
                cells = padded[:, i * dilation[0]:i * dilation[0] + 2,
                               j * dilation[1]:j * dilation[1] + 3]
                expected += cells @ kernel[i, j]
                g_kernel[i, j] = np.einsum("nhwc,nhwo->co", cells, g)
                g_padded[:, i * dilation[0]:i * dilation[0] + 2,
                         j * dilation[1]:j * dilation[1] + 3] += g @ kernel[i, j].T
        g_x = g_padded[:, lows[0]:lows[0] + 2, lows[1]:lows[1] + 3]

        def loss(x_, kernel_, dilation=dilation, g=g):
            out = K.conv2d(x_, kernel_, padding="same", dilation_rate=dilation)
            return jnp.sum(out * g), out

        (_, out), grads = jax.value_and_grad(loss, argnums=(0, 1), has_aux=True)(
            jnp.asarray(x), jnp.asarray(kernel))
        for got, want, what in zip((out,) + tuple(grads), (expected, g_x, g_kernel),
                                   ("output", "dx", "dkernel")):
            np.testing.assert_allclose(np.asarray(got), want, rtol=1e-9, atol=1e-9,
                                       err_msg=f"{what}, dilation {dilation}")
