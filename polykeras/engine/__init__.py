"""The Keras 2.2 engine: layers, networks, models and their training loops.

Written only on the abstract backend API (``from polykeras import backend as K``).
"""

from .base_layer import InputSpec, Layer, Node
from .input_layer import Input, InputLayer
from .network import Network, get_source_inputs
from .sequential import Sequential
from .training import Model

__all__ = ["Input", "InputLayer", "InputSpec", "Layer", "Model", "Network", "Node",
           "Sequential", "get_source_inputs"]
