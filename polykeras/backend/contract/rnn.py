"""Contract: iterating a step function over time."""

from ._declare import api


@api("nn", differentiable=("inputs", "initial_states", "constants"),
     higher_order="step_function", subgraph="rnn")
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


# -- polykeras extensions: not in Keras 2.2.4's backend ------------------------------------

def _default(name):
    """``default(module)``: the function ``name`` of ``backends/common/fused_rnn.py`` computed
    with ``module.rnn`` and the module's other API functions (for a backend without its own)."""
    def default(module):
        from polykeras.backends.common import fused_rnn

        via_rnn = getattr(fused_rnn, name)
        if name == "lstm_via_rnn":
            def implementation(inputs, kernel, recurrent_kernel, bias, initial_states, mask=None,
                               go_backwards=False):
                return via_rnn(module, inputs, kernel, recurrent_kernel, bias, initial_states, mask,
                               go_backwards)
        else:
            def implementation(inputs, kernel, recurrent_kernel, bias, initial_states, mask=None,
                               go_backwards=False, reset_after=False):
                return via_rnn(module, inputs, kernel, recurrent_kernel, bias, initial_states, mask,
                               go_backwards, reset_after)
        return implementation
    return default


@api("extension", differentiable=("inputs", "kernel", "recurrent_kernel", "bias", "initial_states"),
     default=_default("lstm_via_rnn"))
def fused_lstm(inputs, kernel, recurrent_kernel, bias, initial_states, mask=None,
               go_backwards=False):
    """A whole LSTM layer's recurrence in one call (a polykeras extension: Keras 2.2.4's
    backend has no such function; the LSTM layer uses it when its cell is the standard one).

    Computes exactly what ``rnn`` computes with the step of Keras 2.2.4's ``LSTMCell`` with
    ``activation='tanh'`` and ``recurrent_activation='sigmoid'``::

        z = x_t @ kernel + bias + h @ recurrent_kernel      # gate blocks (i, f, c, o)
        i, f, o = sigmoid(z_i), sigmoid(z_f), sigmoid(z_o)
        c = f * c + i * tanh(z_c);  h = o * tanh(c);  output = h

    with ``rnn``'s masking (a masked step keeps the previous output, zeros before the
    first, and the previous states) and ``go_backwards`` (``outputs`` in processing order).
    Backends run a framework's fused kernel where one applies (PyTorch's LSTM, one
    ``lax.scan`` on JAX, one preallocated loop with hand-written backpropagation on NumPy);
    results equal the generic path within float32 tolerance.

    Optional for a backend: one that leaves it out gets a default built on its ``rnn``.

    Args:
        inputs: (batch, time, input_dim) float tensor.
        kernel: (input_dim, 4 * units).
        recurrent_kernel: (units, 4 * units).
        bias: (4 * units,) or None.
        initial_states: list ``[h0, c0]``, each (batch, units).
        mask: optional (batch, time) tensor (bool or 0/1).
        go_backwards: process the sequence from its last step.

    Returns:
        ``(last_output, outputs, [h, c])``: (batch, units), (batch, time, units), and the
        final states (batch, units); in the dtype of the inputs. Differentiable with respect
        to inputs, kernel, recurrent_kernel, bias and initial_states.

    Raises:
        ValueError: inputs not of rank 3 or with zero steps, weights or states of the wrong
            shape, a mask not (batch, time), initial_states not a list of two tensors.
    """


@api("extension", differentiable=("inputs", "kernel", "recurrent_kernel", "bias", "initial_states"),
     default=_default("gru_via_rnn"))
def fused_gru(inputs, kernel, recurrent_kernel, bias, initial_states, mask=None, go_backwards=False,
              reset_after=False):
    """A whole GRU layer's recurrence in one call (a polykeras extension: Keras 2.2.4's
    backend has no such function; the GRU layer uses it when its cell is the standard one).

    Computes exactly what ``rnn`` computes with the step of Keras 2.2.4's ``GRUCell`` with
    ``activation='tanh'`` and ``recurrent_activation='sigmoid'``; gate blocks (z, r, h)::

        x = x_t @ kernel + b_in;  u = h @ recurrent_kernel (+ b_rec with reset_after)
        z, r = sigmoid(x_z + u_z), sigmoid(x_r + u_r)
        reset_after=False:  hh = tanh(x_h + (r * h) @ recurrent_kernel_h)
        reset_after=True:   hh = tanh(x_h + r * u_h)
        h = z * h + (1 - z) * hh;  output = h

    with ``rnn``'s masking and ``go_backwards`` (see :func:`fused_lstm`). PyTorch's fused
    GRU is the ``reset_after=True`` form.

    Optional for a backend: one that leaves it out gets a default built on its ``rnn``.

    Args:
        inputs: (batch, time, input_dim) float tensor.
        kernel: (input_dim, 3 * units).
        recurrent_kernel: (units, 3 * units).
        bias: None; (3 * units,) (``b_in``) when ``reset_after`` is False; (2, 3 * units)
            (row 0 ``b_in``, row 1 ``b_rec``) when it is True, as Keras's GRUCell.
        initial_states: list ``[h0]``, (batch, units).
        mask: optional (batch, time) tensor (bool or 0/1).
        go_backwards: process the sequence from its last step.
        reset_after: apply the reset gate after the recurrent product (see above).

    Returns:
        ``(last_output, outputs, [h])``: (batch, units), (batch, time, units), and the final
        state; in the dtype of the inputs. Differentiable with respect to inputs, kernel,
        recurrent_kernel, bias and initial_states.

    Raises:
        ValueError: inputs not of rank 3 or with zero steps, weights, bias or state of the
            wrong shape, a mask not (batch, time), initial_states not a list of one tensor.
    """
