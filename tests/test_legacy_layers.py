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


class _OldStyleRNN(layers.Recurrent):
    """A custom layer as Keras 2.0 users wrote them: Recurrent + step."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        input_shape = input_shape[0] if isinstance(input_shape, list) else input_shape
        self.states = [None]
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer="glorot_uniform")
        self.recurrent_kernel = self.add_weight(name="recurrent_kernel",
                                                shape=(self.units, self.units),
                                                initializer="orthogonal")
        self.state_spec = layers.InputSpec(shape=(None, self.units))
        if self.stateful:
            self.reset_states()
        self.built = True

    def step(self, inputs, states):
        h = K.tanh(K.dot(inputs, self.kernel) + K.dot(states[0], self.recurrent_kernel))
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def _old_rnn_reference(x, w, u, h0=None, mask=None):
    h = np.zeros((x.shape[0], w.shape[1])) if h0 is None else h0
    outputs = []
    for t in range(x.shape[1]):
        new = np.tanh(x[:, t] @ w + h @ u)
        h = new if mask is None else np.where(mask[:, t, None], new, h)
        outputs.append(h)
    return np.stack(outputs, axis=1), h


def test_recurrent_base_runs_a_keras2_0_custom_layer(backend):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    layer = _OldStyleRNN(5, return_sequences=True)
    (y,), (sym,) = run(layer, x)
    w, u = layer.get_weights()
    expected, _ = _old_rnn_reference(x.astype(np.float64), w, u)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)
    check_shape(layer, [x], y, sym)
    assert roundtrip(layer).return_sequences

    # An initial state given as a Keras tensor becomes a second input.
    h0 = rng.standard_normal((2, 5)).astype("float32")
    inputs, state = layers.Input((4, 3)), layers.Input((5,))
    last = _OldStyleRNN(5, weights=[w, u])(inputs, initial_state=state)
    (y0,) = K.function([inputs, state], [last])([x, h0])
    _, expected_last = _old_rnn_reference(x.astype(np.float64), w, u, h0=h0.astype(np.float64))
    np.testing.assert_allclose(y0, expected_last, rtol=1e-5, atol=1e-6)


def test_recurrent_base_stateful_carry_and_reset(backend):
    x = np.random.default_rng(4).standard_normal((2, 3, 3)).astype("float32")
    layer = _OldStyleRNN(4, stateful=True, batch_input_shape=(2, 3, 3))
    model = __import__("polykeras").models.Sequential([layer])
    first = model.predict(x, batch_size=2)
    second = model.predict(x, batch_size=2)
    w, u = layer.get_weights()
    _, h1 = _old_rnn_reference(x.astype(np.float64), w, u)
    _, h2 = _old_rnn_reference(x.astype(np.float64), w, u, h0=h1)
    np.testing.assert_allclose(first, h1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(second, h2, rtol=1e-5, atol=1e-6)
    model.reset_states()
    np.testing.assert_allclose(model.predict(x, batch_size=2), h1, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="expected shape=\\(2, 4\\)"):
        layer.reset_states([np.zeros((3, 4))])
    with pytest.raises(AttributeError, match="must be stateful"):
        _OldStyleRNN(2).reset_states()


def test_conv_recurrent2d_output_shape_and_config():
    layer = layers.ConvRecurrent2D(3, (3, 3), padding="valid", data_format="channels_last",
                                   return_sequences=True)
    assert layer.compute_output_shape((None, 5, 8, 8, 2)) == (None, 5, 6, 6, 3)
    layer = layers.ConvRecurrent2D(3, 2, strides=2, data_format="channels_first")
    assert layer.compute_output_shape((None, 5, 2, 8, 8)) == (None, 3, 4, 4)
    assert layer.get_config()["kernel_size"] == (2, 2)
