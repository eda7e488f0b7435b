"""``keras.applications.mobilenetv2``: Keras 2.2.4's older name of :mod:`.mobilenet_v2`."""

from .mobilenet_v2 import MobileNetV2, decode_predictions, preprocess_input  # noqa: F401

__all__ = ["MobileNetV2", "decode_predictions", "preprocess_input"]
