"""Core layers (Keras 2.2's ``keras.layers.core``), written on the ``K`` API only."""

from __future__ import annotations

import copy
import types as python_types

import numpy as np

from .. import activations, constraints, initializers, regularizers
from .. import backend as K
from ..engine.base_layer import InputSpec, Layer, copy_layer_kwargs
from ..legacy import interfaces
from ..utils.generic_utils import func_dump, func_load, has_arg
from . import _arguments


def _check_rate(rate, owner):
    if isinstance(rate, bool) or not isinstance(rate,
                                                (int, float, np.floating)) or not 0 <= rate <= 1:
        raise ValueError(f"{owner}: Expected rate in [0, 1]. Received: rate={rate!r}")
    return float(rate)


class Masking(Layer):
    """Mask the timesteps whose features all equal ``mask_value``.

    Input ``(batch, timesteps, features)``: a timestep is masked (skipped by
    layers that support masking) when every feature equals ``mask_value``;
    its output features are set to 0.

    Args:
        mask_value: the value marking padding.
    """

    def __init__(self, mask_value=0., **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.mask_value = mask_value

    def compute_mask(self, inputs, mask=None):
        return K.any(K.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = K.any(K.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return inputs * K.cast(keep, K.dtype(inputs))

    def get_config(self):
        config = {"mask_value": self.mask_value}
        return {**super().get_config(), **config}


class Dropout(Layer):
    """Set a fraction ``rate`` of the inputs to 0 in training, scaling the rest by
    ``1 / (1 - rate)``.

    In test mode (``predict``, ``evaluate``) the layer is the identity.

    Args:
        rate: float in [0, 1], the fraction dropped.
        noise_shape: shape of the binary mask, broadcast over the input
            (``None`` entries take the input's size), e.g. ``(batch, 1, features)``.
        seed: random seed.

    Raises:
        ValueError: a rate outside [0, 1].
    """

    @interfaces.legacy_dropout_support
    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = min(1., max(0., _check_rate(rate, type(self).__name__)))
        self.noise_shape = noise_shape
        self.seed = seed
        self.supports_masking = True

    def _get_noise_shape(self, inputs):
        if self.noise_shape is None:
            return None
        shape = K.shape(inputs)
        return tuple(shape[axis] if dim is None else dim
                     for axis, dim in enumerate(self.noise_shape))

    def call(self, inputs, training=None):
        if 0. < self.rate < 1.:
            noise_shape = self._get_noise_shape(inputs)

            def dropped_inputs():
                return K.dropout(inputs, self.rate, noise_shape, seed=self.seed)
            return K.in_train_phase(dropped_inputs, inputs, training=training)
        return inputs

    def get_config(self):
        config = {"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}
        return {**super().get_config(), **config}


class SpatialDropout1D(Dropout):
    """Dropout of whole feature maps: ``(batch, timesteps, channels)`` in, each channel of each
    sample dropped (all its timesteps set to 0) with probability ``rate``, the rest scaled by
    ``1 / (1 - rate)``. In training only; the identity at test time.

    Raises:
        ValueError: a rate outside [0, 1], or an input of rank other than 3.
    """

    @interfaces.legacy_spatialdropout1d_support
    def __init__(self, rate, **kwargs):
        super().__init__(rate, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def _get_noise_shape(self, inputs):
        return (None, 1, None)  # None: the input's size (batch, channels)


class _SpatialDropoutND(Dropout):
    """Dropout of whole channels of images (``rank`` 2) or volumes (``rank`` 3).

    Each channel of each sample is dropped with probability ``rate`` (all its spatial
    entries set to 0), the rest scaled by ``1 / (1 - rate)``; in training only.

    Args:
        rate: float in [0, 1].
        data_format: ``"channels_last"``, ``"channels_first"`` or None
            (``K.image_data_format()``).

    Raises:
        ValueError: a rate outside [0, 1], another data format, an input of another rank.
    """

    rank = None

    @interfaces.legacy_spatialdropoutNd_support
    def __init__(self, rate, data_format=None, **kwargs):
        super().__init__(rate, **kwargs)
        self.data_format = _arguments.data_format(data_format, type(self).__name__)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _get_noise_shape(self, inputs):
        spatial = (1,) * self.rank
        if self.data_format == "channels_first":
            return (None, None) + spatial
        return (None,) + spatial + (None,)

    def get_config(self):
        config = {"data_format": self.data_format}
        return {**super().get_config(), **config}


class SpatialDropout2D(_SpatialDropoutND):
    """Dropout of whole 2-D feature maps: see :class:`_SpatialDropoutND`."""

    rank = 2


class SpatialDropout3D(_SpatialDropoutND):
    """Dropout of whole 3-D feature maps: see :class:`_SpatialDropoutND`."""

    rank = 3


class Activation(Layer):
    """Apply an activation function.

    Args:
        activation: name (``"relu"``, ``"softmax"``...) or callable.
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        config = {"activation": activations.serialize(self.activation)}
        return {**super().get_config(), **config}


class Reshape(Layer):
    """Reshape the non-batch axes to ``target_shape`` (one entry may be -1, inferred).

    Raises:
        ValueError: a target shape whose size differs from the input's, or
            with more than one -1.
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)
        if list(self.target_shape).count(-1) > 1:
            raise ValueError(f"Reshape: Expected at most one -1 in target_shape. "
                             f"Received: target_shape={self.target_shape}")

    def _fix_unknown_dimension(self, input_shape, output_shape):
        output_shape = list(output_shape)
        known, unknown = 1, None
        for index, dim in enumerate(output_shape):
            if dim < 0:
                unknown = index
            else:
                known *= dim
        original = int(np.prod(input_shape, dtype=np.int64))
        if unknown is not None:
            if known == 0 or original % known != 0:
                raise ValueError(f"Reshape: Expected a target_shape compatible with the input "
                                 f"shape. Received: input shape {tuple(input_shape)}, "
                                 f"target_shape={self.target_shape}")
            output_shape[unknown] = original // known
        elif original != known:
            raise ValueError(f"Reshape: Expected a target_shape with as many elements as the input "
                             f"({original}). Received: input shape {tuple(input_shape)}, "
                             f"target_shape={self.target_shape}")
        return tuple(output_shape)

    def compute_output_shape(self, input_shape):
        if None in input_shape[1:]:
            # The input is not fully known: only the -1 stays unknown.
            return (input_shape[0],) + tuple(None if d == -1 else d for d in self.target_shape)
        return (input_shape[0],) + self._fix_unknown_dimension(input_shape[1:], self.target_shape)

    def call(self, inputs):
        shape = self.target_shape
        static = K.int_shape(inputs)
        if static is not None and None not in static[1:]:
            shape = self._fix_unknown_dimension(static[1:], shape)
        if -1 in shape:
            # Batch size and one unknown axis: read the batch size at run time.
            return K.reshape(inputs, (K.shape(inputs)[0],) + shape)
        return K.reshape(inputs, (-1,) + shape)

    def get_config(self):
        config = {"target_shape": self.target_shape}
        return {**super().get_config(), **config}


class Permute(Layer):
    """Permute the non-batch axes: ``dims`` is a permutation of ``1..ndim-1`` (1-based, as Keras).

    Raises:
        ValueError: ``dims`` that is not a permutation of ``1..len(dims)``.
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Permute: Expected dims to be a permutation of 1..{len(self.dims)} "
                             f"(axis 0 is the batch). Received: dims={self.dims}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def compute_output_shape(self, input_shape):
        input_shape = list(input_shape)
        output_shape = copy.copy(input_shape)
        for i, dim in enumerate(self.dims):
            output_shape[i + 1] = input_shape[dim]
        return tuple(output_shape)

    def call(self, inputs):
        return K.permute_dimensions(inputs, (0,) + self.dims)

    def get_config(self):
        config = {"dims": self.dims}
        return {**super().get_config(), **config}


class Flatten(Layer):
    """Flatten the non-batch axes: ``(batch, d1, d2, ...)`` -> ``(batch, d1 * d2 * ...)``.

    Args:
        data_format: ``"channels_first"`` inputs are moved to channels-last
            first, so flattening gives the same order for both formats.

    Raises:
        ValueError: an input whose non-batch shape is not fully known.
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = InputSpec(min_ndim=3)
        self.data_format = K.normalize_data_format(data_format)

    def compute_output_shape(self, input_shape):
        if not all(input_shape[1:]):
            raise ValueError(f"Flatten: Expected an input of fully known non-batch shape (give the "
                             f"first layer a complete input_shape). Received: shape {input_shape}")
        return (input_shape[0], int(np.prod(input_shape[1:], dtype=np.int64)))

    def call(self, inputs):
        if self.data_format == "channels_first":
            ndim = len(K.int_shape(inputs))
            inputs = K.permute_dimensions(inputs, (0,) + tuple(range(2, ndim)) + (1,))
        return K.batch_flatten(inputs)

    def get_config(self):
        config = {"data_format": self.data_format}
        return {**super().get_config(), **config}


class RepeatVector(Layer):
    """Repeat a ``(batch, features)`` input ``n`` times: ``(batch, n, features)``."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError("RepeatVector: Expected n to be a non-negative integer. Received: "
                             f"n={n!r}")
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def call(self, inputs):
        return K.repeat(inputs, self.n)

    def get_config(self):
        config = {"n": self.n}
        return {**super().get_config(), **config}


class Lambda(Layer):
    """Wrap an expression ``function(inputs, **arguments)`` written with ``K`` as a layer.

    Args:
        function: the function of the input tensor (or list of tensors).
        output_shape: the output shape without the batch axis, or a
            function of the input shape; by default it is inferred by
            running ``function`` on placeholders.
        mask: an output mask, or a function ``(inputs, mask) -> mask``.
        arguments: extra keyword arguments for ``function``.
    """

    @interfaces.legacy_lambda_support
    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: Expected a callable function. Received: {function!r}")
        self.function = function
        self.arguments = arguments if arguments else {}
        if mask is not None:
            self.supports_masking = True
        self.mask = mask
        if output_shape is None or callable(output_shape):
            self._output_shape = output_shape
        elif isinstance(output_shape, (tuple, list)):
            self._output_shape = tuple(output_shape)
        else:
            raise TypeError(f"Lambda: Expected output_shape as a tuple, a list or a function. "
                            f"Received: {output_shape!r}")

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            input_shapes = input_shape if isinstance(input_shape, list) else [input_shape]
            placeholders = [K.placeholder(shape=shape) for shape in input_shapes]
            outputs = self.call(placeholders if isinstance(input_shape, list) else placeholders[0])
            if isinstance(outputs, list):
                return [K.int_shape(x) for x in outputs]
            return K.int_shape(outputs)
        if callable(self._output_shape):
            shape = self._output_shape(input_shape)
            if isinstance(shape, list) and shape and isinstance(shape[0], (tuple, list)):
                return [tuple(s) for s in shape]
            return tuple(shape)
        batch = input_shape[0][0] if isinstance(input_shape, list) else input_shape[0]
        return (batch,) + self._output_shape

    def call(self, inputs, mask=None):
        arguments = dict(self.arguments)
        if has_arg(self.function, "mask"):
            arguments["mask"] = mask
        return self.function(inputs, **arguments)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def get_config(self):
        # As tf.keras: only a real lambda is stored as bytecode; a named function by its name
        # (safe to load; give it in custom_objects), not Keras 2.2's bytecode of every function.
        if isinstance(self.function, python_types.LambdaType) \
                and self.function.__name__ == "<lambda>":
            function, function_type = func_dump(self.function), "lambda"
        else:
            function, function_type = getattr(self.function, "__name__", None), "function"
        if isinstance(self._output_shape, python_types.LambdaType):
            output_shape, output_shape_type = func_dump(self._output_shape), "lambda"
        elif callable(self._output_shape):
            output_shape, output_shape_type = self._output_shape.__name__, "function"
        else:
            output_shape, output_shape_type = self._output_shape, "raw"
        config = {"function": function, "function_type": function_type,
                  "output_shape": output_shape, "output_shape_type": output_shape_type,
                  "arguments": self.arguments}
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A Lambda from its config; stored bytecode runs only outside safe mode.

        Raises:
            ValueError: bytecode inside ``load_model``/``model_from_json``/
                ``model_from_config`` with ``safe_mode=True`` (the message says
                how to opt in), or an unknown function name.
        """
        from ..engine.saving import in_safe_mode
        from ..utils.generic_utils import get_custom_objects
        config = _keras3_lambda_config(dict(config))
        globs = dict(globals())
        globs.update(get_custom_objects())
        if custom_objects:
            globs.update(custom_objects)
        layer_name = config.get("name")

        def load(value, kind, what):
            if kind == "function":
                if value not in globs:
                    raise ValueError(f"Lambda.from_config: unknown {what} {value!r}; pass it in "
                                     "custom_objects.")
                return globs[value]
            if kind == "lambda":
                if what == "function" and custom_objects and layer_name in custom_objects:
                    return custom_objects[layer_name]  # the user's own function: no bytecode run
                if in_safe_mode():
                    raise ValueError(
                        f"Lambda.from_config: layer {layer_name!r} stores its {what} as Python "
                        "bytecode, and loading it would run code from the file. Refused in safe "
                        "mode. If you trust the file, pass safe_mode=False to load_model / "
                        "model_from_json / model_from_config; or pass the function yourself: "
                        f"custom_objects={{{layer_name!r}: your_function}}.")
                try:
                    return func_load(value, globs=globs)
                except (ValueError, TypeError, EOFError) as exc:
                    raise ValueError(
                        f"Lambda.from_config: layer {layer_name!r}: its stored bytecode cannot be "
                        f"read by this Python ({exc}); pass the function in "
                        f"custom_objects={{{layer_name!r}: fn}}.") from None
            return value

        config["function"] = load(config.pop("function"), config.pop("function_type", "lambda"),
                                  "function")
        output_shape = load(config.pop("output_shape", None),
                            config.pop("output_shape_type", "raw"), "output_shape function")
        if isinstance(output_shape, list):
            output_shape = tuple(output_shape)
        config["output_shape"] = output_shape
        return cls(**config)


def _keras3_lambda_config(config):
    """Keras 3 stores a Lambda's functions as ``{"class_name": "__lambda__", "config": {...}}``."""
    for key in ("function", "output_shape"):
        value = config.get(key)
        if isinstance(value, dict) and value.get("class_name") == "__lambda__":
            inner = value.get("config") or {}
            config[key] = (inner.get("code"), inner.get("defaults"), inner.get("closure"))
            config[key + "_type"] = "lambda"
        elif isinstance(value, dict) and value.get("class_name") == "function":
            config[key] = value.get("config")
            config[key + "_type"] = "function"
    if "output_shape" in config and "output_shape_type" not in config:
        config["output_shape_type"] = "raw"
    return config


class Dense(Layer):
    """A fully connected layer: ``output = activation(dot(input, kernel) + bias)``.

    Input ``(batch, ..., input_dim)``, output ``(batch, ..., units)``: the
    kernel ``(input_dim, units)`` acts on the last axis.

    Args:
        units: positive int, the output size.
        activation: activation name or function (default: none, linear).
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: default ``"glorot_uniform"``, ``"zeros"``.
        kernel_regularizer, bias_regularizer, activity_regularizer: optional.
        kernel_constraint, bias_constraint: optional.
        input_dim: shortcut for ``input_shape=(input_dim,)``.

    Raises:
        ValueError: a non-positive ``units``; an input of rank < 2 or whose
            last axis is unknown.
    """

    @interfaces.legacy_dense_support
    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**copy_layer_kwargs(kwargs))
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError("Dense: Expected units to be a positive integer. Received: "
                             f"units={units!r}")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        if input_shape is None or len(input_shape) < 2 or input_shape[-1] is None:
            raise ValueError(f"Dense: Expected an input of rank >= 2 with a known last axis. "
                             f"Received: input shape {input_shape}")
        input_dim = int(input_shape[-1])
        self.kernel = self.add_weight(shape=(input_dim, self.units),
                                      initializer=self.kernel_initializer,
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), initializer=self.bias_initializer,
                                        name="bias", regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs):
        output = K.dot(inputs, self.kernel)
        if self.use_bias:
            output = output + self.bias
        if self.activation is not None:
            output = self.activation(output)
        return output

    def compute_output_shape(self, input_shape):
        if not input_shape or len(input_shape) < 2 or input_shape[-1] is None:
            raise ValueError(f"Dense: Expected an input of rank >= 2 with a known last axis. "
                             f"Received: input shape {input_shape}")
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
        return {**super().get_config(), **config}


class ActivityRegularization(Layer):
    """The identity, adding ``l1 * sum(|x|) + l2 * sum(x ** 2)`` of its output to the loss."""

    def __init__(self, l1=0., l2=0., **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.l1 = l1
        self.l2 = l2
        self.activity_regularizer = regularizers.L1L2(l1=l1, l2=l2)

    def get_config(self):
        config = {"l1": self.l1, "l2": self.l2}
        return {**super().get_config(), **config}


__all__ = ["Masking", "Dropout", "Activation", "Reshape", "Permute", "Flatten", "RepeatVector",
           "Lambda", "Dense", "ActivityRegularization", "SpatialDropout1D", "SpatialDropout2D",
           "SpatialDropout3D"]
