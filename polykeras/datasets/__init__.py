"""Datasets (Keras 2.2's ``keras.datasets``), cached under ``$KERAS_HOME/datasets``.

Each module's ``load_data()`` reads the cached file without any network;
without one it downloads it from Keras 2.2.4's URL (then from a mirror of
the same file), checks its hash, and keeps it. ``mnist.load_data`` also
reads a folder of MNIST's IDX files.
"""

from . import boston_housing, cifar10, cifar100, fashion_mnist, imdb, mnist, reuters  # noqa: F401
