"""Keras 1 compatibility (Keras 2.2's ``keras.legacy``): argument conversions."""

from . import interfaces  # noqa: F401
