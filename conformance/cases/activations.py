"""Conformance cases: activation functions."""

import numpy as np

from ..framework import FLOAT_DTYPES, Case, ErrorCase, cases_for

SHAPES = [(), (7,), (3, 4), (2, 3, 4), (0, 3)]


def _relu_reference(x, alpha=0.0, max_value=None, threshold=0.0):
    """Keras 2.2.4's TensorFlow ``relu``, step by step, on float64 values."""
    if alpha != 0.0 and max_value is None and threshold == 0.0:
        return np.where(x > 0, x, alpha * x)  # tf.nn.leaky_relu
    positive = np.where(x > threshold, x, 0.0) if threshold != 0.0 else np.maximum(x, 0.0)
    if max_value is not None:
        positive = np.maximum(np.minimum(positive, max_value), 0.0)  # tf.clip_by_value(., 0, max)
    if alpha != 0.0:
        positive = positive - alpha * np.maximum(threshold - x, 0.0)
    return positive


#: Keras 2.2.4's relu worked out by hand on ``RELU_POINTS``: (options, expected values).
RELU_POINTS = np.array([-3.0, -1.0, -0.25, 0.0, 0.25, 0.75, 1.5, 4.0])
RELU_BY_HAND = [
    ({"alpha": 0.3}, [-0.9, -0.3, -0.075, 0.0, 0.25, 0.75, 1.5, 4.0]),
    ({"threshold": 1.0}, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.5, 4.0]),
    ({"threshold": -0.5}, [0.0, 0.0, -0.25, 0.0, 0.25, 0.75, 1.5, 4.0]),
    ({"threshold": 1.0, "alpha": 0.5}, [-2.0, -1.0, -0.625, -0.5, -0.375, -0.125, 1.5, 4.0]),
    # the clip into [0, max_value] zeroes (threshold, 0) before the negative part is subtracted
    ({"alpha": 0.2, "max_value": 2.0, "threshold": -0.5},
     [-0.5, -0.1, 0.0, 0.0, 0.25, 0.75, 1.5, 2.0]),
    ({"threshold": -0.5, "max_value": 1.0}, [0.0, 0.0, 0.0, 0.0, 0.25, 0.75, 1.0, 1.0]),
    ({"max_value": -1.0}, [0.0] * 8),
    ({"max_value": -1.0, "alpha": 0.1}, [-0.3, -0.1, -0.025, 0.0, 0.0, 0.0, 0.0, 0.0]),
    ({"max_value": 6.0}, [0.0, 0.0, 0.0, 0.0, 0.25, 0.75, 1.5, 4.0]),
    ({"max_value": 1.0, "alpha": 0.5}, [-1.5, -0.5, -0.125, 0.0, 0.25, 0.75, 1.0, 1.0]),
]


def _stable_sigmoid(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))),
                    np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))


REFERENCES = {
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    "sigmoid": _stable_sigmoid,
    "hard_sigmoid": lambda x: np.minimum(np.maximum(0.2 * x + 0.5, 0), 1),
    "softplus": lambda x: np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "tanh": np.tanh,
}


def _elementwise(name):
    fn = REFERENCES[name]

    def gen(rng):
        for shape in SHAPES:
            for dtype in FLOAT_DTYPES:
                x = (rng.standard_normal(shape) * 3).astype(dtype)
                yield Case(args=(x,), expected=fn(x.astype(np.float64)), dtype=dtype)
        big = np.array([-800.0, -30.0, 0.0, 30.0, 800.0])
        yield Case(args=(big,), expected=fn(big), dtype="float64", label="large inputs stay finite")
        yield Case(args=(np.array([-2, 0, 3], "int32"),), expected=fn(np.array([-2.0, 0, 3])),
                   dtype="float32", label="integer input gives floatx")
    return gen


for _name in REFERENCES:
    cases_for(_name)(_elementwise(_name))


@cases_for("elu")
def _elu_alpha(rng):
    x = rng.standard_normal((3, 4)).astype("float32")
    x64 = x.astype(np.float64)
    yield Case(args=(x, 0.5), expected=np.where(x64 > 0, x64, 0.5 * np.expm1(x64)), dtype="float32")


@cases_for("relu")
def _relu(rng):
    options = [{}, {"alpha": 0.1}, {"max_value": 1.0}, {"threshold": 0.5},
               {"alpha": 0.2, "max_value": 2.0, "threshold": -0.5}, {"max_value": 6.0},
               {"threshold": -0.5, "max_value": 1.5}, {"alpha": 0.1, "threshold": 0.5},
               {"alpha": 1.5}]
    for shape in SHAPES:
        for dtype in FLOAT_DTYPES:
            x = (rng.standard_normal(shape) * 3).astype(dtype)
            for kw in options:
                yield Case(args=(x,), kwargs=kw,
                           expected=_relu_reference(x.astype(np.float64), **kw), dtype=dtype)
    for kw, expected in RELU_BY_HAND:
        for dtype in ("float32", "float64"):
            yield Case(args=(RELU_POINTS.astype(dtype),), kwargs=kw, expected=np.array(expected),
                       dtype=dtype, label=f"by hand {kw}")
    yield Case(args=(np.array([-2, 0, 3], "int32"),), kwargs={"max_value": 2.0},
               expected=np.array([0.0, 0.0, 2.0]), dtype="float32",
               label="integer input gives floatx")


@cases_for("softmax")
def _softmax(rng):
    for shape in [(5,), (3, 4), (2, 3, 4)]:
        for dtype in FLOAT_DTYPES:
            x = (rng.standard_normal(shape) * 3).astype(dtype)
            for axis in (-1, 0, len(shape) - 1):
                x64 = x.astype(np.float64)
                e = np.exp(x64 - x64.max(axis=axis, keepdims=True))
                yield Case(args=(x,), kwargs={"axis": axis},
                           expected=e / e.sum(axis=axis, keepdims=True), dtype=dtype)
    big = np.array([[1000.0, 1000.0, -1000.0]])
    yield Case(args=(big,), expected=np.array([[0.5, 0.5, 0.0]]), dtype="float64",
               label="no overflow")
    yield ErrorCase(args=(np.ones((2, 3), "float32"),), kwargs={"axis": 2}, match="axis")
