"""Math on jax: what differs from ``backends/common/math.py`` (bound by ``export_topics``)."""

from polykeras.backends.common import math as _shared

from .core import OPS

__all__ = ["sqrt"]


def sqrt(x):
    """Square root, negative inputs clipped to 0 first (as Keras does).

    Written with a guarded ``where`` so the gradient at clipped inputs is 0:
    ``sqrt(clip(x))`` would give ``inf * 0 = NaN`` under ``jax.grad``.
    """
    import jax.numpy as jnp
    x = _shared._float(OPS, x)
    positive = x > 0
    return jnp.where(positive, jnp.sqrt(jnp.where(positive, x, jnp.ones_like(x))),
                     jnp.zeros_like(x))
