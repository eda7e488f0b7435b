"""8 features -> Dense 16 relu -> Dropout 0.25 -> GaussianNoise 0.1 -> Dense 3 softmax, Adamax.

Dropout and noise make ``--same-randomness`` matter; Adamax's update calls ``pow`` and
``maximum``; only the first kernel (128 values) is an array of 100 elements or more.
"""

import numpy as np


def get_data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(96, 8)).astype("float32")
    labels = (x[:, :3] @ np.array([1.0, -1.0, 0.5], "float32") > 0).astype(int) + (x[:, 3] > 1)
    y = np.eye(3, dtype="float32")[labels]
    return (x[:64], y[:64]), (x[64:], y[64:])


def build_model():
    from polykeras.layers import Dense, Dropout, GaussianNoise
    from polykeras.models import Sequential
    from polykeras.optimizers import Adamax

    model = Sequential()
    model.add(Dense(16, activation="relu", input_shape=(8,)))
    model.add(Dropout(0.25))
    model.add(GaussianNoise(0.1))
    model.add(Dense(3, activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer=Adamax(lr=0.01), metrics=["accuracy"])
    return model
