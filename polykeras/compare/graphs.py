"""Reading a model's recorded graph: which backend functions each layer calls, and checking
each of those calls on its own against NumPy in float64.

A layer's *region* is the set of graph nodes computing the layer's outputs
from its inputs (stopping at the input tensors, placeholders and variables).
Its nodes are fetched with the layer outputs in one ``K.function``; then
:func:`check_ops` recomputes every node with the NumPy backend in float64 from
the *same* input values the backend under test saw, so a function that is
wrong on its own (not merely fed slightly different numbers) stands out.
"""

from __future__ import annotations

import numpy as np

from polykeras.backend.graph.tensor import OUTPUT_OP, Tensor, flatten_structure, leaves, replace
from polykeras.backend.variables import Variable

#: Ops :func:`check_ops` does not recompute: no value of their own, random draws, or a
#: Python function inside (their inner ops are listed, not checked).
UNCHECKED = frozenset({
    "placeholder", OUTPUT_OP, "switch", "rnn", "map_fn", "foldl", "foldr", "gradients",
    "print_tensor", "dropout", "random_uniform", "random_normal", "random_binomial",
    "truncated_normal", "in_train_phase", "in_test_phase", "update", "update_add",
    "update_sub", "moving_average_update", "shape",
})

#: How operator nodes are shown: ``"__add__"`` -> ``"+"``.
OPERATOR_SYMBOLS = {"__add__": "+", "__sub__": "-", "__mul__": "*", "__truediv__": "/",
                    "__floordiv__": "//", "__mod__": "%", "__pow__": "**", "__matmul__": "@",
                    "__neg__": "unary -", "__pos__": "unary +", "__abs__": "abs()",
                    "__lt__": "<", "__le__": "<=", "__gt__": ">", "__ge__": ">=",
                    "__getitem__": "[]"}


def op_label(op: str) -> str:
    """A node's op as shown in reports: API functions by name, operators by symbol."""
    symbol = OPERATOR_SYMBOLS.get(op)
    return f"{symbol} ({op})" if symbol else op


def _dependencies(node):
    """The Tensors and Variables a node reads directly (a sub-graph's captured values too)."""
    return list(leaves(node.params)) if isinstance(node, Tensor) else []


def region(outputs, stop) -> list:
    """The nodes computing ``outputs`` from ``stop`` (tensors), in dependency order.

    Placeholders, variables and the ``stop`` tensors end the walk and are not included.
    """
    stop_ids = {id(t) for t in stop}
    order, state = [], {}
    pending = [(t, False) for t in reversed(list(outputs))]
    while pending:
        t, expanded = pending.pop()
        key = id(t)
        if not isinstance(t, Tensor) or key in stop_ids or t.op == "placeholder":
            continue
        if expanded:
            if state.get(key) != "done":
                state[key] = "done"
                order.append(t)
            continue
        if key in state:
            continue
        state[key] = "open"
        pending.append((t, True))
        for dep in reversed(_dependencies(t)):
            if id(dep) not in state:
                pending.append((dep, False))
    return order


def _subgraphs(node):
    for value in node.params.values():
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            if getattr(item, "captured", None) is not None and hasattr(item, "outputs"):
                yield item


def called_functions(nodes) -> list[str]:
    """The backend functions the ``nodes`` call, in order of first use, including the ones
    inside traced functions (``rnn`` steps, ``map_fn``)."""
    names = []

    def add(node, depth):
        if node.op not in (OUTPUT_OP, "placeholder") and op_label(node.op) not in names:
            names.append(op_label(node.op))
        if depth < 4:
            for sub in _subgraphs(node):
                inner = [t for t in sub.outputs if isinstance(t, Tensor)]
                for inner_node in region(inner, list(sub.inputs) + list(sub.captured)):
                    add(inner_node, depth + 1)
    for node in nodes:
        add(node, 0)
    return names


def fetchable(nodes) -> list:
    """The nodes a ``K.function`` can return (a multi-result node is fetched by its outputs)."""
    return [n for n in nodes if n.structure is None]


def _float64(value):
    array = np.asarray(value)
    return array.astype(np.float64) if array.dtype.kind == "f" else array


def relative_difference(value, reference) -> tuple[float, float, float]:
    """``(max |a - r|, mean |a - r|, max |a - r| / max |r|)`` in float64 (inf when shapes
    differ; booleans and integers count mismatches as 1)."""
    a, r = np.asarray(value), np.asarray(reference)
    if a.shape != r.shape:
        return float("inf"), float("inf"), float("inf")
    if a.size == 0:
        return 0.0, 0.0, 0.0
    diff = np.abs(a.astype(np.float64) - r.astype(np.float64))
    if not np.all(np.isfinite(diff)):
        same = (a.astype(np.float64) == r.astype(np.float64)) | (np.isnan(a.astype(np.float64))
                                                                & np.isnan(r.astype(np.float64)))
        diff = np.where(same, 0.0, np.where(np.isfinite(diff), diff, np.inf))
    scale = float(np.max(np.abs(r[np.isfinite(r)]))) if np.any(np.isfinite(r)) else 0.0
    max_abs, mean_abs = float(np.max(diff)), float(np.mean(diff))
    if scale > 0:
        return max_abs, mean_abs, max_abs / scale
    return max_abs, mean_abs, 0.0 if max_abs == 0 else float("inf")


def check_ops(nodes, values: dict, variable_values: dict, tolerance_of) -> list[dict]:
    """Recompute each node from the values its inputs had on the backend, with the NumPy
    backend in float64, and compare.

    Args:
        nodes: graph nodes (a layer's region).
        values: ``id(tensor) -> NumPy value`` fetched on the backend under test.
        variable_values: ``id(variable) -> NumPy value``.
        tolerance_of: ``dtype -> relative tolerance``.

    Returns:
        One dict per checked node: ``op``, ``node`` (its name), ``max_abs``, ``rel`` and
        ``suspect`` (the relative difference is above the tolerance of the node's dtype).
        Nodes whose inputs were not all fetched, and :data:`UNCHECKED` ops, are left out.
    """
    import polykeras.backends.numpy as numpy_backend
    from polykeras.backends.numpy.executor import OPERATORS

    raw = numpy_backend.__raw__
    results = []
    for node in nodes:
        if node.op in UNCHECKED or node.op.startswith("fused_") or node.structure is not None:
            continue
        if id(node) not in values:
            continue

        def value_of(t):
            if isinstance(t, Variable):
                return _float64(variable_values[id(t)])
            return _float64(values[id(t)])
        try:
            args = {k: replace(v, value_of) for k, v in node.params.items()}
        except KeyError:
            continue
        try:
            if node.op in OPERATORS:
                expected = OPERATORS[node.op](*args.values())
            else:
                expected = getattr(raw, node.op)(**args)
        except Exception:  # noqa: BLE001 - an op NumPy cannot recompute is not judged
            continue
        got = values[id(node)]
        max_abs, _, rel = relative_difference(got, np.asarray(expected))
        tolerance = tolerance_of(node.dtype)
        results.append({"op": op_label(node.op), "node": node.name, "max_abs": max_abs,
                        "rel": rel, "suspect": bool(rel > tolerance)})
    return results


def flatten_outputs(value) -> list:
    """A layer's output(s) as a flat list of tensors."""
    flat, _ = flatten_structure(value if isinstance(value, (list, tuple)) else [value])
    return flat
