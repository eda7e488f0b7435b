"""The symbolic API on PyTorch: placeholders, ``function``, gradients, learning phase, updates.

Graphs are backend-agnostic (``polykeras.backend.graph``); this file binds
the shared functions and provides PyTorch's executor (``executor.py``) and
the raw ``switch``/``stop_gradient``/``print_tensor`` the executor runs.
"""

from polykeras.backend.graph import api as _api
from polykeras.backend.graph.executor import check_function_kwargs as _check_kwargs
from polykeras.backends.common import symbolic as _shared

from .core import OPS, as_tensor, is_tensor

OPERATORS = _shared.operator_functions(OPS)
UPDATE_VALUES = _shared.update_values(OPS)

__all__ = _api.SHARED_NAMES + ["function", "switch", "stop_gradient", "print_tensor"]
globals().update(_api.shared_functions(__package__, is_tensor))


def function(inputs, outputs, updates=None, **kwargs):
    from .executor import TorchFunction
    _check_kwargs(kwargs, "torch")
    return TorchFunction(inputs, outputs, updates, **kwargs)


def evaluate(tensors, caller):
    """The values of symbolic ``tensors`` (``K.eval`` of a graph tensor)."""
    from .executor import TorchFunction
    return TorchFunction([], list(tensors), caller=caller)([])


def switch(condition, then_expression, else_expression):
    return _shared.switch(OPS, condition, then_expression, else_expression)


def stop_gradient(variables):
    if isinstance(variables, (list, tuple)):
        return [as_tensor(v).detach() for v in variables]
    return as_tensor(variables).detach()


def print_tensor(x, message=""):
    _shared.print_message(message, as_tensor(x).detach().cpu())
    return x

