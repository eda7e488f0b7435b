"""Dispatch: the API functions of a backend module, made graph-aware.

:func:`make_graph_aware` (also ``polykeras.backend.graph.make_graph_aware``) is
the last step of building a backend module, built-in or third-party: it
replaces every function that a graph records (``op`` kind, or ``random``) by a
dispatcher: a call whose arguments (looked into lists/tuples) contain a
symbolic Tensor or a Variable records a graph node; any other call runs the
raw implementation. The host functions that introspect tensors (``eval``,
``int_shape``, ...) learn to answer for symbolic tensors. It then completes the
backend protocol (docs/BACKENDS.md): ``__raw__`` (the raw implementations,
which executors alone call), ``function`` and ``evaluate`` built on the
module's executor ``Function``; every API function gets its contract docstring
and signature.
"""

from __future__ import annotations

import inspect
import types
from types import SimpleNamespace

import numpy as np

from polykeras.backend.contract import FUNCTIONS, RAW_ATTRIBUTE

from . import inference, record, subgraph
from .tensor import LEAF_TYPES, Tensor, is_symbolic

#: How a higher-order op is recorded, by the form of its sub-graph (``FunctionSpec.subgraph``).
RECORDERS = {"map": subgraph.record_map_fn, "fold": subgraph.record_fold,
             "rnn": subgraph.record_rnn}


def make_graph_aware(namespace: dict) -> None:
    """Make the API functions in ``namespace`` (a backend module's globals) graph-aware and
    complete the backend protocol there.

    A function that is already graph-aware for another module (copied from a built-in
    backend) is unwrapped first: the module records and runs its own implementations.
    When ``namespace`` defines the executor ``Function`` (a ``GraphFunction``
    subclass), ``function`` and ``evaluate`` are built on it, bound to this module's raw
    implementations (a ``function`` or ``evaluate`` copied from elsewhere is replaced).
    """
    label = namespace.get("__name__", "backend")
    raw = {}
    for name, spec in FUNCTIONS.items():
        fn = namespace.get(name)
        if fn is None or not callable(fn):
            continue  # the contract check names it
        fn = getattr(fn, RAW_ATTRIBUTE, fn)
        raw[name] = fn
        if name == "switch":
            wrapped = _switch_dispatcher(fn, namespace)
        elif name == "print_tensor":
            wrapped = _print_tensor_dispatcher(fn)
        elif spec.subgraph is not None:
            wrapped = _higher_order_dispatcher(name, fn, namespace)
        elif spec.kind == "op" or spec.random:
            wrapped = _op_dispatcher(name, fn, namespace)
        elif name in _HOST_WRAPPERS:
            wrapped = _HOST_WRAPPERS[name](fn, namespace)
        else:
            namespace[name] = documented(fn, spec)
            continue
        wrapped.__name__ = wrapped.__qualname__ = name
        wrapped.__module__ = label
        wrapped.__signature__ = _signature(fn)
        setattr(wrapped, RAW_ATTRIBUTE, fn)
        namespace[name] = documented(wrapped, spec, fn)
    namespace["__raw__"] = SimpleNamespace(**raw)
    executor = namespace.get("Function")
    if isinstance(executor, type):
        namespace["function"] = documented(
            _bound_function(executor, namespace["__raw__"]), FUNCTIONS["function"], executor)
        namespace["evaluate"] = _bound_evaluate(executor, namespace["__raw__"])


#: The former name, for callers written before the backend protocol.
install = make_graph_aware


def documented(fn, spec, implementation=None):
    """``fn`` carrying the contract's docstring of ``spec`` (for ``help()`` and IDEs),
    followed by the docstring of ``implementation`` (default: ``fn``), if it has one, as
    implementation notes naming its module.

    A plain Python function gets it in place (once: a function shared by several backends
    keeps its first documentation); any other callable (a ``functools.partial``, a builtin)
    is wrapped in a function with its signature. Signatures are never taken from the
    contract: what ``help()`` shows is what the backend defines, which the contract check
    compares with the contract. A value that is not callable is returned as it is.
    """
    if not callable(fn) or getattr(fn, _DOCUMENTED, False):
        return fn
    implementation = fn if implementation is None else implementation
    notes = getattr(implementation, "__doc__", None)
    doc = spec.doc
    if notes and inspect.cleandoc(notes) != spec.doc:
        source = getattr(implementation, "__module__", None) or "backend"
        doc += f"\n\nImplementation notes ({source}):\n{inspect.cleandoc(notes)}"
    if not isinstance(fn, types.FunctionType):
        inner = fn

        def fn(*args, **kwargs):
            return inner(*args, **kwargs)
        fn.__name__ = fn.__qualname__ = spec.name
        fn.__module__ = getattr(inner, "__module__", None)
        try:
            fn.__signature__ = inspect.signature(inner)
        except (TypeError, ValueError):
            pass
    fn.__doc__ = doc
    setattr(fn, _DOCUMENTED, True)
    return fn


_DOCUMENTED = "__polykeras_documented__"


def _signature(fn):
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        return None


def _bound_function(executor, raw):
    from .executor import check_function_kwargs

    def function(inputs, outputs, updates=None, **kwargs):
        check_function_kwargs(kwargs, executor.backend_name)
        return executor(inputs, outputs, updates, raw=raw, **kwargs)
    return function


def _bound_evaluate(executor, raw):
    def evaluate(tensors, caller):
        """The values of symbolic ``tensors`` as NumPy arrays (``K.eval`` of a graph tensor).

        ``caller`` names the API function asking, for error messages.
        """
        return executor.evaluate(list(tensors), caller, raw)
    return evaluate


def _raw(namespace):
    return namespace["__raw__"]


def _op_dispatcher(name, fn, namespace):
    leaf_types = LEAF_TYPES

    def dispatch(*args, **kwargs):
        if not kwargs:
            for arg in args:
                if type(arg) not in leaf_types:
                    break
            else:
                return fn(*args)  # arrays and numbers only: no graph to record
        if is_symbolic(args) or (kwargs and is_symbolic(kwargs)):
            return record.record_call(name, _raw(namespace), args, kwargs)
        return fn(*args, **kwargs)
    return dispatch


def _switch_dispatcher(fn, namespace):
    def switch(condition, then_expression, else_expression):
        if is_symbolic(condition):
            return subgraph.record_switch(_raw(namespace), condition, then_expression,
                                          else_expression)
        if len(inference.literal_shape(condition)) == 0:
            # A concrete scalar condition: only the chosen branch is evaluated.
            chosen = then_expression if bool(condition) else else_expression
            value = chosen() if callable(chosen) else chosen
            return value if is_symbolic(value) else fn(True, value, None)
        then_value = then_expression() if callable(then_expression) else then_expression
        else_value = else_expression() if callable(else_expression) else else_expression
        if is_symbolic((then_value, else_value)):
            return subgraph.record_switch(_raw(namespace), condition, then_value, else_value)
        return fn(condition, then_value, else_value)
    return switch


def _print_tensor_dispatcher(fn):
    def print_tensor(x, message=""):
        if not is_symbolic(x):
            return fn(x, message)
        # Not probed: inference must not print.
        meta = inference.Meta(tuple(x.shape), x.dtype,
                              dict(getattr(x, "_probes", None) or {}) or None)
        return record.make_node("print_tensor", {"x": x, "message": message}, None,
                                meta=(None, [meta]))
    return print_tensor


def _higher_order_dispatcher(name, fn, namespace):
    """``map_fn``/``foldl``/``foldr``/``rnn``: eager on concrete arguments, unless the user's
    function reads a variable or a placeholder; then the whole op is recorded.

    While the function runs eagerly no node may be recorded (``record.eager_call``): the
    first attempt raises ``record.GraphNeeded``, before any of the function's arguments
    (possibly a framework's traced values, as inside JAX's ``lax.scan``) reach shape
    inference. A function returning a symbolic tensor without computing one (``lambda e: v``)
    is caught when it returns. A nested eager op lets the outermost one record.
    """
    spec = FUNCTIONS[name]
    recorder = RECORDERS[spec.subgraph]
    callable_param = spec.higher_order

    def record_op(args, kwargs):
        with record.eager_call(False):  # tracing the function records its nodes
            return recorder(name, _raw(namespace), args, kwargs)

    def dispatch(*args, **kwargs):
        if is_symbolic(args) or (kwargs and is_symbolic(kwargs)):
            return record_op(args, kwargs)
        params = record.bind_params(name, args, kwargs)
        user_fn = params[callable_param]

        def checked(*inner, **inner_kwargs):
            out = user_fn(*inner, **inner_kwargs)
            if is_symbolic(out):
                raise record.GraphNeeded(name)
            return out
        params[callable_param] = checked
        outermost = not record.in_eager_call()
        try:
            with record.eager_call(True):
                return fn(**params)
        except record.GraphNeeded:
            if not outermost:
                raise
        return record_op(args, kwargs)
    return dispatch


# -- host functions that answer for symbolic tensors ----------------------------------

def evaluate(namespace, tensors, caller):
    """The values of symbolic ``tensors`` as NumPy arrays, computed on ``namespace``'s backend
    (its protocol member ``evaluate``)."""
    evaluate_graph = namespace.get("evaluate")
    if evaluate_graph is None:
        raise TypeError(f"{caller}: the backend {namespace.get('__name__')!r} cannot evaluate "
                        f"symbolic tensors: it has no executor (the protocol member 'Function', "
                        f"see docs/BACKENDS.md)")
    return evaluate_graph(tensors, caller)


def _evaluating(caller):
    """A host wrapper: a symbolic first argument is evaluated (``eval``, ``get_value``)."""
    def make(fn, namespace):
        def wrapper(x):
            if isinstance(x, Tensor):
                return evaluate(namespace, [x], caller)[0]
            return fn(x)
        return wrapper
    return make


def _batch_get_value(fn, namespace):
    def batch_get_value(ops):
        ops = list(ops)
        symbolic = [x for x in ops if isinstance(x, Tensor)]
        if not symbolic:
            return fn(ops)
        values = dict(zip(map(id, symbolic), evaluate(namespace, symbolic, "batch_get_value")))
        return [values[id(x)] if isinstance(x, Tensor) else fn([x])[0] for x in ops]
    return batch_get_value


def _introspecting(answer):
    """A host wrapper answering ``answer(tensor)`` for a symbolic tensor."""
    def make(fn, namespace):
        def wrapper(x):
            if isinstance(x, Tensor):
                return answer(x)
            return fn(x)
        return wrapper
    return make


def _count_params(x):
    if None in x.shape:
        raise ValueError(f"count_params: Expected a tensor of fully known shape. "
                         f"Received: {x.name!r} of shape {x.shape}")
    return int(np.prod(x.shape, dtype=np.int64))


def _valued(fn, namespace):
    """``set_value``/``variable``: a symbolic value is evaluated first."""
    name = fn.__name__

    def value_of(value):
        return evaluate(namespace, [value], name)[0] if isinstance(value, Tensor) else value

    if name == "set_value":
        def wrapper(x, value):
            return fn(x, value_of(value))
    else:
        def wrapper(value, dtype=None, name=None, constraint=None):
            return fn(value_of(value), dtype=dtype, name=name, constraint=constraint)
    return wrapper


def _batch_set_value(fn, namespace):
    def batch_set_value(tuples):
        tuples = list(tuples)
        symbolic = [pair[1] for pair in tuples
                    if isinstance(pair, (tuple, list)) and len(pair) == 2
                    and isinstance(pair[1], Tensor)]
        if symbolic:
            values = dict(zip(map(id, symbolic), evaluate(namespace, symbolic, "batch_set_value")))
            tuples = [(pair[0], values[id(pair[1])]) if isinstance(pair, (tuple, list))
                      and len(pair) == 2
                      and isinstance(pair[1], Tensor) else pair for pair in tuples]
        return fn(tuples)
    return batch_set_value


_HOST_WRAPPERS = {
    "eval": _evaluating("eval"),
    "get_value": _evaluating("get_value"),
    "batch_get_value": _batch_get_value,
    "int_shape": _introspecting(lambda x: x.shape),
    "get_variable_shape": _introspecting(lambda x: x.shape),
    "dtype": _introspecting(lambda x: x.dtype),
    "ndim": _introspecting(lambda x: len(x.shape)),
    "is_tensor": _introspecting(lambda x: True),
    "is_sparse": _introspecting(lambda x: bool(x.sparse)),
    "count_params": _introspecting(_count_params),
    "set_value": _valued,
    "variable": _valued,
    "batch_set_value": _batch_set_value,
}

