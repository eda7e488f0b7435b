"""Conformance cases: random tensors and dropout (statistics, seeding, errors)."""

import numpy as np

from ..framework import CustomCase, ErrorCase, cases_for

N = 20000


def _stats(b, tensor, dtype, shape):
    assert b.dtype(tensor) == dtype, f"dtype {b.dtype(tensor)} != {dtype}"
    assert b.int_shape(tensor) == shape, f"int_shape {b.int_shape(tensor)} != {shape}"
    return np.asarray(b.eval(tensor), np.float64)


def _seeding(fn_name, *args, **kwargs):
    def check(b):
        fn = getattr(b, fn_name)
        a = b.eval(fn(*args, seed=7, **kwargs))
        c = b.eval(fn(*args, seed=7, **kwargs))
        d = b.eval(fn(*args, seed=8, **kwargs))
        np.testing.assert_array_equal(a, c, err_msg="same seed must give the same numbers")
        assert not np.array_equal(a, d), "different seeds gave the same numbers"
        e, f = b.eval(fn(*args, **kwargs)), b.eval(fn(*args, **kwargs))
        assert not np.array_equal(e, f), "unseeded calls gave the same numbers"
    return CustomCase(check, "seeded: repeatable; unseeded: fresh")


@cases_for("random_uniform")
def _uniform(rng):
    def check(b):
        for dtype in ("float16", "float32", "float64"):
            x = _stats(b, b.random_uniform((N,), -1.0, 3.0, dtype=dtype), dtype, (N,))
            assert x.min() >= -1.0 and x.max() <= 3.0, (x.min(), x.max())
            assert abs(x.mean() - 1.0) < 0.05 and abs(x.var() - 16 / 12) < 0.06, (x.mean(), x.var())
        assert b.int_shape(b.random_uniform((2, 0, 3))) == (2, 0, 3)
    yield CustomCase(check, "bounds, mean and variance")
    yield _seeding("random_uniform", (50,))
    yield ErrorCase(args=((2,),), kwargs={"minval": 1.0, "maxval": 0.0}, match="minval")
    yield ErrorCase(args=((2,),), kwargs={"dtype": "int32"}, match="float")


@cases_for("random_normal")
def _normal(rng):
    def check(b):
        for dtype in ("float32", "float64"):
            x = _stats(b, b.random_normal((N,), 2.0, 0.5, dtype=dtype), dtype, (N,))
            assert abs(x.mean() - 2.0) < 0.02 and abs(x.std() - 0.5) < 0.02, (x.mean(), x.std())
    yield CustomCase(check, "mean and stddev")
    yield _seeding("random_normal", (50,))
    yield ErrorCase(args=((2, -3),), match="non-negative")


@cases_for("truncated_normal")
def _truncated(rng):
    def check(b):
        x = _stats(b, b.truncated_normal((N,), 1.0, 2.0, dtype="float32"), "float32", (N,))
        assert x.min() >= 1.0 - 4.0 - 1e-5 and x.max() <= 1.0 + 4.0 + 1e-5, (x.min(), x.max())
        # a normal truncated at two standard deviations has stddev 0.8796 * stddev
        assert abs(x.mean() - 1.0) < 0.05 and abs(x.std() - 2 * 0.8796) < 0.05, (x.mean(), x.std())
    yield CustomCase(check, "within two stddev, truncated statistics")
    yield _seeding("truncated_normal", (50,))


@cases_for("random_binomial")
def _binomial(rng):
    def check(b):
        x = _stats(b, b.random_binomial((N,), p=0.3), b.floatx(), (N,))
        assert set(np.unique(x)) <= {0.0, 1.0}
        assert abs(x.mean() - 0.3) < 0.02, x.mean()
        assert b.eval(b.random_binomial((10,), p=0.0)).sum() == 0
        assert b.eval(b.random_binomial((10,), p=1.0)).sum() == 10
    yield CustomCase(check, "0/1 with frequency p")
    yield _seeding("random_binomial", (200,), p=0.5)
    yield ErrorCase(args=((2,),), kwargs={"p": 1.5}, match="p")


@cases_for("random_uniform_variable", "random_normal_variable")
def _variables(rng):
    def check(b):
        u = b.random_uniform_variable((N,), -2.0, 2.0, dtype="float64", name="u", seed=1)
        n = b.random_normal_variable((N,), 1.0, 3.0, dtype="float32", seed=1)
        for v in (u, n):
            b.set_value(v, b.get_value(v))  # variables: settable
        x = _stats(b, u, "float64", (N,))
        assert x.min() >= -2.0 and x.max() <= 2.0 and abs(x.mean()) < 0.05
        y = _stats(b, n, "float32", (N,))
        assert abs(y.mean() - 1.0) < 0.1 and abs(y.std() - 3.0) < 0.1
        again = b.random_uniform_variable((N,), -2.0, 2.0, dtype="float64", seed=1)
        np.testing.assert_array_equal(b.eval(again), x)
    yield CustomCase(check, "variables with the right statistics, seeded")


@cases_for("dropout")
def _dropout(rng):
    def check(b):
        for dtype in ("float32", "float64"):
            x = np.full((N,), 2.0, dtype)
            y = _stats(b, b.dropout(b.constant(x, dtype=dtype), 0.25), dtype, (N,))
            kept = y != 0
            assert abs(kept.mean() - 0.75) < 0.02, kept.mean()
            np.testing.assert_allclose(y[kept], 2.0 / 0.75, rtol=1e-6)
        z = b.eval(b.dropout(b.constant(np.ones((50, 8), "float32")), 0.5, noise_shape=(50, 1)))
        rows = (z != 0).astype(int)
        assert np.all((rows.min(axis=1) == rows.max(axis=1))), "noise_shape must broadcast the mask"
        np.testing.assert_array_equal(b.eval(b.dropout(b.constant(np.ones(5)), 0.0)), np.ones(5))
    yield CustomCase(check, "drop rate, scaling, noise_shape")

    def seeded(b):
        x = b.constant(np.ones(100, "float32"))
        np.testing.assert_array_equal(b.eval(b.dropout(x, 0.5, seed=3)),
                                      b.eval(b.dropout(x, 0.5, seed=3)))
    yield CustomCase(seeded, "seeded dropout repeats")
    yield ErrorCase(args=(np.ones(3, "float32"), 1.0), match="level")
    yield ErrorCase(args=(np.ones(3, "float32"), -0.1), match="level")
    yield ErrorCase(args=(np.ones((3, 4), "float32"), 0.5), kwargs={"noise_shape": (3, 2)},
                    match="noise_shape")
