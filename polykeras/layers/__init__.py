"""Keras 2.2 layers: ``from polykeras.layers import Dense, Dropout, Input, ...``."""

from types import ModuleType as _ModuleType

from ..engine.base_layer import InputSpec, Layer
from ..engine.input_layer import Input, InputLayer

# Keras 1 layers Keras 2.2.4 still exported (``from ..legacy.layers import *`` there).
from ..legacy.layers import ConvRecurrent2D, Highway, MaxoutDense, Recurrent
from ..utils.generic_utils import deserialize_keras_object as _deserialize_keras_object
from .advanced_activations import ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU
from .convolutional import (
    AtrousConv1D,
    AtrousConv2D,
    AtrousConvolution1D,
    AtrousConvolution2D,
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    Convolution1D,
    Convolution2D,
    Convolution2DTranspose,
    Convolution3D,
    Cropping1D,
    Cropping2D,
    Cropping3D,
    Deconv2D,
    Deconv3D,
    Deconvolution2D,
    Deconvolution3D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
    SeparableConvolution1D,
    SeparableConvolution2D,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)
from .convolutional_recurrent import ConvLSTM2D, ConvLSTM2DCell, ConvRNN2D
from .core import (
    Activation,
    ActivityRegularization,
    Dense,
    Dropout,
    Flatten,
    Lambda,
    Masking,
    Permute,
    RepeatVector,
    Reshape,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from .cudnn_recurrent import CuDNNGRU, CuDNNLSTM
from .embeddings import Embedding
from .local import LocallyConnected1D, LocallyConnected2D
from .merge import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from .noise import AlphaDropout, GaussianDropout, GaussianNoise
from .normalization import BatchNormalization
from .pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    AvgPool1D,
    AvgPool2D,
    AvgPool3D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalAvgPool3D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPool3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
    MaxPool1D,
    MaxPool2D,
    MaxPool3D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
)
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, SimpleRNN, SimpleRNNCell, StackedRNNCells
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
    # tf.keras 2.x and Keras 3 call a functional model "Functional".
    objects.update(Model=models.Model, Sequential=models.Sequential, Network=models.Network,
                   Functional=models.Model)
    return _deserialize_keras_object(config, module_objects=objects,
                                     custom_objects=custom_objects, printable_module_name="layer")


# Every public layer, merge function and (de)serializer above, as Keras 2.2's ``keras.layers``.
__all__ = sorted(name for name, value in globals().items()
                 if not name.startswith("_") and not isinstance(value, _ModuleType))
