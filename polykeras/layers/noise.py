"""Noise layers (Keras 2.2's ``keras.layers.noise``), written on the ``K`` API only.

Regularization layers: each is active in training only (through
``K.in_train_phase`` and the learning phase) and is the identity at test time
(``predict``, ``evaluate``). Shapes are kept and masks passed through.
"""

from __future__ import annotations

import numpy as np

from .. import backend as K
from ..engine.base_layer import Layer
from ..legacy import interfaces
from . import _arguments

#: The constants of the SELU activation (Klambauer et al., 2017), as Keras uses them.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class _TrainingNoise(Layer):
    """Base: ``noised(inputs)`` in training, ``inputs`` at test time."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _active(self):
        return True

    def noised(self, inputs):
        raise NotImplementedError

    def call(self, inputs, training=None):
        if not self._active():
            return inputs
        return K.in_train_phase(lambda: self.noised(inputs), inputs, training=training)

    def compute_output_shape(self, input_shape):
        return input_shape


class GaussianNoise(_TrainingNoise):
    """Add zero-centred Gaussian noise of standard deviation ``stddev`` (in training only).

    Raises:
        TypeError: a non-numeric ``stddev``.
        ValueError: a negative ``stddev``.
    """

    @interfaces.legacy_gaussiannoise_support
    def __init__(self, stddev, **kwargs):
        super().__init__(**kwargs)
        self.stddev = _arguments.number(stddev, "stddev", "GaussianNoise", minimum=0.0)

    def noised(self, inputs):
        return inputs + K.random_normal(shape=K.shape(inputs), mean=0., stddev=self.stddev,
                                        dtype=K.dtype(inputs))

    def get_config(self):
        config = {"stddev": self.stddev}
        return {**super().get_config(), **config}


class GaussianDropout(_TrainingNoise):
    """Multiply by Gaussian noise of mean 1 and variance ``rate / (1 - rate)`` (in training).

    The identity when ``rate`` is 0 or 1, as in Keras 2.2.4.

    Raises:
        TypeError: a non-numeric ``rate``.
        ValueError: a rate outside [0, 1].
    """

    @interfaces.legacy_gaussiandropout_support
    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        self.rate = _arguments.rate(rate, "GaussianDropout")

    def _active(self):
        return 0. < self.rate < 1.

    def noised(self, inputs):
        stddev = float(np.sqrt(self.rate / (1.0 - self.rate)))
        return inputs * K.random_normal(shape=K.shape(inputs), mean=1.0, stddev=stddev,
                                        dtype=K.dtype(inputs))

    def get_config(self):
        config = {"rate": self.rate}
        return {**super().get_config(), **config}


class AlphaDropout(_TrainingNoise):
    """Dropout that keeps the mean and variance of standardized inputs (for SELU networks).

    In training each entry is dropped with probability ``rate``: set to SELU's
    negative saturation value ``-alpha * scale``; then ``a * x + b`` restores a zero
    mean and unit variance for inputs of zero mean and unit variance
    (``a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5``, ``b = -a * alpha_p * rate``).

    Args:
        rate: drop probability in [0, 1] (the identity at 0 and 1, as in Keras 2.2.4).
        noise_shape: shape of the keep/drop mask, broadcast over the input (None entries
            take the input's size), e.g. ``(None, 1, features)``.
        seed: random seed.

    Raises:
        TypeError: a non-numeric ``rate``.
        ValueError: a rate outside [0, 1].
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _arguments.rate(rate, "AlphaDropout")
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed

    def _active(self):
        return 0. < self.rate < 1.

    def _get_noise_shape(self, inputs):
        if self.noise_shape is None:
            return K.shape(inputs)
        shape = K.shape(inputs)
        return tuple(shape[axis] if dim is None else dim
                     for axis, dim in enumerate(self.noise_shape))

    def noised(self, inputs):
        rate = self.rate
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        dtype = K.dtype(inputs)
        kept = K.cast(K.greater_equal(
            K.random_uniform(self._get_noise_shape(inputs), dtype=dtype, seed=self.seed), rate),
            dtype)
        a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * rate
        return a * (inputs * kept + alpha_p * (1 - kept)) + b

    def get_config(self):
        config = {"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}
        return {**super().get_config(), **config}


__all__ = ["GaussianNoise", "GaussianDropout", "AlphaDropout"]
