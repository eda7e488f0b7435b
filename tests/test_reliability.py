"""Reliability (issue 15): bad inputs and faults give clear errors or whole results, never
silent wrong values, hangs or half-applied steps. docs/RELIABILITY.md lists every case with
the test that checks it."""

import numpy as np
import pytest


# -- item 5: sqrt's gradient at 0 ------------------------------------------------------

def test_sqrt_gradient_at_zero_is_zero(backend):
    """A Euclidean distance between equal vectors has a gradient of 0 on every backend (PyTorch
    gave NaN: sqrt's derivative is inf at 0)."""
    K = backend
    x = K.placeholder((2, 3))
    y = K.placeholder((2, 3))
    distance = K.sqrt(K.sum(K.square(x - y), axis=-1))
    f = K.function([x, y], K.gradients(K.sum(distance), [x]) + [distance])
    a = np.ones((2, 3), "float32")
    b = a.copy()
    b[1] += [3.0, 0.0, 4.0]  # distance 5: gradient (a - b) / 5
    grad, dist = f([a, b])
    np.testing.assert_array_equal(grad[0], 0.0)
    np.testing.assert_allclose(grad[1], [-0.6, 0.0, -0.8], rtol=1e-6)
    np.testing.assert_allclose(dist, [0.0, 5.0], rtol=1e-6)
