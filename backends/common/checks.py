"""Checks of index and label values, written once over :class:`~.ops.Ops`.

An index out of range or a non-integer class label is an error on every
backend, as on Keras 2.2.4's TensorFlow backend on the CPU, never a silent
NaN, zero or wrapped value:

* On concrete arrays (NumPy, PyTorch, JAX outside ``jax.jit``) the check
  reads the values and raises :class:`OutOfRangeError` (a ``ValueError`` and
  an ``IndexError``) or ``ValueError`` at once, naming the function.
* Inside a compiled JAX function, where values are not known and nothing can
  raise, the check records a boolean "bad" flag and the first offending value
  with :func:`report` into the collector the executor opened
  (:func:`collecting`). The compiled function returns the flags; the executor
  leaves every variable as it was when one is set and raises the same error
  when the call's results are fetched (``backends/jax/executor.py``). Under
  a ``jax.jit`` of the user's own, where no collector is open, the check is
  skipped (the framework's own behaviour applies).
"""

from __future__ import annotations

import contextlib

INTEGER_DTYPES = ("int8", "int16", "int32", "int64", "uint8")


class OutOfRangeError(IndexError, ValueError):
    """An index or label outside its valid range (``except ValueError`` and
    ``except IndexError`` both catch it)."""


#: Collectors opened by :func:`collecting`, innermost last.
_COLLECTORS: list = []
#: Depth of :func:`skipping` blocks (shape inference runs ops on stand-in values).
_SKIPPING = [0]


@contextlib.contextmanager
def skipping():
    """No value checks in the block: the graph's shape inference runs ops on stand-in
    values (0.5 for a float label), which say nothing about the values fed later."""
    _SKIPPING[0] += 1
    try:
        yield
    finally:
        _SKIPPING[0] -= 1


@contextlib.contextmanager
def collecting():
    """Collect the deferred checks of traced values: yields a list of
    ``(error_type, message, bad, value)`` (``bad`` a traced bool, ``value`` the first
    offending value, traced)."""
    found = []
    _COLLECTORS.append(found)
    try:
        yield found
    finally:
        _COLLECTORS.remove(found)


def report(error_type, message, bad, value):
    """Record a deferred check in the innermost collector (nothing when none is open)."""
    if _COLLECTORS:
        _COLLECTORS[-1].append((error_type, message, bad, value))


def format_message(message, value):
    """The message of a failed check, with the offending value."""
    return message.replace("{value}", _format_value(value))


def _format_value(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return repr(value)
    return repr(int(number)) if number.is_integer() else repr(number)


def _flag(ops, fn, error_type, message, bad, values):
    """Raise now (concrete ``bad``) or report (traced) when an element of ``bad`` is set."""
    if _SKIPPING[0]:
        return
    xp = ops.xp
    flat_bad = xp.reshape(bad, (-1,))
    position = xp.argmax(xp.astype(flat_bad, ops.native_dtype("int8")))
    if ops.traced(flat_bad):
        report(error_type, message, xp.any(flat_bad), xp.reshape(values, (-1,))[position])
        return
    if bool(xp.any(flat_bad)):
        raise error_type(format_message(message, xp.reshape(values, (-1,))[int(position)]))


def require_integer_dtype(ops, fn, values, what):
    """``TypeError`` unless ``values`` (a backend array) has an integer dtype (TensorFlow's
    ``gather``/``one_hot`` take int32/int64 indices only)."""
    dtype = ops.keras_dtype(values)
    if dtype not in INTEGER_DTYPES:
        raise TypeError(f"{fn}: Expected {what} of an integer dtype. Received: {what} of dtype "
                        f"{dtype}")


def check_range(ops, fn, values, size, what):
    """Every element of integer ``values`` in ``[0, size)``; else :class:`OutOfRangeError`."""
    if 0 in ops.shape_of(values):
        return
    bad = (values < 0) | (values >= size)
    _flag(ops, fn, OutOfRangeError,
          f"{fn}: Expected {what} in [0, {size}). Received: {{value}}", bad, values)


def check_integral(ops, fn, values, what):
    """Every element of float ``values`` a finite whole number; else ``ValueError`` (a float
    label of 1.5 is not truncated to 1)."""
    if 0 in ops.shape_of(values):
        return
    xp = ops.xp
    bad = xp.logical_not(xp.isfinite(values)) | (xp.floor(values) != values)
    _flag(ops, fn, ValueError, f"{fn}: Expected {what} with whole-number values. "
          f"Received: {{value}}", bad, values)
