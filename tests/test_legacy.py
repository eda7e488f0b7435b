"""Keras 1 arguments: converted to Keras 2's with a warning, as Keras 2.2.4's legacy interfaces."""

import warnings

import numpy as np
import pytest

import polykeras as keras
from polykeras import layers, regularizers
from polykeras.legacy import interfaces


def _converted(make):
    """Call ``make()``; return its result and the Keras-2 update warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = make()
    return result, [str(w.message) for w in caught if "Keras 2 API" in str(w.message)]


def test_dense_keras1_arguments_become_keras2_config():
    layer, warned = _converted(lambda: layers.Dense(
        output_dim=4, init="zeros", W_regularizer=regularizers.l2(0.5), b_constraint="non_neg",
        bias=False, input_dim=3))
    config = layer.get_config()
    assert config["units"] == 4 and config["use_bias"] is False
    assert config["kernel_initializer"]["class_name"] == "Zeros"
    assert config["kernel_regularizer"]["config"]["l2"] == pytest.approx(0.5)
    assert config["bias_constraint"]["class_name"] == "NonNeg"
    assert len(warned) == 1 and "`Dense(" in warned[0] and "units=4" in warned[0]


def test_keras2_arguments_do_not_warn():
    _, warned = _converted(lambda: layers.Dense(4, kernel_initializer="zeros"))
    assert warned == []


def test_both_spellings_is_an_error():
    with pytest.raises(TypeError, match="both the legacy keyword argument `output_dim`"):
        layers.Dense(units=3, output_dim=4)


def test_too_many_positional_arguments_is_an_error():
    with pytest.raises(TypeError, match="`Dense` can accept only 1 positional arguments"):
        layers.Dense(3, "relu")


def test_dropout_embedding_batchnorm():
    dropout, warned = _converted(lambda: layers.Dropout(p=0.25))
    assert dropout.rate == 0.25 and warned
    embedding, _ = _converted(lambda: layers.Embedding(10, 3, init="zeros", dropout=0.2))
    assert type(embedding.embeddings_initializer).__name__ == "Zeros"
    bn, _ = _converted(lambda: layers.BatchNormalization(mode=0, gamma_init="zeros"))
    assert type(bn.gamma_initializer).__name__ == "Zeros"
    with pytest.raises(TypeError, match="`mode=1` and `mode=2` are no longer supported"):
        layers.BatchNormalization(mode=2)


def test_model_input_output_and_input_dtype():
    x = layers.Input((3,))
    y = layers.Dense(2)(x)
    model, warned = _converted(lambda: keras.models.Model(input=x, output=y))
    assert model.inputs == [x] and model.outputs == [y] and warned
    layer, _ = _converted(lambda: layers.InputLayer(input_shape=(2,), input_dtype="float64"))
    assert layer.dtype == "float64"


def test_fit_generator_samples_per_epoch_counts_batches(backend):
    model = keras.models.Sequential([layers.Dense(1, input_dim=2)])
    model.compile("sgd", "mse")
    seen = []

    class Batches(keras.utils.Sequence):
        batch_size = 4

        def __len__(self):
            return 100

        def __getitem__(self, i):
            seen.append(i)
            return np.ones((4, 2), "float32"), np.zeros((4, 1), "float32")

    history, warned = _converted(lambda: model.fit_generator(
        Batches(), samples_per_epoch=12, nb_epoch=2, verbose=0, shuffle=False, workers=0))
    assert len(history.history["loss"]) == 2 and warned
    assert len(seen) == 6  # 12 samples / batch_size 4 = 3 steps, 2 epochs


def test_add_weight_keras1_argument_order(backend):
    class Scale(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight((input_shape[-1],), "w", initializer="ones")
            self.built = True

    layer = Scale()
    layer(layers.Input((3,)))
    np.testing.assert_array_equal(layer.get_weights()[0], np.ones(3))
    assert layer.w.name.endswith("/w")


@pytest.mark.parametrize("args, kwargs, expected", [
    ((32, 3, 3), {}, ((32, (3, 3)), {})),
    ((32, 3), {"nb_col": 5}, ((32, (3, 5)), {})),
    ((32,), {"nb_row": 2, "nb_col": 4}, ((32, (2, 4)), {})),
    ((), {"nb_filter": 8, "nb_row": 2, "nb_col": 4}, ((), {"kernel_size": (2, 4)})),
    ((32, 3), {"strides": 2}, ((32, 3), {"strides": 2})),  # Keras 2: untouched
])
def test_conv2d_positional_kernel_sizes(args, kwargs, expected):
    out_args, out_kwargs, _ = interfaces.conv2d_args_preprocessor(("self",) + args, dict(kwargs))
    assert tuple(out_args[1:]) == expected[0]
    for key, value in expected[1].items():
        assert out_kwargs[key] == value
    assert "nb_row" not in out_kwargs and "nb_col" not in out_kwargs


def test_conv_positional_sizes_with_keras2_keywords_are_ambiguous():
    with pytest.raises(ValueError, match="Pass `strides` as a keyword argument"):
        interfaces.conv2d_args_preprocessor(("self", 32, 3, 3), {"padding": "same"})
    args, _, _ = interfaces.conv3d_args_preprocessor(("self", 8, 3, 3, 3), {})
    assert tuple(args[1:]) == (8, (3, 3, 3))
    with pytest.raises(TypeError, match="at most 3 positional arguments"):
        interfaces.conv2d_args_preprocessor(("self", 32, 3, 3, 3), {})


def test_value_conversions_and_dict_padding():
    spec = interfaces.legacy_pooling2d_support
    _, kwargs = spec.convert("MaxPooling2D", ("self",), {"dim_ordering": "th",
                                                         "border_mode": "same"})
    assert kwargs == {"data_format": "channels_first", "padding": "same"}
    args, _, _ = interfaces.zeropadding2d_args_preprocessor(
        ("self", {"top_pad": 1, "right_pad": 2}), {})
    assert args[1] == ((1, 0), (0, 2))
