"""Reverse-mode differentiation on NumPy: a reverse walk over a compiled plan.

A ``gradients`` step of a plan runs after the forward pass has filled the
slots; it walks back over the steps between the differentiated tensors and
the loss, reusing the forward values, and calls each op's gradient rule::

    rule(g, out, **params) -> {param_name: gradient}

from ``gradient_rules.RULES`` (``params`` are the evaluated values of the
op's arguments; a list-valued parameter gets a list of gradients; rules
un-broadcast themselves). The ops of the graph machinery (``switch``,
``print_tensor``, multi-result nodes, packs, ``rnn``/``map_fn``/``foldl``/
``foldr``) are differentiated here. A non-scalar loss is differentiated as
the sum of its elements, as in TensorFlow.
"""

from __future__ import annotations

import numpy as np

from polykeras.backend.contract import FUNCTIONS
from polykeras.backend.graph.executor import SUBGRAPH_OPS
from polykeras.backend.graph.plan import OUTPUT_OP, PACK_OP, GraphError, gradient_region, is_operator
from polykeras.backend.graph.tensor import unflatten_structure

from . import gradient_rules
from .gradient_rules import unbroadcast

#: Operators through which no gradient flows.
NON_DIFFERENTIABLE_OPERATORS = ("__lt__", "__le__", "__gt__", "__ge__")
#: Parameters gradients flow to, for ops the contract does not declare.
OPERATOR_PARAMS = {"__getitem__": ("x",)}


def rules() -> dict:
    """The gradient rules of the NumPy backend: ``gradient_rules.RULES``."""
    return gradient_rules.RULES


def differentiable_params(step) -> tuple:
    op = step.op
    if op in (PACK_OP, OUTPUT_OP):
        return ("*",)
    if is_operator(op):
        if op in NON_DIFFERENTIABLE_OPERATORS:
            return ()
        return OPERATOR_PARAMS.get(op, ("x", "y"))
    spec = FUNCTIONS.get(op)
    return spec.differentiable if spec is not None else ()


# -- rules of the graph machinery's own ops ------------------------------------------------

def _switch_rule(g, out, condition, then_expression, else_expression):
    condition = np.asarray(condition).astype(bool)
    if condition.ndim == 0:
        zero = np.zeros_like(g)
        then_g, else_g = (g, zero) if condition else (zero, g)
    else:
        condition = condition.reshape(condition.shape + (1,) * (g.ndim - condition.ndim))
        then_g, else_g = np.where(condition, g, 0), np.where(condition, 0, g)
    return {"then_expression": unbroadcast(then_g, np.shape(then_expression)),
            "else_expression": unbroadcast(else_g, np.shape(else_expression))}


def _print_tensor_rule(g, out, x, message=""):
    return {"x": g}


INTERNAL_RULES = {"switch": _switch_rule, "print_tensor": _print_tensor_rule}


def rule_for(op):
    return rules().get(op) or INTERNAL_RULES.get(op)


# -- the reverse walk -------------------------------------------------------------------------

def gradient_step(plan, step, caller, guarded=()):
    """The function computing the gradients of ``step`` (a ``gradients`` node) from the slots.

    ``guarded``: slots of variables the call later writes into in place; a gradient that may
    share memory with one of them (a rule passing a forward value through) is copied.
    """
    walk = gradient_region(plan, step)
    loss, targets = step.args[0], step.args[1:]
    depends = set(targets) | {s.out for s in walk}
    program = []
    for s in walk:
        flows = [(i, name, a) for i, (name, a) in enumerate(zip(s.names, s.args))
                 if a in depends and (name in differentiable_params(s) or "*" in differentiable_params(s))]
        if not flows:
            continue
        program.append((s, _backward(s, flows, caller)))
    program.reverse()
    target_dtypes = [getattr(t, "dtype", None) for t in step.node.params["variables"]]
    read = set(targets).union(*(s.args for s in walk))
    guarded = [slot for slot in guarded if slot in read]

    def run(v):
        grads = {loss: np.ones_like(v[loss])}
        for s, backward in program:
            g = grads.get(s.out)
            if g is not None:
                backward(v, g, grads)
        out = []
        for slot, dtype in zip(targets, target_dtypes):
            g = grads.get(slot)
            value = np.asarray(v[slot])
            out.append(np.zeros_like(value) if g is None else np.asarray(g, dtype=value.dtype).reshape(value.shape))
        if guarded:
            for i, g in enumerate(out):
                if any(np.may_share_memory(g, v[slot]) for slot in guarded):
                    out[i] = g.copy()
        return out
    return run


def _accumulate(grads, slot, g):
    if g is None:
        return
    previous = grads.get(slot)
    grads[slot] = g if previous is None else previous + g


def _backward(step, flows, caller):
    """``backward(v, g, grads)`` for one step: add its inputs' gradients into ``grads``."""
    op = step.op
    if op == PACK_OP:
        def backward(v, g, grads):
            for position, part in _pack_leaves(step.template, g):
                slot = step.args[position]
                _accumulate(grads, slot, part)
        return backward
    if op == OUTPUT_OP:
        node_slot = step.args[0]

        def backward(v, g, grads):
            index = v[step.args[1]]
            flat = grads.get(node_slot)
            if flat is None:
                flat = grads[node_slot] = _MultiGrad(len(v[node_slot]))
            flat.add(index, g)
        return backward
    if op in SUBGRAPH_OPS:
        return subgraph_backward(step, flows, caller)
    rule = rule_for(op)
    if rule is None:
        raise GraphError(
            f"{caller}: Cannot differentiate through op {op!r} on the NumPy backend: "
            f"backends/numpy/gradient_rules.py has no gradient rule for it")
    names = [n for n in step.names if n != "captured"]
    multi = step.node.structure is not None

    def backward(v, g, grads):
        params = {name: v[a] for name, a in zip(names, step.args)}
        out = v[step.out]
        if multi:
            g = unflatten_structure(step.node.structure, g.complete(out))
            out = unflatten_structure(step.node.structure, out)
        result = rule(g, out, **params)
        for _, name, slot in flows:
            _accumulate(grads, slot, result.get(name))
    return backward


class _MultiGrad:
    """The gradients of the results of a multi-result node, filled leaf by leaf."""

    def __init__(self, n):
        self.parts = [None] * n

    def add(self, index, g):
        self.parts[index] = g if self.parts[index] is None else self.parts[index] + g

    def complete(self, values):
        return [np.zeros_like(np.asarray(value)) if g is None else g for g, value in zip(self.parts, values)]

    def __add__(self, other):
        raise TypeError("a multi-result node's gradient is accumulated leaf by leaf")


def _pack_leaves(template, g):
    """(argument position, gradient part) for each tensor leaf of a pack's template."""
    kind, content = template
    if kind == "slot":
        yield content, g
    elif kind == "literal" or g is None:
        return
    elif kind is slice:
        return
    else:
        for t, part in zip(content, g):
            yield from _pack_leaves(t, part)


def subgraph_backward(step, flows, caller):
    raise GraphError(f"{caller}: gradients through {step.op!r} are not available on the NumPy backend yet")
