"""Initializers, regularizers, constraints and activations.

Initial weights must be bit-identical across backends after
``set_random_seed``: that is what makes side-by-side runs comparable.
"""

import numpy as np
import pytest

from polykeras import activations, constraints, initializers, regularizers
from polykeras import backend as K
from polykeras.utils import set_random_seed, use_session_with_seed

BACKENDS = ("numpy", "torch", "jax")
ALL_INITIALIZERS = ["zeros", "ones", "constant", "random_normal", "random_uniform",
                    "truncated_normal", "VarianceScaling", "orthogonal", "identity",
                    "lecun_uniform", "glorot_normal", "glorot_uniform", "he_normal",
                    "he_uniform", "lecun_normal"]


def _bits(array):
    return np.ascontiguousarray(array).view(np.uint8).tobytes()


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", ALL_INITIALIZERS)
def test_seeded_initial_weights_are_bit_identical_across_backends(name, dtype):
    results = {}
    for backend_name in BACKENDS:
        with K.use_backend(backend_name):
            set_random_seed(2024)
            first = initializers.get(name)((6, 6), dtype=dtype)
            second = initializers.get(name)((3, 6, 4), dtype=dtype) if name != "identity" else first
            assert K.dtype(first) == dtype
            results[backend_name] = (K.eval(first), K.eval(second))
    reference = results["numpy"]
    for backend_name in BACKENDS[1:]:
        for got, want in zip(results[backend_name], reference):
            assert got.dtype == want.dtype
            assert _bits(got) == _bits(want), f"{name} differs on {backend_name}"


def test_set_random_seed_reproduces_and_unseeded_calls_differ(backend):
    init = initializers.glorot_uniform()
    set_random_seed(5)
    a, b = K.eval(init((4, 3))), K.eval(init((4, 3)))
    set_random_seed(5)
    c = K.eval(init((4, 3)))
    assert not np.array_equal(a, b)  # the generator advances
    np.testing.assert_array_equal(a, c)
    use_session_with_seed(5, quiet=True)
    np.testing.assert_array_equal(K.eval(init((4, 3))), a)


def test_explicit_seed_gives_the_same_values_every_call(backend):
    for init in (initializers.RandomNormal(seed=3), initializers.TruncatedNormal(seed=3),
                 initializers.RandomUniform(seed=3), initializers.he_normal(seed=3),
                 initializers.Orthogonal(seed=3)):
        np.testing.assert_array_equal(K.eval(init((5, 4))), K.eval(init((5, 4))))
    assert not np.array_equal(K.eval(initializers.RandomNormal(seed=3)((5, 4))),
                              K.eval(initializers.RandomNormal(seed=4)((5, 4))))


def test_use_session_with_seed_prints_a_notice(capsys):
    use_session_with_seed(1)
    assert "seed to 1" in capsys.readouterr().out


def test_default_dtype_is_floatx(backend):
    K.set_floatx("float64")
    assert K.dtype(initializers.Ones()((2,))) == "float64"


def test_constant_initializers(backend):
    np.testing.assert_array_equal(K.eval(initializers.Zeros()((2, 3))), np.zeros((2, 3)))
    np.testing.assert_array_equal(K.eval(initializers.Ones()((2, 3))), np.ones((2, 3)))
    np.testing.assert_array_equal(K.eval(initializers.Constant(2.5)((2, 3))), np.full((2, 3), 2.5))
    assert K.int_shape(initializers.Zeros()((0, 3))) == (0, 3)
    assert K.int_shape(initializers.Ones()(())) == ()


def test_distribution_statistics(backend):
    set_random_seed(0)
    n = 200_000
    normal = K.eval(initializers.RandomNormal(mean=1.0, stddev=0.5)((n,), dtype="float64"))
    assert abs(normal.mean() - 1.0) < 0.01 and abs(normal.std() - 0.5) < 0.01
    uniform = K.eval(initializers.RandomUniform(-2.0, 3.0)((n,), dtype="float64"))
    assert uniform.min() >= -2.0 and uniform.max() < 3.0 and abs(uniform.mean() - 0.5) < 0.02
    truncated = K.eval(initializers.TruncatedNormal(mean=0.0, stddev=0.5)((n,), dtype="float64"))
    assert np.abs(truncated).max() <= 1.0  # two standard deviations
    assert abs(truncated.std() - 0.5 * 0.8796) < 0.01


@pytest.mark.parametrize("name, scale, fan, distribution", [
    ("glorot_uniform", 1.0, "avg", "uniform"), ("glorot_normal", 1.0, "avg", "normal"),
    ("he_uniform", 2.0, "in", "uniform"), ("he_normal", 2.0, "in", "normal"),
    ("lecun_uniform", 1.0, "in", "uniform"), ("lecun_normal", 1.0, "in", "normal"),
])
def test_variance_scaling_families(backend, name, scale, fan, distribution):
    set_random_seed(1)
    shape = (300, 500)
    fan_value = {"in": 300, "avg": 400}[fan]
    values = K.eval(initializers.get(name)(shape, dtype="float64"))
    expected_std = np.sqrt(scale / fan_value)
    assert abs(values.std() - expected_std) / expected_std < 0.02
    if distribution == "uniform":
        limit = np.sqrt(3 * scale / fan_value)
        assert values.max() <= limit and values.min() >= -limit
    else:
        assert np.abs(values).max() <= 2 * expected_std / 0.87962566103423978 + 1e-12


def test_variance_scaling_fans_of_convolution_kernels(backend):
    set_random_seed(2)
    # channels_last kernel (3, 3, 16, 32): fan_in = 9 * 16, fan_out = 9 * 32
    values = K.eval(initializers.VarianceScaling(scale=1.0, mode="fan_out", distribution="uniform")(
        (3, 3, 16, 32), dtype="float64"))
    assert values.max() <= np.sqrt(3.0 / (9 * 32))


def test_orthogonal_and_identity(backend):
    q = K.eval(initializers.Orthogonal(gain=2.0, seed=1)((6, 4), dtype="float64"))
    np.testing.assert_allclose(q.T @ q, 4.0 * np.eye(4), atol=1e-10)
    wide = K.eval(initializers.Orthogonal(seed=1)((3, 7), dtype="float64"))
    np.testing.assert_allclose(wide @ wide.T, np.eye(3), atol=1e-10)
    conv = K.eval(initializers.Orthogonal(seed=1)((2, 3, 4), dtype="float64")).reshape(6, 4)
    np.testing.assert_allclose(conv.T @ conv, np.eye(4), atol=1e-10)
    np.testing.assert_array_equal(K.eval(initializers.Identity(gain=3.0)((3, 3))), 3 * np.eye(3))


def test_initializer_errors():
    with pytest.raises(ValueError, match="VarianceScaling.*scale"):
        initializers.VarianceScaling(scale=-1.0)
    with pytest.raises(ValueError, match="VarianceScaling.*Received: mode='fan_sideways'"):
        initializers.VarianceScaling(mode="fan_sideways")
    with pytest.raises(ValueError, match="VarianceScaling.*Received: distribution='cauchy'"):
        initializers.VarianceScaling(distribution="cauchy")
    with pytest.raises(ValueError, match="Identity.*square.*Received: shape=\\(2, 3\\)"):
        initializers.Identity()((2, 3))
    with pytest.raises(ValueError, match="Orthogonal.*rank >= 2"):
        initializers.Orthogonal()((4,))
    with pytest.raises(ValueError, match="RandomUniform.*minval <= maxval"):
        initializers.RandomUniform(1.0, -1.0)((2,))
    with pytest.raises(ValueError, match="Zeros.*shape"):
        initializers.Zeros()((2, -1))
    with pytest.raises(ValueError, match="Ones.*float dtype.*Received: dtype='int32'"):
        initializers.Ones()((2,), dtype="int32")
    with pytest.raises(ValueError,
                       match="Unknown initializer.*'glorot_uniform'.*"
                             "Received: initializer='glorot'"):
        initializers.get("glorot")
    with pytest.raises(ValueError, match="Received: initializer=3"):
        initializers.get(3)


def test_initializer_config_round_trip(backend):
    for init in (initializers.VarianceScaling(2.0, "fan_avg", "uniform", seed=4),
                 initializers.RandomNormal(0.5, 0.1, seed=4), initializers.Constant(7.0),
                 initializers.Orthogonal(gain=0.5, seed=4)):
        config = initializers.serialize(init)
        clone = initializers.deserialize(config)
        assert type(clone) is type(init) and clone.get_config() == init.get_config()
        np.testing.assert_array_equal(K.eval(clone((3, 3))), K.eval(init((3, 3))))
    assert isinstance(initializers.get({"class_name": "Zeros", "config": {}}), initializers.Zeros)
    assert isinstance(initializers.get("he_normal"), initializers.VarianceScaling)


# -- regularizers -------------------------------------------------------------------------------

def test_regularizers_match_numpy(backend, rng):
    w = rng.normal(size=(5, 4))
    x = K.variable(w)
    cases = {
        "l1": (regularizers.l1(0.3), 0.3 * np.abs(w).sum()),
        "l2": (regularizers.l2(0.2), 0.2 * (w ** 2).sum()),
        "l1_l2": (regularizers.l1_l2(0.3, 0.2), 0.3 * np.abs(w).sum() + 0.2 * (w ** 2).sum()),
    }
    for name, (regularizer, expected) in cases.items():
        np.testing.assert_allclose(float(K.eval(regularizer(x))), expected, rtol=1e-5, err_msg=name)
    assert regularizers.L1L2()(x) == 0.0


def test_regularizer_get_and_config():
    reg = regularizers.get({"class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.0}})
    # As Keras 2.2.4, the factors are stored rounded to floatx (float32).
    f32 = lambda v: float(np.float32(v))  # noqa: E731
    assert reg.get_config() == {"l1": f32(0.1), "l2": 0.0}
    assert regularizers.get("l2").get_config() == {"l1": 0.0, "l2": f32(0.01)}
    assert regularizers.get(None) is None
    assert regularizers.deserialize(regularizers.serialize(regularizers.l1_l2())).get_config() == \
        {"l1": f32(0.01), "l2": f32(0.01)}
    with pytest.raises(ValueError, match="L1L2.*Received: l1=-1"):
        regularizers.L1L2(l1=-1)
    with pytest.raises(ValueError, match="Unknown regularizer.*Received: regularizer='l3'"):
        regularizers.get("l3")


# -- constraints ----------------------------------------------------------------------------------

def _column_norms(w):
    return np.sqrt((w ** 2).sum(axis=0, keepdims=True))


def test_constraints_match_numpy(backend, rng):
    w = rng.normal(size=(6, 5)) * 3
    cases = {
        "max_norm": (constraints.max_norm(2.0),
                     w * np.clip(_column_norms(w), 0, 2.0) / (EPSILON + _column_norms(w))),
        "non_neg": (constraints.non_neg(), np.where(w >= 0, w, 0.0)),
        "unit_norm": (constraints.unit_norm(), w / (EPSILON + _column_norms(w))),
        "min_max_norm": (constraints.min_max_norm(0.5, 1.5, rate=0.5),
                         w * (0.5 * np.clip(_column_norms(w), 0.5, 1.5) + 0.5 * _column_norms(w))
                         / (EPSILON + _column_norms(w))),
    }
    for name, (constraint, expected) in cases.items():
        out = constraint(K.constant(w, "float64"))
        np.testing.assert_allclose(K.eval(out), expected, rtol=1e-10, err_msg=name)
    unit = K.eval(constraints.UnitNorm(axis=1)(K.constant(w, "float64")))
    np.testing.assert_allclose((unit ** 2).sum(axis=1), 1.0, rtol=1e-6)


EPSILON = 1e-7


def test_constraint_get_and_config():
    c = constraints.get({"class_name": "MaxNorm", "config": {"max_value": 3, "axis": 1}})
    assert isinstance(c, constraints.MaxNorm) and c.get_config() == {"max_value": 3, "axis": 1}
    assert isinstance(constraints.get("non_neg"), constraints.NonNeg)
    assert constraints.get(None) is None
    restored = constraints.deserialize(constraints.serialize(constraints.MinMaxNorm(0.1, 2.0)))
    assert restored.get_config() == {"min_value": 0.1, "max_value": 2.0, "rate": 1.0, "axis": 0}
    with pytest.raises(ValueError, match="Unknown constraint.*Received: constraint='positive'"):
        constraints.get("positive")


# -- activations -----------------------------------------------------------------------------------

def _ref_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


ACTIVATIONS = {
    "elu": lambda x: np.where(x > 0, x, np.exp(x) - 1),
    "selu": lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * (np.exp(x) - 1)),
    "softplus": lambda x: np.log1p(np.exp(x)),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "relu": lambda x: np.maximum(x, 0),
    "tanh": np.tanh,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "hard_sigmoid": lambda x: np.clip(0.2 * x + 0.5, 0, 1),
    "exponential": np.exp,
    "linear": lambda x: x,
    "softmax": lambda x: _ref_softmax(x, -1),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_match_numpy(backend, name, dtype, rng):
    x = rng.normal(size=(3, 4, 5)) * 2
    out = activations.get(name)(K.constant(x, dtype))
    assert K.dtype(out) == dtype and K.int_shape(out) == x.shape
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(K.eval(out), ACTIVATIONS[name](x), rtol=tol, atol=tol)


def test_activation_arguments(backend, rng):
    x = rng.normal(size=(4, 3, 2))
    np.testing.assert_allclose(K.eval(activations.softmax(K.constant(x, "float64"), axis=1)),
                               _ref_softmax(x, 1), rtol=1e-12)
    np.testing.assert_allclose(K.eval(activations.relu(K.constant(x, "float64"), alpha=0.1,
                                                       max_value=0.5)),
                               np.minimum(np.where(x > 0, x, 0.1 * x), 0.5), rtol=1e-12)
    np.testing.assert_allclose(K.eval(activations.elu(K.constant(x, "float64"), alpha=0.5)),
                               np.where(x > 0, x, 0.5 * (np.exp(x) - 1)), rtol=1e-12)
    with pytest.raises(ValueError, match="softmax: Expected a tensor of rank >= 2"):
        activations.softmax(K.constant([1.0, 2.0]))


def test_activations_get_serialize():
    assert activations.get(None) is activations.linear
    assert activations.get("relu") is activations.relu
    assert activations.serialize(activations.tanh) == "tanh"
    assert activations.deserialize("selu") is activations.selu
    with pytest.raises(ValueError,
                       match="Unknown activation function.*'relu'.*Received: activation='rleu'"):
        activations.get("rleu")
    with pytest.raises(ValueError, match="Received: activation=1.5"):
        activations.get(1.5)


def test_seed_set_before_the_backend_loads_seeds_it():
    """``set_random_seed`` first, then the first use of ``K``: dropout draws are reproducible."""
    import subprocess
    import sys
    script = ("from polykeras.utils import set_random_seed\n"
              "set_random_seed(7)\n"
              "from polykeras import backend as K\n"
              "print(K.eval(K.random_uniform((4,))).tolist())\n")
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           env={**__import__("os").environ, "KERAS_BACKEND": "numpy"},
                           timeout=120) for _ in range(2)]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr
    assert runs[0].stdout == runs[1].stdout
