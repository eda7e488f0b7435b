"""Activation functions (Keras 2.2's ``keras.activations``), written with ``K.*`` only.

Each takes a tensor and returns a tensor of the same shape and dtype.
"""

from __future__ import annotations

import warnings

from . import backend as K
from .utils.generic_utils import deserialize_keras_object

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def softmax(x, axis=-1):
    """Softmax along ``axis``: ``exp(x) / sum(exp(x), axis)``.

    Raises:
        ValueError: a tensor of rank < 2 (as in Keras 2.2).
    """
    if K.ndim(x) < 2:
        raise ValueError(f"softmax: Expected a tensor of rank >= 2. Received: a tensor of shape "
                         f"{K.int_shape(x)}")
    return K.softmax(x, axis=axis)


def elu(x, alpha=1.0):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""
    return K.elu(x, alpha)


def selu(x):
    """Scaled ELU (Klambauer et al., 2017): ``scale * elu(x, alpha)`` with the paper's constants."""
    return _SELU_SCALE * K.elu(x, _SELU_ALPHA)


def softplus(x):
    """``log(exp(x) + 1)``."""
    return K.softplus(x)


def softsign(x):
    """``x / (abs(x) + 1)``."""
    return K.softsign(x)


def relu(x, alpha=0., max_value=None, threshold=0.):
    """Rectified linear unit: ``x`` above ``threshold``, ``alpha * (x - threshold)`` below,
    capped at ``max_value``."""
    return K.relu(x, alpha=alpha, max_value=max_value, threshold=threshold)


def tanh(x):
    """Hyperbolic tangent."""
    return K.tanh(x)


def sigmoid(x):
    """``1 / (1 + exp(-x))``."""
    return K.sigmoid(x)


def hard_sigmoid(x):
    """Piecewise-linear sigmoid: ``clip(0.2 * x + 0.5, 0, 1)``."""
    return K.hard_sigmoid(x)


def exponential(x):
    """``exp(x)``."""
    return K.exp(x)


def linear(x):
    """The identity: returns ``x`` unchanged."""
    return x


_OBJECTS = {fn.__name__: fn for fn in (softmax, elu, selu, softplus, softsign, relu, tanh,
                                       sigmoid, hard_sigmoid, exponential, linear)}


def serialize(activation):
    """The name of an activation function."""
    name = getattr(activation, "__name__", None)
    if name is None:
        raise ValueError(f"activations.serialize: Expected a named activation function. "
                         f"Received: {activation!r}")
    return name


def deserialize(name, custom_objects=None):
    """The activation function called ``name``.

    Raises:
        ValueError: an unknown name (the message lists the known ones).
    """
    return deserialize_keras_object(name, module_objects=_OBJECTS, custom_objects=custom_objects,
                                    printable_module_name="activation function")


def get(identifier):
    """An activation function from a name or a callable; ``None`` gives :func:`linear`.

    A layer instance (``Dense(32)``, an advanced activation layer) is returned
    as is, with a ``UserWarning``, as in Keras 2.2.4: layers belong in the
    model, not in another layer's ``activation`` argument.

    Raises:
        ValueError: an unknown name or an identifier of another kind.
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        return deserialize(identifier)
    if callable(identifier):
        from .engine.base_layer import Layer  # the engine imports this module
        if isinstance(identifier, Layer):
            warnings.warn(f"Do not pass a layer instance (such as {type(identifier).__name__}) as "
                          "the activation argument of another layer. Use advanced activation "
                          "layers like any other layer in a model.", stacklevel=2)
        return identifier
    raise ValueError(f"activations.get: Expected a name or a callable. "
                     f"Received: activation={identifier!r}")
