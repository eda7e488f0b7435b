"""A backend whose import kills the process (as a crash in a framework's native code would):
the comparison reports it in that backend's column and goes on."""

import os

os._exit(70)
