"""The NumPy backend selected as a third-party module, nothing replaced: the control, which
must agree with ``numpy`` exactly."""

from ._assemble import assemble

assemble(globals())
