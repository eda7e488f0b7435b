"""Compiling a graph into an execution plan.

A :class:`Plan` is backend-agnostic: every value of the computation has a
slot (fed inputs first, then defaults, variables, constants and node
results), and every node is a :class:`Step` naming its op and the slots of
its arguments in call order. Executors resolve each step to a raw function
of their backend once (:meth:`Plan.resolve`) and run the list; nothing is
looked up or bound per call. :func:`lower` turns a resolved list into one
straight-line Python function, the cheapest way to run it eagerly.
"""

from __future__ import annotations

import inspect
from typing import Callable

from polykeras.backend.contract import FUNCTIONS
from polykeras.backend.variables import Variable

from .tensor import OPERATOR_NAMES, OUTPUT_OP, Tensor, leaves

UPDATE_OPS = ("update", "update_add", "update_sub", "moving_average_update")
PACK_OP = "__pack__"
_OPERATOR_OPS = frozenset(OPERATOR_NAMES.values())


class GraphError(ValueError):
    """A graph that cannot be compiled (a placeholder with no value, a bad update...)."""


class Step:
    """One call of the plan: ``slots[out] = fn(*[slots[a] for a in args])``.

    Attributes:
        op: the node's op, ``"__pack__"`` (rebuild a list/tuple/slice holding
            tensors) or ``"__output__"`` (one leaf of a multi-result node).
        node: the Tensor computed (``None`` for a pack).
        names: the parameter name of each argument (for gradient rules).
        args: the argument slots, in the order of ``names``.
        out: the result slot.
        template: for a pack, the structure to rebuild (leaves: positions in ``args``).
    """

    __slots__ = ("op", "node", "names", "args", "out", "template")

    def __init__(self, op, node, names, args, out, template=None):
        self.op, self.node, self.names, self.args, self.out = op, node, names, args, out
        self.template = template

    def __repr__(self):
        return f"Step({self.op} {list(zip(self.names, self.args))} -> {self.out})"


class Plan:
    """The compiled form of ``function(inputs, outputs, updates)``.

    Attributes:
        inputs: the fed tensors, slots ``0 .. len(inputs) - 1``.
        defaults: ``(placeholder, slot)`` of unfed placeholders with a default
            value (the learning phase).
        variables: ``(variable, slot)`` read at the start of every call.
        constants: ``(slot, value)`` literal arguments.
        steps: the calls, in dependency order.
        outputs: the output slots.
        updates: ``(variable, slot)``: after the outputs, the variable takes
            the value in the slot (all computed from the pre-update values).
        slot_of: ``id(tensor or variable) -> slot``.
        size: the number of slots.
    """

    def __init__(self):
        self.inputs = []
        self.defaults = []
        self.variables = []
        self.constants = []
        self.steps = []
        self.outputs = []
        self.updates = []
        self.slot_of = {}
        self.size = 0

    def _new_slot(self):
        self.size += 1
        return self.size - 1

    def resolve(self, resolver: Callable[[Step], Callable]) -> list:
        """``[(fn, args, out)]`` with ``fn = resolver(step)`` for every step."""
        return [(resolver(step), tuple(step.args), step.out) for step in self.steps]

    def initial_slots(self) -> list:
        """A slot list with the constants filled in (copy it per call)."""
        slots = [None] * self.size
        for slot, value in self.constants:
            slots[slot] = value
        return slots


def op_parameter_names(op: str, params: dict) -> list:
    """The parameter names of a node in call order (the contract's order for API ops)."""
    spec = FUNCTIONS.get(op)
    if spec is None:
        return list(params)
    return [p for p in spec.signature.parameters if p in params]


def build_plan(inputs, outputs, updates, caller: str, literal=None, allow_variable_inputs=False,
               default_value=None) -> Plan:
    """Compile the graph computing ``outputs`` and ``updates`` from ``inputs``.

    Args:
        inputs: Tensors to be fed (usually placeholders).
        outputs: Tensors, Variables or literals.
        updates: ``(variable, value)`` pairs or update tensors (``K.update``...).
        caller: the API function named in error messages.
        literal: ``literal(op, param_name, value) -> value`` converts literal
            arguments once (e.g. arrays to the backend's tensors).
        allow_variable_inputs: let Variables be inputs (sub-graphs).
        default_value: ``default_value(placeholder) -> value or None`` for
            placeholders that are not fed (the learning phase).

    Raises:
        GraphError (a ValueError) naming ``caller``: an output depending on a
            placeholder that is not an input and has no default, a bad update,
            an input given twice.
        TypeError: an input that is not a symbolic tensor.
    """
    plan = Plan()
    literal = literal or (lambda op, name, value: value)
    for x in inputs:
        if not isinstance(x, Tensor) and not (allow_variable_inputs and isinstance(x, Variable)):
            raise TypeError(f"{caller}: Expected inputs to be symbolic tensors (placeholders). "
                            f"Received: {type(x).__name__} {x!r}")
        if id(x) in plan.slot_of:
            raise GraphError(f"{caller}: Expected each input once. Received: {x.name!r} twice")
        plan.slot_of[id(x)] = plan._new_slot()
        plan.inputs.append(x)

    update_nodes = [_update_node(u, caller) for u in updates]
    roots = [o for o in outputs if isinstance(o, (Tensor, Variable))] + update_nodes
    order = _topological(roots, plan.slot_of)

    for item in order:
        if isinstance(item, Variable):
            slot = plan._new_slot()
            plan.slot_of[id(item)] = slot
            plan.variables.append((item, slot))
        elif item.op == "placeholder":
            value = default_value(item) if default_value is not None else None
            if value is None:
                raise GraphError(
                    f"{caller}: The value of placeholder {item.name!r} is needed but was not "
                    f"given: add it to the inputs of the function and feed it.")
            slot = plan._new_slot()
            plan.slot_of[id(item)] = slot
            plan.defaults.append((item, slot))
        else:
            _add_step(plan, item, literal)

    for o in outputs:
        if isinstance(o, (Tensor, Variable)):
            plan.outputs.append(plan.slot_of[id(o)])
        else:
            slot = plan._new_slot()
            plan.constants.append((slot, literal("__output__", "value", o)))
            plan.outputs.append(slot)
    seen_updates = set()
    for node in update_nodes + [n for n in order if isinstance(n, Tensor) and n.op in UPDATE_OPS]:
        if id(node) not in seen_updates:
            seen_updates.add(id(node))
            plan.updates.append((node.params["x"], plan.slot_of[id(node)]))
    return plan


def _update_node(update, caller):
    """An update tensor, or a ``(variable, value)`` pair recorded as ``update(variable, value)``."""
    if isinstance(update, Tensor) and update.op in UPDATE_OPS:
        return update
    if isinstance(update, (tuple, list)) and len(update) == 2 and isinstance(update[0], Variable):
        from . import api
        return api.record_update("update", {"x": update[0], "new_x": update[1]})
    raise GraphError(
        f"{caller}: Expected updates as (variable, new_value) pairs or results of K.update, "
        f"K.update_add, K.update_sub or K.moving_average_update. Received: {update!r}")


def _topological(roots, known):
    """Tensors and Variables needed for ``roots``, each after its dependencies.

    ``known`` holds the ids of fed tensors: their dependencies are not needed.
    """
    order, state = [], {}
    for root in roots:
        if id(root) in known or id(root) in state:
            continue
        stack = [(root, False)]
        while stack:
            item, expanded = stack.pop()
            key = id(item)
            if expanded:
                state[key] = "done"
                order.append(item)
                continue
            if state.get(key) is not None or key in known:
                continue
            state[key] = "open"
            stack.append((item, True))
            if isinstance(item, Tensor) and item.op != "placeholder":
                for dep in reversed(list(leaves(item.params))):
                    if id(dep) not in known and state.get(id(dep)) is None:
                        stack.append((dep, False))
    return order


def _add_step(plan, node, literal):
    names, args = [], []
    if node.op == OUTPUT_OP:
        names, args = ["x", "index"], [plan.slot_of[id(node.params["x"])],
                                       _constant(plan, node.params["index"])]
    elif node.op == "gradients":
        targets = node.params["variables"]
        names = ["loss"] + ["variables"] * len(targets)
        args = [plan.slot_of[id(node.params["loss"])]] + [plan.slot_of[id(t)] for t in targets]
    else:
        for name in op_parameter_names(node.op, node.params):
            value = node.params[name]
            names.append(name)
            args.append(_argument(plan, node.op, name, value, literal))
        for value in node.params.values():
            # a traced sub-graph's outside tensors follow the parameters
            for captured in getattr(value, "captured", ()):
                names.append("captured")
                args.append(plan.slot_of[id(captured)])
    slot = plan._new_slot()
    plan.slot_of[id(node)] = slot
    plan.steps.append(Step(node.op, node, names, args, slot))


def _constant(plan, value):
    slot = plan._new_slot()
    plan.constants.append((slot, value))
    return slot


def _argument(plan, op, name, value, literal):
    """The slot holding argument ``value``: a node's, a constant's, or a pack step's."""
    if isinstance(value, (Tensor, Variable)):
        return plan.slot_of[id(value)]
    if not any(True for _ in leaves(value)) or hasattr(value, "captured"):
        return _constant(plan, literal(op, name, value))
    # A list/tuple/slice holding tensors: a pack step rebuilds it from slots.
    parts = []

    def template(v):
        if isinstance(v, (Tensor, Variable)):
            parts.append(plan.slot_of[id(v)])
            return ("slot", len(parts) - 1)
        kind = type(v)
        if kind is list or kind is tuple:
            return (kind, [template(item) for item in v])
        if kind is slice:
            return (slice, [template(v.start), template(v.stop), template(v.step)])
        return ("literal", literal(op, name, v))
    structure = template(value)
    slot = plan._new_slot()
    plan.steps.append(Step(PACK_OP, None, [f"{name}[{i}]" for i in range(len(parts))], parts, slot,
                           template=structure))
    return slot


def pack_function(template) -> Callable:
    """``fn(*values)`` rebuilding a pack step's list/tuple/slice from its argument values."""
    def build(t, values):
        kind, content = t
        if kind == "slot":
            return values[content]
        if kind == "literal":
            return content
        items = [build(c, values) for c in content]
        return slice(*items) if kind is slice else kind(items)

    def pack(*values):
        return build(template, values)
    return pack


def gradient_region(plan, step, cut_targets=False):
    """The steps between the targets of ``step`` (a ``gradients`` node) and its loss, in order.

    With ``cut_targets``, a target computed by a step is treated as a given
    value: its own step is left out (and gradients do not flow through it to
    other targets).
    """
    loss, targets = step.args[0], set(step.args[1:])
    before = plan.steps[:plan.steps.index(step)]
    depends = set(targets)
    for s in before:
        if any(a in depends for a in s.args):
            depends.add(s.out)
    needed = {loss}
    for s in reversed(before):
        if s.out in needed:
            needed.update(s.args)
    return [s for s in before if s.out in depends and s.out in needed
            and not (cut_targets and s.out in targets)]


def is_operator(op: str) -> bool:
    return op in _OPERATOR_OPS


# -- lowering to straight-line Python -------------------------------------------------

def lower(calls, name="run", grad_context=None) -> Callable:
    """One Python function ``run(v)`` performing ``calls`` on the slot list ``v``.

    Args:
        calls: ``[(fn, args, out)]`` or ``[(fn, args, out, grad)]``; an ``args`` of
            ``None`` calls ``fn(v)`` with the whole slot list (gradient steps).
        grad_context: a context-manager factory; consecutive calls flagged
            ``grad`` run inside one ``with grad_context():`` block.
    """
    namespace = {"_grad": grad_context}
    lines = [f"def {name}(v):"]
    in_block = False
    for i, call in enumerate(calls):
        fn, args, out = call[:3]
        grad = bool(call[3]) if len(call) > 3 else False
        if grad and not in_block:
            lines.append("    with _grad():")
            in_block = True
        elif not grad and in_block:
            in_block = False
        indent = "        " if in_block else "    "
        namespace[f"f{i}"] = fn
        arguments = "v" if args is None else ", ".join(f"v[{a}]" for a in args)
        lines.append(f"{indent}v[{out}] = f{i}({arguments})")
    lines.append("    return v")
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<polykeras plan {name}>", "exec"),
         namespace)  # noqa: S102 - generated from the plan
    run = namespace[name]
    run.__source__ = source
    return run


def signature_kinds(fn) -> bool:
    """Whether ``fn`` takes all its contract parameters positionally (so steps can pass them so)."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters)
