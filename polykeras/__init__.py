"""polykeras: the Keras 2 programming model on an abstract backend API.

``import polykeras as keras`` runs Keras 2 code; ``from polykeras import
backend as K`` is the backend API, bound to the backend chosen by
``KERAS_BACKEND`` or ``~/.keras/keras.json``.
"""

__version__ = "0.1.0"

from . import backend  # noqa: F401,E402
