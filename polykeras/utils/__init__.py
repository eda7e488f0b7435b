"""Utilities of Keras 2.2's ``keras.utils``: data preparation, files, serialization, progress.

``print_summary``, ``get_source_inputs``, ``convert_all_kernels_in_model``,
``freeze_weights`` and ``unfreeze_weights`` come from
:mod:`polykeras.utils.layer_utils`, and ``multi_gpu_model`` from
:mod:`polykeras.utils.multi_gpu_utils`, which need the engine; they are
imported on first use so that ``polykeras.utils`` stays importable by the
engine itself.
"""

from . import conv_utils, data_utils, generic_utils, io_utils, np_utils, random_utils  # noqa: F401
from .data_utils import GeneratorEnqueuer, OrderedEnqueuer, Sequence, SequenceEnqueuer, get_file  # noqa: F401
from .generic_utils import (  # noqa: F401
    CustomObjectScope, Progbar, custom_object_scope, deserialize_keras_object, get_custom_objects,
    serialize_keras_object)
from .io_utils import HDF5Matrix  # noqa: F401
from .np_utils import normalize, to_categorical  # noqa: F401
from .random_utils import set_random_seed, use_session_with_seed  # noqa: F401
from .vis_utils import model_to_dot, plot_history, plot_model  # noqa: F401

_LAYER_UTILS = ("layer_utils", "print_summary", "get_source_inputs", "convert_all_kernels_in_model",
                "freeze_weights", "unfreeze_weights")
_MULTI_GPU_UTILS = ("multi_gpu_utils", "multi_gpu_model")


def __getattr__(name):
    if name in _MULTI_GPU_UTILS:
        import importlib
        module = importlib.import_module(".multi_gpu_utils", __name__)
        return module if name == "multi_gpu_utils" else module.multi_gpu_model
    if name in _LAYER_UTILS:
        import importlib
        layer_utils = importlib.import_module(".layer_utils", __name__)
        return layer_utils if name == "layer_utils" else getattr(layer_utils, name)
    raise AttributeError(f"module 'polykeras.utils' has no attribute {name!r}")
