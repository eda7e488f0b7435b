"""Training on every backend: fit/evaluate/predict, generators, weighting, errors, callbacks."""

import threading

import numpy as np
import pytest

from polykeras import callbacks as cbks
from polykeras import losses, optimizers
from polykeras.layers import Dense, Input
from polykeras.models import Model, Sequential
from polykeras.utils import Sequence, set_random_seed

SEED = 20240607


def _blobs(n=64, seed=SEED):
    """Two well separated Gaussian blobs in 2-D: x (n, 2) float32, y (n, 1) in {0, 1}."""
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 2).astype("float32")
    x = rng.standard_normal((n, 2)).astype("float32") * 0.5
    x += np.where(y[:, None] > 0, 2., -2.).astype("float32")
    return x, y[:, None]


def _binary_model(lr=0.1, optimizer=None):
    set_random_seed(SEED)
    model = Sequential([Dense(1, activation="sigmoid", input_dim=2)])
    model.compile(optimizer or optimizers.SGD(lr=lr), "binary_crossentropy", metrics=["accuracy"])
    return model


def _linear_model(units=1, input_dim=3, seed=SEED):
    set_random_seed(seed)
    model = Sequential([Dense(units, input_dim=input_dim)])
    model.compile(optimizers.SGD(lr=0.05), "mse")
    return model


class Recorder(cbks.Callback):
    """Records batches per epoch, epoch numbers, weights at epoch ends, and validation data."""

    def on_train_begin(self, logs=None):
        self.batches, self.epochs, self.weights = [], [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.seen_validation = self.validation_data  # set by fit after on_train_begin
        self.batches.append(0)
        self.epochs.append(epoch)

    def on_batch_end(self, batch, logs=None):
        self.batches[-1] += 1

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


# -- learning ---------------------------------------------------------------------------

def test_learns_separable_problem(backend):
    x, y = _blobs()
    model = _binary_model(optimizer=optimizers.Adam(lr=0.05))
    history = model.fit(x, y, epochs=10, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert len(losses) == 10 and losses[-1] < 0.5 * losses[0]
    assert history.history["acc"][-1] > 0.95
    loss, acc = model.evaluate(x, y, verbose=0)
    assert acc > 0.95 and loss < losses[0]
    assert (model.predict_classes(x)[:, 0] == y[:, 0]).mean() > 0.95


def test_verbose_output(backend, capsys):
    x, y = _blobs()
    model = _binary_model()
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert capsys.readouterr().out == ""

    model.fit(x, y, epochs=2, batch_size=16, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert "ETA" in out  # intermediate updates of the bar
    assert "64/64 [==============================]" in out
    assert " - loss: " in out and " - acc: " in out

    model.fit(x, y, epochs=2, batch_size=16, verbose=2)
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    assert " - loss: " in lines[1] and " - acc: " in lines[1]
    assert "ETA" not in out and "[" not in out

    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""

    model.fit(x, y, epochs=1, batch_size=16, validation_split=0.25, verbose=1)
    out = capsys.readouterr().out
    assert "Train on 48 samples, validate on 16 samples" in out
    last = out.strip().splitlines()[-1]
    assert last.startswith("48/48 [") and " - val_loss: " in last and " - val_acc: " in last


# -- validation -----------------------------------------------------------------------------

def test_validation_split_takes_last_fraction_before_shuffling(backend, capsys):
    x = np.arange(40, dtype="float32").reshape(20, 2) / 40.
    y = np.arange(20, dtype="float32").reshape(20, 1) / 20.
    model = _linear_model(input_dim=2)
    recorder = Recorder()
    history = model.fit(x, y, epochs=1, batch_size=4, validation_split=0.25, shuffle=True,
                        verbose=1, callbacks=[recorder])
    assert "Train on 15 samples, validate on 5 samples" in capsys.readouterr().out
    val_x, val_y = recorder.seen_validation[0], recorder.seen_validation[1]
    np.testing.assert_array_equal(val_x, x[15:])
    np.testing.assert_array_equal(val_y, y[15:])
    assert recorder.batches == [4]  # 15 training samples in batches of 4
    # by values: val_loss is the loss on the last 5 samples with the final weights
    np.testing.assert_allclose(history.history["val_loss"][0],
                               model.evaluate(x[15:], y[15:], verbose=0), rtol=1e-5)


def test_validation_data(backend):
    x, y = _blobs(48)
    xv, yv = _blobs(16, seed=7)
    model = _binary_model()
    history = model.fit(x, y, epochs=2, batch_size=16, validation_data=(xv, yv), verbose=0)
    assert set(history.history) == {"loss", "acc", "val_loss", "val_acc"}
    val_loss, val_acc = model.evaluate(xv, yv, verbose=0)
    np.testing.assert_allclose(history.history["val_loss"][-1], val_loss, rtol=1e-5)
    np.testing.assert_allclose(history.history["val_acc"][-1], val_acc, rtol=1e-5)
    # with sample weights: a zero weight for half the validation samples changes val_loss
    weights = np.r_[np.ones(8), np.zeros(8)].astype("float32")
    history = model.fit(x, y, epochs=1, batch_size=16, validation_data=(xv, yv, weights),
                        verbose=0)
    np.testing.assert_allclose(history.history["val_loss"][-1],
                               model.evaluate(xv[:8], yv[:8], verbose=0)[0], rtol=1e-5)


def test_shuffle(backend):
    x, y = _blobs(32)
    model = _binary_model()  # plain SGD: no optimizer state carried from one fit to the next
    initial = model.get_weights()

    def train(shuffle, np_seed):
        model.set_weights(initial)
        np.random.seed(np_seed)
        model.fit(x, y, epochs=1, batch_size=4, shuffle=shuffle, verbose=0)
        return model.get_weights()[0]

    unshuffled = train(False, 1)
    shuffled = train(True, 1)
    np.testing.assert_array_equal(unshuffled, train(False, 2))  # no shuffling: seed irrelevant
    np.testing.assert_array_equal(shuffled, train(True, 1))  # same seed, same order
    assert not np.allclose(shuffled, train(True, 2))
    assert not np.allclose(shuffled, unshuffled)


# -- weighting ------------------------------------------------------------------------------

def test_sample_weight_and_class_weight_change_the_loss_as_keras(backend):
    x, y = _blobs(8)
    model = _binary_model()
    p = np.clip(model.predict(x)[:, 0].astype("float64"), 1e-7, 1 - 1e-7)
    per_sample = -(y[:, 0] * np.log(p) + (1 - y[:, 0]) * np.log(1 - p))

    sw = np.array([1, 2, 0, 1, 3, 0, 1, 1], dtype="float32")
    # Keras: mean(loss * w) / mean(w != 0)
    expected = np.mean(per_sample * sw) / np.mean(sw != 0)
    loss, _ = model.test_on_batch(x, y, sample_weight=sw)
    np.testing.assert_allclose(loss, expected, rtol=1e-4)
    assert abs(loss - per_sample.mean()) > 1e-3

    cw = {0: 1., 1: 4.}
    w = np.where(y[:, 0] > 0, 4., 1.)
    expected = np.mean(per_sample * w)
    loss, _ = model.train_on_batch(x, y, class_weight=cw)  # the loss before the step
    np.testing.assert_allclose(loss, expected, rtol=1e-4)

    # one-hot targets: the class is the arg-max of the target row
    set_random_seed(SEED)
    multi = Sequential([Dense(3, activation="softmax", input_dim=2)])
    multi.compile("sgd", "categorical_crossentropy")
    labels = np.arange(8) % 3
    onehot = np.eye(3, dtype="float32")[labels]
    p = np.clip(multi.predict(x).astype("float64"), 1e-7, 1 - 1e-7)
    per_sample = -np.log(p[np.arange(8), labels])
    cw = {0: 0.5, 1: 2., 2: 0.}
    w = np.array([cw[c] for c in labels])
    loss = multi.train_on_batch(x, onehot, class_weight=cw)
    np.testing.assert_allclose(loss, np.mean(per_sample * w) / np.mean(w != 0), rtol=1e-4)


def test_zero_sample_weights_equal_training_on_the_rest(backend):
    x, y = _blobs(16)
    weights = np.r_[np.ones(8), np.zeros(8)].astype("float32")
    weighted = _binary_model()
    weighted.fit(x, y, sample_weight=weights, batch_size=16, epochs=3, shuffle=False, verbose=0)
    subset = _binary_model()
    subset.fit(x[:8], y[:8], batch_size=16, epochs=3, shuffle=False, verbose=0)
    for a, b in zip(weighted.get_weights(), subset.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_class_weight_shifts_predictions_towards_heavy_class(backend):
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal((64, 2)).astype("float32")
    y = (rng.random((64, 1)) < 0.5).astype("float32")  # pure noise: output learns the prior
    model = _binary_model(lr=0.5)  # plain SGD: no optimizer state carried between fits
    initial = model.get_weights()
    model.fit(x, y, epochs=5, batch_size=16, verbose=0, class_weight={0: 1., 1: 1.})
    balanced = model.predict(x).mean()
    model.set_weights(initial)
    model.fit(x, y, epochs=5, batch_size=16, verbose=0, class_weight={0: 1., 1: 10.})
    assert model.predict(x).mean() > balanced + 0.1


# -- epochs and steps -------------------------------------------------------------------------

def test_initial_epoch(backend, capsys):
    x, y = _blobs(16)
    model = _binary_model()
    recorder = Recorder()
    history = model.fit(x, y, epochs=5, initial_epoch=3, verbose=2, callbacks=[recorder])
    assert history.epoch == [3, 4] and recorder.epochs == [3, 4]
    assert len(history.history["loss"]) == 2
    out = capsys.readouterr().out
    assert "Epoch 4/5" in out and "Epoch 5/5" in out and "Epoch 1/5" not in out


def test_steps_per_epoch(backend):
    x, y = _blobs(16)
    model = _binary_model()
    recorder = Recorder()
    before = model.get_weights()[0].copy()
    history = model.fit(x, y, steps_per_epoch=3, epochs=2, verbose=0, callbacks=[recorder])
    assert recorder.batches == [3, 3] and len(history.history["loss"]) == 2
    assert not np.allclose(before, model.get_weights()[0])


def test_predict_classes_and_proba(backend):
    x, y = _blobs(16)
    model = _binary_model()
    proba = model.predict_proba(x)
    assert proba.shape == (16, 1) and ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_array_equal(model.predict_classes(x), (proba > 0.5).astype("int32"))
    set_random_seed(SEED)
    multi = Sequential([Dense(3, activation="softmax", input_dim=2)])
    probs = multi.predict_proba(x)
    np.testing.assert_allclose(probs.sum(axis=1), 1., rtol=1e-5)
    np.testing.assert_array_equal(multi.predict_classes(x), probs.argmax(axis=1))


def test_on_batch_methods(backend):
    x, y = _blobs(16)
    model = _binary_model()
    np.testing.assert_allclose(model.predict_on_batch(x), model.predict(x), rtol=1e-6)
    test_loss, test_acc = model.test_on_batch(x, y)
    eval_loss, eval_acc = model.evaluate(x, y, batch_size=16, verbose=0)
    # batches of unequal size are averaged per sample
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=5, verbose=0),
                               [eval_loss, eval_acc], rtol=1e-5)
    np.testing.assert_allclose(model.predict(x, batch_size=5), model.predict(x), rtol=1e-6)
    np.testing.assert_allclose(test_loss, eval_loss, rtol=1e-5)
    np.testing.assert_allclose(test_acc, eval_acc, rtol=1e-5)
    before = model.get_weights()[0].copy()
    loss, acc = model.train_on_batch(x, y)
    np.testing.assert_allclose(loss, test_loss, rtol=1e-5)  # the loss before the step
    assert not np.allclose(before, model.get_weights()[0])
    assert model.test_on_batch(x, y)[0] < test_loss


# -- generators -------------------------------------------------------------------------------

class BlobSequence(Sequence):
    def __init__(self, x, y, batch_size):
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, index):
        s = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[s], self.y[s]


def _batches(x, y, batch_size, with_y=True):
    while True:
        for start in range(0, len(x), batch_size):
            s = slice(start, start + batch_size)
            yield (x[s], y[s]) if with_y else x[s]


@pytest.mark.parametrize("workers", [0, 2])
def test_generator_methods(backend, workers):
    x, y = _blobs(32)
    model = _binary_model(optimizer=optimizers.Adam(lr=0.05))
    recorder = Recorder()
    history = model.fit_generator(_batches(x, y, 8), steps_per_epoch=4, epochs=3, verbose=0,
                                  workers=workers, callbacks=[recorder])
    assert recorder.batches == [4, 4, 4]
    assert history.history["loss"][-1] < history.history["loss"][0]

    sequence = BlobSequence(x, y, 8)
    history = model.fit_generator(sequence, epochs=2, verbose=0, workers=workers,
                                  validation_data=BlobSequence(x, y, 16))
    assert len(history.history["loss"]) == 2 and "val_loss" in history.history
    expected = model.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(model.evaluate_generator(sequence, workers=workers), expected,
                               rtol=1e-5)
    np.testing.assert_allclose(model.evaluate_generator(_batches(x, y, 8), steps=4,
                                                        workers=workers), expected, rtol=1e-5)
    np.testing.assert_allclose(model.predict_generator(_batches(x, y, 8, with_y=False), steps=4,
                                                       workers=workers),
                               model.predict(x), rtol=1e-6)
    np.testing.assert_allclose(model.predict_generator(sequence, workers=workers),
                               model.predict(x), rtol=1e-6)
    # validation on arrays: val_loss is the loss with the final weights
    history = model.fit_generator(sequence, epochs=1, verbose=0, workers=workers,
                                  validation_data=(x, y))
    np.testing.assert_allclose(history.history["val_loss"][-1], model.evaluate(x, y, verbose=0)[0],
                               rtol=1e-5)


class CountingSequence(BlobSequence):
    def __init__(self, *args):
        super().__init__(*args)
        self.epoch_ends = 0

    def on_epoch_end(self):
        self.epoch_ends += 1


@pytest.mark.parametrize("workers", [0, 2])
def test_sequence_on_epoch_end_is_called_between_epochs(backend, workers):
    x, y = _blobs(16)
    model = _binary_model()
    sequence = CountingSequence(x, y, 8)
    model.fit_generator(sequence, epochs=3, verbose=0, workers=workers)
    if workers == 0:
        assert sequence.epoch_ends == 3  # as Keras 2.2.4: once after each epoch
    else:
        assert sequence.epoch_ends >= 2  # the enqueuer calls it after each pass it has read


def _run_with_timeout(fn, timeout=30):
    result = {}

    def target():
        try:
            result["value"] = fn()
        except BaseException as exc:  # noqa: BLE001
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "the call hung instead of raising the generator's error"
    return result


@pytest.mark.parametrize("workers", [0, 2])
@pytest.mark.parametrize("method", ["fit", "evaluate", "predict"])
def test_generator_exception_surfaces_in_caller(backend, workers, method):
    x, y = _blobs(16)
    model = _binary_model()

    def broken():
        for i in range(100):
            if i == 2:
                raise RuntimeError("broken generator at batch 2")
            yield (x[:4], y[:4]) if method != "predict" else x[:4]

    calls = {
        "fit": lambda: model.fit_generator(broken(), steps_per_epoch=5, epochs=2, verbose=0,
                                           workers=workers),
        "evaluate": lambda: model.evaluate_generator(broken(), steps=5, workers=workers),
        "predict": lambda: model.predict_generator(broken(), steps=5, workers=workers),
    }
    result = _run_with_timeout(calls[method])
    assert isinstance(result.get("error"), RuntimeError), result
    assert "broken generator at batch 2" in str(result["error"])
    # the model still works afterwards
    model.fit(x, y, epochs=1, verbose=0)


class BrokenSequence(BlobSequence):
    def __getitem__(self, index):
        if index == 2:
            raise KeyError("broken sequence item 2")
        return super().__getitem__(index)


@pytest.mark.parametrize("workers", [0, 2])
def test_sequence_exception_and_bad_batches_surface_in_caller(backend, workers):
    x, y = _blobs(16)
    model = _binary_model()
    result = _run_with_timeout(lambda: model.fit_generator(BrokenSequence(x, y, 4), epochs=2,
                                                           verbose=0, workers=workers))
    assert isinstance(result.get("error"), KeyError), result
    assert "broken sequence item 2" in str(result["error"])

    def wrong_shape():
        while True:
            yield np.zeros((4, 5), "float32"), y[:4]

    result = _run_with_timeout(lambda: model.fit_generator(wrong_shape(), steps_per_epoch=2,
                                                           verbose=0, workers=workers))
    assert isinstance(result.get("error"), ValueError), result
    assert "(None, 2)" in str(result["error"]) and "(4, 5)" in str(result["error"])

    def not_a_tuple():
        while True:
            yield [x[:4], y[:4], y[:4], y[:4]]

    result = _run_with_timeout(lambda: model.fit_generator(not_a_tuple(), steps_per_epoch=2,
                                                           verbose=0, workers=workers))
    assert isinstance(result.get("error"), ValueError), result
    assert "(x, y)" in str(result["error"])
    model.fit(x, y, epochs=1, verbose=0)


# -- multiple outputs and metrics -------------------------------------------------------------

def _two_output_model(loss_weights=None):
    set_random_seed(SEED)
    inputs = Input(shape=(2,))
    h = Dense(4, activation="tanh")(inputs)
    out1 = Dense(1, name="reg")(h)
    out2 = Dense(3, activation="softmax", name="cls")(h)
    model = Model(inputs, [out1, out2])
    model.compile("sgd", ["mse", "categorical_crossentropy"], loss_weights=loss_weights)
    return model


def test_loss_weights_on_multi_output_model(backend):
    x, _ = _blobs(16)
    rng = np.random.default_rng(SEED)
    y1 = rng.standard_normal((16, 1)).astype("float32")
    y2 = np.eye(3, dtype="float32")[rng.integers(0, 3, 16)]
    plain = _two_output_model()
    weighted = _two_output_model(loss_weights=[0.3, 2.])
    weighted_by_name = _two_output_model(loss_weights={"reg": 0.3, "cls": 2.})
    assert plain.metrics_names == ["loss", "reg_loss", "cls_loss"]
    total, l1, l2 = plain.evaluate(x, [y1, y2], verbose=0)
    np.testing.assert_allclose(total, l1 + l2, rtol=1e-5)
    for model in (weighted, weighted_by_name):
        w_total, w1, w2 = model.evaluate(x, {"reg": y1, "cls": y2}, verbose=0)
        np.testing.assert_allclose([w1, w2], [l1, l2], rtol=1e-5)  # same initial weights
        np.testing.assert_allclose(w_total, 0.3 * l1 + 2. * l2, rtol=1e-5)
    with pytest.raises(ValueError, match="loss_weights"):
        _two_output_model(loss_weights=[1.])


@pytest.mark.parametrize("kind", ["binary", "categorical", "sparse", "mse_multi", "mse_single",
                                  "binary_fn_multi"])
def test_accuracy_resolved_by_loss(backend, kind):
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal((20, 2)).astype("float32")
    labels = rng.integers(0, 3, 20)
    units, activation, loss, y = {
        "binary": (1, "sigmoid", "binary_crossentropy", (labels[:, None] % 2).astype("float32")),
        "categorical": (3, "softmax", "categorical_crossentropy",
                        np.eye(3, dtype="float32")[labels]),
        "sparse": (3, "softmax", "sparse_categorical_crossentropy", labels[:, None]),
        "mse_multi": (3, "softmax", "mse", np.eye(3, dtype="float32")[labels]),
        "mse_single": (1, "sigmoid", "mse", (labels[:, None] % 2).astype("float32")),
        # the loss function itself (not its name), on 2 units: binary accuracy per unit
        "binary_fn_multi": (2, "sigmoid", losses.binary_crossentropy,
                            np.stack([labels % 2, labels // 2], axis=1).astype("float32")),
    }[kind]
    set_random_seed(SEED)
    model = Sequential([Dense(units, activation=activation, input_dim=2)])
    model.compile("sgd", loss, metrics=["accuracy"])
    assert model.metrics_names == ["loss", "acc"]
    pred = model.predict(x)
    if units == 1 or kind == "binary_fn_multi":  # binary accuracy
        expected = np.mean((pred > 0.5) == (y > 0.5))
    elif kind == "sparse":
        expected = np.mean(pred.argmax(-1) == labels)
    else:
        expected = np.mean(pred.argmax(-1) == y.argmax(-1))
    _, acc = model.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(acc, expected, rtol=1e-6)


# -- bad input ---------------------------------------------------------------------------

def test_bad_input_gives_clear_errors_and_keeps_the_model_usable(backend):
    x, y = _blobs(16)
    model = _binary_model()
    with pytest.raises(ValueError, match=r"expected \S+_input to have shape \(None, 2\)\. "
                                         r"Received: an array of shape \(16, 3\)"):
        model.fit(np.zeros((16, 3), "float32"), y, verbose=0)
    with pytest.raises(ValueError, match=r"to have 2 dimensions.*Received: an array of shape "
                                         r"\(16, 2, 1\)"):
        model.fit(x[:, :, None], y, verbose=0)
    with pytest.raises(ValueError, match=r"Expected validation_split to be a number in \[0, 1\)\. "
                                         r"Received: validation_split=1\.5"):
        model.fit(x, y, validation_split=1.5, verbose=0)
    with pytest.raises(ValueError, match=r"Received: validation_split=-0\.1"):
        model.fit(x, y, validation_split=-0.1, verbose=0)
    with pytest.raises(ValueError, match=r"same number of samples.*16 input samples and 12 target"):
        model.fit(x, y[:12], verbose=0)
    with pytest.raises(ValueError, match=r"target: expected \S+ to have shape \(None, 1\)\. "
                                         r"Received: an array of shape \(16, 4\)"):
        model.fit(x, np.zeros((16, 4), "float32"), verbose=0)
    with pytest.raises(ValueError,
                       match=r"shape \(None, 2\)\. Received: an array of shape \(4, 3\)"):
        model.fit(x, y, validation_data=(np.zeros((4, 3), "float32"), y[:4]), verbose=0)
    with pytest.raises(ValueError,
                       match=r"sample weights of shape \(16,\).*Received: shape \(5,\)"):
        model.fit(x, y, sample_weight=np.ones(5), verbose=0)
    # the failed calls left nothing broken behind
    history = model.fit(x, y, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()

    fresh = Sequential([Dense(1, input_dim=2)])
    with pytest.raises(ValueError, match=r"unknown loss.*Expected one of .*'mse'.*"
                                         r"Received: loss='not_a_loss'"):
        fresh.compile("sgd", "not_a_loss")
    with pytest.raises(ValueError, match=r"unknown optimizer.*Expected one of .*'adam'.*"
                                         r"Received: optimizer='not_an_optimizer'"):
        fresh.compile("not_an_optimizer", "mse")
    with pytest.raises(RuntimeError, match="compile"):
        Sequential([Dense(1, input_dim=2)]).fit(x, y, verbose=0)
    fresh.compile("sgd", "mse")
    assert np.isfinite(fresh.fit(x, y, epochs=1, verbose=0).history["loss"][0])


# -- callbacks through a real fit -----------------------------------------------------------

def test_early_stopping_restores_best_weights(backend):
    x, y = _blobs(32)
    # validation labels are flipped: val_loss gets worse as training improves
    model = _binary_model(lr=0.5)
    recorder = Recorder()
    stopper = cbks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    history = model.fit(x, y, epochs=20, batch_size=8, validation_data=(x, 1. - y), verbose=0,
                        callbacks=[recorder, stopper])
    val_losses = history.history["val_loss"]
    assert len(val_losses) == 3 and stopper.stopped_epoch == 2
    best = int(np.argmin(val_losses))
    assert best == 0
    for a, b in zip(model.get_weights(), recorder.weights[best]):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(model.get_weights()[0], recorder.weights[-1][0])


def test_model_checkpoint_weights_only_and_load_weights(backend, tmp_path):
    x, y = _blobs(32)
    model = _binary_model()
    path = tmp_path / "weights.{epoch:02d}.h5"
    recorder = Recorder()
    model.fit(x, y, epochs=3, batch_size=8, verbose=0,
              callbacks=[recorder, cbks.ModelCheckpoint(str(path), save_weights_only=True)])
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["weights.01.h5", "weights.02.h5", "weights.03.h5"]

    set_random_seed(SEED + 1)
    restored = Sequential([Dense(1, activation="sigmoid", input_dim=2)])
    assert not np.allclose(restored.get_weights()[0], model.get_weights()[0])
    restored.load_weights(str(tmp_path / "weights.03.h5"))
    np.testing.assert_allclose(restored.predict(x), model.predict(x), rtol=1e-6)
    restored.load_weights(str(tmp_path / "weights.01.h5"))
    for a, b in zip(restored.get_weights(), recorder.weights[0]):
        np.testing.assert_array_equal(a, b)
    # best-only checkpoint of the whole model
    best = tmp_path / "best.h5"
    model.fit(x, y, epochs=2, verbose=0, validation_data=(x, y),
              callbacks=[cbks.ModelCheckpoint(str(best), save_best_only=True)])
    assert best.exists()


def test_learning_rate_callbacks_change_the_optimizer(backend):
    from polykeras import backend as K
    x, y = _blobs(16)
    model = _binary_model(lr=0.1)
    seen = []
    record = cbks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: seen.append(float(K.get_value(model.optimizer.lr))))
    model.fit(x, y, epochs=3, verbose=0,
              callbacks=[cbks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1)), record])
    np.testing.assert_allclose(seen, [0.01, 0.02, 0.03], rtol=1e-6)

    model = _binary_model(lr=0.1)
    # validation labels flipped: val_loss never improves after the first epoch
    history = model.fit(x, y, epochs=4, verbose=0, validation_data=(x, 1. - y),
                        callbacks=[cbks.ReduceLROnPlateau(patience=0, factor=0.5, min_lr=0.)])
    np.testing.assert_allclose(float(K.get_value(model.optimizer.lr)), 0.1 * 0.5 ** 3, rtol=1e-5)
    # as Keras: the log holds the rate the epoch ran with, before any reduction
    np.testing.assert_allclose(history.history["lr"], [0.1, 0.1, 0.05, 0.025], rtol=1e-5)


def test_csv_logger_and_terminate_on_nan(backend, tmp_path):
    import csv
    x, y = _blobs(16)
    model = _binary_model()
    path = tmp_path / "log.csv"
    history = model.fit(x, y, epochs=3, verbose=0, validation_data=(x, y),
                        callbacks=[cbks.CSVLogger(str(path))])
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]
    assert set(rows[0]) == {"epoch", "loss", "acc", "val_loss", "val_acc"}
    np.testing.assert_allclose([float(r["val_loss"]) for r in rows], history.history["val_loss"],
                               rtol=1e-5)

    bad = x.copy()
    bad[3, 0] = np.nan
    recorder = Recorder()
    history = model.fit(bad, y, epochs=5, batch_size=4, verbose=0,
                        callbacks=[cbks.TerminateOnNaN(), recorder])
    assert recorder.batches == [1] and np.isnan(history.history["loss"][0])


def test_checkpointed_model_resumes_training_exactly(backend, tmp_path):
    from polykeras.models import load_model
    x, y = _blobs(16)
    set_random_seed(SEED)
    model = Sequential([Dense(4, activation="relu", input_dim=2), Dense(1, activation="sigmoid")])
    model.compile(optimizers.Adam(lr=0.01), "binary_crossentropy", metrics=["accuracy"])
    path = tmp_path / "model.h5"
    model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0,
              callbacks=[cbks.ModelCheckpoint(str(path))])
    model.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    resumed = load_model(str(path))  # architecture, weights, optimizer state
    assert resumed.metrics_names == ["loss", "acc"]
    resumed.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_weights_saved_on_one_backend_load_on_the_others(tmp_path):
    from polykeras import backend as K
    x, _ = _blobs(8)
    predictions = {}
    for name in ("numpy", "torch", "jax"):
        with K.use_backend(name):
            set_random_seed(SEED + len(predictions))  # different initial weights each time
            model = Sequential([Dense(3, activation="tanh", input_dim=2), Dense(1)])
            if name == "numpy":
                model.save_weights(str(tmp_path / "w.h5"))
            else:
                model.load_weights(str(tmp_path / "w.h5"))
            predictions[name] = model.predict(x)
    np.testing.assert_allclose(predictions["torch"], predictions["numpy"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(predictions["jax"], predictions["numpy"], rtol=1e-5, atol=1e-6)


def test_training_in_float64(backend):
    from polykeras import backend as K
    K.set_floatx("float64")  # restored by the conftest fixture
    x, y = _blobs(16)
    model = _binary_model(optimizer=optimizers.Adam(lr=0.05))
    history = model.fit(x.astype("float64"), y.astype("int64"), epochs=3, verbose=0,
                        validation_split=0.25)
    assert all(w.dtype == np.float64 for w in model.get_weights())
    assert model.predict(x).dtype == np.float64
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_masked_timesteps_are_left_out_of_the_loss(backend):
    from polykeras.layers import Masking
    rng = np.random.default_rng(SEED)
    x = rng.random((4, 3, 2)).astype("float32")
    x[0, 2] = 0.
    x[1, 1:] = 0.
    y = rng.random((4, 3, 1)).astype("float32")
    set_random_seed(SEED)
    model = Sequential([Masking(0., input_shape=(3, 2)), Dense(1)])
    model.compile("sgd", "mse")
    squared = ((model.predict(x).astype("float64") - y) ** 2)[..., 0]
    mask = (x != 0).any(axis=-1)
    # Keras: the masked per-timestep losses, rescaled by the mean of the mask
    expected = np.mean(squared * mask / mask.mean())
    np.testing.assert_allclose(model.test_on_batch(x, y), expected, rtol=1e-5)
    assert abs(expected - squared.mean()) > 1e-3


def test_generator_argument_errors(backend):
    x, y = _blobs(16)
    model = _binary_model()
    with pytest.raises(ValueError, match="pass steps_per_epoch for a Python generator"):
        model.fit_generator(_batches(x, y, 4), verbose=0)
    with pytest.raises(ValueError, match="pass validation_steps for a Python generator"):
        model.fit_generator(_batches(x, y, 4), steps_per_epoch=2, verbose=0,
                            validation_data=_batches(x, y, 4))
    with pytest.raises(ValueError, match="pass steps for a Python generator"):
        model.predict_generator(_batches(x, y, 4, with_y=False))
    # a Python generator as validation data, with its steps
    history = model.fit_generator(_batches(x, y, 4), steps_per_epoch=4, epochs=1, verbose=0,
                                  validation_data=_batches(x, y, 4), validation_steps=4)
    np.testing.assert_allclose(history.history["val_loss"][0], model.evaluate(x, y, verbose=0)[0],
                               rtol=1e-5)


class _EpochLosses(cbks.Callback):
    """No batch hooks: fit may start a batch before the last one's outputs are waited for."""

    def on_train_begin(self, logs=None):
        self.losses = []

    def on_epoch_end(self, epoch, logs=None):
        self.losses.append(logs["loss"])


class _BatchLosses(cbks.Callback):
    """A batch hook: fit runs one batch at a time."""

    def on_train_begin(self, logs=None):
        self.losses = []

    def on_batch_end(self, batch, logs=None):
        self.losses.append(float(logs["loss"]))


def test_fit_results_do_not_depend_on_batch_hooks(backend):
    """With only epoch-level callbacks fit overlaps batches on asynchronous backends (JAX);
    the trained weights, the epoch logs and the predictions are those of the strict loop."""
    x, y = _blobs(n=96)
    runs = []
    for callback in (_EpochLosses(), _BatchLosses()):
        model = _binary_model(lr=0.05)
        history = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0,
                            callbacks=[callback])
        runs.append((model.get_weights(), history.history, model.predict(x, batch_size=16),
                     model.evaluate(x, y, batch_size=16, verbose=0)))
    (w1, h1, p1, e1), (w2, h2, p2, e2) = runs
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)
    assert h1 == h2, (h1, h2)
    np.testing.assert_array_equal(p1, p2)
    assert e1 == e2
    assert len(runs) == 2 and len(h1["loss"]) == 3 and h1["loss"][-1] < h1["loss"][0]
