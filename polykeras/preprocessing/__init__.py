"""Data preparation (Keras 2.2's ``keras.preprocessing``): sequences and text."""

from . import sequence, text  # noqa: F401
