"""Callbacks, driven through a CallbackList exactly as the training loop drives them.

``_Trainer`` plays the engine's part: it owns a model-like object (weights,
an optimizer with a backend ``lr`` variable, save methods) and calls the
hooks with the logs a real ``fit`` produces, from a scripted series of
epoch losses.
"""

import csv
import math
import os

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import callbacks, optimizers


class _Model:
    def __init__(self):
        self.stop_training = False
        self.optimizer = optimizers.SGD(lr=0.1)
        self.weights = [np.zeros(2)]
        self.saved = []

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [w.copy() for w in weights]

    def save_weights(self, filepath, overwrite=True):
        with open(filepath, "w") as f:
            f.write("weights")
        self.saved.append(("weights", filepath))

    def save(self, filepath, overwrite=True):
        with open(filepath, "w") as f:
            f.write("model")
        self.saved.append(("model", filepath))


class _WeightsOnlyModel(_Model):
    save = property(lambda self: (_ for _ in ()).throw(AttributeError("save")))


def _fit(callback_list, model, epoch_logs, batches=2, batch_size=4, verbose=0):
    """Run the hooks for ``len(epoch_logs)`` epochs, stopping on ``model.stop_training``.

    Batch ``i`` of an epoch logs ``loss = epoch loss + i``; the epoch's own
    logs are ``epoch_logs[e]`` (which the trainer copies, as fit does).
    """
    metrics = ["loss"] + sorted({k for logs in epoch_logs for k in logs} - {"loss"})
    cbks = callbacks.CallbackList([callbacks.BaseLogger()] + callback_list)
    model.weights = [np.zeros(2)]
    cbks.set_model(model)
    cbks.set_params({"epochs": len(epoch_logs), "steps": None, "samples": batches * batch_size,
                     "verbose": verbose, "do_validation": True, "metrics": metrics})
    model.stop_training = False
    cbks.on_train_begin()
    for epoch, logs in enumerate(epoch_logs):
        cbks.on_epoch_begin(epoch)
        for batch in range(batches):
            batch_logs = {"batch": batch, "size": batch_size}
            cbks.on_batch_begin(batch, batch_logs)
            model.weights = [model.weights[0] + 1]  # the "training step"
            batch_logs["loss"] = logs.get("loss", 0.0) + batch
            cbks.on_batch_end(batch, batch_logs)
            if model.stop_training:
                break
        epoch_logs_out = {k: v for k, v in logs.items() if k.startswith("val_")}
        cbks.on_epoch_end(epoch, epoch_logs_out)
        if model.stop_training:
            break
    cbks.on_train_end()
    return epoch


def test_base_logger_averages_batches_and_history_records_epochs():
    history = callbacks.History()
    _fit([history], _Model(), [{"loss": 1.0, "val_loss": 2.0}, {"loss": 3.0, "val_loss": 1.0}])
    assert history.epoch == [0, 1]
    # batch losses are loss+0 and loss+1, each of size 4: the epoch average is loss + 0.5
    assert history.history == {"val_loss": [2.0, 1.0], "loss": [1.5, 3.5]}


def test_early_stopping_waits_patience_then_restores_best_weights():
    model = _Model()
    stopper = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    losses = [3.0, 2.0, 2.5, 2.4, 1.0, 0.5]
    last = _fit([stopper], model, [{"val_loss": v} for v in losses])
    assert last == 3 and stopper.stopped_epoch == 3 and model.stop_training
    # best epoch is 1, after 2 epochs of 2 batches: weights were 4
    np.testing.assert_array_equal(model.weights[0], [4.0, 4.0])


def test_early_stopping_min_delta_mode_and_baseline():
    stopper = callbacks.EarlyStopping(monitor="val_acc", min_delta=0.05, patience=1)  # auto -> max
    assert _fit([stopper], _Model(), [{"val_acc": v} for v in (0.5, 0.52, 0.9, 0.91)]) == 1
    baseline = callbacks.EarlyStopping(monitor="val_loss", baseline=0.1, patience=2)
    assert _fit([baseline], _Model(), [{"val_loss": v} for v in (1.0, 0.9, 0.8, 0.7)]) == 1
    never = callbacks.EarlyStopping(patience=1)
    assert _fit([never], _Model(), [{"val_loss": v} for v in (3, 2, 1)]) == 2
    with pytest.warns(RuntimeWarning, match="val_mae.*not available"):
        _fit([callbacks.EarlyStopping(monitor="val_mae")], _Model(), [{"val_loss": 1.0}])


def test_reduce_lr_on_plateau(capsys):
    model = _Model()
    reducer = callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, cooldown=2,
                                          min_lr=0.02, verbose=1)
    history = callbacks.History()
    _fit([reducer, history], model, [{"val_loss": v} for v in (1.0, 1.0, 1.0, 1.0, 1.0, 1.0)])
    # plateau from epoch 1: reduce at 1, cool down at 2, reduce at 3, cool down at 4, min_lr at 5
    # (the cooldown counter is decremented before it is checked, as in Keras)
    np.testing.assert_allclose(history.history["lr"], [0.1, 0.1, 0.05, 0.05, 0.025, 0.025],
                               rtol=1e-6)
    assert float(K.get_value(model.optimizer.lr)) == pytest.approx(0.02)
    assert "reducing learning rate to 0.05" in capsys.readouterr().out
    with pytest.raises(ValueError,
                       match="ReduceLROnPlateau: Expected factor < 1.0. Received: factor=1.5"):
        callbacks.ReduceLROnPlateau(factor=1.5)


def test_learning_rate_scheduler_sets_lr_every_epoch():
    model = _Model()
    seen = []
    scheduler = callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))
    probe = callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: seen.append(float(K.get_value(model.optimizer.lr))))
    _fit([scheduler, probe], model, [{}, {}, {}])
    np.testing.assert_allclose(seen, [0.1, 0.05, 0.1 / 3], rtol=1e-6)
    two_args = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    _fit([two_args], model, [{}, {}])
    assert float(K.get_value(model.optimizer.lr)) == pytest.approx(0.1 / 3 * 0.25)
    with pytest.raises(ValueError,
                       match='LearningRateScheduler: Expected the output of "schedule" to be a '
                             'float'):
        _fit([callbacks.LearningRateScheduler(lambda epoch: "fast")], model, [{}])


def test_terminate_on_nan_stops_at_the_bad_batch(capsys):
    model = _Model()
    last = _fit([callbacks.TerminateOnNaN()], model,
                [{"loss": 1.0}, {"loss": math.nan}, {"loss": 1.0}])
    assert last == 1 and model.stop_training
    assert "Batch 0: Invalid loss, terminating training" in capsys.readouterr().out


def test_csv_logger_writes_and_appends(tmp_path):
    path = tmp_path / "log.csv"
    _fit([callbacks.CSVLogger(str(path))], _Model(), [{"val_loss": 2.0}, {"val_loss": 1.0}])
    _fit([callbacks.CSVLogger(str(path), append=True)], _Model(), [{"val_loss": 0.5}])
    rows = list(csv.DictReader(open(path)))
    assert [r["epoch"] for r in rows] == ["0", "1", "0"]
    assert [float(r["val_loss"]) for r in rows] == [2.0, 1.0, 0.5]
    assert set(rows[0]) == {"epoch", "loss", "val_loss"}
    _fit([callbacks.CSVLogger(str(tmp_path / "semi.csv"), separator=";")], _Model(),
         [{"val_loss": 1.0}])
    assert open(tmp_path / "semi.csv").readline().strip() == "epoch;loss;val_loss"


def test_model_checkpoint_periods_and_best_only(tmp_path):
    model = _Model()
    every_other = callbacks.ModelCheckpoint(str(tmp_path / "w.{epoch:02d}-{val_loss:.1f}.h5"),
                                            save_weights_only=True, period=2)
    _fit([every_other], model, [{"val_loss": v} for v in (3.0, 2.0, 1.0, 0.5)])
    assert sorted(os.listdir(tmp_path)) == ["w.02-2.0.h5", "w.04-0.5.h5"]
    assert {kind for kind, _ in model.saved} == {"weights"}

    model.saved.clear()
    best = callbacks.ModelCheckpoint(str(tmp_path / "best.h5"), monitor="val_loss",
                                     save_best_only=True)
    _fit([best], model, [{"val_loss": v} for v in (3.0, 2.0, 2.5, 1.0)])
    assert [kind for kind, _ in model.saved] == ["model", "model", "model"]  # epochs 1, 2, 4
    assert best.best == 1.0


def test_model_checkpoint_without_save_falls_back_to_weights(tmp_path):
    model = _WeightsOnlyModel()
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "m.h5"))
    with pytest.warns(RuntimeWarning, match="has no save\\(\\); saving its weights only"):
        _fit([checkpoint], model, [{"val_loss": 1.0}])
    assert model.saved == [("weights", str(tmp_path / "m.h5"))]
    with pytest.raises(KeyError, match="ModelCheckpoint: filepath .* names 'val_acc'"):
        _fit([callbacks.ModelCheckpoint(str(tmp_path / "{val_acc}.h5"))], model,
             [{"val_loss": 1.0}])
    with pytest.raises(ValueError, match="ModelCheckpoint: Expected an int period >= 1"):
        callbacks.ModelCheckpoint("x.h5", period=0)


def test_lambda_callback_calls_each_hook():
    calls = []
    cb = callbacks.LambdaCallback(
        on_train_begin=lambda logs: calls.append("train_begin"),
        on_epoch_end=lambda epoch, logs: calls.append(f"epoch_end {epoch}"),
        on_batch_end=lambda batch, logs: calls.append(f"batch_end {batch} {logs['loss']}"),
        on_train_end=lambda logs: calls.append("train_end"))
    _fit([cb], _Model(), [{"loss": 1.0}], batches=2)
    assert calls == ["train_begin", "batch_end 0 1.0", "batch_end 1 2.0", "epoch_end 0",
                     "train_end"]
    with pytest.raises(TypeError, match="LambdaCallback: Expected a callable for on_epoch_end"):
        callbacks.LambdaCallback(on_epoch_end=3)


def test_progbar_logger_prints_epochs_and_metrics(capsys):
    _fit([callbacks.ProgbarLogger(count_mode="samples")], _Model(),
         [{"loss": 1.0, "val_loss": 0.75}, {"loss": 0.5, "val_loss": 0.25}], verbose=2)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert "loss: 1.5000 - val_loss: 0.7500" in out and "val_loss: 0.2500" in out
    with pytest.raises(ValueError, match="ProgbarLogger: Expected count_mode 'samples' or 'steps'"):
        callbacks.ProgbarLogger(count_mode="epochs")


def test_history_plot_draws_the_recorded_curves(tmp_path):
    pytest.importorskip("matplotlib",
                        reason="History.plot draws with matplotlib, not installed here")
    history = callbacks.History()
    _fit([history], _Model(), [{"loss": 1.0, "val_loss": 1.5}, {"loss": 0.5, "val_loss": 1.0}])
    figure = history.plot(path=tmp_path / "h.png")
    assert (tmp_path / "h.png").stat().st_size > 1000
    assert [ax.get_ylabel() for ax in figure.get_axes()] == ["loss"]


def test_callback_list_forwards_params_and_model():
    class Recorder(callbacks.Callback):
        pass

    recorder = Recorder()
    model = _Model()
    cbks = callbacks.CallbackList([recorder])
    cbks.set_model(model)
    cbks.set_params({"epochs": 3})
    assert recorder.model is model and recorder.params == {"epochs": 3}
    assert list(cbks) == [recorder]
