"""6x6x1 images -> Conv2D 2 3x3 -> Flatten -> Dense 3 softmax (build_model takes input_shape).

It refuses to compile on the torch backend: it stands for a model using something one
backend lacks, which the comparison reports in that backend's column.
"""

import numpy as np


def get_data():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 6, 6, 1)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 40)]
    return x, y


def build_model(input_shape):
    from polykeras import backend as K
    from polykeras.layers import Conv2D, Dense, Flatten
    from polykeras.models import Sequential

    if K.backend() == "torch":
        raise NotImplementedError("tiny_cnn does not compile on torch (a test target standing "
                                  "for a model one backend cannot run)")
    model = Sequential()
    model.add(Conv2D(2, (3, 3), input_shape=input_shape))
    model.add(Flatten())
    model.add(Dense(3, activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    return model
