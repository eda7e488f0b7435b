"""Layers on every backend: values against NumPy, shapes, masks, config round trips, errors."""

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import layers
from polykeras.layers import Input

from layer_testing import check_shape, check_weight_gradients, roundtrip, run

SEED = 20240607


def _rng():
    return np.random.default_rng(SEED)


# -- core ---------------------------------------------------------------------------------

@pytest.mark.parametrize("floatx", ["float32", "float64"])
def test_dense_matches_numpy(backend, floatx):
    K.set_floatx(floatx)
    rng = _rng()
    x = rng.standard_normal((5, 4)).astype(floatx)
    layer = layers.Dense(3, activation="relu", input_dim=4)
    (y,), (sym,) = run(layer, x)
    w, b = layer.get_weights()
    assert w.shape == (4, 3) and b.shape == (3,) and w.dtype == np.dtype(floatx)
    expected = np.maximum(x.astype(np.float64) @ w.astype(np.float64) + b, 0.)
    tol = 1e-5 if floatx == "float32" else 1e-12
    np.testing.assert_allclose(y, expected, rtol=tol, atol=tol)
    assert y.dtype == np.dtype(floatx)
    check_shape(layer, [x], y, sym)
    assert layer.batch_input_shape == (None, 4)
    roundtrip(layer)


def test_dense_float16(backend):
    K.set_floatx("float16")
    x = _rng().standard_normal((3, 4)).astype("float16")
    layer = layers.Dense(2, kernel_initializer="ones", bias_initializer="ones")
    (y,), _ = run(layer, x)
    assert y.dtype == np.float16
    expected = x.astype(np.float64).sum(axis=1, keepdims=True) + 1 + np.zeros((3, 2))
    np.testing.assert_allclose(y, expected, rtol=1e-2, atol=1e-2)


def test_dense_on_rank3_and_no_bias(backend):
    x = _rng().standard_normal((2, 3, 4)).astype("float32")
    layer = layers.Dense(5, use_bias=False)
    (y,), (sym,) = run(layer, x)
    assert len(layer.weights) == 1
    np.testing.assert_allclose(y, np.einsum("btd,du->btu", x, layer.get_weights()[0]), rtol=1e-5,
                               atol=1e-5)
    check_shape(layer, [x], y, sym)


def test_dense_errors(backend):
    with pytest.raises(ValueError, match="Dense.*units"):
        layers.Dense(0)
    with pytest.raises(TypeError, match="Dense.*not understood.*foo"):
        layers.Dense(2, foo=1)
    layer = layers.Dense(2)
    layer(Input(shape=(3,)))
    with pytest.raises(ValueError, match=f"{layer.name}.*axis -1.*value 3"):
        layer(Input(shape=(4,)))
    with pytest.raises(ValueError, match="dense.*not a symbolic tensor"):
        layers.Dense(2)(3.0)


def test_activation_softmax(backend):
    x = _rng().standard_normal((4, 6)).astype("float32")
    layer = layers.Activation("softmax")
    (y,), (sym,) = run(layer, x)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    np.testing.assert_allclose(y, e / e.sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-6)
    check_shape(layer, [x], y, sym)
    assert roundtrip(layer).activation.__name__ == "softmax"


def test_dropout_switches_with_learning_phase(backend):
    x = np.ones((200, 50), dtype="float32")
    layer = layers.Dropout(0.4, seed=3)
    (train,), (sym,) = run(layer, x, training=1)
    assert sym._uses_learning_phase
    kept = train != 0
    assert 0.5 < kept.mean() < 0.7
    np.testing.assert_allclose(train[kept], 1 / 0.6, rtol=1e-5)
    (test,), _ = run(layer, x, training=0)
    np.testing.assert_array_equal(test, x)
    roundtrip(layer)
    with pytest.raises(ValueError, match="Dropout.*rate"):
        layers.Dropout(1.5)


def test_dropout_noise_shape_broadcasts(backend):
    x = np.ones((8, 5, 6), dtype="float32")
    (y,), _ = run(layers.Dropout(0.5, noise_shape=(None, 1, 6), seed=1), x, training=1)
    # The same mask for every timestep.
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :1, :], y.shape))


def test_flatten_reshape_permute_repeat(backend):
    x = _rng().standard_normal((2, 3, 4)).astype("float32")
    for layer, expected in [
            (layers.Flatten(), x.reshape(2, 12)),
            (layers.Reshape((4, -1)), x.reshape(2, 4, 3)),
            (layers.Reshape((12,)), x.reshape(2, 12)),
            (layers.Permute((2, 1)), x.transpose(0, 2, 1))]:
        (y,), (sym,) = run(layer, x)
        np.testing.assert_allclose(y, expected, rtol=1e-6)
        check_shape(layer, [x], y, sym)
        roundtrip(layer)
    v = x[:, 0, :]
    layer = layers.RepeatVector(3)
    (y,), (sym,) = run(layer, v)
    np.testing.assert_allclose(y, np.repeat(v[:, None, :], 3, axis=1))
    check_shape(layer, [v], y, sym)
    roundtrip(layer)


def test_flatten_channels_first(backend):
    x = _rng().standard_normal((2, 3, 2, 2)).astype("float32")
    (y,), _ = run(layers.Flatten(data_format="channels_first"), x)
    np.testing.assert_allclose(y, x.transpose(0, 2, 3, 1).reshape(2, 12))


def test_shape_layer_errors(backend):
    with pytest.raises(ValueError, match="Flatten.*fully known"):
        layers.Flatten()(Input(shape=(None, 3)))
    with pytest.raises(ValueError, match="Reshape.*target_shape"):
        layers.Reshape((5,))(Input(shape=(2, 3)))
    with pytest.raises(ValueError, match="Reshape.*at most one -1"):
        layers.Reshape((-1, -1))
    with pytest.raises(ValueError, match="Permute.*permutation"):
        layers.Permute((0, 1))
    with pytest.raises(ValueError, match="ndim=2"):
        layers.RepeatVector(2)(Input(shape=(2, 3)))


def test_lambda_infers_shape_and_round_trips(backend):
    x = _rng().standard_normal((3, 4)).astype("float32")
    layer = layers.Lambda(lambda t, k: K.sum(t, axis=-1, keepdims=True) * k, arguments={"k": 2.0})
    (y,), (sym,) = run(layer, x)
    np.testing.assert_allclose(y, 2 * x.sum(axis=1, keepdims=True), rtol=1e-5)
    assert sym._keras_shape == (None, 1)
    clone = layers.Lambda.from_config(layer.get_config())
    (y2,), _ = run(clone, x)
    np.testing.assert_allclose(y2, y, rtol=1e-6)
    explicit = layers.Lambda(lambda t: t[:, :2], output_shape=(2,))
    (y3,), (sym3,) = run(explicit, x)
    np.testing.assert_allclose(y3, x[:, :2])
    assert sym3._keras_shape == (None, 2)


def test_activity_regularization_adds_loss(backend):
    x = _rng().standard_normal((3, 4)).astype("float32")
    inp = Input(shape=(4,))
    layer = layers.ActivityRegularization(l1=0.1, l2=0.01)
    out = layer(inp)
    assert len(layer.losses) == 1
    y, penalty = K.function([inp], [out, layer.losses[0]])([x])
    np.testing.assert_allclose(y, x)
    np.testing.assert_allclose(penalty, 0.1 * np.abs(x).sum() + 0.01 * (x ** 2).sum(), rtol=1e-5)
    roundtrip(layer)


def test_masking(backend):
    x = _rng().standard_normal((2, 4, 3)).astype("float32")
    x[0, 1] = 0.
    x[1, 3] = 0.
    inp = Input(shape=(4, 3))
    layer = layers.Masking(0.)
    out = layer(inp)
    mask = layer.compute_mask(inp)
    y, m = K.function([inp], [out, mask])([x])
    expected_mask = np.array([[1, 0, 1, 1], [1, 1, 1, 0]], dtype=bool)
    np.testing.assert_array_equal(m, expected_mask)
    np.testing.assert_allclose(y, x * expected_mask[..., None])
    assert out._keras_history[0]._inbound_nodes[0].output_masks[0] is not None
    roundtrip(layer)
    with pytest.raises(TypeError, match="does not support masking"):
        layers.Flatten()(out)


# -- embeddings ----------------------------------------------------------------------------

def test_embedding_gathers_rows_and_masks(backend):
    ids = np.array([[1, 2, 0], [4, 0, 3]])
    layer = layers.Embedding(5, 2, mask_zero=True, input_length=3)
    inp = Input(shape=(3,), dtype="int32")
    out = layer(inp)
    y, m = K.function([inp], [out, layer.compute_mask(inp)])([ids])
    table = layer.get_weights()[0]
    np.testing.assert_allclose(y, table[ids])
    np.testing.assert_array_equal(m, ids != 0)
    assert out._keras_shape == (None, 3, 2)
    roundtrip(layer)
    # Float ids (the default input dtype) are cast to int32.
    (y2,), _ = run(layers.Embedding(5, 2, weights=[table]), ids.astype("float32"))
    np.testing.assert_allclose(y2, table[ids])


def test_embedding_errors(backend):
    with pytest.raises(ValueError, match="Embedding.*input_dim"):
        layers.Embedding(0, 3)
    with pytest.raises(ValueError, match="Expected inputs of length"):
        layers.Embedding(5, 2, input_length=4)(Input(shape=(3,)))


# -- normalization -------------------------------------------------------------------------

def test_batch_normalization_training_and_inference(backend):
    rng = _rng()
    x = (rng.standard_normal((16, 3)) * 2 + 5).astype("float32")
    layer = layers.BatchNormalization(momentum=0.5, epsilon=1e-3,
                                      gamma_initializer="ones", beta_initializer="zeros")
    inp = Input(shape=(3,))
    out = layer(inp)
    assert out._uses_learning_phase
    assert len(layer.updates) == 2
    train = K.function([inp, K.learning_phase()], [out], updates=layer.updates)
    (y,) = train([x, 1])
    mean, var = x.astype(np.float64).mean(axis=0), x.astype(np.float64).var(axis=0)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-4)
    moving_mean, moving_var = K.get_value(layer.moving_mean), K.get_value(layer.moving_variance)
    np.testing.assert_allclose(moving_mean, 0.5 * mean, rtol=1e-5)
    unbiased = var * 16 / (16 - 1 - 1e-3)
    np.testing.assert_allclose(moving_var, 0.5 + 0.5 * unbiased, rtol=1e-4)
    (y_test,) = K.function([inp, K.learning_phase()], [out])([x, 0])
    np.testing.assert_allclose(y_test, (x - moving_mean) / np.sqrt(moving_var + 1e-3), rtol=1e-4,
                               atol=1e-4)
    assert [w.name.split("/")[-1] for w in layer.weights] == \
        ["gamma", "beta", "moving_mean", "moving_variance"]
    assert len(layer.trainable_weights) == 2
    roundtrip(layer)


def test_batch_normalization_axis_1(backend):
    x = _rng().standard_normal((4, 3, 5)).astype("float32")
    layer = layers.BatchNormalization(axis=1, center=False, scale=False)
    (y,), (sym,) = run(layer, x, training=1)
    mean = x.mean(axis=(0, 2), keepdims=True)
    var = x.var(axis=(0, 2), keepdims=True)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-4)
    assert len(layer.weights) == 2
    check_shape(layer, [x], y, sym)
    with pytest.raises(ValueError, match="BatchNormalization.*axis"):
        layers.BatchNormalization(axis=3)(Input(shape=(3,)))


def test_frozen_batch_normalization_has_no_updates(backend):
    layer = layers.BatchNormalization(trainable=False)
    layer(Input(shape=(3,)))
    assert layer.updates == [] and layer.trainable_weights == []
    assert len(layer.non_trainable_weights) == 4


# -- merge ---------------------------------------------------------------------------------

MERGES = [
    (layers.Add, layers.add, lambda a, b, c: a + b + c),
    (layers.Multiply, layers.multiply, lambda a, b, c: a * b * c),
    (layers.Average, layers.average, lambda a, b, c: (a + b + c) / 3),
    (layers.Maximum, layers.maximum, lambda a, b, c: np.maximum(np.maximum(a, b), c)),
    (layers.Minimum, layers.minimum, lambda a, b, c: np.minimum(np.minimum(a, b), c)),
]


@pytest.mark.parametrize("cls, fn, reference", MERGES, ids=[m[0].__name__ for m in MERGES])
def test_elementwise_merges(backend, cls, fn, reference):
    rng = _rng()
    a, b, c = (rng.standard_normal((3, 4)).astype("float32") for _ in range(3))
    layer = cls()
    (y,), (sym,) = run(layer, a, b, c)
    np.testing.assert_allclose(y, reference(a, b, c), rtol=1e-5, atol=1e-6)
    check_shape(layer, [a, b, c], y, sym)
    roundtrip(layer)
    inputs = [Input(shape=(4,)) for _ in range(3)]
    out = fn(inputs)
    assert type(out._keras_history[0]) is cls


def test_merge_broadcasts_lower_rank(backend):
    rng = _rng()
    a = rng.standard_normal((2, 3, 4)).astype("float32")
    b = rng.standard_normal((2, 4)).astype("float32")
    layer = layers.Add()
    (y,), (sym,) = run(layer, a, b)
    np.testing.assert_allclose(y, a + b[:, None, :], rtol=1e-6)
    assert sym._keras_shape == (None, 3, 4)


def test_subtract(backend):
    rng = _rng()
    a = rng.standard_normal((3, 2)).astype("float32")
    b = rng.standard_normal((3, 2)).astype("float32")
    (y,), _ = run(layers.Subtract(), a, b)
    np.testing.assert_allclose(y, a - b, rtol=1e-6)
    with pytest.raises(ValueError, match="Subtract.*exactly 2"):
        layers.subtract([Input(shape=(2,)) for _ in range(3)])


def test_concatenate(backend):
    rng = _rng()
    a = rng.standard_normal((2, 3, 4)).astype("float32")
    b = rng.standard_normal((2, 3, 2)).astype("float32")
    layer = layers.Concatenate()
    (y,), (sym,) = run(layer, a, b)
    np.testing.assert_allclose(y, np.concatenate([a, b], axis=-1))
    check_shape(layer, [a, b], y, sym)
    c = rng.standard_normal((2, 1, 4)).astype("float32")
    layer = layers.Concatenate(axis=1)
    (y,), (sym,) = run(layer, a, c)
    np.testing.assert_allclose(y, np.concatenate([a, c], axis=1))
    assert sym._keras_shape == (None, 4, 4)
    roundtrip(layer)
    with pytest.raises(ValueError, match="Concatenate.*matching shapes"):
        layers.concatenate([Input(shape=(3, 4)), Input(shape=(2, 2))])


def test_dot(backend):
    rng = _rng()
    a = rng.standard_normal((3, 4)).astype("float32")
    b = rng.standard_normal((3, 4)).astype("float32")
    layer = layers.Dot(axes=1)
    (y,), (sym,) = run(layer, a, b)
    np.testing.assert_allclose(y, (a * b).sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-6)
    assert sym._keras_shape == (None, 1)
    (cos,), _ = run(layers.Dot(axes=-1, normalize=True), a, b)
    expected = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    np.testing.assert_allclose(cos[:, 0], expected, rtol=1e-5, atol=1e-6)
    m1 = rng.standard_normal((2, 3, 4)).astype("float32")
    m2 = rng.standard_normal((2, 5, 4)).astype("float32")
    layer = layers.Dot(axes=(2, 2))
    (y,), (sym,) = run(layer, m1, m2)
    np.testing.assert_allclose(y, np.einsum("bik,bjk->bij", m1, m2), rtol=1e-5, atol=1e-5)
    assert sym._keras_shape == (None, 3, 5)
    roundtrip(layer)
    with pytest.raises(ValueError, match="Dot.*equal size"):
        layers.dot([Input(shape=(3,)), Input(shape=(4,))], axes=1)


def test_merge_errors(backend):
    with pytest.raises(ValueError, match="Add.*list of at least 2"):
        layers.Add()([Input(shape=(3,))])
    with pytest.raises(ValueError, match="Add.*list of input"):
        layers.Add()(Input(shape=(3,)))
    with pytest.raises(ValueError, match="Multiply.*broadcast"):
        layers.multiply([Input(shape=(3,)), Input(shape=(4,))])


def test_merge_combines_masks(backend):
    x = np.array([[[1.], [0.], [2.]]], dtype="float32")
    z = np.array([[[3.], [4.], [0.]]], dtype="float32")
    a, b = Input(shape=(3, 1)), Input(shape=(3, 1))
    ma, mb = layers.Masking()(a), layers.Masking()(b)
    out = layers.add([ma, mb])
    mask = out._keras_history[0]._inbound_nodes[0].output_masks[0]
    (m,) = K.function([a, b], [mask])([x, z])
    np.testing.assert_array_equal(m, [[True, False, False]])


def test_dense_weight_gradients(backend):
    K.set_floatx("float64")
    x = _rng().standard_normal((3, 4))
    grads = check_weight_gradients(layers.Dense(2, activation="tanh"), x)
    assert len(grads) == 2
