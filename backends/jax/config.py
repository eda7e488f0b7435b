"""Configuration functions: shared settings, and this backend's name."""

from polykeras.backend.config import (  # noqa: F401  (re-exported contract functions)
    cast_to_floatx, epsilon, floatx, image_data_format, normalize_data_format,
    set_epsilon, set_floatx, set_image_data_format)

__all__ = ["backend", "cast_to_floatx", "epsilon", "floatx", "image_data_format",
           "normalize_data_format", "set_epsilon", "set_floatx", "set_image_data_format"]


def backend():
    return "jax"
