"""How the contract is declared: one stub per API function.

Each topic file of this package (``core.py``, ``math.py``, ``nn.py``, ...)
declares API functions as stubs -- a signature plus a docstring, no body --
decorated with :func:`api`. The decorator records a :class:`FunctionSpec` in
one ordered registry; everything else (the public ``K.*`` namespace, the
backend check, the conformance runner) is built from that registry.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Callable

#: The groups of the API: Keras 2.2's backend in the order the issues introduced its parts,
#: then ``extension``, polykeras's own functions (not in Keras 2.2.4's backend).
GROUPS = ("core", "nn", "symbolic", "extension")

#: How a function relates to the symbolic graph.
#: - "op": takes tensors, returns tensors; records a graph node when given a
#:   symbolic tensor and is a candidate for differentiation.
#: - "host": configuration, variable management and introspection; never
#:   recorded in a graph (``variable``, ``int_shape``, ``floatx``, ...).
#: - "graph": the graph machinery itself (``placeholder``, ``function``, ...).
KINDS = ("op", "host", "graph")


@dataclasses.dataclass(frozen=True)
class FunctionSpec:
    """One API function as the contract declares it.

    Attributes:
        name: the public name, ``K.<name>``.
        signature: the Keras 2.2 signature every backend must have.
        doc: the contract text (shapes, dtypes, defaults, errors).
        group: one of :data:`GROUPS`; says which issue owns the function.
        kind: one of :data:`KINDS`.
        topic: the topic file declaring it (``"math"``, ``"nn"``, ...);
            backends implement it in the file of the same name.
        differentiable: names of the arguments the function is
            differentiable in (empty when it is not differentiable).
        default: for a function a backend may leave out, ``default(module)`` builds an
            implementation from the backend module's other API functions; ``None``
            when every backend must implement it.
        random: the function draws fresh random numbers each time it runs (each call of a
            compiled function that records it); also given a symbolic shape, a ``host``
            function of this kind records a graph node. Finite differences and cross-backend
            value comparisons do not apply to it.
        elementwise: an ``op`` whose result has the broadcast shape of its tensor arguments,
            each element computed from the elements at the same position.
        higher_order: the parameter taking a Python function the op calls (``"fn"`` of
            ``map_fn``, ``"step_function"`` of ``rnn``); ``None`` for other functions.
        subgraph: how a recorded call keeps its ``higher_order`` function: traced once into
            a sub-graph that executors compile, called as ``fn(element)`` (``"map"``),
            ``fn(accumulator, element)`` (``"fold"``) or ``step(inputs, states) -> (output,
            new_states)`` (``"rnn"``); ``None`` for other functions.
    """

    name: str
    signature: inspect.Signature
    doc: str
    group: str
    kind: str
    topic: str
    differentiable: tuple[str, ...]
    default: Callable | None = None
    random: bool = False
    elementwise: bool = False
    higher_order: str | None = None
    subgraph: str | None = None

    @property
    def stub(self) -> Callable:
        return _STUBS[self.name]


#: The forms a recorded higher-order op keeps its function in (``FunctionSpec.subgraph``).
SUBGRAPH_FORMS = ("map", "fold", "rnn")

#: name -> FunctionSpec, in declaration order.
REGISTRY: dict[str, FunctionSpec] = {}
_STUBS: dict[str, Callable] = {}


def api(group: str, kind: str = "op", differentiable: tuple[str, ...] = (),
        default: Callable | None = None, *, random: bool = False, elementwise: bool = False,
        higher_order: str | None = None, subgraph: str | None = None):
    """Declare the decorated stub as an API function.

    Args:
        group: ``"core"``, ``"nn"``, ``"symbolic"`` or ``"extension"``.
        kind: ``"op"``, ``"host"`` or ``"graph"`` (see :data:`KINDS`).
        differentiable: argument names the function is differentiable in.
        default: ``default(module) -> implementation`` for a backend module that does not
            define the function (see :class:`FunctionSpec`).
        random, elementwise, higher_order, subgraph: per-function metadata the graph, the
            executors and the conformance suite read (see :class:`FunctionSpec`).

    Raises:
        ValueError: for an unknown group or kind, an argument name not in the
            signature, a name declared twice, or inconsistent metadata (an element-wise
            function that is not an ``op``, a sub-graph without a higher-order parameter,
            an unknown sub-graph form).
    """
    if group not in GROUPS:
        raise ValueError(f"api: Expected one of {set(GROUPS)}. Received: group={group!r}")
    if kind not in KINDS:
        raise ValueError(f"api: Expected one of {set(KINDS)}. Received: kind={kind!r}")
    if subgraph is not None and subgraph not in SUBGRAPH_FORMS:
        raise ValueError(f"api: Expected one of {set(SUBGRAPH_FORMS)}. "
                         f"Received: subgraph={subgraph!r}")
    if subgraph is not None and higher_order is None:
        raise ValueError(f"api: Expected higher_order (the parameter taking the function) "
                         f"with subgraph={subgraph!r}. Received: higher_order=None")
    if elementwise and kind != "op":
        raise ValueError(f"api: Expected kind='op' for an element-wise function. "
                         f"Received: kind={kind!r}")

    def register(stub: Callable) -> Callable:
        name = stub.__name__
        if name in REGISTRY:
            raise ValueError(f"api: {name!r} is declared twice in the contract")
        if not (stub.__doc__ or "").strip():
            raise ValueError(f"api: {name!r} has no docstring; the docstring is the contract")
        signature = inspect.signature(stub)
        unknown = set(differentiable) - set(signature.parameters)
        if higher_order is not None and higher_order not in signature.parameters:
            raise ValueError(f"api: {name!r} declares the higher-order parameter "
                             f"{higher_order!r}, which is not in its signature {signature}")
        if unknown:
            raise ValueError(
                f"api: {name!r} declares differentiable arguments {sorted(unknown)} "
                f"that are not in its signature {signature}")
        topic = stub.__module__.rsplit(".", 1)[-1]
        REGISTRY[name] = FunctionSpec(
            name=name, signature=signature, doc=inspect.cleandoc(stub.__doc__),
            group=group, kind=kind, topic=topic, differentiable=tuple(differentiable),
            default=default, random=bool(random), elementwise=bool(elementwise),
            higher_order=higher_order, subgraph=subgraph)
        _STUBS[name] = stub
        return stub

    return register
