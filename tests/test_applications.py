"""polykeras.applications: Keras 2.2.4's constructors, parameter counts, official weight files,
errors and imagenet_utils; utils.freeze_weights / unfreeze_weights and the FAQ's recompile rule.

Building an ImageNet model is costly (every layer call probes its op on NumPy
stand-ins while the graph is built), so models are built at their minimum
input size, the parameter counts on the NumPy backend only (counts do not
depend on the backend), and predictions are compared across backends for a
few models, against the NumPy backend's result or a float64 NumPy reference.
"""

import hashlib
import inspect
import json
import pathlib
import warnings

import h5py
import numpy as np
import pytest

from polykeras import applications
from polykeras import backend as K
from polykeras.applications import (
    densenet,
    imagenet_utils,
    inception_resnet_v2,
    inception_v3,
    mobilenet,
    mobilenet_v2,
    nasnet,
    resnet50,
    vgg16,
    vgg19,
    xception,
)
from polykeras.layers import Dense, Dropout, Flatten, Input, MaxPooling2D
from polykeras.models import Model, Sequential
from polykeras.utils import freeze_weights, unfreeze_weights
from polykeras.utils.layer_utils import convert_dense_weights_data_format

REFERENCE = (pathlib.Path(__file__).resolve().parents[2] / "shared" / "reference"
             / "keras224_api.json")


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh Keras cache, so no test sees a weights file another one put there."""
    folder = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(folder))
    return folder


def _layer_weights(model):
    return [w for layer in model.layers for w in layer.weights]


def _randomize(model, seed):
    """Random weights in the order of ``get_weights`` (positive BN variances), as NumPy arrays."""
    rng = np.random.default_rng(seed)
    values = []
    for w in _layer_weights(model):
        shape = K.int_shape(w)
        if w.name.endswith("moving_variance"):
            values.append(rng.uniform(0.5, 1.5, shape).astype("float32"))
        else:
            fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
            values.append((rng.normal(0., 1., shape) / np.sqrt(fan_in)).astype("float32"))
    model.set_weights(values)
    return values


# -- the API: module paths, names, signatures --------------------------------------------------

KERAS_SIGNATURES = {
    "(include_top=True, weights='imagenet', input_tensor=None, input_shape=None, pooling=None, "
    "classes=1000)": ["VGG16", "VGG19", "ResNet50", "InceptionV3", "InceptionResNetV2", "Xception",
                      "DenseNet121", "DenseNet169", "DenseNet201"],
    "(input_shape=None, include_top=True, weights='imagenet', input_tensor=None, pooling=None, "
    "classes=1000)": ["NASNetLarge", "NASNetMobile"],
    "(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=0.001, include_top=True, "
    "weights='imagenet', input_tensor=None, pooling=None, classes=1000)": ["MobileNet"],
    "(input_shape=None, alpha=1.0, depth_multiplier=1, include_top=True, weights='imagenet', "
    "input_tensor=None, pooling=None, classes=1000)": ["MobileNetV2"],
}


@pytest.mark.parametrize("signature,names", KERAS_SIGNATURES.items())
def test_constructors_have_keras_224_signatures(signature, names):
    for name in names:
        assert str(inspect.signature(getattr(applications, name))) == signature, name


@pytest.mark.skipif(not REFERENCE.is_file(), reason="the Keras 2.2.4 name list is absent")
def test_every_keras_224_applications_name_is_importable():
    import importlib

    import polykeras
    reference = json.loads(REFERENCE.read_text())
    modules = [m for m in reference["module_paths"] if m.startswith("keras.applications")]
    assert len(modules) == 13
    for module in modules:
        importlib.import_module("poly" + module)
    groups = {k: v for k, v in reference["ref"].items() if k.startswith("applications")}
    for module, names in groups.items():
        imported = importlib.import_module(f"polykeras.{module}")
        for name in (n for group in names.values() for n in group):
            assert hasattr(imported, name), f"polykeras.{module}.{name}"
    assert polykeras.applications is applications


# -- parameter counts and predictions: every model on NumPy ------------------------------------

#: Keras 2.2.4's parameter counts with the top (its documentation's table), and the smallest input.
KERAS_COUNTS = {
    "VGG16": (138_357_544, 32), "VGG19": (143_667_240, 32), "ResNet50": (25_636_712, 32),
    "InceptionV3": (23_851_784, 75), "InceptionResNetV2": (55_873_736, 75),
    "Xception": (22_910_480, 71), "MobileNet": (4_253_864, 32), "MobileNetV2": (3_538_984, 32),
    "DenseNet121": (8_062_504, 32), "DenseNet169": (14_307_880, 32),
    "DenseNet201": (20_242_984, 32), "NASNetMobile": (5_326_716, 32),
    "NASNetLarge": (88_949_818, 32)}


def _keras_resnet50_order():
    """Keras 2.2.4's ``model.layers`` order of ResNet50's named layers (its ``summary()``).

    In a block the 2c convolution comes before the shortcut's ``branch1`` one,
    then both batch normalizations: they are at the same depth, ordered by
    Keras's traversal from the output, which meets the residual branch first.
    """
    names = ["conv1_pad", "conv1", "bn_conv1", "pool1_pad"]
    for stage, blocks in ((2, 3), (3, 4), (4, 6), (5, 3)):
        for block in "abcdef"[:blocks]:
            res, bn = f"res{stage}{block}_branch", f"bn{stage}{block}_branch"
            names += [res + "2a", bn + "2a", res + "2b", bn + "2b", res + "2c"]
            names += [res + "1", bn + "2c", bn + "1"] if block == "a" else [bn + "2c"]
    return names + ["avg_pool", "fc1000"]


def test_parameter_counts_equal_keras(monkeypatch):
    """Each model is built with ``weights=None`` at its smallest input with the top, and not
    run: the counts are those of Keras's 224/299/331 inputs, since the tops pool globally;
    VGG's ``fc1`` sees 7 * 7 * 512 features at 224x224 instead of 512 at 32x32, checked
    through the layers' output shapes at 224x224 (building VGG16 at 224x224 costs ~10 s of
    NumPy probes of its convolutions). The random initial values, a third of the cost of
    building 400 million parameters and irrelevant to their count, are zeros here."""
    from polykeras import initializers
    monkeypatch.setattr(initializers.VarianceScaling, "__call__",
                        lambda self, shape, dtype=None: initializers.Zeros()(shape, dtype))
    with K.use_backend("numpy"):
        for name, (count, size) in KERAS_COUNTS.items():
            model = getattr(applications, name)(weights=None, input_shape=(size, size, 3))
            assert model.output_shape == (None, 1000), name
            if name.startswith("VGG"):
                block5 = model.get_layer("block5_pool")
                assert block5.output_shape == (None, 1, 1, 512)
                features = Model(model.input, block5.output)
                assert features.compute_output_shape((None, 224, 224, 3)) == (None, 7, 7, 512)
                assert model.get_layer("fc1").get_weights()[0].shape == (512, 4096)
                assert model.count_params() == count - (7 * 7 - 1) * 512 * 4096, name
            else:
                assert model.count_params() == count, name
            if name == "ResNet50":
                ordered = [layer.name for layer in model.layers
                           if not layer.name.startswith(("input", "activation", "add", "max_"))]
                assert ordered == _keras_resnet50_order()
            del model
            K.clear_session()


@pytest.mark.parametrize("name,size,backend_name,data_format", [
    ("MobileNetV2", 32, "jax", "channels_first")])
def test_predictions_agree_with_the_numpy_backend(name, size, backend_name, data_format):
    """The same random weights on the NumPy backend (the reference) and another backend.

    Every model predicts the same on the three backends in both data formats; run
    ``python tests/check_applications.py`` for all of them (many minutes), as this
    suite cannot afford building the 13 models three times."""
    x = np.random.default_rng(1).uniform(-1., 1., (2, size, size, 3)).astype("float32")
    with K.use_backend("numpy"):
        reference_model = getattr(applications, name)(weights=None, include_top=False,
                                                      input_shape=(size, size, 3), pooling="avg")
        values = _randomize(reference_model, seed=2)
        expected = reference_model.predict(x)
        del reference_model
    assert np.abs(expected).max() > 0.1  # informative features, not a vanished signal
    with K.use_backend(backend_name):
        K.set_image_data_format(data_format)
        shape = (size, size, 3) if data_format == "channels_last" else (3, size, size)
        model = getattr(applications, name)(weights=None, include_top=False, input_shape=shape,
                                            pooling="avg")
        model.set_weights(values)
        inputs = x if data_format == "channels_last" else x.transpose(0, 3, 1, 2)
        np.testing.assert_allclose(model.predict(inputs), expected, rtol=2e-4, atol=2e-5)


# -- an official weights file, fetched through get_file ----------------------------------------

MOBILENET_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1),
                    (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))


def _mobilenet_file_layers(alpha, rng):
    """Keras's layers of MobileNet without its top, in ``model.layers`` order: ``(name, weights)``
    with ``weights`` a list of (Keras's weight name, value); the values are random."""
    def conv(name, shape):
        return [(name, [(f"{name}/kernel:0", rng.normal(0., 1., shape) / np.sqrt(
            np.prod(shape[:-1])))])]

    def depthwise(name, shape):
        return [(name, [(f"{name}/depthwise_kernel:0", rng.normal(0., 1. / 3., shape))])]

    def bn(name, n):
        return [(name, [(f"{name}/gamma:0", rng.uniform(0.5, 1.5, n)),
                        (f"{name}/beta:0", rng.normal(0., 0.1, n)),
                        (f"{name}/moving_mean:0", rng.normal(0., 0.1, n)),
                        (f"{name}/moving_variance:0", rng.uniform(0.5, 1.5, n))])]

    def plain(name):
        return [(name, [])]

    channels = int(32 * alpha)
    layers = plain("input_1") + plain("conv1_pad") + conv("conv1", (3, 3, 3, channels))
    layers += bn("conv1_bn", channels) + plain("conv1_relu")
    for block_id, (filters, stride) in enumerate(MOBILENET_BLOCKS, start=1):
        if stride == 2:
            layers += plain(f"conv_pad_{block_id}")
        layers += depthwise(f"conv_dw_{block_id}", (3, 3, channels, 1))
        layers += bn(f"conv_dw_{block_id}_bn", channels) + plain(f"conv_dw_{block_id}_relu")
        out = int(filters * alpha)
        layers += conv(f"conv_pw_{block_id}", (1, 1, channels, out))
        layers += bn(f"conv_pw_{block_id}_bn", out) + plain(f"conv_pw_{block_id}_relu")
        channels = out
    return layers + plain("global_average_pooling2d_1")


def _write_keras_weights_file(path, layers):
    """An HDF5 file in the layout of Keras 2.2's ``save_weights`` (as the official files)."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [name.encode("utf8") for name, _ in layers]
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.1.2"
        for name, weights in layers:
            group = f.create_group(name)
            group.attrs["weight_names"] = [w.encode("utf8") for w, _ in weights]
            for weight_name, value in weights:
                group.create_dataset(weight_name, data=np.asarray(value, dtype="float32"))


def _reference_conv(x, kernel, stride, pads, depthwise=False):
    """Cross-correlation in float64 by kernel offsets; ``x`` NHWC, ``pads`` ((t, b), (l, r))."""
    x = np.pad(x, ((0, 0),) + tuple(pads) + ((0, 0),))
    kh, kw = kernel.shape[:2]
    oh, ow = (x.shape[1] - kh) // stride + 1, (x.shape[2] - kw) // stride + 1
    out = 0.
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i:i + stride * (oh - 1) + 1:stride, j:j + stride * (ow - 1) + 1:stride]
            out = out + (patch * kernel[i, j, :, 0] if depthwise else patch @ kernel[i, j])
    return out


def _reference_mobilenet(x, weights):
    """MobileNet without its top, then global average pooling, in float64 from the file's arrays."""
    def bn_relu6(y, name):
        gamma, beta, mean, var = (weights[f"{name}/{w}:0"]
                                  for w in ("gamma", "beta", "moving_mean", "moving_variance"))
        return np.clip(gamma * (y - mean) / np.sqrt(var + 1e-3) + beta, 0., 6.)

    y = _reference_conv(x, weights["conv1/kernel:0"], 2, ((0, 1), (0, 1)))
    y = bn_relu6(y, "conv1_bn")
    for block_id, (_, stride) in enumerate(MOBILENET_BLOCKS, start=1):
        pads = ((0, 1), (0, 1)) if stride == 2 else ((1, 1), (1, 1))
        y = _reference_conv(y, weights[f"conv_dw_{block_id}/depthwise_kernel:0"], stride, pads,
                            depthwise=True)
        y = bn_relu6(y, f"conv_dw_{block_id}_bn")
        y = _reference_conv(y, weights[f"conv_pw_{block_id}/kernel:0"], 1, ((0, 0), (0, 0)))
        y = bn_relu6(y, f"conv_pw_{block_id}_bn")
    return y.mean(axis=(1, 2))


@pytest.fixture(scope="module")
def mobilenet_file(tmp_path_factory):
    """The official file of MobileNet 0.25 / 128 without top, with random values, and an input
    with its float64 reference output."""
    rng = np.random.default_rng(3)
    layers = _mobilenet_file_layers(0.25, rng)
    server = tmp_path_factory.mktemp("server")
    path = server / "mobilenet_2_5_128_tf_no_top.h5"
    _write_keras_weights_file(path, layers)
    weights = {w: np.asarray(v, "float32").astype("float64") for _, ws in layers for w, v in ws}
    x = rng.uniform(-1., 1., (2, 128, 128, 3)).astype("float32")
    return server, path, x, _reference_mobilenet(x.astype("float64"), weights)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_official_weights_file_loads_through_get_file(backend, data_format, mobilenet_file, home,
                                                      monkeypatch):
    server, path, x, expected = mobilenet_file
    monkeypatch.setattr(mobilenet, "BASE_WEIGHT_PATH", server.as_uri() + "/")
    K.set_image_data_format(data_format)
    shape = (128, 128, 3) if data_format == "channels_last" else (3, 128, 128)
    model = mobilenet.MobileNet(input_shape=shape, alpha=0.25, include_top=False,
                                weights="imagenet", pooling="avg")
    assert (home / "models" / path.name).read_bytes() == path.read_bytes()  # cached
    inputs = x if data_format == "channels_last" else x.transpose(0, 3, 1, 2)
    np.testing.assert_allclose(model.predict(inputs), expected, rtol=1e-4, atol=1e-5)
    assert model.name == "mobilenet_0.25_128"


def test_a_local_weights_file_loads_and_the_cache_works_offline(mobilenet_file, home,
                                                                   monkeypatch, tmp_path):
    server, path, x, expected = mobilenet_file
    with K.use_backend("numpy"):
        model = mobilenet.MobileNet(input_shape=(128, 128, 3), alpha=0.25, include_top=False,
                                    weights=str(path), pooling="avg")
        np.testing.assert_allclose(model.predict(x), expected, rtol=1e-4, atol=1e-5)
        # Put by hand in the cache folder the error names: no network needed.
        (home / "models").mkdir(parents=True)
        (home / "models" / path.name).write_bytes(path.read_bytes())
        monkeypatch.setattr(mobilenet, "BASE_WEIGHT_PATH", (tmp_path / "nowhere").as_uri() + "/")
        model = mobilenet.MobileNet(input_shape=(128, 128, 3), alpha=0.25, include_top=False,
                                    weights="imagenet", pooling="avg")
        np.testing.assert_allclose(model.predict(x), expected, rtol=1e-4, atol=1e-5)


def test_convert_dense_weights_data_format():
    """Keras's utility for a Dense layer after a Flatten that does not reorder channels_first
    features (``Flatten`` itself flattens both data formats in the same order, so the
    applications' classifiers need no conversion)."""
    rng = np.random.default_rng(4)
    kernel, bias = rng.normal(size=(2 * 3 * 4, 5)), rng.normal(size=5)
    x = rng.normal(size=(2, 2, 3, 4)).astype("float32")
    with K.use_backend("numpy"):
        last = Sequential([Flatten(input_shape=(2, 3, 4)), Dense(5)])
        last.layers[1].set_weights([kernel, bias])
        # A channels_first feature map flattened as it is: (channels, rows, cols).
        first = Sequential([Flatten(input_shape=(4, 2, 3), data_format="channels_last"),
                            Dense(5)])
        first.layers[1].set_weights([kernel, bias])
        convert_dense_weights_data_format(first.layers[1], (4, 2, 3), "channels_first")
        np.testing.assert_allclose(first.predict(x.transpose(0, 3, 1, 2)), last.predict(x),
                                   rtol=1e-5, atol=1e-5)
        convert_dense_weights_data_format(first.layers[1], (2, 3, 4), "channels_last")
        np.testing.assert_allclose(first.layers[1].get_weights()[0], kernel, rtol=1e-6)
        with pytest.raises(ValueError, match="convert_dense_weights_data_format: Expected a "
                                             "feature map of 24 values"):
            convert_dense_weights_data_format(first.layers[1], (4, 2, 2))
        with pytest.raises(ValueError, match="Expected one of .*target_data_format='nchw'"):
            convert_dense_weights_data_format(first.layers[1], (4, 2, 3), "nchw")


# -- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("build,error,message", [
    (lambda: applications.VGG16(weights=None, include_top=False, input_shape=(31, 31, 3)),
     ValueError, r"VGG16: Expected an input of at least 32x32 pixels. Received: "
                 r"input_shape=\(31, 31, 3\)"),
    (lambda: applications.InceptionV3(weights=None, include_top=False, input_shape=(74, 80, 3)),
     ValueError, "InceptionV3: Expected an input of at least 75x75 pixels"),
    (lambda: applications.Xception(weights=None, input_shape=(299, 299)),
     ValueError, "Xception: Expected input_shape as a tuple of three integers"),
    (lambda: applications.ResNet50(weights="imagenet", input_shape=(200, 200, 3)),
     ValueError, r"ResNet50: Expected input_shape=\(224, 224, 3\) \(or None\) with "
                 r"include_top=True and weights='imagenet'.*Received: input_shape=\(200, 200, 3\)"),
    (lambda: applications.NASNetLarge(weights="imagenet", input_shape=(224, 224, 3)),
     ValueError, r"NASNetLarge: Expected input_shape=\(331, 331, 3\)"),
    (lambda: applications.VGG16(weights="imagenet", classes=10),
     ValueError, "VGG16: Expected classes=1000 with weights='imagenet' and include_top=True.*"
                 "Received: classes=10"),
    (lambda: applications.DenseNet121(weights=None, include_top=False, pooling="mean"),
     ValueError, "DenseNet121: Expected pooling to be one of None, 'avg' or 'max'. "
                 "Received: pooling='mean'"),
    (lambda: applications.ResNet50(weights="imagnet"),
     ValueError, "ResNet50: Expected weights=None .* Received: weights='imagnet' "
                 r"\(no such file\)"),
    (lambda: applications.ResNet50(weights=None, input_shape=(None, None, 3)),
     ValueError, "ResNet50: Expected a static input_shape with include_top=True"),
    (lambda: applications.VGG19(weights="imagenet", include_top=False, input_shape=(64, 64, 1)),
     ValueError, "VGG19: Expected 3 input channels with weights='imagenet'"),
    (lambda: applications.MobileNet(weights="imagenet", alpha=0.3),
     ValueError, r"MobileNet: Expected alpha to be one of \[0.25, 0.5, 0.75, 1.0\]"),
    (lambda: applications.MobileNetV2(weights="imagenet", include_top=False,
                                      input_shape=(100, 100, 3)),
     ValueError, "MobileNetV2: Expected a static square input of one of the sizes "
                 r"\[96, 128, 160, 192, 224\]"),
    (lambda: applications.MobileNet(weights="imagenet", depth_multiplier=2),
     ValueError, "MobileNet: Expected depth_multiplier=1 with weights='imagenet'"),
    (lambda: nasnet.NASNet(weights=None, penultimate_filters=100),
     ValueError, "NASNet: Expected penultimate_filters divisible by 24"),
    (lambda: applications.NASNetMobile(weights=None, include_top=False),
     ValueError, "NASNetMobile: Expected a static input_shape .* Received: input_shape=None"),
    (lambda: densenet.DenseNet([6, 12, 24], weights=None),
     ValueError, r"DenseNet: Expected blocks as four positive ints. Received: "
                 r"blocks=\[6, 12, 24\]"),
])
def test_bad_arguments_are_refused_before_anything_is_built(build, error, message):
    with pytest.raises(error, match=message):
        build()


@pytest.fixture
def small_mobilenet_file(tmp_path):
    """A weights file of MobileNet 0.25 at 32x32 without top, saved by polykeras."""
    with K.use_backend("numpy"):
        model = mobilenet.MobileNet(input_shape=(32, 32, 3), alpha=0.25, include_top=False,
                                    weights=None)
        path = tmp_path / "small.h5"
        model.save_weights(str(path))
    return path


def test_corrupt_and_mismatched_weights_files_are_clear_errors(small_mobilenet_file, tmp_path,
                                                               home, monkeypatch):
    corrupt = tmp_path / "corrupt.h5"
    corrupt.write_bytes(small_mobilenet_file.read_bytes()[:5000])
    with K.use_backend("numpy"):
        with pytest.raises(OSError, match=f"MobileNet: Expected a Keras HDF5 weights file. "
                                          f"Received: '{corrupt}', which cannot be read"):
            mobilenet.MobileNet(input_shape=(32, 32, 3), alpha=0.25, include_top=False,
                                weights=str(corrupt))
        with pytest.raises(ValueError, match=r"MobileNet: Expected a weights file of the "
                                             r"'mobilenet_0.50_32' architecture .*"
                                             r"small.h5'.*shape"):
            mobilenet.MobileNet(input_shape=(32, 32, 3), alpha=0.5, include_top=False,
                                weights=str(small_mobilenet_file))
        # A damaged cached download (MobileNet's files have no published hash to catch it).
        (home / "models").mkdir(parents=True)
        (home / "models" / "mobilenet_2_5_128_tf_no_top.h5").write_bytes(b"not an hdf5 file")
        with pytest.raises(OSError, match="mobilenet_2_5_128_tf_no_top.h5'.*cannot be read.*"
                                          "Delete it: the next call downloads it again"):
            mobilenet.MobileNet(input_shape=(128, 128, 3), alpha=0.25, include_top=False,
                                weights="imagenet")


def test_offline_the_error_names_the_file_and_the_cache_folder(home, tmp_path, monkeypatch):
    missing = (tmp_path / "offline").as_uri() + "/"
    monkeypatch.setattr(mobilenet, "BASE_WEIGHT_PATH", missing)
    with K.use_backend("numpy"):
        with pytest.raises(FileNotFoundError) as info:
            mobilenet.MobileNet(input_shape=(128, 128, 3), alpha=0.25, include_top=False,
                                weights="imagenet")
    message = str(info.value)
    folder = home / "models"
    assert message.startswith("MobileNet: Expected the ImageNet weights file "
                              f"mobilenet_2_5_128_tf_no_top.h5 in the Keras cache folder {folder}")
    assert f"download {missing}mobilenet_2_5_128_tf_no_top.h5 elsewhere and put it in {folder}" \
        in message


# -- imagenet_utils -----------------------------------------------------------------------------

def _reference_preprocess(x, data_format, mode):
    x = np.asarray(x, dtype="float64")
    if mode == "tf":
        return x / 127.5 - 1.
    if data_format == "channels_first":
        x = np.moveaxis(x, -3, -1)
    if mode == "caffe":
        x = x[..., ::-1] - np.array([103.939, 116.779, 123.68])
    else:
        x = (x / 255. - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])
    return np.moveaxis(x, -1, -3) if data_format == "channels_first" else x


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_preprocess_input_numpy(mode, data_format):
    rng = np.random.default_rng(5)
    for shape in ((2, 4, 5, 3), (4, 5, 3)):
        if data_format == "channels_first":
            shape = shape[:-3] + (3,) + shape[-3:-1]
        x = rng.uniform(0., 255., shape).astype("float32")
        expected = _reference_preprocess(x, data_format, mode)
        result = imagenet_utils.preprocess_input(x, data_format=data_format, mode=mode)
        assert result is x and x.dtype == np.float32  # floating arrays are overwritten, as in Keras
        np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-4)
    pixels = rng.integers(0, 256, (1, 3, 3, 3) if data_format == "channels_last" else (1, 3, 3, 3))
    converted = imagenet_utils.preprocess_input(pixels, data_format=data_format, mode=mode)
    assert converted.dtype == np.float32 and pixels.dtype.kind == "i"
    np.testing.assert_allclose(converted, _reference_preprocess(pixels, data_format, mode),
                               rtol=1e-5, atol=1e-4)


def test_each_model_module_preprocesses_in_its_keras_mode():
    x = np.random.default_rng(6).uniform(0., 255., (1, 2, 2, 3))
    modes = {"caffe": (vgg16, vgg19, resnet50),
             "tf": (inception_v3, inception_resnet_v2, xception, mobilenet, mobilenet_v2, nasnet),
             "torch": (densenet,)}
    for mode, modules in modes.items():
        for module in modules:
            np.testing.assert_allclose(module.preprocess_input(x.copy()),
                                       _reference_preprocess(x, "channels_last", mode),
                                       rtol=1e-6, atol=1e-6, err_msg=module.__name__)
            assert module.decode_predictions is imagenet_utils.decode_predictions


@pytest.mark.parametrize("mode", ["caffe", "torch"])
def test_preprocess_input_symbolic(backend, mode):
    rng = np.random.default_rng(7)
    for data_format, shape in (("channels_last", (2, 3, 4, 3)), ("channels_first", (2, 3, 3, 4))):
        x = rng.uniform(0., 255., shape).astype("float32")
        placeholder = K.placeholder(shape=(None,) + shape[1:])
        out = imagenet_utils.preprocess_input(placeholder, data_format=data_format, mode=mode)
        result = K.function([placeholder], [out])([x])[0]
        np.testing.assert_allclose(result, _reference_preprocess(x, data_format, mode),
                                   rtol=1e-5, atol=1e-4)
    image = rng.uniform(0., 255., (4, 5, 3)).astype("float32")
    out = imagenet_utils.preprocess_input(K.constant(image), data_format="channels_last",
                                          mode=mode)
    np.testing.assert_allclose(K.eval(out), _reference_preprocess(image, "channels_last", mode),
                               rtol=1e-5, atol=1e-4)


def test_preprocess_input_errors():
    x = np.zeros((1, 4, 4, 3))
    with pytest.raises(ValueError, match="preprocess_input: Expected one of .*"
                                         "Received: data_format='nhwc'"):
        imagenet_utils.preprocess_input(x, data_format="nhwc")
    with pytest.raises(ValueError, match="preprocess_input: Expected one of .*"
                                         "Received: mode='keras'"):
        imagenet_utils.preprocess_input(x, mode="keras")
    with pytest.raises(ValueError, match=r"preprocess_input: Expected 3 \(RGB\) channels .*"
                                         r"Received: shape \(1, 4, 4, 1\)"):
        imagenet_utils.preprocess_input(np.zeros((1, 4, 4, 1)), data_format="channels_last")
    with pytest.raises(ValueError, match=r"Expected an image \(rank 3\) or a batch of images"):
        imagenet_utils.preprocess_input(np.zeros((4, 3)))


@pytest.fixture
def class_index(tmp_path, home, monkeypatch):
    """A class index file served at a file:// URL, with its md5, in place of Keras's."""
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    content = json.dumps(index).encode()
    path = tmp_path / "imagenet_class_index.json"
    path.write_bytes(content)
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_PATH", path.as_uri())
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH", hashlib.md5(content).hexdigest())
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    return path


def test_decode_predictions(class_index, home):
    preds = np.full((2, 1000), 1e-4, dtype="float32")
    preds[0, [7, 3, 999]] = [0.5, 0.3, 0.1]
    preds[1, [0, 42]] = [0.2, 0.7]
    decoded = imagenet_utils.decode_predictions(preds, top=3)
    assert [entry[:2] for entry in decoded[0]] == [("n00000007", "class_7"),
                                                   ("n00000003", "class_3"),
                                                   ("n00000999", "class_999")]
    assert [round(float(entry[2]), 4) for entry in decoded[0]] == [0.5, 0.3, 0.1]
    assert [entry[1] for entry in decoded[1][:2]] == ["class_42", "class_0"]
    assert len(imagenet_utils.decode_predictions(preds)[1]) == 5
    assert (home / "models" / "imagenet_class_index.json").is_file()
    with pytest.raises(ValueError, match=r"decode_predictions: Expected a batch of ImageNet "
                                         r"predictions, an array of shape \(samples, 1000\). "
                                         r"Received: shape \(2, 10\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))


def test_decode_predictions_offline(home, tmp_path, monkeypatch):
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_PATH", (tmp_path / "none.json").as_uri())
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    with pytest.raises(FileNotFoundError, match="decode_predictions: Expected the ImageNet class "
                                                "index imagenet_class_index.json in the Keras "
                                                f"cache folder {home / 'models'}"):
        imagenet_utils.decode_predictions(np.zeros((1, 1000)))


def test_input_tensor_and_pooling():
    with K.use_backend("numpy"):
        image = Input(shape=(32, 32, 3))
        shifted = Dense(3)(image)  # the model starts at the Input the tensor comes from
        model = applications.MobileNetV2(input_tensor=shifted, weights=None, include_top=False,
                                         pooling="max", alpha=0.35)
        assert model.inputs == [image] and model.output_shape == (None, 1280)
        assert model.name == "mobilenetv2_0.35_32"
        with pytest.warns(UserWarning, match="ResNet50: the output of include_top=False"):
            features = applications.ResNet50(weights=None, include_top=False,
                                             input_shape=(32, 32, 3))
        assert features.output_shape == (None, 1, 1, 2048)
        with pytest.raises(ValueError, match=r"MobileNetV2: Expected input_shape to match the "
                                             r"shape of input_tensor, \(32, 32, 3\)"):
            applications.MobileNetV2(input_tensor=image, input_shape=(64, 64, 3), weights=None)


def test_models_of_unknown_input_size_build_and_run_at_several_sizes():
    """Keras's default for feature extraction: ``include_top=False`` without ``input_shape``.

    Two 2x2 poolings of an unknown size used to make it look 1x1 then fail: the graph's
    probes of sizes 2 and 3 both pool to 1."""
    with K.use_backend("numpy"):
        pooled = MaxPooling2D(2)(MaxPooling2D(2)(Input(shape=(None, None, 3))))
        assert K.int_shape(pooled) == (None, None, None, 3)
        model = applications.VGG16(weights=None, include_top=False)
        assert model.output_shape == (None, None, None, 512)
        for size in (32, 70):
            x = np.random.default_rng(size).uniform(0., 255., (1, size, size, 3))
            assert model.predict(x.astype("float32")).shape == (1, size // 32, size // 32, 512)


# -- freeze_weights / unfreeze_weights and the recompile rule ----------------------------------

def _chain(n=4):
    inputs = Input(shape=(3,), name="x")
    y = inputs
    for i in range(n):
        y = Dense(3, name=f"d{i}")(y)
    return Model(inputs, y)


def _trainable(model):
    return [layer.trainable for layer in model.layers[1:]]


def test_freeze_and_unfreeze_weights_ranges():
    with K.use_backend("numpy"):
        model = _chain()
        assert freeze_weights(model) is model
        assert not model.trainable and model.trainable_weights == []
        assert _trainable(model) == [False] * 4  # frozen also when the layers are reused
        reused = Model(model.input, Dense(2, name="head")(model.output))
        assert [w.name for w in reused.trainable_weights] == ["head/kernel", "head/bias"]
        unfreeze_weights(model)
        assert model.trainable and len(model.trainable_weights) == 8
        assert _trainable(model) == [True] * 4
        freeze_weights(model, from_layer="d1", to_layer=3)  # inclusive; the others unfrozen
        assert model.trainable and _trainable(model) == [True, False, False, True]
        assert [w.name for w in model.trainable_weights] == ["d0/kernel", "d0/bias", "d3/kernel",
                                                             "d3/bias"]
        unfreeze_weights(model, from_layer=model.get_layer("d2"))
        assert _trainable(model) == [False, False, True, True]
        freeze_weights(model, to_layer=-3)
        assert _trainable(model) == [False, False, True, True]
        unfreeze_weights(model, from_layer=-1, to_layer=-1)
        assert _trainable(model) == [False, False, False, True]


@pytest.mark.parametrize("call,error,message", [
    (lambda m: freeze_weights(m, from_layer="nope"), ValueError,
     "freeze_weights: Expected from_layer to name a layer of model .* Received: "
     "from_layer='nope'"),
    (lambda m: unfreeze_weights(m, to_layer=9), ValueError,
     r"unfreeze_weights: Expected to_layer to be a layer index in \[-5, 5\) .* Received: "
     r"to_layer=9"),
    (lambda m: freeze_weights(m, from_layer="d3", to_layer="d1"), ValueError,
     "freeze_weights: Expected from_layer to come before to_layer"),
    (lambda m: freeze_weights(m, from_layer=Dense(2)), ValueError,
     "freeze_weights: Expected from_layer to be a layer of model"),
    (lambda m: freeze_weights(m, from_layer=1.5), TypeError,
     "freeze_weights: Expected from_layer as a layer, a layer name or an index"),
    (lambda m: freeze_weights(object()), TypeError, "freeze_weights: Expected a model"),
])
def test_freeze_weights_errors(call, error, message):
    with K.use_backend("numpy"):
        model = _chain()
        before = _trainable(model)
        with pytest.raises(error, match=message):
            call(model)
        assert _trainable(model) == before


def test_the_faq_recompile_rule():
    """The Keras FAQ: a change of ``trainable`` takes effect at the next ``compile``; two models
    sharing a layer train it or not as each was compiled."""
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 3))
    with K.use_backend("numpy"):
        inputs = Input(shape=(3,))
        layer = Dense(3)
        layer.trainable = False
        outputs = layer(inputs)
        frozen_model = Model(inputs, outputs)
        frozen_model.compile(optimizer="rmsprop", loss="mse")
        layer.trainable = True
        trainable_model = Model(inputs, outputs)
        trainable_model.compile(optimizer="rmsprop", loss="mse")
        before = layer.get_weights()
        with pytest.warns(UserWarning, match="did you change `trainable` without calling "
                                             "`compile` again"):
            frozen_model.fit(x, y, epochs=1, verbose=0)
        for old, new in zip(before, layer.get_weights()):
            np.testing.assert_array_equal(old, new)
        trainable_model.fit(x, y, epochs=1, verbose=0)
        assert not np.allclose(before[0], layer.get_weights()[0])

        # freeze_weights after compile: not in effect until compiled again.
        model = Sequential([Dense(4, input_shape=(3,)), Dropout(0.), Dense(3)])
        model.compile(optimizer="sgd", loss="mse")
        freeze_weights(model, to_layer=0)
        kernel = model.layers[0].get_weights()[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(x, y, epochs=1, verbose=0)
        assert not np.allclose(kernel, model.layers[0].get_weights()[0])
        model.compile(optimizer="sgd", loss="mse")
        kernel, last = model.layers[0].get_weights()[0], model.layers[2].get_weights()[0]
        model.fit(x, y, epochs=1, verbose=0)
        np.testing.assert_array_equal(kernel, model.layers[0].get_weights()[0])
        assert not np.allclose(last, model.layers[2].get_weights()[0])
