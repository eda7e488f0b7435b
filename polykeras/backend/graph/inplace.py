"""Which steps of a plan may write their result into a dead temporary (eager executors).

An element-wise operator step ``out = x <op> y`` whose operand is a temporary
(the fresh result of an earlier arithmetic step of the same plan) that nothing
reads afterwards can compute into that operand's memory instead of allocating:
the values are the same (the same kernel, the same operand dtypes), only the
allocation and the memory traffic go. Used by the NumPy and PyTorch executors
for the optimizer update chains (``p - lr * g / (sqrt(a) + eps)``) and the
forward pass outside gradient regions.

A temporary is never reused when it is an output, an update value, read by a
later step (directly or through a step that may return a view or the same
object, like ``update`` or ``__getitem__``), read by a gradient step (the NumPy
reverse pass reuses forward values), or when its static shape or dtype could
differ from the step's result.

Donation (PyTorch): a variable the call replaces with ``update`` is dead once
the call has read its old value for the last time, so its storage can take a
result like a dead temporary (``p - lr * g / d`` computed into ``p``, as
``torch.optim`` does). Only variables whose storage belongs to the variable
alone qualify (the executor makes sure of it), and only when nothing after the
first such write can fail at run time (every later step is element-wise
arithmetic or a reduction with a fully known static shape), so that an error
never leaves a variable half-updated.
"""

from __future__ import annotations

from .executor import plain_operator_allowed
from .lazy_switch import lazy_branches
from .plan import OUTPUT_OP, gradient_region, is_operator

#: Steps whose result is a newly allocated array owned by the plan.
FRESH_OPS = frozenset(("__add__", "__sub__", "__mul__", "__truediv__", "square", "sqrt", "dot"))
#: Element-wise operators that can compute into one of their operands.
BINARY_OPS = frozenset(("__add__", "__sub__", "__mul__", "__truediv__"))
#: Element-wise functions of one operand that can compute into it.
UNARY_OPS = frozenset(("square", "sqrt"))
NEVER = float("inf")


def _shape(value):
    return getattr(value, "shape", None)


def _fits(temp_shape, other_shape) -> bool:
    """Whether broadcasting ``other_shape`` against ``temp_shape`` surely keeps ``temp_shape``."""
    if other_shape is None or len(other_shape) > len(temp_shape):
        return False
    for t, o in zip(reversed(temp_shape), reversed(other_shape)):
        if o == 1 or (t is not None and t == o):
            continue
        return False
    return True


def donatable_variables(plan) -> dict:
    """``{slot: variable}`` of the variables the plan replaces with ``update`` exactly once and
    does not output: their old value is dead after its last read within the call."""
    counts = {}
    for var, _ in plan.updates:
        counts[id(var)] = counts.get(id(var), 0) + 1
    by_update = {}
    for step in plan.steps:
        if step.op == "update":
            by_update[step.args[step.names.index("x")]] = step
    outputs = set(plan.outputs)
    found = {}
    for var, slot in plan.variables:
        if (counts.get(id(var)) == 1 and slot in by_update and slot not in outputs
                and all(isinstance(d, int) for d in var.shape)):
            found[slot] = var
    return found


#: Ops that cannot fail at run time once shape inference accepted their static shapes
#: (no value-dependent errors such as an index out of range).
_SAFE_OPS = frozenset((
    "__add__", "__sub__", "__mul__", "__truediv__", "__neg__", "__pow__", "__abs__",
    "square", "sqrt", "abs", "exp", "log", "sign", "pow", "clip", "cast", "maximum", "minimum",
    "equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "switch",
    "sum", "mean", "max", "min", "dot", "identity", "stop_gradient", "print_tensor",
    "update", "update_add", "update_sub", "moving_average_update"))


def _cannot_fail(step, fused) -> bool:
    """Whether ``step`` surely runs without error: a gradient (its forward pass succeeded), an
    element of a multi-result node, or a safe op with a result of fully known static shape."""
    if step.op in (OUTPUT_OP, "gradients"):
        return True
    node = step.node
    return ((step.op in _SAFE_OPS or step.op in fused) and node is not None
            and node.structure is None and node.shape is not None
            and all(isinstance(d, int) for d in node.shape))


def inplace_steps(plan, skip=frozenset(), donate=False, fresh_gradients=False,
                  fused=frozenset()) -> dict:
    """``{step index: operand position}`` of steps that may overwrite that operand.

    Args:
        skip: slots computed with autograd on (PyTorch): neither reused nor written.
        donate: also overwrite dead variables (:func:`donatable_variables`), in
            ``skip`` or not; the operand is then the variable's slot.
        fresh_gradients: the backend's gradients are new arrays, never aliases of
            forward values (``torch.autograd.grad``), so reading a gradient is not
            reading the variables it was taken against.
    """
    fresh_ops = FRESH_OPS | set(fused) | ({"gradients"} if fresh_gradients else set())
    steps = plan.steps
    donated = donatable_variables(plan) if donate else {}
    protected = set(plan.outputs) | {slot for _, slot in plan.updates}
    protected.update(range(len(plan.inputs)))
    protected.update(slot for _, slot in plan.variables if slot not in donated)
    protected.update(slot for slot, _ in plan.constants)
    protected.update(slot for _, slot in plan.defaults)
    reads = []
    region_outs = set()
    for step in steps:
        slots = set(a for a in step.args if isinstance(a, int))
        if step.op == "update":
            # reads only the variable's shape and dtype, which an in-place write keeps
            slots.discard(step.args[step.names.index("x")])
            slots.add(step.args[step.names.index("new_x")])
        if step.op == "gradients":
            for s in gradient_region(plan, step):
                slots.update(a for a in s.args if isinstance(a, int))
                slots.add(s.out)
                region_outs.add(s.out)
        reads.append(slots)
    # the steps of a lazily lowered switch branch read their arguments when the switch runs
    for k, (then_steps, else_steps) in lazy_branches(plan).items():
        for j in then_steps + else_steps:
            reads[k] |= reads[j]
    # last_use[slot]: the index of the last step reading the slot or a possible alias of it.
    last_use = {}
    for i in range(len(steps) - 1, -1, -1):
        step = steps[i]
        end = i
        if step.op not in fresh_ops:
            end = NEVER if step.out in protected else max(i, last_use.get(step.out, i))
        for a in reads[i]:
            if last_use.get(a, -1) < end:
                last_use[a] = end
    # writable[slot] = (static shape, dtype) of a dead-after-last-use value
    writable = {slot: (var.shape, var.dtype) for slot, var in donated.items()}
    for step in steps:
        if (step.op in fresh_ops and step.op != "gradients" and step.out not in protected
                and step.out not in region_outs and step.out not in skip and step.node is not None
                and step.node.shape and step.node.structure is None):
            writable[step.out] = (step.node.shape, step.node.dtype)
    chosen = {}
    for i, step in enumerate(steps):
        if step.out in skip or step.node is None or step.out in region_outs:
            continue
        if step.op in BINARY_OPS:
            if not plain_operator_allowed(step):
                continue
            if tuple(step.names) != ("x", "y"):
                continue
        elif step.op in UNARY_OPS:
            if tuple(step.names) != ("x",):
                continue
        elif step.op not in fused:
            continue
        operands = [step.node.params.get(n) for n in step.names]
        candidates = list(enumerate(step.args))
        if step.op in fused:
            # only the first operand; the node's "y" is what the rest of the chain computed
            operands = [step.node.params.get("x"), step.node.params.get("y")]
            candidates = candidates[:1]
        for position, slot in candidates:
            target = writable.get(slot)
            if target is None or last_use.get(slot) != i:
                continue
            shape, dtype = target
            if dtype != step.node.dtype or tuple(shape) != tuple(step.node.shape):
                continue
            if len(operands) == 2:
                other = operands[1 - position]
                if not isinstance(other, (bool, int, float)) and not _fits(shape, _shape(other)):
                    continue
            chosen[i] = position
            break
    if donated:
        first = min((i for i, position in chosen.items() if steps[i].args[position] in donated),
                    default=None)
        if first is not None and not all(_cannot_fail(s, fused) for s in steps[first:]):
            return inplace_steps(plan, skip, donate=False, fresh_gradients=fresh_gradients,
                                 fused=fused)
    return chosen


_FRESH_UPDATES = ("update_add", "update_sub", "moving_average_update")


def owned_updates(plan) -> list:
    """Per update of the plan: whether its new value is surely an array the call allocated for
    that update alone (an arithmetic result, possibly computed in place into a dead temporary
    or into the storage of a variable the call replaces), so that the variable can take it
    without a copy. Anything else (an input, a constant, another variable, a view, a value
    given to two variables) must be copied: a variable's storage belongs to it alone."""
    producers = {step.out: step for step in plan.steps}
    seen = set()
    owned = []
    for _, slot in plan.updates:
        step = producers.get(slot)
        root = None
        if step is not None and step.op in _FRESH_UPDATES:
            root = slot
        elif step is not None and step.op == "update":
            candidate = step.args[step.names.index("new_x")]
            source = producers.get(candidate)
            if (source is not None and source.op in FRESH_OPS and source.node is not None
                    and source.node.structure is None
                    and not (is_operator(source.op) and not plain_operator_allowed(source))):
                root = candidate
        owned.append(root is not None and root not in seen)
        seen.add(root)
    return owned
