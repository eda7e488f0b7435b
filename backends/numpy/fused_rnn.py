"""``fused_lstm`` / ``fused_gru`` on NumPy: one preallocated loop, and backpropagation through
time written by hand.

The input projection of every step is one matrix product before the loop,
into a (time, batch, gates * units) buffer in processing order; each step adds
the recurrent product and applies the gate activations in place, so that after
the loop the buffer holds every step's activated gates. Called with
``keep=True`` (what the executor does for a step it differentiates, see
``autodiff.py``) the forward pass also keeps the states and the few other
intermediates the backward pass reads: the tape. The backward pass walks the
steps in reverse, computing the gradient of each step's gate pre-activations
into one buffer; the weight gradients are then three matrix products over all
steps at once. Masked steps pass the gradients of the previous output and
states through, as ``rnn``'s masking keeps them.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from polykeras.backends.common.fused_rnn import check_gru, check_lstm

from .core import as_tensor


def _arrays(fn, inputs, kernel, recurrent_kernel, bias, initial_states, mask, check, *extra):
    """The arguments as arrays of one float dtype, checked:
    ``(x, W, U, b, states, mask, units)``."""
    x, W, U = as_tensor(inputs), as_tensor(kernel), as_tensor(recurrent_kernel)
    b = None if bias is None else as_tensor(bias)
    states = [as_tensor(s) for s in initial_states] if isinstance(initial_states, (list, tuple)) \
        else initial_states
    m = None if mask is None else as_tensor(mask)
    units = check(x.shape, W.shape, U.shape, None if b is None else b.shape,
                  states if not isinstance(states, list) else [s.shape for s in states],
                  None if m is None else m.shape, *extra)
    dtype = np.result_type(x, W, U, *states)
    if dtype.kind != "f":
        raise ValueError(f"{fn}: Expected float inputs, weights and states. Received: dtypes "
                         f"{[str(a.dtype) for a in (x, W, U, *states)]}")
    cast = [a if a.dtype == dtype else a.astype(dtype) for a in (x, W, U)]
    b = None if b is None else b.astype(dtype, copy=False)
    states = [s.astype(dtype, copy=False) for s in states]
    return cast[0], cast[1], cast[2], b, states, m, units


def _time_major(x, mask, go_backwards):
    """Inputs (time, batch, features) and mask (time, batch) in processing order (views)."""
    xs = np.swapaxes(x, 0, 1)
    m = None
    if mask is not None:
        m = np.reshape(mask, x.shape[:2]).astype(bool).T
    if go_backwards:
        xs = xs[::-1]
        m = None if m is None else m[::-1]
    return xs, m


def _projection(xs, W, b):
    """``xs @ W + b`` for all steps at once: a new contiguous (time, batch, gates * units)
    buffer."""
    z = np.matmul(xs, W)
    if b is not None:
        z += b
    return z


class _Outputs:
    """The per-step outputs with ``rnn``'s masking (a masked step repeats the previous output,
    zeros before the first)."""

    def __init__(self, batch, time, units, dtype, masked):
        self.values = np.empty((batch, time, units), dtype)
        self.previous = np.zeros((batch, units), dtype) if masked else None

    def put(self, k, h_new, keep):
        if keep is not None:
            h_new = np.where(keep, h_new, self.previous)
            self.previous = h_new
        self.values[:, k] = h_new

    def result(self, states):
        return self.values[:, -1].copy(), self.values, states


def lstm_forward(inputs, kernel, recurrent_kernel, bias, initial_states, mask=None,
                 go_backwards=False, keep=False):
    """``fused_lstm``; with ``keep``, ``(result, tape)``."""
    x, W, U, b, (h, c), mask, units = _arrays("fused_lstm", inputs, kernel, recurrent_kernel, bias,
                                              initial_states, mask, check_lstm, go_backwards)
    xs, m = _time_major(x, mask, go_backwards)
    time, batch = xs.shape[:2]
    gates = _projection(xs, W, b)
    u2, u3 = 2 * units, 3 * units
    outputs = _Outputs(batch, time, units, gates.dtype, m is not None)
    if keep:
        hs = np.empty((time + 1, batch, units), gates.dtype)
        cs = np.empty((time + 1, batch, units), gates.dtype)
        tanh_cs = np.empty((time, batch, units), gates.dtype)
        hs[0], cs[0] = h, c
    for k in range(time):
        z = gates[k]
        z += h @ U
        expit(z[:, :u2], out=z[:, :u2])
        np.tanh(z[:, u2:u3], out=z[:, u2:u3])
        expit(z[:, u3:], out=z[:, u3:])
        c_new = z[:, units:u2] * c
        c_new += z[:, :units] * z[:, u2:u3]
        tanh_c = np.tanh(c_new)
        h_new = z[:, u3:] * tanh_c
        keep_k = None if m is None else m[k][:, None]
        outputs.put(k, h_new, keep_k)
        if keep_k is not None:
            h_new, c_new = np.where(keep_k, h_new, h), np.where(keep_k, c_new, c)
        h, c = h_new, c_new
        if keep:
            hs[k + 1], cs[k + 1], tanh_cs[k] = h, c, tanh_c
    result = outputs.result([h, c])
    if not keep:
        return result
    return result, (xs, m, gates, hs, cs, tanh_cs)


def _output_cotangents(g_last, g_outputs, time):
    """The gradient of each step's output: ``g_outputs[:, k]``, plus ``g_last`` on the last."""
    def cotangent(k):
        d = g_outputs[:, k]
        return d + g_last if k == time - 1 else d
    return cotangent


def _masked(keep, d_out, carried, d_states):
    """Split the gradients of a step's output and new states by its mask: what reaches the
    step's computation, and what a masked step passes back to the previous output and states."""
    if carried is not None:
        d_out = d_out + carried
    if keep is None:
        return d_out, None, list(d_states), [None] * len(d_states)
    reached = [np.where(keep, d, 0) for d in d_states]
    passed = [np.where(keep, 0, d) for d in d_states]
    return np.where(keep, d_out, 0), np.where(keep, 0, d_out), reached, passed


def _plus(a, b):
    return a if b is None else a + b


def _input_gradients(d_gates, xs, W, go_backwards, Lazy):
    """``(inputs, kernel)`` gradients from the gate pre-activation gradients of all steps."""
    def inputs():
        dx = np.matmul(d_gates, W.T)
        if go_backwards:
            dx = dx[::-1]
        return np.ascontiguousarray(np.swapaxes(dx, 0, 1))
    return Lazy(inputs=inputs, kernel=lambda: np.tensordot(xs, d_gates, axes=([0, 1], [0, 1])))


def lstm_backward(g, out, tape, inputs, kernel, recurrent_kernel, bias, initial_states, mask=None,
                  go_backwards=False):
    """The gradients of ``fused_lstm`` from its tape (see :func:`lstm_forward`)."""
    from .gradient_rules import Lazy
    g_last, g_outputs, (dh, dc) = g
    xs, m, gates, hs, cs, tanh_cs = tape
    W, U = as_tensor(kernel), as_tensor(recurrent_kernel)
    time, batch, width = gates.shape
    units = width // 4
    u2, u3 = 2 * units, 3 * units
    d_gates = np.empty(gates.shape, np.result_type(gates, g_outputs, dh))
    d_out = _output_cotangents(np.asarray(g_last), np.asarray(g_outputs), time)
    carried = None
    for k in range(time - 1, -1, -1):
        keep = None if m is None else m[k][:, None]
        d_h, carried, (dh, dc), (dh_passed, dc_passed) = _masked(keep, d_out(k), carried, [dh, dc])
        d_h = d_h + dh
        z = gates[k]
        i, f, cand, o = z[:, :units], z[:, units:u2], z[:, u2:u3], z[:, u3:]
        tanh_c = tanh_cs[k]
        dc = dc + d_h * o * (1 - tanh_c * tanh_c)
        d = d_gates[k]
        d[:, :units] = dc * cand * i * (1 - i)
        d[:, units:u2] = dc * cs[k] * f * (1 - f)
        d[:, u2:u3] = dc * i * (1 - cand * cand)
        d[:, u3:] = d_h * tanh_c * o * (1 - o)
        dh = _plus(d @ U.T, dh_passed)
        dc = _plus(dc * f, dc_passed)
    grads = _input_gradients(d_gates, xs, W, go_backwards, Lazy)
    grads["recurrent_kernel"] = lambda: np.tensordot(hs[:-1], d_gates, axes=([0, 1], [0, 1]))
    grads["bias"] = lambda: d_gates.sum(axis=(0, 1))
    grads["initial_states"] = [dh, dc]
    return grads


def gru_forward(inputs, kernel, recurrent_kernel, bias, initial_states, mask=None,
                go_backwards=False, reset_after=False, keep=False):
    """``fused_gru``; with ``keep``, ``(result, tape)``."""
    x, W, U, b, (h,), mask, units = _arrays("fused_gru", inputs, kernel, recurrent_kernel, bias,
                                            initial_states, mask, check_gru, go_backwards,
                                            reset_after)
    input_bias, recurrent_bias = (b[0], b[1]) if (b is not None and reset_after) else (b, None)
    xs, m = _time_major(x, mask, go_backwards)
    time, batch = xs.shape[:2]
    gates = _projection(xs, W, input_bias)
    u2 = 2 * units
    gates_kernel, candidate_kernel = U[:, :u2], U[:, u2:]
    outputs = _Outputs(batch, time, units, gates.dtype, m is not None)
    if keep:
        hs = np.empty((time + 1, batch, units), gates.dtype)
        hs[0] = h
        # reset_after: the recurrent candidate term h @ U_h + b_rec; else r * h
        second = np.empty((time, batch, units), gates.dtype)
    for k in range(time):
        z = gates[k]
        if reset_after:
            inner = h @ U
            if recurrent_bias is not None:
                inner += recurrent_bias
            z[:, :u2] += inner[:, :u2]
            expit(z[:, :u2], out=z[:, :u2])
            recurrent = inner[:, u2:]
            z[:, u2:] += z[:, units:u2] * recurrent
        else:
            z[:, :u2] += h @ gates_kernel
            expit(z[:, :u2], out=z[:, :u2])
            recurrent = z[:, units:u2] * h
            z[:, u2:] += recurrent @ candidate_kernel
        np.tanh(z[:, u2:], out=z[:, u2:])
        update, candidate = z[:, :units], z[:, u2:]
        h_new = update * (h - candidate)
        h_new += candidate
        keep_k = None if m is None else m[k][:, None]
        outputs.put(k, h_new, keep_k)
        if keep_k is not None:
            h_new = np.where(keep_k, h_new, h)
        h = h_new
        if keep:
            hs[k + 1], second[k] = h, recurrent
    result = outputs.result([h])
    if not keep:
        return result
    return result, (xs, m, gates, hs, second)


def gru_backward(g, out, tape, inputs, kernel, recurrent_kernel, bias, initial_states, mask=None,
                 go_backwards=False, reset_after=False):
    """The gradients of ``fused_gru`` from its tape (see :func:`gru_forward`)."""
    from .gradient_rules import Lazy
    g_last, g_outputs, (dh,) = g
    xs, m, gates, hs, second = tape
    W, U = as_tensor(kernel), as_tensor(recurrent_kernel)
    time, batch, width = gates.shape
    units = width // 3
    u2 = 2 * units
    gates_kernel_t, candidate_kernel_t = U[:, :u2].T, U[:, u2:].T
    dtype = np.result_type(gates, g_outputs, dh)
    d_gates = np.empty(gates.shape, dtype)
    d_inner = np.empty(gates.shape, dtype) if reset_after else None
    d_out = _output_cotangents(np.asarray(g_last), np.asarray(g_outputs), time)
    carried = None
    for k in range(time - 1, -1, -1):
        keep = None if m is None else m[k][:, None]
        d_h, carried, (dh,), (dh_passed,) = _masked(keep, d_out(k), carried, [dh])
        d_h = d_h + dh
        z = gates[k]
        update, reset, candidate = z[:, :units], z[:, units:u2], z[:, u2:]
        h_prev = hs[k]
        d = d_gates[k]
        d[:, :units] = d_h * (h_prev - candidate) * update * (1 - update)
        d[:, u2:] = d_h * (1 - update) * (1 - candidate * candidate)
        dh = d_h * update
        if reset_after:
            d[:, units:u2] = d[:, u2:] * second[k] * reset * (1 - reset)
            inner = d_inner[k]
            inner[:, :u2] = d[:, :u2]
            inner[:, u2:] = d[:, u2:] * reset
            dh += inner @ U.T
        else:
            d_reset_h = d[:, u2:] @ candidate_kernel_t
            d[:, units:u2] = d_reset_h * h_prev * reset * (1 - reset)
            dh += d_reset_h * reset
            dh += d[:, :u2] @ gates_kernel_t
        dh = _plus(dh, dh_passed)
    grads = _input_gradients(d_gates, xs, W, go_backwards, Lazy)

    def recurrent_kernel_gradient():
        if reset_after:
            return np.tensordot(hs[:-1], d_inner, axes=([0, 1], [0, 1]))
        steps = ([0, 1], [0, 1])
        return np.concatenate([np.tensordot(hs[:-1], d_gates[..., :u2], axes=steps),
                               np.tensordot(second, d_gates[..., u2:], axes=steps)], axis=1)

    def bias_gradient():
        d_input_bias = d_gates.sum(axis=(0, 1))
        return np.stack([d_input_bias, d_inner.sum(axis=(0, 1))]) if reset_after else d_input_bias
    grads["recurrent_kernel"] = recurrent_kernel_gradient
    grads["bias"] = bias_gradient
    grads["initial_states"] = [dh]
    return grads


def fused_lstm(inputs, kernel, recurrent_kernel, bias, initial_states, mask=None,
               go_backwards=False):
    return lstm_forward(inputs, kernel, recurrent_kernel, bias, initial_states, mask, go_backwards)


def fused_gru(inputs, kernel, recurrent_kernel, bias, initial_states, mask=None, go_backwards=False,
              reset_after=False):
    return gru_forward(inputs, kernel, recurrent_kernel, bias, initial_states, mask, go_backwards,
                       reset_after)
