"""CTC on jax: the shared implementations of ``backends/common/ctc.py``, bound here."""

from polykeras.backends.common import ctc as _shared
from polykeras.backends.common.ops import bind_all

from .core import OPS

__all__ = list(_shared.__all__)
globals().update(bind_all(_shared, OPS, __all__))
