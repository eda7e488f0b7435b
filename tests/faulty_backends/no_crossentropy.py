"""The NumPy backend without a working ``categorical_crossentropy``: models using it fail to
compile on this backend (``model.compile`` calls it)."""

from ._assemble import assemble

assemble(globals())


# Defined after the module is made graph-aware: the call itself fails, also while a model
# is being compiled (a graph-aware function would record a node and fail only when run).
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Not implemented on this backend."""
    raise NotImplementedError("categorical_crossentropy is not implemented by the "
                              "no_crossentropy backend")
