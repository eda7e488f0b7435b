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
    import time

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
    _set_training_state(model, initial)
    started = time.perf_counter()  # without batch hooks, as below (JAX then runs ahead)
    model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    whole_fit = time.perf_counter() - started

    interrupted = 0
    for trial in range(6):
        _set_training_state(model, initial)
        # Moments within a fit's duration as measured here, so a loaded machine still
        # interrupts fits; a signal that lands after fit returned is caught too (it must not
        # reach pytest).
        timer = threading.Timer(rng.uniform(0.05, 0.7) * whole_fit, os.kill,
                                (os.getpid(), signal.SIGINT))
        finished = False
        timer.start()
        try:
            try:
                model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
                finished = True
            finally:
                timer.join()
                time.sleep(0.01)  # a pending signal is handled here, inside the try
        except KeyboardInterrupt:
            interrupted += not finished
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


# -- item 9: no silent lossy conversion where values enter variables and functions ------------

def test_feeds_refuse_lossy_conversions(backend):
    K = backend
    x = K.placeholder((None,), dtype="int32", name="ids")
    f = K.function([x], [x * 1])
    with pytest.raises(ValueError, match=r"^function: Expected values in \[-2147483648, "
                                         r"2147483647\] for input 'ids'.*1099511627776"):
        f([np.array([2 ** 40])])  # was 0
    with pytest.raises(TypeError, match=r"^function: Expected whole numbers for input 'ids'"):
        f([np.array([1.5])])
    np.testing.assert_array_equal(f([np.array([2.0, 3.0])])[0], [2, 3])  # whole floats: fine
    z = K.placeholder((None,), dtype="float32", name="z")
    g = K.function([z], [z * 1])
    with pytest.raises(TypeError, match=r"^function: Expected numbers for input 'z'\. Received: "
                                        r"an object array holding None"):
        g([np.array([1.0, None], dtype=object)])  # was NaN
    with pytest.raises(ValueError, match=r"^function: Expected values within the range of float32"):
        g([np.array([1e300])])  # was inf
    np.testing.assert_array_equal(g([np.array([1, 2], dtype=object)])[0], [1, 2])


def test_fit_data_refuses_lossy_conversions(backend):
    from polykeras.layers import Dense
    from polykeras.models import Sequential
    model = Sequential([Dense(1, input_dim=2)])
    model.compile("sgd", "mse")
    with pytest.raises(TypeError, match="^fit: Expected numbers for .*holding None"):
        model.fit(np.array([[1.0, None]], dtype=object), np.ones((1, 1)), verbose=0)
    with pytest.raises(ValueError, match="^fit: Expected values within the range of float32"):
        model.fit(np.array([[1.0, 1e300]]), np.ones((1, 1)), verbose=0)


def test_set_value_refuses_lossy_conversions(backend):
    K = backend
    v = K.variable(np.zeros(3), name="w")
    with pytest.raises(ValueError, match=r"^set_value: Expected values within the range of "
                                         r"float32 .* for variable 'w'"):
        K.set_value(v, np.full(3, 1e300))  # was inf
    with pytest.raises(TypeError, match=r"^set_value: Expected numbers for variable 'w'"):
        K.set_value(v, "abc")  # was a framework error naming no function
    with pytest.raises(TypeError, match=r"^set_value: Expected numbers"):
        K.set_value(v, np.array([1.0, None, 2.0], dtype=object))
    np.testing.assert_array_equal(K.get_value(v), 0)
    counts = K.variable(np.zeros(2), dtype="int32", name="counts")
    with pytest.raises(TypeError, match=r"^set_value: Expected whole numbers"):
        K.set_value(counts, [1.5, 2])
    with pytest.raises(ValueError, match=r"^batch_set_value|^set_value"):
        K.batch_set_value([(counts, np.array([2 ** 40, 0]))])
    K.set_value(counts, [1.0, 2.0])
    np.testing.assert_array_equal(K.get_value(counts), [1, 2])


def test_float_update_of_integer_variable_raises(backend):
    K = backend
    counts = K.variable(np.zeros(3), dtype="int32", name="counts")
    with pytest.raises(TypeError, match=r"^update: Expected an integer new_x for variable "
                                        r"'counts'"):
        K.update(counts, np.array([1.7, 2.0, 3.9], "float32"))  # was truncated to [1, 2, 3]
    with pytest.raises(TypeError, match=r"^update_add: Expected an integer increment"):
        K.update_add(counts, 0.5)
    with pytest.raises(TypeError, match=r"^update_sub: "):
        K.update_sub(counts, K.placeholder((3,)))
    f = K.function([], [], updates=[K.update_add(counts, 1)])
    f([])
    np.testing.assert_array_equal(K.get_value(counts), [1, 1, 1])


# -- item 6: one dtype rule on every backend and in the graph --------------------------------

def test_result_dtypes_follow_one_rule(backend):
    """int32 with float32 concatenated was float64 on NumPy only; Python floats and lists were
    float64 on NumPy; the graph inferred float64 for maximum(float32 placeholder, a list) while
    the compiled function returned float32 (docs/ARCHITECTURE.md, "The dtype rule")."""
    K = backend
    ints, floats = np.array([[1, 2]], "int32"), np.array([[0.5, 1.5]], "float32")
    assert K.dtype(K.concatenate([ints, floats])) == "float32"
    assert K.dtype(K.abs(0.5)) == K.dtype(K.abs([0.5, 1.0])) == "float32"
    assert K.dtype(K.abs(3)) == K.dtype(K.abs([3, 4])) == "int32"
    assert K.dtype(K.maximum(np.array([1, 2], "int32"), 0.5)) == "float32"  # 0.5 is not 0
    np.testing.assert_array_equal(K.eval(K.maximum(np.array([0, 2], "int32"), 0.5)), [0.5, 2])
    x = K.placeholder((2,), dtype="float32")
    outputs = [K.maximum(x, [0.5, 0.25]), x + [1.0, 2.0], K.concatenate([K.cast(x, "int32"), x]),
               K.switch(K.greater(x, 0.0), x, K.constant([1, 2], dtype="int32"))]
    values = K.function([x], outputs)([np.array([0.0, 1.0], "float32")])
    for tensor, value in zip(outputs, values):
        assert tensor.dtype == "float32" == str(value.dtype), (tensor, value.dtype)
    np.testing.assert_array_equal(values[0], [0.5, 1.0])
    with pytest.raises(ValueError, match="^maximum: Expected Python integers in"):
        K.maximum(np.array([1], "int8"), 1000)
    K.set_floatx("float64")
    assert K.dtype(K.abs(0.5)) == "float64"
    assert K.dtype(K.maximum(np.array([1.0], "float32"), [0.5])) == "float32"


# -- item 4 (generator part) and item 10 (exhausted generator) ---------------------------------

def _small_model():
    from polykeras.layers import Dense
    from polykeras.models import Sequential
    model = Sequential([Dense(1, input_dim=2)])
    model.compile("sgd", "mse")
    return model


def _within(seconds, fn):
    """``fn()`` in a thread; its exception (or None). Fails instead of hanging the suite."""
    import threading
    outcome = {}

    def run():
        try:
            fn()
            outcome["error"] = None
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            outcome["error"] = exc
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s: a hang"
    return outcome["error"]


@pytest.mark.parametrize("backend", ["numpy"], indirect=True)
@pytest.mark.parametrize("raised", [KeyboardInterrupt, SystemExit])
@pytest.mark.parametrize("workers", [0, 1, 2])
def test_generator_raising_keyboard_interrupt_or_system_exit_does_not_hang(backend, raised,
                                                                           workers):
    """fit_generator hung forever when the generator raised KeyboardInterrupt or SystemExit in
    a worker thread (the worker died, the consumer waited); the exception now reaches the
    caller. The loop is backend-independent: NumPy only."""
    from polykeras.utils import Sequence

    def batches():
        for _ in range(2):
            yield np.ones((2, 2), "float32"), np.ones((2, 1), "float32")
        raise raised()

    class Batches(Sequence):
        def __len__(self):
            return 4

        def __getitem__(self, index):
            if index == 2:
                raise raised()
            return np.ones((2, 2), "float32"), np.ones((2, 1), "float32")

    model = _small_model()
    for data in (batches(), Batches()):
        error = _within(30, lambda data=data: model.fit_generator(
            data, steps_per_epoch=4, epochs=2, workers=workers, verbose=0))
        assert isinstance(error, raised), error
    # the model still trains afterwards
    batch = (np.ones((2, 2), "float32"), np.ones((2, 1), "float32"))
    history = model.fit_generator(iter([batch] * 2), steps_per_epoch=2, workers=workers,
                                  verbose=0)
    assert np.isfinite(history.history["loss"]).all()


@pytest.mark.parametrize("backend", ["numpy"], indirect=True)
@pytest.mark.parametrize("workers", [0, 1])
def test_exhausted_generator_error_names_the_function(backend, workers):
    """An exhausted generator raised an empty StopIteration."""
    from polykeras.engine.training_generator import GeneratorExhausted
    model = _small_model()
    batch = (np.ones((2, 2), "float32"), np.ones((2, 1), "float32"))
    with pytest.raises(StopIteration, match=r"^fit_generator: the generator stopped "
                                            r"\(StopIteration\) after 3 batch\(es\)") as info:
        model.fit_generator(iter([batch] * 3), steps_per_epoch=2, epochs=2, workers=workers,
                            verbose=0)
    assert isinstance(info.value, GeneratorExhausted)
    with pytest.raises(StopIteration, match=r"^evaluate_generator: .* after 1 batch"):
        model.evaluate_generator(iter([batch]), steps=3, workers=workers)
    with pytest.raises(StopIteration, match=r"^predict_generator: .* after 0 batch"):
        model.predict_generator(iter([]), steps=1, workers=workers)


# -- item 10: errors name the API function, with one type on every backend --------------------

def test_errors_name_the_function_alike_on_every_backend(backend):
    K = backend
    with pytest.raises(ValueError, match=r"^argmax: Expected a non-empty reduction"):
        K.argmax(np.zeros((0,), "float32"))  # NumPy: a raw ValueError; PyTorch: IndexError
    with pytest.raises(ValueError, match=r"^argmin: Expected a non-empty reduction"):
        K.argmin(np.zeros((2, 0), "float32"))
    # softmax over an empty axis is empty on every backend (NumPy raised, the others did not)
    assert K.int_shape(K.softmax(np.zeros((2, 0), "float32"))) == (2, 0)
    with pytest.raises(ValueError, match=r"^switch: Expected condition, then_expression and "
                                         r"else_expression of shapes that broadcast"):
        K.switch(np.array([True, False]), np.ones(3), np.zeros(4))
    v = K.variable(np.zeros(3))
    p = K.placeholder((None,))
    f = K.function([p], [], updates=[K.update(v, p)])
    with pytest.raises(ValueError, match=r"^update: Expected new_x of the variable's shape "
                                         r"\(3,\)"):
        f([np.ones(4, "float32")])
    np.testing.assert_array_equal(K.get_value(v), 0)
    g = K.function([p], [], updates=[K.update_add(v, p)])
    with pytest.raises(ValueError, match=r"^update_add: Expected increment"):
        g([np.ones(2, "float32")])


def test_backend_named_by_a_file_path_is_refused():
    """KERAS_BACKEND=../x gave a TypeError about relative imports."""
    from polykeras.backend.loading import load_backend
    for name in ("../x", "./mybackend.py", "a..b", "/tmp/x.y"):
        with pytest.raises(ValueError, match=r"^Unknown backend: .*module name.*"
                                             + name.replace(".", r"\.")):
            load_backend(name)


# -- item 11: no shared fallback config folder, no backend imported on a stranger's word -------

@pytest.fixture
def unusable_home(tmp_path, monkeypatch):
    """KERAS_HOME under a regular file (unusable even for root) and an isolated tempdir."""
    import tempfile
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("")
    monkeypatch.setenv("KERAS_HOME", str(blocker / "keras"))
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return temp


def test_fallback_home_is_private_per_user(unusable_home):
    import os
    import stat

    from polykeras.backend import config
    home = config.keras_home()
    assert home == str(unusable_home / f".keras-{os.getuid()}")  # was the shared /tmp/.keras
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
    assert config.read_keras_json()["backend"] == config.DEFAULT_BACKEND


def test_planted_fallback_folder_is_refused(unusable_home):
    import os

    from polykeras.backend import config
    planted = unusable_home / f".keras-{os.getuid()}"
    planted.mkdir()
    planted.chmod(0o777)
    (planted / "keras.json").write_text('{"backend": "evil.backend"}')
    with pytest.raises(OSError, match=r"^keras_home: .*cannot be trusted: other users can "
                                      r"write to it"):
        config.keras_home()
    planted.chmod(0o700)
    if os.getuid() == 0:  # root can give the folder to someone else
        os.chown(planted, 12345, 12345)
        with pytest.raises(OSError, match="belongs to user id 12345"):
            config.keras_home()


def test_backend_module_from_a_file_others_can_write_is_not_imported(tmp_path, monkeypatch):
    import json

    from polykeras.backend import config
    home = tmp_path / "home"
    home.mkdir()
    (home / "keras.json").write_text(json.dumps({"backend": "evil.backend"}))
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    home.chmod(0o700)
    (home / "keras.json").chmod(0o600)
    assert config.configured_backend_name() == "evil.backend"  # the user's own file: trusted
    (home / "keras.json").chmod(0o666)
    with pytest.warns(UserWarning, match=r"Ignoring the backend 'evil.backend' .*other users "
                                         r"can write to it"):
        assert config.configured_backend_name() == config.DEFAULT_BACKEND
    monkeypatch.setenv("KERAS_BACKEND", "evil.backend")  # an explicit choice is the user's
    assert config.configured_backend_name() == "evil.backend"


# -- item 8: a model used under another backend -------------------------------------------------

@pytest.mark.parametrize("owner,other", [("numpy", "torch"), ("torch", "jax"), ("jax", "numpy"),
                                         ("numpy", "jax"), ("torch", "numpy"), ("jax", "torch")])
def test_model_used_under_another_backend_is_a_clear_error_and_stays_usable(owner, other):
    """3 of the 6 pairs failed with raw framework TypeErrors and the model stayed broken; the
    other 3 wrote foreign arrays into the variables."""
    from polykeras import backend as K
    from polykeras.layers import Dense
    from polykeras.models import Sequential
    x = np.ones((4, 3), "float32")
    with K.use_backend(owner):
        model = Sequential([Dense(2, input_dim=3)])
        model.compile("sgd", "mse")
    with K.use_backend(other):
        for call in (lambda: model.predict(x), lambda: model.fit(x, np.ones((4, 2)), verbose=0)):
            with pytest.raises(ValueError, match=rf"^function: Expected variables of the "
                                                 rf"{other} backend\. Received: variable "
                                                 rf".* of the {owner} backend"):
                call()
    with K.use_backend(owner):
        kernel, bias = model.get_weights()
        np.testing.assert_allclose(model.predict(x), x @ kernel + bias, rtol=1e-6)
        assert type(model.weights[0].value).__module__.split(".")[0] == {
            "numpy": "numpy", "torch": "torch", "jax": "jaxlib"}[owner]


# -- item 7: JAX's compiled programs are bounded and freed -------------------------------------

@pytest.mark.parametrize("backend", ["jax"], indirect=True)
def test_jax_compiled_programs_are_an_lru_freed_by_clear_session_and_deletion(backend):
    """300 batch sizes grew memory from 301 to 846 MiB and nothing freed it."""
    import gc
    import weakref
    K = backend
    x = K.placeholder((None, 2))
    f = K.function([x], [K.sum(x * 2.0, axis=1)])
    f.max_compiled = 3
    for n in range(1, 6):
        np.testing.assert_allclose(f([np.ones((n, 2), "float32")])[0], np.full(n, 4.0))
    assert (f.trace_count, f.compiled_count) == (5, 3)
    f([np.ones((3, 2), "float32")])  # still kept: no new trace
    assert f.trace_count == 5
    f([np.ones((1, 2), "float32")])  # dropped as least recently used: traced again
    assert (f.trace_count, f.compiled_count) == (6, 3)
    K.clear_session()
    assert f.compiled_count == 0
    np.testing.assert_allclose(f([np.ones((1, 2), "float32")])[0], [4.0])  # still works

    from polykeras.layers import Dense
    from polykeras.models import Sequential
    model = Sequential([Dense(2, input_dim=2)])
    model.predict(np.ones((3, 2), "float32"))
    function = weakref.ref(model.predict_function)
    del model
    gc.collect()
    assert function() is None, "the model's compiled function outlived the model"


@pytest.mark.parametrize("backend", ["jax"], indirect=True)
def test_predict_and_evaluate_pad_the_last_batch_instead_of_compiling(backend):
    """predict on 1 to 150 samples recompiled for each size."""
    from polykeras.layers import Dense
    from polykeras.models import Sequential
    from polykeras.utils import set_random_seed
    set_random_seed(1)
    model = Sequential([Dense(3, input_dim=4, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[np.arange(50) % 3]
    kernel, bias = (w.astype("float64") for w in model.get_weights())
    logits = x @ kernel + bias
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    for n in (1, 7, 32, 33, 50):
        np.testing.assert_allclose(model.predict(x[:n], batch_size=32), probs[:n], rtol=1e-5)
        loss = -np.mean(np.log(np.sum(probs[:n] * y[:n], 1)))
        np.testing.assert_allclose(model.evaluate(x[:n], y[:n], batch_size=32, verbose=0), loss,
                                   rtol=1e-5)
    assert model.predict_function.trace_count == 1
    assert model.test_function.trace_count == 1
    # an unweighted metric would count the padding rows: evaluate then runs the true size
    model.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    _, accuracy = model.evaluate(x[:7], y[:7], batch_size=32, verbose=0)
    assert accuracy == pytest.approx(np.mean(probs[:7].argmax(1) == np.arange(7) % 3), rel=1e-6)


@pytest.mark.parametrize("backend", ["jax"], indirect=True)
def test_models_that_may_mix_samples_are_not_padded(backend):
    """Padding rows would enter a batch statistic of a custom layer (here a Lambda centring
    over the batch) and change every real row; such a model runs its true last batch."""
    from polykeras import backend as K
    from polykeras.layers import Dense, Lambda
    from polykeras.models import Sequential
    model = Sequential([Dense(2, input_dim=2, use_bias=False, kernel_initializer="identity"),
                        Lambda(lambda t: t - K.mean(t, axis=0, keepdims=True))])
    x = np.arange(10, dtype="float32").reshape(5, 2)
    np.testing.assert_allclose(model.predict(x, batch_size=4)[4:], [[0., 0.]])
    np.testing.assert_allclose(model.predict(x[:3], batch_size=32), x[:3] - x[:3].mean(0))
