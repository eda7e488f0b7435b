"""Datasets (Keras 2.2's ``keras.datasets``): downloaded once, cached under ``$KERAS_HOME/datasets``."""

from . import mnist  # noqa: F401
