"""The numpy backend of polykeras: every function of the backend contract, implemented with NumPy.

Assembled by ``export_topics``: the shared implementations of ``polykeras.backends.common``
bound to this backend's hooks (``core.OPS``), then this folder's own topic files, which hold
only what differs (same file names as the contract, ``polykeras/backend/contract/``).
"""

from polykeras.backends.common.assemble import export_topics as _export_topics

_export_topics(__name__, globals())
