"""Weight constraints (Keras 2.2's ``keras.constraints``), written with ``K.*`` only.

A constraint maps a weight tensor to its projection; optimizers apply it
after each update (``new_p = p.constraint(new_p)``). ``axis`` is the axis
(or axes) along which norms are computed: for a Dense kernel
``(input_dim, units)`` the default ``axis=0`` constrains each unit's
incoming weight vector.
"""

from __future__ import annotations

from . import backend as K
from .utils.generic_utils import deserialize_keras_object, get_keras_object, serialize_keras_object


class Constraint:
    """Base class: ``constraint(w)`` returns the constrained tensor (identity here)."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _norms(w, axis):
    return K.sqrt(K.sum(K.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Rescale weight vectors whose L2 norm along ``axis`` exceeds ``max_value``."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = K.clip(norms, 0, self.max_value)
        return w * (desired / (K.epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Set negative weights to zero."""

    def __call__(self, w):
        return w * K.cast(K.greater_equal(w, 0.), K.dtype(w))


class UnitNorm(Constraint):
    """Rescale weight vectors to unit L2 norm along ``axis``."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (K.epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Move weight-vector norms along ``axis`` into ``[min_value, max_value]``.

    ``rate`` in ``[0, 1]``: 1 rescales fully at each step, smaller values
    move the norm only that fraction of the way.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = (self.rate * K.clip(norms, self.min_value, self.max_value)
                   + (1 - self.rate) * norms)
        return w * (desired / (K.epsilon() + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value,
                "rate": self.rate, "axis": self.axis}


# Keras 2.2 aliases (the last three are its legacy names).
max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm
maxnorm = MaxNorm
nonneg = NonNeg
unitnorm = UnitNorm

_OBJECTS = {name: obj for name, obj in globals().items()
            if isinstance(obj, type) and issubclass(obj, Constraint) and not name.startswith("_")}


def serialize(constraint):
    """``{"class_name", "config"}`` of a constraint."""
    return serialize_keras_object(constraint)


def deserialize(config, custom_objects=None):
    """The constraint of a ``{"class_name", "config"}`` dict (or a name)."""
    return deserialize_keras_object(config, module_objects=_OBJECTS, custom_objects=custom_objects,
                                    printable_module_name="constraint")


def get(identifier):
    """A constraint from None, a config dict, a name (``"max_norm"``) or a callable.

    Raises:
        ValueError: an unknown name or an identifier of another kind.
    """
    return get_keras_object(identifier, deserialize, "constraint")
