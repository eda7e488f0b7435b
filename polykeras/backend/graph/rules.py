"""Contract-level shape and dtype rules of the API functions, for graph inference.

A rule is called like the function, with each tensor argument replaced by a :class:`Spec`
(its shape, with concrete sizes put in place of unknown dims by :mod:`.inference`, its
dtype and, for small tensors whose values are known while the graph is built, such as
``K.shape(x)``, its values). Python numbers and lists stay as they are. It returns the
:class:`Spec` of the result, or raises the ``ValueError``/``TypeError`` the function raises
for such shapes and dtypes, naming it.

Dtypes follow the dtype rule of docs/ARCHITECTURE.md (``backends/common/dtypes.py``:
``promote``, ``weak_dtype``, ``common_dtype``) and the per-function result dtypes stated
in the contract docstrings. Values are computed for the few functions that shape
arithmetic uses (:data:`VALUES`), on the host, with NumPy as a calculator.

Functions without a rule here are inferred by running the recording backend's own raw
function on stand-ins (:func:`.inference.infer`).
"""

from __future__ import annotations

import dataclasses
import operator

import numpy as np

from polykeras.backend.config import floatx, normalize_data_format
from polykeras.backends.common.dtypes import (
    FLOAT_DTYPES,
    common_dtype,
    is_python_scalar,
    is_weak,
    promote,
    standardize_dtype,
    weak_dtype,
)


@dataclasses.dataclass(frozen=True)
class Spec:
    """A tensor as a rule sees it: concrete ``shape``, Keras ``dtype``, host ``value`` or None."""

    shape: tuple
    dtype: str
    value: np.ndarray | None = None


RULES: dict = {}
#: op -> function computing the result's value on the host from its inputs' values (NumPy).
VALUES: dict = {}


def rule(*names, value=None):
    def register(fn):
        for name in names:
            RULES[name] = fn
            if value is not None:
                VALUES[name] = value
        return fn
    return register


# -- helpers ------------------------------------------------------------------------------

def dtype_of(v) -> str:
    return v.dtype if isinstance(v, Spec) else weak_dtype(v)


def shape_of(v) -> tuple:
    return v.shape if isinstance(v, Spec) else tuple(np.shape(v))


def common(values, fn) -> str:
    """The dtype the values are brought to (the dtype rule); ``None`` values are skipped."""
    return common_dtype([v for v in values if v is not None], dtype_of, fn)


def floating(dtype: str) -> str:
    """``dtype`` if a float dtype, else floatx (integer and bool input of float functions)."""
    return dtype if dtype in FLOAT_DTYPES else floatx()


class Unknown(int):
    """A size put in place of an unknown dim: it matches any size (see :func:`same`)."""


def same(a, b) -> bool:
    """Whether two dims may be equal (an :class:`Unknown` one may be anything)."""
    return a == b or isinstance(a, Unknown) or isinstance(b, Unknown)


def broadcast(fn, *shapes) -> tuple:
    rank = max((len(s) for s in shapes), default=0)
    out = []
    for axis in range(-rank, 0):
        dims = [s[axis] for s in shapes if len(s) >= -axis]
        known = {d for d in dims if not isinstance(d, Unknown)} - {1}
        if len(known) > 1:
            listed = " and ".join(str(tuple(s)) for s in shapes)
            raise ValueError(f"{fn}: Expected shapes that broadcast together. Received: shapes "
                             f"{listed}")
        unknown = [d for d in dims if isinstance(d, Unknown)]
        out.append(known.pop() if known else (unknown[0] if unknown else 1))
    return tuple(out)


def axes_of(axis, ndim, fn, allow_none=True):
    """Keras's ``axis`` argument as a sorted tuple of non-negative axes (all for None)."""
    from polykeras.backends.common.ops import normalize_axes
    axes = normalize_axes(axis, ndim, fn, allow_none=allow_none)
    return tuple(range(ndim)) if axes is None else axes


def one_axis(axis, ndim, fn) -> int:
    return axes_of(axis, ndim, fn, allow_none=False)[0]


def int_list(values, fn, what) -> list:
    """Integers given as a list (of numbers or known scalar tensors), a tuple or a tensor."""
    if isinstance(values, Spec):
        values = known(values, fn, what).reshape(-1).tolist()
    elif isinstance(values, (int, np.integer)):
        values = [values]
    out = []
    for v in values:
        if isinstance(v, Spec):
            v = known(v, fn, what).reshape(-1)[0]
        try:
            out.append(int(v))
        except (TypeError, ValueError):
            raise ValueError(f"{fn}: Expected {what} as integers. Received: {values!r}") from None
    return out


class Unruled(Exception):
    """The rule does not cover these arguments: the function is probed instead."""


class ValueDependentError(ValueError):
    """The result's shape depends on values known only when the function runs (integer inputs
    of unknown value, like a fed ``reshape`` target shape)."""


class ValueNeeded(ValueDependentError):
    """A rule needs the value of a tensor that is known only when the function runs."""


def known(spec: Spec, fn, what) -> np.ndarray:
    if spec.value is None:
        raise ValueNeeded(f"{fn}: Cannot infer the result's shape while building the graph: it "
                          f"depends on the values of {what}, known only when the function runs. "
                          f"Pass them as constants or Python numbers")
    return spec.value


def _numpy(dtype):
    return np.dtype("float32" if dtype == "bfloat16" else dtype)


def tensor(v) -> Spec:
    """A Python number or list as a Spec (the dtype rule's dtype for it alone)."""
    return v if isinstance(v, Spec) else Spec(tuple(np.shape(v)), weak_dtype(v), np.asarray(v))


# -- element-wise -------------------------------------------------------------------------

@rule("abs", "sign", "round", "square", "__neg__", "__pos__", "__abs__", "identity")
def _keep(x, **_):
    x = tensor(x)
    return Spec(x.shape, x.dtype)


VALUES.update({name: (lambda fn: lambda x, **_: fn(x))(fn)  # noqa: B023 - bound by the call
               for name, fn in (
    ("abs", np.abs), ("__abs__", np.abs), ("__neg__", operator.neg), ("__pos__", operator.pos),
    ("identity", operator.pos), ("sign", np.sign), ("square", np.square))})


@rule("cos", "sin", "exp", "log", "sqrt", "relu", "elu", "sigmoid", "hard_sigmoid", "softplus",
      "softsign", "tanh", "l2_normalize", "dropout")
def _float_like(x, **_):
    x = tensor(x)
    return Spec(x.shape, floating(x.dtype))


@rule("softmax")
def _softmax(x, axis=-1):
    x = tensor(x)
    one_axis(axis, len(x.shape), "softmax")
    return Spec(x.shape, floating(x.dtype))


@rule("switch")
def _switch(condition, then_expression, else_expression):
    """The element-wise ``switch`` (a condition of rank >= 1; trailing unit dims added)."""
    condition, then_value, else_value = (tensor(v) for v in (condition, then_expression,
                                                            else_expression))
    rank = len(then_value.shape)
    if len(condition.shape) > rank:
        raise ValueError(
            "switch: Expected a condition of rank <= the rank of then_expression and "
            f"else_expression. Received: ndim(condition)={len(condition.shape)}, "
            f"ndim(then_expression)={rank}")
    cond_shape = condition.shape + (1,) * (rank - len(condition.shape)) * bool(condition.shape)
    shape = broadcast("switch", cond_shape, then_value.shape, else_value.shape)
    return Spec(shape, promote(then_value.dtype, else_value.dtype))


@rule("cast", value=lambda x, dtype: x)
def _cast(x, dtype):
    return Spec(shape_of(x), standardize_dtype(dtype, "cast"))


_COMPARISONS = ("equal", "not_equal", "greater", "greater_equal", "less", "less_equal")


@rule(*_COMPARISONS)
def _comparison(x, y, _fn="comparison"):
    common([x, y], _fn)
    return Spec(broadcast(_fn, shape_of(x), shape_of(y)), "bool")


@rule("maximum", "minimum", value=None)
def _extremum(x, y, _fn="maximum"):
    return Spec(broadcast(_fn, shape_of(x), shape_of(y)), common([x, y], _fn))


VALUES.update({"maximum": lambda x, y: np.maximum(x, y), "minimum": lambda x, y: np.minimum(x, y)})


@rule("clip")
def _clip(x, min_value, max_value):
    shapes = [shape_of(v) for v in (x, min_value, max_value) if v is not None]
    return Spec(broadcast("clip", *shapes), common([x, min_value, max_value], "clip"))


@rule("pow")
def _pow(x, a):
    x = tensor(x)
    if is_python_scalar(a):
        if x.dtype not in FLOAT_DTYPES and (isinstance(a, float) or a < 0):
            return Spec(x.shape, floatx())
        return Spec(x.shape, x.dtype)
    return Spec(broadcast("pow", x.shape, shape_of(a)), common([x, a], "pow"))


def _operands_dtype(x, y) -> str:
    """The dtype the Python operators bring both operands to (``common/symbolic.operands``)."""
    for number, other in ((x, y), (y, x)):
        if is_python_scalar(number) and isinstance(other, Spec):
            if other.dtype == "bool" and not isinstance(number, bool):
                return floatx() if isinstance(number, float) else "int32"
            if isinstance(number, float) and other.dtype not in FLOAT_DTYPES:
                return floatx()
            return other.dtype
    if is_weak(x) or is_weak(y):
        return common([x, y], "operator")
    return promote(x.dtype, y.dtype)


_ARITHMETIC = ("__add__", "__sub__", "__mul__", "__floordiv__", "__mod__", "__pow__")


@rule(*_ARITHMETIC)
def _arithmetic(x, y):
    return Spec(broadcast("operator", shape_of(x), shape_of(y)), _operands_dtype(x, y))


@rule("__truediv__")
def _truediv(x, y):
    return Spec(broadcast("operator", shape_of(x), shape_of(y)), floating(_operands_dtype(x, y)))


@rule("__lt__", "__le__", "__gt__", "__ge__")
def _operator_comparison(x, y):
    return Spec(broadcast("operator", shape_of(x), shape_of(y)), "bool")


VALUES.update({name: (lambda fn: lambda x, y: fn(x, y))(fn)  # noqa: B023 - bound by the call
               for name, fn in (
    ("__add__", operator.add), ("__sub__", operator.sub), ("__mul__", operator.mul),
    ("__floordiv__", operator.floordiv), ("__mod__", operator.mod), ("__pow__", operator.pow),
    ("__truediv__", operator.truediv), ("__lt__", operator.lt), ("__le__", operator.le),
    ("__gt__", operator.gt), ("__ge__", operator.ge))})


@rule("__matmul__")
def _matmul(x, y):
    xs, ys = shape_of(x), shape_of(y)
    if not xs or not ys:
        raise ValueError(f"matmul: Expected operands of rank >= 1. Received: shapes {xs} and {ys}")
    x2, y2 = (xs if len(xs) > 1 else (1,) + xs), (ys if len(ys) > 1 else ys + (1,))
    if not same(x2[-1], y2[-2]):
        raise ValueError(f"matmul: Expected x's last dimension to equal y's dimension -2. "
                         f"Received: shapes {xs} and {ys}")
    batch = broadcast("matmul", x2[:-2], y2[:-2])
    out = batch + (x2[-2],) * (len(xs) > 1) + (y2[-1],) * (len(ys) > 1)
    return Spec(out, _operands_dtype(x, y))


def _zero_strided(shape):
    """An array of ``shape`` that takes no memory (for working out what an index selects)."""
    return np.lib.stride_tricks.as_strided(np.zeros(1, np.int8), shape, (0,) * len(shape))


def _index_key(key):
    if isinstance(key, Spec):  # an index of unknown values stands in as zeros (its shape counts)
        return key.value if key.value is not None else np.zeros(key.shape, _numpy(key.dtype))
    if isinstance(key, tuple):
        return tuple(_index_key(k) for k in key)
    if isinstance(key, list):
        return [_index_key(k) for k in key]
    if isinstance(key, slice):
        return slice(*(_index_key(v) for v in (key.start, key.stop, key.step)))
    return key


@rule("__getitem__", value=lambda x, key: x[key])
def _getitem(x, key):
    """NumPy's indexing (basic and advanced), which the three frameworks follow."""
    x = tensor(x)
    try:
        shape = _zero_strided(x.shape)[_index_key(key)].shape
    except IndexError as exc:
        raise IndexError(f"__getitem__: {exc}. Received: shape {x.shape}, key {key!r}") from None
    return Spec(tuple(shape), x.dtype)


@rule("zeros_like", "ones_like")
def _filled_like(x, dtype=None, name=None):
    x = tensor(x)
    return Spec(x.shape, standardize_dtype(dtype, "zeros_like") if dtype else x.dtype)


@rule("shape")
def _shape(x):
    x = tensor(x)
    return Spec((len(x.shape),), "int32", np.asarray(x.shape, np.int32))


# -- reductions ---------------------------------------------------------------------------

def _reduced(shape, axes, keepdims):
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _reduction(fn, result_dtype, nonempty=False):
    def reduce(x, axis=None, keepdims=False):
        x = tensor(x)
        axes = axes_of(axis, len(x.shape), fn)
        if nonempty and 0 in [x.shape[a] for a in axes]:
            raise ValueError(f"{fn}: Expected a non-empty reduction. Received: a tensor of shape "
                             f"{x.shape} reduced over axis={axis!r}")
        return Spec(_reduced(x.shape, axes, keepdims), result_dtype(x.dtype))
    RULES[fn] = reduce


for _fn in ("sum", "prod"):
    _reduction(_fn, lambda d: "int32" if d == "bool" else d)
for _fn in ("mean", "std", "var", "logsumexp"):
    _reduction(_fn, floating)
for _fn in ("max", "min"):
    _reduction(_fn, lambda d: d, nonempty=True)
for _fn in ("any", "all"):
    _reduction(_fn, lambda d: "bool")
VALUES.update({"sum": lambda x, axis=None,
               keepdims=False: np.sum(x, axis=_np_axis(axis), keepdims=keepdims),
               "prod": lambda x, axis=None,
               keepdims=False: np.prod(x, axis=_np_axis(axis), keepdims=keepdims)})


def _np_axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


@rule("argmax", "argmin")
def _arg_extremum(x, axis=-1, _fn="argmax"):
    x = tensor(x)
    a = one_axis(axis, len(x.shape), _fn)
    if x.shape[a] == 0:
        raise ValueError(f"{_fn}: Expected a non-empty reduction. Received: a tensor of shape "
                         f"{x.shape} reduced over axis={axis!r}")
    return Spec(_reduced(x.shape, (a,), False), "int64")


@rule("cumsum", "cumprod")
def _cumulative(x, axis=0, _fn="cumsum"):
    x = tensor(x)
    one_axis(axis, len(x.shape), _fn)
    return Spec(x.shape, "int32" if x.dtype == "bool" else x.dtype)


@rule("dot")
def _dot(x, y):
    dtype = common([x, y], "dot")
    if dtype == "bool":
        raise TypeError("dot: Expected tensors of a numeric dtype. Received: bool tensors "
                        "(cast them with K.cast)")
    xs, ys = shape_of(x), shape_of(y)
    if not xs or not ys:
        raise ValueError(f"dot: Expected tensors of rank >= 1. Received: shapes {xs} and {ys}")
    y_axis = len(ys) - 2 if len(ys) >= 2 else 0
    if not same(xs[-1], ys[y_axis]):
        raise ValueError(f"dot: Expected x's last dimension to equal y's dimension "
                         f"{y_axis - len(ys)}. Received: shapes {xs} and {ys}")
    return Spec(xs[:-1] + ys[:y_axis] + ys[y_axis + 1:], dtype)


# -- manipulation -------------------------------------------------------------------------

@rule("reshape", value=lambda x, shape: np.reshape(x, shape))
def _reshape(x, shape):
    x = tensor(x)
    dims = int_list(shape, "reshape", "a shape")
    size = int(np.prod(x.shape, dtype=np.int64))
    known_size = int(np.prod([d for d in dims if d != -1], dtype=np.int64))
    unknown = dims.count(-1)
    if unknown > 1 or any(d < -1 for d in dims) or (unknown == 0 and known_size != size) or (
            unknown == 1 and (known_size == 0 or size % known_size)):
        raise ValueError(f"reshape: Expected a shape with {size} elements (at most one -1). "
                         f"Received: shape={tuple(dims)} for a tensor of shape {x.shape}")
    return Spec(tuple(size // known_size if d == -1 else d for d in dims), x.dtype)


@rule("flatten", value=lambda x: np.reshape(x, (-1,)))
def _flatten(x):
    x = tensor(x)
    return Spec((int(np.prod(x.shape, dtype=np.int64)),), x.dtype)


@rule("batch_flatten")
def _batch_flatten(x):
    x = tensor(x)
    if not x.shape:
        raise ValueError("batch_flatten: Expected a tensor of rank >= 1. Received: a scalar")
    return Spec((x.shape[0], int(np.prod(x.shape[1:], dtype=np.int64))), x.dtype)


@rule("transpose")
def _transpose(x):
    x = tensor(x)
    return Spec(tuple(reversed(x.shape)), x.dtype)


@rule("permute_dimensions")
def _permute_dimensions(x, pattern):
    x = tensor(x)
    pattern = int_list(pattern, "permute_dimensions", "a pattern")
    rank = len(x.shape)
    if sorted(p % max(rank, 1) for p in pattern) != list(range(rank)):
        raise ValueError(f"permute_dimensions: Expected a permutation of range({rank}). "
                         f"Received: pattern={tuple(pattern)}")
    return Spec(tuple(x.shape[p % rank] for p in pattern), x.dtype)


@rule("expand_dims", value=lambda x, axis=-1: np.expand_dims(x, axis))
def _expand_dims(x, axis=-1):
    x = tensor(x)
    a = one_axis(axis, len(x.shape) + 1, "expand_dims")
    return Spec(x.shape[:a] + (1,) + x.shape[a:], x.dtype)


@rule("squeeze")
def _squeeze(x, axis):
    x = tensor(x)
    a = one_axis(axis, len(x.shape), "squeeze")
    if x.shape[a] != 1:
        raise ValueError(f"squeeze: Expected axis {a} of size 1. Received: shape {x.shape}")
    return Spec(x.shape[:a] + x.shape[a + 1:], x.dtype)


@rule("concatenate", value=lambda tensors, axis=-1: np.concatenate(tensors, axis))
def _concatenate(tensors, axis=-1):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("concatenate: Expected at least one tensor. Received: an empty list")
    dtype = common(tensors, "concatenate")
    shapes = [shape_of(t) for t in tensors]
    rank = len(shapes[0])
    a = one_axis(axis, rank, "concatenate")
    for s in shapes:
        if len(s) != rank or any(not same(p, q) for i, (p, q) in enumerate(zip(s, shapes[0]))
                                 if i != a):
            raise ValueError(f"concatenate: Expected tensors with equal shapes except on axis "
                             f"{a}. Received: shapes {shapes}")
    return Spec(shapes[0][:a] + (sum(s[a] for s in shapes),) + shapes[0][a + 1:], dtype)


@rule("stack", value=lambda x, axis=0: np.stack(x, axis))
def _stack(x, axis=0):
    tensors = list(x)
    if not tensors:
        raise ValueError("stack: Expected at least one tensor. Received: an empty list")
    dtype = common(tensors, "stack")
    shapes = [shape_of(t) for t in tensors]
    if any(len(s) != len(shapes[0]) or not all(map(same, s, shapes[0])) for s in shapes):
        raise ValueError(f"stack: Expected tensors of equal shapes. Received: shapes {shapes}")
    a = one_axis(axis, len(shapes[0]) + 1, "stack")
    return Spec(shapes[0][:a] + (len(tensors),) + shapes[0][a:], dtype)


@rule("tile")
def _tile(x, n):
    x = tensor(x)
    reps = int_list(n, "tile", "repetitions")
    if len(reps) != len(x.shape) and not (len(x.shape) == 0 and len(reps) == 1):
        raise ValueError(f"tile: Expected {len(x.shape)} repetitions (one per axis). Received: "
                         f"n={n!r}")
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: Expected non-negative repetitions. Received: n={n!r}")
    shape = x.shape or (1,)
    return Spec(tuple(d * r for d, r in zip(shape, reps)), x.dtype)


@rule("repeat")
def _repeat(x, n):
    x = tensor(x)
    if len(x.shape) != 2:
        raise ValueError(f"repeat: Expected a 2-D tensor. Received: shape {x.shape}")
    return Spec((x.shape[0], int_list(n, "repeat", "n")[0], x.shape[1]), x.dtype)


@rule("repeat_elements")
def _repeat_elements(x, rep, axis):
    x = tensor(x)
    a = one_axis(axis, len(x.shape), "repeat_elements")
    rep = int_list(rep, "repeat_elements", "rep")[0]
    if rep < 0:
        raise ValueError(f"repeat_elements: Expected rep >= 0. Received: rep={rep!r}")
    return Spec(x.shape[:a] + (x.shape[a] * rep,) + x.shape[a + 1:], x.dtype)


@rule("reverse")
def _reverse(x, axes):
    x = tensor(x)
    axes_of(axes, len(x.shape), "reverse", allow_none=False)
    return Spec(x.shape, x.dtype)


@rule("one_hot")
def _one_hot(indices, num_classes):
    indices = tensor(indices)
    if indices.dtype in FLOAT_DTYPES or indices.dtype == "bool":
        raise TypeError(f"one_hot: Expected indices of an integer dtype. Received: dtype "
                        f"{indices.dtype}")
    classes = int_list(num_classes, "one_hot", "num_classes")[0]
    if classes < 1:
        raise ValueError("one_hot: Expected num_classes >= 1. Received: "
                         f"num_classes={num_classes!r}")
    return Spec(indices.shape + (classes,), floatx())


@rule("gather", value=lambda reference, indices: np.take(reference, indices, axis=0))
def _gather(reference, indices):
    reference, indices = tensor(reference), tensor(indices)
    if not reference.shape:
        raise ValueError("gather: Expected a reference of rank >= 1. Received: a scalar")
    if indices.dtype in FLOAT_DTYPES or indices.dtype == "bool":
        raise TypeError(f"gather: Expected indices of an integer dtype. Received: dtype "
                        f"{indices.dtype}")
    return Spec(indices.shape + reference.shape[1:], reference.dtype)


# -- nn -------------------------------------------------------------------------------------

@rule("bias_add")
def _bias_add(x, bias, data_format=None):
    x = tensor(x)
    if x.dtype not in FLOAT_DTYPES:
        raise Unruled("bias_add")
    normalize_data_format(data_format)
    return Spec(x.shape, x.dtype)


@rule("batch_normalization")
def _batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    x = tensor(x)
    if x.dtype not in FLOAT_DTYPES:
        raise Unruled("batch_normalization")
    return Spec(x.shape, x.dtype)


def _conv_output(size, window, stride, padding, dilation, fn):
    effective = (window - 1) * dilation + 1
    if padding == "valid":
        if size < effective:
            raise ValueError(f"{fn}: Expected inputs at least as large as the window "
                             f"({effective}) with padding='valid'. Received: size {size}")
        return (size - effective) // stride + 1
    if padding == "same":
        return -(-size // stride)
    if padding == "causal":
        return (size - 1) // stride + 1
    raise ValueError(f"{fn}: Expected padding in {{'valid', 'same'}}. "
                     f"Received: padding={padding!r}")


def _tuple(value, n, fn, what):
    values = [value] * n if isinstance(value, (int, np.integer)) else list(value)
    if len(values) != n:
        raise ValueError(f"{fn}: Expected {what} of length {n}. Received: {what}={value!r}")
    return [int(v) for v in values]


def _spatial(x, fn, rank, data_format):
    """(batch, spatial dims, channels) of ``x`` for ``data_format``."""
    if len(x.shape) != rank + 2:
        raise ValueError(f"{fn}: Expected a {rank + 2}-D input. Received: shape {x.shape}")
    if data_format == "channels_last":
        return x.shape[0], x.shape[1:-1], x.shape[-1]
    return x.shape[0], x.shape[2:], x.shape[1]


def _assemble(batch, spatial, channels, data_format):
    if data_format == "channels_last":
        return (batch,) + tuple(spatial) + (channels,)
    return (batch, channels) + tuple(spatial)


def _conv_rule(fn, rank):
    def conv(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
        x, kernel = tensor(x), tensor(kernel)
        if x.dtype not in FLOAT_DTYPES:
            raise Unruled(fn)
        data_format = normalize_data_format(data_format)
        batch, spatial, channels = _spatial(x, fn, rank, data_format)
        if len(kernel.shape) != rank + 2 or kernel.shape[-2] != channels:
            raise ValueError(f"{fn}: Expected a kernel of shape (*kernel_size, {channels}, "
                             f"filters). Received: kernel of shape {kernel.shape} for input "
                             f"of shape {x.shape}")
        strides = _tuple(strides, rank, fn, "strides")
        dilation = _tuple(dilation_rate, rank, fn, "dilation_rate")
        out = [_conv_output(s, k, st, padding, d, fn)
               for s, k, st, d in zip(spatial, kernel.shape[:rank], strides, dilation)]
        return Spec(_assemble(batch, out, kernel.shape[-1], data_format), x.dtype)
    RULES[fn] = conv


_conv_rule("conv1d", 1)
_conv_rule("conv2d", 2)
_conv_rule("conv3d", 3)


def _pool_rule(fn, rank):
    def pool(x, pool_size, strides=None, padding="valid", data_format=None, pool_mode="max"):
        x = tensor(x)
        if x.dtype not in FLOAT_DTYPES:
            raise Unruled(fn)
        data_format = normalize_data_format(data_format)
        if pool_mode not in ("max", "avg"):
            raise ValueError(f"{fn}: Expected pool_mode in {{'max', 'avg'}}. Received: "
                             f"pool_mode={pool_mode!r}")
        batch, spatial, channels = _spatial(x, fn, rank, data_format)
        window = _tuple(pool_size, rank, fn, "pool_size")
        strides = _tuple(strides if strides is not None else pool_size, rank, fn, "strides")
        out = [_conv_output(s, w, st, padding, 1, fn) for s, w, st in zip(spatial, window, strides)]
        return Spec(_assemble(batch, out, channels, data_format), x.dtype)
    RULES[fn] = pool


_pool_rule("pool2d", 2)
_pool_rule("pool3d", 3)


# -- losses ---------------------------------------------------------------------------------

@rule("categorical_crossentropy")
def _categorical_crossentropy(target, output, from_logits=False, axis=-1):
    output = tensor(output)
    target_shape = shape_of(target)
    if len(target_shape) != len(output.shape) or not all(map(same, target_shape, output.shape)):
        raise ValueError(f"categorical_crossentropy: Expected target and output of equal shapes. "
                         f"Received: shapes {shape_of(target)} and {output.shape}")
    a = one_axis(axis, len(output.shape), "categorical_crossentropy")
    return Spec(_reduced(output.shape, (a,), False), floating(output.dtype))


@rule("sparse_categorical_crossentropy")
def _sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    output = tensor(output)
    a = one_axis(axis, len(output.shape), "sparse_categorical_crossentropy")
    batch_shape = _reduced(output.shape, (a,), False)
    target_shape = shape_of(target)
    def matches(shape):
        return len(shape) == len(target_shape) and all(map(same, target_shape, shape))
    if not (matches(batch_shape) or matches(batch_shape + (1,)) or any(
            isinstance(d, Unknown) for d in target_shape + batch_shape)
            or int(np.prod(target_shape)) == int(np.prod(batch_shape))):
        raise ValueError("sparse_categorical_crossentropy: Expected target of shape "
                         f"{batch_shape} (output's shape without the class axis). "
                         f"Received: target of shape {target_shape}")
    return Spec(batch_shape, floating(output.dtype))


@rule("binary_crossentropy")
def _binary_crossentropy(target, output, from_logits=False):
    output = tensor(output)
    shape = broadcast("binary_crossentropy", shape_of(target), output.shape)
    return Spec(shape, floating(output.dtype))


# the comparison and extremum rules name the function in their errors
for _name in _COMPARISONS + ("maximum", "minimum"):
    RULES[_name] = (lambda fn, name: lambda x, y: fn(x, y, _fn=name))(RULES[_name], _name)
for _name in ("argmax", "argmin"):
    RULES[_name] = (lambda name: lambda x, axis=-1: _arg_extremum(x, axis, _fn=name))(_name)
for _name in ("cumsum", "cumprod"):
    RULES[_name] = (lambda name: lambda x, axis=0: _cumulative(x, axis, _fn=name))(_name)
del _name, _fn
