"""Convolutional layers on every backend: values against NumPy float64 loops, shapes, weights,
configs, gradients, Keras 1 arguments and clear errors."""

import warnings

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import layers
from polykeras.layers import Input, convolutional
from polykeras.models import Sequential, model_from_json
from polykeras.utils import set_random_seed

from layer_testing import check_shape, check_weight_gradients, roundtrip, run

SEED = 20240611


def _rng():
    return np.random.default_rng(SEED)


# -- float64 references: explicit loops over output positions, channels-last ------------------

def _last(x, data_format):
    return np.moveaxis(x, 1, -1) if data_format == "channels_first" else x


def _back(y, data_format):
    return np.moveaxis(y, -1, 1) if data_format == "channels_first" else y


def ref_conv(x, kernel, strides, padding, dilation):
    """Cross-correlation of ``x`` (N, *S, C) with ``kernel`` (*k, C, F); TensorFlow's 'same'
    padding (output ceil(size / stride), the odd cell of padding at the end); 'causal' pads
    the dilated kernel size - 1 on the left."""
    x = np.asarray(x, np.float64)
    rank = kernel.ndim - 2
    ksize = kernel.shape[:rank]
    effective = [(k - 1) * d + 1 for k, d in zip(ksize, dilation)]
    if padding == "valid":
        pads = [(0, 0)] * rank
    elif padding == "causal":
        pads = [(effective[0] - 1, 0)]
    else:
        pads = []
        for n, e, s in zip(x.shape[1:-1], effective, strides):
            total = max((-(-n // s) - 1) * s + e - n, 0)
            pads.append((total // 2, total - total // 2))
    padded = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    outs = [(padded.shape[1 + i] - effective[i]) // strides[i] + 1 for i in range(rank)]
    y = np.zeros((x.shape[0], *outs, kernel.shape[-1]))
    for pos in np.ndindex(*outs):
        for kpos in np.ndindex(*ksize):
            src = tuple(p * s + k * d for p, s, k, d in zip(pos, strides, kpos, dilation))
            y[(slice(None),) + pos] += padded[(slice(None),) + src] @ kernel[kpos]
    return y


def ref_depthwise(x, depthwise_kernel, strides, padding, dilation):
    """Each input channel c convolved with its own filters: output channel c * multiplier + m."""
    channels = depthwise_kernel.shape[-2]
    per_channel = [ref_conv(x[..., c:c + 1], depthwise_kernel[..., c:c + 1, :], strides, padding,
                            dilation) for c in range(channels)]
    return np.concatenate(per_channel, axis=-1)


def ref_conv_transpose(x, kernel, strides, padding, output_padding, dilation):
    """Scatter: input cell i adds ``x[i] @ kernel[k].T`` at output cell ``i * s + k * d - low``.

    Output sizes by Keras 2.2.4's formula (conv_utils.deconv_length); ``low`` is the leading
    padding of the 'same' forward convolution from that output size back to the input.
    """
    x = np.asarray(x, np.float64)
    rank = kernel.ndim - 2
    ksize = kernel.shape[:rank]
    output_padding = output_padding or (None,) * rank
    outs, lows = [], []
    for n, k, s, d, extra in zip(x.shape[1:-1], ksize, strides, dilation, output_padding):
        e = (k - 1) * d + 1
        if extra is None:
            n_out = n * s + max(e - s, 0) if padding == "valid" else n * s
        else:
            n_out = (n - 1) * s + e - 2 * (e // 2 if padding == "same" else 0) + extra
        outs.append(n_out)
        lows.append(max((n - 1) * s + e - n_out, 0) // 2 if padding == "same" else 0)
    y = np.zeros((x.shape[0], *outs, kernel.shape[-2]))
    for pos in np.ndindex(*x.shape[1:-1]):
        for kpos in np.ndindex(*ksize):
            dst = tuple(p * s + k * d - lo
                        for p, s, k, d, lo in zip(pos, strides, kpos, dilation, lows))
            if all(0 <= i < n for i, n in zip(dst, outs)):
                y[(slice(None),) + dst] += x[(slice(None),) + pos] @ kernel[kpos].T
    return y


def ref_bilinear(x, fh, fw):
    """TensorFlow 1's resize_bilinear (align_corners=False): source coordinate i / factor."""
    n, h, w, c = x.shape
    y = np.zeros((n, h * fh, w * fw, c))
    for i in range(h * fh):
        for j in range(w * fw):
            si, sj = i / fh, j / fw
            i0, j0 = int(np.floor(si)), int(np.floor(sj))
            i1, j1 = min(i0 + 1, h - 1), min(j0 + 1, w - 1)
            a, b = si - i0, sj - j0
            y[:, i, j] = ((1 - a) * (1 - b) * x[:, i0, j0] + (1 - a) * b * x[:, i0, j1]
                          + a * (1 - b) * x[:, i1, j0] + a * b * x[:, i1, j1])
    return y


def _tuple(value, rank):
    return (value,) * rank if isinstance(value, int) else tuple(value)


def _weight_names(layer):
    return [w.name.split("/")[-1] for w in layer.weights]


def _random_bias(layer, rng):
    """Give the layer a non-zero bias, so the reference checks its placement too."""
    weights = layer.get_weights()
    weights[-1] = rng.standard_normal(weights[-1].shape).astype(weights[-1].dtype)
    layer.set_weights(weights)
    return weights


TOL = dict(rtol=1e-4, atol=1e-4)
FIRST, LAST = "channels_first", "channels_last"


def _geometry(kwargs, rank):
    """(strides, padding, dilation_rate, data_format) of a layer's keyword arguments."""
    strides = _tuple(kwargs.get("strides", 1), rank)
    dilation = _tuple(kwargs.get("dilation_rate", 1), rank)
    return strides, kwargs.get("padding", "valid"), dilation, kwargs.get("data_format", LAST)


def _channels(shape, data_format):
    return shape[1] if data_format == FIRST else shape[-1]


def _ids(table):
    return [f"{row[0].__name__}-{i}" for i, row in enumerate(table)]


# -- Conv1D / Conv2D / Conv3D ------------------------------------------------------------------

CONVS = [
    (layers.Conv1D, (2, 9, 2), dict(filters=3, kernel_size=3, strides=2)),
    (layers.Conv1D, (2, 7, 3), dict(filters=2, kernel_size=3, padding="causal", dilation_rate=2)),
    (layers.Conv1D, (2, 3, 5), dict(filters=2, kernel_size=2, padding="same", data_format=FIRST)),
    (layers.Conv2D, (2, 5, 6, 2), dict(filters=3, kernel_size=(3, 2), strides=(2, 1),
                                       padding="same")),
    (layers.Conv2D, (2, 3, 6, 5), dict(filters=2, kernel_size=2, dilation_rate=(2, 1),
                                       activation="relu", data_format=FIRST)),
    (layers.Conv2D, (1, 5, 5, 1), dict(filters=2, kernel_size=3, padding="same", strides=2,
                                       use_bias=False)),
    (layers.Conv3D, (1, 3, 4, 3, 2), dict(filters=2, kernel_size=2, strides=(1, 2, 1))),
    (layers.Conv3D, (2, 2, 3, 4, 3), dict(filters=2, kernel_size=(2, 3, 2), padding="same",
                                          data_format=FIRST)),
]


@pytest.mark.parametrize("cls, shape, kwargs", CONVS, ids=_ids(CONVS))
def test_conv_matches_numpy(backend, cls, shape, kwargs):
    rng = _rng()
    x = rng.standard_normal(shape).astype("float32")
    rank = len(shape) - 2
    strides, padding, dilation, fmt = _geometry(kwargs, rank)
    layer = cls(**kwargs)
    layer(Input(shape=shape[1:]))  # build, then set a random bias
    weights = _random_bias(layer, rng) if layer.use_bias else layer.get_weights()
    (y,), (sym,) = run(layer, x)
    kernel = weights[0]
    assert _weight_names(layer) == (["kernel", "bias"] if layer.use_bias else ["kernel"])
    kernel_size = _tuple(kwargs["kernel_size"], rank)
    assert kernel.shape == kernel_size + (_channels(shape, fmt), kwargs["filters"])
    expected = ref_conv(_last(x, fmt), kernel.astype(np.float64), strides, padding, dilation)
    if layer.use_bias:
        expected = expected + weights[1]
    if kwargs.get("activation") == "relu":
        expected = np.maximum(expected, 0)
    np.testing.assert_allclose(y, _back(expected, fmt), **TOL)
    check_shape(layer, [x], y, sym)
    assert layer.input_spec.ndim == rank + 2
    config = roundtrip(layer).get_config()
    assert "rank" not in config and config["filters"] == kwargs["filters"]


def test_causal_conv1d_does_not_see_the_future(backend):
    x = _rng().standard_normal((1, 8, 2)).astype("float32")
    layer = layers.Conv1D(3, 3, padding="causal", dilation_rate=2)
    (y,), _ = run(layer, x)
    changed = x.copy()
    changed[:, 5:] += 1.0
    (y2,), _ = run(layer, changed)
    np.testing.assert_allclose(y[:, :5], y2[:, :5], rtol=1e-6)
    assert not np.allclose(y[:, 5:], y2[:, 5:])


# -- Conv2DTranspose / Conv3DTranspose ------------------------------------------------------------

TRANSPOSES = [
    (layers.Conv2DTranspose, (2, 3, 4, 2), dict(filters=3, kernel_size=3, strides=2,
                                                padding="same")),
    (layers.Conv2DTranspose, (2, 3, 3, 2), dict(filters=2, kernel_size=(3, 2), strides=(2, 3),
                                                output_padding=(1, 2), data_format=FIRST)),
    (layers.Conv2DTranspose, (1, 4, 5, 2), dict(filters=2, kernel_size=3, padding="same",
                                                dilation_rate=2)),
    (layers.Conv2DTranspose, (1, 3, 2, 3), dict(filters=2, kernel_size=2, strides=2, padding="same",
                                                output_padding=1, activation="tanh")),
    (layers.Conv3DTranspose, (1, 2, 3, 2, 2), dict(filters=2, kernel_size=2, strides=(2, 1, 2))),
    (layers.Conv3DTranspose, (1, 2, 2, 3, 2), dict(filters=2, kernel_size=3, strides=2,
                                                   padding="same", output_padding=(1, 0, 1),
                                                   data_format=FIRST)),
]


@pytest.mark.parametrize("cls, shape, kwargs", TRANSPOSES, ids=_ids(TRANSPOSES))
def test_conv_transpose_matches_numpy(backend, cls, shape, kwargs):
    rng = _rng()
    x = rng.standard_normal(shape).astype("float32")
    rank = len(shape) - 2
    strides, padding, dilation, fmt = _geometry(kwargs, rank)
    layer = cls(**kwargs)
    layer(Input(shape=shape[1:]))
    kernel, bias = _random_bias(layer, rng)
    (y,), (sym,) = run(layer, x)
    # TensorFlow's layout: output channels before input channels
    kernel_size = _tuple(kwargs["kernel_size"], rank)
    assert kernel.shape == kernel_size + (kwargs["filters"], _channels(shape, fmt))
    assert _weight_names(layer) == ["kernel", "bias"]
    output_padding = kwargs.get("output_padding")
    output_padding = None if output_padding is None else _tuple(output_padding, rank)
    expected = ref_conv_transpose(_last(x, fmt), kernel.astype(np.float64), strides, padding,
                                  output_padding, dilation) + bias
    if kwargs.get("activation") == "tanh":
        expected = np.tanh(expected)
    np.testing.assert_allclose(y, _back(expected, fmt), **TOL)
    check_shape(layer, [x], y, sym)
    config = roundtrip(layer).get_config()
    assert ("dilation_rate" in config) == (cls is layers.Conv2DTranspose)
    assert config["output_padding"] == output_padding


def test_conv2d_transpose_inverts_the_shape_of_conv2d(backend):
    """A Conv2DTranspose with a Conv2D's strides and padding maps its output shape back."""
    for padding, size in (("same", 7), ("valid", 9)):
        inp = Input(shape=(size, size, 2))
        down = layers.Conv2D(3, 3, strides=2, padding=padding)(inp)
        extra = (size - 3) % 2 if padding == "valid" else 0
        up = layers.Conv2DTranspose(2, 3, strides=2, padding=padding, output_padding=extra)(down)
        assert up._keras_shape == (None, size, size, 2)


def test_conv2d_transpose_with_unknown_spatial_size(backend):
    x = _rng().standard_normal((2, 3, 4, 2)).astype("float32")
    layer = layers.Conv2DTranspose(2, 3, strides=2, padding="valid")
    inp = Input(shape=(None, None, 2))
    out = layer(inp)
    assert out._keras_shape == (None, None, None, 2)
    (y,) = K.function([inp], [out])([x])
    kernel, bias = layer.get_weights()
    expected = ref_conv_transpose(x, kernel.astype(np.float64), (2, 2), "valid", None, (1, 1))
    expected += bias
    np.testing.assert_allclose(y, expected, **TOL)


# -- separable and depthwise ---------------------------------------------------------------------

SEPARABLES = [
    (layers.SeparableConv1D, (2, 7, 2), dict(filters=3, kernel_size=3, strides=2, padding="same",
                                             depth_multiplier=2)),
    (layers.SeparableConv1D, (1, 3, 5), dict(filters=2, kernel_size=2, data_format=FIRST)),
    (layers.SeparableConv2D, (2, 5, 6, 2), dict(filters=3, kernel_size=(2, 3), padding="valid",
                                                dilation_rate=(2, 1))),
    (layers.SeparableConv2D, (1, 2, 5, 4), dict(filters=2, kernel_size=3, strides=2, padding="same",
                                                depth_multiplier=2, data_format=FIRST)),
]


@pytest.mark.parametrize("cls, shape, kwargs", SEPARABLES, ids=_ids(SEPARABLES))
def test_separable_conv_matches_numpy(backend, cls, shape, kwargs):
    rng = _rng()
    x = rng.standard_normal(shape).astype("float32")
    rank = len(shape) - 2
    strides, padding, dilation, fmt = _geometry(kwargs, rank)
    layer = cls(**kwargs)
    layer(Input(shape=shape[1:]))
    depthwise, pointwise, bias = _random_bias(layer, rng)
    (y,), (sym,) = run(layer, x)
    assert _weight_names(layer) == ["depthwise_kernel", "pointwise_kernel", "bias"]
    channels, multiplier = _channels(shape, fmt), kwargs.get("depth_multiplier", 1)
    assert depthwise.shape == _tuple(kwargs["kernel_size"], rank) + (channels, multiplier)
    assert pointwise.shape == (1,) * rank + (channels * multiplier, kwargs["filters"])
    middle = ref_depthwise(_last(x, fmt), depthwise.astype(np.float64), strides, padding, dilation)
    ones = (1,) * rank
    expected = ref_conv(middle, pointwise.astype(np.float64), ones, "valid", ones) + bias
    np.testing.assert_allclose(y, _back(expected, fmt), **TOL)
    check_shape(layer, [x], y, sym)
    config = roundtrip(layer).get_config()
    dropped = {"kernel_initializer", "kernel_regularizer", "kernel_constraint", "rank"}
    assert not dropped & set(config)
    assert config["depth_multiplier"] == multiplier


@pytest.mark.parametrize("shape, kwargs", [
    ((2, 5, 6, 3), dict(kernel_size=3, strides=2, padding="same", depth_multiplier=2)),
    ((1, 2, 4, 5), dict(kernel_size=(2, 3), data_format=FIRST)),
])
def test_depthwise_conv2d_matches_numpy(backend, shape, kwargs):
    rng = _rng()
    x = rng.standard_normal(shape).astype("float32")
    strides, padding, dilation, fmt = _geometry(kwargs, 2)
    layer = layers.DepthwiseConv2D(**kwargs)
    layer(Input(shape=shape[1:]))
    depthwise, bias = _random_bias(layer, rng)
    (y,), (sym,) = run(layer, x)
    channels, multiplier = _channels(shape, fmt), kwargs.get("depth_multiplier", 1)
    assert _weight_names(layer) == ["depthwise_kernel", "bias"]
    assert depthwise.shape == _tuple(kwargs["kernel_size"], 2) + (channels, multiplier)
    assert bias.shape == (channels * multiplier,)
    expected = ref_depthwise(_last(x, fmt), depthwise.astype(np.float64), strides, padding,
                             dilation)
    np.testing.assert_allclose(y, _back(expected + bias, fmt), **TOL)
    check_shape(layer, [x], y, sym)
    config = roundtrip(layer).get_config()
    assert "filters" not in config and config["dilation_rate"] == (1, 1)  # Keras 2.2.4's keys


# -- gradients of the trainable weights ------------------------------------------------------

GRADIENTS = [
    (layers.Conv1D, (2, 6, 2), dict(filters=2, kernel_size=3, padding="causal", dilation_rate=2)),
    (layers.Conv2D, (2, 2, 5, 4), dict(filters=2, kernel_size=3, strides=2, padding="same",
                                       data_format=FIRST)),
    (layers.Conv3D, (1, 3, 3, 2, 2), dict(filters=2, kernel_size=2, activation="tanh")),
    (layers.Conv2DTranspose, (2, 3, 2, 2), dict(filters=2, kernel_size=3, strides=2,
                                                output_padding=1, padding="same")),
    (layers.Conv3DTranspose, (1, 2, 2, 1, 2), dict(filters=1, kernel_size=2, strides=2,
                                                   data_format=FIRST)),
    (layers.SeparableConv1D, (2, 5, 2), dict(filters=2, kernel_size=2, depth_multiplier=2)),
    (layers.SeparableConv2D, (1, 2, 4, 3), dict(filters=2, kernel_size=2, padding="same",
                                                data_format=FIRST)),
    (layers.DepthwiseConv2D, (2, 4, 4, 2), dict(kernel_size=2, strides=2, depth_multiplier=2)),
]


@pytest.mark.parametrize("cls, shape, kwargs", GRADIENTS, ids=_ids(GRADIENTS))
def test_weight_gradients(backend, cls, shape, kwargs):
    K.set_floatx("float64")
    x = _rng().standard_normal(shape)
    layer = cls(bias_initializer="glorot_uniform", **kwargs)
    grads = check_weight_gradients(layer, x, checks_per_weight=4)
    assert len(grads) == len(layer.trainable_weights) == len(layer.weights)


# -- upsampling, padding, cropping ----------------------------------------------------------

def _nearest(x, sizes, axes):
    for axis, size in zip(axes, sizes):
        x = np.repeat(x, size, axis=axis)
    return x


RESHAPERS = [
    (lambda: layers.UpSampling1D(size=3), (2, 3, 2), lambda x: _nearest(x, (3,), (1,))),
    (lambda: layers.UpSampling2D(size=(2, 3)), (2, 2, 3, 2), lambda x: _nearest(x, (2, 3), (1, 2))),
    (lambda: layers.UpSampling2D(data_format="channels_first"), (1, 2, 3, 2),
     lambda x: _nearest(x, (2, 2), (2, 3))),
    (lambda: layers.UpSampling2D(size=(3, 2), interpolation="bilinear"), (2, 3, 2, 2),
     lambda x: ref_bilinear(x, 3, 2)),
    (lambda: layers.UpSampling3D(size=(1, 2, 3), data_format="channels_first"), (1, 2, 2, 1, 2),
     lambda x: _nearest(x, (1, 2, 3), (2, 3, 4))),
    (lambda: layers.ZeroPadding1D(padding=(2, 1)), (2, 3, 2),
     lambda x: np.pad(x, [(0, 0), (2, 1), (0, 0)])),
    (lambda: layers.ZeroPadding2D(padding=((1, 0), (2, 3))), (1, 2, 2, 3),
     lambda x: np.pad(x, [(0, 0), (1, 0), (2, 3), (0, 0)])),
    (lambda: layers.ZeroPadding2D(padding=(1, 2), data_format="channels_first"), (1, 2, 2, 3),
     lambda x: np.pad(x, [(0, 0), (0, 0), (1, 1), (2, 2)])),
    (lambda: layers.ZeroPadding3D(padding=((0, 1), 2, (1, 0))), (1, 2, 1, 2, 2),
     lambda x: np.pad(x, [(0, 0), (0, 1), (2, 2), (1, 0), (0, 0)])),
    (lambda: layers.Cropping1D(cropping=(1, 2)), (2, 6, 2), lambda x: x[:, 1:-2]),
    (lambda: layers.Cropping2D(cropping=((1, 0), (0, 2))), (2, 3, 4, 2), lambda x: x[:, 1:, :-2]),
    (lambda: layers.Cropping2D(cropping=1, data_format="channels_first"), (1, 2, 4, 3),
     lambda x: x[:, :, 1:-1, 1:-1]),
    (lambda: layers.Cropping3D(cropping=(1, (0, 1), 0)), (1, 3, 3, 2, 2),
     lambda x: x[:, 1:-1, :-1, :]),
]
RESHAPER_IDS = ["UpSampling1D", "UpSampling2D", "UpSampling2D-first", "UpSampling2D-bilinear",
                "UpSampling3D-first", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding2D-first",
                "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping2D-first", "Cropping3D"]


@pytest.mark.parametrize("make, shape, reference", RESHAPERS, ids=RESHAPER_IDS)
def test_resizing_layers_match_numpy(backend, make, shape, reference):
    layer = make()
    x = _rng().standard_normal(shape).astype("float32")
    (y,), (sym,) = run(layer, x)
    np.testing.assert_allclose(y, reference(x.astype(np.float64)), rtol=1e-5, atol=1e-6)
    check_shape(layer, [x], y, sym)
    assert layer.weights == [] and layer.input_spec.ndim == len(shape)
    roundtrip(layer)


def test_resizing_configs_are_keras_ones():
    assert layers.UpSampling1D(4).get_config()["size"] == 4
    assert "data_format" not in layers.UpSampling1D().get_config()
    assert layers.UpSampling2D(interpolation="bilinear").get_config()["interpolation"] == "bilinear"
    assert layers.ZeroPadding1D(3).get_config()["padding"] == (3, 3)
    assert layers.ZeroPadding2D(2).padding == ((2, 2), (2, 2))
    assert layers.ZeroPadding3D((1, 2, 3)).padding == ((1, 1), (2, 2), (3, 3))
    assert layers.Cropping1D().get_config()["cropping"] == (1, 1)
    assert layers.Cropping2D().cropping == ((0, 0), (0, 0))
    assert layers.Cropping3D().cropping == ((1, 1), (1, 1), (1, 1))
    assert layers.Conv1D(2, 3).data_format == "channels_last"


def test_image_data_format_is_the_default(backend):
    K.set_image_data_format("channels_first")
    layer = layers.Conv2D(2, 3)
    assert layer.data_format == "channels_first"
    assert layer(Input(shape=(3, 6, 5)))._keras_shape == (None, 2, 4, 3)
    # Conv1D and SeparableConv1D default to channels_last whatever the setting, as Keras 2.2.4
    assert layers.Conv1D(2, 3).data_format == "channels_last"
    assert layers.SeparableConv1D(2, 3).data_format == "channels_last"


# -- in a model ----------------------------------------------------------------------------------

def test_small_image_model_trains_and_round_trips_through_json(backend):
    set_random_seed(SEED)
    rng = _rng()
    x = rng.standard_normal((16, 6, 6, 1)).astype("float32")
    y = np.eye(2)[(x[:, :3].sum(axis=(1, 2, 3)) > 0).astype(int)].astype("float32")
    model = Sequential([
        layers.Conv2D(4, 3, strides=2, padding="same", activation="relu", input_shape=(6, 6, 1)),
        layers.Conv2DTranspose(2, 3, strides=2, padding="same"),
        layers.Cropping2D(((1, 1), (2, 0))),
        layers.Flatten(),
        layers.Dense(2, activation="softmax"),
    ])
    assert model.output_shape == (None, 2)
    assert [layer.output_shape for layer in model.layers[:3]] == \
        [(None, 3, 3, 4), (None, 6, 6, 2), (None, 4, 4, 2)]
    model.compile("sgd", "categorical_crossentropy")
    losses = model.fit(x, y, epochs=8, batch_size=16, verbose=0).history["loss"]
    assert losses[-1] < losses[0]
    clone = model_from_json(model.to_json())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=1e-5, atol=1e-6)


# -- Keras 1 arguments ---------------------------------------------------------------------------

def _converted(make):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = make()
    return result, [str(w.message) for w in caught]


def test_keras1_convolution2d():
    layer, warned = _converted(lambda: layers.Convolution2D(
        32, 3, 3, border_mode="same", subsample=(2, 2), dim_ordering="th", init="he_normal",
        bias=False))
    assert type(layer) is layers.Conv2D
    assert (layer.filters, layer.kernel_size, layer.strides) == (32, (3, 3), (2, 2))
    assert (layer.padding, layer.data_format, layer.use_bias) == ("same", "channels_first", False)
    assert type(layer.kernel_initializer).__name__ == "VarianceScaling"
    assert len(warned) == 1 and "Update your `Conv2D` call to the Keras 2 API" in warned[0]
    assert layer(Input(shape=(3, 8, 8)))._keras_shape == (None, 32, 4, 4)
    layer, _ = _converted(lambda: layers.Conv2D(8, nb_row=2, nb_col=3))
    assert layer.kernel_size == (2, 3)


def test_keras1_conv1d_conv3d_deconvolution_separable():
    conv1d, warned = _converted(lambda: layers.Convolution1D(
        nb_filter=4, filter_length=3, subsample_length=2, border_mode="valid", input_dim=5,
        input_length=10))
    assert (conv1d.filters, conv1d.kernel_size, conv1d.strides) == (4, (3,), (2,))
    assert conv1d.batch_input_shape == (None, 10, 5) and warned
    conv3d, warned = _converted(lambda: layers.Convolution3D(8, 3, 2, 1, dim_ordering="tf"))
    assert conv3d.kernel_size == (3, 2, 1) and conv3d.data_format == "channels_last" and warned
    deconv, warned = _converted(lambda: layers.Deconvolution2D(
        3, 3, 3, output_shape=(None, 14, 14, 3), subsample=(2, 2), border_mode="valid"))
    assert type(deconv) is layers.Conv2DTranspose
    assert (deconv.kernel_size, deconv.strides, deconv.output_padding) == ((3, 3), (2, 2), None)
    separable, warned = _converted(
        lambda: layers.SeparableConvolution2D(8, 3, 3, init="zeros", depth_multiplier=2))
    assert type(separable.depthwise_initializer).__name__ == "Zeros"
    assert type(separable.pointwise_initializer).__name__ == "Zeros"
    assert separable.kernel_size == (3, 3) and separable.depth_multiplier == 2


def test_keras1_resizing_layers():
    up1, warned = _converted(lambda: layers.UpSampling1D(length=3))
    assert up1.size == (3,) and warned
    up2, _ = _converted(lambda: layers.UpSampling2D((2, 3), dim_ordering="th"))
    assert up2.data_format == "channels_first" and up2.size == (2, 3)
    up3, _ = _converted(lambda: layers.UpSampling3D(dim_ordering="tf"))
    assert up3.data_format == "channels_last"
    pad2, warned = _converted(lambda: layers.ZeroPadding2D(
        padding={"top_pad": 1, "bottom_pad": 2, "left_pad": 0, "right_pad": 3}))
    assert pad2.padding == ((1, 2), (0, 3)) and warned
    pad3, _ = _converted(lambda: layers.ZeroPadding3D(dim_ordering="th"))
    assert pad3.data_format == "channels_first"
    crop2, _ = _converted(lambda: layers.Cropping2D(((1, 1), (2, 2)), dim_ordering="th"))
    assert crop2.data_format == "channels_first" and crop2.cropping == ((1, 1), (2, 2))
    crop3, _ = _converted(lambda: layers.Cropping3D(dim_ordering="tf"))
    assert crop3.data_format == "channels_last"


def test_atrous_convolutions():
    layer, warned = _converted(
        lambda: layers.AtrousConvolution2D(16, 3, 3, atrous_rate=(2, 2), border_mode="same"))
    assert type(layer) is layers.Conv2D
    assert (layer.kernel_size, layer.dilation_rate, layer.padding) == ((3, 3), (2, 2), "same")
    assert any("`AtrousConvolution2D` layer has been deprecated" in w for w in warned)
    layer, _ = _converted(lambda: layers.AtrousConv1D(4, 3, atrous_rate=2))
    assert type(layer) is layers.Conv1D and layer.dilation_rate == (2,)
    with pytest.raises(TypeError, match="both the legacy keyword argument `atrous_rate`"):
        layers.AtrousConv2D(4, 3, atrous_rate=2, dilation_rate=2)


def test_keras1_arguments_where_keras_2_2_4_takes_none():
    with pytest.raises(ValueError, match="integer positional arguments"):
        layers.Conv2D(32, 3, 3, padding="same")
    for make in (lambda: layers.ZeroPadding1D(1, dim_ordering="tf"),
                 lambda: layers.SeparableConv1D(2, 3, border_mode="same")):
        with pytest.raises(TypeError, match="not understood"):
            make()
    # these hand their Keras 2 arguments to Conv2D's / Conv3D's converting constructor, which
    # then sees both spellings, as in Keras 2.2.4
    with pytest.raises(TypeError, match="both the legacy keyword argument `border_mode`"):
        layers.DepthwiseConv2D(3, border_mode="same")
    with pytest.raises(TypeError, match="both the legacy keyword argument `dim_ordering`"):
        layers.Conv3DTranspose(2, 3, dim_ordering="th")


# -- the module's names ----------------------------------------------------------------------------

#: ``keras.layers.convolutional``'s public names in Keras 2.2.4 (besides the pooling re-exports).
KERAS_CONVOLUTIONAL = """
    AtrousConv1D AtrousConv2D Conv1D Conv2D Conv2DTranspose Conv3D Conv3DTranspose Convolution1D
    Convolution2D Convolution2DTranspose Convolution3D Cropping1D Cropping2D Cropping3D Deconv2D
    Deconv3D Deconvolution2D Deconvolution3D DepthwiseConv2D SeparableConv1D SeparableConv2D
    SeparableConvolution1D SeparableConvolution2D UpSampling1D UpSampling2D UpSampling3D
    ZeroPadding1D ZeroPadding2D ZeroPadding3D AtrousConvolution1D AtrousConvolution2D""".split()


def test_keras_2_2_4_names_and_aliases():
    missing = [n for n in KERAS_CONVOLUTIONAL
               if not hasattr(convolutional, n) or not hasattr(layers, n)]
    assert missing == []
    assert set(KERAS_CONVOLUTIONAL) <= set(layers.__all__)
    assert layers.Convolution1D is layers.Conv1D and layers.Convolution3D is layers.Conv3D
    assert layers.Deconvolution2D is layers.Deconv2D is layers.Conv2DTranspose
    assert layers.Convolution2DTranspose is layers.Conv2DTranspose
    assert layers.Deconvolution3D is layers.Deconv3D is layers.Conv3DTranspose
    assert layers.SeparableConvolution1D is layers.SeparableConv1D
    assert layers.SeparableConvolution2D is layers.SeparableConv2D
    assert layers.AtrousConv1D is layers.AtrousConvolution1D
    assert isinstance(layers.Conv2DTranspose(1, 1), layers.Conv2D)
    assert isinstance(layers.DepthwiseConv2D(1), layers.Conv2D)
    try:
        from polykeras.layers import pooling
    except ImportError:
        with pytest.raises(AttributeError, match="re-exports MaxPooling2D from polykeras.layers"):
            convolutional.MaxPooling2D  # noqa: B018
    else:
        assert convolutional.MaxPooling2D is pooling.MaxPooling2D
    layer = layers.Conv2DTranspose(3, 2, strides=2, output_padding=1)
    restored = layers.deserialize(layers.serialize(layer))
    assert type(restored) is layers.Conv2DTranspose and restored.output_padding == (1, 1)


# -- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("make, match", [
    (lambda: layers.Conv2D(0, 3),
     r"Conv2D: Expected filters to be a positive integer. Received: filters=0"),
    (lambda: layers.Conv1D(2.5, 3), r"Conv1D: Expected filters to be a positive integer"),
    (lambda: layers.SeparableConv2D(-1, 3), r"SeparableConv2D: Expected filters"),
    (lambda: layers.Conv3D(None, 3), r"Conv3D: Expected filters"),
    (lambda: layers.Conv2D(2, 0), r"Conv2D: Expected kernel_size of positive integers"),
    (lambda: layers.Conv2D(2, (3, 3, 3)),
     r"Conv2D: Expected kernel_size as an integer or a tuple of 2"),
    (lambda: layers.Conv1D(2, 3, strides=0), r"Conv1D: Expected strides of positive integers"),
    (lambda: layers.Conv2D(2, 3, padding="full"),
     r"Conv2D: Expected one of \{'valid', 'same'\}. Received: padding='full'"),
    (lambda: layers.Conv2D(2, 3, padding="causal"), r"Conv2D: Expected one of \{'valid', 'same'\}"),
    (lambda: layers.SeparableConv1D(2, 3, padding="causal"), r"SeparableConv1D: Expected one of"),
    (lambda: layers.Conv1D(2, 3, padding="causal", data_format="channels_first"),
     r"Conv1D: Expected data_format='channels_last' with causal padding"),
    (lambda: layers.Conv2D(2, 3, data_format="NHWC"),
     r"Conv2D: Expected one of \{'channels_first', 'channels_last'\}. "
     r"Received: data_format='NHWC'"),
    (lambda: layers.UpSampling3D(data_format="channels_middle"), r"UpSampling3D: Expected one of"),
    (lambda: layers.Cropping2D(data_format=3), r"Cropping2D: Expected one of"),
    (lambda: layers.Conv2DTranspose(2, 3, strides=2, output_padding=2),
     r"Conv2DTranspose: Expected each output_padding lower than the stride"),
    (lambda: layers.Conv2DTranspose(2, 2, padding="same", output_padding=0),
     r"Conv2DTranspose: Expected output_padding >= 1 along axis 0"),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=0),
     r"DepthwiseConv2D: Expected depth_multiplier"),
    (lambda: layers.UpSampling2D(interpolation="bicubic"),
     r"UpSampling2D: Expected one of \{'nearest', 'bilinear'\}. "
     r"Received: interpolation='bicubic'"),
    (lambda: layers.UpSampling1D(0), r"UpSampling1D: Expected size of positive integers"),
    (lambda: layers.ZeroPadding2D(-1), r"ZeroPadding2D: Expected padding of non-negative integers"),
    (lambda: layers.Cropping2D(((1, 1), (0, -2))),
     r"Cropping2D: Expected 2nd entry of cropping of non-negative"),
    (lambda: layers.ZeroPadding3D((1, 2)),
     r"ZeroPadding3D: Expected padding as an integer, a tuple of 3"),
    (lambda: layers.Cropping1D((1, -1)), r"Cropping1D: Expected cropping of non-negative integers"),
])
def test_bad_arguments_name_the_layer(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("make, shape, match", [
    (lambda: layers.Conv2D(2, 5), (4, 6, 3),
     r"Conv2D: Expected an input whose spatial size is at least the \(dilated\) kernel size "
     r"\(5, 5\)"),
    (lambda: layers.Conv1D(2, 3, dilation_rate=3), (6, 2), r"Conv1D: .*kernel size \(7,\)"),
    (lambda: layers.Cropping2D(((2, 2), (0, 0))), (4, 5, 3),
     r"Cropping2D: Expected a cropping that leaves at least one cell"),
    (lambda: layers.Cropping1D((3, 3)), (5, 2), r"Cropping1D: Expected a cropping"),
    (lambda: layers.Conv2D(2, 3), (5, 3),
     r"conv2d_\d+.*\(Conv2D\).*expected ndim=4. Received: ndim=3"),
    (lambda: layers.UpSampling2D(), (2, 2, 2, 1), r"\(UpSampling2D\).*expected ndim=4"),
    (lambda: layers.Conv2D(2, 3), (5, 5, None), r"Conv2D: Expected an input whose channels axis"),
])
def test_bad_inputs_name_the_layer(make, shape, match):
    with pytest.raises(ValueError, match=match):
        make()(Input(shape=shape))


def test_input_channels_must_match_the_built_layer():
    layer = layers.Conv2D(2, 3)
    layer(Input(shape=(5, 5, 3)))
    with pytest.raises(ValueError, match=r"\(Conv2D\).*axis -1.*value 3"):
        layer(Input(shape=(5, 5, 4)))
    layer = layers.Conv2D(2, 3, padding="valid")
    layer(Input(shape=(5, 5, 3)))
    with pytest.raises(ValueError, match=r"Conv2D: Expected an input whose spatial size"):
        layer(Input(shape=(2, 5, 3)))  # a second call on a smaller input


def test_depthwise_from_config_rejects_a_dilation():
    config = layers.DepthwiseConv2D(3).get_config()
    config["dilation_rate"] = (2, 2)
    with pytest.raises(ValueError, match=r"DepthwiseConv2D: Expected dilation_rate \(1, 1\)"):
        layers.DepthwiseConv2D.from_config(config)
