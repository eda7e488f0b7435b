"""The symbolic :class:`Tensor`: one node of the backend-agnostic graph.

A node records the API function (or Python operator) that made it and the
call's parameters; it holds no value. Values come from compiling the graph
with a backend's ``function``. A Tensor made by a function returning several
tensors is the hidden *multi-output* node; what the user receives are
``"__output__"`` tensors selecting one leaf of its (flattened) result.
"""

from __future__ import annotations

import itertools
import operator

from polykeras.backend.variables import Variable

from . import state

#: Python operator functions -> the op names the graph records.
OPERATOR_NAMES = {
    operator.add: "__add__", operator.sub: "__sub__", operator.mul: "__mul__",
    operator.truediv: "__truediv__", operator.floordiv: "__floordiv__",
    operator.mod: "__mod__", operator.pow: "__pow__", operator.matmul: "__matmul__",
    operator.neg: "__neg__", operator.pos: "__pos__", operator.abs: "__abs__",
    operator.lt: "__lt__", operator.le: "__le__", operator.gt: "__gt__", operator.ge: "__ge__",
    operator.getitem: "__getitem__",
}
#: op name -> Python operator function (used by every backend to run operator nodes).
OPERATOR_FUNCTIONS = {name: fn for fn, name in OPERATOR_NAMES.items()}
BINARY_OPERATORS = ("__add__", "__sub__", "__mul__", "__truediv__", "__floordiv__", "__mod__",
                    "__pow__", "__matmul__", "__lt__", "__le__", "__gt__", "__ge__")
UNARY_OPERATORS = ("__neg__", "__pos__", "__abs__")

#: Internal op of the graph: one leaf of a multi-output node (params ``x``, ``index``).
OUTPUT_OP = "__output__"

_NODE_IDS = itertools.count()


class Tensor:
    """A symbolic tensor.

    Attributes:
        op: ``"placeholder"``, the API function name, an operator name
            (``"__add__"``, ...), or ``"__output__"``.
        params: the call bound to the contract signature with defaults
            applied (name -> value; values may be Tensors, Variables,
            literals, nested in lists/tuples).
        dtype: Keras dtype string (``None`` only for a multi-output node).
        name: unique name, prefixed by the active ``name_scope``.
        structure: for a multi-output node, the nested list/tuple template of
            its result (leaves are output indices); ``None`` otherwise.
        outputs: for a multi-output node, the ``"__output__"`` tensors.

    The engine may set any other attribute (``_keras_shape``,
    ``_keras_history``, ``_uses_learning_phase``).
    """

    _uses_learning_phase = False
    # Inference state (see inference.py): probe values per size, how to compute
    # them for another size, and whether they depend on the substituted size.
    _probes = None
    _probe_fn = None
    _varies = False
    # numpy defers ``array <op> tensor`` to the Tensor's reflected operator.
    __array_ufunc__ = None

    def __init__(self, op, params, shape, dtype, name=None, structure=None, sparse=False):
        self.op = op
        self.params = params
        self._int_shape = None if shape is None else tuple(shape)
        self.dtype = dtype
        self.structure = structure
        self.outputs = None
        self.sparse = sparse
        self._id = next(_NODE_IDS)
        self.name = state.scoped_name(name or _default_name(op))

    # -- shape ------------------------------------------------------------------
    @property
    def shape(self):
        """The inferred shape, a tuple of ints and ``None`` (unknown) entries."""
        return self._int_shape

    def get_shape(self):
        return self._int_shape

    @property
    def ndim(self):
        return None if self._int_shape is None else len(self._int_shape)

    def __repr__(self):
        if self.structure is not None:
            return f"<symbolic multi-output node {self.name!r} op={self.op}>"
        return f"<symbolic Tensor {self.name!r} shape={self._int_shape} dtype={self.dtype}>"

    # -- things a symbolic tensor cannot do ------------------------------------
    def __bool__(self):
        raise TypeError(
            f"The truth value of symbolic tensor {self.name!r} is not defined: it has no value "
            "until a function runs. Use K.switch for a symbolic condition.")

    def __iter__(self):
        raise TypeError(
            f"Symbolic tensor {self.name!r} is not iterable; index it (x[i]) or use K.map_fn.")

    def __len__(self):
        raise TypeError(f"len() of symbolic tensor {self.name!r} is not defined; "
                        "use K.shape(x)[0].")

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            f"Symbolic tensor {self.name!r} has no value; evaluate it with K.function or K.eval.")

    # Identity semantics: tensors are dict keys and list members.
    __hash__ = object.__hash__


def _default_name(op):
    base = op.strip("_") if op.startswith("__") else op
    return f"{base}_{state.next_node_number(base)}"


# -- recording Python operators ---------------------------------------------------

#: ``record_operator(op_name, params) -> Tensor``, installed by :mod:`.record`.
_record_operator = None


def _operator(fn, *operands):
    name = OPERATOR_NAMES[fn]
    if name == "__getitem__":
        params = {"x": operands[0], "key": operands[1]}
    elif len(operands) == 1:
        params = {"x": operands[0]}
    else:
        params = {"x": operands[0], "y": operands[1]}
    return _record_operator(name, params)


def _binary(name):
    fn = OPERATOR_FUNCTIONS[name]

    def forward(self, other):
        return _operator(fn, self, other)

    def reflected(self, other):
        return _operator(fn, other, self)

    return forward, reflected


for _name in BINARY_OPERATORS:
    _forward, _reflected = _binary(_name)
    setattr(Tensor, _name, _forward)
    if _name not in ("__lt__", "__le__", "__gt__", "__ge__"):
        setattr(Tensor, "__r" + _name[2:], _reflected)
for _name in UNARY_OPERATORS:
    setattr(Tensor, _name, (lambda fn: lambda self: _operator(fn, self))(OPERATOR_FUNCTIONS[_name]))
Tensor.__getitem__ = lambda self, key: _operator(operator.getitem, self, key)
del _name, _forward, _reflected


def variable_operator_hook(fn, *operands):
    """The Variable operator hook: operators on variables record graph nodes (TF1 semantics)."""
    return _operator(fn, *operands)


# -- walking nested parameters ---------------------------------------------------

#: Types met by is_symbolic that are neither containers nor Tensor/Variable subclasses (arrays,
#: numbers, strings...): a set lookup answers for them, since every API call asks.
LEAF_TYPES = set()


def is_symbolic(value) -> bool:
    """Whether ``value`` (looked into lists/tuples/slices) contains a Tensor or a Variable."""
    kind = type(value)
    if kind in LEAF_TYPES:
        return False
    if isinstance(value, (Tensor, Variable)):
        return True
    if kind is list or kind is tuple:
        for item in value:
            if type(item) not in LEAF_TYPES and is_symbolic(item):
                return True
        return False
    if kind is slice:
        return is_symbolic((value.start, value.stop, value.step))
    if kind is dict:
        return is_symbolic(tuple(value.values()))
    if not issubclass(kind, (list, tuple, dict)):
        LEAF_TYPES.add(kind)
    return False


def leaves(value):
    """The Tensors and Variables nested in ``value`` (lists, tuples, slices, dicts, sub-graphs)."""
    if isinstance(value, (Tensor, Variable)):
        yield value
        return
    kind = type(value)
    if kind is list or kind is tuple:
        for item in value:
            yield from leaves(item)
    elif kind is slice:
        yield from leaves((value.start, value.stop, value.step))
    elif kind is dict:
        yield from leaves(tuple(value.values()))
    else:
        captured = getattr(value, "captured", None)
        if captured is not None:  # a traced sub-graph (rnn step, map_fn fn)
            yield from captured


def replace(value, fn):
    """``value`` with every Tensor/Variable ``t`` nested in it replaced by ``fn(t)``."""
    if isinstance(value, (Tensor, Variable)):
        return fn(value)
    kind = type(value)
    if kind is list or kind is tuple:
        return kind(replace(item, fn) for item in value)
    if kind is slice:
        return slice(replace(value.start, fn), replace(value.stop, fn), replace(value.step, fn))
    if kind is dict:
        return {k: replace(v, fn) for k, v in value.items()}
    return value


def flatten_structure(value):
    """(leaves, template): the non-list/tuple leaves of ``value`` and a template whose leaves are
    indices."""
    flat = []

    def walk(v):
        if type(v) in (list, tuple):
            return type(v)(walk(item) for item in v)
        flat.append(v)
        return len(flat) - 1
    return flat, walk(value)


def unflatten_structure(template, flat):
    """Rebuild a value from ``template`` (see :func:`flatten_structure`) and its leaves."""
    if type(template) in (list, tuple):
        return type(template)(unflatten_structure(t, flat) for t in template)
    return flat[template]
