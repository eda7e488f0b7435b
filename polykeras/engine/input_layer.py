"""The entry point of a model: :class:`InputLayer` and :func:`Input` (Keras 2.2)."""

from __future__ import annotations

from .. import backend as K
from ..legacy import interfaces
from ..utils.generic_utils import unpack_singleton
from .base_layer import Layer, Node


def _as_shape(shape, fn, arg):
    try:
        shape = tuple(shape)
    except TypeError:
        raise ValueError(f"{fn}: Expected {arg} as a tuple of ints (None for unknown sizes). "
                         f"Received: {arg}={shape!r}") from None
    for d in shape:
        if d is not None and (isinstance(d, bool) or not isinstance(d, int) or d < 0):
            raise ValueError(f"{fn}: Expected {arg} as a tuple of non-negative ints or None. "
                             f"Received: {arg}={shape!r}")
    return shape


class InputLayer(Layer):
    """The layer holding a model's input placeholder.

    Args:
        input_shape: shape without the batch axis.
        batch_size: optional fixed batch size.
        batch_input_shape: shape with the batch axis (instead of
            ``input_shape``/``batch_size``).
        dtype: the placeholder's dtype (default ``K.floatx()``).
        input_tensor: an existing symbolic tensor to use instead of a new
            placeholder.
        sparse: whether the placeholder is sparse.
        name: layer name (default ``input_<n>``).

    Raises:
        ValueError: both or neither of ``input_shape`` and
            ``batch_input_shape`` (without ``input_tensor``).
    """

    @interfaces.legacy_input_support
    def __init__(self, input_shape=None, batch_size=None, batch_input_shape=None, dtype=None,
                 input_tensor=None, sparse=False, name=None):
        if not name:
            name = f"input_{K.get_uid('input')}"
        super().__init__(dtype=dtype, name=name)
        self.trainable = False
        self.built = True
        self.sparse = sparse

        if input_shape is not None and batch_input_shape is not None:
            raise ValueError("InputLayer: Expected input_shape or batch_input_shape, not both. "
                             f"Received: input_shape={input_shape}, "
                             f"batch_input_shape={batch_input_shape}")
        if input_tensor is not None and batch_input_shape is None and input_shape is None:
            batch_input_shape = K.int_shape(input_tensor)
        if batch_input_shape is None:
            if input_shape is None:
                raise ValueError("InputLayer: Expected an input_shape or a batch_input_shape "
                                 "(Input(shape=...) without the batch axis). Received neither.")
            batch_input_shape = (batch_size,) + _as_shape(input_shape, "InputLayer", "input_shape")
        else:
            batch_input_shape = _as_shape(batch_input_shape, "InputLayer", "batch_input_shape")
        if not dtype:
            dtype = K.floatx() if input_tensor is None else K.dtype(input_tensor)
        self.batch_input_shape = batch_input_shape
        self.dtype = dtype

        if input_tensor is None:
            self.is_placeholder = True
            input_tensor = K.placeholder(shape=batch_input_shape, dtype=dtype, sparse=sparse,
                                         name=self.name)
        else:
            self.is_placeholder = False
        input_tensor._keras_shape = batch_input_shape
        input_tensor._uses_learning_phase = False
        input_tensor._keras_history = (self, 0, 0)
        Node(self, inbound_layers=[], node_indices=[], tensor_indices=[],
             input_tensors=[input_tensor], output_tensors=[input_tensor],
             input_masks=[None], output_masks=[None],
             input_shapes=[batch_input_shape], output_shapes=[batch_input_shape])

    def get_config(self):
        return {"batch_input_shape": self.batch_input_shape, "dtype": self.dtype,
                "sparse": self.sparse, "name": self.name}


def Input(shape=None, batch_shape=None, name=None, dtype=None, sparse=False, tensor=None):
    """A symbolic input tensor of a model (the output of a new :class:`InputLayer`).

    Args:
        shape: shape without the batch axis, e.g. ``(784,)``.
        batch_shape: shape with the batch axis, e.g. ``(32, 784)``.
        name: name of the input layer.
        dtype: default ``K.floatx()``.
        sparse: whether the placeholder is sparse.
        tensor: an existing tensor to wrap instead of a new placeholder.

    Returns:
        The symbolic tensor.

    Raises:
        ValueError: neither ``shape``, ``batch_shape`` nor ``tensor``.
    """
    if batch_shape is None and shape is None and tensor is None:
        raise ValueError("Input: Expected a shape (without the batch axis) or a batch_shape. "
                         "Received neither.")
    if shape is not None and batch_shape is None:
        if isinstance(shape, int):
            shape = (shape,)
        batch_shape = (None,) + _as_shape(shape, "Input", "shape")
    layer = InputLayer(batch_input_shape=batch_shape, name=name, dtype=dtype,
                       sparse=sparse, input_tensor=tensor)
    return unpack_singleton(layer._inbound_nodes[0].output_tensors)
