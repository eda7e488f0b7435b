"""Contract: iterating a step function over time."""

from ._declare import api


@api("nn", differentiable=("inputs", "initial_states", "constants"))
def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None, constants=None,
        unroll=False, input_length=None):
    """Iterate ``step_function`` over the time axis (axis 1) of ``inputs``.

    Args:
        step_function: ``step_function(input_t, states) -> (output_t, new_states)``
            where ``input_t`` is ``inputs[:, t]``, ``states`` the list of current
            states followed by ``constants``, and ``new_states`` a list of
            tensors shaped like the states. Written with API functions.
        inputs: tensor (batch, time, ...), rank >= 3.
        initial_states: list of tensors (batch, ...).
        go_backwards: iterate from the last step to the first; outputs are
            then in processing order (``outputs[:, 0]`` is the last step).
        mask: optional (batch, time) tensor (bool or 0/1): a masked step keeps
            the previous output (zeros before the first) and the previous states.
        constants: optional list of tensors passed to every step after the states.
        unroll: unroll the loop in Python instead of a compiled loop (same results).
        input_length: optional; when given it must equal the time dimension.

    Returns:
        ``(last_output, outputs, new_states)``: the last step's output
        (batch, ...), all outputs stacked (batch, time, ...), and the final
        states.

    Raises:
        ValueError: inputs of rank < 3, zero time steps, a mask of the wrong
            shape, ``initial_states`` not a list, or a wrong ``input_length``.
    """
