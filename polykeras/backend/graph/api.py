"""The symbolic API functions that are the same on every backend.

Each backend's ``symbolic.py`` re-exports these (binding the few that need
the backend itself) next to its own ``function``, ``switch``,
``stop_gradient`` and ``print_tensor``.
"""

from __future__ import annotations

import numpy as np

from polykeras.backend.config import floatx
from polykeras.backend.variables import Variable
from polykeras.backends.common.dtypes import FLOAT_DTYPES, standardize_dtype

from . import inference, record, state
from .tensor import Tensor, is_symbolic

UPDATE_PARAMS = {"update": "new_x", "update_add": "increment", "update_sub": "decrement",
                 "moving_average_update": "value"}


# -- placeholders -----------------------------------------------------------------------

def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None):
    if shape is None:
        if ndim is None:
            raise ValueError("placeholder: Expected a shape or ndim. Received: shape=None, "
                             "ndim=None")
        if not isinstance(ndim, (int, np.integer)) or ndim < 0:
            raise ValueError("placeholder: Expected a non-negative integer ndim. Received: "
                             f"ndim={ndim!r}")
        shape = (None,) * int(ndim)
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        shape = tuple(None if d is None else int(d) for d in shape)
    except (TypeError, ValueError):
        raise ValueError("placeholder: Expected a tuple of ints and None. Received: "
                         f"shape={shape!r}") from None
    if any(d is not None and d < 0 for d in shape):
        raise ValueError(f"placeholder: Expected non-negative dims. Received: shape={shape!r}")
    dtype = standardize_dtype(dtype or floatx(), "placeholder")
    if name is None:
        name = f"placeholder_{state.next_uid('placeholder')}"
    params = {"shape": shape, "ndim": len(shape), "dtype": dtype, "sparse": bool(sparse),
              "name": name}
    x = Tensor("placeholder", params, shape, dtype, name=name, sparse=bool(sparse))
    x._varies = None in shape
    x._keras_shape = shape
    x._uses_learning_phase = False
    return x


def is_placeholder(x):
    return isinstance(x, Tensor) and x.op == "placeholder"


def is_keras_tensor(x, is_tensor):
    if not is_tensor(x):
        raise ValueError(f"is_keras_tensor: Expected a symbolic tensor instance. Received: an "
                         f"instance of type {type(x)}")
    return hasattr(x, "_keras_history")


# -- gradients ------------------------------------------------------------------------

def gradients(loss, variables):
    if not isinstance(loss, (Tensor, Variable)):
        raise TypeError("gradients: Expected loss to be a symbolic tensor (built from "
                        "placeholders "
                        f"or variables). Received: {type(loss).__name__}")
    targets = list(variables) if isinstance(variables, (list, tuple)) else [variables]
    for t in targets:
        if not isinstance(t, (Tensor, Variable)):
            raise TypeError(f"gradients: Expected variables or symbolic tensors to differentiate "
                            f"with respect to. Received: {type(t).__name__}")
    if loss.dtype not in FLOAT_DTYPES:
        raise TypeError(f"gradients: Expected a float loss. Received: dtype {loss.dtype}")
    if not targets:
        return []
    metas = [inference.Meta(tuple(t.shape), t.dtype, None) for t in targets]
    return list(record.make_node("gradients", {"loss": loss, "variables": targets}, None,
                                 meta=(list(range(len(targets))), metas)))


# -- learning phase -------------------------------------------------------------------

def learning_phase():
    session = state.current()
    if session.learning_phase is None:
        phase = Tensor("placeholder", {"shape": (), "ndim": 0, "dtype": "bool", "sparse": False,
                                       "name": "keras_learning_phase"}, (), "bool",
                       name="keras_learning_phase")
        phase._learning_phase = True
        session.learning_phase = phase
    return session.learning_phase


def set_learning_phase(value):
    if isinstance(value, (bool, np.bool_)):
        value = int(value)
    if not isinstance(value, (int, np.integer)) or value not in (0, 1):
        raise ValueError("set_learning_phase: Expected learning phase to be 0 or 1. Received: "
                         f"{value!r}")
    state.current().learning_phase = int(value)


def in_train_phase(x, alt, training=None, switch=None):
    uses_learning_phase = training is None
    if training is None:
        training = learning_phase()
    # Keras tests identity: only the Python values 0/1/False/True are static phases.
    if training is True or (type(training) is int and training == 1):
        return x() if callable(x) else x
    if training is False or (type(training) is int and training == 0):
        return alt() if callable(alt) else alt
    out = switch(training, x, alt)
    if uses_learning_phase and isinstance(out, Tensor):
        out._uses_learning_phase = True
    return out


def in_test_phase(x, alt, training=None, switch=None):
    return in_train_phase(alt, x, training=training, switch=switch)


# -- updates ----------------------------------------------------------------------------

def record_update(op, params):
    """Record a variable update; its value is the variable's new value."""
    x = params["x"]
    if not isinstance(x, Variable):
        raise TypeError(f"{op}: Expected x to be a variable. Received: {type(x).__name__}")
    value = params[UPDATE_PARAMS[op]]
    shape = tuple(value.shape) if isinstance(value,
                                             (Tensor, Variable)) else inference.literal_shape(value)
    if inference.broadcast_shapes(op, [x.shape, shape]) != x.shape or len(shape) > len(x.shape):
        raise ValueError(f"{op}: Expected {UPDATE_PARAMS[op]} of the shape of variable {x.name!r}, "
                         f"{x.shape}. Received: shape {tuple(shape)}")
    _check_update_dtype(op, x, value)
    return record.make_node(op, params, None, meta=(None, [inference.Meta(x.shape, x.dtype, None)]))


def _check_update_dtype(op, x, value):
    """A float value given to an integer or bool variable would be truncated: TypeError."""
    if x.dtype in FLOAT_DTYPES:
        return
    if isinstance(value, (Tensor, Variable)):
        dtype = value.dtype
    elif isinstance(value, float) or (isinstance(value, (list, tuple)) and any(
            isinstance(v, float) for v in np.asarray(value, dtype=object).reshape(-1))):
        dtype = "float"
    else:
        array = value if hasattr(value, "dtype") else np.asarray(value)
        dtype = "float" if inference.keras_dtype(array) in FLOAT_DTYPES else None
    if dtype is not None and (dtype == "float" or dtype in FLOAT_DTYPES):
        raise TypeError(f"{op}: Expected an integer {UPDATE_PARAMS[op]} for variable {x.name!r} "
                        f"of dtype {x.dtype}. Received: a value of dtype {dtype} (its values "
                        f"would be truncated; cast it explicitly with K.cast)")


def update(x, new_x):
    return record_update("update", {"x": x, "new_x": new_x})


def update_add(x, increment):
    return record_update("update_add", {"x": x, "increment": increment})


def update_sub(x, decrement):
    return record_update("update_sub", {"x": x, "decrement": decrement})


def moving_average_update(x, value, momentum):
    if is_symbolic(momentum):
        raise TypeError("moving_average_update: Expected momentum to be a number. "
                        f"Received: {type(momentum).__name__}")
    return record_update("moving_average_update",
                         {"x": x, "value": value, "momentum": float(momentum)})


# -- session, names, uids -----------------------------------------------------------------

def name_scope(name):
    state.check_scope_name(name)  # at the call, not only when the block is entered
    return state.name_scope(name)


def get_uid(prefix=""):
    return state.next_uid(prefix)


def reset_uids():
    state.current().uids.clear()


def clear_session():
    state.reset()


def get_session():
    return state.current()


def set_session(session):
    if not isinstance(session, state.Session):
        raise TypeError(f"set_session: Expected a polykeras Session (from K.get_session()). "
                        f"Received: {type(session).__name__}")
    state.install(session)


def manual_variable_initialization(value):
    state.current().manual_variable_initialization = bool(value)


# -- binding to one backend -----------------------------------------------------------

def shared_functions(package: str, is_tensor) -> dict:
    """The functions of this module as a backend's ``symbolic.py`` exports them.

    Args:
        package: the backend package (``"polykeras.backends.numpy"``): ``in_train_phase``
            uses its dispatching ``switch``.
        is_tensor: the backend's raw ``is_tensor``.
    """
    import importlib

    def backend_switch(*args):
        return importlib.import_module(package).switch(*args)

    def bound_is_keras_tensor(x):
        return is_keras_tensor(x, lambda v: isinstance(v, Tensor) or is_tensor(v))

    def bound_in_train_phase(x, alt, training=None):
        return in_train_phase(x, alt, training, switch=backend_switch)

    def bound_in_test_phase(x, alt, training=None):
        return in_test_phase(x, alt, training, switch=backend_switch)

    functions = {
        "placeholder": placeholder, "is_placeholder": is_placeholder,
        "is_keras_tensor": bound_is_keras_tensor, "gradients": gradients,
        "learning_phase": learning_phase, "set_learning_phase": set_learning_phase,
        "in_train_phase": bound_in_train_phase, "in_test_phase": bound_in_test_phase,
        "update": update, "update_add": update_add, "update_sub": update_sub,
        "moving_average_update": moving_average_update, "name_scope": name_scope,
        "get_uid": get_uid, "reset_uids": reset_uids, "clear_session": clear_session,
        "get_session": get_session, "set_session": set_session,
        "manual_variable_initialization": manual_variable_initialization,
    }
    for name, fn in functions.items():
        if fn.__name__.startswith("bound_"):
            fn.__name__ = fn.__qualname__ = name
    return functions


SHARED_NAMES = ("placeholder is_placeholder is_keras_tensor gradients learning_phase "
                "set_learning_phase in_train_phase in_test_phase update update_add update_sub "
                "moving_average_update name_scope get_uid reset_uids clear_session get_session "
                "set_session manual_variable_initialization").split()
