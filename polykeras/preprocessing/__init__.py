"""Data preprocessing (Keras 2.2's ``keras.preprocessing``)."""

from . import image  # noqa: F401
