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
            return  # the median is at most the largest duration: no warning (no np.median per batch)
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
        """Draw the loss and metric curves with matplotlib; see :func:`polykeras.utils.plot_history`."""
        from .utils.vis_utils import plot_history
        return plot_history(self, metrics=metrics, path=path, show=show)


def _monitor_op(mode, monitor, owner):
    """``(is_better, sign)`` for ``mode`` ``"min"``, ``"max"`` or ``"auto"`` (max for accuracies)."""
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
            raise ValueError(f"ModelCheckpoint: Expected an int period >= 1. Received: period={period!r}")
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
                    print(f"\nEpoch {epoch + 1:05d}: {self.monitor} did not improve from {self.best:0.5f}")
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
    """Set the learning rate at the start of each epoch to ``schedule(epoch)`` (or ``schedule(epoch, lr)``).

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
            raise ValueError(f"ReduceLROnPlateau: Expected factor < 1.0. Received: factor={factor!r}")
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
