"""Helpers of the layer tests: call a layer on arrays, check its shape, config and gradients.

Imported by the ``tests/test_layers*.py`` files (``from layer_testing import ...``).
References for values come from each test's own NumPy code; the helpers here
check what every layer must satisfy whatever it computes.
"""

import numpy as np

from polykeras import backend as K
from polykeras.layers import Input


def run(layer, *arrays, training=None, dtypes=None):
    """Call ``layer`` on Inputs shaped like ``arrays``; return (output values, symbolic outputs).

    ``training``: 1 or 0 feeds the learning phase; None leaves it at its default (test).
    """
    dtypes = dtypes or [None] * len(arrays)
    inputs = [Input(shape=a.shape[1:], dtype=d) for a, d in zip(arrays, dtypes)]
    out = layer(inputs if len(inputs) > 1 else inputs[0])
    outs = out if isinstance(out, list) else [out]
    feeds, values = list(inputs), list(arrays)
    if training is not None:
        feeds.append(K.learning_phase())
        values.append(training)
    return K.function(feeds, outs)(values), outs


def check_shape(layer, arrays, value, symbolic):
    """The output value's shape is the compute_output_shape of the input shapes (batch filled)."""
    shapes = [(None,) + a.shape[1:] for a in arrays]
    expected = layer.compute_output_shape(shapes if len(shapes) > 1 else shapes[0])
    assert tuple(symbolic._keras_shape) == tuple(expected)
    assert value.shape == (arrays[0].shape[0],) + tuple(expected[1:])


def roundtrip(layer):
    """``from_config(get_config())`` gives a layer with the same config; returns it."""
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    return clone


def check_weight_gradients(layer, *arrays, checks_per_weight=8, seed=0, rtol=1e-5, atol=1e-7):
    """``K.gradients`` of the layer's trainable weights equal central finite differences.

    Run under ``K.set_floatx("float64")`` with float64 ``arrays`` (the layer
    must be new, so that its weights are created in float64). The loss is
    ``sum(output * R)`` for a fixed random ``R``; up to ``checks_per_weight``
    entries of each weight are perturbed by +-1e-6.

    Returns:
        The analytic gradients (NumPy arrays), for further checks.
    """
    assert K.floatx() == "float64", "check_weight_gradients needs K.set_floatx('float64')"
    rng = np.random.default_rng(seed)
    inputs = [Input(shape=a.shape[1:], dtype="float64") for a in arrays]
    output = layer(inputs if len(inputs) > 1 else inputs[0])
    weights = layer.trainable_weights
    assert weights, f"{layer.name} has no trainable weights to check"
    shape = (arrays[0].shape[0],) + tuple(K.int_shape(output)[1:])
    projection = K.constant(rng.standard_normal(shape))
    loss = K.sum(output * projection)
    loss_fn = K.function(inputs, [loss])
    grads = K.function(inputs, K.gradients(loss, weights))(list(arrays))
    for weight, grad in zip(weights, grads):
        value = K.get_value(weight)
        flat_positions = rng.choice(value.size, size=min(checks_per_weight, value.size),
                                    replace=False)
        for flat in flat_positions:
            index = np.unravel_index(flat, value.shape)
            eps = 1e-6
            shifted = value.copy()
            shifted[index] += eps
            K.set_value(weight, shifted)
            up = loss_fn(list(arrays))[0]
            shifted[index] -= 2 * eps
            K.set_value(weight, shifted)
            down = loss_fn(list(arrays))[0]
            K.set_value(weight, value)
            numeric = (up - down) / (2 * eps)
            np.testing.assert_allclose(
                grad[index], numeric, rtol=rtol, atol=atol * max(1.0, abs(numeric)),
                err_msg=f"{layer.name}: gradient of {weight.name}{list(index)}")
    return grads
