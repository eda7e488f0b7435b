"""The symbolic topic, written once over :class:`~.ops.Ops`.

The raw ``switch``/``stop_gradient``/``print_tensor`` run inside compiled functions (traced
ones too: ``ops.traced``, ``ops.on_host``); ``function`` and ``evaluate`` are the backend
protocol's, built on the package's executor (``Function``) by ``make_graph_aware``. Also
here: the Python operators recorded on symbolic tensors and the new values of variable
updates, which the executors run. The
functions that are the same on every backend and need no array module (``placeholder``,
``gradients``, ``update``, ...) are :mod:`polykeras.backend.graph.api`'s.

Operator dtype rules: a Python number keeps the tensor's dtype (a float
number with an integer or bool tensor gives floatx); two tensors of different
dtypes promote by the dtype rule (``dtypes.promote``, the same on every backend); a list of
Python numbers follows the rule too (``ops.unify``); true division of integers gives floatx.
"""

from __future__ import annotations

import functools
import operator

import numpy as np

from polykeras.backend.config import floatx
from polykeras.backend.graph.tensor import BINARY_OPERATORS, OPERATOR_FUNCTIONS, UNARY_OPERATORS

from .dtypes import FLOAT_DTYPES, is_weak, promote
from .ops import unify

__all__ = ["switch", "stop_gradient", "print_tensor"]


def is_number(value) -> bool:
    """A Python number (weakly typed: it takes the dtype of the tensor it meets)."""
    return isinstance(value, (bool, int, float)) and not isinstance(value, np.generic)


def _number_with_tensor(ops, number, tensor):
    """``tensor`` cast so that combining it with Python ``number`` keeps a sensible dtype."""
    dtype = ops.keras_dtype(tensor)
    if dtype == "bool" and not isinstance(number, bool):
        return ops.xp.astype(tensor,
                             ops.native_dtype(floatx() if isinstance(number, float) else "int32"))
    if isinstance(number, float) and dtype not in FLOAT_DTYPES:
        return ops.xp.astype(tensor, ops.native_dtype(floatx()))
    return tensor


def operands(ops, x, y):
    """``x`` and ``y`` ready for a binary operator (see the module docstring for dtypes)."""
    if is_number(x):
        return x, _number_with_tensor(ops, x, ops.as_tensor(y)) if not is_number(y) else y
    if is_weak(x) or is_weak(y):  # a list of Python numbers: the dtype rule
        return tuple(unify(ops, [x, y], "operator"))
    x = ops.as_tensor(x)
    if is_number(y):
        return _number_with_tensor(ops, y, x), y
    y = ops.as_tensor(y)
    if x.dtype != y.dtype:
        common = ops.native_dtype(promote(ops.keras_dtype(x), ops.keras_dtype(y)))
        x, y = ops.xp.astype(x, common), ops.xp.astype(y, common)
    return x, y


def _binary_operator(name):
    fn = OPERATOR_FUNCTIONS[name]

    def apply(ops, x, y):
        x, y = operands(ops, x, y)
        return fn(x, y)
    apply.__name__ = name
    return apply


def _truediv(ops, x, y):
    x, y = operands(ops, x, y)

    def as_float(v):
        if is_number(v) or ops.keras_dtype(v) in FLOAT_DTYPES:
            return v
        return ops.xp.astype(v, ops.native_dtype(floatx()))
    return as_float(x) / as_float(y)


def _unary_operator(name):
    fn = OPERATOR_FUNCTIONS[name]

    def apply(ops, x):
        return fn(ops.as_tensor(x))
    apply.__name__ = name
    return apply


def _getitem(ops, x, key):
    return ops.as_tensor(x)[key]


def operator_functions(ops) -> dict:
    """op name -> raw implementation of that Python operator on ``ops``'s arrays."""
    table = {name: _binary_operator(name) for name in BINARY_OPERATORS}
    table["__truediv__"] = _truediv
    table.update({name: _unary_operator(name) for name in UNARY_OPERATORS})
    table["__getitem__"] = _getitem
    return {name: functools.partial(fn, ops) for name, fn in table.items()}


#: Operators whose plain Python form keeps the dtype when both operands share it
#: (true division of integers does not: it gives floatx).
PLAIN_OPERATORS = {name: OPERATOR_FUNCTIONS[name]
                   for name in BINARY_OPERATORS + UNARY_OPERATORS + ("__getitem__",)}
PLAIN_OPERATORS["__getitem__"] = operator.getitem


# -- switch -------------------------------------------------------------------------

def _branch(value):
    return value() if callable(value) else value


def switch(ops, condition, then_expression, else_expression):
    """Keras 2.2 ``switch`` on arrays: a scalar condition picks a branch (only the picked
    callable is called); a condition of rank k selects element-wise, broadcast over the
    trailing dims of the branches. A traced scalar condition (inside ``jax.jit``) has no
    Python value: both branches are computed and one is selected."""
    if isinstance(condition, (bool, np.bool_, np.ndarray)) and np.ndim(condition) == 0:
        # a value known now (the static learning phase of a traced function)
        chosen = then_expression if bool(condition) else else_expression
        return ops.as_tensor(_branch(chosen))
    condition = ops.as_tensor(condition)
    if ops.keras_dtype(condition) != "bool":
        condition = ops.xp.astype(condition, ops.native_dtype("bool"))
    if len(condition.shape) == 0 and not ops.traced(condition):
        chosen = then_expression if bool(condition) else else_expression
        return ops.as_tensor(_branch(chosen))
    then_value = ops.as_tensor(_branch(then_expression))
    else_value = ops.as_tensor(_branch(else_expression))
    return select(ops, condition, then_value, else_value)


def select(ops, condition, then_value, else_value):
    """Element-wise choice; ``condition`` of rank <= the branches' rank gets trailing unit dims."""
    cond_ndim, expr_ndim = len(condition.shape), len(then_value.shape)
    if cond_ndim > expr_ndim:
        raise ValueError(
            "switch: Expected a condition of rank <= the rank of then_expression and "
            f"else_expression. Received: ndim(condition)={cond_ndim}, "
            f"ndim(then_expression)={expr_ndim}")
    if cond_ndim and cond_ndim < expr_ndim:
        condition = ops.xp.reshape(condition,
                                   tuple(condition.shape) + (1,) * (expr_ndim - cond_ndim))
    shapes = [ops.shape_of(condition), ops.shape_of(then_value), ops.shape_of(else_value)]
    _check_broadcast("switch", shapes, "condition, then_expression and else_expression")
    if then_value.dtype != else_value.dtype:
        common = ops.native_dtype(promote(ops.keras_dtype(then_value), ops.keras_dtype(else_value)))
        then_value = ops.xp.astype(then_value, common)
        else_value = ops.xp.astype(else_value, common)
    return ops.xp.where(condition, then_value, else_value)


def _check_broadcast(fn, shapes, what):
    rank = max(len(s) for s in shapes)
    for axis in range(1, rank + 1):
        sizes = {s[-axis] for s in shapes if len(s) >= axis} - {1}
        if len(sizes) > 1:
            raise ValueError(f"{fn}: Expected {what} of shapes that broadcast together. "
                             f"Received: shapes {' and '.join(str(s) for s in shapes)}")


# -- variable updates ----------------------------------------------------------------

def update_values(ops) -> dict:
    """op name -> ``fn(x, ...) -> new value`` for the update ops (applied later by the executor)."""
    def cast_like(value, x):
        value = ops.as_tensor(value)
        return value if value.dtype == x.dtype else ops.xp.astype(value, x.dtype)

    def shaped_like(value, x):
        # a number or a broadcasting value becomes a fresh array of x's shape
        return value if tuple(value.shape) == tuple(x.shape) else value + ops.xp.zeros_like(x)

    def checked(op, name, value, x):
        """``value`` (a fed tensor may have any size where its placeholder says None) must
        broadcast to the variable's shape, which an update never changes."""
        value = cast_like(value, x)
        shape, target = ops.shape_of(value), ops.shape_of(x)
        if shape != target and (len(shape) > len(target) or any(
                a not in (1, b) for a, b in zip(reversed(shape), reversed(target)))):
            raise ValueError(f"{op}: Expected {name} of the variable's shape {target} (or one "
                             f"that broadcasts to it). Received: shape {shape}")
        return value

    return {
        "update": lambda x, new_x: shaped_like(checked("update", "new_x", new_x, x), x),
        "update_add": lambda x, increment: cast_like(
            x + checked("update_add", "increment", increment, x), x),
        "update_sub": lambda x, decrement: cast_like(
            x - checked("update_sub", "decrement", decrement, x), x),
        "moving_average_update": lambda x, value, momentum: cast_like(
            x * momentum + checked("moving_average_update", "value", value, x) * (1.0 - momentum),
            x),
    }


def stop_gradient(ops, variables):
    if isinstance(variables, (list, tuple)):
        return [ops.stop_gradient(ops.as_tensor(v)) for v in variables]
    return ops.stop_gradient(ops.as_tensor(variables))


def print_tensor(ops, x, message=""):
    """Print ``message`` and the value of ``x`` (when the compiled function runs, if traced)."""
    value = ops.as_tensor(x)
    if ops.traced(value):
        ops.on_host(lambda v: print_message(message, v), value)
    else:
        print_message(message, ops.to_numpy(value))
    return x


def print_message(message, value) -> None:
    """What ``print_tensor`` prints when its function runs: the message, then the value."""
    print(f"{message}{np.asarray(value)}", flush=True)
