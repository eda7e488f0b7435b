"""JAX's compiled functions: the whole call -- forward, gradients, updates -- under one ``jax.jit``.

The plan is traced once per input signature (shapes and dtypes of the
feeds). Variable values are arguments of the traced function and their new
values are results, written back to the variables after the call. Random
ops draw from a PRNG key passed in and threaded through the call
(``random.key_provider``), so every call gets fresh numbers without
retracing. A ``gradients`` node evaluates the steps between its targets and
its loss inside ``jax.value_and_grad`` (the other values of the call are
constants there), and those steps' values are reused by the rest of the
call: the forward pass is computed once.
"""

from __future__ import annotations

import collections
import weakref

import jax
import jax.numpy as jnp
import numpy as np

from polykeras.backend.graph.executor import (
    RANDOM_OPS,
    SUBGRAPH_OPS,
    GraphFunction,
    InterruptsDeferred,
    learning_phase_default,
    resolve_common,
    subgraph_runner,
)
from polykeras.backend.graph.executor import compile_subgraph as shared_compile_subgraph
from polykeras.backend.graph.plan import GraphError, gradient_region, is_operator
from polykeras.backends.common import checks
from polykeras.backends.common.symbolic import PLAIN_OPERATORS, operator_functions, update_values

from . import random as jax_random
from .core import OPS, as_tensor

OPERATORS, UPDATE_VALUES = operator_functions(OPS), update_values(OPS)

#: Compiled programs a function keeps (one per input signature: feed shapes, learning phase),
#: the least recently used dropped first; ``clear_session()`` drops them all.
MAX_COMPILED = 8

#: Every live function, for ``clear_session()``.
_LIVE = weakref.WeakSet()


def clear_compiled():
    """Drop the compiled programs of every function and JAX's own caches (``clear_session``)."""
    for function in list(_LIVE):
        function._compiled.clear()
    jax.clear_caches()


class JaxFunction(GraphFunction):
    """A compiled function; ``trace_count`` says how many times the plan was traced.

    XLA compiles one program per input signature. A function keeps at most
    ``max_compiled`` (:data:`MAX_COMPILED`) of them, least recently used dropped first, so
    memory stays bounded however many batch sizes it sees; they are freed with the function
    (deleting the model that holds it) or by ``K.clear_session()``. ``predict`` also pads
    a last partial batch to the batch size (``pads_partial_batches``) so it reuses the
    program of the full batches.
    """

    backend_name = "jax"
    asynchronous = True
    pads_partial_batches = True

    def __init__(self, *args, jit=True, max_compiled=None, **kwargs):
        self._use_jit = jit
        self.trace_count = 0
        self.max_compiled = MAX_COMPILED if max_compiled is None else int(max_compiled)
        self._compiled = collections.OrderedDict()
        super().__init__(*args, **kwargs)
        _LIVE.add(self)

    def _literal(self, op, name, value):
        if is_operator(op) and isinstance(value, (np.ndarray, np.generic)):
            return as_tensor(value)
        return value

    def _compile(self):
        plan = self.plan
        self._schedule = build_schedule(plan, self.caller, self.raw)
        self._initial = plan.initial_slots()
        self._n_feeds = len(plan.inputs)
        self._variables = plan.variables
        self._defaults = plan.defaults
        self._output_slots = plan.outputs[:self.n_outputs]
        self._update_slots = [slot for _, slot in plan.updates]
        self._update_variables = [var for var, _ in plan.updates]
        variable_slots = {id(var): slot for var, slot in plan.variables}
        self._update_variable_slots = [variable_slots.get(id(var)) for var, _ in plan.updates]
        self._check_messages = []
        self._random = self._use_jit and uses_random(plan)
        self._key = jax_random.next_key() if self._random else None
        # The learning phase is a static argument: XLA then drops the branch of every
        # in_train_phase that is not taken (predict does not compute dropout). A function
        # traces once per phase value it is called with, and Keras's train/test/predict
        # functions each use one.
        self._phase_feeds = [i for i, p in enumerate(plan.inputs)
                             if getattr(p, "_learning_phase", False)]
        self._compiled.clear()

    @classmethod
    def evaluate(cls, tensors, caller, raw):
        """The values of symbolic ``tensors``, run eagerly (no compilation for one call)."""
        return cls([], list(tensors), caller=caller, raw=raw, jit=False)([])

    def _traced(self, feeds, defaults, variables, key, phases=()):
        with checks.collecting() as found:
            outputs, updates, key = self._traced_plan(feeds, defaults, variables, key, phases)
        if not found:
            return outputs, updates, key, None
        # Deferred value checks (common/checks.py): their flags and first offending values are
        # results; when one is set, every variable keeps its value.
        self._check_messages = [(error_type, message) for error_type, message, _, _ in found]
        bad = jnp.stack([flag for _, _, flag, _ in found])
        values = jnp.stack([jnp.asarray(value, jnp.float64) for _, _, _, value in found])
        any_bad = jnp.any(bad)
        old = {slot: value for (_, slot), value in zip(self._variables, variables)}
        updates = [jnp.where(any_bad, old[slot], new) if slot in old else new
                   for slot, new in zip(self._update_variable_slots, updates)]
        return outputs, updates, key, (bad, values)

    def _traced_plan(self, feeds, defaults, variables, key, phases):
        self.trace_count += 1
        v = self._initial.copy()
        v[:self._n_feeds] = feeds
        # NumPy, not jnp: under jit jnp.asarray makes a tracer, and switch needs the Python value
        for i, phase in zip(self._phase_feeds, phases):
            v[i] = np.asarray(phase)
        for (_, slot), value in zip(self._defaults, defaults):
            v[slot] = None if value is None else np.asarray(value)
        for (_, slot), value in zip(self._variables, variables):
            v[slot] = value
        if key is None:
            for item in self._schedule:
                item(v)
        else:
            keys = [key]

            def provider():
                keys[0], sub = jax.random.split(keys[0])
                return sub
            with jax_random.key_provider(provider):
                for item in self._schedule:
                    item(v)
            key = keys[0]
        return ([v[s] for s in self._output_slots], [v[s] for s in self._update_slots], key)

    def dispatch(self, inputs):
        feeds = self.check_feeds(inputs)
        if not self._update_variables:
            return Pending(*self._launch(feeds))
        with InterruptsDeferred():
            return Pending(*self._launch(feeds))

    def _run(self, feeds):
        return Pending(*self._launch(feeds)).result()

    def _launch(self, feeds):
        """Start the compiled call, write the new variable values; the outputs as device arrays
        and the flags of the deferred value checks (None when the plan has none)."""
        defaults = tuple(None if d is None else bool(d)
                         for d in (learning_phase_default(p) for p, _ in self._defaults))
        phases = tuple(bool(feeds[i]) for i in self._phase_feeds)
        outputs, new_values, self._key, flags = self._program(feeds, defaults, phases)(
            feeds, defaults, [var.value for var, _ in self._variables], self._key, phases)
        for var, value in zip(self._update_variables, new_values):
            var.value = value
        return outputs, flags, self._check_messages


    def _program(self, feeds, defaults, phases):
        """The compiled program for this input signature, from the LRU (made when missing)."""
        if not self._use_jit:
            return self._traced
        key = (tuple(f.shape for f in feeds), defaults, phases)
        compiled = self._compiled
        program = compiled.get(key)
        if program is None:
            # a jit of its own per signature: dropping it frees its executable
            program = compiled[key] = jax.jit(self._traced, static_argnums=(1, 4))
            while len(compiled) > max(self.max_compiled, 1):
                compiled.popitem(last=False)
        else:
            compiled.move_to_end(key)
        return program

    @property
    def compiled_count(self):
        """How many compiled programs the function holds now."""
        return len(self._compiled)


def _register_reset_hook():
    from polykeras.backend.graph import state
    if clear_compiled not in state.RESET_HOOKS:
        state.RESET_HOOKS.append(clear_compiled)


_register_reset_hook()


class Pending:
    """A started call: ``result()`` waits for its outputs and gives them as NumPy arrays.

    A deferred value check that failed (an index out of range inside the compiled function,
    ``common/checks.py``) raises its error here; the call then changed no variable.
    """

    __slots__ = ("outputs", "flags", "messages")

    def __init__(self, outputs, flags=None, messages=()):
        self.outputs = outputs
        self.flags = flags
        self.messages = messages

    def result(self):
        self.raise_failed_checks()
        return [np.array(o) for o in self.outputs]

    def raise_failed_checks(self, to_numpy=np.asarray):
        if self.flags is not None:
            bad, values = (to_numpy(a) for a in self.flags)
            for (error_type, message), failed, value in zip(self.messages, bad, values):
                if failed:
                    raise error_type(checks.format_message(message, value))


def uses_random(plan) -> bool:
    """Whether the plan draws random numbers (an op declared ``random``; any sub-graph may)."""
    for step in plan.steps:
        if step.op in RANDOM_OPS:
            return True
        if step.op in SUBGRAPH_OPS:
            return True  # the traced function may draw random numbers
    return False


def _call(fn, args, out):
    def item(v):
        v[out] = fn(*[v[a] for a in args])
    return item


def _resolver(caller, raw):
    runner = _subgraph_runner(raw)

    def resolve(step):
        return resolve_common(step, raw, OPERATORS, PLAIN_OPERATORS, UPDATE_VALUES, runner)
    return resolve


def build_schedule(plan, caller, raw):
    """The plan as a list of ``item(v)`` callables, gradient regions grouped under their node.

    Steps of a gradient region run inside that node's ``value_and_grad``; the
    others run in dependency order, after the regions whose values they use. ``raw`` holds
    the backend module's raw implementations (its ``__raw__``).
    """
    resolve = _resolver(caller, raw)
    gradient_steps = [s for s in plan.steps if s.op == "gradients"]
    regions = {}
    for g in gradient_steps:
        if _chained_targets(plan, g):
            raise GraphError(f"{caller}: Expected gradients with respect to tensors none of which "
                             "depends on another on the JAX backend. Received: "
                             f"{g.node.params['variables']}")
        regions[id(g)] = gradient_region(plan, g, cut_targets=True)
    deferred = {s.out for region in regions.values() for s in region}
    available = set(range(len(plan.inputs)))
    available.update(slot for _, slot in plan.defaults)
    available.update(slot for _, slot in plan.variables)
    available.update(slot for slot, _ in plan.constants)

    def needs(step):
        if step.op != "gradients":
            return set(step.args)
        region = regions[id(step)]
        produced = {s.out for s in region}
        inputs = {a for s in region for a in s.args if a not in produced}
        return inputs | set(step.args[1:])

    pending = [s for s in plan.steps if s.out not in deferred]
    schedule = []
    while pending:
        remaining = []
        for step in pending:
            if not needs(step) <= available:
                remaining.append(step)
                continue
            if step.op == "gradients":
                region = regions[id(step)]
                schedule.append(_gradient_item(step, [(resolve(s), s.args, s.out) for s in region]))
                available.update(s.out for s in region)
            else:
                schedule.append(_call(resolve(step), step.args, step.out))
            available.add(step.out)
        if len(remaining) == len(pending):
            raise GraphError(f"{caller}: the graph cannot be scheduled (gradients of gradients "
                             "are not supported)")
        pending = remaining
    return schedule


def _chained_targets(plan, step):
    """Whether a target of ``step`` (a ``gradients`` node) is computed from another of its
    targets."""
    targets = set(step.args[1:])
    depends = set(targets)
    for s in plan.steps[:plan.steps.index(step)]:
        if any(a in depends for a in s.args):
            if s.out in targets:
                return True
            depends.add(s.out)
    return False


def _gradient_item(step, region_calls):
    """``item(v)``: the region's values and the gradients of ``step``, from one value_and_grad."""
    loss_slot = step.args[0]
    targets = list(dict.fromkeys(step.args[1:]))  # each slot once
    outs = [out for _, _, out in region_calls]

    def item(v):
        floats = [s for s in targets if jnp.issubdtype(jnp.asarray(v[s]).dtype, jnp.floating)]

        def loss_fn(values):
            w = list(v)
            for slot, value in zip(floats, values):
                w[slot] = value
            for fn, args, out in region_calls:
                w[out] = fn(*[w[a] for a in args])
            return jnp.sum(w[loss_slot]), [w[out] for out in outs]

        (_, values), grads = jax.value_and_grad(loss_fn, has_aux=True)([v[s] for s in floats])
        for out, value in zip(outs, values):
            v[out] = value
        by_slot = dict(zip(floats, grads))
        v[step.out] = [by_slot[s] if s in by_slot else jnp.zeros_like(v[s]) for s in step.args[1:]]
    return item


def compile_subgraph(sub, caller, raw):
    """A traced function as ``fn(*stand_in_values, *captured_values) -> flat outputs``
    (traceable)."""
    def lower(plan):
        schedule = build_schedule(plan, caller, raw)

        def program(v):
            for item in schedule:
                item(v)
        return program
    return shared_compile_subgraph(sub, caller, lower)


def _subgraph_runner(raw):
    """``(step, raw_fn) -> fn`` running a sub-graph op with ``raw``'s implementations."""
    def runner(step, raw_fn):
        return subgraph_runner(step, raw_fn, lambda sub, caller: compile_subgraph(sub, caller, raw))
    return runner


#: The executor of the backend protocol (docs/BACKENDS.md).
Function = JaxFunction

