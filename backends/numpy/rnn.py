"""``rnn`` on numpy: the shared time loop of ``backends/common/rnn.py`` (bound by
``export_topics``); the fused LSTM and GRU (polykeras extensions) of ``fused_rnn.py``."""

from .fused_rnn import fused_gru, fused_lstm

__all__ = ["fused_lstm", "fused_gru"]
