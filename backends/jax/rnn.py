"""``rnn`` on JAX: the time loop compiled with ``jax.lax.scan`` (a Python loop when ``unroll``).

The step function is traced once; masking and the shape checks are the
shared ones of ``backends/common/rnn.py``.
"""

import jax
import jax.numpy as jnp

from polykeras.backends.common import rnn as _shared

from .core import OPS, as_tensor

__all__ = ["rnn"]


def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None, constants=None,
        unroll=False, input_length=None):
    if unroll:
        return _shared.rnn(OPS, step_function, inputs, initial_states, go_backwards, mask,
                           constants, unroll, input_length)
    inputs = as_tensor(inputs)
    mask = None if mask is None else as_tensor(mask)
    shape = _shared._check(OPS, inputs, initial_states, mask, input_length)
    if shape[1] == 0:
        raise ValueError("rnn: Expected at least one time step. Received: inputs of shape " + str(shape))
    states = [as_tensor(s) for s in initial_states]
    step = _shared.masked_step(OPS, step_function, constants or [])
    xs = jnp.swapaxes(inputs, 0, 1)
    masks = None if mask is None else jnp.swapaxes(jnp.reshape(mask, shape[:2]).astype(bool), 0, 1)
    if go_backwards:
        xs = xs[::-1]
        masks = None if masks is None else masks[::-1]
    # the first output's shape and dtype: the carry must hold the previous output
    first = jax.eval_shape(lambda x, s: step(x, None, None, s)[0], xs[0], states)
    prev = jnp.zeros(first.shape, first.dtype)

    def body(carry, slice_):
        prev_output, carry_states = carry
        x_t, m_t = slice_
        output, new_states = step(x_t, m_t, prev_output if m_t is not None else None, carry_states)
        return (output, new_states), output

    (last, final_states), outputs = jax.lax.scan(body, (prev, states), (xs, masks))
    return last, jnp.swapaxes(outputs, 0, 1), list(final_states)
