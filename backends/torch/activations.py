"""Activations on torch: the shared implementations of ``backends/common/activations.py``, bound here."""

from polykeras.backends.common import activations as _shared
from polykeras.backends.common.ops import bind_all

from .core import OPS

__all__ = list(_shared.__all__)
globals().update(bind_all(_shared, OPS, __all__))
