"""The NumPy backend with a faulty ``pow``: exponents of 3 or more lose one."""

import numpy as np

import polykeras.backends.numpy as _base

from ._assemble import assemble


def pow(x, a):
    """Faulty: ``x ** (a - 1)`` where ``a >= 3`` (Adam's ``beta ** t`` from its third step)."""
    a = np.asarray(a)
    return _base.__raw__.pow(x, np.where(a >= 3, a - 1, a).astype(a.dtype))


assemble(globals())
