"""``rnn``: iterate a step function over the time axis, written once over :class:`~.ops.Ops`.

Backends with a compiled loop (JAX's ``lax.scan``) pass their own ``scan``;
the others run the Python loop below, which does no host synchronisation
per step (masks are applied with ``where``).
"""

from __future__ import annotations

__all__ = ["rnn"]


def _check(ops, inputs, initial_states, mask, input_length):
    shape = ops.shape_of(inputs)
    if len(shape) < 3:
        raise ValueError("rnn: Expected inputs of rank >= 3 (batch, time, ...). Received: shape "
                         f"{shape}")
    if input_length is not None and int(input_length) != shape[1]:
        raise ValueError(f"rnn: Expected input_length equal to the time dimension {shape[1]}. "
                         f"Received: input_length={input_length!r}")
    if mask is not None:
        mshape = ops.shape_of(mask)
        if mshape[:2] != shape[:2] or any(d != 1 for d in mshape[2:]):
            raise ValueError(f"rnn: Expected a mask of shape (batch, time) = {shape[:2]}. "
                             f"Received: mask of shape {mshape}")
    if not isinstance(initial_states, (list, tuple)):
        raise ValueError("rnn: Expected initial_states to be a list of tensors. "
                         f"Received: {type(initial_states).__name__}")
    return shape


def _broadcast_mask(ops, mask_t, like):
    """A (batch,) bool mask shaped to broadcast against ``like``."""
    return ops.xp.reshape(mask_t, (mask_t.shape[0],) + (1,) * (len(like.shape) - 1))


def _tensor_converter(ops):
    """``ops.as_tensor`` with a fast path: an array of exactly the backend's own array type
    (what API functions return) is returned as is, which is what ``as_tensor`` does with it."""
    types, as_tensor = tuple(ops.tensor_types), ops.as_tensor

    def convert(x):
        return x if type(x) in types else as_tensor(x)
    return convert


def masked_step(ops, step_function, constants):
    """The step of one time slice, with Keras's masking: masked samples keep the previous
    output and states. Returns ``step(x_t, mask_t, prev_output, states) -> (output, states)``."""
    xp = ops.xp
    convert = _tensor_converter(ops)
    constants = list(constants)

    def step(x_t, mask_t, prev_output, states):
        output, new_states = step_function(x_t,
                                           list(states) + constants if constants else list(states))
        output = convert(output)
        new_states = [convert(s) for s in new_states]
        if mask_t is None:
            return output, new_states
        if prev_output is None:
            prev_output = xp.zeros_like(output)
        masks = {}  # one reshaped mask per rank

        def select(new, old):
            rank = len(new.shape)
            if rank not in masks:
                masks[rank] = _broadcast_mask(ops, mask_t, new)
            return xp.where(masks[rank], new, old)
        output = select(output, prev_output)
        new_states = [select(new, old) for new, old in zip(new_states, states)]
        return output, new_states
    return step


def rnn(ops, step_function, inputs, initial_states, go_backwards=False, mask=None, constants=None,
        unroll=False, input_length=None):
    xp = ops.xp
    inputs = ops.as_tensor(inputs)
    mask = None if mask is None else ops.as_tensor(mask)
    shape = _check(ops, inputs, initial_states, mask, input_length)
    if mask is not None:
        mask = xp.astype(xp.reshape(mask, shape[:2]), ops.native_dtype("bool"))
    states = [ops.as_tensor(s) for s in initial_states]
    step = masked_step(ops, step_function, constants or [])
    if shape[1] == 0:
        raise ValueError("rnn: Expected at least one time step. Received: inputs of shape "
                         + str(shape))
    times = range(shape[1] - 1, -1, -1) if go_backwards else range(shape[1])
    outputs = []
    prev_output = None
    for t in times:
        prev_output, states = step(inputs[:, t], None if mask is None else mask[:, t], prev_output,
                                   states)
        outputs.append(prev_output)
    stacked = xp.stack(outputs, axis=1)
    return outputs[-1], stacked, states
