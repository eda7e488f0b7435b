"""What every backend's compiled function shares: argument checks, feeds, step resolution.

Each backend's executor (the protocol member ``Function``, docs/BACKENDS.md)
subclasses :class:`GraphFunction` and says how to run a :class:`~.plan.Plan`
(NumPy and PyTorch run a lowered plan eagerly, JAX traces it under ``jax.jit``),
calling the raw implementations it is given (``raw``, the module's ``__raw__``).
"""

from __future__ import annotations

import operator
import signal

import numpy as np

from polykeras.backend.contract import FUNCTIONS
from polykeras.backend.variables import Variable
from polykeras.backends.common.dtypes import FLOAT_DTYPES, densify, exact_cast

from . import state
from .plan import OUTPUT_OP, PACK_OP, UPDATE_OPS, GraphError, build_plan, is_operator, pack_function
from .tensor import Tensor, flatten_structure

#: keyword arguments ``K.function`` accepts (Keras 2.2's TensorFlow ``Function``).
FUNCTION_KWARGS = ("name", "fetches", "feed_dict")
#: The ops whose recorded node keeps a traced sub-graph (``FunctionSpec.subgraph``).
SUBGRAPH_OPS = tuple(name for name, spec in FUNCTIONS.items() if spec.subgraph is not None)
#: The ops that draw fresh random numbers at each call (``FunctionSpec.random``).
RANDOM_OPS = frozenset(name for name, spec in FUNCTIONS.items() if spec.random)


class FeedSpec:
    """How one input of a function is checked and converted, precomputed once."""

    __slots__ = ("name", "shape", "dtype", "np_dtype", "rank")

    def __init__(self, tensor):
        from .inference import numpy_dtype
        self.name = tensor.name
        self.shape = tensor.shape
        self.dtype = tensor.dtype
        self.np_dtype = np.dtype(numpy_dtype(tensor.dtype))
        self.rank = len(tensor.shape)

    def check(self, value, caller="function") -> np.ndarray:
        """``value`` as a NumPy array of this input's dtype; errors name ``caller`` and the
        input."""
        if self.rank == 0 and type(value) in (bool, int, float) and self.dtype == "bool" \
                and value in (0, 1):
            return np.asarray(bool(value))  # the learning phase, fed every batch
        if not isinstance(value, np.ndarray):
            value = np.asarray(densify(value.numpy() if isinstance(value, Variable) else value))
        if value.dtype != self.np_dtype:
            value = self._cast(value, caller)
        shape = value.shape
        if len(shape) != self.rank or any(d is not None and d != s
                                          for d, s in zip(self.shape, shape)):
            raise ValueError(
                f"{caller}: Expected a value of shape {self.shape} for input {self.name!r} "
                f"(None: any size). Received: shape {shape}")
        return value

    def _cast(self, value, caller):
        """The value in this input's dtype; a lossy conversion (an int64 2**40 to int32, 1.5 to
        an integer, 1e300 to float32, None in an object array) raises (``exact_cast``)."""
        return exact_cast(value, self.dtype, caller, f"input {self.name!r}")


def learning_phase_default(placeholder):
    """The value of an unfed placeholder: the learning phase defaults to the fixed phase, else 0."""
    if getattr(placeholder, "_learning_phase", False):
        phase = state.current().learning_phase
        return np.asarray(bool(phase) if isinstance(phase, int) else False)
    return None


class GraphFunction:
    """A compiled ``K.function``: call it with a list (or a dict by input name) of arrays.

    Subclasses implement :meth:`_compile` (from ``self.plan``, calling the raw
    implementations ``self.raw``) and :meth:`_run` (converted feeds -> list of NumPy
    outputs; applies updates).

    Args:
        raw: the raw implementations of the backend module the function runs for (its
            ``__raw__``): ``getattr(raw, op)`` computes op ``op`` on arrays. Keyword-only;
            the module's ``function`` passes it.
    """

    backend_name = None

    def __init__(self, inputs, outputs, updates=None, name=None, fetches=None, feed_dict=None,
                 caller="function", *, raw=None):
        if raw is None:
            raise TypeError(f"{caller}: Expected the raw implementations of a backend module "
                            f"(raw=module.__raw__). Received: raw=None; build functions with "
                            f"the backend's K.function")
        self.raw = raw
        if not isinstance(inputs, (list, tuple)):
            raise TypeError(f"{caller}: Expected inputs to be a list or tuple of placeholders. "
                            f"Received: {type(inputs).__name__}")
        self.single_output = not isinstance(outputs, (list, tuple))
        outputs = [outputs] if self.single_output else list(outputs)
        if updates is not None and not isinstance(updates, (list, tuple)):
            raise TypeError(f"{caller}: Expected updates to be a list. Received: "
                            f"{type(updates).__name__}")
        self.name = name
        self.caller = caller
        self.inputs = list(inputs)
        self.outputs = outputs
        self.updates = list(updates or [])
        fetches = [] if fetches is None else (list(fetches) if isinstance(fetches, (list, tuple))
                                              else [fetches])
        self.feed_dict = dict(feed_dict or {})
        extra_inputs = [t for t in self.feed_dict if isinstance(t, Tensor)]
        self.plan = build_plan(self.inputs + extra_inputs, outputs + fetches, self.updates, caller,
                               literal=self._literal, default_value=learning_phase_default)
        self._check_variables_backend()
        self.n_outputs = len(outputs)
        self.feed_specs = [FeedSpec(t) for t in self.inputs + extra_inputs]
        self._extra_feeds = [self.feed_specs[len(self.inputs) + i].check(self.feed_dict[t], caller)
                             for i, t in enumerate(extra_inputs)]
        self._positions = {}
        for i, t in enumerate(self.inputs):
            self._positions[t.name] = i
        self._compile()

    def _check_variables_backend(self):
        """Every variable the function reads or writes belongs to this backend: a variable
        holds its backend's arrays, and a function of another backend would fail on them in
        the framework's words or, worse, write foreign arrays into it."""
        for var in [v for v, _ in self.plan.variables] + [v for v, _ in self.plan.updates]:
            owner = getattr(var, "backend_name", None)
            if owner is not None and owner != self.backend_name:
                raise ValueError(
                    f"{self.caller}: Expected variables of the {self.backend_name} backend. "
                    f"Received: variable {var.name!r} of the {owner} backend. A model or layer "
                    f"runs on the backend that was active when its weights were made: use it "
                    f"inside K.use_backend({owner!r}), or build it again under "
                    f"{self.backend_name!r}.")

    @classmethod
    def evaluate(cls, tensors, caller, raw):
        """The values of symbolic ``tensors`` as NumPy arrays (the protocol's ``evaluate``):
        a function without inputs, called once. ``caller`` names the API function asking."""
        return cls([], list(tensors), caller=caller, raw=raw)([])

    # -- hooks ---------------------------------------------------------------------------
    def _literal(self, op, name, value):
        """Convert a literal argument once, at compile time (default: unchanged)."""
        return value

    def _compile(self):
        raise NotImplementedError

    def _run(self, feeds):
        raise NotImplementedError

    # -- calling -----------------------------------------------------------------------
    #: Whether :meth:`dispatch` returns before the computation ends (JAX's asynchronous dispatch).
    asynchronous = False

    def __call__(self, inputs):
        feeds = self.check_feeds(inputs)
        if not self.plan.updates:
            return self._run(feeds)
        with InterruptsDeferred():
            return self._run(feeds)

    def dispatch(self, inputs):
        """Start a call; ``.result()`` of the returned handle is what the call returns.

        The updates are applied when this returns (a backend computing asynchronously gives
        the variables values that may still be computing), so the next call may start
        right away; meanwhile the caller can prepare the next batch. Errors in the inputs
        raise here. Synchronous backends compute everything before returning.
        """
        return Done(self(inputs))

    def check_feeds(self, values) -> list:
        """The fed values as NumPy arrays of the inputs' dtypes, in input order."""
        if isinstance(values, dict):
            values = self._ordered(values)
        elif not isinstance(values, (list, tuple)):
            raise TypeError(f"{self.caller}: Expected a list (or a dict by input name) of input "
                            f"values. Received: {type(values).__name__}")
        if len(values) != len(self.inputs):
            names = ", ".join(repr(t.name) for t in self.inputs)
            raise ValueError(f"{self.caller}: Expected {len(self.inputs)} input value(s) (for "
                             f"{names or 'no inputs'}). Received: {len(values)}")
        specs = self.feed_specs
        feeds = [specs[i].check(value, self.caller) for i, value in enumerate(values)]
        return feeds + self._extra_feeds if self._extra_feeds else feeds

    def _ordered(self, mapping):
        values = [None] * len(self.inputs)
        found = [False] * len(self.inputs)
        for key, value in mapping.items():
            index = self._positions.get(key.name if isinstance(key, Tensor) else key)
            if index is None or (isinstance(key, Tensor) and self.inputs[index] is not key):
                raise ValueError(f"{self.caller}: Received a value for "
                                 f"{getattr(key, 'name', key)!r}, "
                                 f"which is not an input. Expected the inputs "
                                 f"{[t.name for t in self.inputs]}")
            values[index], found[index] = value, True
        missing = [t.name for t, f in zip(self.inputs, found) if not f]
        if missing:
            raise ValueError(f"{self.caller}: Expected a value for every input. Received none for "
                             f"{missing}")
        return values

    def __repr__(self):
        return (f"<{self.backend_name} function {self.name or ''} {len(self.inputs)} inputs -> "
                f"{self.n_outputs} outputs, {len(self.plan.updates)} updates, "
                f"{len(self.plan.steps)} steps>")


class InterruptsDeferred:
    """A call with updates is atomic with respect to Ctrl-C: a SIGINT arriving while it runs
    is held until every update of the call is applied, then delivered (the
    ``KeyboardInterrupt`` is raised as the call returns). Variables therefore always hold the
    values of a whole number of calls: an interrupted ``fit`` leaves weights and optimizer
    state as after its last complete step, and can be resumed.

    Only Python-level SIGINT handlers are deferred (the default one raises
    ``KeyboardInterrupt``), and only in the main thread, where Python runs them; an ignored
    or default-action SIGINT is left alone.
    """

    __slots__ = ("previous", "received")

    def __enter__(self):
        self.previous = None
        self.received = None
        try:
            previous = signal.getsignal(signal.SIGINT)
            if callable(previous):
                signal.signal(signal.SIGINT, self._hold)
                self.previous = previous
        except ValueError:  # not the main thread: Python delivers signals to the main thread
            pass
        return self

    def _hold(self, signum, frame):
        self.received = (signum, frame)

    def __exit__(self, *exc):
        previous = self.previous
        if previous is None:
            return False
        signal.signal(signal.SIGINT, previous)
        if self.received is not None:
            previous(*self.received)
        return False


class Done:
    """The handle of a finished call: ``result()`` gives its outputs."""

    __slots__ = ("outputs",)

    def __init__(self, outputs):
        self.outputs = outputs

    def result(self):
        return self.outputs


def check_function_kwargs(kwargs, backend_name):
    for key in kwargs:
        if key not in FUNCTION_KWARGS:
            raise ValueError(f'function: Invalid argument "{key}" passed to K.function with the '
                             f'{backend_name} backend. Expected some of {list(FUNCTION_KWARGS)}')


# -- resolving steps to raw functions ------------------------------------------------

def operand_dtype(value):
    """The dtype of an operator operand known at compile time; None for a Python number."""
    if isinstance(value, (Tensor, Variable)):
        return value.dtype
    if isinstance(value, (bool, int, float)) and not isinstance(value, np.generic):
        return None
    return "?"


def plain_operator_allowed(step) -> bool:
    """Whether Python's operator on the backend arrays gives the node's inferred dtype."""
    op, params = step.op, step.node.params
    if op == "__getitem__" or "y" not in params:
        return True
    dx, dy = operand_dtype(params["x"]), operand_dtype(params["y"])
    if "?" in (dx, dy):
        return False
    if dx is None or dy is None:
        number, dtype = (params["x"], dy) if dx is None else (params["y"], dx)
        if isinstance(number, bool):
            return dtype == "bool"
        if isinstance(number, int):
            return dtype not in ("bool",
                                 ) and not (op == "__truediv__" and dtype not in FLOAT_DTYPES)
        return dtype in FLOAT_DTYPES
    return dx == dy and dx != "bool" and not (op == "__truediv__" and dx not in FLOAT_DTYPES)


def flattening(fn):
    """``fn`` returning its (nested) results flattened, for multi-result nodes."""
    def run(*args):
        return flatten_structure(fn(*args))[0]
    return run


def resolve_common(step, raw, operators, plain_operators, update_values, subgraph_runner=None):
    """The raw function for ``step`` shared by eager executors, or None for backend-specific ones.

    Args:
        raw: the backend's ``__raw__`` namespace.
        operators: op name -> coercing operator implementation.
        plain_operators: op name -> Python operator.
        update_values: update op -> new-value function.
        subgraph_runner: ``(step, raw_fn) -> fn`` for ops with a traced sub-graph.
    """
    op = step.op
    if op == PACK_OP:
        return pack_function(step.template)
    if op == OUTPUT_OP:
        return operator.getitem
    if is_operator(op):
        return plain_operators[op] if plain_operator_allowed(step) else operators[op]
    if op in UPDATE_OPS:
        return update_values[op]
    if op == "gradients":
        return None
    fn = getattr(raw, op)
    if op in SUBGRAPH_OPS:
        fn = subgraph_runner(step, fn)
    if step.node is not None and step.node.structure is not None:
        fn = flattening(fn)
    return fn



def compile_subgraph(sub, caller, lower):
    """A traced function (the step of ``rnn``, the ``fn`` of ``map_fn``...) as a plain function.

    ``lower(plan) -> program(v)`` is the backend's way of running a plan's
    steps over its slot list. Returns ``run(*stand_in_values,
    *captured_values) -> flat outputs``, with the plan as ``run.plan``.

    Raises:
        GraphError: the traced function updates variables.
    """
    plan = build_plan(list(sub.inputs) + list(sub.captured), sub.outputs, [], caller,
                      allow_variable_inputs=True)
    if plan.updates:
        raise GraphError(f"{caller}: Expected a function without variable updates inside "
                         f"{caller}. Received: {len(plan.updates)} update(s)")
    program = lower(plan)
    initial = plan.initial_slots()
    n = len(plan.inputs)
    outputs = plan.outputs

    def run(*values):
        v = initial.copy()
        v[:n] = values
        program(v)
        return [v[s] for s in outputs]
    run.plan = plan
    return run


def traced_callable(op, sub_fn, captured):
    """The Python callable standing for the traced function of ``op`` at run time.

    ``sub_fn(*stand_in_values, *captured_values) -> flat outputs`` runs the
    sub-graph; the callable has the signature ``op`` calls its function with
    (``fn(element)`` for ``map_fn``, ``step(x, states)`` for ``rnn``,
    ``fn(acc, element)`` for the folds).
    """
    form = FUNCTIONS[op].subgraph
    if form == "map":
        return lambda element: sub_fn(element, *captured)[0]
    if form == "rnn":
        def step_function(x, states):
            outs = sub_fn(x, *states, *captured)
            return outs[0], list(outs[1:])
        return step_function
    return lambda acc, element: sub_fn(acc, element, *captured)[0]


def callable_position(step):
    """``(position, number of parameters)``: where a sub-graph op's callable is among its
    parameters; the traced function's captured tensors follow the parameters in ``step.args``."""
    names = [n for n in step.names if n != "captured"]
    return names.index(FUNCTIONS[step.op].higher_order), len(names)


def subgraph_runner(step, raw_fn, compile_sub):
    """``fn(*params, *captured)`` calling ``raw_fn`` with the node's traced function.

    ``compile_sub(subgraph, op) -> fn(*stand_in_values, *captured_values) -> flat outputs``
    is the backend's way of running a sub-graph.
    """
    op = step.op
    position, n_params = callable_position(step)
    sub_fn = compile_sub(step.node.params[FUNCTIONS[op].higher_order], op)

    def run(*args):
        params = list(args[:n_params])
        params[position] = traced_callable(op, sub_fn, args[n_params:])
        return raw_fn(*params)
    return run
