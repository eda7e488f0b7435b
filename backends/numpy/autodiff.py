"""Reverse-mode differentiation on NumPy: a reverse walk over a compiled plan.

A ``gradients`` step of a plan runs after the forward pass has filled the
slots; it walks back over the steps between the differentiated tensors and
the loss, reusing the forward values, and calls each op's gradient rule::

    rule(g, out, **params) -> {param_name: gradient}

from ``gradient_rules.RULES`` (``params`` are the evaluated values of the
op's arguments; a list-valued parameter gets a list of gradients; rules
un-broadcast themselves). The ops of the graph machinery (``switch``,
``print_tensor``, multi-result nodes, packs) are differentiated here. A
non-scalar loss is differentiated as the sum of its elements, as in
TensorFlow.

*Taped* ops keep what their backward pass needs from the forward pass in an
extra slot of the call (after the plan's slots): ``rnn``, ``map_fn``,
``foldl`` and ``foldr`` keep the slot list of every run of their traced
function, and their gradient is a reverse scan over it (``scans.py``) with
respect to everything the function reads: its declared inputs, the
``constants`` of ``rnn`` and the tensors and variables it captures;
``fused_lstm``/``fused_gru`` keep their gates for a hand-written
backpropagation through time (``gradient_rules.TAPED``). The executor
(``executor.compile_program``) decides which steps are taped: those inside a
gradient region, and every taped op of a traced function that is itself
differentiated (nested ``map_fn`` inside an ``rnn`` step).
"""

from __future__ import annotations

import numpy as np

from polykeras.backend.contract import FUNCTIONS
from polykeras.backend.graph.executor import SUBGRAPH_OPS
from polykeras.backend.graph.plan import (
    OUTPUT_OP,
    PACK_OP,
    GraphError,
    gradient_region,
    is_operator,
)
from polykeras.backend.graph.tensor import unflatten_structure

from . import gradient_rules, scans
from .gradient_rules import unbroadcast

#: Operators through which no gradient flows.
NON_DIFFERENTIABLE_OPERATORS = ("__lt__", "__le__", "__gt__", "__ge__")
#: Parameters gradients flow to, for ops the contract does not declare.
OPERATOR_PARAMS = {"__getitem__": ("x",)}
#: Ops whose backward pass reads a tape kept by their forward pass.
TAPED_OPS = frozenset(SUBGRAPH_OPS) | frozenset(gradient_rules.TAPED)


def rules() -> dict:
    """The gradient rules of the NumPy backend: ``gradient_rules.RULES``."""
    return gradient_rules.RULES


def differentiable_params(step) -> tuple:
    """The parameter names of ``step`` gradients flow to (``"*"``: all of them).

    A traced function's captured tensors (parameter name ``"captured"``) are
    differentiable like the declared arguments of ``rnn``, ``map_fn``, ``foldl``, ``foldr``.
    """
    op = step.op
    if op in (PACK_OP, OUTPUT_OP):
        return ("*",)
    if is_operator(op):
        if op in NON_DIFFERENTIABLE_OPERATORS:
            return ()
        return OPERATOR_PARAMS.get(op, ("x", "y"))
    spec = FUNCTIONS.get(op)
    names = spec.differentiable if spec is not None else ()
    return names + ("captured",) if op in SUBGRAPH_OPS else names


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


# -- planning a reverse pass ----------------------------------------------------------------

def region(steps, sources, roots) -> list:
    """The steps of ``steps`` (in order) that depend on a slot of ``sources`` and that the
    slots ``roots`` need."""
    depends = set(sources)
    for s in steps:
        if any(a in depends for a in s.args):
            depends.add(s.out)
    needed = set(roots)
    for s in reversed(steps):
        if s.out in needed:
            needed.update(s.args)
    return [s for s in steps if s.out in depends and s.out in needed]


def reverse_program(walk, sources, caller, tapes) -> list:
    """``[(step, backward)]`` in reverse order for the steps of ``walk`` a gradient flows
    through from ``sources``; ``tapes``: result slot -> :class:`Tape` of the taped steps."""
    depends = set(sources) | {s.out for s in walk}
    program = []
    for s in walk:
        params = differentiable_params(s)
        flows = [(i, name, a) for i, (name, a) in enumerate(zip(s.names, s.args))
                 if a in depends and (name in params or "*" in params)]
        if flows:
            program.append((s, _backward(s, flows, caller, tapes.get(s.out))))
    program.reverse()
    return program


def run_reverse(program, v, grads) -> None:
    """Run a :func:`reverse_program` on the forward slots ``v``, from the gradients in ``grads``
    (slot -> gradient), adding the inputs' gradients into ``grads``."""
    for s, backward in program:
        g = grads.get(s.out)
        if g is not None:
            backward(v, g, grads)


class Tape:
    """Where a taped step keeps its tape: ``slot`` (after the plan's slots) and, for a
    sub-graph op, the compiled traced function whose slot lists it records (``traced``,
    with ``.plan``, ``.tapes`` and ``.caller``)."""

    __slots__ = ("slot", "traced")

    def __init__(self, slot, traced=None):
        self.slot, self.traced = slot, traced


class SubgraphGradient:
    """The reverse pass of a traced function, planned once for all of its runs.

    ``gradient(v, output_grads)`` takes the slot list ``v`` of one run (from the
    tape) and the gradients of its flat outputs (``None``: no gradient), and
    returns the gradient of each input of ``sources`` (positions among the
    stand-ins followed by the captured tensors; ``None`` where none flows).
    """

    def __init__(self, traced, sources):
        plan = traced.plan
        self.sources = list(sources)
        self.outputs = list(plan.outputs)
        walk = region(plan.steps, self.sources, self.outputs)
        self.program = reverse_program(walk, self.sources, traced.caller, traced.tapes)

    def __call__(self, v, output_grads):
        grads = {}
        for slot, g in zip(self.outputs, output_grads):
            if g is not None:
                _accumulate(grads, slot, g)
        run_reverse(self.program, v, grads)
        return [grads.get(slot) for slot in self.sources]


# -- the reverse walk of a gradients step -----------------------------------------------------

def gradient_step(plan, step, caller, guarded=(), tapes=None):
    """The function computing the gradients of ``step`` (a ``gradients`` node) from the slots.

    ``guarded``: slots of variables the call later writes into in place; a gradient that may
    share memory with one of them (a rule passing a forward value through) is copied.
    ``tapes``: result slot -> :class:`Tape` of the taped steps of the plan.
    """
    walk = gradient_region(plan, step)
    loss, targets = step.args[0], step.args[1:]
    program = reverse_program(walk, targets, caller, tapes or {})
    read = set(targets).union(*(s.args for s in walk))
    guarded = [slot for slot in guarded if slot in read]

    def run(v):
        grads = {loss: np.ones_like(v[loss])}
        run_reverse(program, v, grads)
        out = []
        for slot in targets:
            g = grads.get(slot)
            value = np.asarray(v[slot])
            out.append(np.zeros_like(value) if g is None
                       else np.asarray(g, dtype=value.dtype).reshape(value.shape))
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


def _backward(step, flows, caller, tape=None):
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
        if tape is None or tape.traced is None:
            raise GraphError(f"{caller}: Cannot differentiate through {op!r} on the NumPy backend: "
                             "its forward pass kept no tape (an internal error)")
        return subgraph_backward(step, flows, tape)
    multi = step.node is not None and step.node.structure is not None
    names = [n for n in step.names if n != "captured"]
    taped = gradient_rules.TAPED.get(op) if tape is not None else None
    if taped is not None:
        taped_backward = taped[1]

        def apply(g, out, v, params):
            return taped_backward(g, out, v[tape.slot], **params)
    else:
        rule = rule_for(op)
        if rule is None:
            raise GraphError(
                f"{caller}: Cannot differentiate through op {op!r} on the NumPy backend: "
                f"backends/numpy/gradient_rules.py has no gradient rule for it")

        def apply(g, out, v, params):
            return rule(g, out, **params)

    def backward(v, g, grads):
        params = {name: v[a] for name, a in zip(names, step.args)}
        out = v[step.out]
        if multi:
            g = unflatten_structure(step.node.structure, g.complete(out))
            out = unflatten_structure(step.node.structure, out)
        result = apply(g, out, v, params)
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
        return [np.zeros_like(np.asarray(value)) if g is None else g
                for g, value in zip(self.parts, values)]

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


def subgraph_backward(step, flows, tape):
    """``backward(v, g, grads)`` of ``rnn``/``map_fn``/``foldl``/``foldr``: a reverse scan over
    the slot lists of the traced function kept in ``tape`` (see ``scans.py``)."""
    names = list(step.names)
    captured = [i for i, name in enumerate(names) if name == "captured"]
    flowing = {name for _, name, _ in flows}
    wanted_captured = [k for k, i in enumerate(captured) if any(f[0] == i for f in flows)]
    params = {name: a for name, a in zip(names, step.args) if name != "captured"}
    scan = scans.SCANS[step.op](step.node.params, flowing, wanted_captured,
                                lambda sources: SubgraphGradient(tape.traced, sources))

    def backward(v, g, grads):
        values = {name: v[a] for name, a in params.items()}
        out = v[step.out]
        if step.node.structure is not None:
            g = unflatten_structure(step.node.structure, g.complete(out))
        result, captured_grads = scan(g, values, v[tape.slot])
        for _, name, slot in flows:
            if name != "captured":
                _accumulate(grads, slot, result.get(name))
        for k, g_captured in zip(wanted_captured, captured_grads):
            _accumulate(grads, step.args[captured[k]], g_captured)
    return backward
