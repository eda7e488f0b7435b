"""PyTorch's compiled functions: the plan lowered to straight-line Python over the raw functions.

Every call runs under ``torch.no_grad()`` except the steps between the
differentiated tensors and a loss, which run with autograd on fresh leaves
(``var.value.detach().requires_grad_()``); ``torch.autograd.grad`` gives the
gradients and nothing of the autograd graph outlives the call. Updates
rebind the variables to their new tensors: a tensor the call allocated for
that update alone is taken as it is, anything else (an input, a constant,
another variable, a value given to two variables) is cloned, so that a
variable's storage always belongs to it alone. That is what lets a call
write into the storage of a variable it replaces once the old value is dead
(``graph/inplace.py``), as ``torch.optim`` updates parameters in place.
"""

from __future__ import annotations

import copy
import operator

import numpy as np
import torch

from polykeras.backend.graph.executor import (
    GraphFunction,
    learning_phase_default,
    plain_operator_allowed,
    resolve_common,
    subgraph_runner,
)
from polykeras.backend.graph.executor import compile_subgraph as shared_compile_subgraph
from polykeras.backend.graph.inplace import inplace_steps, owned_updates
from polykeras.backend.graph.lazy_switch import lower_plan
from polykeras.backend.graph.plan import Step, gradient_region, is_operator
from polykeras.backends.common.dtypes import FLOAT_DTYPES
from polykeras.backends.common.symbolic import (
    PLAIN_OPERATORS,
    is_number,
    operator_functions,
    update_values,
)

from .core import DEVICE, OPS, as_tensor, to_numpy

OPERATORS, UPDATE_VALUES = operator_functions(OPS), update_values(OPS)


def to_device(array: np.ndarray, dtype: str) -> torch.Tensor:
    """A checked NumPy feed as a tensor on DEVICE, sharing memory on the CPU when possible."""
    if dtype == "bfloat16":
        return torch.from_numpy(array.astype(np.float32)).to(DEVICE, torch.bfloat16)
    if not array.flags.writeable or any(s < 0 for s in array.strides):
        array = np.array(array)
    tensor = torch.from_numpy(array)
    return tensor if DEVICE.type == "cpu" else tensor.to(DEVICE, non_blocking=True)


def _output(value):
    if isinstance(value, torch.Tensor):
        return to_numpy(value)
    return np.array(value)


class TorchFunction(GraphFunction):
    backend_name = "torch"

    def _literal(self, op, name, value):
        if is_operator(op) and isinstance(value, (np.ndarray, np.generic)):
            return as_tensor(value)
        return value

    def _compile(self):
        plan = self.plan
        self._program, leaves, input_targets = compile_program(plan, self.caller, self.raw)
        self._initial = plan.initial_slots()
        self._feed_dtypes = [spec.dtype for spec in self.feed_specs]
        self._input_targets = input_targets
        self._variables = [(var, slot, slot in leaves and var.dtype in FLOAT_DTYPES)
                           for var, slot in plan.variables]
        self._defaults = plan.defaults
        self._output_slots = plan.outputs[:self.n_outputs]
        self._updates = [(var, slot, owned) for (var, slot), owned
                         in zip(plan.updates, owned_updates(plan))]

    def _run(self, feeds):
        v = self._initial.copy()
        for i, (array, dtype) in enumerate(zip(feeds, self._feed_dtypes)):
            v[i] = to_device(array, dtype)
        for i in self._input_targets:
            if v[i].is_floating_point():
                v[i].requires_grad_()
        for var, slot, leaf in self._variables:
            v[slot] = var.value.detach().requires_grad_() if leaf else var.value
        for placeholder, slot in self._defaults:
            v[slot] = torch.as_tensor(learning_phase_default(placeholder), device=DEVICE)
        with torch.no_grad():
            self._program(v)
        outputs = [_output(v[slot]) for slot in self._output_slots]
        if self._updates:
            self._apply_updates(v)
        return outputs

    def _apply_updates(self, v):
        for var, slot, owned in self._updates:
            value = v[slot]
            if type(value) is not torch.Tensor or value.requires_grad:
                value = as_tensor(value).detach()
            var.value = value if owned else value.clone()


def compile_program(plan, caller, raw, inplace=True, placement=None, gradient_hook=None):
    """The plan as one Python function over the slot list, calling ``raw``'s implementations
    (the backend module's ``__raw__``).

    Args:
        placement: ``{result slot: torch.device}``: those steps first move their tensor
            arguments to that device (differentiably: autograd brings the gradients back),
            for ``multi_gpu_model``'s replicas (``distribute.py``).
        gradient_hook: ``hook(gradients) -> gradients`` applied to the result of every
            ``gradients`` step before anything reads it (the all-reduce of data parallelism).

    Returns ``(program, leaf_slots, input_targets)``: the variable slots that get
    fresh autograd leaves, and the input slots differentiated against.
    """
    gradient_steps = [s for s in plan.steps if s.op == "gradients"]
    with_grad, targets = set(), set()
    for g in gradient_steps:
        with_grad.update(s.out for s in gradient_region(plan, g))
        targets.update(g.args[1:])
    addcdiv_values = {}
    if inplace:
        plan, addcdiv_values = fuse_addcdiv(plan, with_grad | targets)
    variable_slots = {slot for _, slot in plan.variables}
    input_targets = [slot for slot in targets if slot < len(plan.inputs)]
    calls = []
    # not in traced sub-graphs: they may run under the caller's autograd, which can have saved
    # a temporary for its backward pass
    inplace = inplace_steps(plan, skip=with_grad | targets, donate=True, fresh_gradients=True,
                            fused={ADDCDIV}) if inplace else {}
    for i, step in enumerate(plan.steps):
        if step.op == "gradients":
            last = step is gradient_steps[-1]
            calls.append((_gradient(step, last, gradient_hook), step.args, step.out, False))
            continue
        if step.op == ADDCDIV:
            fn = _addcdiv(step, addcdiv_values[step.out], i in inplace,
                          donated=step.args[0] in variable_slots)
            calls.append((fn, step.args, step.out, False))
            continue
        fn = resolve_common(step, raw, OPERATORS, PLAIN_OPERATORS, UPDATE_VALUES,
                            _subgraph_runner(raw))
        if i in inplace:
            position = inplace[i]
            fn = _inplace(step, fn, position, donated=step.args[position] in variable_slots)
        elif step.op == "sqrt" and step.out not in with_grad:
            fn = _sqrt(fn)
        if placement and step.out in placement:
            fn = _on_device(fn, placement[step.out])
        calls.append((fn, step.args, step.out, step.out in with_grad))
        if step.out in targets:
            calls.append((_requiring_grad, (step.out,), step.out, True))
    return (lower_plan(plan, calls, grad_context=torch.enable_grad), targets & variable_slots,
            input_targets)


ADDCDIV = "__addcdiv__"
#: dtypes whose CPU/GPU ``addcdiv`` kernel rounds ``p + value * g / d`` step by step, as
#: the three separate kernels do (half types compute in float32 and round once).
_ADDCDIV_DTYPES = ("float32", "float64")


def fuse_addcdiv(plan, exclude):
    """``(plan, values)``: ``plan`` (a shallow copy when anything changed) with each
    ``p - c * g / d`` (``p + ...``, ``g * c``: three element-wise steps whose two temporaries
    nothing else reads) as one ``ADDCDIV`` step with arguments ``(p, g, d)``; ``values``
    maps its result slot to ``value`` in ``torch.addcdiv(p, g, d, value=value)``.

    This is the update of RMSprop, Adam, Adagrad, Adamax and Nadam. ``addcdiv``
    computes ``p + value * g / d`` in that order and ``-(c * g) / d`` is exactly
    ``-((c * g) / d)``, so the result is bit for bit that of the three steps: two
    passes over the parameter and one allocation fewer. ``exclude``: slots
    computed with autograd on.
    """
    steps = plan.steps
    producer = {step.out: step for step in steps}
    reads = {}
    for step in steps:
        slots = list(step.args)
        if step.op == "gradients":
            for s in gradient_region(plan, step):
                slots += list(s.args) + [s.out]
        for a in slots:
            reads[a] = reads.get(a, 0) + 1
    kept = set(plan.outputs) | {slot for _, slot in plan.updates} | set(exclude)

    def plain(step, op):
        return (step is not None and step.op == op and step.node is not None
                and step.node.structure is None and tuple(step.names) == ("x", "y")
                and plain_operator_allowed(step) and step.node.dtype in _ADDCDIV_DTYPES)

    def temporary(slot, op):
        step = producer.get(slot)
        if plain(step, op) and step.out not in kept and reads.get(slot) == 1:
            return step
        return None

    def tensor(value):
        return not is_number(value)

    values, replaced, removed = {}, {}, set()
    for step in steps:
        if step.out in exclude:
            continue
        if not (plain(step, "__sub__") or plain(step, "__add__")):
            continue
        x, y = step.node.params["x"], step.node.params["y"]
        orders = [(0, 1)] + ([(1, 0)] if step.op == "__add__" else [])
        for p_position, t_position in orders:
            div = temporary(step.args[t_position], "__truediv__")
            if div is None or not tensor((x, y)[p_position]) or not tensor(div.node.params["y"]):
                continue
            mul = temporary(div.args[0], "__mul__")
            if mul is None:
                continue
            mx, my = mul.node.params["x"], mul.node.params["y"]
            if is_number(mx) and not isinstance(mx, bool) and tensor(my):
                c, g = mx, mul.args[1]
            elif is_number(my) and not isinstance(my, bool) and tensor(mx):
                c, g = my, mul.args[0]
            else:
                continue
            values[step.out] = -c if step.op == "__sub__" else c
            replaced[step.out] = Step(ADDCDIV, step.node, ("x", "tensor1", "tensor2"),
                                      (step.args[p_position], g, div.args[1]), step.out)
            removed.update((mul.out, div.out))
            break
    if not values:
        return plan, values
    fused = copy.copy(plan)
    fused.steps = [replaced.get(step.out, step) for step in steps if step.out not in removed]
    return fused, values


def _addcdiv(step, value, inplace, donated):
    """The fused ``p + value * g / d`` (see :func:`fuse_addcdiv`), into ``p`` when ``inplace``."""
    Tensor = torch.Tensor
    dtype = getattr(torch, step.node.dtype)

    def addcdiv(p, g, d):
        if type(p) is Tensor and type(g) is Tensor and type(d) is Tensor \
                and p.dtype == g.dtype == d.dtype == dtype:
            if inplace and (not p.requires_grad or (donated and p.is_leaf)):
                return p.detach().addcdiv_(g, d, value=value)
            return torch.addcdiv(p, g, d, value=value)
        # not the tensors the graph promised: the three steps, out of place
        return operator.add(p, (value * g) / d)
    return addcdiv


_INPLACE = {"__add__": torch.Tensor.add_, "__sub__": torch.Tensor.sub_,
            "__mul__": torch.Tensor.mul_, "__truediv__": torch.Tensor.div_}
_OUT = {"__sub__": torch.sub, "__truediv__": torch.div}


def _inplace(step, fn, position, donated=False):
    """``fn`` computing into its dead operand ``position`` (see graph/inplace.py).

    The in-place kernel is the out-of-place one with the same operands (the operand
    has the result's dtype; ``a + b`` and ``a * b`` commute exactly; ``n - t`` is
    ``-t + n`` exactly); anything unexpected falls back to ``fn``. A ``donated``
    operand is a variable's fresh autograd leaf, whose backward pass is over: it
    is written through a detached alias of its storage.
    """
    Tensor = torch.Tensor
    dtype = getattr(torch, step.node.dtype, None)
    op = step.op

    def writable(t):
        if type(t) is not Tensor or t.dtype != dtype:
            return None
        if t.requires_grad:
            return t.detach() if donated and t.is_leaf else None
        return t

    if op == "sqrt":
        def sqrt(x):
            target = writable(x)
            if target is not None and target.is_floating_point():
                return target.clamp_(min=0.0).sqrt_()
            return fn(x)
        return sqrt
    if op == "square":
        def square(x):
            target = writable(x)
            if target is not None:
                return target.mul_(target)
            return fn(x)
        return square
    method = _INPLACE[op]
    if position == 0:
        def binary(x, y):
            target = writable(x)
            if target is not None:
                return method(target, y)
            return fn(x, y)
        return binary
    if op in ("__add__", "__mul__"):
        def commuted(x, y):
            target = writable(y)
            if target is not None:
                return method(target, x)
            return fn(x, y)
        return commuted
    out_fn = _OUT[op]

    def into_y(x, y):
        target = writable(y)
        if target is not None:
            if type(x) is Tensor:
                return out_fn(x, target, out=target)
            if op == "__sub__" and isinstance(x, (int, float)) and not isinstance(x, bool):
                return target.neg_().add_(x)
        return fn(x, y)
    return into_y


def _sqrt(fn):
    """Keras's sqrt (clamp negatives to 0, then sqrt) with one allocation instead of two."""
    def sqrt(x):
        if type(x) is torch.Tensor and x.is_floating_point() and not x.requires_grad and x.ndim:
            return torch.clamp(x, min=0.0).sqrt_()
        return fn(x)
    return sqrt


def _requiring_grad(t):
    """An intermediate tensor differentiated against: a leaf unless autograd already tracks it."""
    if t.requires_grad or not t.is_floating_point():
        return t
    return t.detach().requires_grad_()


def _on_device(fn, device):
    """``fn`` with its tensor arguments (also inside lists and tuples) moved to ``device``."""
    def move(value):
        if type(value) is torch.Tensor:
            return value if value.device == device else value.to(device)
        if type(value) in (list, tuple):
            return type(value)(move(item) for item in value)
        return value

    def placed(*args):
        return fn(*[move(a) for a in args])
    return placed


def _gradient(step, last, hook=None):
    """``fn(loss, *targets) -> [gradient per target]`` with ``torch.autograd.grad``;
    ``hook`` (if any) transforms the list."""
    def gradient(loss, *targets):
        wanted = [i for i, t in enumerate(targets) if isinstance(t, torch.Tensor)
                  and t.requires_grad]
        grads = [None] * len(targets)
        if loss.requires_grad and wanted:
            found = torch.autograd.grad(
                loss, [targets[i] for i in wanted],
                grad_outputs=None if loss.ndim == 0 else torch.ones_like(loss),
                allow_unused=True, retain_graph=not last)
            for i, g in zip(wanted, found):
                grads[i] = g
        grads = [torch.zeros_like(t) if g is None else g.detach()
                 for g, t in zip(grads, targets)]
        return grads if hook is None else hook(grads)
    return gradient


def compile_subgraph(sub, caller, raw):
    """A traced function as ``fn(*stand_in_values, *captured_values) -> flat outputs``.

    No in-place writes: a subgraph may run under the caller's autograd.
    """
    return shared_compile_subgraph(
        sub, caller, lambda plan: compile_program(plan, caller, raw, inplace=False)[0])


def _subgraph_runner(raw):
    """``(step, raw_fn) -> fn`` running a sub-graph op with ``raw``'s implementations."""
    def runner(step, raw_fn):
        return subgraph_runner(step, raw_fn, lambda sub, caller: compile_subgraph(sub, caller, raw))
    return runner


#: The executor of the backend protocol (docs/BACKENDS.md).
Function = TorchFunction

