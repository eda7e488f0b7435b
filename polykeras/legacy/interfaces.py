"""Keras 1 argument names, converted to Keras 2's with a warning (``keras.legacy.interfaces``).

Keras 2.2.4 accepted the Keras 1 spellings of its constructors and training
methods (``Dense(output_dim=10, W_regularizer=l2())``, ``Dropout(p=0.5)``,
``Convolution2D(32, 3, 3, border_mode='same', subsample=(2, 2), dim_ordering='th')``,
``fit_generator(samples_per_epoch=...)``), converting each to the Keras 2
argument and warning with the updated call. The same conversions are declared
here as data (:class:`LegacyInterface`), one per layer family, and applied with
their ``legacy_*_support`` decorators on the ``__init__`` methods.

The decorated function keeps its signature (``inspect.signature`` follows
``__wrapped__``), so ``has_arg`` and ``get_config`` see the Keras 2 arguments.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

#: Keras 1's ``dim_ordering`` values as ``data_format`` values.
DIM_ORDERING = {"tf": "channels_last", "th": "channels_first", "default": None}

_WEIGHT_RENAMES = (("init", "kernel_initializer"), ("W_regularizer", "kernel_regularizer"),
                   ("b_regularizer", "bias_regularizer"), ("W_constraint", "kernel_constraint"),
                   ("b_constraint", "bias_constraint"), ("bias", "use_bias"))


def _describe(value):
    """A short rendering of an argument value for the warning."""
    if isinstance(value, str):
        return f'"{value}"'
    text = "array" if isinstance(value, np.ndarray) else str(value)
    return text if len(text) <= 10 else text[:10] + "..."


def raise_duplicate_arg_error(old_arg, new_arg):
    """Raise the error of a call that gives both the Keras 1 and the Keras 2 name."""
    raise TypeError(f"For the `{new_arg}` argument, the layer received both the legacy keyword "
                    f"argument `{old_arg}` and the Keras 2 keyword argument `{new_arg}`. "
                    "Stick to the latter!")


class LegacyInterface:
    """How one family's Keras 1 arguments become Keras 2 arguments.

    Args:
        allowed_positional_args: names of the positional arguments Keras 2
            accepts after ``self``; more positional arguments are a TypeError.
            ``None``: not checked.
        conversions: ``(old_name, new_name)`` pairs of keyword renames.
        preprocessor: ``f(args, kwargs) -> (args, kwargs, converted)`` run
            first, for conversions that are not renames (``nb_row``/``nb_col``
            positional kernel sizes, ``forget_bias_init``...); ``converted``
            lists ``(new, old)`` pairs that trigger the warning.
        value_conversions: ``{old_name: {old_value: new_value}}`` applied
            before renaming (``dim_ordering='th'`` -> ``'channels_first'``).
        object_type: ``"class"`` (name the warning after ``args[0]``'s class)
            or ``"method"`` (after the function).
    """

    def __init__(self, allowed_positional_args=None, conversions=(), preprocessor=None,
                 value_conversions=None, object_type="class"):
        self.allowed_positional_args = allowed_positional_args
        self.conversions = tuple(conversions)
        self.preprocessor = preprocessor
        self.value_conversions = dict(value_conversions or {})
        self.object_type = object_type

    def convert(self, object_name, args, kwargs):
        """``(args, kwargs)`` in Keras 2 form; warns when anything was converted.

        Raises:
            TypeError: too many positional arguments, or an argument given
                under both its Keras 1 and its Keras 2 name.
        """
        kwargs = dict(kwargs)
        converted = []
        if self.preprocessor is not None:
            args, kwargs, converted = self.preprocessor(args, kwargs)
            converted = list(converted)
        allowed = self.allowed_positional_args
        if allowed is not None and len(args) > len(allowed) + 1:
            raise TypeError(f"`{object_name}` can accept only {len(allowed)} positional arguments "
                            f"{tuple(allowed)}, but you passed the following positional "
                            f"arguments: {list(args[1:])}")
        for key, table in self.value_conversions.items():
            if key in kwargs and _hashable(kwargs[key]) and kwargs[key] in table:
                kwargs[key] = table[kwargs[key]]
        for old_name, new_name in self.conversions:
            if old_name in kwargs:
                value = kwargs.pop(old_name)
                if new_name in kwargs:
                    raise_duplicate_arg_error(old_name, new_name)
                kwargs[new_name] = value
                converted.append((new_name, old_name))
        if converted:
            shown = [_describe(v) for v in args[1:]]
            shown += [f"{name}={_describe(v)}" for name, v in kwargs.items()]
            warnings.warn(f"Update your `{object_name}` call to the Keras 2 API: "
                          f"`{object_name}({', '.join(shown)})`", stacklevel=3)
        return args, kwargs

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if self.object_type == "class":
                object_name = type(args[0]).__name__
            else:
                object_name = func.__name__
            args, kwargs = self.convert(object_name, args, kwargs)
            return func(*args, **kwargs)
        wrapper._legacy_support_signature = func
        return wrapper


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        return False
    return True


def generate_legacy_interface(allowed_positional_args=None, conversions=None, preprocessor=None,
                              value_conversions=None, object_type="class"):
    """A decorator converting Keras 1 arguments (see :class:`LegacyInterface`)."""
    return LegacyInterface(allowed_positional_args, conversions or (), preprocessor,
                           value_conversions, object_type)


generate_legacy_method_interface = functools.partial(generate_legacy_interface,
                                                     object_type="method")


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _positional_kernel(args, kwargs, rank, keywords):
    """Fold Keras 1's per-axis kernel sizes (``Conv2D(32, 3, 3)``, ``nb_row=``) into one tuple.

    ``args`` is ``(self, filters, ...)``; the per-axis sizes come positionally
    after ``filters`` (the first ones) and as the keywords ``keywords`` (the rest).

    Raises:
        TypeError: more positional arguments than the Keras 1 form allows.
        ValueError: two or more integer positional sizes together with Keras 2
            keywords (``padding``, ``strides``, ``data_format``): ambiguous, as
            in Keras 2.2.4.
    """
    args = list(args)
    if len(args) > rank + 2:
        raise TypeError(f"Layer can receive at most {rank + 1} positional arguments.")
    given = args[2:]
    if not all(_is_int(v) for v in given):
        return args, kwargs, []
    if len(given) >= 2 and any(k in kwargs for k in ("padding", "strides", "data_format")):
        raise ValueError("It seems that you are using the Keras 2 API and you are passing both "
                         "`kernel_size` and `strides` as integer positional arguments. For "
                         "safety reasons, this is disallowed. Pass `strides` as a keyword "
                         "argument instead.")
    missing = keywords[len(given):]
    if not all(k in kwargs for k in missing):
        return args, kwargs, []
    kernel = tuple(given) + tuple(kwargs.pop(k) for k in missing)
    converted = [("kernel_size", "/".join(keywords))]
    if len(args) == 1:
        kwargs["kernel_size"] = kernel
        return args, kwargs, converted
    return args[:2] + [kernel], kwargs, converted


def conv1d_args_preprocessor(args, kwargs):
    """Keras 1's ``input_dim``/``input_length`` of a Conv1D as ``input_shape``."""
    converted = []
    if "input_dim" in kwargs:
        length = kwargs.pop("input_length", None)
        kwargs["input_shape"] = (length, kwargs.pop("input_dim"))
        converted.append(("input_shape", "input_dim"))
    return args, kwargs, converted


def conv2d_args_preprocessor(args, kwargs):
    """``Conv2D(32, 3, 3)`` and ``nb_row=``/``nb_col=`` as ``kernel_size=(3, 3)``."""
    return _positional_kernel(args, kwargs, 2, ("nb_row", "nb_col"))


def conv3d_args_preprocessor(args, kwargs):
    """``Conv3D(8, 3, 3, 3)`` and ``kernel_dim1..3=`` as ``kernel_size=(3, 3, 3)``."""
    return _positional_kernel(args, kwargs, 3, ("kernel_dim1", "kernel_dim2", "kernel_dim3"))


def separable_conv2d_args_preprocessor(args, kwargs):
    """Keras 1's single ``init`` of a separable convolution sets both of its initializers."""
    converted = []
    if "init" in kwargs:
        init = kwargs.pop("init")
        kwargs["depthwise_initializer"] = init
        kwargs["pointwise_initializer"] = init
        converted.append(("depthwise_initializer/pointwise_initializer", "init"))
    args, kwargs, more = conv2d_args_preprocessor(args, kwargs)
    return args, kwargs, converted + more


def deconv2d_args_preprocessor(args, kwargs):
    """Keras 1's ``output_shape`` of a Deconvolution2D is dropped (Keras 2 infers it)."""
    converted = []
    if len(args) == 5 and isinstance(args[4], tuple):
        args = args[:-1]
        converted.append(("output_shape", None))
    if "output_shape" in kwargs:
        kwargs.pop("output_shape")
        converted.append(("output_shape", None))
    args, kwargs, more = conv2d_args_preprocessor(args, kwargs)
    return args, kwargs, converted + more


def _forget_bias_init(kwargs, converted):
    if "forget_bias_init" in kwargs:
        if kwargs.pop("forget_bias_init") == "one":
            kwargs["unit_forget_bias"] = True
            converted.append(("unit_forget_bias", "forget_bias_init"))
        else:
            warnings.warn("The `forget_bias_init` argument has been ignored. Use "
                          "`unit_forget_bias=True` instead to initialize with ones.", stacklevel=4)


def recurrent_args_preprocessor(args, kwargs):
    """``forget_bias_init='one'`` and ``input_dim``/``input_length`` of Keras 1 recurrent layers."""
    converted = []
    _forget_bias_init(kwargs, converted)
    if "input_dim" in kwargs:
        length = kwargs.pop("input_length", None)
        kwargs["input_shape"] = (length, kwargs.pop("input_dim"))
        converted.append(("input_shape", "input_dim"))
        warnings.warn("The `input_dim` and `input_length` arguments in recurrent layers are "
                      "deprecated. Use `input_shape` instead.", stacklevel=4)
    return args, kwargs, converted


def convlstm2d_args_preprocessor(args, kwargs):
    converted = []
    _forget_bias_init(kwargs, converted)
    args, kwargs, more = conv2d_args_preprocessor(args, kwargs)
    return args, kwargs, converted + more


def embedding_kwargs_preprocessor(args, kwargs):
    """Keras 1's ``Embedding(dropout=...)`` no longer exists: dropped with a warning."""
    if "dropout" in kwargs:
        kwargs.pop("dropout")
        warnings.warn("The `dropout` argument is no longer supported in `Embedding`. You can "
                      "apply a `keras.layers.SpatialDropout1D` layer right after the "
                      "`Embedding` layer to get the same behavior.", stacklevel=4)
    return args, kwargs, []


def batchnorm_args_preprocessor(args, kwargs):
    """Keras 1's ``mode`` of BatchNormalization: 0 is dropped, other modes are gone."""
    converted = []
    if len(args) > 1:
        raise TypeError("The `BatchNormalization` layer does not accept positional arguments. "
                        "Use keyword arguments instead.")
    if "mode" in kwargs:
        if kwargs.pop("mode") != 0:
            raise TypeError("The `mode` argument of `BatchNormalization` no longer exists. "
                            "`mode=1` and `mode=2` are no longer supported.")
        converted.append(("mode", None))
    return args, kwargs, converted


_PAD_KEYS = {"top_pad", "bottom_pad", "left_pad", "right_pad"}


def zeropadding2d_args_preprocessor(args, kwargs):
    """Keras 1's dict ``padding`` of ZeroPadding2D as ``((top, bottom), (left, right))``."""

    def as_pairs(d):
        return ((d.get("top_pad", 0), d.get("bottom_pad", 0)),
                (d.get("left_pad", 0), d.get("right_pad", 0)))
    if isinstance(kwargs.get("padding"), dict) and set(kwargs["padding"]) <= _PAD_KEYS:
        kwargs["padding"] = as_pairs(kwargs["padding"])
        warnings.warn("The `padding` argument in the Keras 2 API no longer accepts dict types. "
                      "Use `padding=((top_pad, bottom_pad), (left_pad, right_pad))`.",
                      stacklevel=4)
    elif len(args) == 2 and isinstance(args[1], dict) and set(args[1]) <= _PAD_KEYS:
        args = (args[0], as_pairs(args[1]))
        warnings.warn("The `padding` argument in the Keras 2 API no longer accepts dict types. "
                      "Use `padding=((top_pad, bottom_pad), (left_pad, right_pad))`.",
                      stacklevel=4)
    return args, kwargs, []


def generator_methods_args_preprocessor(args, kwargs):
    """Keras 1's ``samples_per_epoch`` (samples) as ``steps_per_epoch`` (batches)."""
    converted = []
    if len(args) < 3 and "samples_per_epoch" in kwargs:
        samples = kwargs.pop("samples_per_epoch")
        generator = args[1] if len(args) > 1 else kwargs.get("generator")
        if hasattr(generator, "batch_size"):
            kwargs["steps_per_epoch"] = samples // generator.batch_size
        else:
            warnings.warn("The semantics of the Keras 2 argument `steps_per_epoch` is not the "
                          "same as the Keras 1 argument `samples_per_epoch`. `steps_per_epoch` "
                          "is the number of batches to draw from the generator at each epoch. "
                          "Update your method calls accordingly.", stacklevel=4)
            kwargs["steps_per_epoch"] = samples
        converted.append(("steps_per_epoch", "samples_per_epoch"))
    return args, kwargs, converted


def add_weight_args_preprocessing(args, kwargs):
    """Keras 1's ``add_weight(shape, initializer, name=...)`` order."""
    if len(args) > 1 and isinstance(args[1], (tuple, list)):
        kwargs["shape"] = args[1]
        args = (args[0],) + tuple(args[2:])
        if len(args) > 1 and isinstance(args[1], str):
            kwargs["name"] = args[1]
            args = (args[0],) + tuple(args[2:])
    return args, kwargs, []


def _conv_interface(preprocessor, renames=_WEIGHT_RENAMES, strides="subsample"):
    return generate_legacy_interface(
        allowed_positional_args=["filters", "kernel_size"],
        conversions=[("nb_filter", "filters"), (strides, "strides"), ("border_mode", "padding"),
                     ("dim_ordering", "data_format")] + list(renames),
        value_conversions={"dim_ordering": DIM_ORDERING}, preprocessor=preprocessor)


def _format_interface(positional, extra=()):
    return generate_legacy_interface(
        allowed_positional_args=positional,
        conversions=list(extra) + [("dim_ordering", "data_format")],
        value_conversions={"dim_ordering": DIM_ORDERING})


legacy_dense_support = generate_legacy_interface(
    allowed_positional_args=["units"],
    conversions=[("output_dim", "units")] + list(_WEIGHT_RENAMES))

legacy_dropout_support = generate_legacy_interface(
    allowed_positional_args=["rate", "noise_shape", "seed"], conversions=[("p", "rate")])

legacy_embedding_support = generate_legacy_interface(
    allowed_positional_args=["input_dim", "output_dim"],
    conversions=[("init", "embeddings_initializer"), ("W_regularizer", "embeddings_regularizer"),
                 ("W_constraint", "embeddings_constraint")],
    preprocessor=embedding_kwargs_preprocessor)

legacy_pooling1d_support = generate_legacy_interface(
    allowed_positional_args=["pool_size", "strides", "padding"],
    conversions=[("pool_length", "pool_size"), ("stride", "strides"),
                 ("border_mode", "padding")])

legacy_pooling2d_support = _format_interface(["pool_size", "strides", "padding"],
                                             [("border_mode", "padding")])
legacy_pooling3d_support = _format_interface(["pool_size", "strides", "padding"],
                                             [("border_mode", "padding")])
legacy_global_pooling_support = generate_legacy_interface(
    conversions=[("dim_ordering", "data_format")], value_conversions={"dim_ordering": DIM_ORDERING})

legacy_prelu_support = generate_legacy_interface(
    allowed_positional_args=["alpha_initializer"], conversions=[("init", "alpha_initializer")])

legacy_gaussiannoise_support = generate_legacy_interface(
    allowed_positional_args=["stddev"], conversions=[("sigma", "stddev")])

legacy_gaussiandropout_support = generate_legacy_interface(
    allowed_positional_args=["rate"], conversions=[("p", "rate")])

legacy_recurrent_support = generate_legacy_interface(
    allowed_positional_args=["units"],
    conversions=[("output_dim", "units"), ("init", "kernel_initializer"),
                 ("inner_init", "recurrent_initializer"),
                 ("inner_activation", "recurrent_activation"),
                 ("W_regularizer", "kernel_regularizer"), ("b_regularizer", "bias_regularizer"),
                 ("U_regularizer", "recurrent_regularizer"), ("dropout_W", "dropout"),
                 ("dropout_U", "recurrent_dropout"), ("consume_less", "implementation")],
    value_conversions={"consume_less": {"cpu": 0, "mem": 1, "gpu": 2}},
    preprocessor=recurrent_args_preprocessor)

legacy_upsampling1d_support = generate_legacy_interface(
    allowed_positional_args=["size"], conversions=[("length", "size")])
legacy_upsampling2d_support = _format_interface(["size"])
legacy_upsampling3d_support = _format_interface(["size"])

legacy_conv1d_support = generate_legacy_interface(
    allowed_positional_args=["filters", "kernel_size"],
    conversions=[("nb_filter", "filters"), ("filter_length", "kernel_size"),
                 ("subsample_length", "strides"), ("border_mode", "padding")]
    + list(_WEIGHT_RENAMES),
    preprocessor=conv1d_args_preprocessor)
legacy_conv2d_support = _conv_interface(conv2d_args_preprocessor)
legacy_separable_conv2d_support = _conv_interface(
    separable_conv2d_args_preprocessor,
    renames=[("b_regularizer", "bias_regularizer"), ("b_constraint", "bias_constraint"),
             ("bias", "use_bias")])
legacy_deconv2d_support = _conv_interface(deconv2d_args_preprocessor)
legacy_conv3d_support = _conv_interface(conv3d_args_preprocessor)
legacy_convlstm2d_support = _conv_interface(
    convlstm2d_args_preprocessor,
    renames=[("init", "kernel_initializer"), ("inner_init", "recurrent_initializer"),
             ("W_regularizer", "kernel_regularizer"), ("U_regularizer", "recurrent_regularizer"),
             ("b_regularizer", "bias_regularizer"),
             ("inner_activation", "recurrent_activation"), ("dropout_W", "dropout"),
             ("dropout_U", "recurrent_dropout"), ("bias", "use_bias")])

legacy_batchnorm_support = generate_legacy_interface(
    allowed_positional_args=[],
    conversions=[("beta_init", "beta_initializer"), ("gamma_init", "gamma_initializer")],
    preprocessor=batchnorm_args_preprocessor)

legacy_zeropadding2d_support = generate_legacy_interface(
    allowed_positional_args=["padding"], conversions=[("dim_ordering", "data_format")],
    value_conversions={"dim_ordering": DIM_ORDERING},
    preprocessor=zeropadding2d_args_preprocessor)
legacy_zeropadding3d_support = _format_interface(["padding"])
legacy_cropping2d_support = _format_interface(["cropping"])
legacy_cropping3d_support = _format_interface(["cropping"])

legacy_spatialdropout1d_support = generate_legacy_interface(
    allowed_positional_args=["rate"], conversions=[("p", "rate")])
legacy_spatialdropoutNd_support = _format_interface(["rate"], [("p", "rate")])  # noqa: N816

legacy_lambda_support = generate_legacy_interface(
    allowed_positional_args=["function", "output_shape"])

legacy_generator_methods_support = generate_legacy_method_interface(
    allowed_positional_args=["generator", "steps_per_epoch", "epochs"],
    conversions=[("samples_per_epoch", "steps_per_epoch"), ("val_samples", "steps"),
                 ("nb_epoch", "epochs"), ("nb_val_samples", "validation_steps"),
                 ("nb_worker", "workers"), ("pickle_safe", "use_multiprocessing"),
                 ("max_q_size", "max_queue_size")],
    preprocessor=generator_methods_args_preprocessor)

legacy_model_constructor_support = generate_legacy_interface(
    conversions=[("input", "inputs"), ("output", "outputs")])

legacy_input_support = generate_legacy_interface(conversions=[("input_dtype", "dtype")])

legacy_add_weight_support = generate_legacy_interface(
    allowed_positional_args=["name", "shape"], preprocessor=add_weight_args_preprocessing)
