"""Models on every backend: Sequential and functional construction, freezing, summary, seeding."""

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import layers
from polykeras.layers import Dense, Dropout, Input
from polykeras.models import Model, Sequential
from polykeras.utils import set_random_seed

SEED = 20240607


def _rng():
    return np.random.default_rng(SEED)


def _tutorial_model():
    return Sequential([
        Dense(256, activation="relu", input_shape=(784,)),
        Dropout(0.4),
        Dense(128, activation="relu"),
        Dropout(0.3),
        Dense(10, activation="softmax"),
    ])


# -- Sequential -----------------------------------------------------------------------------

def test_sequential_add_pop_layers_get_layer(backend):
    model = Sequential()
    first = Dense(5, input_dim=3, name="first")
    model.add(first)
    model.add(Dense(4, activation="relu", name="middle"))
    model.add(Dense(2, name="last"))
    assert [layer.name for layer in model.layers] == ["first", "middle", "last"]
    assert model.get_layer("middle") is model.layers[1]
    assert model.get_layer(index=0) is first
    assert model.output_shape == (None, 2)
    x = _rng().standard_normal((6, 3)).astype("float32")
    assert model.predict(x).shape == (6, 2)

    model.pop()
    assert [layer.name for layer in model.layers] == ["first", "middle"]
    assert model.output_shape == (None, 4)
    assert model.predict(x).shape == (6, 4)
    with pytest.raises(ValueError, match="nope"):
        model.get_layer("nope")
    model.add(Dense(7, name="new_last"))
    assert model.output_shape == (None, 7)
    assert model.predict(x).shape == (6, 7)


def test_sequential_misuse_gives_clear_errors(backend):
    with pytest.raises(TypeError, match="Expected a Layer instance. Received: 'dense'"):
        Sequential().add("dense")
    a = Input(shape=(2,))
    two_outputs = Model(a, [Dense(1)(a), Dense(1)(a)])
    with pytest.raises(TypeError, match="one output tensor"):
        Sequential([Dense(2, input_dim=2), two_outputs])
    with pytest.raises(TypeError, match="no layers"):
        Sequential().pop()
    with pytest.raises(ValueError, match="no layers"):
        Sequential().predict(np.zeros((2, 2), "float32"))
    with pytest.raises(ValueError, match=r"not built yet"):
        Sequential([Dense(2)]).summary()


@pytest.mark.parametrize("kwargs,expected", [
    ({"input_shape": (3,)}, (None, 3)),
    ({"input_dim": 3}, (None, 3)),
    ({"batch_input_shape": (4, 3)}, (4, 3)),
])
def test_sequential_builds_from_first_layer_shape(backend, kwargs, expected):
    model = Sequential([Dense(2, **kwargs)])
    assert model.built
    assert model.input_shape == expected
    assert model.output_shape == expected[:1] + (2,)
    assert len(model.weights) == 2
    x = _rng().standard_normal((4, 3)).astype("float32")
    assert model.predict(x, batch_size=4).shape == (4, 2)


def test_sequential_deferred_build_on_first_data(backend):
    model = Sequential([Dense(3), Dense(1)])
    assert not model.built
    model.compile("sgd", "mse")
    x = _rng().standard_normal((8, 5)).astype("float32")
    model.fit(x, np.zeros((8, 1), "float32"), epochs=1, verbose=0)
    assert model.built and model.input_shape == (None, 5)
    assert model.layers[0].get_weights()[0].shape == (5, 3)


# -- functional -----------------------------------------------------------------------------

def test_functional_multi_input_multi_output(backend):
    a = Input(shape=(3,), name="a")
    b = Input(shape=(2,), name="b")
    merged = layers.concatenate([a, b])
    h = Dense(4, activation="relu")(merged)
    out1 = Dense(1, activation="sigmoid", name="out1")(h)
    out2 = Dense(3, activation="softmax", name="out2")(h)
    model = Model([a, b], [out1, out2])
    assert model.input_names == ["a", "b"] and model.output_names == ["out1", "out2"]
    rng = _rng()
    xa = rng.standard_normal((10, 3)).astype("float32")
    xb = rng.standard_normal((10, 2)).astype("float32")
    p1, p2 = model.predict([xa, xb])
    assert p1.shape == (10, 1) and p2.shape == (10, 3)
    np.testing.assert_allclose(p2.sum(axis=1), 1., rtol=1e-5)
    # dict inputs by name give the same result
    q1, q2 = model.predict({"a": xa, "b": xb})
    np.testing.assert_allclose(q1, p1, rtol=1e-6)
    model.compile("adam", ["binary_crossentropy", "categorical_crossentropy"])
    y2 = np.eye(3, dtype="float32")[rng.integers(0, 3, 10)]
    hist = model.fit({"a": xa, "b": xb}, {"out1": np.ones((10, 1), "float32"), "out2": y2},
                     epochs=2, verbose=0)
    assert set(hist.history) == {"loss", "out1_loss", "out2_loss"}


def test_shared_layer_uses_one_set_of_weights(backend):
    shared = Dense(2, use_bias=False)
    a, b = Input(shape=(3,)), Input(shape=(3,))
    model = Model([a, b], [shared(a), shared(b)])
    assert len(model.weights) == 1
    x = _rng().standard_normal((4, 3)).astype("float32")
    ya, yb = model.predict([x, x])
    np.testing.assert_allclose(ya, yb, rtol=1e-6)
    np.testing.assert_allclose(ya, x @ shared.get_weights()[0], rtol=1e-5, atol=1e-6)


def test_nested_model_and_model_as_layer(backend):
    inner_in = Input(shape=(3,))
    inner = Model(inner_in, Dense(2, name="inner_dense")(inner_in), name="inner")
    x = Input(shape=(3,))
    y = Dense(1)(inner(x))
    outer = Model(x, y)
    assert outer.get_layer("inner") is inner
    assert len(outer.weights) == 4
    data = _rng().standard_normal((5, 3)).astype("float32")
    kernel, bias = outer.layers[-1].get_weights()
    expected = inner.predict(data) @ kernel + bias
    np.testing.assert_allclose(outer.predict(data), expected, rtol=1e-5, atol=1e-6)
    # a Sequential inside a Sequential
    seq = Sequential([inner, Dense(4)])
    assert seq.predict(data).shape == (5, 4)
    # training the outer model trains the inner one's weights too
    before = inner.get_weights()[0].copy()
    outer.compile("sgd", "mse")
    outer.fit(data, np.ones((5, 1), "float32"), epochs=2, verbose=0)
    assert not np.allclose(inner.get_weights()[0], before)


def test_intermediate_output_model(backend):
    inputs = Input(shape=(4,))
    h = Dense(3, activation="relu", name="hidden")(inputs)
    outputs = Dense(1, name="top")(h)
    model = Model(inputs, outputs)
    feature_model = Model(inputs=model.input, outputs=model.get_layer("hidden").output)
    data = _rng().standard_normal((6, 4)).astype("float32")
    w, b = model.get_layer("hidden").get_weights()
    np.testing.assert_allclose(feature_model.predict(data), np.maximum(data @ w + b, 0),
                               rtol=1e-5, atol=1e-6)
    # on a Sequential model too
    seq = Sequential([Dense(3, input_shape=(4,), name="h1"), Dense(2, name="h2")])
    sub = Model(seq.input, seq.get_layer("h1").output)
    assert sub.predict(data).shape == (6, 3)
    # and on a Sequential built by its first fit (no input shape given)
    deferred = Sequential([Dense(3, name="d1"), Dense(1)])
    deferred.compile("sgd", "mse")
    deferred.fit(data, np.zeros((6, 1), "float32"), epochs=1, verbose=0)
    sub = Model(deferred.input, deferred.get_layer("d1").output)
    w, b = deferred.get_layer("d1").get_weights()
    np.testing.assert_allclose(sub.predict(data), data @ w + b, rtol=1e-5, atol=1e-6)


# -- freezing -------------------------------------------------------------------------------

def test_keras_faq_freezing_example(backend):
    x = Input(shape=(32,))
    layer = Dense(32)
    layer.trainable = False
    y = layer(x)
    frozen_model = Model(x, y)
    frozen_model.compile(optimizer="rmsprop", loss="mse")
    layer.trainable = True
    trainable_model = Model(x, y)
    trainable_model.compile(optimizer="rmsprop", loss="mse")

    rng = _rng()
    data = rng.standard_normal((16, 32)).astype("float32")
    labels = rng.standard_normal((16, 32)).astype("float32")
    before = [w.copy() for w in layer.get_weights()]
    with pytest.warns(UserWarning):  # trainable changed since compile: Keras warns
        frozen_model.fit(data, labels, epochs=1, verbose=0)
    for w0, w1 in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(w0, w1)
    trainable_model.fit(data, labels, epochs=1, verbose=0)
    assert not np.allclose(before[0], layer.get_weights()[0])


def test_trainable_false_at_construction(backend):
    model = Sequential([Dense(4, input_dim=3, trainable=False, name="frozen"), Dense(1)])
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    frozen = [w.copy() for w in model.get_layer("frozen").get_weights()]
    top = model.layers[1].get_weights()[0].copy()
    model.compile("sgd", "mse")
    rng = _rng()
    model.fit(rng.standard_normal((16, 3)).astype("float32"), np.ones((16, 1), "float32"),
              epochs=2, verbose=0)
    for w0, w1 in zip(frozen, model.get_layer("frozen").get_weights()):
        np.testing.assert_array_equal(w0, w1)
    assert not np.allclose(top, model.layers[1].get_weights()[0])


def test_trainable_false_set_before_add_is_kept(backend):
    model = Sequential()
    model.trainable = False
    model.add(Dense(2, input_dim=3))
    model.add(Dense(1))
    assert model.trainable is False
    assert model.trainable_weights == [] and len(model.non_trainable_weights) == 4
    outer = Sequential([model, Dense(1)])
    assert len(outer.trainable_weights) == 2
    before = model.get_weights()
    outer.compile("sgd", "mse")
    outer.fit(np.ones((8, 3), "float32"), np.zeros((8, 1), "float32"), epochs=2, verbose=0)
    for w0, w1 in zip(before, model.get_weights()):
        np.testing.assert_array_equal(w0, w1)


# -- summary --------------------------------------------------------------------------------

def test_summary_of_tutorial_model(backend):
    model = _tutorial_model()
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Total params: 235,146" in text
    assert "Trainable params: 235,146" in text
    assert "Non-trainable params: 0" in text
    assert "dense" in text and "(None, 256)" in text and "200960" in text
    assert "Connected to" not in text
    model.layers[0].trainable = False
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Trainable params: 34,186" in text and "Non-trainable params: 200,960" in text


def test_summary_of_functional_model_has_connected_to(backend, capsys):
    a = Input(shape=(3,), name="in_a")
    b = Input(shape=(3,), name="in_b")
    out = Dense(1, name="head")(layers.add([a, b]))
    Model([a, b], out).summary()
    text = capsys.readouterr().out
    assert "Connected to" in text
    assert "in_a[0][0]" in text and "in_b[0][0]" in text
    assert "Total params: 4" in text


# -- seeding --------------------------------------------------------------------------------

def test_set_random_seed_gives_identical_weights_on_every_backend():
    import polykeras.utils as utils
    weights = {}
    for name in ("numpy", "torch", "jax"):
        with K.use_backend(name):
            set_random_seed(1234)
            weights[name] = _tutorial_model().get_weights()
    if hasattr(utils, "use_session_with_seed"):
        with K.use_backend("torch"):
            utils.use_session_with_seed(1234, quiet=True)
            weights["alias"] = _tutorial_model().get_weights()
    ref = weights["numpy"]
    assert len(ref) == 6
    for name, ws in weights.items():
        for w0, w1 in zip(ref, ws):
            assert w0.dtype == w1.dtype
            np.testing.assert_array_equal(w0, w1, err_msg=name)
    # a different seed gives different weights
    with K.use_backend("numpy"):
        set_random_seed(4321)
        other = _tutorial_model().get_weights()
    assert not np.array_equal(other[0], ref[0])


# -- `import polykeras as keras` ------------------------------------------------------------

def test_typical_keras2_snippet_runs_unchanged(backend):
    import polykeras as keras
    from polykeras import backend as K  # noqa: N811 (as in Keras code)

    np.random.seed(0)
    set_random_seed(0)
    x_train = np.random.random((64, 20)).astype("float32")
    y_labels = (x_train[:, :10].sum(axis=1) > x_train[:, 10:].sum(axis=1)).astype(int)
    y_train = keras.utils.to_categorical(y_labels, num_classes=2)
    assert y_train.shape == (64, 2)

    model = keras.models.Sequential()
    model.add(keras.layers.Dense(32, activation="relu", input_dim=20))
    model.add(keras.layers.Dropout(0.1))
    model.add(keras.layers.Dense(2, activation="softmax"))
    model.compile(loss="categorical_crossentropy",
                  optimizer=keras.optimizers.RMSprop(lr=0.01), metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=5, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    score = model.evaluate(x_train, y_train, batch_size=16, verbose=0)
    assert model.metrics_names == ["loss", "acc"] and len(score) == 2
    predictions = model.predict(x_train)
    clone = keras.models.model_from_json(model.to_json())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(x_train), predictions, rtol=1e-6)

    # K.function / K.gradients on the model's graph
    get_hidden = K.function([model.input, K.learning_phase()], [model.layers[0].output])
    hidden = get_hidden([x_train[:4], 0])[0]
    w, b = model.layers[0].get_weights()
    np.testing.assert_allclose(hidden, np.maximum(x_train[:4] @ w + b, 0), rtol=1e-4, atol=1e-5)

    x = K.placeholder(shape=(None, 3))
    loss = K.sum(K.square(x))
    grad = K.gradients(loss, [x])[0]
    f = K.function([x], [grad])
    data = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(f([data])[0], 2 * data, rtol=1e-6)
