"""Math on tensors, written once over an Array-API namespace (``ops.xp``).

Dtype rules shared by every backend: element-wise functions keep the input
dtype (transcendental functions turn integer input into floatx); reductions
keep it except ``mean``/``std``/``var`` (floatx for integer or bool input),
``any``/``all`` (bool) and ``argmax``/``argmin`` (int64); comparisons return
bool. A Python number combined with a tensor takes the tensor's dtype.
"""

from __future__ import annotations

from polykeras.backend.config import floatx

from .ops import normalize_axes, normalize_axis, unify

UNARY = ("abs", "cos", "sin", "exp", "log", "sqrt", "square", "sign", "round")
BINARY = ("equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
          "maximum", "minimum")
REDUCTIONS = ("sum", "prod", "mean", "max", "min", "std", "var", "any", "all")
__all__ = list(UNARY + BINARY + REDUCTIONS) + [
    "argmax", "argmin", "clip", "pow", "cumsum", "cumprod", "logsumexp", "l2_normalize",
    "dot", "batch_dot"]


def _tensor(ops, x):
    return ops.as_tensor(x)


_NATIVE_FLOATS = {}  # id(ops) -> the backend's float dtype objects


def _native_floats(ops):
    floats = []
    for name in ("float32", "float64", "float16", "bfloat16"):  # the common ones first
        try:
            floats.append(ops.native_dtype(name))
        except (TypeError, KeyError, AttributeError):
            pass  # a dtype the backend does not have
    _NATIVE_FLOATS[id(ops)] = floats = tuple(floats)
    return floats


def _float(ops, x):
    """``x`` as a tensor, integer/bool input cast to floatx."""
    if type(x) in ops.tensor_types:
        floats = _NATIVE_FLOATS.get(id(ops)) or _native_floats(ops)
        if x.dtype in floats:
            return x  # already a float tensor of this backend (the common case)
    x = ops.as_tensor(x)
    if ops.keras_dtype(x) not in ("float16", "bfloat16", "float32", "float64"):
        x = ops.xp.astype(x, ops.native_dtype(floatx()))
    return x


def _is_python_number(v):
    return isinstance(v, (int, float, bool)) and not hasattr(v, "shape")


def _pair(ops, x, y, fn):
    """Two operands as tensors of one dtype, by the dtype rule (``ops.unify``): a Python number
    or list takes the tensor's dtype (floatx for a float with an integer tensor)."""
    if type(x) is type(y) and type(x) in ops.tensor_types and x.dtype == y.dtype:
        return x, y
    return unify(ops, [x, y], fn)


def _broadcast_check(ops, fn, x, y):
    xs, ys = ops.shape_of(x), ops.shape_of(y)
    for a, b in zip(reversed(xs), reversed(ys)):
        if a != b and a != 1 and b != 1:
            raise ValueError(f"{fn}: Expected shapes that broadcast together. "
                             f"Received: shapes {xs} and {ys}")


# -- element-wise ---------------------------------------------------------------

def abs(ops, x):
    x = _tensor(ops, x)
    if ops.keras_dtype(x) == "bool":  # |b| is b (PyTorch has no abs of bools)
        return ops.xp.asarray(x, copy=True)
    return ops.xp.abs(x)


def square(ops, x):
    x = _tensor(ops, x)
    return x * x


def sign(ops, x):
    x = _tensor(ops, x)
    if ops.keras_dtype(x) == "bool":  # sign(b) is b
        return ops.xp.asarray(x, copy=True)
    return ops.xp.sign(x)


def round(ops, x):
    """Round half to even, like TensorFlow."""
    x = _tensor(ops, x)
    if ops.keras_dtype(x) in ("float16", "bfloat16", "float32", "float64"):
        return ops.xp.round(x)
    return x


def cos(ops, x):
    return ops.xp.cos(_float(ops, x))


def sin(ops, x):
    return ops.xp.sin(_float(ops, x))


def exp(ops, x):
    return ops.xp.exp(_float(ops, x))


def log(ops, x):
    return ops.xp.log(_float(ops, x))


def sqrt(ops, x):
    """Square root, negative inputs clipped to 0 first (as Keras does)."""
    x = _float(ops, x)
    return ops.xp.sqrt(ops.xp.clip(x, 0.0, None))


def pow(ops, x, a):
    x = _tensor(ops, x)
    if _is_python_number(a):
        if ops.keras_dtype(x) not in ("float16", "bfloat16", "float32", "float64") and (
                isinstance(a, float) or a < 0):
            x = _float(ops, x)
        return x ** a
    x, a = _pair(ops, x, a, "pow")
    return ops.xp.pow(x, a)


def clip(ops, x, min_value, max_value):
    """Clip to [min_value, max_value]; max < min uses max = min; None means unbounded."""
    x = _tensor(ops, x)
    xp = ops.xp
    if min_value is None and max_value is None:
        return x
    if _is_python_number(min_value) and _is_python_number(max_value) and max_value < min_value:
        max_value = min_value
    out = x
    if min_value is not None:
        out = xp.maximum(*_pair(ops, out, min_value, "clip"))
    if max_value is not None:
        if min_value is not None and not _is_python_number(max_value):
            max_value = xp.maximum(*_pair(ops, max_value, min_value, "clip"))
        out = xp.minimum(*_pair(ops, out, max_value, "clip"))
    return out


def _binary(name):
    def fn(ops, x, y):
        x, y = _pair(ops, x, y, name)
        _broadcast_check(ops, name, x, y)
        return getattr(ops.xp, name)(x, y)
    fn.__name__ = name
    fn.__qualname__ = name
    return fn


equal = _binary("equal")
not_equal = _binary("not_equal")
greater = _binary("greater")
greater_equal = _binary("greater_equal")
less = _binary("less")
less_equal = _binary("less_equal")
maximum = _binary("maximum")
minimum = _binary("minimum")


# -- reductions -------------------------------------------------------------------

def _reduce(ops, fn, x, axis, keepdims, **kw):
    axes = normalize_axes(axis, len(x.shape), fn)
    return getattr(ops.xp, fn)(x, axis=axes, keepdims=keepdims, **kw)


def sum(ops, x, axis=None, keepdims=False):
    x = _tensor(ops, x)
    if ops.keras_dtype(x) == "bool":
        x = ops.xp.astype(x, ops.native_dtype("int32"))
    return _reduce(ops, "sum", x, axis, keepdims, dtype=x.dtype)


def prod(ops, x, axis=None, keepdims=False):
    x = _tensor(ops, x)
    if ops.keras_dtype(x) == "bool":
        x = ops.xp.astype(x, ops.native_dtype("int32"))
    return _reduce(ops, "prod", x, axis, keepdims, dtype=x.dtype)


def mean(ops, x, axis=None, keepdims=False):
    return _reduce(ops, "mean", _float(ops, x), axis, keepdims)


def var(ops, x, axis=None, keepdims=False):
    return _reduce(ops, "var", _float(ops, x), axis, keepdims)


def std(ops, x, axis=None, keepdims=False):
    return _reduce(ops, "std", _float(ops, x), axis, keepdims)


def max(ops, x, axis=None, keepdims=False):
    x = _tensor(ops, x)
    _check_nonempty(ops, "max", x, axis)
    return _reduce(ops, "max", x, axis, keepdims)


def min(ops, x, axis=None, keepdims=False):
    x = _tensor(ops, x)
    _check_nonempty(ops, "min", x, axis)
    return _reduce(ops, "min", x, axis, keepdims)


def _check_nonempty(ops, fn, x, axis):
    shape = ops.shape_of(x)
    axes = normalize_axes(axis, len(shape), fn)
    reduced = range(len(shape)) if axes is None else axes
    if 0 in [shape[a] for a in reduced]:
        raise ValueError(f"{fn}: Expected a non-empty reduction. Received: a tensor of shape "
                         f"{shape} reduced over axis={axis!r}")


def any(ops, x, axis=None, keepdims=False):
    x = ops.xp.astype(_tensor(ops, x), ops.native_dtype("bool"))
    return _reduce(ops, "any", x, axis, keepdims)


def all(ops, x, axis=None, keepdims=False):
    x = ops.xp.astype(_tensor(ops, x), ops.native_dtype("bool"))
    return _reduce(ops, "all", x, axis, keepdims)


def _arg_extremum(ops, fn, x, axis):
    """``argmax``/``argmin`` (``fn``) along one axis, as int64."""
    x = _tensor(ops, x)
    axis = normalize_axis(axis, len(x.shape), fn)
    _check_nonempty(ops, fn, x, axis)
    if ops.keras_dtype(x) == "bool":  # PyTorch has no arg-extremum of bools
        x = ops.xp.astype(x, ops.native_dtype("int32"))
    return ops.xp.astype(getattr(ops.xp, fn)(x, axis=axis), ops.native_dtype("int64"))


def argmax(ops, x, axis=-1):
    return _arg_extremum(ops, "argmax", x, axis)


def argmin(ops, x, axis=-1):
    return _arg_extremum(ops, "argmin", x, axis)


def _cumulative(ops, fn, x, axis):
    """``cumsum``/``cumprod`` (``fn``) along ``axis``; bools count as int32, as in sum/prod."""
    x = _tensor(ops, x)
    axis = normalize_axis(axis, len(x.shape), fn)
    if ops.keras_dtype(x) == "bool":
        x = ops.xp.astype(x, ops.native_dtype("int32"))
    kernel = ops.xp.cumulative_sum if fn == "cumsum" else ops.xp.cumulative_prod
    return kernel(x, axis=axis, dtype=x.dtype)


def cumsum(ops, x, axis=0):
    return _cumulative(ops, "cumsum", x, axis)


def cumprod(ops, x, axis=0):
    return _cumulative(ops, "cumprod", x, axis)


def logsumexp(ops, x, axis=None, keepdims=False):
    """log(sum(exp(x))), stable for large inputs (the maximum is subtracted first)."""
    xp = ops.xp
    x = _float(ops, x)
    axes = normalize_axes(axis, len(x.shape), "logsumexp")
    if 0 in ops.shape_of(x):
        return xp.log(xp.sum(xp.exp(x), axis=axes, keepdims=keepdims))
    peak = xp.max(x, axis=axes, keepdims=True)
    peak = xp.where(xp.isfinite(peak), peak, xp.zeros_like(peak))
    out = xp.log(xp.sum(xp.exp(x - peak), axis=axes, keepdims=True)) + peak
    if not keepdims:
        out = xp.squeeze(out, axis=axes if axes is not None else tuple(range(len(x.shape))))
    return out


def l2_normalize(ops, x, axis=None):
    """x / sqrt(max(sum(x**2, axis), 1e-12))."""
    xp = ops.xp
    x = _float(ops, x)
    axes = normalize_axes(axis, len(x.shape), "l2_normalize")
    square_sum = xp.sum(x * x, axis=axes, keepdims=True)
    return x / xp.sqrt(xp.maximum(square_sum, ops.as_tensor(1e-12, ops.keras_dtype(x))))


# -- products -------------------------------------------------------------------------

def dot(ops, x, y):
    """Keras 2.2 ``dot``: contracts x's last axis with y's second-to-last (last if 1-D).

    Result shape: ``x.shape[:-1] + y.shape[:-2] + y.shape[-1:]``.
    """
    if type(x) is type(y) and type(x) in ops.tensor_types and x.dtype == y.dtype \
            and len(x.shape) == 2 and len(y.shape) == 2 and x.shape[1] == y.shape[0] \
            and ops.keras_dtype(x) != "bool":
        return x @ y  # the common case, without the checks below (it passes them all)
    x, y = _pair(ops, x, y, "dot")
    _check_numeric(ops, "dot", x)
    xs, ys = ops.shape_of(x), ops.shape_of(y)
    if len(xs) == 0 or len(ys) == 0:
        raise ValueError(f"dot: Expected tensors of rank >= 1. Received: shapes {xs} and {ys}")
    y_axis = len(ys) - 2 if len(ys) >= 2 else 0
    if xs[-1] != ys[y_axis]:
        raise ValueError(
            f"dot: Expected x's last dimension to equal y's dimension {y_axis - len(ys)}. "
            f"Received: shapes {xs} and {ys}")
    if len(xs) == 2 and len(ys) == 2:
        # the operator: array_api_compat's matmul wrapper costs more than the product here
        return x @ y
    return ops.xp.tensordot(x, y, axes=([len(xs) - 1], [y_axis]))


def batch_dot(ops, x, y, axes=None):
    """Keras 2.2 ``batch_dot``: per-sample dot over ``axes``; rank-1 results get a trailing 1.

    ``axes`` is an int (same axis of both) or a pair; default ``(ndim(x) - 1, ndim(y) - 2)``.
    Result shape: ``(batch,) + x's other dims + y's other dims``.
    """
    x, y = _pair(ops, x, y, "batch_dot")
    _check_numeric(ops, "batch_dot", x)
    xp = ops.xp
    xs, ys = ops.shape_of(x), ops.shape_of(y)
    if len(xs) < 2 or len(ys) < 2:
        raise ValueError(f"batch_dot: Expected tensors of rank >= 2. "
                         f"Received: shapes {xs} and {ys}")
    if axes is None:
        axes = (len(xs) - 1, len(ys) - 2) if len(ys) > 2 else (len(xs) - 1, len(ys) - 1)
    elif isinstance(axes, int):
        axes = (axes, axes)
    if len(axes) != 2:
        raise ValueError(f"batch_dot: Expected axes to be an int or a pair. "
                         f"Received: axes={axes!r}")
    ax = normalize_axis(axes[0], len(xs), "batch_dot")
    ay = normalize_axis(axes[1], len(ys), "batch_dot")
    if ax == 0 or ay == 0:
        raise ValueError("batch_dot: Expected axes other than the batch axis 0. Received: "
                         f"axes={axes!r}")
    if xs[0] != ys[0]:
        raise ValueError(f"batch_dot: Expected equal batch sizes. Received: shapes {xs} and {ys}")
    if xs[ax] != ys[ay]:
        raise ValueError(f"batch_dot: Expected x's axis {ax} and y's axis {ay} to have equal "
                         f"sizes. Received: shapes {xs} and {ys}")
    x_rest = [d for i, d in enumerate(xs) if i not in (0, ax)]
    y_rest = [d for i, d in enumerate(ys) if i not in (0, ay)]
    x2 = xp.reshape(xp.moveaxis(x, ax, -1), (xs[0], _prod(x_rest), xs[ax]))
    y2 = xp.reshape(xp.moveaxis(y, ay, 1), (ys[0], ys[ay], _prod(y_rest)))
    out = xp.reshape(xp.matmul(x2, y2), (xs[0], *x_rest, *y_rest))
    if len(out.shape) == 1:
        out = xp.reshape(out, (xs[0], 1))
    return out


def _check_numeric(ops, fn, x):
    """Products of bools are refused, as by TensorFlow's matmul (PyTorch has none)."""
    if ops.keras_dtype(x) == "bool":
        raise TypeError(f"{fn}: Expected tensors of a numeric dtype. Received: bool tensors "
                        f"(cast them with K.cast)")


def _prod(dims):
    out = 1
    for d in dims:
        out *= d
    return out


