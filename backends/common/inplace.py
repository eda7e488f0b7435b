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
"""

from __future__ import annotations

from polykeras.backend.graph.executor import plain_operator_allowed
from polykeras.backend.graph.plan import gradient_region

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


def inplace_steps(plan, skip=frozenset()) -> dict:
    """``{step index: operand position}`` of steps that may overwrite that operand.

    Args:
        skip: slots computed with autograd on (PyTorch): neither reused nor written.
    """
    steps = plan.steps
    protected = set(plan.outputs) | {slot for _, slot in plan.updates}
    protected.update(range(len(plan.inputs)))
    protected.update(slot for _, slot in plan.variables)
    protected.update(slot for slot, _ in plan.constants)
    protected.update(slot for _, slot in plan.defaults)
    reads = []
    region_outs = set()
    for step in steps:
        slots = set(a for a in step.args if isinstance(a, int))
        if step.op == "gradients":
            for s in gradient_region(plan, step):
                slots.update(a for a in s.args if isinstance(a, int))
                slots.add(s.out)
                region_outs.add(s.out)
        reads.append(slots)
    # last_use[slot]: the index of the last step reading the slot or a possible alias of it.
    last_use = {}
    for i in range(len(steps) - 1, -1, -1):
        step = steps[i]
        end = i
        if step.op not in FRESH_OPS:
            end = NEVER if step.out in protected else max(i, last_use.get(step.out, i))
        for a in reads[i]:
            if last_use.get(a, -1) < end:
                last_use[a] = end
    producers = {}
    for i, step in enumerate(steps):
        if (step.op in FRESH_OPS and step.out not in protected and step.out not in region_outs
                and step.out not in skip and step.node is not None and step.node.shape
                and step.node.structure is None):
            producers[step.out] = step
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
        else:
            continue
        operands = [step.node.params.get(n) for n in step.names]
        for position, slot in enumerate(step.args):
            producer = producers.get(slot)
            if producer is None or last_use.get(slot) != i:
                continue
            node = producer.node
            if node.dtype != step.node.dtype or node.shape != step.node.shape:
                continue
            if len(operands) == 2:
                other = operands[1 - position]
                if not isinstance(other, (bool, int, float)) and not _fits(node.shape, _shape(other)):
                    continue
            chosen[i] = position
            break
    return chosen
