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


# -- item 3: Ctrl-C during fit leaves a whole number of steps -------------------------------

def _interrupt_model():
    from polykeras import optimizers
    from polykeras.layers import Dense
    from polykeras.models import Sequential
    from polykeras.utils import set_random_seed
    set_random_seed(7)
    model = Sequential([Dense(32, activation="relu", input_dim=16), Dense(4)])
    model.compile(optimizers.RMSprop(lr=0.001), "mse")
    return model


def _training_state(model):
    from polykeras import backend as K
    optimizer = model.optimizer
    return [np.array(w) for w in model.get_weights() + K.batch_get_value(
        optimizer.weights + [optimizer.iterations])]


def _set_training_state(model, state):
    from polykeras import backend as K
    optimizer = model.optimizer
    K.batch_set_value(zip(model.weights + optimizer.weights + [optimizer.iterations], state))


def test_sigint_during_fit_leaves_whole_steps_and_fit_resumes(backend):
    """A real SIGINT, delivered by a timer thread at random moments of fit, leaves weights and
    RMSprop accumulators equal to those after a whole number of steps (NumPy left e.g. exactly
    0.9 * v in an accumulator in every trial); fit then resumes."""
    import os
    import signal
    import threading
    from polykeras import backend as K
    from polykeras import callbacks as cbks

    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 16)).astype("float32")
    y = rng.standard_normal((128, 4)).astype("float32")
    model = _interrupt_model()
    model.fit(x[:8], y[:8], epochs=0, verbose=0)  # builds the training function
    initial = _training_state(model)
    snapshots = [initial]
    record = cbks.LambdaCallback(
        on_batch_end=lambda batch, logs: snapshots.append(_training_state(model)))
    model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0, callbacks=[record])

    interrupted = 0
    for trial in range(6):
        _set_training_state(model, initial)
        timer = threading.Timer(rng.uniform(0.001, 0.02), os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        try:
            model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
        except KeyboardInterrupt:
            interrupted += 1
        timer.join()
        state = _training_state(model)
        steps = int(K.get_value(model.optimizer.iterations))
        assert all(np.array_equal(a, b) for a, b in zip(state, snapshots[steps])), \
            f"trial {trial}: the state is not that of {steps} whole steps"
    assert interrupted >= 3, f"only {interrupted} of 6 fits were interrupted"
    # the interrupted fit resumes: one more epoch is exactly 16 more steps, all finite
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    assert int(K.get_value(model.optimizer.iterations)) == steps + 16
    assert all(np.isfinite(w).all() for w in model.get_weights())


def test_interrupt_handler_is_restored_after_each_call(backend):
    """The deferral is scoped to one call: the user's own SIGINT handler is back afterwards and
    sees the deferred signal."""
    import signal
    K = backend
    seen = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
    try:
        v = K.variable(np.zeros(2, "float32"))
        f = K.function([], [v], updates=[K.update_add(v, K.ones_like(v))])
        f([])
        import os
        os.kill(os.getpid(), signal.SIGINT)
        assert seen == [signal.SIGINT]
        assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)
    np.testing.assert_array_equal(K.get_value(v), [1, 1])
