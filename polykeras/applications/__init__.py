"""Keras 2.2.4's ``keras.applications``: ImageNet models with their pre-trained weights.

Every constructor takes ``include_top``, ``weights`` (None, ``"imagenet"`` or
a file path), ``input_tensor``, ``input_shape``, ``pooling`` and
``classes``; layer names and weight order are Keras's, so the official
weight files load unchanged. ``weights="imagenet"`` downloads the file once
into ``$KERAS_HOME/models`` (``~/.keras/models``); offline, put it there by
hand (the error names the file and the folder). Each model's module has its
``preprocess_input`` and ``decode_predictions``::

    from polykeras.applications.resnet50 import ResNet50, preprocess_input, decode_predictions
"""

from . import (  # noqa: F401
    densenet,
    imagenet_utils,
    inception_resnet_v2,
    inception_v3,
    mobilenet,
    mobilenet_v2,
    mobilenetv2,
    nasnet,
    resnet50,
    vgg16,
    vgg19,
    xception,
)
from .densenet import DenseNet121, DenseNet169, DenseNet201
from .inception_resnet_v2 import InceptionResNetV2
from .inception_v3 import InceptionV3
from .mobilenet import MobileNet
from .mobilenet_v2 import MobileNetV2
from .nasnet import NASNetLarge, NASNetMobile
from .resnet50 import ResNet50
from .vgg16 import VGG16
from .vgg19 import VGG19
from .xception import Xception

__all__ = ["DenseNet121", "DenseNet169", "DenseNet201", "InceptionResNetV2", "InceptionV3",
           "MobileNet", "MobileNetV2", "NASNetLarge", "NASNetMobile", "ResNet50", "VGG16", "VGG19",
           "Xception"]
