"""PyTorch's compiled functions: the plan lowered to straight-line Python over the raw functions.

Every call runs under ``torch.no_grad()`` except the steps between the
differentiated tensors and a loss, which run with autograd on fresh leaves
(``var.value.detach().requires_grad_()``); ``torch.autograd.grad`` gives the
gradients and nothing of the autograd graph outlives the call. Updates
rebind the variables to their new tensors (cloned when they would share
memory with another variable or an input).
"""

from __future__ import annotations

import importlib

import numpy as np
import torch

from polykeras.backend.graph.executor import compile_subgraph as shared_compile_subgraph
from polykeras.backend.graph.executor import (GraphFunction, learning_phase_default,
                                              plain_operator_allowed, resolve_common, subgraph_runner)
from polykeras.backend.graph.plan import gradient_region, is_operator
from polykeras.backends.common.dtypes import FLOAT_DTYPES
from polykeras.backends.common.inplace import FRESH_OPS, inplace_steps
from polykeras.backends.common.lazy_switch import lower_plan
from polykeras.backends.common.symbolic import PLAIN_OPERATORS

from .core import DEVICE, as_tensor, to_numpy
from .symbolic import OPERATORS, UPDATE_VALUES


def _raw():
    return importlib.import_module("polykeras.backends.torch").__raw__


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


def _storage(t):
    return t.untyped_storage().data_ptr()


class TorchFunction(GraphFunction):
    backend_name = "torch"

    def _literal(self, op, name, value):
        if is_operator(op) and isinstance(value, (np.ndarray, np.generic)):
            return as_tensor(value)
        return value

    def _compile(self):
        plan = self.plan
        self._program, leaves, input_targets = compile_program(plan, self.caller)
        self._initial = plan.initial_slots()
        self._feed_dtypes = [spec.dtype for spec in self.feed_specs]
        self._input_targets = input_targets
        self._variables = [(var, slot, slot in leaves and var.dtype in FLOAT_DTYPES)
                           for var, slot in plan.variables]
        self._defaults = plan.defaults
        self._output_slots = plan.outputs[:self.n_outputs]
        self._updates = plan.updates
        self._fresh_updates = _fresh_updates(plan)

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
            self._apply_updates(v, feeds)
        return outputs

    def _apply_updates(self, v, feeds):
        if self._fresh_updates:
            # every new value is a tensor this call allocated, one per update: nothing to clone
            for var, slot in self._updates:
                value = v[slot]
                var.value = value.detach() if value.requires_grad else value
            return
        # A new value sharing memory with a variable or an input is cloned: torch's
        # set_value copies in place, which must never change another variable.
        shared = {_storage(var.value) for var, _, _ in self._variables}
        shared.update(_storage(v[i]) for i in range(len(feeds)))
        new_values = []
        for var, slot in self._updates:
            value = v[slot]
            if value.requires_grad:
                value = value.detach()
            storage = _storage(value)
            if storage in shared:
                value = value.clone()
                storage = _storage(value)
            shared.add(storage)
            new_values.append(value)
        for (var, _), value in zip(self._updates, new_values):
            var.value = value


_FRESH_UPDATES = ("update_add", "update_sub", "moving_average_update")


def _fresh_updates(plan) -> bool:
    """Whether every update value is a distinct tensor allocated by the call itself (an
    arithmetic result, possibly computed in place into a dead temporary), so that no new
    value can share memory with a variable, an input or another new value."""
    producers = {step.out: step for step in plan.steps}
    roots = []
    for _, slot in plan.updates:
        step = producers.get(slot)
        if step is None:
            return False
        if step.op in _FRESH_UPDATES:
            roots.append(slot)
            continue
        if step.op != "update":
            return False
        root = step.args[step.names.index("new_x")] if "new_x" in step.names else None
        source = producers.get(root)
        if source is None or source.op not in FRESH_OPS or source.node is None \
                or source.node.structure is not None \
                or (is_operator(source.op) and not plain_operator_allowed(source)):
            return False
        roots.append(root)
    return len(set(roots)) == len(roots)


def compile_program(plan, caller, inplace=True):
    """The plan as one Python function over the slot list.

    Returns ``(program, leaf_slots, input_targets)``: the variable slots that get
    fresh autograd leaves, and the input slots differentiated against.
    """
    raw = _raw()
    gradient_steps = [s for s in plan.steps if s.op == "gradients"]
    with_grad, targets = set(), set()
    for g in gradient_steps:
        with_grad.update(s.out for s in gradient_region(plan, g))
        targets.update(g.args[1:])
    variable_slots = {slot for _, slot in plan.variables}
    input_targets = [slot for slot in targets if slot < len(plan.inputs)]
    calls = []
    # not in traced sub-graphs: they may run under the caller's autograd, which can have saved
    # a temporary for its backward pass
    inplace = inplace_steps(plan, skip=with_grad | targets) if inplace else {}
    for i, step in enumerate(plan.steps):
        if step.op == "gradients":
            last = step is gradient_steps[-1]
            calls.append((_gradient(step, last), step.args, step.out, False))
            continue
        fn = resolve_common(step, raw, OPERATORS, PLAIN_OPERATORS, UPDATE_VALUES, _subgraph_runner)
        if i in inplace:
            fn = _inplace(step, fn, inplace[i])
        elif step.op == "sqrt" and step.out not in with_grad:
            fn = _sqrt(fn)
        calls.append((fn, step.args, step.out, step.out in with_grad))
        if step.out in targets:
            calls.append((_requiring_grad, (step.out,), step.out, True))
    return (lower_plan(plan, calls, grad_context=torch.enable_grad), targets & variable_slots,
            input_targets)


_INPLACE = {"__add__": torch.Tensor.add_, "__sub__": torch.Tensor.sub_, "__mul__": torch.Tensor.mul_,
            "__truediv__": torch.Tensor.div_}
_OUT = {"__sub__": torch.sub, "__truediv__": torch.div}


def _inplace(step, fn, position):
    """``fn`` computing into its dead temporary operand ``position`` (see common/inplace.py).

    The in-place kernel is the out-of-place one with the same operands (the operand
    has the result's dtype; ``a + b`` and ``a * b`` commute exactly; ``n - t`` is
    ``-t + n`` exactly); anything unexpected falls back to ``fn``.
    """
    Tensor = torch.Tensor
    dtype = getattr(torch, step.node.dtype, None)
    op = step.op
    if op == "sqrt":
        def sqrt(x):
            if type(x) is Tensor and x.dtype == dtype and x.is_floating_point() and not x.requires_grad:
                return x.clamp_(min=0.0).sqrt_()
            return fn(x)
        return sqrt
    if op == "square":
        def square(x):
            if type(x) is Tensor and x.dtype == dtype and not x.requires_grad:
                return x.mul_(x)
            return fn(x)
        return square
    method = _INPLACE[op]
    if position == 0:
        def binary(x, y):
            if type(x) is Tensor and x.dtype == dtype and not x.requires_grad:
                return method(x, y)
            return fn(x, y)
        return binary
    if op in ("__add__", "__mul__"):
        def commuted(x, y):
            if type(y) is Tensor and y.dtype == dtype and not y.requires_grad:
                return method(y, x)
            return fn(x, y)
        return commuted
    out_fn = _OUT[op]

    def into_y(x, y):
        if type(y) is Tensor and y.dtype == dtype and not y.requires_grad:
            if type(x) is Tensor:
                return out_fn(x, y, out=y)
            if op == "__sub__" and isinstance(x, (int, float)) and not isinstance(x, bool):
                return y.neg_().add_(x)
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


def _gradient(step, last):
    """``fn(loss, *targets) -> [gradient per target]`` with ``torch.autograd.grad``."""
    def gradient(loss, *targets):
        wanted = [i for i, t in enumerate(targets) if isinstance(t, torch.Tensor) and t.requires_grad]
        grads = [None] * len(targets)
        if loss.requires_grad and wanted:
            found = torch.autograd.grad(
                loss, [targets[i] for i in wanted],
                grad_outputs=None if loss.ndim == 0 else torch.ones_like(loss),
                allow_unused=True, retain_graph=not last)
            for i, g in zip(wanted, found):
                grads[i] = g
        return [torch.zeros_like(t) if g is None else g.detach()
                for g, t in zip(grads, targets)]
    return gradient


def compile_subgraph(sub, caller):
    """A traced function as ``fn(*stand_in_values, *captured_values) -> flat outputs``.

    No in-place writes: a subgraph may run under the caller's autograd.
    """
    return shared_compile_subgraph(
        sub, caller, lambda plan: compile_program(plan, caller, inplace=False)[0])


def _subgraph_runner(step, raw_fn):
    return subgraph_runner(step, raw_fn, compile_subgraph)

