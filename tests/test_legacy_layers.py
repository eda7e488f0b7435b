"""Keras 1 layers kept by Keras 2.2.4 (``keras.legacy.layers``): Highway and MaxoutDense."""

import warnings

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import layers
from polykeras.legacy import layers as legacy_layers

from layer_testing import check_shape, check_weight_gradients, roundtrip, run


def _quiet(make):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layer = make()
    assert any("is deprecated" in str(w.message) for w in caught)
    return layer


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_maxout_dense_is_the_max_of_linear_maps(backend):
    x = np.random.default_rng(0).standard_normal((5, 3)).astype("float32")
    layer = _quiet(lambda: layers.MaxoutDense(2, nb_feature=3, input_dim=3))
    (y,), (sym,) = run(layer, x)
    w, b = layer.get_weights()
    assert [v.name.split("/")[-1] for v in layer.weights] == ["W", "b"]
    assert w.shape == (3, 3, 2) and b.shape == (3, 2)
    expected = (np.einsum("bi,fio->bfo", x.astype(np.float64), w) + b).max(axis=1)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)
    check_shape(layer, [x], y, sym)
    clone = _quiet(lambda: roundtrip(layer))
    assert clone.nb_feature == 3 and clone.output_dim == 2


def test_highway_gates_between_transform_and_carry(backend):
    x = np.random.default_rng(1).standard_normal((4, 3)).astype("float32")
    layer = _quiet(lambda: layers.Highway(activation="tanh", transform_bias=-2))
    (y,), (sym,) = run(layer, x)
    w, w_carry, b, b_carry = layer.get_weights()
    np.testing.assert_array_equal(b_carry, np.ones(3))
    x64 = x.astype(np.float64)
    gate = _sigmoid(x64 @ w_carry + b_carry)
    expected = np.tanh(x64 @ w + b) * gate + (1 - gate) * x64
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)
    check_shape(layer, [x], y, sym)
    assert _quiet(lambda: roundtrip(layer)).activation.__name__ == "tanh"


@pytest.mark.parametrize("make", [lambda: layers.MaxoutDense(2, nb_feature=2),
                                  lambda: layers.Highway(activation="relu")])
def test_legacy_layer_weight_gradients(backend, make):
    K.set_floatx("float64")
    x = np.random.default_rng(2).standard_normal((3, 4))
    check_weight_gradients(_quiet(make), x, checks_per_weight=4)


def test_legacy_layer_errors():
    with pytest.raises(ValueError, match="MaxoutDense: Expected nb_feature to be a positive"):
        layers.MaxoutDense(2, nb_feature=0)
    layer = _quiet(lambda: layers.Highway())
    with pytest.raises(ValueError, match="Highway"):
        layer(layers.Input((2, 3)))


def test_atrous_factories_are_reexported():
    assert legacy_layers.AtrousConvolution1D is layers.AtrousConvolution1D
