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


# -- items 1, 2 and 9: indices and labels are checked, never NaN, 0 or truncated -------------

def _weights_equal(before, after):
    return all(np.array_equal(a, b) for a, b in zip(before, after))


def test_gather_index_out_of_range_raises(backend):
    """Keras 2.2.4's TensorFlow backend raises on an out-of-range gather index (CPU); JAX gave
    NaN rows, a negative index wrapped to the last row."""
    from polykeras.backends.common.checks import OutOfRangeError
    K = backend
    table = np.eye(3, dtype="float32")
    for bad in ([5], [-1], [[0, 1], [2, 3]]):
        with pytest.raises(OutOfRangeError, match=r"^gather: Expected indices in \[0, 3\)"):
            K.gather(table, np.array(bad))
    with pytest.raises(IndexError):  # OutOfRangeError is also an IndexError, as before
        K.gather(table, np.array([3]))
    np.testing.assert_array_equal(K.eval(K.gather(table, np.array([2, 0]))), table[[2, 0]])
    # inside a compiled function (jax.jit on JAX): the error, and no variable changes
    reference = K.variable(table)
    indices = K.placeholder((None,), dtype="int32")
    rows = K.gather(reference, indices)
    f = K.function([indices], [rows], updates=[K.update_add(reference, K.ones_like(reference))])
    with pytest.raises(ValueError, match=r"^gather: Expected indices in \[0, 3\)\. Received: 7"):
        f([np.array([0, 7, 1])])
    np.testing.assert_array_equal(K.get_value(reference), table)
    np.testing.assert_array_equal(f([np.array([1])])[0], table[[1]])
    np.testing.assert_array_equal(K.get_value(reference), table + 1)


def test_embedding_index_out_of_range_stops_fit(backend):
    """An Embedding fed an index >= input_dim (or negative) raises in fit, weights untouched,
    instead of training to NaN (JAX) or using the last row (negative index)."""
    from polykeras.layers import Dense, Embedding, Flatten
    from polykeras.models import Sequential
    from polykeras.utils import set_random_seed
    set_random_seed(3)
    model = Sequential([Embedding(5, 2, input_length=3), Flatten(), Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    before = model.get_weights()
    for x in ([[0, 1, 2], [3, 4, 5]], [[0, -1, 2], [3, 4, 4]]):
        with pytest.raises(ValueError, match=r"^gather: Expected indices in \[0, 5\)"):
            model.fit(np.array(x), np.array([[0], [1]]), batch_size=2, verbose=0)
        assert _weights_equal(before, model.get_weights())
    history = model.fit(np.array([[0, 1, 2], [3, 4, 4]]), np.array([[0], [1]]), verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_sparse_labels_out_of_range_or_fractional_raise(backend):
    """A label outside [0, classes) gave a loss of -0.0 and fit trained on it; a float label of
    1.5 was truncated to 1."""
    from polykeras.backends.common.checks import OutOfRangeError
    K = backend
    probs = np.array([[.2, .3, .5], [.1, .1, .8]], "float32")
    loss = K.sparse_categorical_crossentropy
    for labels in ([5, 0], [0, -1]):
        with pytest.raises(OutOfRangeError, match=r"^sparse_categorical_crossentropy: Expected "
                                                   r"target class labels in \[0, 3\)"):
            loss(np.array(labels), probs)
    for labels in ([1.5, 0.0], [np.nan, 1.0]):
        with pytest.raises(ValueError, match=r"^sparse_categorical_crossentropy: Expected target "
                                              r"class labels with whole-number values"):
            loss(np.array(labels, "float32"), probs)
    # whole-number float labels are fine (a Keras model's targets are floatx)
    np.testing.assert_allclose(K.eval(loss(np.array([2.0, 0.0], "float32"), probs)),
                               -np.log([0.5, 0.1]), rtol=1e-5)


def test_sparse_label_out_of_range_stops_fit(backend):
    from polykeras.layers import Dense
    from polykeras.models import Sequential
    from polykeras.utils import set_random_seed
    set_random_seed(4)
    model = Sequential([Dense(3, activation="softmax", input_dim=2)])
    model.compile("sgd", "sparse_categorical_crossentropy")
    before = model.get_weights()
    x = np.ones((4, 2), "float32")
    with pytest.raises(ValueError, match=r"^sparse_categorical_crossentropy: .*Received: 3"):
        model.fit(x, np.array([[0], [1], [3], [2]]), batch_size=4, verbose=0)
    assert _weights_equal(before, model.get_weights())
    with pytest.raises(ValueError, match="whole-number"):
        model.evaluate(x, np.array([[0], [1.5], [1], [2]]), verbose=0)


def test_float_indices_raise_instead_of_truncating(backend):
    """TensorFlow's gather and one_hot take integer indices; 1.7 was truncated to 1."""
    K = backend
    with pytest.raises(TypeError, match=r"^gather: Expected indices of an integer dtype"):
        K.gather(np.eye(3, dtype="float32"), np.array([1.7]))
    with pytest.raises(TypeError, match=r"^one_hot: Expected indices of an integer dtype"):
        K.one_hot(np.array([1.0, 2.0]), 3)
    np.testing.assert_array_equal(K.eval(K.one_hot(np.array([2, 5]), 3)),
                                  [[0, 0, 1], [0, 0, 0]])  # TensorFlow: out of range -> zeros
