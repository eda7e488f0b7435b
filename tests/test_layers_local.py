"""Locally-connected layers on every backend: values against index-by-index NumPy loops over
Keras 2.2.4's kernel layout, weights, shapes, configs, gradients, Keras 1 arguments, errors."""

import inspect
import warnings

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import layers
from polykeras.layers import Input

from layer_testing import check_shape, check_weight_gradients, roundtrip

SEED = 20240612


def _rng():
    return np.random.default_rng(SEED)


def local1d_reference(x, kernel, bias, k, s, channels_first):
    """``y[b, t, f] = sum_{j, c} x[b, t*s + j, c] * kernel[t, row(j, c), f] + bias[t, f]``,
    with ``row = j * C + c`` (channels_last) or ``c * k + j`` (channels_first); for
    channels_first the (steps, filters) bias is read in (filters, steps) order (Keras 2.2.4's
    reshape)."""
    if channels_first:
        bias = bias.reshape(bias.shape[1], bias.shape[0]).T
    if channels_first:
        x = x.transpose(0, 2, 1)
    batch, _, channels = x.shape
    out_len, _, filters = kernel.shape
    y = np.zeros((batch, out_len, filters))
    for b in range(batch):
        for t in range(out_len):
            for f in range(filters):
                total = bias[t, f]
                for j in range(k):
                    for c in range(channels):
                        row = c * k + j if channels_first else j * channels + c
                        total += x[b, t * s + j, c] * kernel[t, row, f]
                y[b, t, f] = total
    return y.transpose(0, 2, 1) if channels_first else y


def local2d_reference(x, kernel, bias, ksize, strides, channels_first):
    """Position ``p = r * out_cols + q``; patch row ``(i * kw + j) * C + c`` (channels_last)
    or ``c * kh * kw + i * kw + j`` (channels_first, where the (rows, cols, filters) bias is
    read in (filters, rows, cols) order, Keras 2.2.4's reshape)."""
    if channels_first:
        bias = bias.reshape(bias.shape[2], bias.shape[0], bias.shape[1]).transpose(1, 2, 0)
    if channels_first:
        x = x.transpose(0, 2, 3, 1)
    batch, _, _, channels = x.shape
    (kh, kw), (sh, sw) = ksize, strides
    out_rows, out_cols = bias.shape[:2]
    filters = kernel.shape[2]
    y = np.zeros((batch, out_rows, out_cols, filters))
    for b in range(batch):
        for r in range(out_rows):
            for q in range(out_cols):
                p = r * out_cols + q
                for f in range(filters):
                    total = bias[r, q, f]
                    for i in range(kh):
                        for j in range(kw):
                            for c in range(channels):
                                row = (c * kh * kw + i * kw + j if channels_first
                                       else (i * kw + j) * channels + c)
                                total += x[b, r * sh + i, q * sw + j, c] * kernel[p, row, f]
                    y[b, r, q, f] = total
    return y.transpose(0, 3, 1, 2) if channels_first else y


def _set_random_weights(layer, rng):
    layer.set_weights([rng.standard_normal(w.shape) for w in layer.get_weights()])
    return layer.get_weights()


def test_locally_connected_match_numpy(backend):
    rng = _rng()
    x1 = rng.standard_normal((2, 8, 3)).astype("float32")     # (batch, steps, channels) or cf
    x2 = rng.standard_normal((2, 5, 6, 2)).astype("float32")  # (batch, rows, cols, channels)
    x3 = rng.standard_normal((2, 2, 5, 4)).astype("float32")  # (batch, channels, rows, cols)
    cases = [  # layer, input index, output spatial shape, channels_first
        (layers.LocallyConnected1D(4, 3, strides=2, use_bias=False), 0, (8 - 3) // 2 + 1, False),
        (layers.LocallyConnected1D(2, 2, data_format="channels_first", activation="relu"), 0,
         3 - 2 + 1, True),
        (layers.LocallyConnected2D(3, (2, 3), strides=(2, 1)), 1, ((5 - 2) // 2 + 1, 6 - 3 + 1),
         False),
        (layers.LocallyConnected2D(2, 2, data_format="channels_first"), 2, (5 - 2 + 1, 4 - 2 + 1),
         True),
    ]
    arrays = [x1, x2, x3]
    inputs = [Input(shape=a.shape[1:]) for a in arrays]
    outputs = [layer(inputs[i]) for layer, i, _, _ in cases]
    weights = [_set_random_weights(layer, rng) for layer, *_ in cases]
    values = K.function(inputs, outputs)(arrays)
    for (layer, i, out_len, channels_first), w, y, sym in zip(cases, weights, values, outputs):
        x = arrays[i].astype(np.float64)
        check_shape(layer, [arrays[i]], y, sym)
        names = [v.name.split("/")[-1] for v in layer.weights]
        assert names == (["kernel", "bias"] if layer.use_bias else ["kernel"])
        channels = x.shape[1] if channels_first else x.shape[-1]
        ksize = layer.kernel_size
        positions = int(np.prod(out_len))
        assert w[0].shape == (positions, int(np.prod(ksize)) * channels, layer.filters)
        out_dims = out_len if isinstance(out_len, tuple) else (out_len,)
        bias = w[1] if layer.use_bias else np.zeros(out_dims + (layer.filters,))
        assert bias.shape == out_dims + (layer.filters,)
        if isinstance(layer, layers.LocallyConnected1D):
            expected = local1d_reference(x, w[0], bias, ksize[0], layer.strides[0], channels_first)
        else:
            expected = local2d_reference(x, w[0], bias, ksize, layer.strides, channels_first)
        if layer.activation.__name__ == "relu":
            expected = np.maximum(expected, 0)
        np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4, err_msg=layer.name)
        config = roundtrip(layer).get_config()
        assert config["data_format"] == ("channels_first" if channels_first else "channels_last")
        assert config["padding"] == "valid" and config["filters"] == layer.filters


@pytest.mark.parametrize("cls, shape, kwargs", [
    (layers.LocallyConnected1D, (2, 7), dict(kernel_size=3, strides=2,
                                             data_format="channels_first")),
    (layers.LocallyConnected2D, (4, 3, 2), dict(kernel_size=(2, 2), activation="tanh")),
])
def test_locally_connected_weight_gradients(backend, cls, shape, kwargs):
    K.set_floatx("float64")
    x = _rng().standard_normal((2,) + shape)
    layer = cls(3, bias_initializer="random_normal", **kwargs)
    grads = check_weight_gradients(layer, x, checks_per_weight=6)
    assert [g.shape for g in grads] == [w.shape for w in layer.get_weights()]


def _converted(make):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = make()
    return result, [str(w.message) for w in caught if "Keras 2 API" in str(w.message)]


def test_signatures():
    common = ("padding='valid', data_format=None, activation=None, use_bias=True, "
              "kernel_initializer='glorot_uniform', bias_initializer='zeros', "
              "kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, "
              "kernel_constraint=None, bias_constraint=None, **kwargs)")
    assert str(inspect.signature(layers.LocallyConnected1D)) == \
        "(filters, kernel_size, strides=1, " + common
    assert str(inspect.signature(layers.LocallyConnected2D)) == \
        "(filters, kernel_size, strides=(1, 1), " + common


def test_keras1_locally_connected_arguments():
    layer, warned = _converted(lambda: layers.LocallyConnected2D(
        8, 3, 3, border_mode="valid", subsample=(2, 2), dim_ordering="th", init="zeros",
        bias=False))
    assert (layer.filters, layer.kernel_size, layer.strides) == (8, (3, 3), (2, 2))
    assert layer.data_format == "channels_first" and layer.use_bias is False
    assert type(layer.kernel_initializer).__name__ == "Zeros" and warned
    layer, warned = _converted(lambda: layers.LocallyConnected1D(
        nb_filter=4, filter_length=3, subsample_length=2, input_dim=5, input_length=10))
    assert (layer.filters, layer.kernel_size, layer.strides) == (4, (3,), (2,))
    assert layer.batch_input_shape == (None, 10, 5) and warned


def test_locally_connected_errors(backend):
    with pytest.raises(ValueError, match="LocallyConnected2D: Expected padding one of "
                                         r"\{'valid'\}. Received: padding='same'"):
        layers.LocallyConnected2D(2, 3, padding="same")
    with pytest.raises(ValueError, match="LocallyConnected1D: Expected filters to be a positive"):
        layers.LocallyConnected1D(0, 3)
    with pytest.raises(ValueError, match="LocallyConnected1D: Expected kernel_size of positive"):
        layers.LocallyConnected1D(2, -1)
    with pytest.raises(ValueError, match="LocallyConnected2D: Expected one of .*Received: "
                                         "data_format='channels'"):
        layers.LocallyConnected2D(2, 3, data_format="channels")
    with pytest.raises(ValueError, match="LocallyConnected1D: Expected an input whose spatial and "
                                         r"channel sizes are all known.*\(None, None, 3\)"):
        layers.LocallyConnected1D(2, 3)(Input(shape=(None, 3)))
    with pytest.raises(ValueError, match=r"LocallyConnected2D: Expected kernel_size=\(3, 3\) no "
                                         r"larger than the input.*\(2, 4\)"):
        layers.LocallyConnected2D(2, 3)(Input(shape=(2, 4, 1)))
    layer = layers.LocallyConnected2D(2, 2, data_format="channels_first")
    layer(Input(shape=(3, 4, 4)))
    with pytest.raises(ValueError, match="expected axis 1 of the input shape to have value 3"):
        layer(Input(shape=(2, 4, 4)))
    with pytest.raises(ValueError, match=r"\(LocallyConnected1D\).*expected ndim=3"):
        layers.LocallyConnected1D(2, 2)(Input(shape=(4, 4, 1)))


@pytest.mark.parametrize("backend_name", ["numpy", "torch"])
def test_model_of_new_layers_trains_saves_and_loads(backend_name, tmp_path):
    """A model of the new layers trains, saves to HDF5 and loads back with the same outputs.

    Model-level, so run where it is cheap: on JAX its four compilations (training step,
    two predictions, none of them new code) would cost more than all the layer tests there.
    """
    import polykeras as keras
    with K.use_backend(backend_name):
        _train_save_load(keras, tmp_path)


def _train_save_load(keras, tmp_path):
    rng = _rng()
    x = rng.standard_normal((32, 10, 2)).astype("float32")
    y = (x[:, :, 0].mean(axis=1, keepdims=True) > 0).astype("float32")
    model = keras.models.Sequential([
        layers.LocallyConnected1D(4, 3, input_shape=(10, 2)), layers.PReLU(shared_axes=[1]),
        layers.MaxPooling1D(2, padding="same"), layers.LocallyConnected1D(3, 2),
        layers.LeakyReLU(), layers.GlobalAveragePooling1D(), layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    history = model.fit(x, y, batch_size=8, epochs=4, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    path = str(tmp_path / "model.h5")
    model.save(path)
    restored = keras.models.load_model(path)
    assert [type(layer).__name__ for layer in restored.layers] == \
        [type(layer).__name__ for layer in model.layers]
    np.testing.assert_allclose(restored.predict(x), model.predict(x), rtol=1e-6, atol=1e-6)
    clone = keras.models.model_from_json(model.to_json())
    assert clone.layers[0].get_weights()[0].shape == (8, 6, 4)
