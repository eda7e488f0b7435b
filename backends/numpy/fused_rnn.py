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

from .activations import _EXP_LIMITS
from .core import as_tensor


def _sigmoid_(z):
    """``z = 1 / (1 + exp(-z))`` in place: five passes of cheap ufuncs, faster than SciPy's
    ``expit`` on float32 gate blocks (about 15 against 40 us on (64, 64)); ``-z`` is capped so
    that ``exp`` cannot overflow (see ``activations.sigmoid``)."""
    limit = _EXP_LIMITS.get(z.dtype)
    if limit is None:
        expit(z, out=z)
        return
    np.negative(z, out=z)
    np.minimum(z, limit, out=z)
    np.exp(z, out=z)
    z += 1
    np.reciprocal(z, out=z)


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
    """``(z, flat_inputs)``: ``xs @ W + b`` for all steps at once, one matrix product into a new
    contiguous (time, batch, gates * units) buffer, and the inputs as (time * batch, features)."""
    time, batch, features = xs.shape
    flat = np.ascontiguousarray(xs).reshape(time * batch, features)
    z = (flat @ W).reshape(time, batch, W.shape[1])
    if b is not None:
        z += b
    return z, flat


class _States:
    """Where the loop writes each step's states: the (time + 1, batch, units) sequences (index
    0: the initial state) of the states the backward pass reads, or, for a state it does not,
    two buffers used in turn."""

    def __init__(self, time, batch, units, dtype, initial, kept):
        self.sequence = np.empty((time + 1 if kept else 2, batch, units), dtype)
        self.sequence[0] = initial
        self.kept = kept

    def previous(self, k):
        return self.sequence[k if self.kept else k % 2]

    def next(self, k):
        return self.sequence[k + 1 if self.kept else (k + 1) % 2]


def _step_mask(m, k):
    return None if m is None else m[k][:, None]


def _outputs(hs, outputs, time):
    """``(last_output, outputs)``: from the states' sequence (time-major) when no step was
    masked, else the masked outputs."""
    if outputs is None:
        outputs = np.ascontiguousarray(hs.sequence[1:].transpose(1, 0, 2))
    return outputs[:, time - 1].copy(), outputs


def _masked_output(outputs, previous, k, h_new, keep):
    """``rnn``'s output of a step under a mask: the new one, or the previous output (zeros
    before the first) where the step is masked."""
    out = np.where(keep, h_new, previous)
    outputs[:, k] = out
    return out


def lstm_forward(inputs, kernel, recurrent_kernel, bias, initial_states, mask=None,
                 go_backwards=False, keep=False):
    """``fused_lstm``; with ``keep``, ``(result, tape)``."""
    x, W, U, b, (h0, c0), mask, units = _arrays("fused_lstm", inputs, kernel, recurrent_kernel,
                                                bias, initial_states, mask, check_lstm,
                                                go_backwards)
    xs, m = _time_major(x, mask, go_backwards)
    gates, flat_inputs = _projection(xs, W, b)
    time, batch, width = gates.shape
    dtype = gates.dtype
    u2, u3 = 2 * units, 3 * units
    hs = _States(time, batch, units, dtype, h0, kept=True)
    cs = _States(time, batch, units, dtype, c0, kept=keep)
    tanh_cs = np.empty((time if keep else 1, batch, units), dtype)
    recurrent = np.empty((batch, width), dtype)
    outputs, previous = None, None
    if m is not None:
        outputs, previous = np.empty((batch, time, units), dtype), np.zeros((batch, units), dtype)
    for k in range(time):
        h, c, h_next, c_next = hs.previous(k), cs.previous(k), hs.next(k), cs.next(k)
        z = gates[k]
        z += np.matmul(h, U, out=recurrent)
        _sigmoid_(z[:, :u2])
        np.tanh(z[:, u2:u3], out=z[:, u2:u3])
        _sigmoid_(z[:, u3:])
        tanh_c = tanh_cs[k if keep else 0]
        np.multiply(z[:, units:u2], c, out=c_next)
        c_next += z[:, :units] * z[:, u2:u3]
        np.tanh(c_next, out=tanh_c)
        np.multiply(z[:, u3:], tanh_c, out=h_next)
        keep_k = _step_mask(m, k)
        if keep_k is not None:
            previous = _masked_output(outputs, previous, k, h_next, keep_k)
            np.copyto(h_next, h, where=~keep_k)
            np.copyto(c_next, c, where=~keep_k)
    last, outputs = _outputs(hs, outputs, time)
    result = last, outputs, [hs.next(time - 1).copy(), cs.next(time - 1).copy()]
    if not keep:
        return result
    return result, (flat_inputs, m, gates, hs.sequence, cs.sequence, tanh_cs)


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


def _flat(a):
    """A (time, batch, n) array as (time * batch, n)."""
    return a.reshape(-1, a.shape[-1])


def _weight_gradients(d_gates, flat_inputs, W, go_backwards, Lazy):
    """The gradients of ``inputs``, ``kernel`` and ``bias`` (as computed lazily) from the gate
    pre-activation gradients of all steps: one matrix product each."""
    time, batch, _ = d_gates.shape

    def inputs():
        dx = (_flat(d_gates) @ W.T).reshape(time, batch, W.shape[0])
        if go_backwards:
            dx = dx[::-1]
        return np.ascontiguousarray(np.swapaxes(dx, 0, 1))
    return Lazy(inputs=inputs, kernel=lambda: flat_inputs.T @ _flat(d_gates),
                bias=lambda: _flat(d_gates).sum(axis=0))


def lstm_backward(g, out, tape, inputs, kernel, recurrent_kernel, bias, initial_states, mask=None,
                  go_backwards=False):
    """The gradients of ``fused_lstm`` from its tape (see :func:`lstm_forward`)."""
    from .gradient_rules import Lazy
    g_last, g_outputs, (dh, dc) = g
    flat_inputs, m, gates, hs, cs, tanh_cs = tape
    W, U = as_tensor(kernel), as_tensor(recurrent_kernel)
    time, batch, width = gates.shape
    units = width // 4
    u2, u3 = 2 * units, 3 * units
    d_gates = np.empty(gates.shape, np.result_type(gates, g_outputs, dh))
    d_out = _output_cotangents(np.asarray(g_last), np.asarray(g_outputs), time)
    recurrent_t = U.T
    scratch = np.empty((batch, units), d_gates.dtype)
    carried = None
    for k in range(time - 1, -1, -1):
        d_h, carried, (dh, dc), (dh_passed, dc_passed) = _masked(_step_mask(m, k), d_out(k),
                                                                 carried, [dh, dc])
        d_h = d_h + dh
        z, d = gates[k], d_gates[k]
        i, f, cand, o = z[:, :units], z[:, units:u2], z[:, u2:u3], z[:, u3:]
        tanh_c = tanh_cs[k]
        # the output gate: d(o * tanh(c)) / do, and the cell's gradient through tanh(c)
        d_o = d[:, u3:]
        np.multiply(d_h, tanh_c, out=d_o)
        d_o *= o * (1 - o)
        through = np.multiply(tanh_c, tanh_c, out=scratch)
        np.subtract(1, through, out=through)
        through *= o
        through *= d_h
        dc = dc + through
        np.multiply(dc, cand, out=d[:, :units])
        d[:, :units] *= i * (1 - i)
        np.multiply(dc, cs[k], out=d[:, units:u2])
        d[:, units:u2] *= f * (1 - f)
        np.multiply(dc, i, out=d[:, u2:u3])
        d[:, u2:u3] *= 1 - cand * cand
        dh = _plus(d @ recurrent_t, dh_passed)
        dc = _plus(dc * f, dc_passed)
    grads = _weight_gradients(d_gates, flat_inputs, W, go_backwards, Lazy)
    grads["recurrent_kernel"] = lambda: _flat(hs[:-1]).T @ _flat(d_gates)
    grads["initial_states"] = [dh, dc]
    return grads


def gru_forward(inputs, kernel, recurrent_kernel, bias, initial_states, mask=None,
                go_backwards=False, reset_after=False, keep=False):
    """``fused_gru``; with ``keep``, ``(result, tape)``."""
    x, W, U, b, (h0,), mask, units = _arrays("fused_gru", inputs, kernel, recurrent_kernel, bias,
                                             initial_states, mask, check_gru, go_backwards,
                                             reset_after)
    input_bias, recurrent_bias = (b[0], b[1]) if (b is not None and reset_after) else (b, None)
    xs, m = _time_major(x, mask, go_backwards)
    gates, flat_inputs = _projection(xs, W, input_bias)
    time, batch, width = gates.shape
    dtype = gates.dtype
    u2 = 2 * units
    gates_kernel, candidate_kernel = U[:, :u2], U[:, u2:]
    hs = _States(time, batch, units, dtype, h0, kept=True)
    # the recurrent term of the candidate: h @ U_h + b_rec_h with reset_after, else r * h
    second = np.empty((time if keep else 1, batch, units), dtype)
    inner = np.empty((batch, width if reset_after else u2), dtype)
    outputs, previous = None, None
    if m is not None:
        outputs, previous = np.empty((batch, time, units), dtype), np.zeros((batch, units), dtype)
    for k in range(time):
        h, h_next = hs.previous(k), hs.next(k)
        z = gates[k]
        term = second[k if keep else 0]
        if reset_after:
            np.matmul(h, U, out=inner)
            if recurrent_bias is not None:
                inner += recurrent_bias
            z[:, :u2] += inner[:, :u2]
            _sigmoid_(z[:, :u2])
            term[...] = inner[:, u2:]
            z[:, u2:] += z[:, units:u2] * term
        else:
            z[:, :u2] += np.matmul(h, gates_kernel, out=inner)
            _sigmoid_(z[:, :u2])
            np.multiply(z[:, units:u2], h, out=term)
            z[:, u2:] += term @ candidate_kernel
        np.tanh(z[:, u2:], out=z[:, u2:])
        update, candidate = z[:, :units], z[:, u2:]
        np.subtract(h, candidate, out=h_next)
        h_next *= update
        h_next += candidate
        keep_k = _step_mask(m, k)
        if keep_k is not None:
            previous = _masked_output(outputs, previous, k, h_next, keep_k)
            np.copyto(h_next, h, where=~keep_k)
    last, outputs = _outputs(hs, outputs, time)
    result = last, outputs, [hs.next(time - 1).copy()]
    if not keep:
        return result
    return result, (flat_inputs, m, gates, hs.sequence, second)


def gru_backward(g, out, tape, inputs, kernel, recurrent_kernel, bias, initial_states, mask=None,
                 go_backwards=False, reset_after=False):
    """The gradients of ``fused_gru`` from its tape (see :func:`gru_forward`)."""
    from .gradient_rules import Lazy
    g_last, g_outputs, (dh,) = g
    flat_inputs, m, gates, hs, second = tape
    W, U = as_tensor(kernel), as_tensor(recurrent_kernel)
    time, batch, width = gates.shape
    units = width // 3
    u2 = 2 * units
    recurrent_t, gates_kernel_t, candidate_kernel_t = U.T, U[:, :u2].T, U[:, u2:].T
    dtype = np.result_type(gates, g_outputs, dh)
    d_gates = np.empty(gates.shape, dtype)
    d_inner = np.empty(gates.shape, dtype) if reset_after else None
    d_out = _output_cotangents(np.asarray(g_last), np.asarray(g_outputs), time)
    carried = None
    for k in range(time - 1, -1, -1):
        d_h, carried, (dh,), (dh_passed,) = _masked(_step_mask(m, k), d_out(k), carried, [dh])
        d_h = d_h + dh
        z, d = gates[k], d_gates[k]
        update, reset, candidate = z[:, :units], z[:, units:u2], z[:, u2:]
        h_prev = hs[k]
        np.subtract(h_prev, candidate, out=d[:, :units])
        d[:, :units] *= d_h
        d[:, :units] *= update * (1 - update)
        np.multiply(d_h, 1 - update, out=d[:, u2:])
        d[:, u2:] *= 1 - candidate * candidate
        dh = d_h * update
        if reset_after:
            np.multiply(d[:, u2:], second[k], out=d[:, units:u2])
            d[:, units:u2] *= reset * (1 - reset)
            inner = d_inner[k]
            inner[:, :u2] = d[:, :u2]
            np.multiply(d[:, u2:], reset, out=inner[:, u2:])
            dh += inner @ recurrent_t
        else:
            d_reset_h = d[:, u2:] @ candidate_kernel_t
            np.multiply(d_reset_h, h_prev, out=d[:, units:u2])
            d[:, units:u2] *= reset * (1 - reset)
            d_reset_h *= reset
            dh += d_reset_h
            dh += d[:, :u2] @ gates_kernel_t
        dh = _plus(dh, dh_passed)
    grads = _weight_gradients(d_gates, flat_inputs, W, go_backwards, Lazy)
    previous_states = _flat(hs[:-1]).T

    def recurrent_kernel_gradient():
        if reset_after:
            return previous_states @ _flat(d_inner)
        flat = _flat(d_gates)
        return np.concatenate([previous_states @ flat[:, :u2], _flat(second).T @ flat[:, u2:]],
                              axis=1)
    grads["recurrent_kernel"] = recurrent_kernel_gradient
    if reset_after:
        input_bias_gradient = dict.__getitem__(grads, "bias")  # still lazy
        grads["bias"] = lambda: np.stack([input_bias_gradient(), _flat(d_inner).sum(axis=0)])
    grads["initial_states"] = [dh]
    return grads


def fused_lstm(inputs, kernel, recurrent_kernel, bias, initial_states, mask=None,
               go_backwards=False):
    return lstm_forward(inputs, kernel, recurrent_kernel, bias, initial_states, mask, go_backwards)


def fused_gru(inputs, kernel, recurrent_kernel, bias, initial_states, mask=None, go_backwards=False,
              reset_after=False):
    return gru_forward(inputs, kernel, recurrent_kernel, bias, initial_states, mask, go_backwards,
                       reset_after)
