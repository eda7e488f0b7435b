"""Metrics (Keras 2.2's ``keras.metrics``), written with ``K.*`` only.

A metric is ``metric(y_true, y_pred)`` returning one value per sample
(shape ``(batch, ...)``), like a loss; every loss is also a metric. The
accuracies return floatx tensors of 0s and 1s (the top-k ones a scalar mean,
as in Keras 2.2). ``"accuracy"``/``"acc"`` in ``compile(metrics=...)`` are
resolved by the training engine, which picks the accuracy for the loss.
"""

from __future__ import annotations

from . import backend as K
from .losses import (  # noqa: F401  (every loss is a metric)
    KLD,
    MAE,
    MAPE,
    MSE,
    MSLE,
    binary_crossentropy,
    categorical_crossentropy,
    categorical_hinge,
    cosine,
    cosine_proximity,
    hinge,
    kld,
    kullback_leibler_divergence,
    logcosh,
    mae,
    mape,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    mse,
    msle,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from .losses import LOSSES as _LOSSES
from .utils.generic_utils import deserialize_keras_object, serialize_keras_object


def binary_accuracy(y_true, y_pred):
    """Mean over the last axis of ``y_true == round(y_pred)``."""
    return K.mean(K.cast(K.equal(y_true, K.round(y_pred)), K.floatx()), axis=-1)


def categorical_accuracy(y_true, y_pred):
    """1.0 where the arg-max class of ``y_pred`` is the one-hot target's, else 0.0."""
    return K.cast(K.equal(K.argmax(y_true, axis=-1), K.argmax(y_pred, axis=-1)), K.floatx())


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the arg-max class of ``y_pred`` equals the integer target, else 0.0.

    ``y_true`` holds class indices, of shape ``(batch, ...)`` or with a
    trailing axis of 1 (``(batch, ..., 1)``, squeezed when its rank is that
    of ``y_pred``); the result has the shape of ``y_pred`` without its last
    axis, the same as :func:`categorical_accuracy` on one-hot targets.
    """
    if K.ndim(y_true) == K.ndim(y_pred):
        y_true = K.squeeze(y_true, -1)
    y_pred_labels = K.cast(K.argmax(y_pred, axis=-1), K.floatx())
    return K.cast(K.equal(K.cast(y_true, K.floatx()), y_pred_labels), K.floatx())


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Fraction of samples whose one-hot target is among the ``k`` largest predictions."""
    hits = K.in_top_k(y_pred, K.argmax(y_true, axis=-1), k)
    return K.mean(K.cast(hits, K.floatx()), axis=-1)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Fraction of samples whose integer target is among the ``k`` largest predictions.

    ``y_pred`` is ``(batch, classes)``; ``y_true`` is ``(batch,)`` or ``(batch, 1)``.
    """
    hits = K.in_top_k(y_pred, K.cast(K.flatten(y_true), "int32"), k)
    return K.mean(K.cast(hits, K.floatx()), axis=-1)


METRICS = dict(_LOSSES)
METRICS.update({fn.__name__: fn for fn in (
    binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy)})


def serialize(metric):
    """The name of a metric function."""
    return serialize_keras_object(metric)


def deserialize(config, custom_objects=None):
    """The metric function called ``config`` (a name, or a serialized dict).

    Raises:
        ValueError: an unknown name (the message lists the known ones).
    """
    return deserialize_keras_object(config, module_objects=METRICS, custom_objects=custom_objects,
                                    printable_module_name="metric function")


def get(identifier):
    """A metric function from a name, a serialized dict, or a callable.

    Raises:
        ValueError: an unknown name or an identifier of another kind.
    """
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"metrics.get: Expected a name, a dict or a callable. "
                     f"Received: metric={identifier!r}")
