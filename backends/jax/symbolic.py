"""The symbolic API on JAX: placeholders, ``function``, gradients, learning phase, updates.

Graphs are backend-agnostic (``polykeras.backend.graph``); this file binds
the shared functions and provides JAX's executor (``executor.py``) and the
raw ``switch``/``stop_gradient``/``print_tensor`` the executor runs (they
also work on traced arrays inside ``jax.jit``).
"""

import jax
import numpy as np

from polykeras.backend.graph import api as _api
from polykeras.backend.graph.executor import check_function_kwargs as _check_kwargs
from polykeras.backends.common import symbolic as _shared

from .core import OPS, as_tensor, is_tensor

OPERATORS = _shared.operator_functions(OPS)
UPDATE_VALUES = _shared.update_values(OPS)

__all__ = _api.SHARED_NAMES + ["function", "switch", "stop_gradient", "print_tensor"]
globals().update(_api.shared_functions(__package__, is_tensor))


def function(inputs, outputs, updates=None, **kwargs):
    from .executor import JaxFunction
    _check_kwargs(kwargs, "jax")
    return JaxFunction(inputs, outputs, updates, **kwargs)


def evaluate(tensors, caller):
    """The values of symbolic ``tensors`` (``K.eval`` of a graph tensor), run eagerly."""
    from .executor import JaxFunction
    return JaxFunction([], list(tensors), caller=caller, jit=False)([])


def _traced(x):
    return isinstance(x, jax.core.Tracer)


def switch(condition, then_expression, else_expression):
    if isinstance(condition, (bool, np.bool_, np.ndarray)) and np.ndim(condition) == 0:
        # a value known while tracing (the static learning phase): only the branch taken is traced
        chosen = then_expression if bool(condition) else else_expression
        return as_tensor(chosen() if callable(chosen) else chosen)
    condition = as_tensor(condition)
    if condition.ndim == 0 and _traced(condition):
        # Inside jax.jit a scalar condition has no Python value: select instead of branching.
        then_value = as_tensor(then_expression() if callable(then_expression) else then_expression)
        else_value = as_tensor(else_expression() if callable(else_expression) else else_expression)
        return _shared.select(OPS, condition.astype(bool), then_value, else_value)
    return _shared.switch(OPS, condition, then_expression, else_expression)


def stop_gradient(variables):
    if isinstance(variables, (list, tuple)):
        return [jax.lax.stop_gradient(as_tensor(v)) for v in variables]
    return jax.lax.stop_gradient(as_tensor(variables))


def print_tensor(x, message=""):
    value = as_tensor(x)
    if _traced(value):
        jax.debug.callback(lambda v: _shared.print_message(message, v), value)
    else:
        _shared.print_message(message, value)
    return x

