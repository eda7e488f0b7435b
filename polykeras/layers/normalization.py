"""Batch normalization (Keras 2.2's ``keras.layers.normalization``), on the ``K`` API."""

from __future__ import annotations

import numpy as np

from .. import backend as K
from .. import constraints, initializers, regularizers
from ..engine.base_layer import InputSpec, Layer
from ..legacy import interfaces


class BatchNormalization(Layer):
    """Normalize the activations of the previous layer per feature (Ioffe and Szegedy, 2015).

    In training (``fit``) each batch is normalized with its own mean and
    variance over every axis except ``axis``, and the moving averages are
    updated: ``moving = moving * momentum + batch_stat * (1 - momentum)``
    (the batch variance unbiased, ``n / (n - 1)``). In test mode
    (``predict``, ``evaluate``) the moving averages are used. The output is
    ``gamma * (x - mean) / sqrt(variance + epsilon) + beta``.

    A frozen layer (``trainable=False``) does not update its moving averages.

    Args:
        axis: the feature axis (default -1, channels last).
        momentum: of the moving averages.
        epsilon: added to the variance.
        center: learn an offset ``beta``; scale: learn a factor ``gamma``.
        beta_initializer, gamma_initializer, moving_mean_initializer,
        moving_variance_initializer: default zeros, ones, zeros, ones.
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: optional.

    Raises:
        ValueError: an input whose ``axis`` is out of range or unknown.
    """

    @interfaces.legacy_batchnorm_support
    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"BatchNormalization: Expected an int axis. Received: axis={axis!r}")
        self.axis = int(axis)
        self.momentum = momentum
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def build(self, input_shape):
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim:
            raise ValueError(f"BatchNormalization layer {self.name!r}: Expected axis in [{-ndim}, "
                             f"{ndim}). Received: axis={self.axis} for inputs of shape "
                             f"{input_shape}")
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(f"BatchNormalization layer {self.name!r}: Expected axis {self.axis} "
                             "of "
                             f"the input to have a known size. Received: shape {input_shape}")
        self.input_spec = InputSpec(ndim=ndim, axes={self.axis: dim})
        shape = (dim,)
        self.gamma = self.add_weight(shape=shape, name="gamma", initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight(shape=shape, name="beta", initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean",
                                           initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               initializer=self.moving_variance_initializer,
                                               trainable=False)
        self.built = True

    def call(self, inputs, training=None):
        input_shape = K.int_shape(inputs)
        ndim = len(input_shape)
        axis = self.axis % ndim
        reduction_axes = [a for a in range(ndim) if a != axis]
        broadcast_shape = [1] * ndim
        broadcast_shape[axis] = input_shape[axis]
        needs_broadcasting = axis != ndim - 1

        def broadcast(v):
            return K.reshape(v, broadcast_shape) if needs_broadcasting else v

        def normalize(mean, variance):
            # x * inv + (beta - mean * inv): the per-feature terms are computed once,
            # leaving two element-wise operations on the full input.
            inv = 1. / K.sqrt(variance + self.epsilon)
            if self.gamma is not None:
                inv = inv * self.gamma
            shift = -mean * inv
            if self.beta is not None:
                shift = shift + self.beta
            return inputs * broadcast(inv) + broadcast(shift)

        def normalize_inference():
            return normalize(self.moving_mean, self.moving_variance)

        if training in (0, False):
            return normalize_inference()

        mean = K.mean(inputs, axis=reduction_axes)
        variance = K.var(inputs, axis=reduction_axes)
        normed_training = normalize(mean, variance)

        static_size = 1
        sample_size = None
        for a in reduction_axes:
            if a == 0 or input_shape[a] is None:
                dim = K.cast(K.shape(inputs)[a], K.dtype(inputs))
                sample_size = dim if sample_size is None else sample_size * dim
            else:
                static_size *= input_shape[a]
        sample_size = static_size if sample_size is None else sample_size * static_size
        unbiased_variance = variance * (sample_size / (sample_size - (1.0 + self.epsilon)))
        self.add_update([K.moving_average_update(self.moving_mean, mean, self.momentum),
                         K.moving_average_update(self.moving_variance, unbiased_variance,
                                                 self.momentum)],
                        inputs)
        return K.in_train_phase(normed_training, normalize_inference, training=training)

    def get_config(self):
        config = {
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
        return {**super().get_config(), **config}


__all__ = ["BatchNormalization"]
