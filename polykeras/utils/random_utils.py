"""One backend-independent random generator for initial weights, and seeding.

Initializers draw their numbers here, in NumPy, and only then hand them to
the backend (``K.constant``). So after :func:`set_random_seed` a model gets
bit-identical initial weights on NumPy, PyTorch and JAX, which is what makes
side-by-side comparisons of backends meaningful.
"""

from __future__ import annotations

import random as _python_random

import numpy as np

_GENERATOR = np.random.default_rng()


def global_generator() -> np.random.Generator:
    """The generator initializers use when they are given no ``seed``."""
    return _GENERATOR


def generator(seed=None) -> np.random.Generator:
    """A fresh generator for an explicit ``seed`` (same numbers every call), else the global one.

    Raises:
        ValueError: ``seed`` is not a non-negative integer.
    """
    if seed is None:
        return _GENERATOR
    return np.random.default_rng(_check_seed(seed, "generator"))


#: The seed of the last set_random_seed, applied to backends loaded after it.
_BACKEND_SEED = None


def _check_seed(seed, fn):
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"{fn}: Expected a non-negative integer seed. Received: seed={seed!r}")
    return int(seed)


def set_random_seed(seed):
    """Seed every source of randomness polykeras uses, on every backend.

    Seeds the initializers' generator (so initial weights are the same,
    bit for bit, on every backend), Python's ``random``, NumPy's legacy
    global generator, and the generator of each backend loaded so far
    (dropout and ``K.random_*`` without a seed; those streams differ
    between backends, but each is reproducible).

    Raises:
        ValueError: ``seed`` is not a non-negative integer.
    """
    global _GENERATOR, _BACKEND_SEED
    seed = _check_seed(seed, "set_random_seed")
    _GENERATOR = np.random.default_rng(seed)
    _python_random.seed(seed)
    np.random.seed(seed % 2**32)
    _BACKEND_SEED = seed
    from polykeras.backend.loading import loaded_backends
    for module in loaded_backends():
        seed_backend(module)


def seed_backend(module):
    """Seed a backend's generator with the seed of the last :func:`set_random_seed`, if any.

    Called for the backends loaded when the seed is set, and by the loader for
    a backend loaded afterwards (``set_random_seed`` usually runs before the
    first use of ``K`` loads the backend). ``module.seed`` is the backend protocol's
    member (docs/BACKENDS.md).
    """
    if _BACKEND_SEED is not None:
        module.seed(_BACKEND_SEED)


def use_session_with_seed(seed, disable_gpu=True, disable_parallelism=True, quiet=False):
    """Alias of :func:`set_random_seed`, named as in Keras's R interface.

    ``disable_gpu`` and ``disable_parallelism`` are accepted for compatibility
    with R code; polykeras's initial weights are reproducible without them.
    Prints a one-line notice unless ``quiet``.
    """
    set_random_seed(seed)
    if not quiet:
        print(f"Set polykeras random seed to {seed}")
