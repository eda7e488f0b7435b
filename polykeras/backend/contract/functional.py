"""Contract: higher-order functions over the first axis of a tensor.

``fn`` is written with API functions (or Python operators) and receives
backend tensors.
"""

from ._declare import api


@api("core", differentiable=("elems",), higher_order="fn", subgraph="map")
def map_fn(fn, elems, name=None, dtype=None):
    """``fn`` applied to each element along the first axis, results stacked.

    Returns:
        Tensor of shape ``(len(elems),) + shape(fn(elems[0]))``; dtype
        ``dtype`` when given.

    Raises:
        ValueError: a scalar ``elems`` or an empty first axis.
    """


@api("core", differentiable=("elems", "initializer"), higher_order="fn", subgraph="fold")
def foldl(fn, elems, initializer=None, name=None):
    """Reduce ``elems`` left to right: ``acc = fn(acc, elems[i])``, starting from
    ``initializer`` (default ``elems[0]``, then from ``elems[1]``).

    Raises:
        ValueError: a scalar ``elems``, or no element and no initializer.
    """


@api("core", differentiable=("elems", "initializer"), higher_order="fn", subgraph="fold")
def foldr(fn, elems, initializer=None, name=None):
    """Reduce ``elems`` right to left: ``acc = fn(acc, elems[i])`` for i from the
    last index down, starting from ``initializer`` (default the last element).

    Raises:
        ValueError: a scalar ``elems``, or no element and no initializer.
    """
