"""Training, evaluation and prediction on data from a generator or a ``Sequence``.

Keras 2.2's ``training_generator``: batches come from a Python generator or
a :class:`~polykeras.utils.data_utils.Sequence`, through an enqueuer running
``workers`` threads (or directly in this thread with ``workers=0``). An
exception raised by the generator stops the enqueuer and is raised again in
the caller; the enqueuer is always stopped, so nothing is left running.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import callbacks as cbks
from ..utils.data_utils import GeneratorEnqueuer, OrderedEnqueuer, Sequence
from ..utils.generic_utils import Progbar, to_list, unpack_singleton


def _iter_sequence_infinite(sequence):
    while True:
        for item in sequence:
            yield item


def _is_generator_like(data):
    return hasattr(data, "__next__") or isinstance(data, Sequence)


def _start(generator, workers, max_queue_size, use_multiprocessing, shuffle):
    """``(enqueuer or None, iterator of batches)`` for ``generator``."""
    is_sequence = isinstance(generator, Sequence)
    if workers > 0:
        if is_sequence:
            enqueuer = OrderedEnqueuer(generator, use_multiprocessing=use_multiprocessing,
                                       shuffle=shuffle)
        else:
            enqueuer = GeneratorEnqueuer(generator, use_multiprocessing=use_multiprocessing)
        enqueuer.start(workers=workers, max_queue_size=max_queue_size)
        return enqueuer, enqueuer.get()
    return None, (_iter_sequence_infinite(generator) if is_sequence else generator)


class GeneratorExhausted(StopIteration):
    """The generator ended before the batches the call expected (a ``StopIteration``, as Keras
    2.2.4 raised, with a message saying where)."""


def _next_batch(batches, caller, drawn, expected):
    """The next batch; a generator that ends early raises :class:`GeneratorExhausted`."""
    try:
        return next(batches)
    except StopIteration:
        raise GeneratorExhausted(
            f"{caller}: the generator stopped (StopIteration) after {drawn} batch(es); "
            f"expected {expected}. Use a generator that loops indefinitely, or a "
            f"keras.utils.Sequence.") from None


def _unpack(output, caller, allow_x_only=False):
    """``(x, y, sample_weight)`` from one generator output."""
    if isinstance(output, tuple):
        if len(output) == 2:
            return output[0], output[1], None
        if len(output) == 3:
            return output
        if allow_x_only and len(output) == 1:
            return output[0], None, None
    elif allow_x_only:
        return output, None, None
    raise ValueError(f"{caller}: Expected the generator to yield tuples (x, y) or "
                     f"(x, y, sample_weight)" + (" or x" if allow_x_only else "") +
                     f". Received: {str(output)[:200]}")


def _batch_size(x, caller):
    if x is None:
        return 1
    if isinstance(x, dict):
        x = next(iter(x.values()))
    if isinstance(x, list):
        x = x[0]
    size = int(np.shape(x)[0])
    if size == 0:
        raise ValueError(f"{caller}: Received an empty batch; batches must hold at least one sample.")
    return size


def _steps(generator, steps, caller, name):
    if steps is None:
        if isinstance(generator, Sequence):
            return len(generator)
        raise ValueError(f"{caller}: {name}=None is only valid for a keras.utils.Sequence; pass "
                         f"{name} for a Python generator.")
    return steps


def fit_generator(model, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                  validation_data=None, validation_steps=None, class_weight=None,
                  max_queue_size=10, workers=1, use_multiprocessing=False, shuffle=True,
                  initial_epoch=0):
    """Train ``model`` on batches from ``generator``; see :meth:`Model.fit_generator`."""
    if model.built and model.outputs and not getattr(model, "_compile_pending", False):
        model._make_train_function()  # fail early, before any batch is drawn
    do_validation = bool(validation_data is not None and (
        _is_generator_like(validation_data) or len(validation_data)))
    if not isinstance(generator, Sequence) and use_multiprocessing and workers > 1:
        warnings.warn("fit_generator: a generator with use_multiprocessing=True and several "
                      "workers may duplicate data; consider keras.utils.Sequence.")
    steps_per_epoch = _steps(generator, steps_per_epoch, "fit_generator", "steps_per_epoch")
    val_gen = do_validation and _is_generator_like(validation_data)
    if val_gen and not isinstance(validation_data, Sequence) and not validation_steps:
        raise ValueError("fit_generator: validation_steps=None is only valid for a "
                         "keras.utils.Sequence; pass validation_steps for a Python generator.")

    out_labels = model.metrics_names
    callback_metrics = out_labels + ["val_" + n for n in out_labels]
    model.history = cbks.History()
    stateful_names = model.stateful_metric_names
    callback_list = [cbks.BaseLogger(stateful_metrics=stateful_names)]
    if verbose:
        callback_list.append(cbks.ProgbarLogger(count_mode="steps", stateful_metrics=stateful_names))
    callback_list += list(callbacks or []) + [model.history]
    callbacks = cbks.CallbackList(callback_list)
    callback_model = getattr(model, "callback_model", None) or model
    callbacks.set_model(callback_model)
    callbacks.set_params({"epochs": epochs, "steps": steps_per_epoch, "verbose": verbose,
                          "do_validation": do_validation, "metrics": callback_metrics})
    callbacks.on_train_begin()

    enqueuer = val_enqueuer = None
    try:
        if do_validation:
            if val_gen:
                if isinstance(validation_data, Sequence):
                    validation_steps = validation_steps or len(validation_data)
                val_enqueuer, val_batches = _start(validation_data, workers, max_queue_size,
                                                   use_multiprocessing, False)
            else:
                if len(validation_data) == 2:
                    val_x, val_y = validation_data
                    val_sample_weight = None
                elif len(validation_data) == 3:
                    val_x, val_y, val_sample_weight = validation_data
                else:
                    raise ValueError("fit_generator: Expected validation_data as (x, y) or "
                                     f"(x, y, sample_weight). Received: a tuple of "
                                     f"{len(validation_data)} items")
                val_x, val_y, val_sample_weights = model._standardize_user_data(
                    val_x, val_y, val_sample_weight, caller="fit_generator")
                val_data = val_x + val_y + val_sample_weights
                if model._uses_dynamic_learning_phase():
                    val_data += [0.0]
                for callback in callbacks:
                    callback.validation_data = val_data

        enqueuer, batches = _start(generator, workers, max_queue_size, use_multiprocessing, shuffle)
        callback_model.stop_training = False
        epoch_logs = {}
        epoch = initial_epoch
        while epoch < epochs:
            for metric in model.stateful_metric_functions:
                metric.reset_states()
            callbacks.on_epoch_begin(epoch)
            steps_done = 0
            while steps_done < steps_per_epoch:
                drawn = (epoch - initial_epoch) * steps_per_epoch + steps_done
                x, y, sample_weight = _unpack(_next_batch(
                    batches, "fit_generator", drawn, f"{steps_per_epoch} per epoch for epochs "
                    f"{initial_epoch + 1} to {epochs}"), "fit_generator")
                batch_logs = {"batch": steps_done, "size": _batch_size(x, "fit_generator")}
                callbacks.on_batch_begin(steps_done, batch_logs)
                outs = to_list(model.train_on_batch(x, y, sample_weight=sample_weight,
                                                    class_weight=class_weight))
                for label, value in zip(out_labels, outs):
                    batch_logs[label] = value
                callbacks.on_batch_end(steps_done, batch_logs)
                steps_done += 1
                if steps_done >= steps_per_epoch and do_validation:
                    if val_gen:
                        val_outs = evaluate_generator(model, val_batches, validation_steps, workers=0)
                    else:
                        val_outs = model.evaluate(val_x, val_y, batch_size=batch_logs["size"],
                                                  sample_weight=val_sample_weights, verbose=0)
                    for label, value in zip(out_labels, to_list(val_outs)):
                        epoch_logs["val_" + label] = value
                if callback_model.stop_training:
                    break
            callbacks.on_epoch_end(epoch, epoch_logs)
            epoch += 1
            if callback_model.stop_training:
                break
            if enqueuer is None and isinstance(generator, Sequence):
                generator.on_epoch_end()  # as Keras 2.2.4 (workers=0); enqueuers call it themselves
    finally:
        try:
            if enqueuer is not None:
                enqueuer.stop()
        finally:
            if val_enqueuer is not None:
                val_enqueuer.stop()
    callbacks.on_train_end()
    return model.history


def evaluate_generator(model, generator, steps=None, max_queue_size=10, workers=1,
                       use_multiprocessing=False, verbose=0):
    """Loss and metrics over ``steps`` batches of ``generator``, averaged by batch size."""
    for metric in model.stateful_metric_functions:
        metric.reset_states()
    stateful_indices = [i for i, name in enumerate(model.metrics_names)
                        if name in model.stateful_metric_names]
    steps = _steps(generator, steps, "evaluate_generator", "steps")
    outs_per_batch, batch_sizes = [], []
    enqueuer = None
    try:
        enqueuer, batches = _start(generator, workers, max_queue_size, use_multiprocessing, False)
        progbar = Progbar(target=steps) if verbose == 1 else None
        for step in range(steps):
            x, y, sample_weight = _unpack(_next_batch(batches, "evaluate_generator", step, steps),
                                          "evaluate_generator")
            outs_per_batch.append(to_list(model.test_on_batch(x, y, sample_weight=sample_weight)))
            batch_sizes.append(_batch_size(x, "evaluate_generator"))
            if progbar is not None:
                progbar.update(step + 1)
    finally:
        if enqueuer is not None:
            enqueuer.stop()
    if not outs_per_batch:
        raise ValueError("evaluate_generator: Expected steps >= 1. Received: steps=0")
    averages = []
    for i in range(len(outs_per_batch[0])):
        if i in stateful_indices:
            averages.append(float(outs_per_batch[-1][i]))
        else:
            averages.append(float(np.average([float(o[i]) for o in outs_per_batch],
                                             weights=batch_sizes)))
    return unpack_singleton(averages)


def predict_generator(model, generator, steps=None, max_queue_size=10, workers=1,
                      use_multiprocessing=False, verbose=0):
    """Predictions for ``steps`` batches of ``generator`` (yielding ``x`` or ``(x, ...)``)."""
    steps = _steps(generator, steps, "predict_generator", "steps")
    chunks = []
    enqueuer = None
    try:
        enqueuer, batches = _start(generator, workers, max_queue_size, use_multiprocessing, False)
        progbar = Progbar(target=steps) if verbose == 1 else None
        for step in range(steps):
            x, _, _ = _unpack(_next_batch(batches, "predict_generator", step, steps),
                              "predict_generator", allow_x_only=True)
            outs = to_list(model.predict_on_batch(x))
            if not chunks:
                chunks = [[] for _ in outs]
            for i, out in enumerate(outs):
                chunks[i].append(out)
            if progbar is not None:
                progbar.update(step + 1)
    finally:
        if enqueuer is not None:
            enqueuer.stop()
    if not chunks:
        raise ValueError("predict_generator: Expected steps >= 1. Received: steps=0")
    return unpack_singleton([np.concatenate(c, axis=0) for c in chunks])


__all__ = ["fit_generator", "evaluate_generator", "predict_generator"]
