"""``rnn`` on numpy: the shared time loop of ``backends/common/rnn.py``, bound here; the fused
LSTM and GRU (polykeras extensions) of ``fused_rnn.py``."""

from polykeras.backends.common import rnn as _shared
from polykeras.backends.common.ops import bind_all

from .core import OPS
from .fused_rnn import fused_gru, fused_lstm

__all__ = ["rnn", "fused_lstm", "fused_gru"]
globals().update(bind_all(_shared, OPS, ["rnn"]))
