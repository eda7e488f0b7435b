"""``rnn`` on numpy: the shared time loop of ``backends/common/rnn.py``, bound here."""

from polykeras.backends.common import rnn as _shared
from polykeras.backends.common.ops import bind_all

from .core import OPS

__all__ = ["rnn"]
globals().update(bind_all(_shared, OPS, __all__))
