"""Recording graph nodes: bind a call to the contract, infer its result, make the Tensor(s)."""

from __future__ import annotations

import contextlib
import contextvars

from polykeras.backend.contract import FUNCTIONS

from . import inference, tensor
from .tensor import OUTPUT_OP, Tensor, leaves, unflatten_structure


def bind_params(name: str, args, kwargs) -> dict:
    """The call bound to the contract signature of ``name``, defaults applied (name -> value)."""
    try:
        bound = FUNCTIONS[name].signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"{name}: {exc}") from None
    bound.apply_defaults()
    return dict(bound.arguments)


class GraphNeeded(Exception):
    """Raised when a node would be recorded while an eager higher-order op (``map_fn``,
    ``rnn``...) runs the user's function on concrete arrays: the function reads a variable or
    a placeholder, so the whole op must be recorded instead (see ``dispatch.py``)."""


#: Whether an eager higher-order op is running the user's function (no node may be recorded).
_EAGER_CALL = contextvars.ContextVar("polykeras_eager_higher_order", default=False)


@contextlib.contextmanager
def eager_call(active: bool):
    """Mark the code inside as running (``True``) or tracing (``False``) a user function."""
    token = _EAGER_CALL.set(active)
    try:
        yield
    finally:
        _EAGER_CALL.reset(token)


def in_eager_call() -> bool:
    return _EAGER_CALL.get()


def make_node(op: str, params: dict, raw, name=None, meta=None):
    """Record ``op(**params)``; return its Tensor, or the structure of Tensors of a multi-result op.

    Args:
        raw: the recording backend's raw functions, for ops inference has no rule for
            (``None`` when ``meta`` is given).
        meta: ``(template, metas)`` computed by the caller instead of inferring.

    Raises:
        GraphNeeded: inside an eager higher-order op (its arguments may be a framework's
            traced values, which inference cannot probe).
    """
    if _EAGER_CALL.get():
        raise GraphNeeded(op)
    if meta is None:
        template, metas, probe_fn = inference.infer(op, raw, params)
    else:
        (template, metas), probe_fn = meta, None
    size_dependent = any(inference.varies(t) for t in leaves(params))
    if template is None:
        (m,) = metas
        out = Tensor(op, params, m.shape, m.dtype, name=name)
        _set_probes(out, m, None if probe_fn is None else (lambda key: probe_fn(key)[0]),
                    size_dependent)
        return out
    node = Tensor(op, params, None, None, name=name, structure=template)
    node._varies = size_dependent
    outputs = []
    for i, m in enumerate(metas):
        out = Tensor(OUTPUT_OP, {"x": node, "index": i}, m.shape, m.dtype)
        out.name = f"{node.name}:{i}"
        _set_probes(out, m, None if probe_fn is None else (lambda key, i=i: probe_fn(key)[i]),
                    size_dependent)
        outputs.append(out)
    node.outputs = outputs
    return unflatten_structure(template, outputs)


def _set_probes(out, meta, probe_fn, size_dependent):
    out._varies = size_dependent
    if meta.probes is not None:
        out._probes = dict(meta.probes)
        out._probe_fn = probe_fn


def record_call(name: str, raw, args, kwargs):
    """Record a call of API op ``name`` whose arguments contain a Tensor or a Variable."""
    params = bind_params(name, args, kwargs)
    return make_node(name, params, raw)


def record_operator(name: str, params: dict):
    """Record a Python operator (``x + y``, ``-x``, ``x[key]``) on a Tensor or Variable."""
    from polykeras.backend import active_backend_module
    return make_node(name, params, active_backend_module().__raw__)


tensor._record_operator = record_operator
