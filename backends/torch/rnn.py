"""``rnn`` on torch: the shared time loop of ``backends/common/rnn.py`` (bound by
``export_topics``).

``fused_lstm`` / ``fused_gru`` (polykeras extensions) run PyTorch's fused
LSTM and GRU kernels (``torch._VF.lstm`` / ``torch._VF.gru``, what
``torch.nn.LSTM``/``GRU`` call) with the Keras weights remapped to PyTorch's
layout: transposed, and for the GRU the gate blocks reordered from Keras's
(z, r, h) to PyTorch's (r, z, n). PyTorch's GRU is Keras's ``reset_after=True``
form. A masked sequence, ``reset_after=False`` and dtypes the kernels do not
take run the generic computation (``backends/common/fused_rnn.py``) over this
backend's ``rnn``.
"""

from types import SimpleNamespace

import torch

from polykeras.backends.common import activations as _activations
from polykeras.backends.common import core as _core
from polykeras.backends.common import fused_rnn as _fused
from polykeras.backends.common import math as _math
from polykeras.backends.common import rnn as _shared
from polykeras.backends.common.ops import bind

from .activations import sigmoid
from .core import OPS, as_tensor

__all__ = ["fused_lstm", "fused_gru"]

#: The API functions the generic computation uses, undispatched.
_API = SimpleNamespace(rnn=bind(_shared.rnn, OPS), dot=bind(_math.dot, OPS), sigmoid=sigmoid,
                       tanh=bind(_activations.tanh, OPS), int_shape=bind(_core.int_shape, OPS))
_KERNEL_DTYPES = (torch.float32, torch.float64)


def _tensors(inputs, kernel, recurrent_kernel, bias, initial_states, mask):
    return (as_tensor(inputs), as_tensor(kernel), as_tensor(recurrent_kernel),
            None if bias is None else as_tensor(bias),
            [as_tensor(s) for s in initial_states] if isinstance(initial_states, (list, tuple))
            else initial_states, None if mask is None else as_tensor(mask))


def _fusable(x, W, U, b, states, mask):
    """Whether PyTorch's kernel computes this call: no mask, one float dtype it takes."""
    if mask is not None or not isinstance(states, list) or x.dtype not in _KERNEL_DTYPES:
        return False
    return all(t.dtype == x.dtype for t in [W, U] + states + ([] if b is None else [b]))


def _shape(t):
    return None if t is None else tuple(t.shape)


def _sequence(x, go_backwards):
    return torch.flip(x, (1,)) if go_backwards else x


def fused_lstm(inputs, kernel, recurrent_kernel, bias, initial_states, mask=None,
               go_backwards=False):
    arrays = _tensors(inputs, kernel, recurrent_kernel, bias, initial_states, mask)
    x, W, U, b, states, mask = arrays
    if not _fusable(*arrays):
        return _fused.lstm_via_rnn(_API, *arrays, go_backwards)
    _fused.check_lstm(_shape(x), _shape(W), _shape(U), _shape(b), [_shape(s) for s in states], None,
                      go_backwards)
    weights = [W.t(), U.t()] + ([b, torch.zeros_like(b)] if b is not None else [])
    h0, c0 = (s.unsqueeze(0) for s in states)
    # (input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)
    outputs, h, c = torch._VF.lstm(_sequence(x, go_backwards), (h0, c0), weights, b is not None,
                                   1, 0.0, False, False, True)
    return outputs[:, -1], outputs, [h[0], c[0]]


def _torch_gate_order(w, units):
    """Keras's (z, r, h) gate blocks along the last axis as PyTorch's (r, z, n)."""
    return torch.cat([w[..., units:2 * units], w[..., :units], w[..., 2 * units:]], dim=-1)


def fused_gru(inputs, kernel, recurrent_kernel, bias, initial_states, mask=None, go_backwards=False,
              reset_after=False):
    arrays = _tensors(inputs, kernel, recurrent_kernel, bias, initial_states, mask)
    x, W, U, b, states, mask = arrays
    if not (reset_after and _fusable(*arrays)):
        return _fused.gru_via_rnn(_API, *arrays, go_backwards, reset_after)
    units = _fused.check_gru(_shape(x), _shape(W), _shape(U), _shape(b),
                             [_shape(s) for s in states], None, go_backwards, reset_after)
    weights = [_torch_gate_order(W, units).t(), _torch_gate_order(U, units).t()]
    if b is not None:
        weights += [_torch_gate_order(b[0], units), _torch_gate_order(b[1], units)]
    outputs, h = torch._VF.gru(_sequence(x, go_backwards), states[0].unsqueeze(0), weights,
                               b is not None, 1, 0.0, False, False, True)
    return outputs[:, -1], outputs, [h[0]]
