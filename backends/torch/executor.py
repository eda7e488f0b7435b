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

from polykeras.backend.graph.executor import (GraphFunction, learning_phase_default, resolve_common,
                                              subgraph_runner)
from polykeras.backend.graph.plan import GraphError, build_plan, gradient_region, is_operator, lower
from polykeras.backends.common.dtypes import FLOAT_DTYPES
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


def compile_program(plan, caller):
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
    for step in plan.steps:
        if step.op == "gradients":
            last = step is gradient_steps[-1]
            calls.append((_gradient(step, last), step.args, step.out, False))
            continue
        fn = resolve_common(step, raw, OPERATORS, PLAIN_OPERATORS, UPDATE_VALUES, _subgraph_runner)
        calls.append((fn, step.args, step.out, step.out in with_grad))
        if step.out in targets:
            calls.append((_requiring_grad, (step.out,), step.out, True))
    return lower(calls, grad_context=torch.enable_grad), targets & variable_slots, input_targets


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
    """A traced function as ``fn(*stand_in_values, *captured_values) -> flat outputs``."""
    plan = build_plan(list(sub.inputs) + list(sub.captured), sub.outputs, [], caller,
                      allow_variable_inputs=True)
    if plan.updates:
        raise GraphError(f"{caller}: Expected a function without variable updates inside "
                         f"{caller}. Received: {len(plan.updates)} update(s)")
    program, _, _ = compile_program(plan, caller)
    initial = plan.initial_slots()
    n = len(plan.inputs)
    outputs = plan.outputs

    def run(*values):
        v = initial.copy()
        v[:n] = values
        program(v)
        return [v[s] for s in outputs]
    return run


def _subgraph_runner(step, raw_fn):
    return subgraph_runner(step, raw_fn, compile_subgraph)

