"""Wrappers that let other libraries use polykeras models (Keras 2.2's ``keras.wrappers``)."""

from . import scikit_learn  # noqa: F401
