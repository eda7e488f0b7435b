"""The config topic: the settings are the contract's own (``polykeras.backend.config``), the same
for every backend; ``backend()`` answers the backend's name."""

from polykeras.backend.config import (  # noqa: F401  (exported unbound, see UNBOUND)
    cast_to_floatx,
    epsilon,
    floatx,
    image_data_format,
    normalize_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)

__all__ = ["backend"]
UNBOUND = ("cast_to_floatx", "epsilon", "floatx", "image_data_format", "normalize_data_format",
           "set_epsilon", "set_floatx", "set_image_data_format")


def backend(ops):
    return ops.name
