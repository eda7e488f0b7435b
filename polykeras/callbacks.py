"""Callbacks: hooks into training (Keras 2.2's ``keras.callbacks``).

The training engine calls, on a :class:`CallbackList`, ``on_train_begin``,
then per epoch ``on_epoch_begin`` / ``on_batch_begin`` / ``on_batch_end`` /
``on_epoch_end``, then ``on_train_end``. ``logs`` dicts carry the numbers:
batch logs ``{"batch", "size", "loss", <metrics>}``, epoch logs
``{"loss", <metrics>, "val_loss", "val_<metrics>"}``.

A callback reaches the model through ``self.model`` (``stop_training``,
``optimizer``, ``get_weights``/``set_weights``, ``save``/``save_weights``)
and the fit arguments through ``self.params`` (``epochs``, ``steps``,
``samples``, ``verbose``, ``do_validation``, ``metrics``).
"""

from __future__ import annotations

import collections
import collections.abc
import csv
import io
import os
import time
import types
import warnings

import numpy as np

from . import backend as K
from .utils.generic_utils import Progbar


class CallbackList:
    """A list of callbacks called together.

    Args:
        callbacks: list of :class:`Callback` instances.
        queue_length: how many recent batch-hook durations are kept to warn
            when the hooks are slow compared with the batch itself.
    """

    def __init__(self, callbacks=None, queue_length=10):
        callbacks = callbacks or []
        self.callbacks = [c for c in callbacks]
        self.queue_length = queue_length
        self.params = {}
        self.model = None
        self._reset_batch_timing()

    def _reset_batch_timing(self):
        self._delta_t_batch = 0.
        self._delta_ts_batch_begin = collections.deque([], maxlen=self.queue_length)
        self._delta_ts_batch_end = collections.deque([], maxlen=self.queue_length)
        self._t_enter_batch = None

    def append(self, callback):
        self.callbacks.append(callback)

    def set_params(self, params):
        self.params = params
        for callback in self.callbacks:
            callback.set_params(params)

    def set_model(self, model):
        self.model = model
        for callback in self.callbacks:
            callback.set_model(model)

    def on_epoch_begin(self, epoch, logs=None):
        logs = logs or {}
        for callback in self.callbacks:
            callback.on_epoch_begin(epoch, logs)
        self._reset_batch_timing()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        for callback in self.callbacks:
            callback.on_epoch_end(epoch, logs)

    def on_batch_begin(self, batch, logs=None):
        logs = logs or {}
        t_before = time.time()
        for callback in self.callbacks:
            callback.on_batch_begin(batch, logs)
        self._delta_ts_batch_begin.append(time.time() - t_before)
        self._warn_if_slow(self._delta_ts_batch_begin, "on_batch_begin")
        self._t_enter_batch = time.time()

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        if self._t_enter_batch is None:
            self._t_enter_batch = time.time()
        self._delta_t_batch = time.time() - self._t_enter_batch
        t_before = time.time()
        for callback in self.callbacks:
            callback.on_batch_end(batch, logs)
        self._delta_ts_batch_end.append(time.time() - t_before)
        self._warn_if_slow(self._delta_ts_batch_end, "on_batch_end")

    def _warn_if_slow(self, durations, hook):
        if len(durations) < self.queue_length or max(durations) <= 0.1:
            # the median is at most the largest duration: no warning (no np.median per batch)
            return
        median = float(np.median(durations))
        if self._delta_t_batch > 0. and median > 0.95 * self._delta_t_batch and median > 0.1:
            warnings.warn(f"Method {hook}() is slow compared to the batch update ({median:f}). "
                          "Check your callbacks.", stacklevel=3)

    def on_train_begin(self, logs=None):
        logs = logs or {}
        for callback in self.callbacks:
            callback.on_train_begin(logs)

    def on_train_end(self, logs=None):
        logs = logs or {}
        for callback in self.callbacks:
            callback.on_train_end(logs)

    def __iter__(self):
        return iter(self.callbacks)


class Callback:
    """Base class of callbacks: every hook does nothing.

    Attributes:
        params: the fit parameters (epochs, steps or samples, verbose, ...).
        model: the model being trained.
    """

    def __init__(self):
        self.validation_data = None
        self.model = None
        self.params = {}

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self.model = model

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass


class BaseLogger(Callback):
    """Average the batch metrics over each epoch into the epoch logs (added to every fit).

    Averages are weighted by batch size; ``stateful_metrics`` are copied
    from the last batch instead of averaged.
    """

    def __init__(self, stateful_metrics=None):
        super().__init__()
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics else set()

    def on_epoch_begin(self, epoch, logs=None):
        self.seen = 0
        self.totals = {}

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        batch_size = logs.get("size", 0)
        self.seen += batch_size
        for name, value in logs.items():
            if name in self.stateful_metrics:
                self.totals[name] = value
            elif name in self.totals:
                self.totals[name] += value * batch_size
            else:
                self.totals[name] = value * batch_size

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        for name in self.params.get("metrics", []):
            if name in self.totals:
                if name in self.stateful_metrics:
                    logs[name] = self.totals[name]
                else:
                    logs[name] = self.totals[name] / max(self.seen, 1)


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch loss is NaN or infinite."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class ProgbarLogger(Callback):
    """Print a progress bar per epoch (added by ``fit`` when ``verbose`` > 0).

    Args:
        count_mode: ``"samples"`` or ``"steps"``: what the bar counts.
        stateful_metrics: names shown as they are, not averaged.

    Raises:
        ValueError: an unknown ``count_mode``.
    """

    def __init__(self, count_mode="samples", stateful_metrics=None):
        super().__init__()
        if count_mode == "samples":
            self.use_steps = False
        elif count_mode == "steps":
            self.use_steps = True
        else:
            raise ValueError(f"ProgbarLogger: Expected count_mode 'samples' or 'steps'. "
                             f"Received: count_mode={count_mode!r}")
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics else set()

    def on_train_begin(self, logs=None):
        self.verbose = self.params.get("verbose", 1)
        self.epochs = self.params.get("epochs", 1)

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose:
            print(f"Epoch {epoch + 1}/{self.epochs}")
            self.target = self.params["steps"] if self.use_steps else self.params["samples"]
            self.progbar = Progbar(target=self.target, verbose=self.verbose,
                                   stateful_metrics=self.stateful_metrics)
        self.seen = 0

    def on_batch_begin(self, batch, logs=None):
        if self.seen < self.target:
            self.log_values = []

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        self.seen += 1 if self.use_steps else logs.get("size", 0)
        for name in self.params.get("metrics", []):
            if name in logs:
                self.log_values.append((name, logs[name]))
        # Skip the bar update on the last batch: on_epoch_end draws it with the validation numbers.
        if self.verbose and self.seen < self.target:
            self.progbar.update(self.seen, self.log_values)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        for name in self.params.get("metrics", []):
            if name in logs:
                self.log_values.append((name, logs[name]))
        if self.verbose:
            self.progbar.update(self.seen, self.log_values)


class History(Callback):
    """Record the epoch logs (added to every fit; ``fit`` returns it).

    Attributes:
        epoch: the list of epoch indices seen.
        history: ``{name: [value per epoch]}``.
    """

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epoch.append(epoch)
        for name, value in logs.items():
            self.history.setdefault(name, []).append(value)

    def plot(self, metrics=None, path=None, show=None):
        """Draw the loss and metric curves with matplotlib.

        See :func:`polykeras.utils.plot_history`.
        """
        from .utils.vis_utils import plot_history
        return plot_history(self, metrics=metrics, path=path, show=show)


def _monitor_op(mode, monitor, owner):
    """``(is_better, sign)`` for ``mode`` ``"min"``, ``"max"`` or ``"auto"`` (max for
    accuracies)."""
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{owner} mode {mode!r} is unknown, fallback to auto mode.", RuntimeWarning,
                      stacklevel=3)
        mode = "auto"
    if mode == "max" or (mode == "auto" and ("acc" in monitor or monitor.startswith("fmeasure"))):
        return np.greater, 1
    return np.less, -1


class ModelCheckpoint(Callback):
    """Save the model (or its weights) after epochs.

    Args:
        filepath: path, formatted with the epoch (1-based) and the epoch
            logs: ``"weights.{epoch:02d}-{val_loss:.2f}.hdf5"``.
        monitor: the log entry ``save_best_only`` compares.
        verbose: print a line per save.
        save_best_only: save only when ``monitor`` improved (the file of a
            fixed ``filepath`` then always holds the best model).
        save_weights_only: ``model.save_weights`` instead of ``model.save``.
        mode: ``"auto"``, ``"min"`` or ``"max"``: which direction improves.
        period: epochs between two checkpoints.

    A model without ``save`` (a model class that cannot serialize its
    architecture) has its weights saved instead, with a warning.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", period=1):
        super().__init__()
        if not isinstance(period, int) or period < 1:
            raise ValueError("ModelCheckpoint: Expected an int period >= 1. Received: "
                             f"period={period!r}")
        self.monitor = monitor
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.period = period
        self.epochs_since_last_save = 0
        self.monitor_op, sign = _monitor_op(mode, monitor, "ModelCheckpoint")
        self.best = -sign * np.inf

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epochs_since_last_save += 1
        if self.epochs_since_last_save < self.period:
            return
        self.epochs_since_last_save = 0
        try:
            filepath = self.filepath.format(epoch=epoch + 1, **logs)
        except KeyError as exc:
            raise KeyError(f"ModelCheckpoint: filepath {self.filepath!r} names {exc}, which is not "
                           f"in the epoch logs {sorted(logs)}") from None
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"Can save best model only with {self.monitor} available, skipping.",
                              RuntimeWarning, stacklevel=2)
                return
            if not self.monitor_op(current, self.best):
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1:05d}: {self.monitor} did not improve from "
                          f"{self.best:0.5f}")
                return
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1:05d}: {self.monitor} improved from {self.best:0.5f} to "
                      f"{current:0.5f}, saving model to {filepath}")
            self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1:05d}: saving model to {filepath}")
        self._save(filepath)

    def _save(self, filepath):
        if self.save_weights_only or not hasattr(self.model, "save"):
            if not self.save_weights_only:
                warnings.warn(f"ModelCheckpoint: {type(self.model).__name__} has no save(); "
                              "saving its weights only.", RuntimeWarning, stacklevel=3)
                self.save_weights_only = True
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)


class EarlyStopping(Callback):
    """Stop training when ``monitor`` has stopped improving.

    Args:
        monitor: the epoch-log entry to watch.
        min_delta: changes smaller than this do not count as improvement.
        patience: epochs without improvement before stopping.
        verbose: print a line when stopping.
        mode: ``"auto"``, ``"min"`` or ``"max"``.
        baseline: the value to beat; training stops if it is not beaten
            within ``patience`` epochs.
        restore_best_weights: at the stop, put back the weights of the best epoch.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False):
        super().__init__()
        self.monitor = monitor
        self.baseline = baseline
        self.patience = patience
        self.verbose = verbose
        self.min_delta = min_delta
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.monitor_op, sign = _monitor_op(mode, monitor, "EarlyStopping")
        self.min_delta = sign * abs(min_delta)

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights = None
        if self.baseline is not None:
            self.best = self.baseline
        else:
            self.best = np.inf if self.monitor_op == np.less else -np.inf

    def on_epoch_end(self, epoch, logs=None):
        current = self._monitored(logs)
        if current is None:
            return
        if self.monitor_op(current - self.min_delta, self.best):
            self.best = current
            self.wait = 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                self.model.stop_training = True
                if self.restore_best_weights and self.best_weights is not None:
                    if self.verbose > 0:
                        print("Restoring model weights from the end of the best epoch")
                    self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1:05d}: early stopping")

    def _monitored(self, logs):
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(sorted(logs or {}))}",
                          RuntimeWarning, stacklevel=3)
        return current


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch to ``schedule(epoch)`` (or
    ``schedule(epoch, lr)``).

    Raises:
        ValueError: the optimizer has no ``lr``, or the schedule returns a non-number.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        if not hasattr(self.model.optimizer, "lr"):
            raise ValueError('LearningRateScheduler: Expected an optimizer with an "lr" attribute. '
                             f"Received: {type(self.model.optimizer).__name__}")
        lr = float(K.get_value(self.model.optimizer.lr))
        try:
            lr = self.schedule(epoch, lr)
        except TypeError:  # the older one-argument schedules
            lr = self.schedule(epoch)
        if isinstance(lr, bool) or not isinstance(lr, (float, int, np.floating, np.integer)):
            raise ValueError(f'LearningRateScheduler: Expected the output of "schedule" to be a '
                             f"float. Received: {lr!r}")
        K.set_value(self.model.optimizer.lr, lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1:05d}: LearningRateScheduler setting learning rate to {lr}.")


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stops improving.

    Args:
        monitor: the epoch-log entry to watch.
        factor: float < 1, ``new_lr = lr * factor``.
        patience: epochs without improvement before reducing.
        verbose: print a line per reduction.
        mode: ``"auto"``, ``"min"`` or ``"max"``.
        min_delta: threshold for a significant change.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: lower bound of the learning rate.

    Raises:
        ValueError: ``factor >= 1``.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0, **kwargs):
        super().__init__()
        if "epsilon" in kwargs:
            min_delta = kwargs.pop("epsilon")
            warnings.warn("`epsilon` argument is deprecated and will be removed, use `min_delta` "
                          "instead.", DeprecationWarning, stacklevel=2)
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau: Unexpected keyword arguments {sorted(kwargs)}")
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau: Expected factor < 1.0. Received: "
                             f"factor={factor!r}")
        self.monitor = monitor
        self.factor = factor
        self.min_lr = min_lr
        self.min_delta = min_delta
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0
        self.best = 0
        self.mode = mode
        self.monitor_op = None
        self._reset()

    def _reset(self):
        if self.mode not in ("auto", "min", "max"):
            warnings.warn(f"Learning Rate Plateau Reducing mode {self.mode} is unknown, fallback "
                          "to auto mode.", RuntimeWarning, stacklevel=3)
            self.mode = "auto"
        if self.mode == "min" or (self.mode == "auto" and "acc" not in self.monitor):
            self.monitor_op = lambda a, b: np.less(a, b - self.min_delta)
            self.best = np.inf
        else:
            self.monitor_op = lambda a, b: np.greater(a, b + self.min_delta)
            self.best = -np.inf
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        logs["lr"] = float(K.get_value(self.model.optimizer.lr))
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Reduce LR on plateau conditioned on metric `{self.monitor}` which is "
                          f"not available. Available metrics are: {','.join(sorted(logs))}",
                          RuntimeWarning, stacklevel=2)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = float(K.get_value(self.model.optimizer.lr))
                if old_lr > self.min_lr:
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    K.set_value(self.model.optimizer.lr, new_lr)
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1:05d}: ReduceLROnPlateau reducing learning "
                              f"rate to {new_lr:.6g}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def in_cooldown(self):
        return self.cooldown_counter > 0


class CSVLogger(Callback):
    """Stream the epoch logs to a CSV file: one row per epoch, a header of the log names.

    Args:
        filename: the CSV file.
        separator: the field separator.
        append: append to an existing file (no second header) instead of overwriting it.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        self.csv_file = io.open(self.filename, mode, newline="")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}

        def handle_value(value):
            if isinstance(value, str):
                return value
            if isinstance(value, collections.abc.Iterable) and not (
                    isinstance(value, np.ndarray) and value.ndim == 0):
                return f'"[{", ".join(map(str, value))}]"'
            return value

        if self.keys is None:
            self.keys = sorted(logs.keys())
        if self.model is not None and getattr(self.model, "stop_training", False):
            # Training stops before this epoch's logs are complete: mark the missing ones "NA".
            logs = dict((k, logs[k]) if k in logs else (k, "NA") for k in self.keys)
        if self.writer is None:
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         delimiter=self.sep)
            if self.append_header:
                self.writer.writeheader()
        row = collections.OrderedDict({"epoch": epoch})
        row.update((key, handle_value(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None:
            self.csv_file.close()
        self.writer = None


class LambdaCallback(Callback):
    """A callback made of the functions given for each hook.

    Args:
        on_epoch_begin, on_epoch_end: ``f(epoch, logs)``.
        on_batch_begin, on_batch_end: ``f(batch, logs)``.
        on_train_begin, on_train_end: ``f(logs)``.
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None,
                 on_batch_end=None, on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        for name, fn in (("on_epoch_begin", on_epoch_begin), ("on_epoch_end", on_epoch_end),
                         ("on_batch_begin", on_batch_begin), ("on_batch_end", on_batch_end),
                         ("on_train_begin", on_train_begin), ("on_train_end", on_train_end)):
            if fn is not None:
                if not callable(fn):
                    raise TypeError(f"LambdaCallback: Expected a callable for {name}. "
                                    f"Received: {fn!r}")
                setattr(self, name, fn)


class RemoteMonitor(Callback):
    """POST the epoch logs to a server at the end of every epoch.

    The payload is ``{"epoch": epoch, <log name>: value, ...}``, sent as a
    form field ``field=<JSON>`` (``application/x-www-form-urlencoded``) or,
    with ``send_as_json``, as a JSON body. A server that cannot be reached
    or answers with an error status gives a warning; training goes on.

    Args:
        root: the server's root URL.
        path: the path of the URL the events go to (appended to ``root``).
        field: the form field holding the JSON (not with ``send_as_json``).
        headers: optional dict of HTTP headers.
        send_as_json: send a JSON body instead of a form.
        timeout: seconds to wait for the server.
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data",
                 headers=None, send_as_json=False, timeout=10.):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json
        self.timeout = timeout

    def on_epoch_end(self, epoch, logs=None):
        import json
        import urllib.error
        import urllib.parse
        import urllib.request
        send = {"epoch": epoch}
        for name, value in (logs or {}).items():
            send[name] = value.item() if isinstance(value, (np.ndarray, np.generic)) else value
        url = self.root + self.path
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("utf-8")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except (urllib.error.URLError, OSError, ValueError) as exc:
            warnings.warn(f"Warning: could not reach RemoteMonitor root server at {self.root!s} "
                          f"({url}: {exc})", RuntimeWarning, stacklevel=2)


class TensorBoard(Callback):
    """Write TensorBoard logs: scalars, histograms, images, the model graph, embeddings.

    Event files (``log_dir/events.out.tfevents.*``) are written with the
    ``tensorboard`` package's event writer (``pip install tensorboard`` or
    ``'polykeras[tensorboard]'``); view them with ``tensorboard --logdir
    log_dir``.

    * Scalars: the epoch logs (``loss``, ``acc``, ``val_loss``...), at step
      ``epoch``; with ``update_freq`` ``"batch"`` or a number of samples, the
      batch logs too, and every step is the number of samples seen.
    * Every ``histogram_freq`` epochs: a histogram of every weight (tag: the
      weight's name) and, when ``fit`` has validation data, of every layer's
      output on it (``<layer>_out``) and, with ``write_grads``, of the loss
      gradient of every trainable weight on it (``<weight>_grad``);
      ``write_images``: the weights drawn as grayscale images.
    * ``write_graph``: the graph of layers (Graphs dashboard; nested models
      as name scopes) and, as text, the model summary and its JSON config.
    * Every ``embeddings_freq`` epochs: the outputs of the layers
      ``embeddings_layer_names`` (default: every ``Embedding`` layer) on
      ``embeddings_data``, flattened per sample, for the Projector
      (``<layer>/tensors.tsv`` and ``projector_config.pbtxt``).

    Args:
        log_dir: the folder of the logs.
        histogram_freq: epochs between histograms (0: none).
        batch_size: the batch size of the passes over validation and
            embeddings data.
        write_graph: write the graph of layers.
        write_grads: gradient histograms (needs ``histogram_freq`` > 0 and
            validation data).
        write_images: weight images (needs ``histogram_freq`` > 0 and Pillow).
        embeddings_freq: epochs between embeddings (0: none).
        embeddings_layer_names: names of the layers whose outputs to project.
        embeddings_metadata: a file name, or ``{layer name: file name}``, of
            the labels file (TSV) of the embedded samples, relative to ``log_dir``.
        embeddings_data: the model inputs to embed (an array or a list of arrays).
        update_freq: ``"epoch"``, ``"batch"``, or an int: samples between writes.

    Raises:
        ImportError: the ``tensorboard`` package is not installed (on ``set_model``).
        ValueError: negative frequencies, an unknown ``update_freq``,
            ``embeddings_freq`` without ``embeddings_data``, an unknown
            layer name, ``write_grads`` without validation data.
    """

    def __init__(self, log_dir="./logs", histogram_freq=0, batch_size=32, write_graph=True,
                 write_grads=False, write_images=False, embeddings_freq=0,
                 embeddings_layer_names=None, embeddings_metadata=None, embeddings_data=None,
                 update_freq="epoch"):
        super().__init__()
        for name, value in (("histogram_freq", histogram_freq),
                            ("embeddings_freq", embeddings_freq)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"TensorBoard: Expected an int {name} >= 0. "
                                 f"Received: {name}={value!r}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size < 1:
            raise ValueError(f"TensorBoard: Expected an int batch_size >= 1. "
                             f"Received: batch_size={batch_size!r}")
        if update_freq == "batch":
            update_freq = 1
        elif update_freq != "epoch" and (isinstance(update_freq, bool) or not isinstance(
                update_freq, (int, np.integer)) or update_freq < 1):
            raise ValueError(f"TensorBoard: Expected update_freq 'batch', 'epoch' or an int >= 1 "
                             f"(samples). Received: update_freq={update_freq!r}")
        if embeddings_freq and embeddings_data is None:
            raise ValueError("TensorBoard: To visualize embeddings, embeddings_data must be "
                             "provided. Received: embeddings_data=None")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.batch_size = batch_size
        self.write_graph = write_graph
        self.write_grads = write_grads
        self.write_images = write_images
        self.embeddings_freq = embeddings_freq
        self.embeddings_layer_names = embeddings_layer_names
        self.embeddings_metadata = embeddings_metadata
        self.embeddings_data = embeddings_data
        self.update_freq = update_freq
        self.samples_seen = 0
        self.samples_seen_at_last_write = 0
        self.writer = None
        self._functions = {}

    # -- writing ---------------------------------------------------------------------------
    def _protos(self):
        try:
            from tensorboard.compat.proto import (
                attr_value_pb2,
                event_pb2,
                graph_pb2,
                node_def_pb2,
                summary_pb2,
                tensor_pb2,
                tensor_shape_pb2,
                types_pb2,
            )
            from tensorboard.summary.writer.event_file_writer import EventFileWriter
        except ImportError:
            raise ImportError("TensorBoard requires the tensorboard package, which is not "
                              "installed. Install it with `pip install tensorboard` (or "
                              "`pip install 'polykeras[tensorboard]'`).") from None
        return types.SimpleNamespace(
            attr_value=attr_value_pb2, event=event_pb2, graph=graph_pb2, node_def=node_def_pb2,
            summary=summary_pb2, tensor=tensor_pb2, tensor_shape=tensor_shape_pb2,
            types=types_pb2, EventFileWriter=EventFileWriter)

    def _add_values(self, values, step):
        summary = self._pb.summary.Summary(value=values)
        self.writer.add_event(self._pb.event.Event(wall_time=time.time(), step=int(step),
                                                   summary=summary))

    def _scalar(self, tag, value, step):
        self._add_values([self._pb.summary.Summary.Value(tag=tag, simple_value=float(value))], step)

    def _text(self, tag, text, step=0):
        pb = self._pb
        metadata = pb.summary.SummaryMetadata(
            plugin_data=pb.summary.SummaryMetadata.PluginData(plugin_name="text"))
        tensor = pb.tensor.TensorProto(dtype=pb.types.DT_STRING, string_val=[text.encode("utf-8")],
                                       tensor_shape=pb.tensor_shape.TensorShapeProto())
        value = pb.summary.Summary.Value(tag=tag, metadata=metadata, tensor=tensor)
        self._add_values([value], step)

    def _histogram(self, tag, values, step):
        values = np.asarray(values, dtype=np.float64).ravel()
        values = values[np.isfinite(values)]
        if not values.size:
            return
        counts, edges = np.histogram(values, bins=min(30, values.size))
        histo = self._pb.summary.HistogramProto(
            min=float(values.min()), max=float(values.max()), num=float(values.size),
            sum=float(values.sum()), sum_squares=float(np.dot(values, values)),
            bucket_limit=edges[1:].tolist(), bucket=counts.astype(float).tolist())
        self._add_values([self._pb.summary.Summary.Value(tag=tag, histo=histo)], step)

    def _image(self, tag, array, step):
        from .preprocessing.image import _pil
        image = _pil("TensorBoard(write_images=True)")
        array = np.asarray(array, dtype=np.float64)
        low, high = float(np.min(array)), float(np.max(array))
        pixels = np.zeros(array.shape) if high == low else (array - low) / (high - low)
        buffer = io.BytesIO()
        image.fromarray((pixels * 255).round().astype("uint8"), "L").save(buffer, format="PNG")
        picture = self._pb.summary.Summary.Image(height=array.shape[0], width=array.shape[1],
                                                 colorspace=1,
                                                 encoded_image_string=buffer.getvalue())
        self._add_values([self._pb.summary.Summary.Value(tag=tag, image=picture)], step)

    def _write_graph(self):
        from .utils.vis_utils import layer_graph
        pb = self._pb
        try:
            nodes, edges = layer_graph(self.model, expand_nested=True)
        except ValueError:
            nodes, edges = None, None  # a subclassed model: no graph of layers
        if nodes is not None:
            names = {node_id: "/".join([p.name for p in parents] + [layer.name])
                     for node_id, layer, parents in nodes}
            graph = pb.graph.GraphDef()
            for node_id, layer, _ in nodes:
                node = graph.node.add(name=names[node_id], op=type(layer).__name__)
                node.input.extend(names[src] for src, dst in edges if dst == node_id)
                shapes = []
                try:
                    output_shapes = layer.output_shape
                    output_shapes = output_shapes if isinstance(output_shapes, list) \
                        else [output_shapes]
                    for shape in output_shapes:
                        shapes.append(pb.tensor_shape.TensorShapeProto(dim=[
                            pb.tensor_shape.TensorShapeProto.Dim(size=-1 if d is None else int(d))
                            for d in shape]))
                except (AttributeError, ValueError, RuntimeError, TypeError):
                    shapes = []
                if shapes:
                    node.attr["_output_shapes"].CopyFrom(pb.attr_value.AttrValue(
                        list=pb.attr_value.AttrValue.ListValue(shape=shapes)))
            self.writer.add_event(pb.event.Event(wall_time=time.time(),
                                                 graph_def=graph.SerializeToString()))
        lines = []
        try:
            self.model.summary(print_fn=lines.append)
            self._text("model/summary", "\n".join("    " + line for line in lines))
        except (ValueError, NotImplementedError, AttributeError):
            pass
        try:
            config = self.model.to_json(indent=2)
            self._text("model/config", "    " + config.replace("\n", "\n    "))
        except (NotImplementedError, AttributeError, TypeError):
            pass

    # -- model passes ----------------------------------------------------------------------
    def _feed(self, arrays, names):
        """Split validation data into the model's inputs, targets, weights (and learning phase)."""
        model = self.model
        n_in, n_t = len(model._feed_inputs), len(getattr(model, "_feed_targets", []))
        n_w = len(getattr(model, "_feed_sample_weights", []))
        parts = {"inputs": list(arrays[:n_in]), "targets": list(arrays[n_in:n_in + n_t]),
                 "weights": list(arrays[n_in + n_t:n_in + n_t + n_w])}
        return [a for name in names for a in parts[name]]

    def _function(self, key, inputs, outputs):
        if key not in self._functions:
            if self.model._uses_dynamic_learning_phase():
                inputs = inputs + [K.learning_phase()]
            self._functions[key] = K.function(inputs, outputs)
        return self._functions[key]

    def _run_batched(self, function, arrays):
        """``function`` over ``arrays`` in batches: yields (outputs, batch size) per batch."""
        n = len(arrays[0])
        phase = [0.] if self.model._uses_dynamic_learning_phase() else []
        for start in range(0, n, self.batch_size):
            batch = [np.asarray(a)[start:start + self.batch_size] for a in arrays]
            yield function(batch + phase), len(batch[0])

    def _layer_outputs(self, layers, arrays, key):
        outputs = [layer.output for layer in layers]
        function = self._function(key, list(self.model._feed_inputs), outputs)
        chunks = [[] for _ in layers]
        for values, _ in self._run_batched(function, arrays):
            for chunk, value in zip(chunks, values):
                chunk.append(np.asarray(value))
        return [np.concatenate(chunk) for chunk in chunks]

    def _write_histograms(self, epoch):
        model = self.model
        for layer in model.layers:
            for weight, value in zip(layer.weights, K.batch_get_value(layer.weights)):
                name = weight.name.replace(":", "_")
                self._histogram(name, value, epoch)
                if self.write_images:
                    picture = _weight_picture(value)
                    if picture is not None:
                        self._image(name, picture, epoch)
        if not self.validation_data:
            if self.write_grads:
                raise ValueError("TensorBoard: write_grads needs validation data: pass "
                                 "validation_data (arrays, not a generator) to fit.")
            return
        inputs = self._feed(self.validation_data, ["inputs"])
        layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"
                  and _single_output(layer)]
        if layers:
            for layer, value in zip(layers, self._layer_outputs(layers, inputs, "activations")):
                self._histogram(f"{layer.name}_out", value, epoch)
        if self.write_grads:
            weights = list(model.trainable_weights)
            feeds = list(model._feed_inputs) + list(model._feed_targets) + \
                list(model._feed_sample_weights)
            function = self._function("gradients", feeds,
                                      K.gradients(model.total_loss, weights))
            arrays = self._feed(self.validation_data, ["inputs", "targets", "weights"])
            totals, seen = None, 0
            for grads, size in self._run_batched(function, arrays):
                grads = [np.asarray(g, dtype=np.float64) * size for g in grads]
                totals = grads if totals is None else [t + g for t, g in zip(totals, grads)]
                seen += size
            for weight, total in zip(weights, totals or []):
                self._histogram(weight.name.replace(":", "_") + "_grad", total / seen, epoch)

    def _write_embeddings(self, epoch):
        model = self.model
        names = self.embeddings_layer_names
        if not names:
            names = [layer.name for layer in model.layers if type(layer).__name__ == "Embedding"]
        if not names:
            raise ValueError("TensorBoard: embeddings_freq is set but the model has no Embedding "
                             "layer; name the layers to project in embeddings_layer_names.")
        layers = [model.get_layer(name) for name in names]
        data = self.embeddings_data if isinstance(self.embeddings_data, (list, tuple)) \
            else [self.embeddings_data]
        if isinstance(self.embeddings_metadata, str):
            metadata = {name: self.embeddings_metadata for name in names}
        else:
            metadata = dict(self.embeddings_metadata or {})
        entries = []
        for layer, values in zip(layers, self._layer_outputs(layers, list(data), "embeddings")):
            folder = os.path.join(self.log_dir, layer.name)
            os.makedirs(folder, exist_ok=True)
            values = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
            np.savetxt(os.path.join(folder, "tensors.tsv"), values, delimiter="\t", fmt="%.7g")
            entry = (f'embeddings {{\n  tensor_name: "{layer.name}"\n'
                     f'  tensor_path: "{layer.name}/tensors.tsv"\n')
            if layer.name in metadata:
                entry += f'  metadata_path: "{metadata[layer.name]}"\n'
            entries.append(entry + "}\n")
        with open(os.path.join(self.log_dir, "projector_config.pbtxt"), "w") as f:
            f.write("".join(entries))

    # -- hooks -----------------------------------------------------------------------------
    def set_model(self, model):
        self.model = model
        self._pb = self._protos()
        if self.writer is not None:
            self.writer.close()
        os.makedirs(self.log_dir, exist_ok=True)
        self.writer = self._pb.EventFileWriter(self.log_dir)
        self._functions = {}
        if self.embeddings_freq and self.embeddings_layer_names:
            known = [layer.name for layer in model.layers]
            unknown = [n for n in self.embeddings_layer_names if n not in known]
            if unknown:
                raise ValueError(f"TensorBoard: Expected embeddings_layer_names among the model's "
                                 f"layers {known}. Received unknown names: {unknown}")
        if self.write_graph:
            self._write_graph()
        self.writer.flush()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_histograms(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self._write_embeddings(epoch)
        index = epoch if self.update_freq == "epoch" else self.samples_seen
        self._write_logs(logs, index)

    def _write_logs(self, logs, index):
        for name, value in logs.items():
            if name in ("batch", "size"):
                continue
            value = np.asarray(value)
            if value.size == 1 and value.dtype.kind in "biuf":
                self._scalar(name, value.item(), index)
        self.writer.flush()

    def on_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch":
            return
        logs = logs or {}
        self.samples_seen += logs.get("size", 1)
        if self.samples_seen - self.samples_seen_at_last_write >= self.update_freq:
            self._write_logs(logs, self.samples_seen)
            self.samples_seen_at_last_write = self.samples_seen

    def on_train_end(self, logs=None):
        if self.writer is not None:
            self.writer.close()


def _single_output(layer):
    try:
        return K.is_keras_tensor(layer.output)
    except (AttributeError, ValueError, RuntimeError):
        return False


def _weight_picture(value):
    """A weight as a 2-D picture (Keras 2.2.4's layout), or None for weights of rank > 3."""
    value = np.squeeze(np.asarray(value))
    if value.ndim == 1:
        return value[:, None]
    if value.ndim == 2:
        return value.T if value.shape[0] > value.shape[1] else value
    if value.ndim == 3:  # a 1-D convolution kernel: (width, in, out) -> rows of width
        return value.reshape(value.shape[0], -1)
    return None
