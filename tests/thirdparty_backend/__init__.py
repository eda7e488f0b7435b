"""A third-party polykeras backend that lives outside the package (docs/BACKENDS.md).

``relu_numpy`` is selected like any backend module: ``KERAS_BACKEND=thirdparty_backend.relu_numpy``
with ``tests/`` on the import path (or ``tests.thirdparty_backend.relu_numpy`` from the
repository root).
"""
