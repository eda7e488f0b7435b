"""Keras 2.2 layers: ``from polykeras.layers import Dense, Dropout, Input, ...``."""

from ..engine.base_layer import InputSpec, Layer
from ..engine.input_layer import Input, InputLayer
from ..utils.generic_utils import deserialize_keras_object
from .core import (
    Activation, ActivityRegularization, Dense, Dropout, Flatten, Lambda, Masking, Permute,
    RepeatVector, Reshape)
from .embeddings import Embedding
from .merge import (
    Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average,
    concatenate, dot, maximum, minimum, multiply, subtract)
from .normalization import BatchNormalization
from .recurrent import (
    GRU, LSTM, RNN, GRUCell, LSTMCell, SimpleRNN, SimpleRNNCell, StackedRNNCells)
from .convolutional_recurrent import ConvLSTM2D, ConvLSTM2DCell, ConvRNN2D
from .cudnn_recurrent import CuDNNGRU, CuDNNLSTM
from .wrappers import Bidirectional, TimeDistributed, Wrapper


def serialize(layer):
    """``{"class_name", "config"}`` of a layer."""
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize(config, custom_objects=None):
    """A new layer (or model) from :func:`serialize`'s output.

    Raises:
        ValueError: an unknown class name (register custom layers with
            ``custom_objects`` or ``CustomObjectScope``).
    """
    from .. import models
    objects = {name: obj for name, obj in globals().items()
               if isinstance(obj, type) and issubclass(obj, Layer)}
    objects.update(Model=models.Model, Sequential=models.Sequential, Network=models.Network)
    return deserialize_keras_object(config, module_objects=objects, custom_objects=custom_objects,
                                    printable_module_name="layer")


__all__ = [
    "Activation", "ActivityRegularization", "Add", "Average", "BatchNormalization", "Concatenate",
    "Dense", "Dot", "Dropout", "Embedding", "Flatten", "Input", "InputLayer", "InputSpec", "Lambda",
    "Layer", "Masking", "Maximum", "Minimum", "Multiply", "Permute", "RepeatVector", "Reshape",
    "Subtract", "add", "average", "concatenate", "deserialize", "dot", "maximum", "minimum",
    "multiply", "serialize", "subtract"]
__all__ += [
    "GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "SimpleRNN", "SimpleRNNCell", "StackedRNNCells",
    "ConvLSTM2D", "ConvLSTM2DCell", "ConvRNN2D", "CuDNNGRU", "CuDNNLSTM", "Bidirectional",
    "TimeDistributed", "Wrapper"]
