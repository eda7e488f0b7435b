"""NumPy's compiled functions: the plan lowered to straight-line Python over the raw functions.

Gradients are a reverse walk over the same plan (``autodiff.py``) that
reuses the values of the forward pass.
"""

from __future__ import annotations

import importlib

import numpy as np

from polykeras.backend.graph.executor import compile_subgraph as shared_compile_subgraph
from polykeras.backend.graph.executor import (GraphFunction, learning_phase_default, resolve_common,
                                              subgraph_runner)

from polykeras.backends.common.inplace import donatable_variables, inplace_steps, owned_updates
from polykeras.backends.common.lazy_switch import lower_plan
from polykeras.backends.common.symbolic import PLAIN_OPERATORS

from . import autodiff
from .symbolic import OPERATORS, UPDATE_VALUES


def _raw():
    return importlib.import_module("polykeras.backends.numpy").__raw__


class NumpyFunction(GraphFunction):
    backend_name = "numpy"

    def _compile(self):
        plan = self.plan
        self._program, self._tapes = compile_program(plan, self.caller)
        self._initial = plan.initial_slots()
        self._n_feeds = len(plan.inputs)
        self._variables = plan.variables
        self._defaults = plan.defaults
        self._output_slots = plan.outputs[:self.n_outputs]
        self._updates = [(var, slot, owned) for (var, slot), owned in zip(plan.updates, owned_updates(plan))]

    def _run(self, feeds):
        v = self._initial.copy()
        v[:self._n_feeds] = feeds
        for var, slot in self._variables:
            v[slot] = var.value
        for placeholder, slot in self._defaults:
            v[slot] = learning_phase_default(placeholder)
        self._program(v)
        outputs = [np.array(v[slot]) for slot in self._output_slots]
        if self._updates:
            new_values = [_assignable(v[slot], var, owned) for var, slot, owned in self._updates]
            for (var, _, _), value in zip(self._updates, new_values):
                var.value = value
        return outputs


def _assignable(value, var, owned):
    """``value`` as a variable's new array: taken as it is when the call allocated it for this
    update alone (``owned``, see common/inplace.py), else a copy, so that a variable's array
    belongs to it alone (the call may then compute into it in place)."""
    if owned and type(value) is np.ndarray and value.base is None and value.dtype == var.value.dtype \
            and value.shape == var.value.shape:
        return value
    value = np.array(value, dtype=var.value.dtype, copy=True)
    if value.shape != var.value.shape:
        raise ValueError(f"function: Expected the update of variable {var.name!r} to have its shape "
                         f"{var.value.shape}. Received: shape {value.shape}")
    return value


def compile_program(plan, caller):
    """The plan as one Python function over the slot list, and the rnn tapes it records into."""
    raw = _raw()
    calls = []
    # the gradients are new arrays (autodiff.gradient_step copies one that could share memory
    # with a variable the call writes into)
    inplace = inplace_steps(plan, donate=True, fresh_gradients=True)
    donated = set(donatable_variables(plan)) & {plan.steps[i].args[p] for i, p in inplace.items()}
    for i, step in enumerate(plan.steps):
        if step.op == "gradients":
            calls.append((autodiff.gradient_step(plan, step, caller, guarded=donated), None, step.out))
            continue
        fn = resolve_common(step, raw, OPERATORS, PLAIN_OPERATORS, UPDATE_VALUES, _subgraph_runner)
        if i in inplace:
            fn = _inplace(step, fn, inplace[i])
        elif step.op == "sqrt":
            fn = _sqrt(fn)
        calls.append((fn, step.args, step.out))
    return lower_plan(plan, calls), None


_UFUNCS = {"__add__": np.add, "__sub__": np.subtract, "__mul__": np.multiply, "__truediv__": np.true_divide}


def _inplace(step, fn, position):
    """``fn`` computing into its dead temporary operand ``position`` (see common/inplace.py).

    The same ufunc loop runs on the same operands (the operand has the result's
    dtype), so the values are those of ``fn``; anything unexpected falls back to ``fn``.
    """
    dtype = np.dtype(step.node.dtype) if step.node.dtype != "bfloat16" else None
    if step.op == "sqrt":
        def sqrt(x):
            if type(x) is np.ndarray and x.dtype == dtype and x.dtype.kind == "f" and x.flags.writeable:
                np.maximum(x, 0.0, out=x)  # np.clip's Python wrapper costs more than the pass
                return np.sqrt(x, out=x)
            return fn(x)
        return sqrt
    if step.op == "square":
        def square(x):
            if type(x) is np.ndarray and x.dtype == dtype and x.flags.writeable:
                return np.multiply(x, x, out=x)
            return fn(x)
        return square
    ufunc = _UFUNCS[step.op]
    if position == 0:
        def binary(x, y):
            if type(x) is np.ndarray and x.dtype == dtype and x.flags.writeable:
                return ufunc(x, y, out=x)
            return fn(x, y)
    else:
        def binary(x, y):
            if type(y) is np.ndarray and y.dtype == dtype and y.flags.writeable:
                return ufunc(x, y, out=y)
            return fn(x, y)
    return binary


def _sqrt(fn):
    """Keras's sqrt (clip negatives to 0, then sqrt) with one allocation instead of two."""
    def sqrt(x):
        if type(x) is np.ndarray and x.ndim and x.dtype.kind == "f" and x.dtype.itemsize >= 4:
            r = np.maximum(x, 0.0)
            return np.sqrt(r, out=r)
        return fn(x)
    return sqrt


def compile_subgraph(sub, caller):
    """A traced function as ``fn(*stand_in_values, *captured_values) -> flat outputs``."""
    return shared_compile_subgraph(sub, caller, lambda plan: compile_program(plan, caller)[0])


def _subgraph_runner(step, raw_fn):
    return subgraph_runner(step, raw_fn, compile_subgraph)
