"""Keras 2.2's ``keras.engine.topology``: where most Keras 2 custom layers import ``Layer`` from.

A re-export of the engine's classes, kept for that import path.
"""

from .base_layer import InputSpec, Layer, Node
from .input_layer import Input, InputLayer
from .network import Network, get_source_inputs

__all__ = ["Input", "InputLayer", "InputSpec", "Layer", "Network", "Node", "get_source_inputs"]
