"""The jax backend of polykeras: every function of the backend contract, implemented with jax.

The implementation is split by topic, with the same file names as the
contract (``polykeras/backend/contract/``) and the other backends.
"""

from polykeras.backends.common.assemble import export_topics as _export_topics

_export_topics(__name__, globals())
