"""6x6x1 images -> Conv2D 2 3x3 -> Flatten -> Dense 3 softmax (build_model takes input_shape)."""

import numpy as np


def get_data():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 6, 6, 1)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 40)]
    return x, y


def build_model(input_shape):
    from polykeras.layers import Conv2D, Dense, Flatten
    from polykeras.models import Sequential

    model = Sequential()
    model.add(Conv2D(2, (3, 3), input_shape=input_shape))
    model.add(Flatten())
    model.add(Dense(3, activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    return model
