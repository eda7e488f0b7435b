"""NumPy's compiled functions: the plan lowered to straight-line Python over the raw functions.

Gradients are a reverse walk over the same plan (``autodiff.py``) that
reuses the values of the forward pass.
"""

from __future__ import annotations

import numpy as np

from polykeras.backend.contract import FUNCTIONS
from polykeras.backend.graph.executor import (
    SUBGRAPH_OPS,
    GraphFunction,
    callable_position,
    learning_phase_default,
    resolve_common,
    subgraph_runner,
    traced_callable,
)
from polykeras.backend.graph.executor import compile_subgraph as shared_compile_subgraph
from polykeras.backend.graph.inplace import donatable_variables, inplace_steps, owned_updates
from polykeras.backend.graph.lazy_switch import lower_plan
from polykeras.backend.graph.plan import GraphError, build_plan, gradient_region, lower
from polykeras.backend.graph.tensor import flatten_structure
from polykeras.backends.common.symbolic import PLAIN_OPERATORS, operator_functions, update_values

from . import autodiff
from .core import OPS

OPERATORS, UPDATE_VALUES = operator_functions(OPS), update_values(OPS)


class NumpyFunction(GraphFunction):
    backend_name = "numpy"

    def _compile(self):
        plan = self.plan
        self._program, _ = compile_program(plan, self.caller, self.raw)
        self._initial = plan.initial_slots()
        self._n_feeds = len(plan.inputs)
        self._variables = plan.variables
        self._defaults = plan.defaults
        self._output_slots = plan.outputs[:self.n_outputs]
        self._updates = [(var, slot, owned)
                         for (var, slot), owned in zip(plan.updates, owned_updates(plan))]

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
    update alone (``owned``, see graph/inplace.py), else a copy, so that a variable's array
    belongs to it alone (the call may then compute into it in place)."""
    if owned and type(value) is np.ndarray and value.base is None \
            and value.dtype == var.value.dtype and value.shape == var.value.shape:
        return value
    value = np.array(value, dtype=var.value.dtype, copy=True)
    if value.shape != var.value.shape:
        raise ValueError(f"function: Expected the update of variable {var.name!r} to have its "
                         "shape "
                         f"{var.value.shape}. Received: shape {value.shape}")
    return value


def compile_program(plan, caller, raw, inplace=True, tape_all=False):
    """The plan as one Python function over the slot list, and its taped steps.

    ``raw`` holds the raw implementations of the backend module (its ``__raw__``).

    Returns ``(program, tapes)``: ``program(v)`` runs the steps on the slot list
    ``v`` (of ``plan.size`` slots; it appends the tape slots itself), ``tapes``
    maps the result slot of each taped step to its :class:`~.autodiff.Tape`.
    The steps of ``rnn``/``map_fn``/``foldl``/``foldr``/``fused_*`` that a
    gradient is taken through (every one with ``tape_all``: the traced function
    of a differentiated sub-graph op) keep a tape for the reverse pass.
    ``inplace``: let element-wise steps compute into dead temporaries (off for a
    traced function whose runs are taped: its reverse pass reads every value). With
    ``tape_all`` every step runs, in order: the branches of a ``switch`` are not made lazy
    (``graph/lazy_switch.py``), as the reverse pass reads both.
    """
    calls = []
    tapes = _tapes(plan, raw, plan.steps if tape_all else [
        s for g in plan.steps if g.op == "gradients" for s in gradient_region(plan, g)])
    # the gradients are new arrays (autodiff.gradient_step copies one that could share memory
    # with a variable the call writes into)
    inplace = inplace_steps(plan, donate=True, fresh_gradients=True) if inplace else {}
    donated = set(donatable_variables(plan)) & {plan.steps[i].args[p] for i, p in inplace.items()}
    for i, step in enumerate(plan.steps):
        if step.op == "gradients":
            calls.append((autodiff.gradient_step(plan, step, caller, guarded=donated, tapes=tapes),
                          None, step.out))
            continue
        if step.out in tapes:
            calls.append((_taped(step, tapes[step.out], raw), None, step.out))
            continue
        fn = resolve_common(step, raw, OPERATORS, PLAIN_OPERATORS, UPDATE_VALUES,
                            _subgraph_runner(raw))
        if i in inplace:
            fn = _inplace(step, fn, inplace[i])
        elif step.op == "sqrt":
            fn = _sqrt(fn)
        calls.append((fn, step.args, step.out))
    program = lower(calls) if tape_all else lower_plan(plan, calls)
    if tapes:
        run, extra = program, [None] * len(tapes)

        def program(v):
            v.extend(extra)
            return run(v)
    return program, tapes


def _tapes(plan, raw, steps) -> dict:
    """``{result slot: Tape}`` for the taped ops among ``steps``; tape slots follow the plan's."""
    tapes = {}
    for step in steps:
        if step.op in autodiff.TAPED_OPS and step.out not in tapes:
            traced = None
            if step.op in SUBGRAPH_OPS:
                function = step.node.params[FUNCTIONS[step.op].higher_order]
                traced = TapedSubgraph(function, step.op, raw)
            tapes[step.out] = autodiff.Tape(plan.size + len(tapes), traced)
    return tapes


class TapedSubgraph:
    """A traced function compiled to keep the slot list of each of its runs.

    ``run(tape, *stand_in_values, *captured_values)`` appends the run's slot list to
    ``tape`` and returns the flat outputs; ``plan``, ``tapes`` and ``caller`` are what
    :class:`~.autodiff.SubgraphGradient` plans the reverse pass from.
    """

    def __init__(self, sub, caller, raw):
        self.caller = caller
        self.plan = build_plan(list(sub.inputs) + list(sub.captured), sub.outputs, [], caller,
                               allow_variable_inputs=True)
        if self.plan.updates:
            raise GraphError(f"{caller}: Expected a function without variable updates inside "
                             f"{caller}. Received: {len(self.plan.updates)} update(s)")
        self.program, self.tapes = compile_program(self.plan, caller, raw, inplace=False,
                                                   tape_all=True)
        self._initial = self.plan.initial_slots()
        self._n = len(self.plan.inputs)
        self._outputs = self.plan.outputs

    def run(self, tape, *values):
        v = self._initial.copy()
        v[:self._n] = values
        self.program(v)
        tape.append(v)
        return [v[s] for s in self._outputs]


def _taped(step, tape, raw):
    """``fn(v)`` computing a taped step from the slot list and keeping its tape in ``v``."""
    raw_fn = getattr(raw, step.op)
    args, slot = step.args, tape.slot
    structure = step.node.structure
    if step.op in SUBGRAPH_OPS:
        op, run = step.op, tape.traced.run
        position, n_params = callable_position(step)

        def taped_subgraph(v):
            values = [v[a] for a in args]
            params, captured = values[:n_params], values[n_params:]
            kept = []
            params[position] = traced_callable(op, lambda *ins: run(kept, *ins), captured)
            result = raw_fn(*params)
            v[slot] = kept
            return flatten_structure(result)[0] if structure is not None else result
        return taped_subgraph
    forward = autodiff.gradient_rules.TAPED[step.op][0]
    names = step.names

    def taped_op(v):
        result, kept = forward(**{name: v[a] for name, a in zip(names, args)})
        v[slot] = kept
        return flatten_structure(result)[0] if structure is not None else result
    return taped_op


_UFUNCS = {"__add__": np.add, "__sub__": np.subtract, "__mul__": np.multiply,
           "__truediv__": np.true_divide}


def _inplace(step, fn, position):
    """``fn`` computing into its dead temporary operand ``position`` (see graph/inplace.py).

    The same ufunc loop runs on the same operands (the operand has the result's
    dtype), so the values are those of ``fn``; anything unexpected falls back to ``fn``.
    """
    dtype = np.dtype(step.node.dtype) if step.node.dtype != "bfloat16" else None
    if step.op == "sqrt":
        def sqrt(x):
            if (type(x) is np.ndarray and x.dtype == dtype and x.dtype.kind == "f"
                    and x.flags.writeable):
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


def compile_subgraph(sub, caller, raw):
    """A traced function as ``fn(*stand_in_values, *captured_values) -> flat outputs``."""
    return shared_compile_subgraph(sub, caller, lambda plan: compile_program(plan, caller, raw)[0])


def _subgraph_runner(raw):
    """``(step, raw_fn) -> fn`` running a sub-graph op with ``raw``'s implementations."""
    def runner(step, raw_fn):
        return subgraph_runner(step, raw_fn, lambda sub, caller: compile_subgraph(sub, caller, raw))
    return runner


#: The executor of the backend protocol (docs/BACKENDS.md).
Function = NumpyFunction
