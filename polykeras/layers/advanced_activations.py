"""Activation layers with parameters (Keras 2.2's ``keras.layers.advanced_activations``).

Each keeps the shape and passes masks through; only ``PReLU`` has weights (its
``alpha``). Written on the ``K`` API only.
"""

from __future__ import annotations

import numbers

from .. import activations, constraints, initializers, regularizers
from .. import backend as K
from ..engine.base_layer import InputSpec, Layer
from ..legacy import interfaces
from ..utils.generic_utils import to_list
from . import _arguments


class _ElementwiseActivation(Layer):
    """Base of the weightless activation layers: same shape out, masks passed through."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


class LeakyReLU(_ElementwiseActivation):
    """``x`` for ``x > 0``, ``alpha * x`` otherwise.

    Args:
        alpha: the slope below 0 (default 0.3); any real number, as Keras 2.2.4 accepts.

    Raises:
        TypeError: a non-numeric ``alpha``.
    """

    def __init__(self, alpha=0.3, **kwargs):
        super().__init__(**kwargs)
        self.alpha = _arguments.number(alpha, "alpha", "LeakyReLU")

    def call(self, inputs):
        return K.relu(inputs, alpha=self.alpha)

    def get_config(self):
        config = {"alpha": self.alpha}
        return {**super().get_config(), **config}


class PReLU(Layer):
    """``x`` for ``x > 0``, ``alpha * x`` otherwise, with a learned ``alpha`` per input entry.

    ``alpha`` has the input's shape without the batch axis, except the axes listed in
    ``shared_axes`` (1-based, the batch axis is 0), where it has size 1 and is shared:
    for ``(batch, height, width, channels)`` feature maps, ``shared_axes=[1, 2]``
    learns one slope per channel.

    Args:
        alpha_initializer: default ``"zeros"`` (the layer starts as a ReLU).
        alpha_regularizer, alpha_constraint: optional.
        shared_axes: None, an int or a list/tuple of ints in ``1..ndim-1``.

    Raises:
        ValueError: shared axes outside ``1..ndim-1``, or an input whose non-shared axes
            are not all known.
    """

    @interfaces.legacy_prelu_support
    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            self.shared_axes = to_list(shared_axes, allow_tuple=True)
            if not all(isinstance(a, numbers.Integral) and not isinstance(a, bool) and a >= 1
                       for a in self.shared_axes):
                raise ValueError(f"PReLU: Expected shared_axes as positive integers (1-based; "
                                 f"axis 0 is the batch). Received: shared_axes={shared_axes!r}")
            self.shared_axes = [int(a) for a in self.shared_axes]

    def build(self, input_shape):
        ndim = len(input_shape)
        shared = set(self.shared_axes or ())
        if any(axis >= ndim for axis in shared):
            raise ValueError(f"PReLU: Expected shared_axes within 1..{ndim - 1} for an input of "
                             f"rank {ndim}. Received: shared_axes={self.shared_axes}, input shape "
                             f"{tuple(input_shape)}")
        param_shape = [1 if axis in shared else input_shape[axis] for axis in range(1, ndim)]
        if None in param_shape:
            raise ValueError(f"PReLU: Expected an input whose axes not in shared_axes are known "
                             f"(alpha has their sizes). Received: input shape "
                             f"{tuple(input_shape)}, shared_axes={self.shared_axes}")
        self.alpha = self.add_weight(shape=param_shape, name="alpha",
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        axes = {axis: input_shape[axis] for axis in range(1, ndim) if axis not in shared}
        self.input_spec = InputSpec(ndim=ndim, axes=axes)
        self.built = True

    def call(self, inputs, mask=None):
        return K.relu(inputs) - self.alpha * K.relu(-inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }
        return {**super().get_config(), **config}


class ELU(_ElementwiseActivation):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise.

    Args:
        alpha: the scale of the negative part (default 1.0).

    Raises:
        TypeError: a non-numeric ``alpha``.
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = _arguments.number(alpha, "alpha", "ELU")

    def call(self, inputs):
        return K.elu(inputs, self.alpha)

    def get_config(self):
        config = {"alpha": self.alpha}
        return {**super().get_config(), **config}


class ThresholdedReLU(_ElementwiseActivation):
    """``x`` for ``x > theta``, 0 otherwise.

    Args:
        theta: the threshold (default 1.0).

    Raises:
        TypeError: a non-numeric ``theta``.
    """

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.theta = _arguments.number(theta, "theta", "ThresholdedReLU")

    def call(self, inputs, mask=None):
        return inputs * K.cast(K.greater(inputs, self.theta), K.dtype(inputs))

    def get_config(self):
        config = {"theta": self.theta}
        return {**super().get_config(), **config}


class Softmax(_ElementwiseActivation):
    """Softmax along ``axis`` (default -1, the last).

    Raises:
        TypeError: a non-integer ``axis``.
        ValueError: an input of rank < 2 or an ``axis`` outside its rank.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise TypeError(f"Softmax: Expected an integer axis. Received: axis={axis!r}")
        self.axis = int(axis)

    def build(self, input_shape):
        ndim = len(input_shape)
        if ndim < 2 or not -ndim <= self.axis < ndim:
            raise ValueError(f"Softmax: Expected an input of rank >= 2 that has axis {self.axis}. "
                             f"Received: input shape {tuple(input_shape)}")
        self.built = True

    def call(self, inputs):
        return activations.softmax(inputs, axis=self.axis)

    def get_config(self):
        config = {"axis": self.axis}
        return {**super().get_config(), **config}


class ReLU(_ElementwiseActivation):
    """Keras 2.2.4's ``ReLU``: ``K.relu(x, alpha=negative_slope, max_value, threshold)``.

    The positive part ``x * (x > threshold)`` is clipped into ``[0, max_value]`` when
    ``max_value`` is given, then ``negative_slope * max(threshold - x, 0)`` is subtracted
    (see :func:`polykeras.backend.relu`).

    Args:
        max_value: None or a number >= 0, the largest output.
        negative_slope: number >= 0, the slope below ``threshold``.
        threshold: number, where the activation starts.

    Raises:
        ValueError: a negative ``max_value`` or ``negative_slope``.
        TypeError: a non-numeric argument.
    """

    def __init__(self, max_value=None, negative_slope=0., threshold=0., **kwargs):
        super().__init__(**kwargs)
        if max_value is not None:
            max_value = _arguments.number(max_value, "max_value", "ReLU", minimum=0.0)
        self.max_value = max_value
        self.negative_slope = _arguments.number(negative_slope, "negative_slope", "ReLU",
                                                minimum=0.0)
        self.threshold = _arguments.number(threshold, "threshold", "ReLU")

    def call(self, inputs):
        return K.relu(inputs, alpha=self.negative_slope, max_value=self.max_value,
                      threshold=self.threshold)

    def get_config(self):
        config = {"max_value": self.max_value, "negative_slope": self.negative_slope,
                  "threshold": self.threshold}
        return {**super().get_config(), **config}


__all__ = ["LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax", "ReLU"]
