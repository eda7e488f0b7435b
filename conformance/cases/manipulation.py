"""Conformance cases: shape manipulation."""

import itertools

import numpy as np

from ..framework import FLOAT_DTYPES, Case, ErrorCase, cases_for


def _x(rng, shape, dtype="float32"):
    return rng.standard_normal(shape).astype(dtype)


def _each_dtype(rng, shape):
    for dtype in FLOAT_DTYPES + ("int32",):
        yield dtype, (rng.integers(-5, 5, size=shape).astype(dtype) if dtype == "int32"
                      else _x(rng, shape, dtype))


def _as64(x):
    return x.astype(np.float64) if x.dtype.kind == "f" else x.astype(np.int64)


@cases_for("reshape")
def _reshape(rng):
    for dtype, x in _each_dtype(rng, (2, 3, 4)):
        for shape in [(6, 4), (-1,), (4, -1), (2, 12), [3, 2, 4], (24, 1)]:
            yield Case(args=(x, shape), expected=_as64(x).reshape(shape), dtype=dtype)
    x = _x(rng, (2, 3))
    yield Case(args=(x, np.array([3, 2], "int32")), expected=x.astype(np.float64).reshape(3, 2),
               dtype="float32", label="shape given as an int tensor")
    yield Case(args=(np.zeros((0, 3), "float32"), (3, 0)), expected=np.zeros((3, 0)),
               dtype="float32")
    yield Case(args=(np.float32(2.0), (1, 1)), expected=np.full((1, 1), 2.0), dtype="float32")
    for bad in [(5, 5), (-1, -1), (7, -1)]:
        yield ErrorCase(args=(x, bad), match="shape", label=f"impossible shape {bad}")


@cases_for("permute_dimensions")
def _permute(rng):
    for dtype, x in _each_dtype(rng, (2, 3, 4)):
        for pattern in [(0, 1, 2), (2, 0, 1), (1, 2, 0), [2, 1, 0]]:
            yield Case(args=(x, pattern), expected=np.transpose(_as64(x), pattern), dtype=dtype)
    yield ErrorCase(args=(_x(rng, (2, 3)), (0, 0)), match="permutation")
    yield ErrorCase(args=(_x(rng, (2, 3)), (0, 1, 2)), match="permutation")


@cases_for("transpose")
def _transpose(rng):
    for shape in [(), (3,), (2, 3), (2, 3, 4), (0, 2)]:
        for dtype, x in _each_dtype(rng, shape):
            yield Case(args=(x,), expected=_as64(x).T, dtype=dtype)


@cases_for("expand_dims")
def _expand_dims(rng):
    for dtype, x in _each_dtype(rng, (2, 3)):
        for axis in (-1, 0, 1, 2, -3):
            yield Case(args=(x,), kwargs={"axis": axis}, expected=np.expand_dims(_as64(x), axis),
                       dtype=dtype)
    yield Case(args=(np.float32(1.0),), expected=np.ones(1), dtype="float32", label="scalar")
    yield ErrorCase(args=(_x(rng, (2, 3)),), kwargs={"axis": 3}, match="axis")


@cases_for("squeeze")
def _squeeze(rng):
    for dtype, x in _each_dtype(rng, (2, 1, 3, 1)):
        for axis in (1, 3, -1, -3):
            yield Case(args=(x, axis), expected=np.squeeze(_as64(x), axis), dtype=dtype)
    yield ErrorCase(args=(_x(rng, (2, 3)), 0), match="size 1")


@cases_for("concatenate")
def _concatenate(rng):
    for dtype in FLOAT_DTYPES:
        a, b, c = _x(rng, (2, 3, 4), dtype), _x(rng, (2, 1, 4), dtype), _x(rng, (2, 0, 4), dtype)
        yield Case(args=([a, b, c],), kwargs={"axis": 1},
                   expected=np.concatenate([a, b, c], 1).astype(np.float64), dtype=dtype)
        d = _x(rng, (2, 3, 2), dtype)
        yield Case(args=([a, d],), expected=np.concatenate([a, d], -1).astype(np.float64),
                   dtype=dtype)
        yield Case(args=([a, a],), kwargs={"axis": -3},
                   expected=np.concatenate([a, a], 0).astype(np.float64), dtype=dtype)
    yield Case(args=([_x(rng, (3,))],), kwargs={"axis": 0}, expected=None, shape=(3,),
               dtype="float32", label="a single tensor")
    yield ErrorCase(args=([_x(rng, (2, 3)), _x(rng, (3, 3))],), kwargs={"axis": 1}, match="shapes")
    yield ErrorCase(args=([],), match="at least one")


@cases_for("stack")
def _stack(rng):
    for dtype in FLOAT_DTYPES:
        xs = [_x(rng, (2, 3), dtype) for _ in range(3)]
        for axis in (0, 1, 2, -1):
            yield Case(args=(xs,), kwargs={"axis": axis},
                       expected=np.stack(xs, axis).astype(np.float64), dtype=dtype)
    yield ErrorCase(args=([_x(rng, (2, 3)), _x(rng, (3, 2))],), match="shapes")


@cases_for("tile")
def _tile(rng):
    for dtype, x in _each_dtype(rng, (2, 3)):
        for n in [(1, 1), (2, 3), [3, 1], (0, 2)]:
            yield Case(args=(x, n), expected=np.tile(_as64(x), n), dtype=dtype)
    v = _x(rng, (4,))
    yield Case(args=(v, 3), expected=np.tile(v.astype(np.float64), 3), dtype="float32",
               label="int n, 1-D")
    yield ErrorCase(args=(_x(rng, (2, 3)), (2,)), match="repetitions")


@cases_for("repeat")
def _repeat(rng):
    for dtype, x in _each_dtype(rng, (4, 3)):
        for n in (1, 3):
            yield Case(args=(x, n), expected=np.stack([_as64(x)] * n, axis=1), dtype=dtype)
    yield ErrorCase(args=(_x(rng, (2, 3, 4)), 2), match="2-D")


@cases_for("repeat_elements")
def _repeat_elements(rng):
    for dtype, x in _each_dtype(rng, (2, 3, 2)):
        for rep, axis in itertools.product((1, 2, 3), (0, 1, -1)):
            yield Case(args=(x, rep, axis), expected=np.repeat(_as64(x), rep, axis), dtype=dtype)
    yield ErrorCase(args=(_x(rng, (2, 3)), 2, 4), match="axis")


@cases_for("reverse")
def _reverse(rng):
    for dtype, x in _each_dtype(rng, (2, 3, 4)):
        for axes in (0, -1, [0, 2], (1,)):
            yield Case(args=(x, axes), expected=np.flip(_as64(x), axes), dtype=dtype)
    yield ErrorCase(args=(_x(rng, (2, 3)), 2), match="axis")


@cases_for("slice")
def _slice(rng):
    for dtype, x in _each_dtype(rng, (4, 5, 3)):
        for start, size in [((0, 0, 0), (4, 5, 3)), ((1, 2, 0), (2, -1, 2)),
                            ((3, 0, 1), (1, 5, -1)), ((0, 1, 1), (0, 2, 1))]:
            index = tuple(slice(b, None if n == -1 else b + n) for b, n in zip(start, size))
            yield Case(args=(x, start, size), expected=_as64(x)[index], dtype=dtype)
    x = _x(rng, (4, 5))
    yield ErrorCase(args=(x, (0, 0), (5, 1)), match="slice")
    yield ErrorCase(args=(x, (0,), (1,)), match="length")


@cases_for("gather")
def _gather(rng):
    for dtype in FLOAT_DTYPES:
        ref = _x(rng, (5, 3), dtype)
        for indices in [np.array([0, 4, 4, 1]), np.array([[1, 2], [0, 3]]), np.array(2),
                        np.zeros((0,), int)]:
            yield Case(args=(ref, indices.astype("int32")),
                       expected=np.stack([ref.astype(np.float64)[i]
                                          for i in indices.reshape(-1)]).reshape(
                           indices.shape + (3,)) if indices.size else np.zeros((0, 3)), dtype=dtype)
    vec = _x(rng, (6,))
    yield Case(args=(vec, np.array([5, 0], "int64")), expected=vec.astype(np.float64)[[5, 0]],
               dtype="float32", label="1-D reference, int64 indices")


@cases_for("flatten")
def _flatten(rng):
    for shape in [(), (3,), (2, 3, 4), (2, 0)]:
        for dtype, x in _each_dtype(rng, shape):
            yield Case(args=(x,), expected=_as64(x).reshape(-1), dtype=dtype)


@cases_for("batch_flatten")
def _batch_flatten(rng):
    for shape in [(3,), (2, 3, 4), (2, 0, 3), (1, 5)]:
        for dtype, x in _each_dtype(rng, shape):
            yield Case(args=(x,), expected=_as64(x).reshape(shape[0], -1), dtype=dtype)
    yield ErrorCase(args=(np.float32(1.0),), match="rank")


@cases_for("one_hot")
def _one_hot(rng):
    for shape in [(4,), (2, 3), ()]:
        indices = rng.integers(0, 5, size=shape)
        expected = np.zeros(shape + (5,))
        for idx in itertools.product(*[range(d) for d in shape]):
            expected[idx + (int(indices[idx]),)] = 1.0
        yield Case(args=(indices.astype("int32"), 5), expected=expected, dtype="float32")
    yield ErrorCase(args=(np.array([0, 1], "int32"), 0), match="num_classes")
