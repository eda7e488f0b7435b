"""Contract: math functions of the backend API."""

from ._declare import api  # noqa: F401
