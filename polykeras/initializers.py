"""Weight initializers (Keras 2.2's ``keras.initializers``).

Every initializer computes its values in NumPy, from
:mod:`polykeras.utils.random_utils`'s generator, and returns
``K.constant(values, dtype)``. Hence:

* after ``polykeras.utils.set_random_seed(s)`` the same sequence of
  initializer calls gives bit-identical weights on every backend;
* an initializer made with ``seed=...`` gives the same values on every call.

Calling convention: ``initializer(shape, dtype=None)`` with ``dtype``
defaulting to ``K.floatx()``; the result has that shape and dtype.
"""

from __future__ import annotations

import numpy as np

from . import backend as K
from .utils import random_utils
from .utils.generic_utils import deserialize_keras_object, get_keras_object, serialize_keras_object

_FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")


def _as_shape(shape, fn):
    try:
        shape = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise ValueError(f"{fn}: Expected a shape, a tuple of non-negative ints. "
                         f"Received: shape={shape!r}") from None
    if any(d < 0 for d in shape):
        raise ValueError(f"{fn}: Expected a shape, a tuple of non-negative ints. "
                         f"Received: shape={shape!r}")
    return shape


def _to_backend(values, dtype, fn):
    """``values`` (float64 NumPy) as a backend constant of ``dtype``, rounded once, in NumPy."""
    dtype = dtype or K.floatx()
    if dtype == "bfloat16":
        return K.constant(np.array(values, dtype="float32"), dtype=dtype)
    if dtype not in _FLOAT_DTYPES:
        raise ValueError(f"{fn}: Expected a float dtype, one of {set(_FLOAT_DTYPES)}. "
                         f"Received: dtype={dtype!r}")
    return K.constant(np.array(values, dtype=dtype), dtype=dtype)


class Initializer:
    """Base class: ``initializer(shape, dtype=None)`` returns a backend tensor of that shape."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} does not define __call__")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("dtype", None)  # written by some Keras versions, not a constructor argument
        return cls(**config)


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        shape = _as_shape(shape, "Zeros")
        return _to_backend(np.zeros(shape), dtype, "Zeros")


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        shape = _as_shape(shape, "Ones")
        return _to_backend(np.ones(shape), dtype, "Ones")


class Constant(Initializer):
    """Every value ``value``.

    Args:
        value: a number (or an array broadcastable to the requested shape).
    """

    def __init__(self, value=0):
        self.value = value

    def __call__(self, shape, dtype=None):
        shape = _as_shape(shape, "Constant")
        try:
            values = np.broadcast_to(np.asarray(self.value, dtype="float64"), shape)
        except ValueError:
            raise ValueError(f"Constant: Expected a value broadcastable to the shape {shape}. "
                             f"Received: value of shape {np.shape(self.value)}") from None
        return _to_backend(values, dtype, "Constant")

    def get_config(self):
        value = self.value
        return {"value": value.tolist() if isinstance(value, np.ndarray) else value}


class RandomNormal(Initializer):
    """Normal distribution ``N(mean, stddev**2)``.

    Args:
        mean, stddev: of the distribution.
        seed: int; the same values on every call when given.
    """

    def __init__(self, mean=0., stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed

    def __call__(self, shape, dtype=None):
        shape = _as_shape(shape, "RandomNormal")
        rng = random_utils.generator(self.seed)
        return _to_backend(rng.normal(self.mean, self.stddev, size=shape), dtype, "RandomNormal")

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """Uniform distribution on ``[minval, maxval)``.

    Args:
        minval, maxval: bounds of the distribution.
        seed: int; the same values on every call when given.
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        self.seed = seed

    def __call__(self, shape, dtype=None):
        shape = _as_shape(shape, "RandomUniform")
        if self.maxval < self.minval:
            raise ValueError(f"RandomUniform: Expected minval <= maxval. "
                             f"Received: minval={self.minval}, maxval={self.maxval}")
        rng = random_utils.generator(self.seed)
        return _to_backend(rng.uniform(self.minval, self.maxval, size=shape), dtype,
                           "RandomUniform")

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


def _truncated_normal(rng, mean, stddev, shape):
    """Normal samples, redrawn until within two standard deviations of the mean."""
    values = rng.normal(0.0, 1.0, size=shape)
    outside = np.abs(values) > 2.0
    while outside.any():
        values[outside] = rng.normal(0.0, 1.0, size=int(outside.sum()))
        outside = np.abs(values) > 2.0
    return values * stddev + mean


class TruncatedNormal(Initializer):
    """Normal distribution with values beyond two standard deviations redrawn.

    Recommended for neural network weights (Keras 2.2's default for
    ``VarianceScaling(distribution="normal")``).

    Args:
        mean, stddev: of the untruncated distribution.
        seed: int; the same values on every call when given.
    """

    def __init__(self, mean=0., stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed

    def __call__(self, shape, dtype=None):
        shape = _as_shape(shape, "TruncatedNormal")
        rng = random_utils.generator(self.seed)
        return _to_backend(_truncated_normal(rng, self.mean, self.stddev, shape), dtype,
                           "TruncatedNormal")

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(Initializer):
    """Samples scaled to the shape of the weights.

    ``n`` is the fan-in (``mode="fan_in"``), fan-out (``"fan_out"``) or
    their average (``"fan_avg"``). ``distribution="normal"``: truncated
    normal with stddev ``sqrt(scale / n) / 0.8796...`` (the correction keeps
    the variance of the truncated distribution at ``scale / n``);
    ``"uniform"``: uniform on ``[-limit, limit]``, ``limit = sqrt(3 * scale / n)``.

    Raises:
        ValueError: ``scale <= 0``, or an unknown ``mode`` / ``distribution``.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="normal", seed=None):
        if not scale > 0.:
            raise ValueError("VarianceScaling: Expected a positive scale. Received: "
                             f"scale={scale!r}")
        mode = mode.lower() if isinstance(mode, str) else mode
        if mode not in {"fan_in", "fan_out", "fan_avg"}:
            raise ValueError("VarianceScaling: Expected one of "
                             f"{{'fan_in', 'fan_out', 'fan_avg'}}. "
                             f"Received: mode={mode!r}")
        distribution = distribution.lower() if isinstance(distribution, str) else distribution
        if distribution not in {"normal", "uniform"}:
            raise ValueError(f"VarianceScaling: Expected one of {{'normal', 'uniform'}}. "
                             f"Received: distribution={distribution!r}")
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.seed = seed

    def __call__(self, shape, dtype=None):
        shape = _as_shape(shape, "VarianceScaling")
        fan_in, fan_out = _compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.}[self.mode]
        scale = self.scale / max(1., n)
        rng = random_utils.generator(self.seed)
        if self.distribution == "normal":
            stddev = np.sqrt(scale) / .87962566103423978
            values = _truncated_normal(rng, 0., stddev, shape)
        else:
            limit = np.sqrt(3. * scale)
            values = rng.uniform(-limit, limit, size=shape)
        return _to_backend(values, dtype, "VarianceScaling")

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


class Orthogonal(Initializer):
    """A random orthogonal matrix (rows or columns orthonormal), times ``gain``.

    Shapes of rank > 2 are treated as ``(prod(shape[:-1]), shape[-1])``.

    Raises:
        ValueError: a shape of rank < 2.
    """

    def __init__(self, gain=1., seed=None):
        self.gain = gain
        self.seed = seed

    def __call__(self, shape, dtype=None):
        shape = _as_shape(shape, "Orthogonal")
        if len(shape) < 2:
            raise ValueError(f"Orthogonal: Expected a shape of rank >= 2. Received: shape={shape}")
        num_rows = int(np.prod(shape[:-1]))
        num_cols = shape[-1]
        flat_shape = (num_rows, num_cols)
        rng = random_utils.generator(self.seed)
        a = rng.normal(0.0, 1.0, size=flat_shape)
        u, _, v = np.linalg.svd(a, full_matrices=False)
        q = u if u.shape == flat_shape else v
        return _to_backend(self.gain * q.reshape(shape), dtype, "Orthogonal")

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """``gain`` times the identity matrix.

    Raises:
        ValueError: a shape that is not a 2D square matrix.
    """

    def __init__(self, gain=1.):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _as_shape(shape, "Identity")
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError("Identity: Expected the shape of a 2D square matrix. Received: "
                             f"shape={shape}")
        return _to_backend(self.gain * np.identity(shape[0]), dtype, "Identity")

    def get_config(self):
        return {"gain": self.gain}


def lecun_uniform(seed=None):
    """LeCun uniform: ``VarianceScaling(1., "fan_in", "uniform")``."""
    return VarianceScaling(scale=1., mode="fan_in", distribution="uniform", seed=seed)


def glorot_normal(seed=None):
    """Glorot (Xavier) normal: ``VarianceScaling(1., "fan_avg", "normal")``."""
    return VarianceScaling(scale=1., mode="fan_avg", distribution="normal", seed=seed)


def glorot_uniform(seed=None):
    """Glorot (Xavier) uniform: ``VarianceScaling(1., "fan_avg", "uniform")``."""
    return VarianceScaling(scale=1., mode="fan_avg", distribution="uniform", seed=seed)


def he_normal(seed=None):
    """He normal: ``VarianceScaling(2., "fan_in", "normal")``."""
    return VarianceScaling(scale=2., mode="fan_in", distribution="normal", seed=seed)


def lecun_normal(seed=None):
    """LeCun normal: ``VarianceScaling(1., "fan_in", "normal")``."""
    return VarianceScaling(scale=1., mode="fan_in", distribution="normal", seed=seed)


def he_uniform(seed=None):
    """He uniform: ``VarianceScaling(2., "fan_in", "uniform")``."""
    return VarianceScaling(scale=2., mode="fan_in", distribution="uniform", seed=seed)


def _compute_fans(shape, data_format="channels_last"):
    """``(fan_in, fan_out)`` of a weight of ``shape``.

    Dense kernels ``(in, out)``; convolution kernels of rank 3-5 multiply by
    the receptive field (channels last: ``(..., in, out)``; channels first:
    ``(out, in, ...)``); other ranks use ``sqrt(prod(shape))`` for both.
    """
    if len(shape) == 2:
        return shape[0], shape[1]
    if len(shape) in {3, 4, 5}:
        if data_format == "channels_first":
            receptive_field = np.prod(shape[2:])
            return shape[1] * receptive_field, shape[0] * receptive_field
        if data_format == "channels_last":
            receptive_field = np.prod(shape[:-2])
            return shape[-2] * receptive_field, shape[-1] * receptive_field
        raise ValueError(f"_compute_fans: Expected 'channels_first' or 'channels_last'. "
                         f"Received: data_format={data_format!r}")
    fan = np.sqrt(np.prod(shape))
    return fan, fan


# Keras 2.2 aliases.
zero = zeros = Zeros
one = ones = Ones
constant = Constant
uniform = random_uniform = RandomUniform
normal = random_normal = RandomNormal
truncated_normal = TruncatedNormal
identity = Identity
orthogonal = Orthogonal

_OBJECTS = {name: obj for name, obj in globals().items()
            if not name.startswith("_") and (
                (isinstance(obj, type) and issubclass(obj, Initializer))
                or obj in (lecun_uniform, glorot_normal, glorot_uniform, he_normal,
                           lecun_normal, he_uniform))}


def serialize(initializer):
    """``{"class_name", "config"}`` of an initializer."""
    return serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    """The initializer of a ``{"class_name", "config"}`` dict (or a name)."""
    return deserialize_keras_object(config, module_objects=_OBJECTS, custom_objects=custom_objects,
                                    printable_module_name="initializer")


def get(identifier):
    """An initializer from a name (``"glorot_uniform"``), a config dict, or a callable.

    Raises:
        ValueError: an unknown name or an identifier of another kind.
    """
    return get_keras_object(identifier, deserialize, "initializer", allow_none=False)
