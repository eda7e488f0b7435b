"""Contract: shape manipulation.

Axes may be negative (counted from the end). Invalid axes, shapes or
sizes are a ValueError naming the function.
"""

from ._declare import api


@api("core", differentiable=('x',))
def reshape(x, shape):
    """``x`` with a new shape of the same number of elements.

    Args:
        shape: tuple/list of ints or an int tensor; at most one -1 (inferred).

    Raises:
        ValueError: a shape with a different number of elements or several -1.
    """


@api("core", differentiable=('x',))
def permute_dimensions(x, pattern):
    """Reorder the axes: output axis i is input axis ``pattern[i]``.

    Raises:
        ValueError: ``pattern`` is not a permutation of ``range(ndim(x))``.
    """


@api("core", differentiable=('x',))
def transpose(x):
    """Reverse the order of all axes (a matrix transpose for 2-D ``x``).
    """


@api("core", differentiable=('x',))
def expand_dims(x, axis=-1):
    """Insert an axis of length 1 at ``axis`` (in the result's numbering).

    Raises:
        ValueError: axis outside ``[-ndim(x) - 1, ndim(x)]``.
    """


@api("core", differentiable=('x',))
def squeeze(x, axis):
    """Remove the axis ``axis`` of length 1.

    Raises:
        ValueError: that axis is not of length 1, or out of range.
    """


@api("core", differentiable=('tensors',))
def concatenate(tensors, axis=-1):
    """Join a list of tensors along ``axis``.

    Args:
        tensors: non-empty list of tensors of one rank, equal except on ``axis``.

    Returns:
        Tensor of the common dtype.

    Raises:
        ValueError: an empty list, or shapes that differ off ``axis``.
    """


@api("core", differentiable=('x',))
def stack(x, axis=0):
    """Stack a list of same-shape tensors along a new axis ``axis``.

    Raises:
        ValueError: an empty list or tensors of different shapes.
    """


@api("core", differentiable=('x',))
def tile(x, n):
    """Repeat ``x`` ``n[i]`` times along axis i.

    Args:
        n: an int (1-D ``x``) or a list with one non-negative int per axis.

    Raises:
        ValueError: a wrong number of repetitions or a negative one.
    """


@api("core", differentiable=('x',))
def repeat(x, n):
    """Repeat a 2-D tensor: (batch, dim) -> (batch, n, dim).

    Raises:
        ValueError: ``x`` is not 2-D.
    """


@api("core", differentiable=('x',))
def repeat_elements(x, rep, axis):
    """Repeat each element ``rep`` times along ``axis`` (like ``np.repeat``).

    Raises:
        ValueError: axis out of range or ``rep < 0``.
    """


@api("core", differentiable=('x',))
def reverse(x, axes):
    """Reverse ``x`` along an axis or a list of axes.
    """


@api("core", differentiable=('x',))
def slice(x, start, size):
    """The block of ``x`` starting at ``start`` with ``size`` (one entry per
    axis; a size of -1 means "to the end").

    Raises:
        ValueError: lengths other than ``ndim(x)``, or a block outside ``x``.
    """


@api("core", differentiable=('reference',))
def gather(reference, indices):
    """Rows of ``reference`` (along axis 0) at integer ``indices`` of any shape.

    Returns:
        Tensor of shape ``shape(indices) + shape(reference)[1:]``.
    """


@api("core", differentiable=('x',))
def flatten(x):
    """``x`` as a 1-D tensor.
    """


@api("core", differentiable=('x',))
def batch_flatten(x):
    """``x`` as a 2-D tensor (batch, everything else).

    Raises:
        ValueError: a scalar ``x``.
    """


@api("core")
def one_hot(indices, num_classes):
    """One-hot encoding of integer ``indices`` on a new last axis.

    Returns:
        floatx tensor of shape ``shape(indices) + (num_classes,)``; indices
        outside ``[0, num_classes)`` give all-zero rows.

    Raises:
        ValueError: ``num_classes < 1``.
    """
