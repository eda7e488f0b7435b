"""Contract: random tensors and dropout.

``seed`` given: the same numbers on every call with that seed, on one
backend (backends differ from each other). ``seed`` None: fresh numbers.
Float dtypes only (default floatx); another dtype is a ValueError.
"""

from ._declare import api


@api("core", kind="host", random=True)
def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Uniform samples in ``[minval, maxval)``.

    Raises:
        ValueError: ``maxval < minval``, a negative dimension, a non-float dtype.
    """


@api("core", kind="host", random=True)
def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples with ``mean`` and ``stddev``."""


@api("core", kind="host", random=True)
def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples redrawn until within two standard deviations of ``mean``."""


@api("core", kind="host", random=True)
def random_binomial(shape, p=0.0, dtype=None, seed=None):
    """Samples of 1 (probability ``p``) or 0, in a float dtype.

    Raises:
        ValueError: ``p`` outside [0, 1].
    """


@api("core", kind="host")
def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):
    """A variable initialised with :func:`random_uniform` samples in ``[low, high)``."""


@api("core", kind="host")
def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):
    """A variable initialised with :func:`random_normal` samples (``stddev=scale``)."""


@api("core", differentiable=("x",), random=True)
def dropout(x, level, noise_shape=None, seed=None):
    """Set entries of ``x`` to 0 with probability ``level``, scaling the rest by ``1 / (1 -
    level)``.

    Args:
        x: float tensor.
        level: drop probability in [0, 1).
        noise_shape: shape of the keep/drop mask, broadcast to ``x``'s shape
            (each dim equal to ``x``'s or 1; None entries take ``x``'s).

    Raises:
        ValueError: ``level`` outside [0, 1), a non-float ``x``, or a
            ``noise_shape`` that does not broadcast.
    """
