"""The NumPy backend with a faulty ``maximum``: its blocked path (100 elements or more) writes
the first block's results into the second half too."""

import numpy as np

import polykeras.backends.numpy as _base

from ._assemble import assemble


def maximum(x, y):
    """Faulty for results of 100 or more elements: the second half repeats the first half."""
    out = np.array(_base.__raw__.maximum(x, y))
    if out.size >= 100:
        flat = out.reshape(-1)
        half = flat.size // 2
        flat[half:2 * half] = flat[:half]
    return out


assemble(globals())
