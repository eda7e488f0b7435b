"""Activation functions, written once over :class:`~.ops.Ops` (Keras 2.2.4 semantics)."""

from __future__ import annotations

from .math import _float
from .ops import normalize_axis

__all__ = ["relu", "elu", "sigmoid", "hard_sigmoid", "softmax", "softplus", "softsign", "tanh"]


def _scalar(ops, value, like):
    return ops.as_tensor(value, ops.keras_dtype(like))


def relu(ops, x, alpha=0.0, max_value=None, threshold=0.0):
    """Keras 2.2.4's ``relu`` as its TensorFlow backend computes it.

    The positive part is ``x * (x > threshold)`` (``max(x, 0)`` when threshold is 0); with
    ``max_value`` it is clipped into ``[0, max_value]`` (TensorFlow's ``clip_by_value``:
    ``maximum(minimum(., max_value), 0)``), so a negative threshold's values in
    ``(threshold, 0)`` become 0 and a negative ``max_value`` gives 0; then
    ``alpha * max(threshold - x, 0)`` is subtracted. With only ``alpha`` set this is the leaky
    relu, ``x`` for x > 0 and ``alpha * x`` otherwise (TensorFlow's ``leaky_relu`` kernel).
    """
    xp = ops.xp
    x = _float(ops, x)
    zero = _scalar(ops, 0.0, x)
    if threshold != 0.0:
        positive = x * xp.astype(x > threshold, x.dtype)
    else:
        positive = xp.maximum(x, zero)
    if max_value is not None:
        positive = xp.maximum(xp.minimum(positive, _scalar(ops, max_value, x)), zero)
    if alpha != 0.0:
        negative = xp.maximum(threshold - x, zero) if threshold != 0.0 else xp.maximum(-x, zero)
        positive = positive - alpha * negative
    return positive


def elu(ops, x, alpha=1.0):
    xp = ops.xp
    x = _float(ops, x)
    negative = xp.expm1(xp.minimum(x, _scalar(ops, 0.0, x)))
    return xp.where(x > 0, x, alpha * negative)


def sigmoid(ops, x):
    xp = ops.xp
    x = _float(ops, x)
    # stable for large |x|: exp of a non-positive number only
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


def hard_sigmoid(ops, x):
    x = _float(ops, x)
    return ops.xp.clip(x * 0.2 + 0.5, 0.0, 1.0)


def softmax(ops, x, axis=-1):
    xp = ops.xp
    x = _float(ops, x)
    axis = normalize_axis(axis, len(x.shape), "softmax")
    if 0 in ops.shape_of(x):
        return xp.asarray(x, copy=True)  # empty: nothing to normalize (no maximum to subtract)
    e = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
    return e / xp.sum(e, axis=axis, keepdims=True)


def softplus(ops, x):
    xp = ops.xp
    x = _float(ops, x)
    return xp.maximum(x, _scalar(ops, 0.0, x)) + xp.log1p(xp.exp(-xp.abs(x)))


def softsign(ops, x):
    x = _float(ops, x)
    return x / (1 + ops.xp.abs(x))


def tanh(ops, x):
    return ops.xp.tanh(_float(ops, x))
