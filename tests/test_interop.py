"""Model files that travel: tf_keras 2.x and Keras 3 files load, polykeras's files are portable.

The fixtures in tests/fixtures/interop/ were written by real tf_keras 2.21 and Keras 3.15
(make_files.py); each comes with the input and the predictions Keras computed. Families
whose layer classes polykeras does not have yet (convolutional, recurrent) are collected
and skipped with the missing classes named; they run as soon as the classes exist.
"""

import json
import os
import stat
import zipfile

import h5py
import numpy as np
import pytest

import polykeras as keras
from polykeras import backend as K
from polykeras import layers as L
from polykeras import models
from polykeras.utils.random_utils import set_random_seed

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "interop")
FLAVORS = ("tf_keras", "keras3")
# model -> the layer classes it needs
FAMILIES = {"dense": ["Dense", "Dropout"], "merge": ["Dense", "Add", "Multiply", "Concatenate",
                                                     "BatchNormalization"],
            "nested": ["Dense", "BatchNormalization", "Subtract", "Concatenate"],
            "embedding": ["Embedding", "Flatten", "Dense"],
            "cnn": ["Conv2D", "MaxPooling2D", "Flatten", "Dense"], "lstm": ["LSTM", "Dense"],
            "gru": ["GRU", "Dense"], "bidirectional": ["Bidirectional", "LSTM", "GRU", "Dense"]}


def pending_classes(model):
    """The layer classes a fixture model needs that polykeras does not have (yet)."""
    return [name for name in FAMILIES[model] if not hasattr(L, name)]


def fixture_cases():
    cases = []
    for model in FAMILIES:
        missing = pending_classes(model)
        marks = [pytest.mark.skip(reason=f"pending: polykeras.layers lacks {missing}")] \
            if missing else []
        for flavor in FLAVORS:
            cases.append(pytest.param(flavor, model, marks=marks, id=f"{flavor}-{model}"))
    return cases


def fixture_io(flavor, model):
    data = np.load(os.path.join(FIXTURES, f"{flavor}_{model}.npz"))
    xs = [data[k] for k in sorted(data.files) if k.startswith("x")]
    return (xs if len(xs) > 1 else xs[0]), data["y"]


def path(flavor, model, ext):
    return os.path.join(FIXTURES, f"{flavor}_{model}{ext}")


def test_fixtures_are_small_and_complete():
    total = sum(os.path.getsize(os.path.join(FIXTURES, f)) for f in os.listdir(FIXTURES))
    assert total < 3 * 2 ** 20
    for model in FAMILIES:
        for flavor in FLAVORS:
            for ext in (".h5", ".weights.h5", ".json", ".npz"):
                assert os.path.exists(path(flavor, model, ext)), (flavor, model, ext)
        assert os.path.exists(path("keras3", model, ".keras"))


@pytest.mark.parametrize("flavor,model", fixture_cases())
def test_load_model_matches_keras_predictions(backend, flavor, model):
    x, y = fixture_io(flavor, model)
    files = [".h5", ".keras"] if flavor == "keras3" else [".h5"]
    for ext in files:
        with pytest.warns() if flavor == "keras3" and ext == ".keras" else _no_warning():
            loaded = models.load_model(path(flavor, model, ext))
        np.testing.assert_allclose(loaded.predict(x), y, rtol=1e-5, atol=1e-5, err_msg=ext)
        assert loaded.optimizer is not None  # compiled from the file's training config


@pytest.mark.parametrize("flavor,model", fixture_cases())
def test_json_config_and_weights_files(backend, flavor, model):
    x, y = fixture_io(flavor, model)
    with open(path(flavor, model, ".json")) as f:
        rebuilt = models.model_from_json(f.read())
    rebuilt.load_weights(path(flavor, model, ".weights.h5"))
    np.testing.assert_allclose(rebuilt.predict(x), y, rtol=1e-5, atol=1e-5)
    fresh = models.model_from_json(open(path(flavor, model, ".json")).read())
    fresh.load_weights(path(flavor, model, ".h5"), by_name=True)  # the whole-model file by name
    np.testing.assert_allclose(fresh.predict(x), y, rtol=1e-5, atol=1e-5)


class _no_warning:
    def __enter__(self):
        import warnings
        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc):
        self._catch.__exit__(*exc)
        return False


@pytest.mark.parametrize("flavor", FLAVORS)
def test_foreign_optimizer_state_continues_training(flavor):
    """tf_keras's and Keras 3's Adam state (m, v, iterations) lands in polykeras's Adam."""
    with K.use_backend("numpy"):
        x, y = fixture_io(flavor, "merge")
        model = models.load_model(path(flavor, "merge", ".h5"))
        state = model.optimizer.get_weights()
        assert int(state[0]) == 4  # two epochs of two batches
        with h5py.File(path(flavor, "merge", ".h5"), "r") as f:
            group = f["optimizer_weights"]
            names = [n.decode() if isinstance(n, bytes) else n
                     for n in group.attrs["weight_names"]]
            saved = {n: np.asarray(group[n]) for n in names}
        left_kernel = model.get_layer("left").kernel
        index = [id(w) for w in model.trainable_weights].index(id(left_kernel))
        n = len(model.trainable_weights)
        m_left = [v for k, v in saved.items()
                  if "left" in k and "kernel" in k and ("/m/" in k or k.endswith("momentum"))][0]
        np.testing.assert_array_equal(state[1 + index], m_left)
        assert np.abs(state[1 + n + index]).sum() > 0  # v
        model.fit(x, np.zeros_like(y), epochs=1, verbose=0)
        assert int(model.optimizer.get_weights()[0]) == 5


def _small_model():
    set_random_seed(7)
    inp = keras.Input((3,), name="inp")
    a = L.Dense(4, activation="relu", name="a")(inp)
    b = L.Dense(4, name="b")(inp)
    out = L.Dense(2, name="out")(L.BatchNormalization(name="bn")(L.Add()([a, b])))
    model = keras.Model(inp, out, name="small")
    model.compile(keras.optimizers.Adam(lr=0.01), "mse", metrics=["mae"])
    return model


def _data(n=8):
    rng = np.random.default_rng(3)
    return rng.normal(size=(n, 3)).astype("float32"), rng.normal(size=(n, 2)).astype("float32")


@pytest.mark.parametrize("ext", [".h5", ".keras"])
def test_saved_model_resumes_training_from_optimizer_state(backend, tmp_path, ext):
    x, y = _data()
    model = _small_model()
    model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    target = str(tmp_path / f"m{ext}")
    model.save(target)
    resumed = models.load_model(target)
    np.testing.assert_allclose(resumed.predict(x), model.predict(x), rtol=1e-6, atol=1e-6)
    model.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    resumed.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_written_files_speak_the_other_kerases_dialect(tmp_path):
    with K.use_backend("numpy"):
        seq = keras.Sequential([L.Dense(2, input_shape=(784,)), L.Dense(1)], name="seq")
        seq.compile(keras.optimizers.SGD(lr=0.1, decay=0.01), "mse")
        seq.save(str(tmp_path / "s.h5"))
        with h5py.File(tmp_path / "s.h5", "r") as f:
            config = json.loads(f.attrs["model_config"])
            training = json.loads(f.attrs["training_config"])
            assert str(f.attrs["keras_version"]).startswith("2.2.4+polykeras")
        first = config["config"]["layers"][0]
        # so Keras 3 reads (None, 784), not (None, None, 784)
        assert first["class_name"] == "InputLayer"
        assert first["config"]["batch_input_shape"] == [None, 784]
        assert "batch_input_shape" not in config["config"]["layers"][1]["config"]
        optimizer = training["optimizer_config"]["config"]
        assert optimizer["learning_rate"]["class_name"] == "InverseTimeDecay"
        assert "lr" not in optimizer and "decay" not in optimizer
        assert training["loss"] == "mean_squared_error"
        again = models.load_model(str(tmp_path / "s.h5"))
        assert float(K.get_value(again.optimizer.decay)) == pytest.approx(0.01)
        assert float(K.get_value(again.optimizer.lr)) == pytest.approx(0.1)
        seq.save(str(tmp_path / "s.keras"))
        with zipfile.ZipFile(tmp_path / "s.keras") as z:
            assert set(z.namelist()) == {"metadata.json", "config.json", "model.weights.h5"}
            k3 = json.loads(z.read("config.json"))
        assert k3["class_name"] == "Sequential" and k3["module"] == "keras"
        assert k3["config"]["layers"][0]["config"]["batch_shape"] == [None, 784]
        assert json.loads(seq.to_json())["module"] == "keras"


def test_safe_mode_refuses_lambda_bytecode(tmp_path):
    with K.use_backend("numpy"):
        inp = keras.Input((2,))
        model = keras.Model(inp, L.Lambda(lambda t: t * 3., name="triple")(inp))
        text = model.to_json()
        with pytest.raises(ValueError, match="'triple' stores its function as Python bytecode.*"
                                             "safe_mode=False"):
            models.model_from_json(text)
        with pytest.raises(ValueError, match="Refused in safe mode"):
            models.model_from_config(json.loads(text))
        model.save(str(tmp_path / "lambda.h5"))
        with pytest.raises(ValueError, match="custom_objects=\\{'triple': your_function\\}"):
            models.load_model(str(tmp_path / "lambda.h5"))
        x = np.ones((1, 2), "float32")
        trusted = models.load_model(str(tmp_path / "lambda.h5"), safe_mode=False)
        np.testing.assert_allclose(trusted.predict(x), 3 * x)
        own = models.model_from_json(text, custom_objects={"triple": lambda t: t * 5.})
        np.testing.assert_allclose(own.predict(x), 5 * x)


def test_model_from_yaml_refuses_lambda_bytecode_in_safe_mode():
    pytest.importorskip("yaml")
    with K.use_backend("numpy"):
        inp = keras.Input((2,))
        model = keras.Model(inp, L.Lambda(lambda t: t * 3., name="triple")(inp))
        text = model.to_yaml()
        with pytest.raises(ValueError, match="'triple' stores its function as Python bytecode.*"
                                             "safe_mode=False"):
            models.model_from_yaml(text)
        x = np.ones((1, 2), "float32")
        trusted = models.model_from_yaml(text, safe_mode=False)
        np.testing.assert_allclose(trusted.predict(x), 3 * x)


def test_model_from_yaml_uses_the_safe_loader():
    yaml = pytest.importorskip("yaml")
    with K.use_backend("numpy"):
        seq = keras.Sequential([L.Dense(2, input_shape=(3,))])
        rebuilt = models.model_from_yaml(yaml.safe_dump(json.loads(seq.to_json())))
        assert rebuilt.layers[-1].units == 2
        with pytest.raises(yaml.YAMLError):
            models.model_from_yaml("!!python/object/apply:os.system ['echo owned']")


def test_failed_load_weights_changes_nothing(tmp_path):
    with K.use_backend("numpy"):
        model = _small_model()
        model.save_weights(str(tmp_path / "w.h5"))
        before = model.get_weights()
        # a dataset of the wrong dtype in the LAST layer: the earlier layers must stay as they were
        with h5py.File(tmp_path / "w.h5", "a") as f:
            group = f["out"]
            name = [n.decode() if isinstance(n, bytes) else n
                    for n in group.attrs["weight_names"]][1]
            del group[name]
            group.create_dataset(name, data=np.array([b"ab", b"cd"]))
        other = _small_model()
        other.set_weights([w + 1. for w in before])
        shifted = other.get_weights()
        with pytest.raises(ValueError, match="load_weights.*w.h5.*'out/bias' is float32. Received: "
                                             "a saved array of dtype \\|S2"):
            other.load_weights(str(tmp_path / "w.h5"))
        for a, b in zip(other.get_weights(), shifted):
            np.testing.assert_array_equal(a, b)


def test_bad_files_give_clear_errors_and_leave_the_model_alone(tmp_path):
    with K.use_backend("numpy"):
        model = _small_model()
        before = model.get_weights()
        good = str(tmp_path / "good.h5")
        model.save(good)
        truncated = tmp_path / "truncated.h5"
        truncated.write_bytes(open(good, "rb").read()[:3000])
        not_hdf5 = tmp_path / "notes.h5"
        not_hdf5.write_text("just text")
        no_config = str(tmp_path / "weights_only.h5")
        model.save_weights(no_config)
        unknown = str(tmp_path / "unknown.h5")
        model.save(unknown)
        with h5py.File(unknown, "a") as f:
            config = json.loads(f.attrs["model_config"])
            config["config"]["layers"][1]["class_name"] = "FancyLayer"
            f.attrs["model_config"] = json.dumps(config).encode()
        no_json = tmp_path / "no_config.keras"
        with zipfile.ZipFile(no_json, "w") as z:
            z.writestr("model.weights.h5", b"")
        other = keras.Sequential([L.Dense(5, input_shape=(3,), name="x1"), L.Dense(1)])
        other_path = str(tmp_path / "other.h5")
        other.save_weights(other_path)

        for bad, message in [
                (str(truncated), "truncated.h5' cannot be read: it is truncated or damaged"),
                (str(not_hdf5), "notes.h5' is not an HDF5 file"),
                (no_config, "weights_only.h5'.*holds no model .*model_config"),
                (unknown, "unknown.h5'.*Unknown layer.*FancyLayer"),
                (str(no_json), "no_config.keras'.*no config.json")]:
            with pytest.raises(ValueError, match=message):
                models.load_model(bad)
        for bad, message in [
                (str(truncated), "truncated.h5' cannot be read"),
                (str(not_hdf5), "notes.h5' is not an HDF5 file"),
                (other_path, "other.h5'.*holds weights for 2 layers"),
                (str(no_json), "no_config.keras' is a zip file without 'model.weights.h5'|"
                               "no_config.keras'.*model.weights.h5 is not a readable")]:
            with pytest.raises(ValueError, match=message):
                model.load_weights(bad)
            for a, b in zip(model.get_weights(), before):
                np.testing.assert_array_equal(a, b)
        for bad in (truncated, not_hdf5):  # OSError as in Keras 2.2.4, where h5py raised it
            with pytest.raises(OSError, match="cannot be read|is not an HDF5 file"):
                model.load_weights(str(bad))
        with pytest.raises(FileNotFoundError, match="no such file"):
            models.load_model(str(tmp_path / "missing.h5"))


@pytest.mark.parametrize("ext", [".h5", ".keras", ".weights.h5"])
def test_files_get_umask_permissions_and_symlinks_are_written_through(tmp_path, ext):
    with K.use_backend("numpy"):
        model = _small_model()
        old = os.umask(0o027)
        try:
            target = tmp_path / f"real{ext}"
            save = model.save_weights if ext == ".weights.h5" else model.save
            save(str(target))
            assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
            link = tmp_path / f"link{ext}"
            link.symlink_to(target)
            os.chmod(target, 0o600)
            save(str(link))
            assert link.is_symlink() and os.readlink(link) == str(target)
            assert stat.S_IMODE(os.stat(target).st_mode) == 0o600  # an existing file keeps its mode
            assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp")] == []
        finally:
            os.umask(old)
        fresh = _small_model()
        fresh.set_weights([w * 0 for w in fresh.get_weights()])
        fresh.load_weights(str(link))
        x, _ = _data()
        np.testing.assert_allclose(fresh.predict(x), model.predict(x), rtol=1e-6)


def test_model_checkpoint_writes_loadable_models(tmp_path):
    from polykeras.callbacks import ModelCheckpoint
    with K.use_backend("numpy"):
        x, y = _data(16)
        model = _small_model()
        template = str(tmp_path / "ckpt.{epoch:02d}-{val_loss:.3f}.keras")
        best = str(tmp_path / "best.h5")
        model.fit(x, y, epochs=4, batch_size=8, verbose=0, validation_data=(x, y),
                  callbacks=[ModelCheckpoint(template, period=2),
                             ModelCheckpoint(best, save_best_only=True)])
        written = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("ckpt"))
        assert [n[:8] for n in written] == ["ckpt.02-", "ckpt.04-"]
        last = models.load_model(str(tmp_path / written[-1]))
        np.testing.assert_allclose(last.predict(x), model.predict(x), rtol=1e-5, atol=1e-6)
        assert models.load_model(best).optimizer is not None


def test_bfloat16_weights_round_trip(tmp_path, backend):
    import ml_dtypes  # NumPy's bfloat16 (comes with JAX)
    layer_input = keras.Input((3,))
    dense = L.Dense(2, dtype="bfloat16")
    model = keras.Model(layer_input, dense(layer_input))
    values = [np.array([[0.5, -1.25], [3.0, 0.1015625], [2.0, -0.0078125]]), np.array([1.5, -2.])]
    model.set_weights(values)
    for ext in (".h5", ".weights.h5"):
        model.save_weights(str(tmp_path / f"bf{ext}"))
        with h5py.File(tmp_path / f"bf{ext}", "r") as f:
            names = []
            f.visit(names.append)
            datasets = [f[name] for name in names if isinstance(f[name], h5py.Dataset)]
            assert all(d.dtype.itemsize == 2 and d.attrs.get("dtype") == "bfloat16"
                       for d in datasets)
        model.set_weights([np.zeros_like(v) for v in values])
        model.load_weights(str(tmp_path / f"bf{ext}"))
        for got, want in zip(model.get_weights(), values):
            np.testing.assert_array_equal(np.asarray(got, dtype="float32"),
                                          want.astype(ml_dtypes.bfloat16).astype("float32"))


def test_lambda_with_a_named_function_loads_in_safe_mode():
    with K.use_backend("numpy"):
        inp = keras.Input((2,))
        model = keras.Model(inp, L.Lambda(_double, name="named")(inp))
        rebuilt = models.model_from_json(model.to_json(), custom_objects={"_double": _double})
        np.testing.assert_allclose(rebuilt.predict(np.ones((1, 2), "float32")), 2.)


def _double(t):
    return t * 2.


def _fake_rnn(class_name, units, reset_after=False):
    """A stand-in with an RNN layer's class name and weights' shapes (for the layout rules)."""
    from polykeras.engine import saving_formats  # noqa: F401
    return type(class_name, (), {"reset_after": reset_after, "name": class_name.lower(),
                                 "units": units})()


def test_cudnn_and_gru_weight_layouts():
    """Keras 2.2.4's layouts: CuDNN kernels per gate in Fortran order, LSTM biases summed."""
    from polykeras.engine.saving_formats import FormatError, convert_rnn_weights
    rng = np.random.default_rng(0)
    units, dim = 2, 3
    kernel = rng.normal(size=(dim, 4 * units))
    recurrent = rng.normal(size=(units, 4 * units))
    bias = rng.normal(size=(4 * units,))
    lstm, cudnn = _fake_rnn("LSTM", units), _fake_rnn("CuDNNLSTM", units)
    as_cudnn = convert_rnn_weights(cudnn, [kernel, recurrent, bias], "test")
    assert as_cudnn[2].shape == (8 * units,)
    # gate by gate: the CuDNN input kernel is the transposed gate kernel read in C order
    np.testing.assert_array_equal(as_cudnn[0][:, :units],
                                  kernel[:, :units].T.reshape((dim, units)))
    np.testing.assert_array_equal(as_cudnn[1][:, units:2 * units], recurrent[:, units:2 * units].T)
    back = convert_rnn_weights(lstm, as_cudnn, "test")
    for got, want in zip(back, [kernel, recurrent, bias]):
        np.testing.assert_allclose(got, want)
    gru_kernel, gru_recurrent = kernel[:, :3 * units], recurrent[:, :3 * units]
    gru_bias = rng.normal(size=(2, 3 * units))
    cudnn_gru = convert_rnn_weights(_fake_rnn("CuDNNGRU", units), [gru_kernel, gru_recurrent,
                                                                   gru_bias], "test")
    assert cudnn_gru[2].shape == (6 * units,)
    again = convert_rnn_weights(_fake_rnn("GRU", units, reset_after=True), cudnn_gru, "test")
    for got, want in zip(again, [gru_kernel, gru_recurrent, gru_bias]):
        np.testing.assert_allclose(got, want)
    with pytest.raises(FormatError, match="GRU\\(reset_after=True\\) weights.*reset_after=True"):
        convert_rnn_weights(_fake_rnn("GRU", units, reset_after=False),
                            [gru_kernel, gru_recurrent, gru_bias], "test")


def test_keras3_configs_translate_to_keras2_spelling():
    from polykeras.engine.saving_formats import FormatError, foreign_model_config
    with open(path("keras3", "nested", ".json")) as f:
        config = foreign_model_config(json.load(f))
    assert config["class_name"] == "Model"
    layers = {layer["name"]: layer for layer in config["config"]["layers"]}
    # the nested model's first and second calls: Keras 2 counts its creation as node 0
    assert [e[:3] for node in layers["concatenate_1"]["inbound_nodes"] for e in node] == \
        [["inner", 1, 0], ["inner", 2, 0]]
    assert layers["x1"]["config"]["batch_input_shape"] == [None, 3]
    assert layers["shared"]["config"]["kernel_initializer"] == {
        "class_name": "VarianceScaling",
        "config": {"scale": 1., "mode": "fan_avg", "distribution": "uniform", "seed": None}}
    assert layers["shared"]["config"]["dtype"] == "float32"
    bad = {"class_name": "InputLayer", "config": {"batch_shape": [None, 2], "ragged": True}}
    with pytest.raises(FormatError, match="ragged=True"):
        foreign_model_config(bad)
