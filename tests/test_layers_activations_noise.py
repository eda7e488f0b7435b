"""Advanced activation, noise and spatial dropout layers on every backend: values against
NumPy, shapes, configs, PReLU's gradients, training-only behaviour and its statistics,
Keras 1 arguments, errors."""

import inspect
import warnings

import numpy as np
import pytest

import polykeras as keras
from polykeras import backend as K
from polykeras import layers
from polykeras.layers import Input

from layer_testing import check_shape, check_weight_gradients, roundtrip

SEED = 20240613
SELU_ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946


def _rng():
    return np.random.default_rng(SEED)


def keras_relu(x, max_value=None, negative_slope=0.0, threshold=0.0):
    """Keras 2.2.4's ReLU layer, piece by piece: above ``threshold`` the input (clipped into
    ``[0, max_value]`` when given), at or below it ``-negative_slope * (threshold - x)``."""
    above = x if max_value is None else np.clip(x, 0.0, max_value)
    return np.where(x > threshold, above, -negative_slope * (threshold - x))


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def test_advanced_activations_match_numpy(backend):
    rng = _rng()
    x = (rng.standard_normal((3, 4, 5)) * 2).astype("float32")
    x64 = x.astype(np.float64)
    alpha_full = rng.uniform(-0.5, 0.5, (4, 5))
    alpha_shared = rng.uniform(-0.5, 0.5, (1, 5))
    cases = [
        (layers.LeakyReLU(), np.where(x64 > 0, x64, 0.3 * x64)),
        (layers.LeakyReLU(alpha=0.05), np.where(x64 > 0, x64, 0.05 * x64)),
        (layers.ELU(), np.where(x64 > 0, x64, np.expm1(x64))),
        (layers.ELU(alpha=0.5), np.where(x64 > 0, x64, 0.5 * np.expm1(x64))),
        (layers.ThresholdedReLU(), np.where(x64 > 1.0, x64, 0.0)),
        (layers.ThresholdedReLU(theta=-0.5), np.where(x64 > -0.5, x64, 0.0)),
        (layers.Softmax(), _softmax(x64, -1)),
        (layers.Softmax(axis=1), _softmax(x64, 1)),
        (layers.ReLU(), np.maximum(x64, 0.0)),
        (layers.ReLU(max_value=1.5), keras_relu(x64, max_value=1.5)),
        (layers.ReLU(negative_slope=0.2), keras_relu(x64, negative_slope=0.2)),
        (layers.ReLU(threshold=0.5), keras_relu(x64, threshold=0.5)),
        (layers.ReLU(threshold=-0.5), keras_relu(x64, threshold=-0.5)),
        (layers.ReLU(max_value=2.0, negative_slope=0.1, threshold=-0.5),
         keras_relu(x64, max_value=2.0, negative_slope=0.1, threshold=-0.5)),
        (layers.ReLU(6.0, 0.3, 1.0), keras_relu(x64, 6.0, 0.3, 1.0)),
        (layers.PReLU(), np.where(x64 > 0, x64, alpha_full * x64)),
        (layers.PReLU(shared_axes=1), np.where(x64 > 0, x64, alpha_shared * x64)),
    ]
    inp = Input(shape=x.shape[1:])
    outputs = [layer(inp) for layer, _ in cases]
    cases[-2][0].set_weights([alpha_full])
    cases[-1][0].set_weights([alpha_shared])
    values = K.function([inp], outputs)([x])
    for (layer, expected), y, sym in zip(cases, values, outputs):
        np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6, err_msg=layer.name)
        assert y.dtype == np.float32
        check_shape(layer, [x], y, sym)
        assert roundtrip(layer).get_config() == layer.get_config()
    assert [w.name.split("/")[-1] for w in cases[-1][0].weights] == ["alpha"]
    assert cases[-1][0].get_config()["shared_axes"] == [1]
    # The relu layer computes what Keras 2.2.4's does where the clip matters: a value in
    # (threshold, 0) is clipped to 0, below the threshold the negative part remains.
    relu = cases[13][1]
    assert keras_relu(np.array([-0.25, -1.0]), 2.0, 0.1, -0.5).tolist() == [0.0, -0.05]
    np.testing.assert_allclose(values[13], relu, rtol=1e-5, atol=1e-6)


KERAS_224_SIGNATURES = {
    "LeakyReLU": "(alpha=0.3, **kwargs)",
    "PReLU": "(alpha_initializer='zeros', alpha_regularizer=None, alpha_constraint=None, "
             "shared_axes=None, **kwargs)",
    "ELU": "(alpha=1.0, **kwargs)",
    "ThresholdedReLU": "(theta=1.0, **kwargs)",
    "Softmax": "(axis=-1, **kwargs)",
    "ReLU": "(max_value=None, negative_slope=0.0, threshold=0.0, **kwargs)",
    "GaussianNoise": "(stddev, **kwargs)",
    "GaussianDropout": "(rate, **kwargs)",
    "AlphaDropout": "(rate, noise_shape=None, seed=None, **kwargs)",
    "SpatialDropout1D": "(rate, **kwargs)",
    "SpatialDropout2D": "(rate, data_format=None, **kwargs)",
    "SpatialDropout3D": "(rate, data_format=None, **kwargs)",
}


def test_signatures():
    for name, signature in KERAS_224_SIGNATURES.items():
        assert str(inspect.signature(getattr(layers, name))) == signature, name


def test_activation_layer_defaults_and_masks(backend):
    assert layers.LeakyReLU().alpha == 0.3 and layers.ELU().alpha == 1.0
    assert layers.ThresholdedReLU().theta == 1.0 and layers.Softmax().axis == -1
    assert layers.ReLU().get_config()["max_value"] is None
    assert type(layers.PReLU().alpha_initializer).__name__ == "Zeros"
    masked = layers.Masking()(Input(shape=(3, 2)))
    for layer in (layers.LeakyReLU(), layers.PReLU(), layers.ELU(), layers.ThresholdedReLU(),
                  layers.Softmax(), layers.ReLU(), layers.GaussianNoise(0.1),
                  layers.GaussianDropout(0.1), layers.AlphaDropout(0.1),
                  layers.SpatialDropout1D(0.1)):
        layer(masked)
        assert layer._inbound_nodes[0].output_masks[0] is not None, type(layer).__name__


def test_prelu_weights_and_gradients(backend):
    layer = layers.PReLU(shared_axes=[1, 2])
    layer(Input(shape=(4, 3, 2)))
    assert layer.get_weights()[0].shape == (1, 1, 2)
    K.set_floatx("float64")
    x = _rng().standard_normal((3, 4, 2))
    grads = check_weight_gradients(layers.PReLU(shared_axes=[1],
                                                alpha_initializer="random_uniform"), x)
    assert grads[0].shape == (1, 2)


def _converted(make):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = make()
    return result, [str(w.message) for w in caught if "Keras 2 API" in str(w.message)]


def test_keras1_arguments():
    layer, warned = _converted(lambda: layers.PReLU(init="zero"))
    assert type(layer.alpha_initializer).__name__ == "Zeros" and "`PReLU(" in warned[0]
    layer, warned = _converted(lambda: layers.GaussianNoise(sigma=0.1))
    assert layer.stddev == 0.1 and "stddev=0.1" in warned[0]
    layer, warned = _converted(lambda: layers.GaussianDropout(p=0.2))
    assert layer.rate == 0.2 and warned
    layer, warned = _converted(lambda: layers.SpatialDropout1D(p=0.3))
    assert layer.rate == 0.3 and warned
    layer, warned = _converted(lambda: layers.SpatialDropout2D(p=0.3, dim_ordering="th"))
    assert (layer.rate, layer.data_format) == (0.3, "channels_first") and warned
    layer, _ = _converted(lambda: layers.SpatialDropout3D(0.2, dim_ordering="tf"))
    assert layer.data_format == "channels_last"
    with pytest.raises(TypeError, match="both the legacy keyword argument `sigma`"):
        layers.GaussianNoise(stddev=0.1, sigma=0.2)
    with pytest.raises(TypeError, match="`PReLU` can accept only 1 positional"):
        layers.PReLU("zeros", None)


def test_activation_errors(backend):
    with pytest.raises(ValueError, match="ReLU: Expected max_value >= 0. Received: "
                                         "max_value=-1.0"):
        layers.ReLU(max_value=-1.0)
    with pytest.raises(ValueError, match="ReLU: Expected negative_slope >= 0"):
        layers.ReLU(negative_slope=-0.1)
    with pytest.raises(TypeError, match="ReLU: Expected threshold to be a number. Received: "
                                        "threshold='0.5'"):
        layers.ReLU(threshold="0.5")
    with pytest.raises(TypeError, match="LeakyReLU: Expected alpha to be a number"):
        layers.LeakyReLU(alpha=None)
    with pytest.raises(TypeError, match="Softmax: Expected an integer axis"):
        layers.Softmax(axis=1.5)
    with pytest.raises(ValueError, match=r"Softmax: Expected an input of rank >= 2 that has axis "
                                         r"3. Received: input shape \(None, 4, 5\)"):
        layers.Softmax(axis=3)(Input(shape=(4, 5)))
    with pytest.raises(ValueError, match="PReLU: Expected shared_axes as positive integers"):
        layers.PReLU(shared_axes=[0])
    with pytest.raises(ValueError, match=r"PReLU: Expected shared_axes within 1..2"):
        layers.PReLU(shared_axes=3)(Input(shape=(4, 5)))
    with pytest.raises(ValueError, match="PReLU: Expected an input whose axes not in "
                                         "shared_axes are known"):
        layers.PReLU()(Input(shape=(None, 5)))
    assert layers.PReLU(shared_axes=1)(Input(shape=(None, 5)))._keras_shape == (None, None, 5)


# -- noise and spatial dropout ----------------------------------------------------------------

def _blocks(y, data_format):
    """``y`` as (sample, channel, entries of that channel)."""
    if data_format == "channels_last":
        y = np.moveaxis(y, -1, 1)
    return y.reshape(y.shape[0], y.shape[1], -1)


SPATIAL = [  # layer, input shape, data format, rank
    (lambda: layers.SpatialDropout1D(0.5), (64, 5, 8), "channels_last", 1),
    (lambda: layers.SpatialDropout2D(0.5), (64, 3, 3, 8), "channels_last", 2),
    (lambda: layers.SpatialDropout2D(0.5, data_format="channels_first"), (64, 8, 3, 3),
     "channels_first", 2),
    (lambda: layers.SpatialDropout3D(0.5), (32, 2, 2, 2, 8), "channels_last", 3),
    (lambda: layers.SpatialDropout3D(0.5, data_format="channels_first"), (32, 8, 2, 2, 2),
     "channels_first", 3),
]


def test_noise_layers_train_only_with_the_right_statistics(backend):
    rng = _rng()
    dense = rng.standard_normal((400, 50)).astype("float32")
    spatial = [rng.uniform(1.0, 2.0, shape).astype("float32") for _, shape, _, _ in SPATIAL]
    arrays = [dense] + spatial
    inputs = [Input(shape=a.shape[1:]) for a in arrays]
    noise = layers.GaussianNoise(0.5)
    gaussian_dropout = layers.GaussianDropout(0.2)
    alpha_dropout = layers.AlphaDropout(0.2)
    per_sample = layers.AlphaDropout(0.5, noise_shape=(None, 1), seed=3)
    spatial_layers = [make() for make, _, _, _ in SPATIAL]
    outputs = [noise(inputs[0]), gaussian_dropout(inputs[0]), alpha_dropout(inputs[0]),
               per_sample(inputs[0]), layers.GaussianDropout(0.0)(inputs[0]),
               layers.AlphaDropout(1.0)(inputs[0])]
    outputs += [layer(x) for layer, x in zip(spatial_layers, inputs[1:])]
    assert all(out._uses_learning_phase for out in outputs[:4])
    fn = K.function(inputs + [K.learning_phase()], outputs)

    sources = [dense] * 6 + spatial
    for value, source in zip(fn(arrays + [0]), sources):
        np.testing.assert_array_equal(value, source)  # identical at test time

    values = fn(arrays + [1])
    for layer, value, symbolic in zip([noise, gaussian_dropout, alpha_dropout],
                                      values, outputs):
        check_shape(layer, [dense], value, symbolic)
        roundtrip(layer)
    added = values[0].astype(np.float64) - dense
    assert abs(added.mean()) < 0.02 and abs(added.std() - 0.5) < 0.02
    factor = values[1].astype(np.float64) / dense
    assert abs(factor.mean() - 1) < 0.02 and abs(factor.var() - 0.2 / 0.8) < 0.02

    a = ((1 - 0.2) * (1 + 0.2 * SELU_ALPHA_P ** 2)) ** -0.5
    b = -a * SELU_ALPHA_P * 0.2
    y = values[2].astype(np.float64)
    dropped = np.isclose(y, a * SELU_ALPHA_P + b, rtol=1e-5, atol=1e-6)
    assert abs(dropped.mean() - 0.2) < 0.02
    np.testing.assert_allclose(y[~dropped], a * dense[~dropped] + b, rtol=1e-5, atol=1e-5)
    assert abs(y.mean() - dense.mean()) < 0.05 and abs(y.var() - dense.var()) < 0.05

    rows_dropped = np.isclose(values[3], values[3][:, :1]).all(axis=1)
    assert 0.3 < rows_dropped.mean() < 0.7  # noise_shape (None, 1): a whole sample or nothing
    np.testing.assert_array_equal(values[4], dense)  # rate 0 and rate 1: the identity
    np.testing.assert_array_equal(values[5], dense)

    for (layer, value, symbolic, x), (_, _, data_format, _rank) in zip(
            zip(spatial_layers, values[6:], outputs[6:], spatial), SPATIAL):
        check_shape(layer, [x], value, symbolic)
        blocks, inputs_blocks = _blocks(value, data_format), _blocks(x, data_format)
        zero = (blocks == 0).all(axis=2)
        scaled = np.isclose(blocks, 2 * inputs_blocks, rtol=1e-6).all(axis=2)
        assert (zero ^ scaled).all(), f"{layer.name}: a channel partly dropped"
        assert 0.35 < zero.mean() < 0.65
        config = roundtrip(layer).get_config()
        assert config.get("data_format", "channels_last") == data_format and config["rate"] == 0.5


def test_model_predict_skips_noise(backend):
    x = _rng().standard_normal((4, 6, 3)).astype("float32")
    model = keras.models.Sequential([
        layers.GaussianNoise(1.0, input_shape=(6, 3)), layers.GaussianDropout(0.5),
        layers.AlphaDropout(0.3), layers.SpatialDropout1D(0.5)])
    np.testing.assert_array_equal(model.predict(x), x)
    restored = keras.models.Sequential.from_config(model.get_config())
    assert [type(layer).__name__ for layer in restored.layers] == \
        ["GaussianNoise", "GaussianDropout", "AlphaDropout", "SpatialDropout1D"]


def test_noise_errors(backend):
    with pytest.raises(ValueError, match="GaussianNoise: Expected stddev >= 0"):
        layers.GaussianNoise(-0.1)
    with pytest.raises(ValueError, match=r"GaussianDropout: Expected rate in \[0, 1\]. "
                                         r"Received: rate=-0.1"):
        layers.GaussianDropout(-0.1)
    with pytest.raises(ValueError, match=r"AlphaDropout: Expected rate in \[0, 1\]"):
        layers.AlphaDropout(1.5)
    with pytest.raises(TypeError, match="AlphaDropout: Expected rate to be a number"):
        layers.AlphaDropout("0.5")
    with pytest.raises(ValueError, match=r"SpatialDropout2D: Expected rate in \[0, 1\]"):
        layers.SpatialDropout2D(-0.5)
    with pytest.raises(ValueError, match=r"SpatialDropout1D: Expected rate in \[0, 1\]"):
        layers.SpatialDropout1D(2.0)
    with pytest.raises(ValueError, match="SpatialDropout3D: Expected one of .*Received: "
                                         "data_format='tf'"):
        layers.SpatialDropout3D(0.5, data_format="tf")
    with pytest.raises(ValueError, match=r"\(SpatialDropout2D\).*expected ndim=4. Received: "
                                         r"ndim=3"):
        layers.SpatialDropout2D(0.5)(Input(shape=(4, 4)))
    with pytest.raises(ValueError, match=r"\(SpatialDropout1D\).*expected ndim=3"):
        layers.SpatialDropout1D(0.5)(Input(shape=(4,)))
