"""Float64 NumPy references of the recurrent layers' equations, with explicit time loops.

Imported by ``tests/test_layers_recurrent.py`` and ``tests/test_layers_wrappers.py``.
Written from the equations of Keras 2.2.4's cells (and NVIDIA cuDNN's), never
from a backend: a step is a plain NumPy function ``step(x_t, states) ->
(output_t, new_states)`` and :func:`run` applies Keras's time loop (masking,
``go_backwards``).
"""

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def hard_sigmoid(x):
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


ACTIVATIONS = {"tanh": np.tanh, "sigmoid": sigmoid, "hard_sigmoid": hard_sigmoid,
               "linear": lambda x: x, "relu": lambda x: np.maximum(x, 0.0)}


def f64(arrays):
    return [None if a is None else np.asarray(a, dtype=np.float64) for a in arrays]


def run(step, x, states, mask=None, go_backwards=False):
    """Keras's recurrence: ``(last_output, outputs, final_states)``.

    ``outputs`` are in processing order (reversed with ``go_backwards``). A
    masked step (``mask[:, t]`` False) keeps the previous output (zeros
    before the first step) and the previous states.
    """
    x = np.asarray(x, dtype=np.float64)
    states = [np.asarray(s, dtype=np.float64) for s in states]
    times = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    outputs, previous = [], None
    for t in times:
        output, new_states = step(x[:, t], states)
        if mask is not None:
            keep = np.asarray(mask[:, t], dtype=bool)

            def where(new, old, keep=keep):
                return np.where(keep.reshape((-1,) + (1,) * (new.ndim - 1)), new, old)
            output = where(output, np.zeros_like(output) if previous is None else previous)
            new_states = [where(n, s) for n, s in zip(new_states, states)]
        states, previous = list(new_states), output
        outputs.append(output)
    return outputs[-1], np.stack(outputs, axis=1), states


def _per_gate(value, masks, gates, implementation):
    """The inputs of each gate: ``value`` times its dropout mask (Keras: one mask per gate with
    implementation 1, the first mask for every gate otherwise)."""
    if masks is None:
        return [value] * gates
    if implementation == 1:
        return [value * m for m in masks]
    return [value * masks[0]] * gates


def simple_rnn_step(kernel, recurrent_kernel, bias, activation="tanh", dp=None, rec_dp=None):
    act = ACTIVATIONS[activation]

    def step(x, states):
        x = x * dp[0] if dp is not None else x
        h = states[0] * rec_dp[0] if rec_dp is not None else states[0]
        out = act(x @ kernel + (0 if bias is None else bias) + h @ recurrent_kernel)
        return out, [out]
    return step


def lstm_step(kernel, recurrent_kernel, bias, activation="tanh",
              recurrent_activation="hard_sigmoid", dp=None, rec_dp=None, implementation=1):
    act, ract = ACTIVATIONS[activation], ACTIVATIONS[recurrent_activation]
    u = recurrent_kernel.shape[0]
    b = np.zeros(4 * u) if bias is None else bias

    def step(x, states):
        h, c = states
        xs = _per_gate(x, dp, 4, implementation)
        hs = _per_gate(h, rec_dp, 4, implementation)
        z = [xs[g] @ kernel[:, g * u:(g + 1) * u] + hs[g] @ recurrent_kernel[:, g * u:(g + 1) * u]
             + b[g * u:(g + 1) * u] for g in range(4)]
        i, f, o = ract(z[0]), ract(z[1]), ract(z[3])
        c = f * c + i * act(z[2])
        h = o * act(c)
        return h, [h, c]
    return step


def gru_step(kernel, recurrent_kernel, bias, activation="tanh",
             recurrent_activation="hard_sigmoid", reset_after=False, dp=None, rec_dp=None,
             implementation=1):
    act, ract = ACTIVATIONS[activation], ACTIVATIONS[recurrent_activation]
    u = recurrent_kernel.shape[0]
    if bias is None:
        bias = np.zeros((2, 3 * u)) if reset_after else np.zeros(3 * u)
    input_bias = bias[0] if reset_after else bias
    recurrent_bias = bias[1] if reset_after else np.zeros(3 * u)
    W = [kernel[:, g * u:(g + 1) * u] for g in range(3)]
    U = [recurrent_kernel[:, g * u:(g + 1) * u] for g in range(3)]
    bi = [input_bias[g * u:(g + 1) * u] for g in range(3)]
    br = [recurrent_bias[g * u:(g + 1) * u] for g in range(3)]

    def step(x, states):
        h = states[0]
        xs = _per_gate(x, dp, 3, implementation)
        hs = _per_gate(h, rec_dp, 3, implementation)
        x_z, x_r, x_h = (xs[g] @ W[g] + bi[g] for g in range(3))
        z = ract(x_z + hs[0] @ U[0] + br[0])
        r = ract(x_r + hs[1] @ U[1] + br[1])
        if reset_after:
            hh = act(x_h + r * (hs[2] @ U[2] + br[2]))
        else:
            hh = act(x_h + (r * hs[2]) @ U[2])
        # Keras 2.2.4, implementation 2: the update gate carries the masked state.
        carried = hs[0] if implementation != 1 and rec_dp is not None else h
        h_new = z * carried + (1 - z) * hh
        return h_new, [h_new]
    return step


def cudnn_to_native(kernel, recurrent_kernel, gates):
    """Kernels of Keras's CuDNN layers as those of ``x @ W`` (LSTM/GRU), the conversion Keras
    2.2.4 applies when loading them: each gate's input block transposed and re-read in Fortran
    order, each recurrent block transposed."""
    def input_block(k):
        return k.T.reshape(k.shape, order="F")
    kernel = np.hstack([input_block(k) for k in np.hsplit(kernel, gates)])
    recurrent_kernel = np.hstack([k.T for k in np.hsplit(recurrent_kernel, gates)])
    return kernel, recurrent_kernel


def native_to_cudnn(kernel, recurrent_kernel, gates):
    """The inverse of :func:`cudnn_to_native` (Keras 2.2.4's conversion the other way)."""
    def input_block(k):
        return k.T.reshape(k.shape, order="C")
    kernel = np.hstack([input_block(k) for k in np.hsplit(kernel, gates)])
    recurrent_kernel = np.hstack([k.T for k in np.hsplit(recurrent_kernel, gates)])
    return kernel, recurrent_kernel


def cudnn_lstm_step(kernel, recurrent_kernel, bias):
    """cuDNN's LSTM: sigmoid gates, tanh, input bias plus recurrent bias (``bias (8u,)``)."""
    u = recurrent_kernel.shape[0]
    return lstm_step(*cudnn_to_native(kernel, recurrent_kernel, 4), bias[:4 * u] + bias[4 * u:],
                     recurrent_activation="sigmoid")


def cudnn_gru_step(kernel, recurrent_kernel, bias):
    """cuDNN's GRU: the reset gate after the recurrent product, sigmoid gates (``bias (6u,)``)."""
    u = recurrent_kernel.shape[0]
    return gru_step(*cudnn_to_native(kernel, recurrent_kernel, 3), bias.reshape(2, 3 * u),
                    recurrent_activation="sigmoid", reset_after=True)


def conv2d(x, w, strides=(1, 1), padding="valid", dilation=(1, 1)):
    """TensorFlow's 2-D cross-correlation, channels last: x (b, H, W, C), w (kh, kw, C, F)."""
    kh, kw = w.shape[:2]
    eh, ew = (kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1
    H, W = x.shape[1:3]
    if padding == "same":
        out_h, out_w = -(-H // strides[0]), -(-W // strides[1])
        pad_h = max((out_h - 1) * strides[0] + eh - H, 0)
        pad_w = max((out_w - 1) * strides[1] + ew - W, 0)
        x = np.pad(x, ((0, 0), (pad_h // 2, pad_h - pad_h // 2),
                       (pad_w // 2, pad_w - pad_w // 2), (0, 0)))
    out_h = (x.shape[1] - eh) // strides[0] + 1
    out_w = (x.shape[2] - ew) // strides[1] + 1
    out = np.zeros((x.shape[0], out_h, out_w, w.shape[3]))
    for i in range(kh):
        for j in range(kw):
            r0, c0 = i * dilation[0], j * dilation[1]
            patch = x[:, r0:r0 + (out_h - 1) * strides[0] + 1:strides[0],
                      c0:c0 + (out_w - 1) * strides[1] + 1:strides[1], :]
            out += patch @ w[i, j]
    return out


def conv_lstm_step(kernel, recurrent_kernel, bias, strides=(1, 1), padding="valid",
                   dilation=(1, 1), activation="tanh", recurrent_activation="hard_sigmoid",
                   channels_first=False):
    """ConvLSTM2D's step (Shi et al., 2015); states and inputs channels last unless
    ``channels_first``."""
    act, ract = ACTIVATIONS[activation], ACTIVATIONS[recurrent_activation]
    f = recurrent_kernel.shape[2]

    def last(a):
        return a.transpose(0, 2, 3, 1) if channels_first else a

    def back(a):
        return a.transpose(0, 3, 1, 2) if channels_first else a

    def step(x, states):
        h, c = last(states[0]), last(states[1])
        zx = conv2d(last(x), kernel, strides, padding, dilation) + (0 if bias is None else bias)
        z = zx + conv2d(h, recurrent_kernel, (1, 1), "same")
        i, fg, o = ract(z[..., :f]), ract(z[..., f:2 * f]), ract(z[..., 3 * f:])
        c = fg * c + i * act(z[..., 2 * f:3 * f])
        h = o * act(c)
        return back(h), [back(h), back(c)]
    return step
