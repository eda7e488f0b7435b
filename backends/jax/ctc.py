"""CTC on jax: the shared implementations of ``backends/common/ctc.py``, bound here.

The forward recursion is a ``lax.scan`` (``Ops.scan``); the whole forward
algorithm is compiled with ``jax.jit`` once per input shape, instead of
re-tracing the scan on every eager call (inside a traced ``K.function`` the
jit is simply inlined).
"""

import dataclasses

import jax

from polykeras.backends.common import ctc as _shared
from polykeras.backends.common.ops import bind_all

from .core import OPS

_compiled_forward = jax.jit(_shared.ctc_forward, static_argnums=0)

__all__ = list(_shared.__all__)
globals().update(bind_all(_shared, dataclasses.replace(OPS, ctc_forward=_compiled_forward), __all__))
