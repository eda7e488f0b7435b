"""Ops with Python-callable arguments, recorded symbolically.

``switch`` calls its callable branches once while the graph is built.
``rnn``, ``map_fn``, ``foldl`` and ``foldr`` trace their function once with
symbolic stand-ins (placeholders shaped like one step's arguments) into a
:class:`SubGraph` stored on the node; executors run the sub-graph's plan at
every step inside the backend's raw implementation.
"""

from __future__ import annotations

import numpy as np

from polykeras.backend.variables import Variable

from . import inference, record
from .tensor import Tensor, flatten_structure, is_symbolic, leaves


class SubGraph:
    """A traced function: ``outputs`` as a function of ``inputs`` (stand-ins) and ``captured``.

    Attributes:
        inputs: the stand-in placeholders, in the order the function received them.
        outputs: the flat list of results (Tensors, Variables or literals).
        template: the nested structure of the function's result (leaves index ``outputs``).
        captured: the Tensors and Variables from outside the function that it uses
            (the layer's weights, tensors computed before); dependencies of the node.
    """

    def __init__(self, inputs, outputs, template, captured):
        self.inputs = inputs
        self.outputs = outputs
        self.template = template
        self.captured = captured

    def __repr__(self):
        return (f"<SubGraph {len(self.inputs)} inputs -> {len(self.outputs)} outputs, "
                f"{len(self.captured)} captured>")


def stand_in(shape, dtype, name):
    """A placeholder standing for one argument of a traced function."""
    t = Tensor("placeholder", {"shape": tuple(shape), "ndim": len(shape), "dtype": dtype,
                               "sparse": False, "name": name}, shape, dtype, name=name)
    t._varies = None in shape
    t._stand_in = True
    return t


def trace(fn, inputs, call):
    """Call ``call(fn, inputs)`` on stand-ins and capture the resulting graph as a SubGraph."""
    result = call(fn, inputs)
    flat, template = flatten_structure(result)
    inside = {id(t) for t in inputs}
    depends: dict[int, bool] = {}

    def dependent(t):
        """Whether ``t`` depends on a stand-in (so it must be recomputed at every step)."""
        key = id(t)
        if key in depends:
            return depends[key]
        if key in inside:
            depends[key] = True
            return True
        if isinstance(t, Variable) or t.op == "placeholder":
            depends[key] = False
            return False
        depends[key] = False  # provisional: graphs are acyclic
        answer = any(dependent(p) for p in leaves(t.params))
        depends[key] = answer
        return answer

    captured, seen = [], set()

    def collect(t):
        if id(t) in seen:
            return
        seen.add(id(t))
        if id(t) in inside:
            return
        if not dependent(t):
            captured.append(t)
            return
        for p in leaves(t.params):
            collect(p)

    for out in flat:
        if isinstance(out, (Tensor, Variable)):
            collect(out)
    return SubGraph(list(inputs), flat, template, captured)


def _meta(value):
    """(shape, dtype) of a traced result leaf."""
    return _shape(value), _dtype(value)


def _shape(value):
    if isinstance(value, (Tensor, Variable)):
        return tuple(value.shape)
    return inference.literal_shape(value)


def _dtype(value):
    if isinstance(value, (Tensor, Variable)):
        return value.dtype
    if hasattr(value, "dtype"):
        return inference.keras_dtype(value)
    from polykeras.backends.common.dtypes import weak_dtype
    return weak_dtype(value) if type(value) in (bool, int, float, list, tuple) else \
        inference.keras_dtype(np.asarray(value))


# -- switch -------------------------------------------------------------------------

def record_switch(raw, condition, then_expression, else_expression):
    """Record ``switch``: callables are called now; a scalar condition picks a branch at run
    time."""
    then_value = then_expression() if callable(then_expression) else then_expression
    else_value = else_expression() if callable(else_expression) else else_expression
    cond_shape = _shape(condition)
    if len(cond_shape) != 0:
        params = {"condition": condition, "then_expression": then_value,
                  "else_expression": else_value}
        return record.make_node("switch", params, raw)
    then_shape, else_shape = _shape(then_value), _shape(else_value)
    if len(then_shape) != len(else_shape):
        raise ValueError(
            "switch: Expected then_expression and else_expression of the same rank for a scalar "
            f"condition. Received: shapes {then_shape} and {else_shape}")
    then_dtype, else_dtype = _dtype(then_value), _dtype(else_value)
    if then_dtype != else_dtype:
        from polykeras.backends.common.dtypes import promote
        common = promote(then_dtype, else_dtype)
        cast = raw.cast
        then_value = record.record_call("cast", raw, (then_value, common),
                                        {}) if is_symbolic(then_value) \
            else cast(then_value, common)
        else_value = record.record_call("cast", raw, (else_value, common),
                                        {}) if is_symbolic(else_value) \
            else cast(else_value, common)
        then_dtype = common
    shape = tuple(a if a == b else None for a, b in zip(then_shape, else_shape))
    params = {"condition": condition, "then_expression": then_value, "else_expression": else_value}
    return record.make_node("switch", params, None,
                            meta=(None, [inference.Meta(shape, then_dtype, None)]))


# -- map_fn / foldl / foldr -----------------------------------------------------------

def record_map_fn(name, raw, args, kwargs):
    params = record.bind_params(name, args, kwargs)
    elems = params["elems"]
    elems_shape, elems_dtype = _meta(elems)
    if len(elems_shape) == 0:
        raise ValueError("map_fn: Expected elems of rank >= 1. Received: a scalar")
    element = stand_in(elems_shape[1:], elems_dtype, "map_fn_element")
    sub = trace(params["fn"], [element], lambda fn, ins: fn(ins[0]))
    if sub.template != 0:
        raise ValueError("map_fn: Expected fn to return one tensor. Received: "
                         f"a {type(sub.template).__name__} of results")
    out_shape, out_dtype = _meta(sub.outputs[0])
    params["fn"] = sub
    dtype = params["dtype"] or out_dtype
    meta = inference.Meta((elems_shape[0],) + out_shape, dtype, None)
    return record.make_node(name, params, None, meta=(None, [meta]))


def record_fold(name, raw, args, kwargs):
    params = record.bind_params(name, args, kwargs)
    elems, initializer = params["elems"], params["initializer"]
    elems_shape, elems_dtype = _meta(elems)
    if len(elems_shape) == 0:
        raise ValueError(f"{name}: Expected elems of rank >= 1. Received: a scalar")
    acc_shape, acc_dtype = (elems_shape[1:],
                            elems_dtype) if initializer is None else _meta(initializer)
    acc = stand_in(acc_shape, acc_dtype, f"{name}_accumulator")
    element = stand_in(elems_shape[1:], elems_dtype, f"{name}_element")
    sub = trace(params["fn"], [acc, element], lambda fn, ins: fn(ins[0], ins[1]))
    if sub.template != 0:
        raise ValueError(f"{name}: Expected fn to return one tensor. Received: "
                         f"a {type(sub.template).__name__} of results")
    out_shape, out_dtype = _meta(sub.outputs[0])
    params["fn"] = sub
    return record.make_node(name, params, None,
                            meta=(None, [inference.Meta(out_shape, out_dtype, None)]))


# -- rnn -------------------------------------------------------------------------------

def record_rnn(name, raw, args, kwargs):
    params = record.bind_params(name, args, kwargs)
    inputs, initial_states = params["inputs"], params["initial_states"]
    constants = list(params["constants"] or [])
    input_shape, input_dtype = _meta(inputs)
    if len(input_shape) < 3:
        raise ValueError("rnn: Expected inputs of rank >= 3 (batch, time, ...). Received: shape "
                         f"{input_shape}")
    if not isinstance(initial_states, (list, tuple)):
        raise ValueError("rnn: Expected initial_states to be a list of tensors. "
                         f"Received: {type(initial_states).__name__}")
    step_input = stand_in((input_shape[0],) + input_shape[2:], input_dtype, "rnn_input")
    states = [stand_in(*_meta(s), name=f"rnn_state_{i}") for i, s in enumerate(initial_states)]
    consts = [stand_in(*_meta(c), name=f"rnn_constant_{i}") for i, c in enumerate(constants)]

    def call(fn, ins):
        output, new_states = fn(ins[0], list(ins[1:]))
        return [output] + list(new_states)
    sub = trace(params["step_function"], [step_input] + states + consts, call)
    if len(sub.outputs) != 1 + len(states):
        raise ValueError(f"rnn: Expected step_function to return (output, new_states) with "
                         f"{len(states)} new states. Received: {len(sub.outputs) - 1} states")
    out_shape, out_dtype = _meta(sub.outputs[0])
    for i, (state, new) in enumerate(zip(states, sub.outputs[1:])):
        new_shape = _shape(new)
        if len(new_shape) != len(state.shape) or any(
                a is not None and b is not None and a != b for a, b in zip(new_shape, state.shape)):
            raise ValueError(f"rnn: Expected new state {i} of shape {state.shape} like the initial "
                             f"state. Received: shape {new_shape}")
    params["step_function"] = sub
    params["initial_states"] = list(initial_states)
    params["constants"] = constants or None
    batch, time = input_shape[0], input_shape[1]
    metas = [inference.Meta((batch,) + out_shape[1:], out_dtype, None),
             inference.Meta((batch, time) + out_shape[1:], out_dtype, None)]
    metas += [inference.Meta(tuple(s.shape), s.dtype, None) for s in states]
    template = (0, 1, list(range(2, 2 + len(states))))
    return record.make_node(name, params, None, meta=(template, metas))
