"""The NumPy backend with a faulty ``softmax``: it normalises over axis 0 (the batch)."""

import polykeras.backends.numpy as _base

from ._assemble import assemble


def softmax(x, axis=-1):
    """Faulty: ignores ``axis`` and normalises over the first axis."""
    return _base.__raw__.softmax(x, 0)


assemble(globals())
