"""Independent float64 reference implementations for the conformance suite.

Simple, obviously-right code: plain NumPy in float64 and explicit loops.
Nothing here may import a polykeras backend. Case files add references for
their own topics to this module or keep them next to their cases.
"""

import numpy as np  # noqa: F401
