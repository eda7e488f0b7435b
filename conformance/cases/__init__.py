"""Conformance cases, one file per contract topic; importing this registers them all."""

import importlib
import importlib.util

from polykeras.backend.contract import TOPICS

for _topic in TOPICS:
    if importlib.util.find_spec(f"{__name__}.{_topic}") is not None:
        importlib.import_module(f"{__name__}.{_topic}")

# cases of the dtype rule, across topics (docs/ARCHITECTURE.md)
importlib.import_module(f"{__name__}.dtype_rule")
