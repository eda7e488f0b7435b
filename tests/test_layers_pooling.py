"""Pooling layers on every backend: values against NumPy loops, shapes, configs, Keras 1
arguments and errors.

Each value test builds all its layers on one input and evaluates them with one
``K.function`` (one JAX compilation per test and backend).
"""

import inspect
import warnings

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import layers
from polykeras.layers import Input

from layer_testing import check_shape, roundtrip

SEED = 20240611


def _rng():
    return np.random.default_rng(SEED)


def run_many(layer_list, *arrays, dtype=None):
    """Each layer called on Inputs shaped like ``arrays`` (``layer_list`` items may be
    ``(layer, input_index)``); all evaluated by one ``K.function``."""
    inputs = [Input(shape=a.shape[1:], dtype=dtype) for a in arrays]
    pairs = [item if isinstance(item, tuple) else (item, 0) for item in layer_list]
    outputs = [layer(inputs[i]) for layer, i in pairs]
    values = K.function(inputs, outputs)(list(arrays))
    for (layer, i), value, symbolic in zip(pairs, values, outputs):
        check_shape(layer, [arrays[i]], value, symbolic)
    return values


def pool_reference(x, pool_size, strides, padding, mode, channels_first):
    """Max or average pooling by explicit windows, in float64.

    ``"same"`` pads ``max((out - 1) * stride + pool - length, 0)`` cells, the smaller half
    before (TensorFlow's rule), and pools over the unpadded cells of each window only.
    """
    x = np.asarray(x, np.float64)
    if channels_first:
        x = np.moveaxis(x, 1, -1)
    spatial = x.shape[1:-1]
    out_shape, before = [], []
    for n, k, s in zip(spatial, pool_size, strides):
        if padding == "valid":
            out_shape.append((n - k) // s + 1)
            before.append(0)
        else:
            out = -(-n // s)
            out_shape.append(out)
            before.append(max((out - 1) * s + k - n, 0) // 2)
    y = np.empty((x.shape[0], *out_shape, x.shape[-1]))
    for index in np.ndindex(*out_shape):
        window = tuple(slice(max(i * s - p, 0), min(i * s - p + k, n))
                       for i, s, p, k, n in zip(index, strides, before, pool_size, spatial))
        cells = x[(slice(None),) + window + (slice(None),)].reshape(x.shape[0], -1, x.shape[-1])
        pooled = cells.max(1) if mode == "max" else cells.mean(1)
        y[(slice(None),) + index + (slice(None),)] = pooled
    return np.moveaxis(y, -1, 1) if channels_first else y


WINDOWED = {
    1: (layers.MaxPooling1D, layers.AveragePooling1D, (2, 7, 3), 3, 2),
    2: (layers.MaxPooling2D, layers.AveragePooling2D, (2, 7, 6, 3), (3, 2), (2, 1)),
    3: (layers.MaxPooling3D, layers.AveragePooling3D, (2, 5, 4, 3, 2), (2, 3, 2), (2, 1, 2)),
}


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_windowed_pooling_matches_numpy(backend, rank):
    max_cls, avg_cls, shape, pool, strides = WINDOWED[rank]
    x = _rng().standard_normal(shape).astype("float32")
    cases = []
    for data_format in ("channels_last", "channels_first"):
        for padding in ("valid", "same"):
            for cls, mode in ((max_cls, "max"), (avg_cls, "avg")):
                cases.append((cls(pool, strides, padding, data_format=data_format),
                              pool, strides, padding, mode, data_format))
    # Default strides are the pool size.
    cases.append((max_cls(pool, padding="SAME"), pool, pool, "same", "max", K.image_data_format()))
    values = run_many([c[0] for c in cases], x)
    for (layer, pool_size, stride, padding, mode, data_format), y in zip(cases, values):
        pool_size = (pool_size,) * rank if isinstance(pool_size, int) else pool_size
        stride = (stride,) * rank if isinstance(stride, int) else stride
        expected = pool_reference(x, pool_size, stride, padding, mode,
                                  data_format == "channels_first")
        np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{layer.name} {padding} {data_format}")
        assert y.dtype == np.float32
        config = roundtrip(layer).get_config()
        assert config["pool_size"] == pool_size and config["strides"] == stride
        assert config["padding"] == padding and config["data_format"] == data_format


def test_global_pooling_matches_numpy(backend):
    rng = _rng()
    arrays = [rng.standard_normal(s) for s in [(2, 5, 3), (2, 4, 3, 5), (2, 3, 2, 4, 2)]]
    classes = {1: (layers.GlobalMaxPooling1D, layers.GlobalAveragePooling1D),
               2: (layers.GlobalMaxPooling2D, layers.GlobalAveragePooling2D),
               3: (layers.GlobalMaxPooling3D, layers.GlobalAveragePooling3D)}
    cases = []
    for rank, (max_cls, avg_cls) in classes.items():
        for data_format in ("channels_last", "channels_first"):
            for cls, reduce in ((max_cls, np.max), (avg_cls, np.mean)):
                cases.append((cls(data_format=data_format), rank, reduce, data_format))
    K.set_floatx("float64")
    values = run_many([(c[0], c[1] - 1) for c in cases], *arrays, dtype="float64")
    for (layer, rank, reduce, data_format), y in zip(cases, values):
        x = arrays[rank - 1]
        axes = tuple(range(1, rank + 1)) if data_format == "channels_last" else \
            tuple(range(2, rank + 2))
        np.testing.assert_allclose(y, reduce(x, axis=axes), rtol=1e-12, atol=1e-12)
        assert y.dtype == np.float64
        assert roundtrip(layer).data_format == data_format


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_average_pooling_1d_averages_unmasked_steps(backend, data_format):
    x = _rng().standard_normal((3, 5, 2))
    mask = np.array([[1, 1, 0, 1, 0], [1, 0, 0, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)
    if data_format == "channels_first":
        x = x.transpose(0, 2, 1)
    inp, mask_in = Input(shape=x.shape[1:]), Input(shape=(5,), dtype="bool")
    layer = layers.GlobalAveragePooling1D(data_format=data_format)
    out = layer(inp, mask=mask_in)
    y, = K.function([inp, mask_in], [out])([x, mask])
    steps_last = x if data_format == "channels_last" else x.transpose(0, 2, 1)
    expected = [steps_last[i][mask[i]].mean(axis=0) for i in range(3)]
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)
    assert layer.compute_mask(inp, mask_in) is None


def test_global_average_pooling_1d_after_masking_layer(backend):
    x = _rng().standard_normal((2, 4, 3)).astype("float32")
    x[0, 2:] = 0.
    inp = Input(shape=(4, 3))
    out = layers.GlobalAveragePooling1D()(layers.Masking(0.)(inp))
    y, = K.function([inp], [out])([x])
    np.testing.assert_allclose(y, [x[0, :2].mean(0), x[1].mean(0)], rtol=1e-5, atol=1e-6)


KERAS_224_SIGNATURES = {
    "MaxPooling1D": "(pool_size=2, strides=None, padding='valid', data_format='channels_last', "
                    "**kwargs)",
    "MaxPooling2D": "(pool_size=(2, 2), strides=None, padding='valid', data_format=None, **kwargs)",
    "MaxPooling3D": "(pool_size=(2, 2, 2), strides=None, padding='valid', data_format=None, "
                    "**kwargs)",
    "GlobalAveragePooling1D": "(data_format='channels_last', **kwargs)",
    "GlobalMaxPooling1D": "(data_format='channels_last', **kwargs)",
    "GlobalMaxPooling2D": "(data_format=None, **kwargs)",
    "GlobalAveragePooling3D": "(data_format=None, **kwargs)",
}


def test_signatures_defaults_and_aliases():
    for name, signature in KERAS_224_SIGNATURES.items():
        assert str(inspect.signature(getattr(layers, name))) == signature, name
        average = name.replace("Max", "Average")
        assert str(inspect.signature(getattr(layers, average))) == signature, average
    aliases = {"MaxPool1D": "MaxPooling1D", "AvgPool2D": "AveragePooling2D",
               "MaxPool3D": "MaxPooling3D", "AvgPool1D": "AveragePooling1D",
               "MaxPool2D": "MaxPooling2D", "AvgPool3D": "AveragePooling3D",
               "GlobalAvgPool2D": "GlobalAveragePooling2D", "GlobalMaxPool3D": "GlobalMaxPooling3D",
               "GlobalAvgPool1D": "GlobalAveragePooling1D", "GlobalMaxPool1D": "GlobalMaxPooling1D",
               "GlobalMaxPool2D": "GlobalMaxPooling2D", "GlobalAvgPool3D": "GlobalAveragePooling3D"}
    for alias, name in aliases.items():
        assert getattr(layers, alias) is getattr(layers, name)
    layer = layers.AveragePooling2D(3)
    assert layer.pool_size == (3, 3) and layer.strides == (3, 3) and layer.padding == "valid"
    assert layers.MaxPooling1D().get_config()["data_format"] == "channels_last"
    K.set_image_data_format("channels_first")
    assert layers.MaxPooling3D().data_format == "channels_first"
    assert layers.GlobalMaxPooling2D().data_format == "channels_first"
    assert layers.MaxPooling1D().data_format == "channels_last"
    restored = layers.deserialize({"class_name": "GlobalAvgPool2D",
                                   "config": {"data_format": "channels_last"}})
    assert type(restored) is layers.GlobalAveragePooling2D


def _converted(make):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = make()
    return result, [str(w.message) for w in caught if "Keras 2 API" in str(w.message)]


def test_keras1_pooling_arguments():
    layer, warned = _converted(lambda: layers.MaxPooling1D(pool_length=3, stride=1,
                                                           border_mode="same"))
    assert (layer.pool_size, layer.strides, layer.padding) == ((3,), (1,), "same")
    assert len(warned) == 1 and "`MaxPooling1D(" in warned[0] and "pool_size=3" in warned[0]
    layer, warned = _converted(lambda: layers.AveragePooling2D((2, 2), border_mode="same",
                                                               dim_ordering="th"))
    assert (layer.padding, layer.data_format) == ("same", "channels_first") and warned
    layer, _ = _converted(lambda: layers.MaxPooling3D(dim_ordering="tf", border_mode="valid"))
    assert layer.data_format == "channels_last"
    layer, warned = _converted(lambda: layers.GlobalAveragePooling2D(dim_ordering="th"))
    assert layer.data_format == "channels_first" and warned
    layer, _ = _converted(lambda: layers.GlobalMaxPooling3D(dim_ordering="tf"))
    assert layer.data_format == "channels_last"
    with pytest.raises(TypeError, match="both the legacy keyword argument `pool_length`"):
        layers.MaxPooling1D(pool_length=2, pool_size=2)
    with pytest.raises(TypeError, match="`MaxPooling2D` can accept only 3 positional"):
        layers.MaxPooling2D(2, 2, "valid", "channels_last")


def test_pooling_errors(backend):
    with pytest.raises(ValueError, match=r"MaxPooling2D: Expected pool_size=\(4, 4\) no larger "
                                         r"than the input.*Received: spatial size \(3, 5\)"):
        layers.MaxPooling2D(4)(Input(shape=(3, 5, 2)))
    # With "same" padding a window larger than the input is fine: one output cell.
    assert layers.MaxPooling2D(4, padding="same")(Input(shape=(3, 5, 2)))._keras_shape == \
        (None, 1, 2, 2)
    with pytest.raises(ValueError, match="AveragePooling1D: Expected pool_size=.*no larger"):
        layers.AveragePooling1D(6, data_format="channels_first")(Input(shape=(8, 5)))
    with pytest.raises(ValueError, match="MaxPooling3D: Expected one of .*channels_first.*"
                                         "Received: data_format='channels_middle'"):
        layers.MaxPooling3D(data_format="channels_middle")
    with pytest.raises(ValueError, match="GlobalMaxPooling2D: Expected one of .*Received: "
                                         "data_format='NHWC'"):
        layers.GlobalMaxPooling2D(data_format="NHWC")
    with pytest.raises(ValueError, match="AveragePooling2D: Expected padding one of "
                                         r"\{'valid', 'same'\}. Received: padding='causal'"):
        layers.AveragePooling2D(padding="causal")
    with pytest.raises(ValueError, match="MaxPooling1D: Expected pool_size of positive"):
        layers.MaxPooling1D(0)
    with pytest.raises(ValueError, match=r"MaxPooling2D: Expected strides as an integer or a "
                                         r"tuple of 2 integers. Received: strides=\(1, 2, 3\)"):
        layers.MaxPooling2D(strides=(1, 2, 3))
    with pytest.raises(ValueError, match=r"max_pooling2d.*\(MaxPooling2D\).*expected ndim=4. "
                                         r"Received: ndim=3"):
        layers.MaxPooling2D(name="max_pooling2d_rank")(Input(shape=(4, 4)))
    with pytest.raises(ValueError, match=r"GlobalAveragePooling3D.*expected ndim=5"):
        layers.GlobalAveragePooling3D()(Input(shape=(4, 4, 2)))
    with pytest.raises(TypeError, match="does not support masking"):
        layers.MaxPooling1D()(layers.Masking()(Input(shape=(4, 2))))
