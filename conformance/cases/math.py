"""Conformance cases: math (element-wise, comparisons, reductions, dot products)."""

import itertools

import numpy as np

from .. import reference as ref
from ..framework import FLOAT_DTYPES, Case, ErrorCase, Var, cases_for

SHAPES = [(), (5,), (3, 4), (2, 3, 4), (0, 3)]
F64 = "float64"


def _floats(rng, shape, dtype, low=-2.0, high=2.0):
    return rng.uniform(low, high, size=shape).astype(dtype)


UNARY = {
    "abs": (np.abs, (-2, 2)),
    "cos": (np.cos, (-3, 3)),
    "sin": (np.sin, (-3, 3)),
    "exp": (np.exp, (-3, 3)),
    "log": (np.log, (0.1, 4)),
    "sqrt": (lambda x: np.sqrt(np.maximum(x, 0.0)), (-1, 4)),
    "square": (lambda x: x * x, (-2, 2)),
    "sign": (np.sign, (-2, 2)),
    "round": (np.round, (-3, 3)),
}


def _unary_cases(name):
    fn, (low, high) = UNARY[name]

    def gen(rng):
        for shape in SHAPES:
            for dtype in FLOAT_DTYPES:
                x = _floats(rng, shape, dtype, low, high)
                if name == "round":
                    x = (np.round(x * 2) / 2).astype(dtype)  # exact halves: half-to-even matters
                yield Case(args=(x,), expected=fn(x.astype(F64)), dtype=dtype)
        x = np.array([[1, -2, 3]], dtype="int32")
        if name in ("abs", "square", "sign", "round"):
            yield Case(args=(x,), expected=fn(x.astype(F64)).astype("int64"), dtype="int32",
                       label="integer input keeps its dtype")
        elif name != "log":
            yield Case(args=(x,), expected=fn(x.astype(F64)), dtype="float32",
                       label="integer input gives floatx")
        yield Case(args=(Var(_floats(rng, (2, 3), "float32", low, high)),),
                   expected=None, dtype="float32", shape=(2, 3), label="variable input")
    return gen


for _name in UNARY:
    cases_for(_name)(_unary_cases(_name))


@cases_for("round")
def _round_half_even(rng):
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5], dtype="float32")
    yield Case(args=(x,), expected=np.array([-2, -2, -0, 0, 2, 2], F64), dtype="float32",
               label="half to even")


BINARY = {
    "equal": np.equal, "not_equal": np.not_equal, "greater": np.greater,
    "greater_equal": np.greater_equal, "less": np.less, "less_equal": np.less_equal,
    "maximum": np.maximum, "minimum": np.minimum,
}
PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((0, 3), (3,))]


def _binary_cases(name):
    fn = BINARY[name]
    out_dtype = None if name in ("maximum", "minimum") else "bool"

    def gen(rng):
        for (sx, sy), dtype in itertools.product(PAIRS, FLOAT_DTYPES):
            x = np.round(_floats(rng, sx, dtype)).astype(dtype)  # rounded: equal values occur
            y = np.round(_floats(rng, sy, dtype)).astype(dtype)
            yield Case(args=(x, y), expected=fn(x.astype(F64), y.astype(F64)),
                       dtype=out_dtype or dtype)
        x = _floats(rng, (2, 3), "float32")
        yield Case(args=(x, 0.5), expected=fn(x.astype(F64), np.float32(0.5).astype(F64)),
                   dtype=out_dtype or "float32", label="Python number operand")
        xi = rng.integers(-3, 3, size=(4,)).astype("int32")
        yield Case(args=(xi, np.int32(1) + np.zeros(4, "int32")),
                   expected=fn(xi, np.ones(4, "int32")).astype("int64") if out_dtype is None
                   else fn(xi, np.ones(4, "int32")), dtype=out_dtype or "int32", label="int32")
        yield ErrorCase(args=(np.ones((2, 3), "float32"), np.ones((4,), "float32")),
                        match="broadcast", label="shapes that do not broadcast")
    return gen


for _name in BINARY:
    cases_for(_name)(_binary_cases(_name))

AXES = [None, 0, -1, 1, [0, 2], (-1, -3), [1]]
REDUCTIONS = {
    "sum": np.sum, "prod": np.prod, "mean": np.mean, "max": np.max, "min": np.min,
    "std": np.std, "var": np.var, "any": np.any, "all": np.all,
}


def _reduction_cases(name):
    fn = REDUCTIONS[name]

    def gen(rng):
        for dtype in FLOAT_DTYPES:
            x = (_floats(rng, (2, 3, 4), dtype, 0.5, 1.5) if name == "prod"
                 else _floats(rng, (2, 3, 4), dtype))
            if name in ("any", "all"):
                x = (rng.uniform(size=(2, 3, 4)) > 0.3).astype(dtype) * x
            for axis, keepdims in itertools.product(AXES, (False, True)):
                axis_t = tuple(axis) if isinstance(axis, list) else axis
                expected = fn(x.astype(F64), axis=axis_t, keepdims=keepdims)
                out_dtype = "bool" if name in ("any", "all") else dtype
                yield Case(args=(x,), kwargs={"axis": axis, "keepdims": keepdims},
                           expected=expected, dtype=out_dtype,
                           rtol=2e-2 if dtype == "float16" else None,
                           atol=3e-2 if dtype == "float16" else None)
        scalar = np.array(1.5, "float32")
        yield Case(args=(scalar,), expected=fn(scalar.astype(F64)),
                   dtype="bool" if name in ("any", "all") else "float32", label="scalar")
        if name in ("sum", "prod", "mean", "any", "all", "std", "var"):
            empty = np.zeros((0, 3), "float32")
            with np.errstate(invalid="ignore", divide="ignore"):
                expected = fn(empty.astype(F64), axis=0)
            yield Case(args=(empty,), kwargs={"axis": 0}, expected=expected,
                       dtype="bool" if name in ("any", "all") else "float32", label="empty axis")
        ints = rng.integers(-3, 4, size=(3, 4)).astype("int32")
        if name in ("mean", "std", "var"):
            yield Case(args=(ints,), kwargs={"axis": 1}, expected=fn(ints.astype(F64), axis=1),
                       dtype="float32", label="int input gives floatx")
        elif name in ("sum", "max", "min", "prod"):
            yield Case(args=(ints,), kwargs={"axis": 0}, expected=fn(ints.astype("int64"), axis=0),
                       dtype="int32", label="int input keeps dtype")
        for bad in (3, -4, [0, 0]):
            yield ErrorCase(args=(np.ones((2, 3, 4), "float32"),), kwargs={"axis": bad},
                            match="axis", label=f"invalid axis {bad!r}")
    return gen


for _name in REDUCTIONS:
    cases_for(_name)(_reduction_cases(_name))


@cases_for("max", "min")
def _empty_max(rng):
    yield ErrorCase(args=(np.zeros((0, 3), "float32"),), kwargs={"axis": 0}, match="non-empty")


def _arg_cases(name):
    def gen(rng):
        for dtype in FLOAT_DTYPES:
            x = _floats(rng, (3, 4, 5), dtype)
            for axis in (-1, 0, 1, 2, -3):
                yield Case(args=(x,), kwargs={"axis": axis},
                           expected=ref.arg_extreme(x, axis, largest=name == "argmax"),
                           dtype="int64")
        ties = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], "float32")
        expected = [1, 0] if name == "argmax" else [0, 2]
        yield Case(args=(ties,), expected=np.array(expected), dtype="int64",
                   label="first index on ties")
        yield ErrorCase(args=(np.ones((2, 3), "float32"),), kwargs={"axis": 2}, match="axis")
    return gen


for _name in ("argmax", "argmin"):
    cases_for(_name)(_arg_cases(_name))


@cases_for("clip")
def _clip(rng):
    for shape, dtype in itertools.product([(), (3, 4), (2, 0)], FLOAT_DTYPES):
        x = _floats(rng, shape, dtype, -3, 3)
        yield Case(args=(x, -1.0, 1.5), expected=np.minimum(np.maximum(x.astype(F64), -1.0), 1.5),
                   dtype=dtype)
    x = _floats(rng, (3, 4), "float32", -3, 3)
    yield Case(args=(x, 1.0, -1.0), expected=np.full((3, 4), 1.0), dtype="float32",
               label="max < min clips to min")
    yield Case(args=(x, None, 0.5), expected=np.minimum(x.astype(F64), 0.5), dtype="float32",
               label="no lower bound")
    yield Case(args=(x, 0.0, None), expected=np.maximum(x.astype(F64), 0.0), dtype="float32",
               label="no upper bound")


@cases_for("pow")
def _pow(rng):
    for shape, dtype in itertools.product([(), (3, 4), (2, 3, 2)], FLOAT_DTYPES):
        x = _floats(rng, shape, dtype, 0.2, 2.0)
        for a in (2, 0.5, -1.5, 3):
            yield Case(args=(x, a), expected=x.astype(F64) ** a, dtype=dtype)
    x = _floats(rng, (3, 4), "float32", 0.2, 2.0)
    a = _floats(rng, (4,), "float32", -1, 2)
    yield Case(args=(x, a), expected=x.astype(F64) ** a.astype(F64), dtype="float32",
               label="tensor exponent, broadcast")


@cases_for("cumsum", "cumprod")
def _cumulative_errors(rng):
    yield ErrorCase(args=(np.ones((2, 3), "float32"),), kwargs={"axis": 2}, match="axis")


def _cumulative_reference(name):
    fn = np.cumsum if name == "cumsum" else np.cumprod

    def gen(rng):
        for dtype in FLOAT_DTYPES:
            x = _floats(rng, (3, 4, 2), dtype, 0.5, 1.5)
            for axis in (0, 1, -1):
                yield Case(args=(x,), kwargs={"axis": axis}, expected=fn(x.astype(F64), axis=axis),
                           dtype=dtype, rtol=2e-2 if dtype == "float16" else None)
        ints = rng.integers(1, 4, size=(5,)).astype("int32")
        yield Case(args=(ints,), expected=fn(ints.astype("int64")), dtype="int32",
                   label="int32 kept")
    return gen


for _name in ("cumsum", "cumprod"):
    cases_for(_name)(_cumulative_reference(_name))


@cases_for("logsumexp")
def _logsumexp(rng):
    for dtype in FLOAT_DTYPES:
        x = _floats(rng, (3, 4, 5), dtype, -3, 3)
        for axis, keepdims in itertools.product([None, 0, -1, [0, 2]], (False, True)):
            axis_t = tuple(axis) if isinstance(axis, list) else axis
            yield Case(args=(x,), kwargs={"axis": axis, "keepdims": keepdims},
                       expected=ref.logsumexp(x.astype(F64), axis_t, keepdims), dtype=dtype,
                       rtol=2e-2 if dtype == "float16" else None)
    big = np.array([[1000.0, 1000.0], [-1000.0, -1000.0]], "float64")
    yield Case(args=(big,), kwargs={"axis": 1},
               expected=np.array([1000 + np.log(2), -1000 + np.log(2)]),
               dtype="float64", label="no overflow for large inputs")


@cases_for("l2_normalize")
def _l2_normalize(rng):
    for dtype in FLOAT_DTYPES:
        x = _floats(rng, (3, 4), dtype)
        for axis in (None, 0, -1, [0, 1]):
            axis_t = tuple(axis) if isinstance(axis, list) else axis
            norm = np.sqrt(np.maximum(np.sum(x.astype(F64) ** 2, axis=axis_t, keepdims=True),
                                      1e-12))
            yield Case(args=(x,), kwargs={"axis": axis}, expected=x.astype(F64) / norm, dtype=dtype)
    zeros = np.zeros((2, 3), "float32")
    yield Case(args=(zeros,), kwargs={"axis": -1}, expected=np.zeros((2, 3)), dtype="float32",
               label="zero vector stays finite")


DOT_SHAPES = [((2, 3), (3, 4)), ((2, 3, 4), (4, 5)), ((2, 3), (4, 3, 5)), ((2, 3, 4), (5, 4, 6)),
              ((3,), (3, 2)), ((2, 3), (3,)), ((1, 1), (1, 1)), ((0, 3), (3, 2))]


@cases_for("dot")
def _dot(rng):
    for (sx, sy), dtype in itertools.product(DOT_SHAPES, FLOAT_DTYPES):
        x, y = _floats(rng, sx, dtype), _floats(rng, sy, dtype)
        yield Case(args=(x, y), expected=ref.keras_dot(x.astype(F64), y.astype(F64)), dtype=dtype,
                   rtol=2e-2 if dtype == "float16" else None,
                   atol=5e-2 if dtype == "float16" else None)
    yield Case(args=(Var(_floats(rng, (2, 3), "float32")), _floats(rng, (3, 4), "float32")),
               expected=None, dtype="float32", shape=(2, 4), label="variable operand")
    for sx, sy in (((2, 3), (4, 5)), ((2, 3, 4), (3, 5)), ((), (3,))):
        yield ErrorCase(args=(np.ones(sx, "float32"), np.ones(sy, "float32")), match=r"\(",
                        label=f"incompatible shapes {sx} {sy}")


BATCH_DOT = [((32, 20), (32, 20), 1), ((32, 20, 1), (32, 30, 20), (1, 2)),
             ((4, 3, 5), (4, 5, 2), None),
             ((4, 3, 5), (4, 3, 2), (1, 1)), ((4, 5), (4, 5, 2), None), ((4, 3, 5), (4, 5), None),
             ((2, 3, 4, 5), (2, 5, 6), (3, 1)), ((1, 2), (1, 2), (1, 1)),
             ((3, 2), (3, 4, 2), (1, 2))]


@cases_for("batch_dot")
def _batch_dot(rng):
    for (sx, sy, axes), dtype in itertools.product(BATCH_DOT, FLOAT_DTYPES):
        x, y = _floats(rng, sx, dtype), _floats(rng, sy, dtype)
        yield Case(args=(x, y), kwargs={"axes": axes},
                   expected=ref.keras_batch_dot(x.astype(F64), y.astype(F64), axes), dtype=dtype,
                   rtol=2e-2 if dtype == "float16" else None,
                   atol=5e-2 if dtype == "float16" else None)
    yield ErrorCase(args=(np.ones((3, 4), "float32"), np.ones((2, 4), "float32")), match="batch")
    yield ErrorCase(args=(np.ones((3, 4), "float32"), np.ones((3, 5), "float32")),
                    kwargs={"axes": 1})
    yield ErrorCase(args=(np.ones((3,), "float32"), np.ones((3,), "float32")), match="rank")
