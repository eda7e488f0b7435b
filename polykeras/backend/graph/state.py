"""Process-wide graph state shared by every backend: the session.

A :class:`Session` is polykeras's backend-neutral reading of Keras 2.2's
TensorFlow session: the state in which graphs are built and functions run --
the learning-phase placeholder (or the fixed phase), the name-scope stack,
the uid counters, and the manual-variable-initialization flag. Variables
hold their values themselves (they are not owned by a session), so
``clear_session`` forgets the graph state but never changes a variable.
"""

from __future__ import annotations

import collections
import contextlib


class Session:
    """The graph state of one Keras session (see the module docstring).

    Attributes:
        learning_phase: the symbolic learning-phase placeholder (a scalar
            ``bool`` Tensor, default 0 when a function is not fed it), or the
            fixed phase ``0``/``1`` after ``set_learning_phase``.
        uids: prefix -> last uid handed out by ``get_uid``.
        scopes: the stack of active ``name_scope`` names.
        manual_variable_initialization: the flag of that function.
    """

    def __init__(self):
        self.learning_phase = None  # made lazily: it is a Tensor, and tensor.py imports us
        self.uids = collections.defaultdict(int)
        self.node_numbers = collections.defaultdict(int)
        self.scopes = []
        self.manual_variable_initialization = False

    def __repr__(self):
        phase = self.learning_phase if isinstance(self.learning_phase, int) else "placeholder"
        return f"<polykeras Session learning_phase={phase} scopes={self.scopes}>"


_CURRENT = Session()


def current() -> Session:
    return _CURRENT


def install(session: Session) -> None:
    global _CURRENT
    _CURRENT = session


#: Called by :func:`reset` (``clear_session``): backends free what they cache, such as JAX's
#: compiled programs.
RESET_HOOKS: list = []


def reset() -> Session:
    """Start a fresh session (``clear_session``) and return it."""
    install(Session())
    for hook in list(RESET_HOOKS):
        hook()
    return _CURRENT


def next_uid(prefix: str) -> int:
    _CURRENT.uids[prefix] += 1
    return _CURRENT.uids[prefix]


def next_node_number(base: str) -> int:
    number = _CURRENT.node_numbers[base]
    _CURRENT.node_numbers[base] += 1
    return number


def scoped_name(name: str) -> str:
    if not _CURRENT.scopes:
        return name
    return "/".join(_CURRENT.scopes) + "/" + name


def check_scope_name(name) -> None:
    if not isinstance(name, str) or not name.strip("/"):
        raise ValueError(f"name_scope: Expected a non-empty string. Received: name={name!r}")


@contextlib.contextmanager
def name_scope(name):
    """Prefix the names of tensors and placeholders created in the block with ``name/``."""
    check_scope_name(name)
    session = _CURRENT
    session.scopes.append(name.strip("/"))
    try:
        yield name
    finally:
        session.scopes.pop()
