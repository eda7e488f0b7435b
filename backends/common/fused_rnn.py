"""``fused_lstm`` and ``fused_gru`` (polykeras extensions): what every backend shares.

The equations are those of Keras 2.2.4's ``LSTMCell`` and ``GRUCell`` with
``activation='tanh'`` and ``recurrent_activation='sigmoid'``, run with the
masking and ``go_backwards`` semantics of ``rnn``. Weights keep Keras's
layout: ``kernel`` (input_dim, gates * units) and ``recurrent_kernel``
(units, gates * units) with the gate blocks in Keras's order, LSTM
``(i, f, c, o)``, GRU ``(z, r, h)``.

* :func:`check_lstm` / :func:`check_gru`: the argument checks, on static
  shapes, with the errors every backend raises.
* :func:`lstm_via_rnn` / :func:`gru_via_rnn`: the computation written with
  API functions of a backend namespace ``K`` (``rnn``, ``dot``, ``sigmoid``,
  ``tanh``, ``int_shape``) and Python operators: with ``hoist`` the input
  projection of all steps is one ``dot`` before the loop (faster for a loop
  run step by step), else each step does its own. It is the default a
  third-party backend gets (``contract.rnn``), PyTorch's fallback where its
  fused kernel does not apply, and the JAX implementation (one ``lax.scan``;
  there the projection inside the step measured faster).
"""

from __future__ import annotations

LSTM_GATES = 4
GRU_GATES = 3


def _shape_text(shape):
    return "None" if shape is None else str(tuple(shape))


def _check_common(fn, gates, inputs_shape, kernel_shape, recurrent_shape, state_shapes, n_states,
                  mask_shape, go_backwards):
    """Shared checks; returns ``units``."""
    if len(inputs_shape) != 3:
        raise ValueError(f"{fn}: Expected inputs of rank 3 (batch, time, input_dim). "
                         f"Received: shape {_shape_text(inputs_shape)}")
    batch, time, input_dim = inputs_shape
    if time == 0:
        raise ValueError(f"{fn}: Expected at least one time step. Received: inputs of shape "
                         f"{_shape_text(inputs_shape)}")
    if len(recurrent_shape) != 2 or recurrent_shape[1] is None or recurrent_shape[0] is None \
            or recurrent_shape[1] != gates * recurrent_shape[0]:
        raise ValueError(f"{fn}: Expected recurrent_kernel of shape (units, {gates} * units). "
                         f"Received: shape {_shape_text(recurrent_shape)}")
    units = recurrent_shape[0]
    rows = None if len(kernel_shape) != 2 else kernel_shape[0]
    if len(kernel_shape) != 2 or kernel_shape[1] != gates * units or \
            (input_dim is not None and rows is not None and rows != input_dim):
        raise ValueError(f"{fn}: Expected kernel of shape (input_dim, {gates} * units) = "
                         f"({input_dim}, {gates * units}) for inputs of shape "
                         f"{_shape_text(inputs_shape)} and {units} units. "
                         f"Received: shape {_shape_text(kernel_shape)}")
    if not isinstance(state_shapes, (list, tuple)) or len(state_shapes) != n_states:
        what = "[h, c]" if n_states == 2 else "[h]"
        got = (f"{len(state_shapes)} tensor(s)" if isinstance(state_shapes, (list, tuple))
               else type(state_shapes).__name__)
        raise ValueError(f"{fn}: Expected initial_states to be a list {what} of {n_states} "
                         f"tensor(s) (batch, units). Received: {got}")
    for i, shape in enumerate(state_shapes):
        if len(shape) != 2 or (shape[1] is not None and shape[1] != units) or \
                (batch is not None and shape[0] is not None and shape[0] != batch):
            raise ValueError(f"{fn}: Expected initial state {i} of shape (batch, units) = "
                             f"({batch}, {units}). Received: shape {_shape_text(shape)}")
    if mask_shape is not None:
        conflicting = any(a is not None and b is not None and a != b
                          for a, b in zip(mask_shape[:2], inputs_shape[:2]))
        if len(mask_shape) < 2 or any(d not in (1, None) for d in mask_shape[2:]) or conflicting:
            raise ValueError(f"{fn}: Expected a mask of shape (batch, time) = ({batch}, {time}). "
                             f"Received: mask of shape {_shape_text(mask_shape)}")
    if not isinstance(go_backwards, bool) and go_backwards not in (0, 1):
        raise ValueError(f"{fn}: Expected go_backwards to be a bool. Received: {go_backwards!r}")
    return units


def check_lstm(inputs_shape, kernel_shape, recurrent_shape, bias_shape, state_shapes,
               mask_shape=None, go_backwards=False):
    """Check the arguments of ``fused_lstm`` by their static shapes (None: unknown dim; a
    ``bias_shape`` or ``mask_shape`` of None: no bias, no mask); return ``units``.

    Raises:
        ValueError: naming ``fused_lstm``, what was expected and what was received.
    """
    units = _check_common("fused_lstm", LSTM_GATES, inputs_shape, kernel_shape, recurrent_shape,
                          state_shapes, 2, mask_shape, go_backwards)
    if bias_shape is not None and tuple(bias_shape) != (LSTM_GATES * units,):
        raise ValueError(f"fused_lstm: Expected bias of shape ({LSTM_GATES * units},) or None. "
                         f"Received: shape {_shape_text(bias_shape)}")
    return units


def check_gru(inputs_shape, kernel_shape, recurrent_shape, bias_shape, state_shapes,
              mask_shape=None, go_backwards=False, reset_after=False):
    """Check the arguments of ``fused_gru`` (see :func:`check_lstm`); return ``units``."""
    units = _check_common("fused_gru", GRU_GATES, inputs_shape, kernel_shape, recurrent_shape,
                          state_shapes, 1, mask_shape, go_backwards)
    if not isinstance(reset_after, bool) and reset_after not in (0, 1):
        raise ValueError(f"fused_gru: Expected reset_after to be a bool. Received: {reset_after!r}")
    want = (2, GRU_GATES * units) if reset_after else (GRU_GATES * units,)
    if bias_shape is not None and tuple(bias_shape) != want:
        raise ValueError(f"fused_gru: Expected bias of shape {want} or None with "
                         f"reset_after={bool(reset_after)}. "
                         f"Received: shape {_shape_text(bias_shape)}")
    return units


def _state_shapes(K, initial_states):
    if not isinstance(initial_states, (list, tuple)):
        return initial_states
    return [tuple(K.int_shape(s)) for s in initial_states]


def _optional_shape(K, x):
    return None if x is None else tuple(K.int_shape(x))


def _projection(K, kernel, bias):
    """``project(x) = x @ kernel + bias`` (``bias`` may be None)."""
    def project(x):
        z = K.dot(x, kernel)
        return z if bias is None else z + bias
    return project


def lstm_via_rnn(K, inputs, kernel, recurrent_kernel, bias, initial_states, mask=None,
                 go_backwards=False, hoist=True):
    """``fused_lstm`` computed with ``K.rnn`` and API functions of the namespace ``K``; with
    ``hoist``, the input projection of all steps is one product before the loop."""
    units = check_lstm(tuple(K.int_shape(inputs)), tuple(K.int_shape(kernel)),
                       tuple(K.int_shape(recurrent_kernel)), _optional_shape(K, bias),
                       _state_shapes(K, initial_states), _optional_shape(K, mask), go_backwards)
    project = _projection(K, kernel, bias)
    sequence = project(inputs) if hoist else inputs

    def step(x_t, states):
        h, c = states[0], states[1]
        z = (x_t if hoist else project(x_t)) + K.dot(h, recurrent_kernel)
        i = K.sigmoid(z[:, :units])
        f = K.sigmoid(z[:, units:2 * units])
        c = f * c + i * K.tanh(z[:, 2 * units:3 * units])
        h = K.sigmoid(z[:, 3 * units:]) * K.tanh(c)
        return h, [h, c]
    last, outputs, states = K.rnn(step, sequence, list(initial_states),
                                  go_backwards=bool(go_backwards), mask=mask)
    return last, outputs, list(states)


def gru_via_rnn(K, inputs, kernel, recurrent_kernel, bias, initial_states, mask=None,
                go_backwards=False, reset_after=False, hoist=True):
    """``fused_gru`` computed with ``K.rnn`` and API functions of the namespace ``K`` (see
    :func:`lstm_via_rnn` for ``hoist``)."""
    units = check_gru(tuple(K.int_shape(inputs)), tuple(K.int_shape(kernel)),
                      tuple(K.int_shape(recurrent_kernel)), _optional_shape(K, bias),
                      _state_shapes(K, initial_states), _optional_shape(K, mask), go_backwards,
                      reset_after)
    input_bias = recurrent_bias = None
    if bias is not None:
        input_bias, recurrent_bias = (bias[0], bias[1]) if reset_after else (bias, None)
    project = _projection(K, kernel, input_bias)
    sequence = project(inputs) if hoist else inputs
    gates_kernel = recurrent_kernel[:, :2 * units]
    candidate_kernel = recurrent_kernel[:, 2 * units:]

    def step(x_t, states):
        h = states[0]
        if not hoist:
            x_t = project(x_t)
        if reset_after:
            inner = K.dot(h, recurrent_kernel)
            if recurrent_bias is not None:
                inner = inner + recurrent_bias
        else:
            inner = K.dot(h, gates_kernel)
        z = K.sigmoid(x_t[:, :units] + inner[:, :units])
        r = K.sigmoid(x_t[:, units:2 * units] + inner[:, units:2 * units])
        if reset_after:
            candidate = K.tanh(x_t[:, 2 * units:] + r * inner[:, 2 * units:])
        else:
            candidate = K.tanh(x_t[:, 2 * units:] + K.dot(r * h, candidate_kernel))
        h = z * h + (1 - z) * candidate
        return h, [h]
    last, outputs, states = K.rnn(step, sequence, list(initial_states),
                                  go_backwards=bool(go_backwards), mask=mask)
    return last, outputs, list(states)
