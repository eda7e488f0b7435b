"""Conformance cases: variables, constants, conversion and introspection."""

import numpy as np
import scipy.sparse

from ..framework import FLOAT_DTYPES, Case, CustomCase, ErrorCase, Var, cases_for

ALL_DTYPES = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool")


def _array(rng, shape, dtype):
    if dtype == "bool":
        return np.asarray(rng.uniform(size=shape) > 0.5)
    if dtype.startswith(("int", "uint")):
        return rng.integers(0, 5, size=shape).astype(dtype)
    return np.asarray(rng.standard_normal(shape)).astype(dtype)


@cases_for("variable")
def _variable(rng):
    def holds_a_copy(b):
        for dtype in ALL_DTYPES:
            for shape in [(), (3,), (2, 0), (2, 3, 4)]:
                value = _array(rng, shape, dtype)
                v = b.variable(value, dtype=dtype, name="v")
                assert b.dtype(v) == dtype and b.int_shape(v) == shape, (b.dtype(v), b.int_shape(v))
                np.testing.assert_array_equal(b.eval(v), value)
        v = b.variable([[1, 2], [3, 4]])
        assert b.dtype(v) == b.floatx(), "default dtype must be floatx"
        source = np.ones(3, "float32")
        v = b.variable(source)
        source[0] = 5
        assert b.eval(v)[0] == 1.0, "variable must copy its initial value"
        assert b.is_tensor(v)
        assert v.name and b.variable(1.0).name != b.variable(1.0).name, "names must be unique"
    yield CustomCase(holds_a_copy, "all dtypes and shapes, copies, default floatx, unique names")

    def sparse_input(b):
        matrix = scipy.sparse.random(4, 5, density=0.4, random_state=0, format="csr")
        v = b.variable(matrix)
        np.testing.assert_allclose(b.eval(v), matrix.toarray(), rtol=1e-6)
    yield CustomCase(sparse_input, "scipy.sparse input is densified")
    yield ErrorCase(args=(np.ones(2),), kwargs={"dtype": "float8"}, match="float32")


@cases_for("constant")
def _constant(rng):
    for dtype in ALL_DTYPES:
        value = _array(rng, (2, 3), dtype)
        yield Case(args=(value,), kwargs={"dtype": dtype}, expected=value.astype(np.float64)
                   if dtype != "bool" else value, dtype=dtype)
    yield Case(args=(1.5,), kwargs={"shape": (2, 3)}, expected=np.full((2, 3), 1.5),
               dtype="float32", label="scalar filled to shape")
    yield Case(args=([1, 2, 3, 4, 5, 6],), kwargs={"shape": (3, 2)},
               expected=np.arange(1, 7.0).reshape(3, 2), dtype="float32", label="reshaped")
    yield Case(args=(7,), expected=np.array(7.0), dtype="float32", label="default dtype floatx")
    yield ErrorCase(args=([1, 2, 3],), kwargs={"shape": (2, 2)}, match="shape")
    yield ErrorCase(args=(1.0,), kwargs={"dtype": "complex64"}, match="dtype")


@cases_for("eval", "get_value")
def _eval(rng):
    for dtype in FLOAT_DTYPES:
        value = _array(rng, (3, 2), dtype)
        yield Case(args=(Var(value),), expected=value.astype(np.float64), dtype=None)
        yield Case(args=(value,), expected=value.astype(np.float64), dtype=None,
                   label="tensor input")

    def returns_a_copy(b):
        v = b.variable(np.zeros(3))
        out = b.eval(v)
        assert isinstance(out, np.ndarray), type(out)
        out[0] = 7.0
        assert b.eval(v)[0] == 0.0, "changing eval's result changed the variable"
        got = b.get_value(v)
        assert isinstance(got, np.ndarray)
    yield CustomCase(returns_a_copy, "numpy copies")


@cases_for("dtype")
def _dtype(rng):
    def check(b):
        for dtype in ALL_DTYPES:
            assert b.dtype(b.constant(_array(rng, (2,), dtype), dtype=dtype)) == dtype
            assert b.dtype(b.variable(_array(rng, (2,), dtype), dtype=dtype)) == dtype
    yield CustomCase(check, "every dtype, tensors and variables")


@cases_for("int_shape", "get_variable_shape")
def _int_shape(rng):
    def check(b):
        for shape in [(), (0,), (3,), (2, 3, 4)]:
            assert b.int_shape(b.constant(np.zeros(shape))) == shape
            assert b.int_shape(b.variable(np.zeros(shape))) == shape
            assert b.get_variable_shape(b.variable(np.zeros(shape))) == shape
            assert all(isinstance(d, int) for d in b.int_shape(b.constant(np.zeros(shape))))
    yield CustomCase(check, "tuples of ints")


@cases_for("set_value", "batch_set_value", "batch_get_value")
def _set_value(rng):
    def set_and_read(b):
        v = b.variable(np.zeros((2, 3)), dtype="float32")
        value = rng.standard_normal((2, 3))
        b.set_value(v, value)
        np.testing.assert_allclose(b.get_value(v), value.astype("float32"))
        assert b.dtype(v) == "float32", "set_value must keep the variable's dtype"
        try:
            b.set_value(v, np.ones((3, 2)))
        except ValueError as exc:
            assert "set_value" in str(exc) and "(3, 2)" in str(exc), str(exc)
        else:
            raise AssertionError("set_value with a wrong shape did not raise")
        np.testing.assert_allclose(b.get_value(v), value.astype("float32"))
    yield CustomCase(set_and_read, "set_value keeps dtype, rejects a wrong shape")

    def batch(b):
        a, c = b.variable(np.zeros(2)), b.variable(np.zeros((2, 2)))
        b.batch_set_value([(a, [1.0, 2.0]), (c, np.eye(2))])
        got = b.batch_get_value([a, c])
        np.testing.assert_allclose(got[0], [1.0, 2.0])
        np.testing.assert_allclose(got[1], np.eye(2))
        try:
            b.batch_set_value([(a, [5.0, 6.0]), (c, np.ones(3))])
        except ValueError as exc:
            assert "batch_set_value" in str(exc), str(exc)
        else:
            raise AssertionError("batch_set_value with a wrong shape did not raise")
        np.testing.assert_allclose(b.get_value(a), [1.0, 2.0],
                                   err_msg="a failed batch changed a variable")
    yield CustomCase(batch, "batch set/get; a bad pair changes nothing")


@cases_for("shape")
def _shape(rng):
    for shape in [(), (3,), (2, 0, 4), (2, 3, 4)]:
        yield Case(args=(np.zeros(shape, "float32"),), expected=np.array(shape, dtype=np.int64),
                   dtype="int32", shape=(len(shape),))


@cases_for("ndim")
def _ndim(rng):
    def check(b):
        for shape in [(), (3,), (2, 3, 4)]:
            assert b.ndim(b.constant(np.zeros(shape))) == len(shape)
            assert b.ndim(b.variable(np.zeros(shape))) == len(shape)
    yield CustomCase(check, "tensors and variables")


@cases_for("count_params")
def _count_params(rng):
    def check(b):
        for shape, n in [((), 1), ((3,), 3), ((2, 0), 0), ((2, 3, 4), 24)]:
            assert b.count_params(b.variable(np.zeros(shape))) == n
    yield CustomCase(check, "product of dims")


@cases_for("is_tensor")
def _is_tensor(rng):
    def check(b):
        assert b.is_tensor(b.constant([1.0])) and b.is_tensor(b.variable([1.0]))
        assert not b.is_tensor(1.0) and not b.is_tensor([1.0])
    yield CustomCase(check, "tensors and variables are; numbers and lists are not")


@cases_for("is_sparse", "to_dense")
def _sparse(rng):
    def check(b):
        matrix = scipy.sparse.random(3, 4, density=0.5, random_state=1, format="coo")
        assert b.is_sparse(matrix)
        assert not b.is_sparse(b.constant(np.ones(2)))
        dense = b.to_dense(matrix)
        assert b.is_tensor(dense) and not b.is_sparse(dense)
        np.testing.assert_allclose(b.eval(dense), matrix.toarray())
        same = b.to_dense(b.constant(np.ones((2, 2))))
        np.testing.assert_allclose(b.eval(same), np.ones((2, 2)))
    yield CustomCase(check, "scipy.sparse recognised and densified")


def _filled_variable(name, fill):
    def check(b):
        for shape in [(), (3,), (2, 0), (2, 3)]:
            v = getattr(b, name)(shape)
            assert b.dtype(v) == b.floatx() and b.int_shape(v) == shape
            np.testing.assert_array_equal(b.eval(v), np.full(shape, fill))
            b.set_value(v, np.full(shape, 3.0))  # a variable: settable
        v = getattr(b, name)((2,), dtype="int32")
        assert b.dtype(v) == "int32"
    return check


@cases_for("zeros")
def _zeros(rng):
    yield CustomCase(_filled_variable("zeros", 0.0), "variables of zeros")
    yield ErrorCase(args=((2, -1),), match="non-negative")


@cases_for("ones")
def _ones(rng):
    yield CustomCase(_filled_variable("ones", 1.0), "variables of ones")
    yield ErrorCase(args=((2,),), kwargs={"dtype": "str"}, match="dtype")


@cases_for("eye")
def _eye(rng):
    def check(b):
        np.testing.assert_array_equal(b.eval(b.eye(3)), np.eye(3))
        np.testing.assert_array_equal(b.eval(b.eye((2, 4), dtype="int32")), np.eye(2, 4))
        assert b.dtype(b.eye(2)) == b.floatx()
        b.set_value(b.eye(2), np.zeros((2, 2)))
    yield CustomCase(check, "identity variables")


def _constant_fill(out, backend):
    if out.size and not (np.all(out == 0) or np.all(out == 1)):
        raise AssertionError(f"expected a tensor filled with one value, got {out}")


@cases_for("zeros_like", "ones_like")
def _like(rng):
    for dtype in ("float16", "float32", "float64", "int32", "bool"):
        x = _array(rng, (2, 3), dtype)
        yield Case(args=(x,), expected=None, dtype=dtype, shape=(2, 3), check=_constant_fill,
                   label="keeps dtype and shape")
    x = _array(rng, (4,), "float32")
    yield Case(args=(x,), kwargs={"dtype": "int32"}, expected=None, dtype="int32", shape=(4,))


@cases_for("zeros_like")
def _zeros_like_values(rng):
    yield Case(args=(np.ones((2, 0, 3), "float32"),), expected=np.zeros((2, 0, 3)), dtype="float32")
    yield Case(args=(np.ones((3,), "float64"),), expected=np.zeros(3), dtype="float64")


@cases_for("ones_like")
def _ones_like_values(rng):
    yield Case(args=(np.zeros((2, 3), "float32"),), expected=np.ones((2, 3)), dtype="float32")
    yield Case(args=(Var(np.zeros((3,), "float64")),), expected=np.ones(3), dtype="float64")


@cases_for("identity")
def _identity(rng):
    for dtype in FLOAT_DTYPES:
        x = _array(rng, (2, 3), dtype)
        yield Case(args=(x,), expected=x.astype(np.float64), dtype=dtype)

    def of_variable(b):
        v = b.variable(np.arange(3.0))
        np.testing.assert_array_equal(b.eval(b.identity(v)), np.arange(3.0))
        assert b.int_shape(b.identity(v)) == (3,)
    yield CustomCase(of_variable, "of a variable: its current value")


@cases_for("cast")
def _cast(rng):
    x = np.array([-1.7, -0.5, 0.0, 0.5, 2.9], "float32")
    for dtype in ("float16", "float64", "int32", "int64"):
        expected = x.astype(dtype).astype(np.float64)
        yield Case(args=(x, dtype), expected=expected, dtype=dtype)
    yield Case(args=(np.array([0, 1, 2], "int32"), "bool"), expected=np.array([False, True, True]),
               dtype="bool")
    yield Case(args=(np.array([True, False]), "float32"), expected=np.array([1.0, 0.0]),
               dtype="float32")
    yield ErrorCase(args=(x, "float128"), match="dtype")


@cases_for("arange")
def _arange(rng):
    yield Case(args=(5,), expected=np.arange(5), dtype="int32")
    yield Case(args=(2, 11, 3), expected=np.arange(2, 11, 3), dtype="int32")
    yield Case(args=(5, 0, -2), expected=np.arange(5, 0, -2), dtype="int32")
    yield Case(args=(0, 1, 0.25), kwargs={"dtype": "float32"}, expected=np.arange(0, 1, 0.25),
               dtype="float32")
    yield Case(args=(0,), expected=np.zeros(0, np.int64), dtype="int32", label="empty")
    yield ErrorCase(args=(0, 5, 0), match="step")


@cases_for("py_all", "py_sum")
def _python_builtins(rng):
    def check(b):
        assert b.py_all([True, 1, "x"]) is True and b.py_all([1, 0]) is False
        assert b.py_sum([1, 2, 3]) == 6 and b.py_sum([[1], [2]], []) == [1, 2]
    yield CustomCase(check, "Python's all and sum")
