"""The variable handle shared by every backend.

A :class:`Variable` is a mutable handle on one backend array: ``value`` is a
``numpy.ndarray``, ``torch.Tensor`` or ``jax.Array`` depending on the backend
that made it. Each backend subclasses it (``backends/<name>/core.py``) to say
how its arrays convert to NumPy; everything else -- identity, name,
``trainable``, ``constraint``, Python operators -- is common, so model code
and the symbolic graph treat variables of every backend alike.
"""

from __future__ import annotations

import itertools
import operator

import numpy as np

_COUNTER = itertools.count(1)


class Variable:
    """A named, mutable handle on a backend array.

    Attributes:
        value: the current backend array. Replace it only through the
            backend's ``set_value``/``update*`` so its dtype and shape stay fixed.
        name: unique name (``"variable_<n>"`` when none is given).
        dtype: the Keras dtype string, e.g. ``"float32"``.
        trainable: whether optimizers update it (set by the engine).
        constraint: optional callable applied after optimizer updates.
    """

    #: set by each backend's subclass
    backend_name = None

    def __init__(self, value, dtype: str, name: str | None = None, constraint=None):
        self.value = value
        self.dtype = dtype
        self.name = name if name else f"variable_{next(_COUNTER)}"
        self.trainable = True
        self.constraint = constraint
        self._keras_shape = tuple(int(d) for d in value.shape)
        self._uses_learning_phase = False

    # -- conversions, overridden by each backend ------------------------------
    def numpy(self) -> np.ndarray:
        """The current value as a new ``numpy.ndarray`` (backends whose arrays NumPy cannot
        read directly, such as PyTorch's on a GPU, override it)."""
        return np.array(self.value, copy=True)

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array.astype(dtype) if dtype is not None else array

    @property
    def shape(self) -> tuple:
        return tuple(int(d) for d in self.value.shape)

    @property
    def ndim(self) -> int:
        return len(self.value.shape)

    def __len__(self):
        if not self.shape:
            raise TypeError(f"len() of a 0-d variable {self.name!r}")
        return self.shape[0]

    def __repr__(self):
        return (f"<{self.backend_name} Variable {self.name!r} shape={self.shape} "
                f"dtype={self.dtype}>")

    # Variables are used as dict keys and set members (optimizers, the graph).
    __hash__ = object.__hash__

    def __bool__(self):
        raise TypeError(
            f"The truth value of variable {self.name!r} is ambiguous; "
            "use K.get_value(v) to read it.")

    # -- Python operators -------------------------------------------------------
    def _apply(self, fn, *others):
        """Apply ``fn`` to this variable's value and ``others``.

        The symbolic graph (``polykeras.backend.graph``) replaces this hook so
        that operators on variables build graph nodes; until it is loaded they
        act eagerly on the backend arrays.
        """
        return _operator_hook(fn, self, *others)

    def __getitem__(self, key):
        return self._apply(operator.getitem, key)


def _eager_operator(fn, *operands):
    return fn(*[o.value if isinstance(o, Variable) else o for o in operands])


#: fn(operator, *operands) -> result; swapped by the graph module.
_operator_hook = _eager_operator


def set_operator_hook(hook) -> None:
    """Install ``hook(fn, *operands)`` as the implementation of Variable operators."""
    global _operator_hook
    _operator_hook = hook


def _binary(name):
    fn = getattr(operator, name)

    def forward(self, other):
        return _operator_hook(fn, self, other)

    def reflected(self, other):
        return _operator_hook(fn, other, self)

    forward.__name__ = f"__{name.strip('_')}__"
    reflected.__name__ = f"__r{name.strip('_')}__"
    return forward, reflected


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul"):
    _f, _r = _binary(_name)
    setattr(Variable, f"__{_name}__", _f)
    setattr(Variable, f"__r{_name}__", _r)
for _name in ("lt", "le", "gt", "ge"):
    _f, _ = _binary(_name)
    setattr(Variable, f"__{_name}__", _f)
for _name in ("neg", "pos", "abs"):
    setattr(Variable, f"__{_name}__",
            (lambda fn: lambda self: _operator_hook(fn, self))(getattr(operator, _name)))
del _name, _f, _r
