"""Contract: variables, constants, conversion and introspection.

Tensors are the backend's own arrays (``numpy.ndarray``, ``torch.Tensor``,
``jax.Array``). Every function taking a tensor also accepts a variable, a
NumPy array, or a Python number/list. Keras dtypes are strings:
``"float16"``, ``"float32"``, ``"float64"``, ``"bfloat16"``, ``"int8"``,
``"int16"``, ``"int32"``, ``"int64"``, ``"uint8"``, ``"bool"``.
"""

from ._declare import api


@api("core", kind="host")
def variable(value, dtype=None, name=None, constraint=None):
    """Instantiate a variable holding a copy of ``value``.

    Args:
        value: array-like (NumPy array, backend tensor, number, nested list)
            or a scipy.sparse matrix (densified: every backend stores dense).
        dtype: Keras dtype string; default :func:`floatx`.
        name: optional name; unique names are generated otherwise.
        constraint: optional callable applied after optimizer updates.

    Returns:
        A ``polykeras.backend.variable.Variable`` of the backend, with
        ``int_shape`` equal to the shape of ``value``.

    Raises:
        ValueError: unknown dtype (message names ``variable`` and the
            allowed dtypes).
    """


@api("core", kind="host")
def constant(value, dtype=None, shape=None, name=None):
    """Create a constant tensor.

    Args:
        value: a number or array-like.
        dtype: Keras dtype string; default :func:`floatx`.
        shape: optional shape; a scalar ``value`` is broadcast (filled) to it,
            an array-like must have exactly that number of elements.
        name: ignored (kept for Keras 2.2 compatibility).

    Returns:
        A backend tensor.

    Raises:
        ValueError: unknown dtype, or ``value`` cannot take ``shape``.
    """


@api("core", kind="host")
def eval(x):
    """Evaluate a tensor or variable.

    Returns:
        A ``numpy.ndarray`` (a copy: changing it never changes ``x``).
    """


@api("core", kind="host")
def dtype(x):
    """The Keras dtype string of a tensor or variable, e.g. ``"float32"``."""


@api("core", kind="host")
def int_shape(x):
    """The shape of a tensor or variable as a tuple of ints (``None`` for unknown dims).

    Returns:
        tuple of int/None; ``()`` for a scalar.
    """


@api("core", kind="host")
def get_value(x):
    """The value of a variable as a ``numpy.ndarray`` (a copy)."""


@api("core", kind="host")
def set_value(x, value):
    """Set the value of variable ``x`` from a NumPy array (or array-like).

    The variable keeps its dtype (``value`` is cast). The shape must match.

    Raises:
        ValueError: ``value``'s shape differs from the variable's (message
            names ``set_value`` and both shapes); the variable is unchanged.
        TypeError: ``x`` is not a variable.
    """
