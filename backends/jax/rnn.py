"""``rnn`` on JAX: the time loop compiled with ``jax.lax.scan`` (a Python loop when ``unroll``).

The step function is traced once; masking and the shape checks are the
shared ones of ``backends/common/rnn.py``.

``fused_lstm`` / ``fused_gru`` (polykeras extensions) are the generic
computation of ``backends/common/fused_rnn.py`` over this ``rnn``: one
``lax.scan`` whose step does both matrix products and the gates. Hoisting the
input projection out of the loop (one product for all steps) measured slower
on the CPU, forward and backward (batch 64, 40 steps, 32 features, 64 units:
about 17 ms against 12 ms per training step), so each step projects its own
input.
"""

import contextlib
import functools
from types import SimpleNamespace

import jax
import jax.numpy as jnp

from polykeras.backends.common import activations as _activations
from polykeras.backends.common import core as _core
from polykeras.backends.common import fused_rnn as _fused
from polykeras.backends.common import math as _math
from polykeras.backends.common import rnn as _shared
from polykeras.backends.common.ops import bind

from . import random as jax_random
from .activations import sigmoid
from .core import OPS, as_tensor

dot, int_shape = bind(_math.dot, OPS), bind(_core.int_shape, OPS)
tanh = bind(_activations.tanh, OPS)

__all__ = ["rnn", "fused_lstm", "fused_gru"]


def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None, constants=None,
        unroll=False, input_length=None):
    if unroll:
        return _shared.rnn(OPS, step_function, inputs, initial_states, go_backwards, mask,
                           constants, unroll, input_length)
    inputs = as_tensor(inputs)
    mask = None if mask is None else as_tensor(mask)
    shape = _shared._check(OPS, inputs, initial_states, mask, input_length)
    if shape[1] == 0:
        raise ValueError("rnn: Expected at least one time step. Received: inputs of shape "
                         + str(shape))
    states = [as_tensor(s) for s in initial_states]
    step = _shared.masked_step(OPS, step_function, constants or [])
    xs = jnp.swapaxes(inputs, 0, 1)
    masks = None if mask is None else jnp.swapaxes(jnp.reshape(mask, shape[:2]).astype(bool), 0, 1)
    if go_backwards:
        xs = xs[::-1]
        masks = None if masks is None else masks[::-1]
    # the first output's shape and dtype (the carry must hold the previous output), and
    # whether the step draws random numbers (dropout inside the step)
    first, draws = _probe_step(step, xs[0], states)
    prev = jnp.zeros(first.shape, first.dtype)

    def body(carry, slice_):
        prev_output, carry_states, key = carry
        x_t, m_t = slice_
        with _keys_from(key) as keys:
            output, new_states = step(x_t, m_t, prev_output if m_t is not None else None,
                                      carry_states)
        return (output, new_states, keys[0]), output

    # A step that draws gets its keys from one carried through the loop: a key split from the
    # caller's inside the traced body would leak out of the scan.
    key = jax_random.next_key() if draws else None
    (last, final_states, _), outputs = jax.lax.scan(body, (prev, states, key), (xs, masks))
    return last, jnp.swapaxes(outputs, 0, 1), list(final_states)


def _probe_step(step, x, states):
    """``(shape and dtype of the step's output, whether the step draws random numbers)``."""
    draws = []

    def provider():
        draws.append(True)
        return jax.random.PRNGKey(0)
    with jax_random.key_provider(provider):
        first = jax.eval_shape(lambda x, s: step(x, None, None, s)[0], x, states)
    return first, bool(draws)


@contextlib.contextmanager
def _keys_from(key):
    """Unseeded draws inside the block split ``key``; yields ``[latest key]``."""
    keys = [key]
    if key is None:
        yield keys
        return

    def provider():
        keys[0], sub = jax.random.split(keys[0])
        return sub
    with jax_random.key_provider(provider):
        yield keys


#: The API functions the fused computation uses, undispatched.
_API = SimpleNamespace(rnn=rnn, dot=dot, sigmoid=sigmoid, tanh=tanh, int_shape=int_shape)


def _arrays(inputs, kernel, recurrent_kernel, bias, initial_states, mask):
    """The arguments as JAX arrays: ``initial_states`` is a list of tensors; every other
    argument is one tensor (a Python list there is a nested list of numbers)."""
    def convert(v):
        return None if v is None else as_tensor(v)
    states = [as_tensor(s) for s in initial_states] \
        if isinstance(initial_states, (list, tuple)) else convert(initial_states)
    return [convert(inputs), convert(kernel), convert(recurrent_kernel), convert(bias), states,
            convert(mask)]


def _flag(fn, name, value):
    if not isinstance(value, bool) and value not in (0, 1):
        raise ValueError(f"{fn}: Expected {name} to be a bool. Received: {value!r}")
    return bool(value)


# Compiled once per shapes, dtypes and flags: an eager call would otherwise retrace and
# recompile its lax.scan every time. Inside a traced K.function the jit is inlined.
@functools.partial(jax.jit, static_argnames=("go_backwards",))
def _lstm(inputs, kernel, recurrent_kernel, bias, initial_states, mask, go_backwards):
    return _fused.lstm_via_rnn(_API, inputs, kernel, recurrent_kernel, bias, initial_states, mask,
                               go_backwards, hoist=False)


@functools.partial(jax.jit, static_argnames=("go_backwards", "reset_after"))
def _gru(inputs, kernel, recurrent_kernel, bias, initial_states, mask, go_backwards, reset_after):
    return _fused.gru_via_rnn(_API, inputs, kernel, recurrent_kernel, bias, initial_states, mask,
                              go_backwards, reset_after, hoist=False)


def fused_lstm(inputs, kernel, recurrent_kernel, bias, initial_states, mask=None,
               go_backwards=False):
    go_backwards = _flag("fused_lstm", "go_backwards", go_backwards)
    arrays = _arrays(inputs, kernel, recurrent_kernel, bias, initial_states, mask)
    return _lstm(*arrays, go_backwards)


def fused_gru(inputs, kernel, recurrent_kernel, bias, initial_states, mask=None, go_backwards=False,
              reset_after=False):
    go_backwards = _flag("fused_gru", "go_backwards", go_backwards)
    reset_after = _flag("fused_gru", "reset_after", reset_after)
    arrays = _arrays(inputs, kernel, recurrent_kernel, bias, initial_states, mask)
    return _gru(*arrays, go_backwards, reset_after)
