"""The NumPy backend's gradient rules against central finite differences of its own forward
functions, in float64, on seeded inputs."""

import numpy as np
import pytest

import polykeras.backends.numpy as numpy_backend
from polykeras.backend.contract import FUNCTIONS
from polykeras.backends.numpy.gradient_rules import RULES

RAW = getattr(numpy_backend, "__raw__", numpy_backend)
rng = np.random.default_rng(7)


def _r(*shape):
    return rng.standard_normal(shape)


X = _r(3, 4)
PROBS = np.abs(_r(3, 4)) + 0.1
ONE_HOT = np.eye(4)[[0, 1, 2]]
STEP_MASK = np.array([[0, 1, 1, 0], [1, 1, 0, 1]])
RECURRENT_WEIGHTS = ["inputs", "kernel", "recurrent_kernel", "bias"]
CASES = [
    ("dot", dict(x=X, y=_r(4, 5)), ["x", "y"]),
    ("dot", dict(x=_r(2, 3, 4), y=_r(5, 4, 2)), ["x", "y"]),
    ("batch_dot", dict(x=_r(2, 3, 4), y=_r(2, 4, 5), axes=None), ["x", "y"]),
    ("batch_dot", dict(x=_r(3, 4), y=_r(3, 4), axes=1), ["x", "y"]),
    ("softmax", dict(x=X, axis=-1), ["x"]),
    ("categorical_crossentropy", dict(target=ONE_HOT, output=PROBS, from_logits=False, axis=-1),
     ["output"]),
    ("categorical_crossentropy", dict(target=ONE_HOT, output=X, from_logits=True, axis=-1),
     ["output"]),
    ("sparse_categorical_crossentropy",
     dict(target=np.array([0, 1, 2]), output=PROBS / PROBS.sum(-1, keepdims=True),
          from_logits=False, axis=-1), ["output"]),
    ("sparse_categorical_crossentropy",
     dict(target=np.array([0, 1, 2]), output=X, from_logits=True, axis=-1), ["output"]),
    ("binary_crossentropy",
     dict(target=(X > 0) * 1.0, output=1 / (1 + np.exp(-X)), from_logits=False), ["output"]),
    ("binary_crossentropy", dict(target=(X > 0) * 1.0, output=X, from_logits=True), ["output"]),
    ("normalize_batch_in_training", dict(x=_r(5, 3), gamma=_r(3), beta=_r(3), reduction_axes=[0]),
     ["x", "gamma", "beta"]),
    ("sum", dict(x=_r(2, 3, 4), axis=[0, 2], keepdims=False), ["x"]),
    ("mean", dict(x=_r(2, 3, 4), axis=-1, keepdims=True), ["x"]),
    ("prod", dict(x=X, axis=1, keepdims=False), ["x"]),
    ("std", dict(x=X, axis=0, keepdims=True), ["x"]),
    ("var", dict(x=X, axis=[0, 1], keepdims=False), ["x"]),
    ("max", dict(x=X, axis=1, keepdims=False), ["x"]),
    ("min", dict(x=X, axis=None, keepdims=False), ["x"]),
    ("l2_normalize", dict(x=X, axis=-1), ["x"]),
    ("logsumexp", dict(x=X, axis=None, keepdims=False), ["x"]),
    ("bias_add", dict(x=_r(2, 3, 4), bias=_r(4), data_format=None), ["x", "bias"]),
    ("bias_add", dict(x=_r(2, 4, 3, 3), bias=_r(4), data_format="channels_first"), ["x", "bias"]),
    ("bias_add", dict(x=_r(2, 4, 3, 2), bias=_r(3, 2, 4), data_format="channels_first"),
     ["x", "bias"]),
    ("bias_add", dict(x=_r(2, 3, 5), bias=_r(3, 5), data_format="channels_last"), ["x", "bias"]),
    ("batch_normalization",
     dict(x=X, mean=_r(4), var=rng.uniform(1, 2, 4), beta=_r(4), gamma=_r(4), axis=-1,
          epsilon=1e-3), ["x", "mean", "var", "beta", "gamma"]),
    ("tile", dict(x=X, n=(2, 3)), ["x"]),
    ("cumprod", dict(x=X, axis=1), ["x"]),
    ("cumsum", dict(x=X, axis=0), ["x"]),
    ("elu", dict(x=X, alpha=0.7), ["x"]),
    ("relu", dict(x=X, alpha=0.1, max_value=0.5, threshold=0.0), ["x"]),
    ("relu", dict(x=X, alpha=0.2, max_value=1.0, threshold=-0.5), ["x"]),
    ("relu", dict(x=X, alpha=0.3, max_value=-1.0, threshold=0.0), ["x"]),
    ("relu", dict(x=X, alpha=0.0, max_value=None, threshold=0.7), ["x"]),
    ("softplus", dict(x=X), ["x"]), ("softsign", dict(x=X), ["x"]), ("tanh", dict(x=X), ["x"]),
    ("sigmoid", dict(x=X), ["x"]), ("hard_sigmoid", dict(x=X), ["x"]),
    ("exp", dict(x=X), ["x"]), ("log", dict(x=PROBS), ["x"]), ("sqrt", dict(x=PROBS), ["x"]),
    ("sin", dict(x=X), ["x"]), ("cos", dict(x=X), ["x"]), ("square", dict(x=X), ["x"]),
    ("abs", dict(x=X), ["x"]),
    ("maximum", dict(x=X, y=_r(4)), ["x", "y"]), ("minimum", dict(x=X, y=_r(3, 1)), ["x", "y"]),
    ("permute_dimensions", dict(x=_r(2, 3, 4), pattern=(2, 0, 1)), ["x"]),
    ("reshape", dict(x=_r(2, 3, 4), shape=(6, -1)), ["x"]),
    ("concatenate", dict(tensors=[_r(2, 3), _r(2, 2)], axis=-1), []),
    ("repeat_elements", dict(x=X, rep=3, axis=1), ["x"]),
    ("repeat", dict(x=X, n=2), ["x"]),
    ("reverse", dict(x=X, axes=[0, 1]), ["x"]),
    ("slice", dict(x=X, start=(1, 1), size=(2, -1)), ["x"]),
    ("gather", dict(reference=X, indices=np.array([[0, 2], [2, 1]])), ["reference"]),
    ("clip", dict(x=X, min_value=-0.5, max_value=0.5), ["x"]),
    ("pow", dict(x=PROBS, a=1.7), ["x"]),
    ("resize_images",
     dict(x=_r(1, 2, 3, 2), height_factor=2, width_factor=3, data_format="channels_last"), ["x"]),
    ("spatial_2d_padding",
     dict(x=_r(1, 2, 3, 2), padding=((1, 0), (2, 1)), data_format="channels_first"), ["x"]),
    ("temporal_padding", dict(x=_r(2, 3, 2), padding=(2, 1)), ["x"]),
    ("conv2d", dict(x=_r(2, 7, 6, 3), kernel=_r(3, 2, 3, 4), strides=(2, 1), padding="same",
                    data_format="channels_last", dilation_rate=(1, 1)), ["x", "kernel"]),
    ("conv2d", dict(x=_r(2, 3, 7, 6), kernel=_r(3, 2, 3, 4), strides=(1, 1), padding="valid",
                    data_format="channels_first", dilation_rate=(2, 1)), ["x", "kernel"]),
    ("conv1d",
     dict(x=_r(2, 8, 3), kernel=_r(3, 3, 2), strides=1, padding="causal", data_format=None,
          dilation_rate=2), ["x", "kernel"]),
    ("conv3d",
     dict(x=_r(1, 4, 4, 3, 2), kernel=_r(2, 2, 2, 2, 2), strides=(1, 2, 1), padding="same",
          data_format=None, dilation_rate=(1, 1, 1)), ["x", "kernel"]),
    ("pool2d", dict(x=_r(2, 7, 6, 3), pool_size=(2, 2), strides=(2, 2), padding="same",
                    data_format="channels_last", pool_mode="max"), ["x"]),
    ("pool2d", dict(x=_r(2, 3, 7, 6), pool_size=(3, 2), strides=(2, 1), padding="same",
                    data_format="channels_first", pool_mode="avg"), ["x"]),
    ("pool3d", dict(x=_r(1, 4, 4, 3, 2), pool_size=(2, 2, 2), strides=(2, 2, 1), padding="valid",
                    data_format=None, pool_mode="avg"), ["x"]),
    ("depthwise_conv2d",
     dict(x=_r(2, 7, 6, 3), depthwise_kernel=_r(2, 2, 3, 2), strides=(1, 2), padding="same",
          data_format=None, dilation_rate=(1, 1)), ["x", "depthwise_kernel"]),
    ("conv2d_transpose",
     dict(x=_r(2, 3, 4, 3), kernel=_r(3, 3, 2, 3), output_shape=(2, 6, 8, 2), strides=(2, 2),
          padding="same", data_format="channels_last"), ["x", "kernel"]),
    ("conv2d_transpose",
     dict(x=_r(2, 3, 3, 2), kernel=_r(3, 2, 2, 3), output_shape=(2, 2, 9, 4), strides=(2, 1),
          padding="valid", data_format="channels_first", dilation_rate=(2, 2)), ["x", "kernel"]),
    ("separable_conv2d",
     dict(x=_r(2, 5, 5, 2), depthwise_kernel=_r(3, 3, 2, 2), pointwise_kernel=_r(1, 1, 4, 3),
          strides=(2, 2), padding="same", data_format=None, dilation_rate=(1, 1)),
     ["x", "depthwise_kernel", "pointwise_kernel"]),
    ("separable_conv1d",
     dict(x=_r(2, 7, 2), depthwise_kernel=_r(3, 2, 2), pointwise_kernel=_r(1, 4, 3), strides=1,
          padding="valid", data_format=None, dilation_rate=1),
     ["x", "depthwise_kernel", "pointwise_kernel"]),
    ("local_conv2d",
     dict(inputs=_r(2, 5, 6, 2), kernel=_r(10, 12, 3), kernel_size=(3, 2), strides=(2, 1),
          output_shape=(2, 5), data_format="channels_last"), ["inputs", "kernel"]),
    ("local_conv1d", dict(inputs=_r(2, 3, 7), kernel=_r(3, 9, 2), kernel_size=(3,), strides=(2,),
                          data_format="channels_first"), ["inputs", "kernel"]),
    ("fused_lstm", dict(inputs=_r(2, 4, 3), kernel=_r(3, 8), recurrent_kernel=_r(2, 8), bias=_r(8),
                        initial_states=[_r(2, 2), _r(2, 2)], mask=STEP_MASK, go_backwards=True),
     RECURRENT_WEIGHTS),
    ("fused_gru", dict(inputs=_r(2, 4, 3), kernel=_r(3, 6), recurrent_kernel=_r(2, 6),
                       bias=_r(2, 6), initial_states=[_r(2, 2)], mask=STEP_MASK, go_backwards=False,
                       reset_after=True),
     RECURRENT_WEIGHTS),
    ("fused_gru", dict(inputs=_r(2, 4, 3), kernel=_r(3, 6), recurrent_kernel=_r(2, 6), bias=_r(6),
                       initial_states=[_r(2, 2)], mask=None, go_backwards=True, reset_after=False),
     RECURRENT_WEIGHTS),
]


def _value(out, projection):
    if isinstance(out, (tuple, list)):
        return sum((np.asarray(o) * p).sum() for o, p in zip(out, projection))
    return (np.asarray(out) * projection).sum()


@pytest.mark.parametrize("name,params,wrt", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_matches_finite_differences(name, params, wrt):
    fn = getattr(RAW, name)
    out = fn(**params)
    local = np.random.default_rng(0)
    projection = ([local.standard_normal(np.shape(o)) for o in out]
                  if isinstance(out, (tuple, list))
                  else local.standard_normal(np.shape(out)))
    grads = RULES[name](projection, out, **params)
    if name == "concatenate":
        wrt_lists = {"tensors": params["tensors"]}
    else:
        wrt_lists = {}
    eps = 1e-6
    for param in wrt:
        x = params[param]
        numeric = np.zeros_like(x)
        for index in np.ndindex(x.shape):
            up, down = x.copy(), x.copy()
            up[index] += eps
            down[index] -= eps
            numeric[index] = (_value(fn(**{**params, param: up}), projection)
                              - _value(fn(**{**params, param: down}), projection)) / (2 * eps)
        np.testing.assert_allclose(grads[param], numeric, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{name} d/d{param}")
        assert np.shape(grads[param]) == np.shape(x)
    for param, tensors in wrt_lists.items():
        assert [g.shape for g in grads[param]] == [t.shape for t in tensors]


#: Differentiated by the reverse walk itself (autodiff.py), not by a table rule.
WALKED = {"rnn", "map_fn", "foldl", "foldr", "switch", "print_tensor"}
#: Differentiable functions whose NumPy gradient is still to be written.
NOT_YET = set()


def test_every_differentiable_function_has_a_rule():
    lacking = sorted(n for n, s in FUNCTIONS.items() if s.differentiable and n not in RULES
                     and n not in WALKED)
    assert lacking == sorted(NOT_YET), \
        f"differentiable functions without a NumPy gradient rule: {lacking}"


def test_operators_have_rules():
    for op in ("__add__", "__sub__", "__mul__", "__truediv__", "__pow__", "__matmul__", "__neg__",
               "__getitem__"):
        assert op in RULES, op
