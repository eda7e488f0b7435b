"""Loss functions (Keras 2.2's ``keras.losses``), written with ``K.*`` only.

Every loss is ``loss(y_true, y_pred)`` on tensors of the same shape
``(batch, ..., d)`` (sparse categorical cross-entropy: integer targets of
shape ``(batch, ...)`` or ``(batch, ..., 1)``) and returns one value per
sample: a tensor of shape ``(batch, ...)``, the last axis reduced. The
training engine averages it (with sample weights) into the scalar loss.
"""

from __future__ import annotations

import math

from . import backend as K
from .utils.generic_utils import deserialize_keras_object, serialize_keras_object


def mean_squared_error(y_true, y_pred):
    """``mean((y_pred - y_true) ** 2, axis=-1)``."""
    return K.mean(K.square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """``mean(|y_pred - y_true|, axis=-1)``."""
    return K.mean(K.abs(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(|y_true - y_pred| / max(|y_true|, epsilon), axis=-1)``."""
    diff = K.abs((y_true - y_pred) / K.clip(K.abs(y_true), K.epsilon(), None))
    return 100. * K.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)) ** 2, axis=-1)``."""
    first_log = K.log(K.clip(y_pred, K.epsilon(), None) + 1.)
    second_log = K.log(K.clip(y_true, K.epsilon(), None) + 1.)
    return K.mean(K.square(first_log - second_log), axis=-1)


def squared_hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0) ** 2, axis=-1)``; targets are -1 or 1."""
    return K.mean(K.square(K.maximum(1. - y_true * y_pred, 0.)), axis=-1)


def hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0), axis=-1)``; targets are -1 or 1."""
    return K.mean(K.maximum(1. - y_true * y_pred, 0.), axis=-1)


def categorical_hinge(y_true, y_pred):
    """``max(0, max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1)`` over the last axis."""
    pos = K.sum(y_true * y_pred, axis=-1)
    neg = K.max((1. - y_true) * y_pred, axis=-1)
    return K.maximum(0., neg - pos + 1.)


def logcosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed without overflow.

    ``log(cosh(x)) = x + softplus(-2x) - log(2)``, which stays finite for large ``|x|``.
    """
    x = y_pred - y_true
    return K.mean(x + K.softplus(-2. * x) - math.log(2.), axis=-1)


def categorical_crossentropy(y_true, y_pred):
    """``-sum(y_true * log(y_pred), axis=-1)`` for one-hot targets and probabilities."""
    return K.categorical_crossentropy(y_true, y_pred)


def sparse_categorical_crossentropy(y_true, y_pred):
    """Categorical cross-entropy with integer class targets."""
    return K.sparse_categorical_crossentropy(y_true, y_pred)


def binary_crossentropy(y_true, y_pred):
    """``mean(-(y_true * log(p) + (1 - y_true) * log(1 - p)), axis=-1)``."""
    return K.mean(K.binary_crossentropy(y_true, y_pred), axis=-1)


def kullback_leibler_divergence(y_true, y_pred):
    """``sum(t * log(t / p), axis=-1)`` with both clipped to ``[epsilon, 1]``."""
    y_true = K.clip(y_true, K.epsilon(), 1)
    y_pred = K.clip(y_pred, K.epsilon(), 1)
    return K.sum(y_true * K.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """``mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)``."""
    return K.mean(y_pred - y_true * K.log(y_pred + K.epsilon()), axis=-1)


def cosine_proximity(y_true, y_pred):
    """Minus the cosine similarity of ``y_true`` and ``y_pred`` along the last axis."""
    y_true = K.l2_normalize(y_true, axis=-1)
    y_pred = K.l2_normalize(y_pred, axis=-1)
    return -K.sum(y_true * y_pred, axis=-1)


# Keras 2.2 aliases.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence
cosine = cosine_proximity

LOSSES = {name: fn for name, fn in globals().items()
          if callable(fn) and getattr(fn, "__module__", None) == __name__
          and not name.startswith("_")}


def serialize(loss):
    """The name of a loss function."""
    return serialize_keras_object(loss)


def deserialize(name, custom_objects=None):
    """The loss function called ``name`` (or an alias such as ``"mse"``).

    Raises:
        ValueError: an unknown name (the message lists the known ones).
    """
    return deserialize_keras_object(name, module_objects=LOSSES, custom_objects=custom_objects,
                                    printable_module_name="loss function")


def get(identifier):
    """A loss function from a name, a serialized dict, or a callable; ``None`` gives None.

    Raises:
        ValueError: an unknown name or an identifier of another kind.
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"losses.get: Expected a name, a dict or a callable. "
                     f"Received: loss={identifier!r}")
