"""Higher-order functions over the first axis, written once over :class:`~.ops.Ops`."""

from __future__ import annotations

__all__ = ["map_fn", "foldl", "foldr"]


def _elements(ops, elems, fn_name):
    elems = ops.as_tensor(elems)
    if len(elems.shape) == 0:
        raise ValueError(f"{fn_name}: Expected elems of rank >= 1. Received: a scalar")
    return elems


def map_fn(ops, fn, elems, name=None, dtype=None):
    """``stack([fn(e) for e in elems])`` along a new first axis."""
    elems = _elements(ops, elems, "map_fn")
    if elems.shape[0] == 0:
        raise ValueError("map_fn: Expected at least one element to infer the output shape. "
                         "Received: elems of shape " + str(ops.shape_of(elems)))
    out = ops.xp.stack([ops.as_tensor(fn(elems[i])) for i in range(elems.shape[0])])
    if dtype is not None:
        out = ops.xp.astype(out, ops.native_dtype(dtype))
    return out


def _fold(ops, fn, elems, initializer, indices, fn_name):
    elems = _elements(ops, elems, fn_name)
    indices = list(indices(elems.shape[0]))
    if initializer is None:
        if not indices:
            raise ValueError(f"{fn_name}: Expected elems with at least one element or an "
                             "initializer.")
        acc, indices = elems[indices[0]], indices[1:]
    else:
        acc = ops.as_tensor(initializer)
    for i in indices:
        acc = ops.as_tensor(fn(acc, elems[i]))
    return acc


def foldl(ops, fn, elems, initializer=None, name=None):
    """Reduce ``elems`` from the first element: ``fn(fn(init, e0), e1)...``."""
    return _fold(ops, fn, elems, initializer, lambda n: range(n), "foldl")


def foldr(ops, fn, elems, initializer=None, name=None):
    """Reduce ``elems`` from the last element: ``fn(fn(init, e_n-1), e_n-2)...``."""
    return _fold(ops, fn, elems, initializer, lambda n: range(n - 1, -1, -1), "foldr")
