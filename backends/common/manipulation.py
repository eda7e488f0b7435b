"""Shape manipulation, written once over :class:`~.ops.Ops`."""

from __future__ import annotations

import builtins

import numpy as np

from polykeras.backend.config import floatx

from .checks import check_range, require_integer_dtype
from .ops import normalize_axes, normalize_axis, unify

__all__ = ["reshape", "transpose", "permute_dimensions", "expand_dims", "squeeze", "concatenate",
           "stack", "tile", "repeat", "repeat_elements", "reverse", "slice", "gather", "flatten",
           "batch_flatten", "one_hot"]


def _int_list(values, fn, what):
    if hasattr(values, "shape") and not isinstance(values, (tuple, list)):
        values = (values.tolist() if hasattr(values, "tolist")
                  else np.asarray(values).reshape(-1).tolist())
    if isinstance(values, (int, np.integer)):
        values = [values]
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError):
        raise ValueError(f"{fn}: Expected {what} as integers. Received: {values!r}") from None


def reshape(ops, x, shape):
    x = ops.as_tensor(x)
    dims = _int_list(shape, "reshape", "a shape")
    size = int(np.prod(ops.shape_of(x), dtype=np.int64))
    known = int(np.prod([d for d in dims if d != -1], dtype=np.int64))
    unknown = dims.count(-1)
    if unknown > 1 or any(d < -1 for d in dims) or (
            unknown == 0 and known != size) or (unknown == 1 and (known == 0 or size % known)):
        raise ValueError(f"reshape: Expected a shape with {size} elements (at most one -1). "
                         f"Received: shape={tuple(dims)} for a tensor of shape {ops.shape_of(x)}")
    return ops.xp.reshape(x, tuple(dims))


def permute_dimensions(ops, x, pattern):
    x = ops.as_tensor(x)
    pattern = _int_list(pattern, "permute_dimensions", "a pattern")
    if sorted(p % max(len(x.shape), 1) for p in pattern) != list(range(len(x.shape))):
        raise ValueError(f"permute_dimensions: Expected a permutation of range({len(x.shape)}). "
                         f"Received: pattern={tuple(pattern)}")
    return ops.xp.permute_dims(x, tuple(p % len(x.shape) for p in pattern))


def transpose(ops, x):
    x = ops.as_tensor(x)
    return ops.xp.permute_dims(x, tuple(reversed(range(len(x.shape)))))


def expand_dims(ops, x, axis=-1):
    x = ops.as_tensor(x)
    axis = normalize_axis(axis, len(x.shape) + 1, "expand_dims")
    return ops.xp.expand_dims(x, axis=axis)


def squeeze(ops, x, axis):
    x = ops.as_tensor(x)
    axis = normalize_axis(axis, len(x.shape), "squeeze")
    if x.shape[axis] != 1:
        raise ValueError(f"squeeze: Expected axis {axis} of size 1. Received: shape "
                         f"{ops.shape_of(x)}")
    return ops.xp.squeeze(x, axis=axis)


def _same_dtype(ops, tensors, fn):
    """The tensors in one dtype, by the dtype rule (``ops.unify``)."""
    return unify(ops, tensors, fn) if tensors else []


def concatenate(ops, tensors, axis=-1):
    tensors = _same_dtype(ops, list(tensors), "concatenate")
    if not tensors:
        raise ValueError("concatenate: Expected at least one tensor. Received: an empty list")
    rank = len(tensors[0].shape)
    axis = normalize_axis(axis, rank, "concatenate")
    shapes = [ops.shape_of(t) for t in tensors]
    for s in shapes:
        if len(s) != rank or any(a != b for i, (a, b) in enumerate(zip(s, shapes[0])) if i != axis):
            raise ValueError("concatenate: Expected tensors with equal shapes except on axis "
                             f"{axis}. "
                             f"Received: shapes {shapes}")
    return ops.xp.concat(tensors, axis=axis)


def stack(ops, x, axis=0):
    tensors = _same_dtype(ops, list(x), "stack")
    if not tensors:
        raise ValueError("stack: Expected at least one tensor. Received: an empty list")
    shapes = [ops.shape_of(t) for t in tensors]
    if len(set(shapes)) != 1:
        raise ValueError(f"stack: Expected tensors of equal shapes. Received: shapes {shapes}")
    axis = normalize_axis(axis, len(shapes[0]) + 1, "stack")
    return ops.xp.stack(tensors, axis=axis)


def tile(ops, x, n):
    x = ops.as_tensor(x)
    reps = _int_list(n, "tile", "repetitions")
    if len(reps) != len(x.shape) and not (len(x.shape) == 0 and len(reps) == 1):
        raise ValueError(f"tile: Expected {len(x.shape)} repetitions (one per axis). Received: "
                         f"n={n!r}")
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: Expected non-negative repetitions. Received: n={n!r}")
    return ops.xp.tile(x, tuple(reps))


def repeat(ops, x, n):
    x = ops.as_tensor(x)
    if len(x.shape) != 2:
        raise ValueError(f"repeat: Expected a 2-D tensor. Received: shape {ops.shape_of(x)}")
    return ops.xp.tile(ops.xp.expand_dims(x, axis=1), (1, int(n), 1))


def repeat_elements(ops, x, rep, axis):
    x = ops.as_tensor(x)
    axis = normalize_axis(axis, len(x.shape), "repeat_elements")
    if int(rep) < 0:
        raise ValueError(f"repeat_elements: Expected rep >= 0. Received: rep={rep!r}")
    return ops.xp.repeat(x, int(rep), axis=axis)


def reverse(ops, x, axes):
    x = ops.as_tensor(x)
    axes = normalize_axes(axes, len(x.shape), "reverse", allow_none=False)
    return ops.xp.flip(x, axis=axes)


def slice(ops, x, start, size):
    x = ops.as_tensor(x)
    shape = ops.shape_of(x)
    start = _int_list(start, "slice", "start indices")
    size = _int_list(size, "slice", "sizes")
    if len(start) != len(shape) or len(size) != len(shape):
        raise ValueError(f"slice: Expected start and size of length {len(shape)}. "
                         f"Received: start={start}, size={size}")
    index = []
    for begin, length, dim in zip(start, size, shape):
        end = dim if length == -1 else begin + length
        if begin < 0 or length < -1 or end > dim:
            raise ValueError(f"slice: Expected a slice inside shape {shape}. "
                             f"Received: start={start}, size={size}")
        index.append(builtins.slice(begin, end))
    return x[tuple(index)]


def gather(ops, reference, indices):
    """Rows ``indices`` of ``reference``: shape ``indices.shape + reference.shape[1:]``.

    Raises:
        TypeError: indices of a float or bool dtype (as TensorFlow's ``gather``).
        OutOfRangeError: an index outside ``[0, reference.shape[0])`` (a ``ValueError``
            and an ``IndexError``; deferred inside a compiled JAX function, ``checks.py``).
    """
    reference = ops.as_tensor(reference)
    indices = ops.as_tensor(indices)
    if len(reference.shape) == 0:
        raise ValueError("gather: Expected a reference of rank >= 1. Received: a scalar")
    require_integer_dtype(ops, "gather", indices, "indices")
    check_range(ops, "gather", indices, ops.shape_of(reference)[0], "indices")
    flat = ops.xp.reshape(indices, (-1,))
    out = ops.xp.take(reference, flat, axis=0)
    return ops.xp.reshape(out, ops.shape_of(indices) + ops.shape_of(reference)[1:])


def flatten(ops, x):
    return ops.xp.reshape(ops.as_tensor(x), (-1,))


def batch_flatten(ops, x):
    x = ops.as_tensor(x)
    shape = ops.shape_of(x)
    if not shape:
        raise ValueError("batch_flatten: Expected a tensor of rank >= 1. Received: a scalar")
    return ops.xp.reshape(x, (shape[0], int(np.prod(shape[1:], dtype=np.int64))))


def one_hot(ops, indices, num_classes):
    """floatx one-hot rows, shape ``indices.shape + (num_classes,)``; an index outside
    ``[0, num_classes)`` gives a row of zeros (as TensorFlow's ``one_hot``).

    Raises:
        TypeError: indices of a float or bool dtype (TensorFlow's ``one_hot`` takes integers).
    """
    indices = ops.as_tensor(indices)
    require_integer_dtype(ops, "one_hot", indices, "indices")
    if int(num_classes) < 1:
        raise ValueError("one_hot: Expected num_classes >= 1. Received: "
                         f"num_classes={num_classes!r}")
    classes = ops.xp.arange(int(num_classes), dtype=ops.native_dtype("int64"))
    hits = ops.xp.astype(indices, ops.native_dtype("int64"))[..., None] == classes
    return ops.xp.astype(hits, ops.native_dtype(floatx()))
