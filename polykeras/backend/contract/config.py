"""Configuration: the backend's name, floatx, epsilon and image data format.

These settings are process-wide and shared by every backend (they live in
``polykeras.backend.config``); each backend re-exports the shared
implementation, except :func:`backend`, which names the backend itself.
"""

from ._declare import api


@api("core", kind="host")
def backend():
    """Name of the backend, e.g. ``"numpy"``, ``"torch"``, ``"jax"``.

    Returns:
        str. ``K.backend()`` returns the name the active backend was selected by
        (``KERAS_BACKEND``, ``keras.json`` or ``K.set_backend``): for a third-party
        backend, the module name it was selected with (``"acme.mybackend"``), as
        Keras 2.2.4 returns the ``KERAS_BACKEND`` value. A backend module's own
        ``backend()`` returns the name it gives itself.
    """


@api("core", kind="host")
def epsilon():
    """The fuzz factor used in numeric expressions (default ``1e-7``).

    Returns:
        float.
    """


@api("core", kind="host")
def set_epsilon(e):
    """Set the fuzz factor used in numeric expressions.

    Args:
        e: a finite float >= 0.

    Raises:
        ValueError: if ``e`` is not a finite, non-negative number.
    """


@api("core", kind="host")
def floatx():
    """The default float type, as a string: ``"float16"``, ``"float32"`` or ``"float64"``.

    Returns:
        str (default ``"float32"``).
    """


@api("core", kind="host")
def set_floatx(floatx):
    """Set the default float type.

    Args:
        floatx: one of ``"float16"``, ``"float32"``, ``"float64"``.

    Raises:
        ValueError: ``Expected one of {...}. Received: floatx=...``.
    """


@api("core", kind="host")
def image_data_format():
    """The default image data format: ``"channels_last"`` or ``"channels_first"``.

    Returns:
        str (default ``"channels_last"``).
    """


@api("core", kind="host")
def set_image_data_format(data_format):
    """Set the default image data format.

    Args:
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Raises:
        ValueError: ``Expected one of {...}. Received: data_format=...``.
    """


@api("core", kind="host")
def normalize_data_format(value):
    """Check a data format, filling ``None`` with :func:`image_data_format`.

    Args:
        value: ``None``, ``"channels_last"`` or ``"channels_first"``
            (case-insensitive).

    Returns:
        The lower-cased data format.

    Raises:
        ValueError: ``Expected one of {...}. Received: data_format=...``.
    """


@api("core", kind="host")
def cast_to_floatx(x):
    """Cast a NumPy array (or anything ``numpy.asarray`` accepts) to floatx.

    Args:
        x: array-like.

    Returns:
        ``numpy.ndarray`` of dtype :func:`floatx` (a NumPy array on every
        backend, as in Keras 2.2).
    """
