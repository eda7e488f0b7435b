"""Cases of the dtype rule (docs/ARCHITECTURE.md): mixed dtypes, Python numbers and lists.

Every function combining several tensors brings them to one dtype by the same rule on every
backend (and in the graph's inference, which the symbolic re-run checks with the first
array a placeholder and Python values left as they are). The expected dtypes below are the
rule's, written out by hand; the values come from float64 NumPy.
"""

from __future__ import annotations

import numpy as np

from polykeras.backend.config import floatx

from ..framework import Case, ErrorCase, cases_for

#: (dtype of x, dtype of y, dtype of the result) for tensors of different dtypes
MIXED = (("int32", "float32", "float32"), ("float16", "float32", "float32"),
         ("uint8", "int8", "int16"), ("bool", "int32", "int32"), ("int64", "float16", "float16"),
         ("float32", "float64", "float64"), ("uint8", "int32", "int32"))

_BINARY = {"maximum": np.maximum, "minimum": np.minimum}
_COMPARISONS = {"equal": np.equal, "not_equal": np.not_equal, "greater": np.greater,
                "greater_equal": np.greater_equal, "less": np.less, "less_equal": np.less_equal}


def _values(rng, dtype, shape):
    if dtype == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.startswith(("int", "uint")):
        return rng.integers(0, 5, shape).astype(dtype)
    return np.round(rng.standard_normal(shape) * 2, 1).astype(dtype)


def _binary_mixed(name, fn):
    def generate(rng):
        for dx, dy, dz in MIXED:
            x, y = _values(rng, dx, (2, 3)), _values(rng, dy, (3,))
            yield Case(args=(x, y), expected=fn(x.astype("float64"), y.astype("float64")),
                       dtype=dz, label=f"{dx} with {dy}")
        x = _values(rng, "float16", (2, 3))
        yield Case(args=(x, [0.5, -0.25, 1.0]), dtype="float16", label="float16 with a list",
                   expected=fn(x.astype("float64"), np.array([0.5, -0.25, 1.0])))
        x = _values(rng, "int32", (2, 2))
        yield Case(args=(x, 0.5), dtype=floatx(), label="int32 with a Python float: floatx",
                   expected=fn(x.astype("float64"), 0.5))
        yield Case(args=([1, 2], 1.5), dtype=floatx(), label="Python values only",
                   expected=fn(np.array([1.0, 2.0]), 1.5))
        x8 = _values(rng, "int8", (2,))
        yield Case(args=(x8, 3), dtype="int8", expected=fn(x8.astype("float64"), 3.0),
                   label="int8 with a Python int in range")
        yield ErrorCase(args=(x8, 1000), raises=ValueError, match="1000",
                        label="a Python int out of int8's range")
    return generate


def _comparison_mixed(name, fn):
    def generate(rng):
        for dx, dy, _ in MIXED[:4]:
            x, y = _values(rng, dx, (2, 3)), _values(rng, dy, (2, 3))
            yield Case(args=(x, y), expected=fn(x.astype("float64"), y.astype("float64")),
                       dtype="bool", label=f"{dx} with {dy}")
        x = _values(rng, "int32", (3,))
        yield Case(args=(x, [1.5, 2.0, 0.0]), dtype="bool", label="int32 with a float list",
                   expected=fn(x.astype("float64"), np.array([1.5, 2.0, 0.0])))
    return generate


for _name, _fn in _BINARY.items():
    cases_for(_name)(_binary_mixed(_name, _fn))
for _name, _fn in _COMPARISONS.items():
    cases_for(_name)(_comparison_mixed(_name, _fn))


@cases_for("concatenate")
def _concatenate_mixed(rng):
    for dx, dy, dz in MIXED:
        x, y = _values(rng, dx, (2, 2)), _values(rng, dy, (2, 1))
        yield Case(args=([x, y],), kwargs={"axis": -1}, dtype=dz, label=f"{dx} with {dy}",
                   expected=np.concatenate([x.astype("float64"), y.astype("float64")], -1))
    x = _values(rng, "float16", (2, 2))
    yield Case(args=([x, [[0.5], [1.5]]],), dtype="float16", label="float16 with a list",
               expected=np.concatenate([x.astype("float64"), [[0.5], [1.5]]], -1))


@cases_for("stack")
def _stack_mixed(rng):
    for dx, dy, dz in MIXED[:3]:
        x, y = _values(rng, dx, (2,)), _values(rng, dy, (2,))
        yield Case(args=([x, y],), dtype=dz, label=f"{dx} with {dy}",
                   expected=np.stack([x.astype("float64"), y.astype("float64")]))


@cases_for("dot")
def _dot_mixed(rng):
    for dx, dy, dz in (("int32", "float32", "float32"), ("float16", "float32", "float32")):
        x, y = _values(rng, dx, (2, 3)), _values(rng, dy, (3, 2))
        yield Case(args=(x, y), dtype=dz, label=f"{dx} with {dy}",
                   expected=x.astype("float64") @ y.astype("float64"), rtol=1e-2, atol=1e-2)


@cases_for("batch_dot")
def _batch_dot_mixed(rng):
    x, y = _values(rng, "int32", (2, 3)), _values(rng, "float32", (2, 3))
    yield Case(args=(x, y), kwargs={"axes": 1}, dtype="float32", label="int32 with float32",
               expected=np.sum(x.astype("float64") * y.astype("float64"), 1, keepdims=True))


@cases_for("pow")
def _pow_mixed(rng):
    x = np.abs(_values(rng, "float32", (3,))) + 0.5
    yield Case(args=(x, np.array([2, 1, 0], "int32")), dtype="float32", label="float32 ** int32",
               expected=x.astype("float64") ** np.array([2.0, 1.0, 0.0]))
    n = np.array([1, 2, 3], "int32")
    yield Case(args=(n, 0.5), dtype=floatx(), label="int32 ** a Python float: floatx",
               expected=np.array([1.0, 2.0, 3.0]) ** 0.5)


@cases_for("clip")
def _clip_mixed(rng):
    n = np.array([-3, 0, 5], "int32")
    yield Case(args=(n, 0, 2), dtype="int32", expected=np.array([0, 0, 2]),
               label="int32 between Python ints")
    yield Case(args=(n, -0.5, 2.5), dtype=floatx(), expected=np.array([-0.5, 0.0, 2.5]),
               label="int32 between Python floats: floatx")


@cases_for("switch")
def _switch_mixed(rng):
    condition = np.array([True, False, True])
    x, y = np.array([1, 2, 3], "int32"), np.array([0.5, 1.5, 2.5], "float32")
    yield Case(args=(condition, x, y), dtype="float32", expected=np.array([1.0, 1.5, 3.0]),
               label="int32 and float32 branches")
    yield Case(args=(condition, [1.0, 2.0, 3.0], y), dtype="float32",
               expected=np.array([1.0, 1.5, 3.0]), label="a list and a float32 branch")


#: Python values alone: function -> (argument, expected value, expected dtype or a callable
#: giving it when floatx decides)
_ALONE = {
    "abs": ((-1.5, 2.0), np.array([1.5, 2.0]), floatx),
    "square": ([[1, -2], [3, 4]], np.array([[1, 4], [9, 16]]), "int32"),
    "sum": ([True, True, False], np.array(2), "int32"),
    "zeros_like": ([[1.0, 2.0]], np.zeros((1, 2)), floatx),
    "ones_like": ([1, 2, 3], np.ones(3), "int32"),
    "identity": (7, np.array(7), "int32"),
}


def _alone_for(name):
    def generate(rng):
        value, expected, dtype = _ALONE[name]
        yield Case(args=(value,), expected=expected, dtype=dtype() if callable(dtype) else dtype,
                   label="a Python value alone")
    return generate


for _name in _ALONE:
    cases_for(_name)(_alone_for(_name))


@cases_for("abs", "identity")
def _big_python_int(rng):
    yield Case(args=([2 ** 40, 3],), expected=np.array([2 ** 40, 3]), dtype="int64",
               label="a Python int beyond int32 makes the list int64")
