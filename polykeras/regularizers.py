"""Weight regularizers (Keras 2.2's ``keras.regularizers``), written with ``K.*`` only.

A regularizer is called on a weight and returns a scalar penalty that the
engine adds to the loss.
"""

from __future__ import annotations

from . import backend as K
from .utils.generic_utils import deserialize_keras_object, get_keras_object, serialize_keras_object


class Regularizer:
    """Base class: ``regularizer(x)`` returns a scalar tensor added to the loss."""

    def __call__(self, x):
        return 0.

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x ** 2)``.

    Args:
        l1, l2: non-negative factors.

    Raises:
        ValueError: a negative or non-numeric factor.
    """

    def __init__(self, l1=0., l2=0.):
        for name, value in (("l1", l1), ("l2", l2)):
            try:
                ok = float(value) >= 0.
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise ValueError(f"L1L2: Expected a non-negative number for {name}. "
                                 f"Received: {name}={value!r}")
        # As Keras 2.2.4, the factors are rounded to floatx (get_config shows the rounded value).
        self.l1 = float(K.cast_to_floatx(l1))
        self.l2 = float(K.cast_to_floatx(l2))

    def __call__(self, x):
        regularization = 0.
        if self.l1:
            regularization += K.sum(self.l1 * K.abs(x))
        if self.l2:
            regularization += K.sum(self.l2 * K.square(x))
        return regularization

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


def l1(l=0.01):  # noqa: E741 - Keras 2.2.4's keyword name
    """L1 penalty ``l * sum(|x|)``."""
    return L1L2(l1=l)


def l2(l=0.01):  # noqa: E741 - Keras 2.2.4's keyword name
    """L2 penalty ``l * sum(x ** 2)``."""
    return L1L2(l2=l)


def l1_l2(l1=0.01, l2=0.01):
    """Both penalties: ``l1 * sum(|x|) + l2 * sum(x ** 2)``."""
    return L1L2(l1=l1, l2=l2)


_OBJECTS = {"Regularizer": Regularizer, "L1L2": L1L2, "l1": l1, "l2": l2, "l1_l2": l1_l2}


def serialize(regularizer):
    """``{"class_name", "config"}`` of a regularizer."""
    return serialize_keras_object(regularizer)


def deserialize(config, custom_objects=None):
    """The regularizer of a ``{"class_name", "config"}`` dict (or a name)."""
    return deserialize_keras_object(config, module_objects=_OBJECTS, custom_objects=custom_objects,
                                    printable_module_name="regularizer")


def get(identifier):
    """A regularizer from None, a config dict, a name (``"l2"``) or a callable.

    Raises:
        ValueError: an unknown name or an identifier of another kind.
    """
    return get_keras_object(identifier, deserialize, "regularizer")
