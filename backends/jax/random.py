"""Random tensors on JAX, drawn from explicit PRNG keys.

:func:`next_key` gives the key each random function uses: for a ``seed``,
the key of that seed; otherwise the next key of the installed key provider
when there is one, else a split of the module-level key. The symbolic graph
installs a provider with :func:`key_provider` while it traces a function for
``jax.jit``, so random ops draw from a key passed into the compiled function
and give fresh numbers on every call.
"""

import contextlib
import dataclasses

import jax

from polykeras.backends.common import random as _shared
from polykeras.backends.common.ops import bind_all

from .core import OPS

_STATE = {"key": None, "provider": None}


def seed(value):
    """Re-seed the module-level key used when a random function gets ``seed=None``."""
    _STATE["key"] = jax.random.PRNGKey(int(value))


def next_key(seed=None):
    """The PRNG key for one random draw (see the module docstring)."""
    if seed is not None:
        return jax.random.PRNGKey(int(seed))
    if _STATE["provider"] is not None:
        return _STATE["provider"]()
    if _STATE["key"] is None:
        import secrets
        _STATE["key"] = jax.random.PRNGKey(secrets.randbits(31))
    _STATE["key"], key = jax.random.split(_STATE["key"])
    return key


@contextlib.contextmanager
def key_provider(provider):
    """Make ``provider() -> key`` the source of keys for unseeded draws, for the ``with`` block."""
    previous = _STATE["provider"]
    _STATE["provider"] = provider
    try:
        yield
    finally:
        _STATE["provider"] = previous


def _sample(kind, shape, dtype, seed):
    key = next_key(seed)
    if kind == "uniform":
        return jax.random.uniform(key, shape, dtype=dtype)
    if kind == "normal":
        return jax.random.normal(key, shape, dtype=dtype)
    return jax.random.truncated_normal(key, -2.0, 2.0, shape, dtype=dtype)


__all__ = list(_shared.__all__)
globals().update(bind_all(_shared, dataclasses.replace(OPS, sample=_sample), __all__))
