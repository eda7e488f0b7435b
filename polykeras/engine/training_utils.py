"""Helpers of the training engine: checking user data, batching, sample weights, losses.

Everything here works on NumPy arrays or builds symbolic loss expressions
with ``K``; nothing depends on a backend.
"""

from __future__ import annotations

import copy

import numpy as np

from .. import backend as K
from ..backends.common.dtypes import exact_cast
from .. import losses as losses_module


def _describe(data):
    text = str(data)
    return text if len(text) <= 200 else text[:200] + "..."


def standardize_input_data(data, names, shapes=None, check_batch_axis=True, exception_prefix="",
                           caller="fit", dtypes=None):
    """Turn ``data`` (array, list or dict of arrays) into a list of arrays, one per ``names``.

    1-D arrays become ``(n, 1)``; each array is checked against ``shapes``
    (None entries accept anything) and, when ``dtypes`` is given, converted
    once to the dtype of its placeholder.

    Raises:
        ValueError: a missing name, a wrong number of arrays, or an array of
            the wrong rank or shape; the message starts with ``caller``.
    """
    if not names:
        if data is not None and hasattr(data, "__len__") and len(data):
            raise ValueError(f"{caller}: Error when checking model {exception_prefix}: expected no "
                             f"data, but received: {_describe(data)}")
        return []
    if data is None:
        return [None for _ in names]

    if isinstance(data, dict):
        missing = [n for n in names if n not in data]
        if missing:
            raise ValueError(f"{caller}: Error when checking model {exception_prefix}: no data "
                             f"provided for {missing}. Expected keys {names}. "
                             f"Received keys {sorted(data)}")
        arrays = [data[n] for n in names]
    elif isinstance(data, list):
        if len(data) and isinstance(data[0], list):
            arrays = [np.asarray(x) for x in data]
        elif len(names) == 1 and len(data) and np.isscalar(data[0]):
            arrays = [np.asarray(data)]
        else:
            arrays = data
    else:
        arrays = [data]
    arrays = [np.asarray(x) if not hasattr(x, "shape") else x for x in arrays]

    if len(arrays) != len(names):
        if arrays and hasattr(arrays[0], "shape"):
            raise ValueError(
                f"{caller}: Error when checking model {exception_prefix}: the list of arrays you "
                f"passed is not the size the model expected. Expected to see {len(names)} array(s) "
                f"({names}). Received: {len(arrays)} arrays: {_describe(data)}")
        if len(names) == 1:
            arrays = [np.asarray(arrays)]
        else:
            raise ValueError(f"{caller}: Error when checking model {exception_prefix}: expected a "
                             f"list of {len(names)} arrays ({names}). Received: {_describe(data)}")

    result = []
    for i, array in enumerate(arrays):
        if array.ndim == 1:
            array = np.expand_dims(array, 1)
        if shapes is not None and shapes[i] is not None:
            shape = tuple(shapes[i])
            if array.ndim != len(shape):
                raise ValueError(f"{caller}: Error when checking {exception_prefix}: expected "
                                 f"{names[i]} to have {len(shape)} dimensions (shape {shape}). "
                                 f"Received: an array of shape {array.shape}")
            for j, (dim, ref) in enumerate(zip(array.shape, shape)):
                if not check_batch_axis and j == 0:
                    continue
                if ref is not None and ref != dim:
                    raise ValueError(f"{caller}: Error when checking {exception_prefix}: expected "
                                     f"{names[i]} to have shape {shape}. Received: an array of "
                                     f"shape {array.shape}")
        if dtypes is not None and dtypes[i] is not None and array.dtype != np.dtype(dtypes[i]):
            if not isinstance(array, np.ndarray):
                array = np.asarray(array)
            # no silent wrap-around, truncation, inf or NaN (None in an object array)
            array = exact_cast(array, str(np.dtype(dtypes[i])), caller,
                               f"{exception_prefix} {names[i]!r}")
        result.append(array)
    return result


def standardize_sample_or_class_weights(x_weight, output_names, weight_type, caller="fit"):
    """Per-output list of ``sample_weight``/``class_weight`` entries (None where absent)."""
    if x_weight is None or (isinstance(x_weight, list) and not x_weight):
        return [None] * len(output_names)
    if len(output_names) == 1:
        if isinstance(x_weight, list) and len(x_weight) == 1:
            return x_weight
        if isinstance(x_weight, dict) and output_names[0] in x_weight:
            return [x_weight[output_names[0]]]
        return [x_weight]
    if isinstance(x_weight, list):
        if len(x_weight) != len(output_names):
            raise ValueError(f"{caller}: Expected a list of {len(output_names)} {weight_type} "
                             f"entries, one per output ({output_names}). Received: {len(x_weight)}")
        return x_weight
    if isinstance(x_weight, dict):
        unknown = [k for k in x_weight if k not in output_names]
        if unknown:
            raise ValueError(f"{caller}: {weight_type} given for unknown outputs {unknown}. "
                             f"Expected keys among {output_names}")
        return [x_weight.get(name) for name in output_names]
    raise TypeError(f"{caller}: Expected {weight_type} as a list or a dict keyed by output name "
                    f"for a model with several outputs. Received: {type(x_weight).__name__}")


def standardize_weights(y, sample_weight=None, class_weight=None, sample_weight_mode=None,
                        caller="fit"):
    """The per-sample weights of target array ``y``: a floatx array, all ones when none are given.

    ``sample_weight`` has shape ``(n,)`` (``(n, timesteps)`` with
    ``sample_weight_mode="temporal"``); ``class_weight`` maps class index ->
    weight, the class read from one-hot/probability targets by arg-max.

    Raises:
        ValueError: shapes that do not match ``y``, or a class missing from
            ``class_weight``.
    """
    if sample_weight_mode is not None:
        if sample_weight_mode != "temporal":
            raise ValueError(f"{caller}: Expected sample_weight_mode None or 'temporal'. "
                             f"Received: {sample_weight_mode!r}")
        if y.ndim < 3:
            raise ValueError(f"{caller}: sample_weight_mode='temporal' needs targets of rank >= 3. "
                             f"Received: targets of shape {y.shape}")
        if sample_weight is not None and np.ndim(sample_weight) != 2:
            raise ValueError(f"{caller}: sample_weight_mode='temporal' needs 2-D sample weights "
                             f"(samples, timesteps). Received: shape {np.shape(sample_weight)}")
    elif sample_weight is not None and np.ndim(sample_weight) != 1:
        raise ValueError(f"{caller}: Expected 1-D sample weights, one per sample. Received: shape "
                         f"{np.shape(sample_weight)}. Use sample_weight_mode='temporal' for 2-D.")

    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight)
        if sample_weight.shape != y.shape[:sample_weight.ndim]:
            raise ValueError(f"{caller}: Expected sample weights of shape {y.shape[:sample_weight.ndim]} "
                             f"for targets of shape {y.shape}. Received: shape {sample_weight.shape}")
        return sample_weight.astype(K.floatx(), copy=False)
    if isinstance(class_weight, dict):
        if y.ndim > 2:
            raise ValueError(f"{caller}: class_weight is not supported for targets of rank > 2. "
                             f"Received: targets of shape {y.shape}")
        classes = y.argmax(axis=1) if y.shape[1] > 1 else y.reshape(y.shape[0]).astype(np.int64)
        missing = sorted(set(np.unique(classes).tolist()) - set(class_weight))
        if missing:
            raise ValueError(f"{caller}: class_weight has no entry for classes {missing}. "
                             f"Received keys {sorted(class_weight)}")
        return np.asarray([class_weight[c] for c in classes.tolist()], dtype=K.floatx())
    if class_weight is not None and not isinstance(class_weight, dict):
        raise TypeError(f"{caller}: Expected class_weight as a dict class -> weight. "
                        f"Received: {type(class_weight).__name__}")
    shape = (y.shape[0],) if sample_weight_mode is None else (y.shape[0], y.shape[1])
    return np.ones(shape, dtype=K.floatx())


def check_array_length_consistency(inputs, targets, weights=None, caller="fit"):
    """Raise ValueError unless all arrays have the same number of samples."""
    def lengths(arrays):
        return {int(x.shape[0]) for x in arrays if x is not None}

    set_x, set_y, set_w = lengths(inputs), lengths(targets), lengths(weights or [])
    if len(set_x) > 1:
        raise ValueError(f"{caller}: All input arrays (x) should have the same number of samples. "
                         f"Received shapes: {[x.shape for x in inputs]}")
    if len(set_y) > 1:
        raise ValueError(f"{caller}: All target arrays (y) should have the same number of samples. "
                         f"Received shapes: {[y.shape for y in targets]}")
    if set_x and set_y and set_x != set_y:
        raise ValueError(f"{caller}: Input arrays should have the same number of samples as target "
                         f"arrays. Received: {next(iter(set_x))} input samples and "
                         f"{next(iter(set_y))} target samples.")
    if len(set_w) > 1:
        raise ValueError(f"{caller}: All sample_weight arrays should have the same number of "
                         f"samples. Received shapes: {[w.shape for w in weights if w is not None]}")
    if set_y and set_w and set_y != set_w:
        raise ValueError(f"{caller}: sample_weight should have the same number of samples as the "
                         f"targets. Received: {next(iter(set_w))} sample weights and "
                         f"{next(iter(set_y))} target samples.")


def check_loss_and_target_compatibility(targets, loss_fns, output_shapes, caller="fit"):
    """Catch the classic mistakes: categorical cross-entropy on integer labels, shape mismatches."""
    shape_checked = {losses_module.mean_squared_error, losses_module.binary_crossentropy,
                     losses_module.categorical_crossentropy}
    for y, loss, shape in zip(targets, loss_fns, output_shapes):
        if y is None or loss is None:
            continue
        if loss is losses_module.categorical_crossentropy and y.shape[-1] == 1:
            raise ValueError(
                f"{caller}: You are passing a target array of shape {y.shape} while using "
                "categorical_crossentropy as a loss, which expects one-hot targets (n, classes). "
                "For integer class targets use sparse_categorical_crossentropy, or convert them "
                "with keras.utils.to_categorical.")
        if loss in shape_checked and shape is not None:
            for target_dim, out_dim in zip(y.shape[1:], shape[1:]):
                if out_dim is not None and target_dim != out_dim:
                    raise ValueError(
                        f"{caller}: A target array of shape {y.shape} was passed for an output of "
                        f"shape {shape} while using {loss.__name__} as a loss; the shapes must match.")


def collect_metrics(metrics, output_names, caller="compile"):
    """Per-output lists of metrics from a list (same for all outputs) or a dict by output name."""
    if not metrics:
        return [[] for _ in output_names]
    if isinstance(metrics, (list, tuple)):
        return [copy.copy(list(metrics)) for _ in output_names]
    if isinstance(metrics, dict):
        unknown = [k for k in metrics if k not in output_names]
        if unknown:
            raise ValueError(f"{caller}: metrics given for unknown outputs {unknown}. Expected keys "
                             f"among {output_names}")
        nested = []
        for name in output_names:
            entry = metrics.get(name, [])
            nested.append(list(entry) if isinstance(entry, (list, tuple)) else [entry])
        return nested
    raise TypeError(f"{caller}: Expected metrics as a list or a dict keyed by output name. "
                    f"Received: {metrics!r}")


def batch_shuffle(index_array, batch_size):
    """Shuffle whole batches of ``index_array`` (for HDF5 data, which wants sorted slices)."""
    batch_count = int(len(index_array) / batch_size)
    last = index_array[batch_count * batch_size:]
    index_array = index_array[:batch_count * batch_size].reshape((batch_count, batch_size))
    np.random.shuffle(index_array)
    return np.append(index_array.flatten(), last)


def make_batches(size, batch_size):
    """``[(start, end), ...]`` covering ``range(size)`` in batches of ``batch_size``."""
    num_batches = (size + batch_size - 1) // batch_size
    return [(i * batch_size, min(size, (i + 1) * batch_size)) for i in range(num_batches)]


def check_num_samples(ins, batch_size=None, steps=None, steps_name="steps", caller="fit"):
    """The number of samples in ``ins``, or None when iterating by ``steps``.

    Raises:
        ValueError: both or neither of ``steps`` and sized inputs.
    """
    if steps is not None and batch_size is not None:
        raise ValueError(f"{caller}: If {steps_name} is set, batch_size must be None. Received: "
                         f"{steps_name}={steps}, batch_size={batch_size}")
    if steps is not None:
        return None
    if not ins or any(x is None for x in ins):
        raise ValueError(f"{caller}: Expected data arrays (or {steps_name}). Received: none")
    first = ins[0]
    if hasattr(first, "shape"):
        return int(first.shape[0])
    return None


def weighted_masked_objective(fn):
    """Wrap a loss ``fn(y_true, y_pred)`` into ``weighted(y_true, y_pred, weights, mask=None)``.

    The result is the mean over samples of the per-sample loss, multiplied
    by the sample weights and divided by the fraction of non-zero weights
    (so zero weights drop samples without shrinking the loss); masked
    entries are dropped the same way.
    """
    if fn is None:
        return None

    def weighted(y_true, y_pred, weights, mask=None):
        score_array = fn(y_true, y_pred)
        if mask is not None:
            mask = K.cast(mask, K.floatx())
            score_array = score_array * mask
            score_array = score_array / K.mean(mask)
        if weights is not None:
            ndim, weight_ndim = K.ndim(score_array), K.ndim(weights)
            if ndim > weight_ndim:
                score_array = K.mean(score_array, axis=list(range(weight_ndim, ndim)))
            score_array = score_array * weights
            score_array = score_array / K.mean(K.cast(K.not_equal(weights, 0), K.floatx()))
        return K.mean(score_array)
    weighted.__name__ = getattr(fn, "__name__", type(fn).__name__)
    return weighted
