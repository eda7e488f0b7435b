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
        A ``polykeras.backend.variables.Variable`` of the backend, with
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


@api("core", kind="host")
def batch_get_value(ops):
    """The values of several variables/tensors.

    Args:
        ops: a list of variables or tensors.

    Returns:
        A list of ``numpy.ndarray`` (copies), in order.
    """


@api("core", kind="host")
def batch_set_value(tuples):
    """Set the values of several variables at once.

    Args:
        tuples: a list of ``(variable, value)`` pairs; values are array-like.

    Raises:
        ValueError: a pair that is not a pair, or a value whose shape differs
            from its variable's. Every pair is checked before any variable is
            changed, so an error leaves all variables unchanged.
        TypeError: a first element that is not a variable.
    """


@api("core")
def shape(x):
    """The dynamic shape of ``x`` as a 1-D int32 tensor.

    On JAX this is a NumPy int32 array (static, so it can shape other arrays
    inside ``jax.jit``); on NumPy a NumPy array; on PyTorch a tensor.
    """


@api("core", kind="host")
def ndim(x):
    """The rank of ``x`` (number of axes), as an int."""


@api("core", kind="host")
def count_params(x):
    """The number of elements of a variable or tensor, as an int."""


@api("core", kind="host")
def get_variable_shape(x):
    """The shape of a variable, as a tuple of ints (same as :func:`int_shape`)."""


@api("core", kind="host")
def is_tensor(x):
    """Whether ``x`` is a backend tensor or variable (NumPy arrays and numbers are not,
    except on the NumPy backend, whose tensors are NumPy arrays)."""


@api("core", kind="host")
def is_sparse(tensor):
    """Whether ``tensor`` is sparse: a ``scipy.sparse`` matrix or the framework's own sparse
    tensor."""


@api("core")
def to_dense(tensor):
    """A dense backend tensor with the values of ``tensor`` (sparse or dense input)."""


@api("core", kind="host")
def zeros(shape, dtype=None, name=None):
    """A variable filled with zeros.

    Args:
        shape: tuple of non-negative ints (or an int).
        dtype: Keras dtype string; default floatx.

    Raises:
        ValueError: a negative dimension or an unknown dtype.
    """


@api("core", kind="host")
def ones(shape, dtype=None, name=None):
    """A variable filled with ones.

    Args:
        shape: tuple of non-negative ints (or an int).
        dtype: Keras dtype string; default floatx.

    Raises:
        ValueError: a negative dimension or an unknown dtype.
    """


@api("core", kind="host")
def eye(size, dtype=None, name=None):
    """An identity-matrix variable.

    Args:
        size: an int n (n x n) or a pair (rows, cols).
        dtype: Keras dtype string; default floatx.
    """


@api("core")
def zeros_like(x, dtype=None, name=None):
    """A tensor of zeros with the shape of ``x``; dtype ``dtype`` or ``x``'s."""


@api("core")
def ones_like(x, dtype=None, name=None):
    """A tensor of ones with the shape of ``x``; dtype ``dtype`` or ``x``'s."""


@api("core", differentiable=("x",))
def identity(x, name=None):
    """A new tensor with the content of ``x`` (for a variable, its value when evaluated)."""


@api("core", differentiable=("x",), elementwise=True)
def cast(x, dtype):
    """``x`` converted to ``dtype`` (a Keras dtype string).

    Raises:
        ValueError: unknown dtype (message names ``cast`` and the allowed dtypes).
    """


@api("core")
def arange(start, stop=None, step=1, dtype="int32"):
    """A 1-D tensor ``start, start + step, ...`` below ``stop``; ``arange(n)`` counts from 0.

    Raises:
        ValueError: ``step`` of 0, or a bool/unknown dtype.
    """


@api("core", kind="host")
def py_all(iterable, /):
    """Python's built-in ``all`` (Keras 2.2's backend exports it under this name)."""


@api("core", kind="host")
def py_sum(iterable, /, start=0):
    """Python's built-in ``sum`` (Keras 2.2's backend exports it under this name)."""
