"""Wrappers on every backend against float64 NumPy references: TimeDistributed, Bidirectional
(every merge mode, return_state, initial states, masks, stateful), configs, gradients, errors."""

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import layers
from polykeras.layers import Input
from polykeras.models import Model, Sequential

import rnn_reference as ref
from layer_testing import check_shape, check_weight_gradients, roundtrip

SEED = 20240612


def _rng():
    return np.random.default_rng(SEED)


def _close(actual, expected, tol=2e-5):
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol)


def _randomize(layer, rng, scale=0.5):
    layer.set_weights([(rng.standard_normal(w.shape) * scale).astype(w.dtype)
                       for w in layer.get_weights()])


def _lstm_run(weights, x, mask=None, go_backwards=False, states=None):
    step = ref.lstm_step(*ref.f64(weights))
    units = weights[1].shape[0]
    states = states or [np.zeros((x.shape[0], units))] * 2
    return ref.run(step, x, states, mask=mask, go_backwards=go_backwards)


# -- TimeDistributed ---------------------------------------------------------------------------

def test_time_distributed_dense_and_mask(backend):
    rng = _rng()
    x = rng.standard_normal((3, 4, 5)).astype("float32")
    x[1, 2:] = 0.
    inp = Input(shape=(4, 5))
    masked = layers.Masking()(inp)
    layer = layers.TimeDistributed(layers.Dense(2, activation="tanh"))
    out = layer(masked)
    after = layers.LSTM(2)
    last = after(out)
    _randomize(layer, rng)
    _randomize(after, rng)
    y, h = K.function([inp], [out, last])([x])
    w, b = ref.f64(layer.get_weights())
    expected = np.tanh(x.astype(np.float64) @ w + b)
    _close(y, expected)
    check_shape(layer, [x], y, out)
    # The mask passes through TimeDistributed to the LSTM.
    _close(h, _lstm_run(after.get_weights(), expected, mask=np.any(x != 0, axis=-1))[0])
    assert layer.trainable_weights == layer.layer.trainable_weights
    assert set(layer.get_config()) == {"name", "trainable", "layer"}
    clone = roundtrip(layer)
    assert isinstance(clone.layer, layers.Dense) and clone.layer.units == 2


def test_time_distributed_dropout_follows_the_learning_phase(backend):
    x = np.ones((2, 3, 40), "float32")
    inp = Input(shape=(3, 40))
    out = layers.TimeDistributed(layers.Dropout(0.5))(inp)
    assert out._uses_learning_phase
    train, test = (K.function([inp, K.learning_phase()], [out])([x, phase])[0] for phase in (1, 0))
    assert 0.2 < np.mean(train == 0) < 0.8
    np.testing.assert_array_equal(test, x)


def test_time_distributed_freezing_and_errors(backend):
    frozen = layers.TimeDistributed(layers.Dense(2, trainable=False))
    frozen(Input(shape=(3, 4)))
    assert frozen.trainable is False and frozen.trainable_weights == []
    wrapper = layers.TimeDistributed(layers.Dense(2))
    wrapper(Input(shape=(3, 4)))
    wrapper.trainable = False
    assert wrapper.layer.trainable is False and len(wrapper.non_trainable_weights) == 2
    with pytest.raises(ValueError, match=r"TimeDistributed: .*rank >= 3.*\(None, 4\)"):
        layers.TimeDistributed(layers.Dense(2))(Input(shape=(4,)))
    with pytest.raises(TypeError, match="TimeDistributed: Expected a Layer instance"):
        layers.TimeDistributed(lambda t: t)


# -- Bidirectional ------------------------------------------------------------------------------

MERGES = {"concat": lambda a, b: np.concatenate([a, b], axis=-1), "sum": np.add,
          "mul": np.multiply, "ave": lambda a, b: (a + b) / 2, None: lambda a, b: [a, b]}


def test_bidirectional_merge_modes_with_sequences_and_masks(backend):
    rng = _rng()
    x = rng.standard_normal((3, 4, 2)).astype("float32")
    x[0, 3] = 0.
    x[2, 0] = 0.
    mask = np.any(x != 0, axis=-1)
    inp = Input(shape=(4, 2))
    masked = layers.Masking()(inp)
    wrappers, outputs = [], []
    for mode in MERGES:
        layer = layers.Bidirectional(layers.LSTM(3, return_sequences=True), merge_mode=mode)
        out = layer(masked)
        _randomize(layer, rng)
        wrappers.append(layer)
        outputs += out if isinstance(out, list) else [out]
        expected_shape = (None, 4, 6) if mode == "concat" else (None, 4, 3)
        assert [o._keras_shape for o in (out if isinstance(out, list) else [out])] == \
            ([expected_shape] * (2 if mode is None else 1))
    values = K.function([inp], outputs)([x])
    for layer, mode in zip(wrappers, MERGES):
        weights = layer.get_weights()
        assert len(weights) == 6
        _, forward, _ = _lstm_run(weights[:3], x, mask)
        _, backward, _ = _lstm_run(weights[3:], x, mask, go_backwards=True)
        expected = MERGES[mode](forward, backward[:, ::-1])  # backward put back in time order
        for expect in (expected if mode is None else [expected]):
            _close(values.pop(0), expect)
    layer = wrappers[0]
    assert [w.name for w in layer.weights][:3] == [
        f"forward_{layer.layer.name}/kernel", f"forward_{layer.layer.name}/recurrent_kernel",
        f"forward_{layer.layer.name}/bias"]
    assert layer.compute_mask(inp, mask) is mask
    assert wrappers[-1].compute_mask(inp, mask) == [mask, mask]


def test_bidirectional_return_state_and_initial_state(backend):
    rng = _rng()
    x = rng.standard_normal((2, 3, 2)).astype("float32")
    starts = [rng.standard_normal((2, 3)).astype("float32") for _ in range(4)]
    seq = Input(shape=(3, 2))
    state_inputs = [Input(shape=(3,)) for _ in range(4)]
    layer = layers.Bidirectional(layers.LSTM(3, return_state=True), merge_mode="sum")
    outs = layer(seq, initial_state=state_inputs)
    assert len(outs) == 5 and [o._keras_shape for o in outs] == [(None, 3)] * 5
    model = Model([seq] + state_inputs, outs)
    _randomize(layer, rng)
    values = model.predict([x] + starts)
    weights = layer.get_weights()
    last_f, _, states_f = _lstm_run(weights[:3], x, states=starts[:2])
    last_b, _, states_b = _lstm_run(weights[3:], x, go_backwards=True, states=starts[2:])
    _close(values[0], last_f + last_b)
    for value, state in zip(values[1:], states_f + states_b):
        _close(value, state)
    assert layer.compute_output_shape((None, 3, 2)) == [(None, 3)] * 5
    with pytest.raises(ValueError, match=r"Bidirectional: .*initial_state .*even number.*3"):
        layers.Bidirectional(layers.GRU(2))(seq, initial_state=state_inputs[:3])


def test_bidirectional_stateful_resets_and_config(backend):
    rng = _rng()
    x = rng.standard_normal((2, 3, 2)).astype("float32")
    model = Sequential([layers.Bidirectional(layers.GRU(2, stateful=True),
                                             batch_input_shape=(2, 3, 2))])
    layer = model.layers[0]
    assert layer.stateful and model.stateful
    first = model.predict(x, batch_size=2)
    assert not np.allclose(model.predict(x, batch_size=2), first)
    model.reset_states()
    _close(model.predict(x, batch_size=2), first)

    config = layer.get_config()
    assert set(config) == {"name", "trainable", "batch_input_shape", "dtype", "layer",
                           "merge_mode"}
    assert config["layer"]["class_name"] == "GRU" and config["merge_mode"] == "concat"
    clone = layers.Bidirectional.from_config(config)
    assert clone.backward_layer.go_backwards and not clone.forward_layer.go_backwards
    weights = [rng.standard_normal(shape).astype("float32")
               for shape in [(2, 2), (2, 2), (2,)] * 2]
    preset = layers.Bidirectional(layers.SimpleRNN(2), weights=weights)
    preset(Input(shape=(3, 2)))
    for got, want in zip(preset.get_weights(), weights):
        _close(got, want)
    frozen = layers.Bidirectional(layers.LSTM(2))
    frozen.trainable = False
    frozen(Input(shape=(3, 2)))
    assert frozen.trainable_weights == [] and len(frozen.non_trainable_weights) == 6


def test_bidirectional_errors(backend):
    with pytest.raises(ValueError, match="Bidirectional: Expected a recurrent layer.*Dense"):
        layers.Bidirectional(layers.Dense(3))
    with pytest.raises(ValueError, match="Bidirectional: Expected merge_mode to be one of"):
        layers.Bidirectional(layers.LSTM(3), merge_mode="max")
    with pytest.raises(ValueError, match=r"expected ndim=3.*ndim=2"):
        layers.Bidirectional(layers.LSTM(3))(Input(shape=(3,)))


def test_wrapper_weight_gradients(backend):
    K.set_floatx("float64")
    x = _rng().standard_normal((2, 3, 2))
    inp = Input(shape=(3, 2))
    seq = layers.Bidirectional(layers.GRU(2, return_sequences=True), merge_mode="mul")(inp)
    out = layers.TimeDistributed(layers.Dense(2, activation="tanh"))(seq)
    grads = check_weight_gradients(Model(inp, out), x, checks_per_weight=2)
    assert len(grads) == 8
