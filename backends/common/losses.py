"""Cross-entropies and in_top_k, written once over :class:`~.ops.Ops` (Keras 2.2.4 semantics).

Probabilities (``from_logits=False``) are clipped to ``[epsilon, 1 - epsilon]``;
logits go through a stable log-softmax / log-sigmoid.
"""

from __future__ import annotations

from polykeras.backend.config import epsilon

from .checks import check_integral, check_range
from .dtypes import FLOAT_DTYPES
from .math import _float
from .ops import normalize_axis

__all__ = ["binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
           "in_top_k"]


def _log_softmax(xp, logits, axis):
    shifted = logits - xp.max(logits, axis=axis, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))


def _check_shapes(ops, fn, target, output):
    ts, os_ = ops.shape_of(target), ops.shape_of(output)
    if ts != os_:
        raise ValueError(f"{fn}: Expected target and output of the same shape. "
                         f"Received: shapes {ts} and {os_}")


def categorical_crossentropy(ops, target, output, from_logits=False, axis=-1):
    xp = ops.xp
    output = _float(ops, output)
    target = ops.xp.astype(ops.as_tensor(target), output.dtype)
    _check_shapes(ops, "categorical_crossentropy", target, output)
    axis = normalize_axis(axis, len(output.shape), "categorical_crossentropy")
    if from_logits:
        return -xp.sum(target * _log_softmax(xp, output, axis), axis=axis)
    output = output / xp.sum(output, axis=axis, keepdims=True)
    eps = epsilon()
    output = xp.clip(output, eps, 1.0 - eps)
    return -xp.sum(target * xp.log(output), axis=axis)


def sparse_categorical_crossentropy(ops, target, output, from_logits=False, axis=-1):
    """Cross-entropy against integer class labels ``target`` (any dtype holding whole numbers).

    Raises:
        ValueError: a float label that is not a whole number.
        OutOfRangeError: a label outside ``[0, classes)`` (a ``ValueError`` and an
            ``IndexError``, as TensorFlow's sparse softmax cross-entropy on the CPU; deferred
            inside a compiled JAX function, ``checks.py``).
    """
    xp = ops.xp
    output = _float(ops, output)
    rank = len(output.shape)
    axis = normalize_axis(axis, rank, "sparse_categorical_crossentropy")
    output = xp.moveaxis(output, axis, -1)
    batch_shape = ops.shape_of(output)[:-1]
    target = ops.as_tensor(target)
    target_shape = ops.shape_of(target)
    if target_shape != batch_shape:
        if (target_shape == batch_shape + (1,)
                or int(_numel(target_shape)) == int(_numel(batch_shape))):
            target = xp.reshape(target, batch_shape)
        else:
            raise ValueError("sparse_categorical_crossentropy: Expected target of shape "
                             f"{batch_shape} (output's shape without the class axis). "
                             f"Received: target of shape {target_shape}")
    fn = "sparse_categorical_crossentropy"
    if ops.keras_dtype(target) in FLOAT_DTYPES:
        check_integral(ops, fn, target, "target class labels")
    target = xp.astype(target, ops.native_dtype("int64"))
    check_range(ops, fn, target, ops.shape_of(output)[-1], "target class labels")
    if from_logits:
        log_probs = _log_softmax(xp, output, -1)
    else:
        eps = epsilon()
        log_probs = _log_softmax(xp, xp.log(xp.clip(output, eps, 1.0 - eps)), -1)
    classes = xp.arange(output.shape[-1], dtype=ops.native_dtype("int64"))
    picked = xp.astype(target[..., None] == classes, log_probs.dtype)
    return -xp.sum(picked * log_probs, axis=-1)


def _numel(shape):
    out = 1
    for d in shape:
        out *= d
    return out


def binary_crossentropy(ops, target, output, from_logits=False):
    xp = ops.xp
    output = _float(ops, output)
    target = xp.astype(ops.as_tensor(target), output.dtype)
    ts, os_ = ops.shape_of(target), ops.shape_of(output)
    if any(a not in (1, b) and b != 1 for a, b in zip(reversed(ts), reversed(os_))):
        raise ValueError("binary_crossentropy: Expected target and output of shapes that broadcast "
                         f"together. Received: shapes {ts} and {os_}")
    if not from_logits:
        eps = epsilon()
        output = xp.clip(output, eps, 1.0 - eps)
        output = xp.log(output / (1 - output))
    # max(z, 0) - z * t + log(1 + exp(-|z|)): stable for large |z|
    zero = ops.as_tensor(0.0, ops.keras_dtype(output))
    return xp.maximum(output, zero) - output * target + xp.log1p(xp.exp(-xp.abs(output)))


def in_top_k(ops, predictions, targets, k):
    """Whether each target's prediction is among the ``k`` largest (ties count as in, as TF)."""
    xp = ops.xp
    predictions = ops.as_tensor(predictions)
    targets = ops.as_tensor(targets)
    ps, ts = ops.shape_of(predictions), ops.shape_of(targets)
    if len(ps) != 2 or len(ts) != 1 or ps[0] != ts[0]:
        raise ValueError("in_top_k: Expected predictions of shape (batch, classes) and targets of "
                         f"shape (batch,). Received: shapes {ps} and {ts}")
    targets = xp.astype(targets, ops.native_dtype("int64"))
    classes = xp.arange(ps[1], dtype=ops.native_dtype("int64"))
    is_target = targets[:, None] == classes
    zero = ops.as_tensor(0, ops.keras_dtype(predictions))
    target_score = xp.sum(xp.where(is_target, predictions, zero), axis=1, keepdims=True)
    better = xp.sum(xp.astype(predictions > target_score, ops.native_dtype("int32")), axis=1)
    return xp.logical_and(better < int(k), xp.all(xp.isfinite(predictions), axis=1))
