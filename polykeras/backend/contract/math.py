"""Contract: math -- element-wise functions, comparisons, reductions and products.

Every tensor argument also accepts a variable, a NumPy array or a number.
"""

from ._declare import api


@api("core", differentiable=('x',), elementwise=True)
def abs(x):
    """Element-wise absolute value.

    Returns:
        Tensor of the shape and dtype of ``x``.
    """


@api("core")
def all(x, axis=None, keepdims=False):
    """Logical AND of ``x`` (cast to bool) along ``axis``.

    Args:
        axis: None (all axes), an int (negative counts from the end) or a list of ints.
        keepdims: keep reduced axes with length 1.

    Returns:
        bool tensor.

    Raises:
        ValueError: an axis out of range or repeated (message names ``all``).
    """


@api("core")
def any(x, axis=None, keepdims=False):
    """Logical OR of ``x`` (cast to bool) along ``axis``.

    Args:
        axis: None, an int (negative counts from the end) or a list of ints.
        keepdims: keep reduced axes with length 1.

    Returns:
        bool tensor.

    Raises:
        ValueError: an axis out of range or repeated.
    """


@api("core")
def argmax(x, axis=-1):
    """Index of the maximum along ``axis`` (first one on ties).

    Returns:
        int64 tensor of ``x``'s shape without ``axis``.

    Raises:
        ValueError: axis out of range.
    """


@api("core")
def argmin(x, axis=-1):
    """Index of the minimum along ``axis`` (first one on ties).

    Returns:
        int64 tensor of ``x``'s shape without ``axis``.

    Raises:
        ValueError: axis out of range.
    """


@api("core", differentiable=('x',), elementwise=True)
def clip(x, min_value, max_value):
    """Element-wise clipping to ``[min_value, max_value]``.

    ``max_value < min_value`` clips to ``min_value`` (Keras 2.2); ``None``
    leaves that side unbounded. Bounds may be numbers or broadcastable tensors.

    Returns:
        Tensor of the shape and dtype of ``x``.
    """


@api("core", differentiable=('x',), elementwise=True)
def cos(x):
    """Element-wise cosine.

    Returns:
        Tensor of ``x``'s shape; float dtype kept, integer input gives floatx.
    """


@api("core", differentiable=('x',), elementwise=True)
def sin(x):
    """Element-wise sine.

    Returns:
        Tensor of ``x``'s shape; float dtype kept, integer input gives floatx.
    """


@api("core", differentiable=('x',), elementwise=True)
def exp(x):
    """Element-wise exponential.

    Returns:
        Tensor of ``x``'s shape; float dtype kept, integer input gives floatx.
    """


@api("core", differentiable=('x',), elementwise=True)
def log(x):
    """Element-wise natural logarithm (``-inf`` at 0, NaN below).

    Returns:
        Tensor of ``x``'s shape; float dtype kept, integer input gives floatx.
    """


@api("core", differentiable=('x',), elementwise=True)
def sqrt(x):
    """Element-wise square root; negative inputs are clipped to 0 first (Keras 2.2).

    Returns:
        Tensor of ``x``'s shape; float dtype kept, integer input gives floatx.
    """


@api("core", differentiable=('x',), elementwise=True)
def square(x):
    """Element-wise square.

    Returns:
        Tensor of the shape and dtype of ``x``.
    """


@api("core", elementwise=True)
def sign(x):
    """Element-wise sign: -1, 0 or 1.

    Returns:
        Tensor of the shape and dtype of ``x``.
    """


@api("core", elementwise=True)
def round(x):
    """Element-wise rounding to the nearest integer, half to even (as TensorFlow).

    Returns:
        Tensor of the shape and dtype of ``x``.
    """


@api("core", differentiable=('x',), elementwise=True)
def pow(x, a):
    """Element-wise power ``x ** a``.

    Args:
        a: a number or a tensor broadcastable with ``x``.

    Returns:
        Tensor of ``x``'s dtype (integer ``x`` with a fractional or negative
        number ``a`` gives floatx).
    """


@api("core", elementwise=True)
def equal(x, y):
    """Element-wise ``x == y`` with broadcasting.

    Returns:
        bool tensor of the broadcast shape.

    Raises:
        ValueError: shapes that do not broadcast (message names ``equal``).
    """


@api("core", elementwise=True)
def not_equal(x, y):
    """Element-wise ``x != y`` with broadcasting.

    Returns:
        bool tensor of the broadcast shape.

    Raises:
        ValueError: shapes that do not broadcast.
    """


@api("core", elementwise=True)
def greater(x, y):
    """Element-wise ``x > y`` with broadcasting.

    Returns:
        bool tensor of the broadcast shape.

    Raises:
        ValueError: shapes that do not broadcast.
    """


@api("core", elementwise=True)
def greater_equal(x, y):
    """Element-wise ``x >= y`` with broadcasting.

    Returns:
        bool tensor of the broadcast shape.

    Raises:
        ValueError: shapes that do not broadcast.
    """


@api("core", elementwise=True)
def less(x, y):
    """Element-wise ``x < y`` with broadcasting.

    Returns:
        bool tensor of the broadcast shape.

    Raises:
        ValueError: shapes that do not broadcast.
    """


@api("core", elementwise=True)
def less_equal(x, y):
    """Element-wise ``x <= y`` with broadcasting.

    Returns:
        bool tensor of the broadcast shape.

    Raises:
        ValueError: shapes that do not broadcast.
    """


@api("core", differentiable=('x', 'y'), elementwise=True)
def maximum(x, y):
    """Element-wise maximum with broadcasting.

    Returns:
        Tensor of the broadcast shape and the common dtype (a Python number
        takes the tensor's dtype).

    Raises:
        ValueError: shapes that do not broadcast.
    """


@api("core", differentiable=('x', 'y'), elementwise=True)
def minimum(x, y):
    """Element-wise minimum with broadcasting.

    Returns:
        Tensor of the broadcast shape and the common dtype.

    Raises:
        ValueError: shapes that do not broadcast.
    """


@api("core", differentiable=('x',))
def sum(x, axis=None, keepdims=False):
    """Sum along ``axis``.

    Args:
        axis: None (all axes), an int (negative counts from the end) or a list of ints.
        keepdims: keep reduced axes with length 1.

    Returns:
        Tensor of ``x``'s dtype (bool input sums as int32).

    Raises:
        ValueError: an axis out of range or repeated (message names ``sum``).
    """


@api("core", differentiable=('x',))
def prod(x, axis=None, keepdims=False):
    """Product along ``axis``.

    Args:
        axis: None, an int or a list of ints.
        keepdims: keep reduced axes with length 1.

    Returns:
        Tensor of ``x``'s dtype.

    Raises:
        ValueError: an axis out of range or repeated.
    """


@api("core", differentiable=('x',))
def mean(x, axis=None, keepdims=False):
    """Mean along ``axis``.

    Args:
        axis: None, an int or a list of ints.
        keepdims: keep reduced axes with length 1.

    Returns:
        Float tensor: ``x``'s float dtype, floatx for integer or bool input.

    Raises:
        ValueError: an axis out of range or repeated.
    """


@api("core", differentiable=('x',))
def max(x, axis=None, keepdims=False):
    """Maximum along ``axis``.

    Args:
        axis: None, an int or a list of ints.
        keepdims: keep reduced axes with length 1.

    Returns:
        Tensor of ``x``'s dtype.

    Raises:
        ValueError: an axis out of range or repeated, or an empty reduction.
    """


@api("core", differentiable=('x',))
def min(x, axis=None, keepdims=False):
    """Minimum along ``axis``.

    Args:
        axis: None, an int or a list of ints.
        keepdims: keep reduced axes with length 1.

    Returns:
        Tensor of ``x``'s dtype.

    Raises:
        ValueError: an axis out of range or repeated, or an empty reduction.
    """


@api("core", differentiable=('x',))
def std(x, axis=None, keepdims=False):
    """Population standard deviation along ``axis``.

    Returns:
        Float tensor (floatx for integer or bool input).

    Raises:
        ValueError: an axis out of range or repeated.
    """


@api("core", differentiable=('x',))
def var(x, axis=None, keepdims=False):
    """Population variance along ``axis``.

    Returns:
        Float tensor (floatx for integer or bool input).

    Raises:
        ValueError: an axis out of range or repeated.
    """


@api("core", differentiable=('x',))
def cumsum(x, axis=0):
    """Cumulative sum along ``axis``.

    Returns:
        Tensor of the shape and dtype of ``x``.

    Raises:
        ValueError: axis out of range.
    """


@api("core", differentiable=('x',))
def cumprod(x, axis=0):
    """Cumulative product along ``axis``.

    Returns:
        Tensor of the shape and dtype of ``x``.

    Raises:
        ValueError: axis out of range.
    """


@api("core", differentiable=('x',))
def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x), axis))``, computed stably (large inputs do not overflow).

    Returns:
        Float tensor.

    Raises:
        ValueError: an axis out of range or repeated.
    """


@api("core", differentiable=('x',))
def l2_normalize(x, axis=None):
    """``x / sqrt(max(sum(x**2, axis, keepdims=True), 1e-12))``.

    Returns:
        Float tensor of ``x``'s shape.

    Raises:
        ValueError: an axis out of range.
    """


@api("core", differentiable=('x', 'y'))
def dot(x, y):
    """Tensor product, Keras 2.2 rules: contracts the last axis of ``x`` with
    the second-to-last axis of ``y`` (its only axis if 1-D).

    Shapes: (2, 3)·(3, 4) -> (2, 4); (2, 3, 4)·(4, 5) -> (2, 3, 5);
    (b, m, n)·(k, n, p) -> (b, m, k, p); in general
    ``x.shape[:-1] + y.shape[:-2] + y.shape[-1:]``.

    Raises:
        ValueError: a scalar operand or mismatched contracted dimensions (the
        message names ``dot`` and both shapes).
    """


@api("core", differentiable=('x', 'y'))
def batch_dot(x, y, axes=None):
    """Batch-wise dot product (Keras 2.2): for each sample ``i``, contracts
    ``x[i]`` and ``y[i]`` over ``axes``.

    Args:
        x, y: tensors of rank >= 2 with equal batch size (axis 0).
        axes: an int (same axis in both) or a pair; default
            ``(ndim(x) - 1, ndim(y) - 2)`` (``ndim(y) - 1`` for 2-D ``y``).

    Returns:
        Tensor of shape ``(batch,) + x's other dims + y's other dims``; a
        rank-1 result gets a trailing dimension of 1 (x (32, 20), y (32, 20),
        axes 1 -> (32, 1)); x (32, 20, 1), y (32, 30, 20), axes (1, 2) -> (32, 1, 30).

    Raises:
        ValueError: rank < 2, the batch axis in ``axes``, mismatched batch
        sizes or contracted dimensions.
    """
