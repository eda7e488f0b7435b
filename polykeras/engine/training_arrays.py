"""The training, evaluation and prediction loops over NumPy arrays (Keras 2.2's training_arrays).

One loop for every backend: each batch is sliced from the NumPy arrays
once and fed to a compiled ``K.function`` (made once per model, never per
batch); nothing per batch depends on the number of layers.
"""

from __future__ import annotations

import numpy as np

from .. import callbacks as cbks
from ..utils.generic_utils import Progbar, to_list, unpack_singleton
from .training_utils import batch_shuffle, check_num_samples, make_batches


def _slice(ins, start, end, index_array=None):
    """The batch of every array in ``ins``; a float (the learning phase) is passed through."""
    if index_array is None:
        return [x if isinstance(x, float) else x[start:end] for x in ins]
    ids = index_array[start:end]
    return [x if isinstance(x, float) else x[ids] for x in ins]


def _acting_between_batches(callbacks) -> bool:
    """Whether a callback other than the loggers (BaseLogger, ProgbarLogger, History)
    defines ``on_batch_begin`` or ``on_batch_end`` (it may stop training, change a variable,
    read the weights, ...)."""
    for callback in callbacks:
        if type(callback) in (cbks.BaseLogger, cbks.ProgbarLogger, cbks.History):
            continue
        for hook in ("on_batch_begin", "on_batch_end"):
            method = getattr(callback, hook)
            if getattr(method, "__func__", method) is not getattr(cbks.Callback, hook):
                return True
    return False


def _run_batches(function, batches):
    """``(key, outputs)`` for each ``(key, inputs)`` of ``batches``, in order. On a backend that
    computes asynchronously, each batch is sliced and started before the outputs of the one
    before are waited for."""
    if not getattr(function, "asynchronous", False):
        for key, ins in batches:
            yield key, to_list(function(ins))
        return
    pending = None
    for key, ins in batches:
        handle = function.dispatch(ins)
        if pending is not None:
            yield pending[0], to_list(pending[1].result())
        pending = (key, handle)
    if pending is not None:
        yield pending[0], to_list(pending[1].result())


def _end_batch(callbacks, out_labels, batch_index, batch_logs, outs):
    """Put a batch's outputs into its logs under their labels and call ``on_batch_end``."""
    for label, value in zip(out_labels, to_list(outs)):
        batch_logs[label] = value
    callbacks.on_batch_end(batch_index, batch_logs)


def _validation_logs(epoch_logs, out_labels, val_outs):
    for label, value in zip(out_labels, to_list(val_outs)):
        epoch_logs["val_" + label] = value


def fit_loop(model, fit_function, fit_inputs, out_labels=None, batch_size=None, epochs=100,
             verbose=1, callbacks=None, val_function=None, val_inputs=None, shuffle=True,
             callback_metrics=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None):
    """Train ``model`` with ``fit_function`` on the arrays ``fit_inputs``; returns the History.

    Args:
        fit_function: ``K.function`` taking ``fit_inputs`` batches, returning
            the loss and metrics (``out_labels`` name them).
        fit_inputs: inputs + targets + sample weights (+ the learning phase 1.0).
        val_function, val_inputs: the same for validation at each epoch end.
        shuffle: True, False or ``"batch"`` (shuffle whole batches, for HDF5).
        steps_per_epoch: run the function that many times on the whole
            inputs instead of batching them (inputs that are not sample arrays).
    """
    do_validation = bool(val_function and val_inputs)
    if do_validation and verbose and fit_inputs and hasattr(fit_inputs[0], "shape") \
            and hasattr(val_inputs[0], "shape"):
        print(f"Train on {fit_inputs[0].shape[0]} samples, "
              f"validate on {val_inputs[0].shape[0]} samples")
    if validation_steps:
        do_validation = True
        if steps_per_epoch is None:
            raise ValueError("fit: validation_steps can only be used with steps_per_epoch set.")
    elif do_validation and steps_per_epoch:
        raise ValueError("fit: Expected validation_steps to validate when steps_per_epoch is set.")

    num_samples = check_num_samples(fit_inputs, batch_size=batch_size, steps=steps_per_epoch,
                                    steps_name="steps_per_epoch", caller="fit")
    index_array = np.arange(num_samples) if num_samples is not None else None

    model.history = cbks.History()
    stateful_names = getattr(model, "stateful_metric_names", [])
    callback_list = [cbks.BaseLogger(stateful_metrics=stateful_names)]
    if verbose:
        count_mode = "steps" if steps_per_epoch is not None else "samples"
        callback_list.append(cbks.ProgbarLogger(count_mode, stateful_metrics=stateful_names))
    callback_list += list(callbacks or []) + [model.history]
    callbacks = cbks.CallbackList(callback_list)
    out_labels = out_labels or []

    callback_model = getattr(model, "callback_model", None) or model
    callbacks.set_model(callback_model)
    callbacks.set_params({
        "batch_size": batch_size, "epochs": epochs, "steps": steps_per_epoch,
        "samples": num_samples, "verbose": verbose, "do_validation": do_validation,
        "metrics": callback_metrics or []})
    callbacks.on_train_begin()
    callback_model.stop_training = False
    # On a backend that computes asynchronously (JAX), batch i + 1 is sliced and started while
    # batch i computes, when no callback acts between batches (none but the loggers has batch
    # hooks): the values they log are unchanged, only delivered one batch later.
    pipelined = hasattr(fit_function, "dispatch") and getattr(fit_function, "asynchronous", False) \
        and not _acting_between_batches(callbacks)
    for callback in callbacks:
        callback.validation_data = val_inputs

    for epoch in range(initial_epoch, epochs):
        for metric in getattr(model, "stateful_metric_functions", []):
            metric.reset_states()
        callbacks.on_epoch_begin(epoch)
        epoch_logs = {}
        if steps_per_epoch is not None:
            for step in range(steps_per_epoch):
                batch_logs = {"batch": step, "size": 1}
                callbacks.on_batch_begin(step, batch_logs)
                _end_batch(callbacks, out_labels, step, batch_logs, fit_function(fit_inputs))
                if callback_model.stop_training:
                    break
            if do_validation:
                _validation_logs(epoch_logs, out_labels, test_loop(
                    model, val_function, val_inputs, steps=validation_steps, verbose=0))
        else:
            if shuffle == "batch":
                index_array = batch_shuffle(index_array, batch_size)
            elif shuffle:
                np.random.shuffle(index_array)
            order = index_array if shuffle else None
            batches = make_batches(num_samples, batch_size)
            pending = None
            for batch_index, (start, end) in enumerate(batches):
                ins_batch = _slice(fit_inputs, start, end, order)
                batch_logs = {"batch": batch_index, "size": end - start}
                callbacks.on_batch_begin(batch_index, batch_logs)
                if pipelined:
                    # this batch starts before the last one's outputs are waited for
                    handle = fit_function.dispatch(ins_batch)
                    if pending is not None:
                        _end_batch(callbacks, out_labels, *pending[:2], pending[2].result())
                    pending = (batch_index, batch_logs, handle)
                    continue
                _end_batch(callbacks, out_labels, batch_index, batch_logs, fit_function(ins_batch))
                if callback_model.stop_training:
                    break
            if pending is not None:
                _end_batch(callbacks, out_labels, *pending[:2], pending[2].result())
            if do_validation and not callback_model.stop_training:
                _validation_logs(epoch_logs, out_labels, test_loop(
                    model, val_function, val_inputs, batch_size=batch_size, verbose=0))
        callbacks.on_epoch_end(epoch, epoch_logs)
        if callback_model.stop_training:
            break
    callbacks.on_train_end()
    return model.history


def predict_loop(model, function, inputs, batch_size=32, verbose=0, steps=None):
    """The outputs of ``function`` over ``inputs`` in batches, concatenated (NumPy arrays)."""
    num_samples = check_num_samples(inputs, batch_size=batch_size, steps=steps, steps_name="steps",
                                    caller="predict")
    progbar = None
    if verbose == 1:
        progbar = Progbar(target=steps if steps is not None else num_samples)

    if steps is not None:
        chunks = []
        for step in range(steps):
            batch_outs = [np.asarray(o) for o in to_list(function(inputs))]
            if step == 0:
                chunks = [[] for _ in batch_outs]
            for i, out in enumerate(batch_outs):
                chunks[i].append(out)
            if progbar is not None:
                progbar.update(step + 1)
        return unpack_singleton([np.concatenate(c, axis=0) for c in chunks])

    outs = []
    # A backend compiling one program per batch shape (JAX) gets a last partial batch padded
    # to the batch size with copies of its last sample: no new compilation; rows cut below.
    pad = getattr(function, "pads_partial_batches", False) and _rows_are_independent(model)
    batches = (((start, end), _padded(_slice(inputs, start, end), batch_size) if pad
                else _slice(inputs, start, end))
               for start, end in make_batches(num_samples, batch_size))
    for batch_index, ((start, end), batch_outs) in enumerate(_run_batches(function, batches)):
        if batch_index == 0:
            # Pre-allocate the results: one copy per batch, no concatenation at the end.
            for out in batch_outs:
                out = np.asarray(out)
                outs.append(np.empty((num_samples,) + out.shape[1:], dtype=out.dtype))
        for i, out in enumerate(batch_outs):
            outs[i][start:end] = out[:end - start]
        if progbar is not None:
            progbar.update(end)
    if num_samples == 0:
        return unpack_singleton(_empty_outputs(model))
    return unpack_singleton(outs)


#: Modules whose layers compute each sample's outputs from that sample alone at test time.
_ROW_WISE_MODULES = ("polykeras.layers.", "polykeras.engine.", "polykeras.legacy.")


def _rows_are_independent(model) -> bool:
    """Whether padding rows can change neither a real row's outputs nor any state.

    True when every layer, nested models and wrapped layers included, is one of polykeras's
    own (their test-time outputs are per sample) other than ``Lambda``, and nothing is
    stateful. A custom layer may mix samples (``x - K.mean(x, axis=0)``) or count them, so
    models with one are not padded: their last partial batch compiles its own program.
    """
    if getattr(model, "state_updates", None):
        return False
    pending, seen = list(getattr(model, "layers", ())), set()
    while pending:
        layer = pending.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        cls = type(layer)
        if (not cls.__module__.startswith(_ROW_WISE_MODULES) or cls.__name__ == "Lambda"
                or getattr(layer, "stateful", False)):
            return False
        pending.extend(getattr(layer, "layers", ()))
        if getattr(layer, "layer", None) is not None:
            pending.append(layer.layer)
        pending.extend(getattr(layer, "forward_layer", None) and
                       [layer.forward_layer, layer.backward_layer] or ())
    return True


def _padded(ins, size):
    """The arrays of a batch padded to ``size`` rows with copies of their last row."""
    padded = []
    for x in ins:
        if isinstance(x, float) or len(x) >= size or len(x) == 0:
            padded.append(x)
        else:
            padded.append(np.concatenate([x, np.repeat(x[-1:], size - len(x), axis=0)]))
    return padded


def _zero_weight_padded(ins, size, weights_at):
    """:func:`_padded`, the padding rows given a sample weight of 0."""
    real = len(next(x for x in ins if not isinstance(x, float)))
    padded = _padded(ins, size)
    if real < size:
        for j in weights_at:
            weights = np.array(padded[j], copy=True)
            weights[real:] = 0
            padded[j] = weights
    return padded


def _empty_outputs(model):
    result = []
    for x in model.outputs:
        shape = getattr(x, "_keras_shape", None) or (None,)
        result.append(np.zeros((0,) + tuple(d or 0 for d in shape[1:]), dtype=np.float32))
    return result


def test_loop(model, function, inputs, batch_size=None, verbose=0, steps=None,
              pad_weights_at=None):
    """The loss and metrics of ``function`` over ``inputs``, averaged over samples.

    Stateful metrics report their value after the last batch instead of an average.
    ``pad_weights_at``: the positions of the sample weights in ``inputs`` when rows of
    weight 0 change no output (every metric weighted, no mask): a backend compiling one
    program per batch shape (JAX) then gets a last partial batch padded to the batch size.
    """
    for metric in getattr(model, "stateful_metric_functions", []):
        metric.reset_states()
    stateful_indices = [i for i, name in enumerate(getattr(model, "metrics_names", []))
                        if name in getattr(model, "stateful_metric_names", [])]
    num_samples = check_num_samples(inputs, batch_size=batch_size, steps=steps, steps_name="steps",
                                    caller="evaluate")
    progbar = None
    if verbose == 1:
        progbar = Progbar(target=steps if steps is not None else num_samples)

    outs = []
    if steps is not None:
        for step in range(steps):
            batch_outs = to_list(function(inputs))
            if step == 0:
                outs = [0.0] * len(batch_outs)
            for i, out in enumerate(batch_outs):
                if i in stateful_indices:
                    outs[i] = float(out)
                else:
                    outs[i] += float(out)
            if progbar is not None:
                progbar.update(step + 1)
        for i in range(len(outs)):
            if i not in stateful_indices:
                outs[i] /= steps
    else:
        pad = (pad_weights_at is not None and getattr(function, "pads_partial_batches", False)
               and _rows_are_independent(model))
        batches = (((start, end), _zero_weight_padded(_slice(inputs, start, end), batch_size,
                                                      pad_weights_at) if pad
                    else _slice(inputs, start, end))
                   for start, end in make_batches(num_samples, batch_size))
        for batch_index, ((start, end), batch_outs) in enumerate(_run_batches(function, batches)):
            if batch_index == 0:
                outs = [0.0] * len(batch_outs)
            for i, out in enumerate(batch_outs):
                if i in stateful_indices:
                    outs[i] = float(out)
                else:
                    outs[i] += float(out) * (end - start)
            if progbar is not None:
                progbar.update(end)
        for i in range(len(outs)):
            if i not in stateful_indices:
                outs[i] /= num_samples
    return unpack_singleton(outs)
