"""Data preparation (Keras 2.2's ``keras.preprocessing``): images, sequences and text."""

from . import image, sequence, text  # noqa: F401
