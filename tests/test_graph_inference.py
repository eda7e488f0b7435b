"""Shape and dtype inference of graph nodes: contract-level rules, the recording backend's own
functions for the rest (``polykeras/backend/graph/inference.py``, ``rules.py``)."""

import numpy as np
import pytest

from polykeras.backend.config import floatx
from polykeras.backend.graph import api, record


def _node(op, **params):
    """Record ``op`` with no backend at all (``raw=None``): only a rule can infer it."""
    return record.make_node(op, params, None)


def test_the_main_families_are_inferred_by_rules_without_any_backend():
    x = api.placeholder((None, 784))
    w = api.placeholder((784, 10))
    h = _node("dot", x=x, y=w)
    assert (h.shape, h.dtype) == ((None, 10), "float32")
    assert _node("relu", x=h, alpha=0.0, max_value=None, threshold=0.0).shape == (None, 10)
    probs = _node("softmax", x=h, axis=-1)
    loss = _node("categorical_crossentropy", target=x[:, :10], output=probs, from_logits=False,
                 axis=-1)
    assert (loss.shape, loss.dtype) == ((None,), "float32")
    total = _node("mean", x=loss, axis=None, keepdims=False)
    assert (total.shape, total.dtype) == ((), "float32")
    images = api.placeholder((None, 28, 28, 3))
    kernel = api.placeholder((5, 5, 3, 8))
    conv = _node("conv2d", x=images, kernel=kernel, strides=(2, 2), padding="same",
                 data_format="channels_last", dilation_rate=(1, 1))
    assert conv.shape == (None, 14, 14, 8)
    pooled = _node("pool2d", x=conv, pool_size=(2, 2), strides=(2, 2), padding="valid",
                   data_format="channels_last", pool_mode="max")
    assert pooled.shape == (None, 7, 7, 8)
    flat = _node("batch_flatten", x=pooled)
    assert flat.shape == (None, 392)
    best = _node("argmax", x=flat, axis=-1)
    assert (best.shape, best.dtype) == ((None,), "int64")
    joined = _node("concatenate", tensors=[flat, flat], axis=1)
    assert joined.shape == (None, 784)


def test_shape_values_flow_through_shape_arithmetic():
    x = api.placeholder((None, 3, 4))
    shape = _node("shape", x=x)
    rows = shape[0]
    features = _node("prod", x=shape[1:], axis=None, keepdims=False)
    flat = _node("reshape", x=x, shape=(rows, -1))
    assert flat.shape == (None, 12)
    again = _node("reshape", x=x, shape=_node("stack", x=[rows * 2, features // 2], axis=0))
    assert again.shape == (None, 6)


@pytest.mark.parametrize("build, dtype", [
    (lambda i, h, f: i + 0.5, "floatx"),           # a float number with an integer tensor
    (lambda i, h, f: h * 0.5, "float16"),          # a weak float keeps the tensor's float
    (lambda i, h, f: i / 2, "floatx"),             # true division of integers
    (lambda i, h, f: i // 2, "int32"),
    (lambda i, h, f: _node("maximum", x=f, y=[0.5, 0.25, 1.0]), "float32"),
    (lambda i, h, f: _node("concatenate", tensors=[i, h], axis=-1), "float16"),
    (lambda i, h, f: _node("sum", x=i > 0, axis=None, keepdims=False), "int32"),
    (lambda i, h, f: _node("mean", x=i, axis=-1, keepdims=True), "floatx"),
    (lambda i, h, f: _node("equal", x=i, y=h), "bool"),
])
def test_dtypes_follow_the_dtype_rule(build, dtype):
    ints, halves, floats = (api.placeholder((2, 3), dtype=d)
                            for d in ("int32", "float16", "float32"))
    assert build(ints, halves, floats).dtype == (floatx() if dtype == "floatx" else dtype)


def test_rules_raise_the_functions_errors_while_the_graph_is_built():
    with pytest.raises(ValueError, match="dot: Expected x's last dimension"):
        _node("dot", x=api.placeholder((None, 3)), y=api.placeholder((4, 5)))
    with pytest.raises(ValueError, match="concatenate: Expected tensors with equal shapes"):
        _node("concatenate", tensors=[api.placeholder((2, 3)), api.placeholder((3, 3))], axis=1)
    with pytest.raises(ValueError, match="reshape: Expected a shape with 6 elements"):
        _node("reshape", x=api.placeholder((2, 3)), shape=(4, -1))


def test_inferred_metadata_matches_the_computed_values(backend, rng):
    """Rules (dot, getitem, switch, reductions) and the fallback (resize_images, batch_dot)
    against what the backend computes."""
    K = backend
    x = K.placeholder((None, 4, 6, 3))
    m = K.placeholder((None, 5), dtype="int32")
    outputs = [
        K.resize_images(x, 2, 3, "channels_last"),
        K.batch_dot(K.batch_flatten(x), K.batch_flatten(x), axes=1),
        K.switch(K.greater(x, 0.5), x, K.zeros_like(x)),
        x[:, 1:, ::2, 0] * m[:, :1, None],
        K.std(K.cast(m, "float16"), axis=0),
        K.dot(K.reshape(x, (-1, 3)), K.ones((3, 2))),
    ]
    values = K.function([x, m], outputs)([rng.uniform(size=(2, 4, 6, 3)).astype("float32"),
                                          rng.integers(0, 5, size=(2, 5)).astype("int32")])
    for out, value in zip(outputs, values):
        assert len(out.shape) == value.ndim
        assert all(d is None or d == v for d, v in zip(out.shape, value.shape)), (out, value.shape)
        assert out.dtype == str(np.asarray(value).dtype) or out.dtype == "bfloat16", out
    assert outputs[0].shape == (None, 8, 18, 3) and outputs[1].shape == (None, 1)
    assert outputs[3].shape == (None, 3, 3) and outputs[4].shape == (5,)


def test_every_elementwise_function_has_a_rule():
    """The contract's ``elementwise`` metadata and the rules agree: a function declared
    element-wise is inferred by a broadcast rule, never by running a backend."""
    from polykeras.backend.contract import FUNCTIONS
    from polykeras.backend.graph import rules
    missing = [name for name, spec in FUNCTIONS.items()
               if spec.elementwise and name not in rules.RULES]
    assert not missing, missing
