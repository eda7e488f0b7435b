"""The symbolic graph: backend-agnostic tensors recorded by the API functions.

* :mod:`.tensor` -- the symbolic :class:`Tensor` and its Python operators.
* :mod:`.record` / :mod:`.inference` -- recording a node, inferring its shape and dtype.
* :mod:`.subgraph` -- ops with callable arguments (``switch``, ``rnn``, ``map_fn``, folds).
* :mod:`.dispatch` -- making a backend module's functions graph-aware.
* :mod:`.plan` / :mod:`.executor` -- compiling a graph into a plan; what executors share.
* :mod:`.api` -- the symbolic API functions that are the same on every backend.
* :mod:`.state` -- the session: learning phase, name scopes, uids.
"""

from polykeras.backend.variables import set_operator_hook as _set_operator_hook

from . import record as _record  # noqa: F401  (installs the operator recorder)
from .dispatch import make_graph_aware
from .executor import GraphFunction
from .tensor import Tensor, variable_operator_hook

# Operators on variables record graph nodes, like operators on symbolic tensors.
_set_operator_hook(variable_operator_hook)

__all__ = ["GraphFunction", "Tensor", "make_graph_aware"]
