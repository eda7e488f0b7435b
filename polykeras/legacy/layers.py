"""Keras 1 layers that Keras 2.2.4 still exported (``keras.legacy.layers``), deprecated there too.

``Highway`` and ``MaxoutDense`` keep their Keras 1 arguments and weight names
(``W``, ``b``...) so that Keras 1 models and weight files still load; each warns
on construction, as Keras 2.2.4 did. ``AtrousConvolution1D/2D`` are the
factories of :mod:`polykeras.layers.convolutional` (``Conv1D``/``Conv2D`` with
``dilation_rate``), re-exported here where Keras 2.2.4 defined them.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import activations, constraints, initializers, regularizers
from .. import backend as K
from ..engine.base_layer import InputSpec, Layer
from ..layers.convolutional import AtrousConvolution1D, AtrousConvolution2D

__all__ = ["AtrousConvolution1D", "AtrousConvolution2D", "Highway", "MaxoutDense"]


def _positive_int(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{owner}: Expected {name} to be a positive integer. "
                         f"Received: {name}={value!r}")
    return int(value)


class _Keras1Dense(Layer):
    """What ``Highway`` and ``MaxoutDense`` share: Keras 1's weight arguments and config."""

    def __init__(self, init="glorot_uniform", weights=None, W_regularizer=None,
                 b_regularizer=None, activity_regularizer=None, W_constraint=None,
                 b_constraint=None, bias=True, input_dim=None, **kwargs):
        warnings.warn(f"The `{type(self).__name__}` layer is deprecated and will be removed "
                      "after 06/2017.", stacklevel=3)
        if input_dim:
            kwargs["input_shape"] = (input_dim,)
        super().__init__(weights=weights, **kwargs)
        self.init = initializers.get(init)
        self.W_regularizer = regularizers.get(W_regularizer)
        self.b_regularizer = regularizers.get(b_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.W_constraint = constraints.get(W_constraint)
        self.b_constraint = constraints.get(b_constraint)
        self.bias = bias
        self.input_dim = input_dim
        self.input_spec = InputSpec(ndim=2)

    def _input_dim(self, input_shape):
        if input_shape is None or len(input_shape) != 2 or input_shape[1] is None:
            raise ValueError(f"{type(self).__name__}: Expected an input of shape (batch, "
                             f"input_dim) with a known input_dim. Received: {input_shape}")
        self.input_spec = InputSpec(ndim=2, axes={1: int(input_shape[1])})
        return int(input_shape[1])

    def get_config(self):
        config = {"init": initializers.serialize(self.init),
                  "W_regularizer": regularizers.serialize(self.W_regularizer),
                  "b_regularizer": regularizers.serialize(self.b_regularizer),
                  "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                  "W_constraint": constraints.serialize(self.W_constraint),
                  "b_constraint": constraints.serialize(self.b_constraint),
                  "bias": self.bias, "input_dim": self.input_dim}
        return {**super().get_config(), **config}


class MaxoutDense(_Keras1Dense):
    """The element-wise maximum of ``nb_feature`` linear ``Dense(output_dim)`` maps (no activation).

    Input ``(batch, input_dim)``, output ``(batch, output_dim)``; weights ``W``
    of shape ``(nb_feature, input_dim, output_dim)`` and ``b`` of shape
    ``(nb_feature, output_dim)``.

    Raises:
        ValueError: a non-positive ``output_dim`` or ``nb_feature``; an input
            that is not ``(batch, input_dim)``.
    """

    def __init__(self, output_dim, nb_feature=4, init="glorot_uniform", weights=None,
                 W_regularizer=None, b_regularizer=None, activity_regularizer=None,
                 W_constraint=None, b_constraint=None, bias=True, input_dim=None, **kwargs):
        self.output_dim = _positive_int("MaxoutDense", "output_dim", output_dim)
        self.nb_feature = _positive_int("MaxoutDense", "nb_feature", nb_feature)
        super().__init__(init=init, weights=weights, W_regularizer=W_regularizer,
                         b_regularizer=b_regularizer, activity_regularizer=activity_regularizer,
                         W_constraint=W_constraint, b_constraint=b_constraint, bias=bias,
                         input_dim=input_dim, **kwargs)

    def build(self, input_shape):
        input_dim = self._input_dim(input_shape)
        self.W = self.add_weight(name="W", shape=(self.nb_feature, input_dim, self.output_dim),
                                 initializer=self.init, regularizer=self.W_regularizer,
                                 constraint=self.W_constraint)
        self.b = None
        if self.bias:
            self.b = self.add_weight(name="b", shape=(self.nb_feature, self.output_dim),
                                     initializer="zeros", regularizer=self.b_regularizer,
                                     constraint=self.b_constraint)
        self.built = True

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)

    def call(self, inputs):
        output = K.dot(inputs, self.W)  # (batch, nb_feature, output_dim)
        if self.b is not None:
            output = output + self.b
        return K.max(output, axis=1)

    def get_config(self):
        config = {"output_dim": self.output_dim, "nb_feature": self.nb_feature}
        return {**super().get_config(), **config}


class Highway(_Keras1Dense):
    """``t * activation(x W + b) + (1 - t) * x`` with the gate ``t = sigmoid(x W_carry + b_carry)``.

    Input and output ``(batch, input_dim)``; weights ``W``, ``W_carry``
    ``(input_dim, input_dim)``, then ``b`` (zeros) and ``b_carry`` (ones) of
    shape ``(input_dim,)`` when ``bias``. ``transform_bias`` (Keras 1) is
    dropped with a warning.
    """

    def __init__(self, init="glorot_uniform", activation=None, weights=None, W_regularizer=None,
                 b_regularizer=None, activity_regularizer=None, W_constraint=None,
                 b_constraint=None, bias=True, input_dim=None, **kwargs):
        if "transform_bias" in kwargs:
            kwargs.pop("transform_bias")
            warnings.warn("`transform_bias` argument is deprecated and has been removed.",
                          stacklevel=2)
        super().__init__(init=init, weights=weights, W_regularizer=W_regularizer,
                         b_regularizer=b_regularizer, activity_regularizer=activity_regularizer,
                         W_constraint=W_constraint, b_constraint=b_constraint, bias=bias,
                         input_dim=input_dim, **kwargs)
        self.activation = activations.get(activation)

    def build(self, input_shape):
        input_dim = self._input_dim(input_shape)
        square = (input_dim, input_dim)
        self.W = self.add_weight(name="W", shape=square, initializer=self.init,
                                 regularizer=self.W_regularizer, constraint=self.W_constraint)
        self.W_carry = self.add_weight(name="W_carry", shape=square, initializer=self.init)
        self.b = self.b_carry = None
        if self.bias:
            self.b = self.add_weight(name="b", shape=(input_dim,), initializer="zeros",
                                     regularizer=self.b_regularizer,
                                     constraint=self.b_constraint)
            self.b_carry = self.add_weight(name="b_carry", shape=(input_dim,),
                                           initializer="ones")
        self.built = True

    def call(self, inputs):
        carry = K.dot(inputs, self.W_carry)
        transform = K.dot(inputs, self.W)
        if self.bias:
            carry = carry + self.b_carry
            transform = transform + self.b
        gate = K.sigmoid(carry)
        return self.activation(transform) * gate + (1 - gate) * inputs

    def get_config(self):
        config = {"activation": activations.serialize(self.activation)}
        return {**super().get_config(), **config}
