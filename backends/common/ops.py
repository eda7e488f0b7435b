"""What the shared implementations need to know about one backend, and how they are bound to it.

Functions in ``backends/common/<topic>.py`` are written once, with an
:class:`Ops` as their first parameter (the array-api-compat pattern: logic
written once with the array module as a parameter). Each backend's topic file
binds them with :func:`bind`, which drops that parameter from the signature
so the result matches the contract exactly.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from typing import Any, Callable

import numpy as np


@dataclasses.dataclass(frozen=True)
class Ops:
    """One backend, as seen by the shared code.

    Attributes:
        name: the backend's name.
        xp: an Array-API-standard namespace over the backend's arrays
            (NumPy itself, ``array_api_compat.torch``, ``jax.numpy``).
        as_tensor: ``as_tensor(x, dtype=None)`` -> backend array (accepts
            variables, arrays, numbers, lists; ``dtype`` a Keras string).
        native_dtype: Keras dtype string -> the framework's dtype object.
        keras_dtype: backend array -> Keras dtype string.
        variable_class: the backend's :class:`~polykeras.backend.variables.Variable` subclass.
        tensor_types: the backend's array types (for ``is_tensor``).
        to_numpy: backend array -> a NumPy copy of it, on the host (``eval``, ``get_value``).
        assign: ``assign(variable, new)`` stores the checked backend array ``new`` (of the
            variable's shape and dtype) as the variable's value, in storage of its own;
            ``None``: a copy of ``new`` replaces the value.
        stop_gradient: backend array -> the same values, cut from the framework's gradients.
        on_host: ``on_host(fn, x)`` calls ``fn`` on the host value of a traced ``x`` when the
            compiled function runs (``print_tensor`` inside ``jax.jit``).
        is_native_sparse: ``x -> bool`` for the framework's own sparse tensors.
        sample: ``sample(kind, shape, dtype, seed)`` -> standard samples of
            ``kind`` "uniform" ([0, 1)), "normal" or "truncated" (normal
            truncated to [-2, 2]); set by the backend's random.py.
        conv: ``conv(x, kernel, strides, pads, dilation, groups, lhs_dilation,
            channels_last)`` -> N-d cross-correlation; ``kernel`` is
            (*k, in / groups, out), ``pads`` a list of (low, high); set by nn.py.
        pool: ``pool(x, window, strides, pads, mode, channels_last)`` with
            mode "max" or "sum" (zero padding for "sum", -inf for "max").
        scan: ``scan(step, carry, xs) -> carry`` folds ``step(carry, x)`` over
            the leading axis of array ``xs``; a framework's compiled loop
            (``lax.scan``) where a Python loop would unroll under tracing.
        ctc_forward: a compiled ``ctc.ctc_forward(ops, ...)``; set by ctc.py.
        traced: ``x -> bool``: whether ``x`` is a value being traced for compilation (it has
            no concrete value: checks of values are deferred, ``checks.py``).
    """

    name: str
    xp: Any
    as_tensor: Callable
    native_dtype: Callable
    keras_dtype: Callable
    variable_class: type
    tensor_types: tuple
    to_numpy: Callable = lambda x: np.array(x, copy=True)
    assign: Callable | None = None
    stop_gradient: Callable = lambda x: x
    on_host: Callable | None = None
    is_native_sparse: Callable = lambda x: False
    sample: Callable | None = None
    conv: Callable | None = None
    pool: Callable | None = None
    scan: Callable | None = None
    ctc_forward: Callable | None = None
    traced: Callable = lambda x: False

    def fold(self, step, carry, xs):
        """``step(carry, xs[i])`` for each ``i`` in order; ``self.scan`` when the backend has
        one."""
        if self.scan is not None:
            return self.scan(step, carry, xs)
        for i in range(self.shape_of(xs)[0]):
            carry = step(carry, xs[i])
        return carry

    def shape_of(self, x) -> tuple:
        return tuple(int(d) for d in x.shape)


class Bound(functools.partial):
    """A shared function with its :class:`Ops` bound: called from C, without a Python frame of
    its own (every eager API call goes through one)."""


def bind(fn: Callable, ops: Ops) -> Callable:
    """``fn(ops, *args)`` bound to ``ops``, with ``ops`` dropped from its signature."""
    signature = inspect.signature(fn)
    bound = Bound(fn, ops)
    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(bound, attribute, getattr(fn, attribute))
    bound.__signature__ = signature.replace(parameters=list(signature.parameters.values())[1:])
    return bound


def bind_all(module, ops: Ops, names) -> dict:
    """Bind every function ``names`` of the shared ``module`` to ``ops``."""
    return {name: bind(getattr(module, name), ops) for name in names}


def unify(ops: Ops, values, fn: str) -> list:
    """``values`` (tensors, arrays, variables, Python numbers and lists) as backend arrays of
    one dtype, chosen by the dtype rule (``dtypes.common_dtype``, docs/ARCHITECTURE.md)."""
    from .dtypes import common_dtype, is_weak
    strong = {i: ops.as_tensor(v) for i, v in enumerate(values) if not is_weak(v)}
    dtype = common_dtype([strong.get(i, v) for i, v in enumerate(values)], ops.keras_dtype, fn)
    native = ops.native_dtype(dtype)
    out = []
    for i, v in enumerate(values):
        if i in strong:
            t = strong[i]
            out.append(t if t.dtype == native else ops.xp.astype(t, native))
        else:
            out.append(ops.as_tensor(v, dtype))
    return out


def normalize_axes(axis, ndim: int, fn: str, allow_none: bool = True):
    """``axis`` (None, int, negative int, list/tuple) as a sorted tuple of non-negative ints.

    Returns None when ``axis`` is None and ``allow_none``.

    Raises:
        ValueError: an axis out of range for rank ``ndim``, or repeated.
    """
    if axis is None:
        if allow_none:
            return None
        raise ValueError(f"{fn}: Expected an integer axis. Received: axis=None")
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    out = []
    for a in axes:
        if isinstance(a, (np.integer,)):
            a = int(a)
        if not isinstance(a, int) or isinstance(a, bool):
            raise ValueError(f"{fn}: Expected integer axes. Received: axis={axis!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"{fn}: Expected axis in [{-ndim}, {ndim}) for a tensor of rank "
                             f"{ndim}. Received: axis={axis!r}")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{fn}: Expected distinct axes. Received: axis={axis!r}")
    return tuple(sorted(out))


def normalize_axis(axis, ndim: int, fn: str) -> int:
    """One integer axis (may be negative) as a non-negative int; ValueError when out of range."""
    return normalize_axes(axis, ndim, fn, allow_none=False)[0]
