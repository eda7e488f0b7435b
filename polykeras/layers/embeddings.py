"""Embedding layer (Keras 2.2's ``keras.layers.embeddings``), on the ``K`` API."""

from __future__ import annotations

import numpy as np

from .. import backend as K
from .. import constraints, initializers, regularizers
from ..engine.base_layer import Layer
from ..legacy import interfaces


class Embedding(Layer):
    """Map integer indices in ``[0, input_dim)`` to dense vectors of size ``output_dim``.

    Input ``(batch, d1, ...)`` of integers (any dtype; cast to int32), output
    ``(batch, d1, ..., output_dim)``. Must be the first layer of a model or
    follow an integer-valued input.

    Args:
        input_dim: vocabulary size (largest index + 1).
        output_dim: size of the vectors.
        embeddings_initializer: default ``"uniform"``.
        embeddings_regularizer, activity_regularizer, embeddings_constraint: optional.
        mask_zero: index 0 is padding: the layer outputs a mask that is
            False there (then index 0 cannot be a word, so ``input_dim``
            should be vocabulary size + 1).
        input_length: length of the input sequences when fixed (needed
            before Flatten); an int or a tuple for inputs of rank > 2.

    Raises:
        ValueError: non-positive sizes; inputs whose length differs from ``input_length``.
    """

    @interfaces.legacy_embedding_support
    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, activity_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, input_length=None, **kwargs):
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            if input_length:
                kwargs["input_shape"] = (tuple(input_length)
                                         if isinstance(input_length, (list, tuple))
                                         else (input_length,))
            else:
                kwargs["input_shape"] = (None,)
        super().__init__(**kwargs)
        for name, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Embedding: Expected {name} to be a positive integer. "
                                 f"Received: {name}={value!r}")
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.input_length = input_length

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim), initializer=self.embeddings_initializer,
            name="embeddings", regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint, dtype=self.dtype)
        self.built = True

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return K.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        if self.input_length is None:
            return tuple(input_shape) + (self.output_dim,)
        lengths = list(self.input_length) if isinstance(self.input_length, (list, tuple)) \
            else [self.input_length]
        if len(lengths) != len(input_shape) - 1:
            raise ValueError(f"Embedding layer {self.name!r}: input_length={self.input_length} "
                             "does "
                             f"not fit inputs of shape {input_shape}")
        for i, (expected, received) in enumerate(zip(lengths, input_shape[1:])):
            if expected is not None and received is not None and expected != received:
                raise ValueError(f"Embedding layer {self.name!r}: Expected inputs of length "
                                 f"{self.input_length}. Received: inputs of shape {input_shape}")
            if expected is None:
                lengths[i] = received
        return (input_shape[0],) + tuple(lengths) + (self.output_dim,)

    def call(self, inputs):
        if K.dtype(inputs) != "int32":
            inputs = K.cast(inputs, "int32")
        return K.gather(self.embeddings, inputs)

    def get_config(self):
        config = {
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "input_length": self.input_length,
        }
        return {**super().get_config(), **config}


__all__ = ["Embedding"]
