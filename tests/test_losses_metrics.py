"""Losses and metrics against float64 NumPy references, on every backend."""

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import losses, metrics

EPS = 1e-7
SHAPE = (4, 3, 6)  # (batch, extra axis, classes): losses reduce the last axis only


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _one_hot(labels, n):
    out = np.zeros(labels.shape + (n,))
    for index in np.ndindex(labels.shape):
        out[index + (labels[index],)] = 1.0
    return out


def _inputs(kind, rng, shape=SHAPE):
    """(y_true, y_pred) in float64, in the domain each loss is meant for."""
    if kind == "regression":
        return rng.normal(size=shape), rng.normal(size=shape)
    if kind == "positive":
        return rng.uniform(0.1, 2.0, size=shape), rng.uniform(0.1, 2.0, size=shape)
    if kind == "signs":
        return rng.choice([-1.0, 1.0], size=shape), rng.normal(size=shape)
    if kind == "probabilities":
        labels = rng.integers(0, shape[-1], size=shape[:-1])
        return _one_hot(labels, shape[-1]), _softmax(rng.normal(size=shape) * 2)
    if kind == "distributions":
        return _softmax(rng.normal(size=shape)), _softmax(rng.normal(size=shape))
    if kind == "binary":
        return rng.integers(0, 2, size=shape).astype(float), rng.uniform(0.02, 0.98, size=shape)
    raise AssertionError(kind)


def _ref_categorical_crossentropy(t, p):
    p = p / p.sum(axis=-1, keepdims=True)
    p = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(p)).sum(axis=-1)


def _ref_logcosh(t, p):
    return np.mean(np.log(np.cosh(p - t)), axis=-1)


def _ref_categorical_hinge(t, p):
    out = np.empty(t.shape[:-1])
    for index in np.ndindex(out.shape):
        pos = np.sum(t[index] * p[index])
        neg = np.max((1 - t[index]) * p[index])
        out[index] = max(0.0, neg - pos + 1)
    return out


def _ref_cosine(t, p):
    tn = t / np.sqrt(np.maximum((t ** 2).sum(axis=-1, keepdims=True), 1e-12))
    pn = p / np.sqrt(np.maximum((p ** 2).sum(axis=-1, keepdims=True), 1e-12))
    return -(tn * pn).sum(axis=-1)


# name -> (input kind, float64 reference)
LOSSES = {
    "mean_squared_error": ("regression", lambda t, p: np.mean((p - t) ** 2, axis=-1)),
    "mean_absolute_error": ("regression", lambda t, p: np.mean(np.abs(p - t), axis=-1)),
    "mean_absolute_percentage_error": (
        "regression", lambda t,
        p: 100 * np.mean(np.abs(t - p) / np.maximum(np.abs(t), EPS), axis=-1)),
    "mean_squared_logarithmic_error": (
        "positive", lambda t, p: np.mean((np.log(p + 1) - np.log(t + 1)) ** 2, axis=-1)),
    "squared_hinge": ("signs", lambda t, p: np.mean(np.maximum(1 - t * p, 0) ** 2, axis=-1)),
    "hinge": ("signs", lambda t, p: np.mean(np.maximum(1 - t * p, 0), axis=-1)),
    "categorical_hinge": ("probabilities", _ref_categorical_hinge),
    "logcosh": ("regression", _ref_logcosh),
    "categorical_crossentropy": ("probabilities", _ref_categorical_crossentropy),
    "binary_crossentropy": (
        "binary", lambda t, p: np.mean(-(t * np.log(p) + (1 - t) * np.log(1 - p)), axis=-1)),
    "kullback_leibler_divergence": (
        "distributions", lambda t, p: np.sum(t * np.log(t / p), axis=-1)),
    "poisson": ("positive", lambda t, p: np.mean(p - t * np.log(p + EPS), axis=-1)),
    "cosine_proximity": ("regression", _ref_cosine),
}
TOLERANCE = {"float16": 2e-2, "float32": 2e-5, "float64": 1e-10}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_matches_numpy_reference(backend, name, dtype, rng):
    kind, reference = LOSSES[name]
    y_true, y_pred = _inputs(kind, rng)
    out = losses.get(name)(K.constant(y_true, dtype), K.constant(y_pred, dtype))
    assert K.dtype(out) == dtype
    assert K.int_shape(out) == SHAPE[:-1]
    np.testing.assert_allclose(K.eval(out), reference(y_true, y_pred),
                               rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


@pytest.mark.parametrize("name", ["mean_squared_error", "mean_absolute_error",
                                  "categorical_crossentropy", "binary_crossentropy", "hinge"])
def test_loss_in_float16_stays_float16(backend, name, rng):
    kind, reference = LOSSES[name]
    y_true, y_pred = _inputs(kind, rng, shape=(5, 4))
    y_true16, y_pred16 = y_true.astype("float16"), y_pred.astype("float16")
    out = losses.get(name)(K.constant(y_true16, "float16"), K.constant(y_pred16, "float16"))
    assert K.dtype(out) == "float16"
    expected = reference(y_true16.astype(float), y_pred16.astype(float))
    np.testing.assert_allclose(K.eval(out).astype(float), expected, rtol=2e-2, atol=2e-2)


def test_sparse_categorical_crossentropy_matches_one_hot(backend, rng):
    labels = rng.integers(0, 6, size=(8,))
    probs = _softmax(rng.normal(size=(8, 6)))
    out = losses.sparse_categorical_crossentropy(K.constant(labels[:, None], "float32"),
                                                 K.constant(probs, "float32"))
    expected = _ref_categorical_crossentropy(_one_hot(labels, 6), probs)
    assert K.int_shape(out) == (8,)
    np.testing.assert_allclose(K.eval(out), expected, rtol=2e-5)


def test_losses_on_a_single_sample_and_an_empty_batch(backend, rng):
    y_true, y_pred = rng.normal(size=(1, 5)), rng.normal(size=(1, 5))
    out = losses.mse(K.constant(y_true), K.constant(y_pred))
    np.testing.assert_allclose(K.eval(out), np.mean((y_pred - y_true) ** 2, axis=-1), rtol=1e-5)
    empty = losses.mae(K.constant(np.zeros((0, 5))), K.constant(np.zeros((0, 5))))
    assert K.int_shape(empty) == (0,)


def test_logcosh_is_finite_for_large_errors(backend):
    out = K.eval(losses.logcosh(K.constant([[0.0, 0.0]]), K.constant([[200.0, -300.0]])))
    # log(cosh(x)) ~ |x| - log(2) for large |x|
    np.testing.assert_allclose(out, [(200 + 300) / 2 - np.log(2)], rtol=1e-5)


def test_aliases_are_the_same_functions():
    assert losses.mse is losses.MSE is losses.mean_squared_error
    assert losses.mae is losses.MAE is losses.mean_absolute_error
    assert losses.mape is losses.MAPE is losses.mean_absolute_percentage_error
    assert losses.msle is losses.MSLE is losses.mean_squared_logarithmic_error
    assert losses.kld is losses.KLD is losses.kullback_leibler_divergence
    assert losses.cosine is losses.cosine_proximity
    assert losses.get("mse") is losses.mean_squared_error
    assert metrics.get("mse") is losses.mean_squared_error


def test_losses_get_and_serialize():
    assert losses.get(None) is None

    def custom(y_true, y_pred):
        return y_pred

    assert losses.get(custom) is custom
    assert losses.serialize(losses.hinge) == "hinge"
    assert losses.deserialize("hinge") is losses.hinge
    from polykeras.utils import CustomObjectScope
    with CustomObjectScope({"custom": custom}):
        assert losses.get("custom") is custom
    with pytest.raises(ValueError, match="custom"):
        losses.get("custom")


@pytest.mark.parametrize("module, arg", [(losses, "loss"), (metrics, "metric")])
def test_unknown_names_are_clear_errors(module, arg):
    with pytest.raises(ValueError) as info:
        module.get("mean_squared_eror")
    message = str(info.value)
    assert "Expected one of" in message and "'mean_squared_error'" in message
    assert f"Received: {arg}='mean_squared_eror'" in message
    with pytest.raises(ValueError, match=f"Received: {arg}=42"):
        module.get(42)


# -- metrics -------------------------------------------------------------------------------

def _ref_top_k(t_labels, p, k):
    hits = []
    for row, label in zip(p, t_labels):
        # in_top_k: the target is a hit when fewer than k predictions are strictly larger
        hits.append(float(np.sum(row > row[label]) < k))
    return np.mean(hits)


def test_binary_accuracy(backend, rng):
    y_true = rng.integers(0, 2, size=(6, 5)).astype(float)
    y_pred = rng.uniform(size=(6, 5))
    out = metrics.binary_accuracy(K.constant(y_true), K.constant(y_pred))
    expected = np.mean(y_true == np.round(y_pred), axis=-1)
    assert K.dtype(out) == K.floatx() and K.int_shape(out) == (6,)
    np.testing.assert_allclose(K.eval(out), expected)


def test_categorical_accuracy(backend, rng):
    labels = rng.integers(0, 4, size=(10,))
    y_pred = rng.uniform(size=(10, 4))
    y_pred[:5, :] = 0.0
    y_pred[np.arange(5), labels[:5]] = 1.0  # the first five certainly right
    out = metrics.categorical_accuracy(K.constant(_one_hot(labels, 4)), K.constant(y_pred))
    expected = [float(np.argmax(row) == label) for row, label in zip(y_pred, labels)]
    assert K.dtype(out) == K.floatx() and K.int_shape(out) == (10,)
    np.testing.assert_array_equal(K.eval(out), expected)
    assert K.eval(out)[:5].tolist() == [1.0] * 5


def test_sparse_categorical_accuracy(backend, rng):
    labels = rng.integers(0, 4, size=(10,))
    y_pred = rng.uniform(size=(10, 4))
    out = metrics.sparse_categorical_accuracy(K.constant(labels[:, None]), K.constant(y_pred))
    expected = [float(np.argmax(row) == label) for row, label in zip(y_pred, labels)]
    np.testing.assert_array_equal(K.eval(out), expected)


@pytest.mark.parametrize("k", [1, 2, 5])
def test_top_k_categorical_accuracies(backend, rng, k):
    labels = rng.integers(0, 6, size=(12,))
    y_pred = rng.uniform(size=(12, 6))
    dense = metrics.top_k_categorical_accuracy(K.constant(_one_hot(labels, 6)), K.constant(y_pred),
                                               k=k)
    sparse = metrics.sparse_top_k_categorical_accuracy(K.constant(labels[:, None]),
                                                       K.constant(y_pred), k=k)
    expected = _ref_top_k(labels, y_pred, k)
    np.testing.assert_allclose(K.eval(dense), expected, rtol=1e-6)
    np.testing.assert_allclose(K.eval(sparse), expected, rtol=1e-6)


def test_top_k_default_is_5(backend):
    y_pred = np.array([[0.9, 0.8, 0.7, 0.6, 0.5, 0.1, 0.0]])
    hit = metrics.top_k_categorical_accuracy(K.constant(_one_hot(np.array([4]), 7)),
                                             K.constant(y_pred))
    miss = metrics.top_k_categorical_accuracy(K.constant(_one_hot(np.array([5]), 7)),
                                              K.constant(y_pred))
    assert float(K.eval(hit)) == 1.0 and float(K.eval(miss)) == 0.0


def test_metrics_get_resolves_metrics_and_losses():
    assert metrics.get("categorical_accuracy") is metrics.categorical_accuracy
    assert metrics.get("binary_crossentropy") is losses.binary_crossentropy
    assert metrics.serialize(metrics.binary_accuracy) == "binary_accuracy"
