"""Recurrent layers on every backend against float64 NumPy references of their equations.

RNN (any cell, stacked cells, initial states, constants), SimpleRNN, GRU,
LSTM, their cells, ConvLSTM2D, CuDNNGRU/CuDNNLSTM: values with masks,
go_backwards, return_state, dropout masks; weight layouts and configs as
Keras 2.2.4; stateful layers and models (``reset_states``, the FAQ
example); weight gradients; clear errors.
"""

import warnings

import numpy as np
import pytest

import polykeras as keras
from polykeras import backend as K
from polykeras import layers
from polykeras.layers import Input
from polykeras.models import Model, Sequential
from polykeras.utils.generic_utils import to_list
from polykeras.utils.random_utils import set_random_seed

import rnn_reference as ref
from layer_testing import check_shape, check_weight_gradients, roundtrip

SEED = 20240611


def _rng():
    return np.random.default_rng(SEED)


def _sequences(batch=3, time=4, features=3, rng=None):
    rng = rng or _rng()
    return rng.standard_normal((batch, time, features)).astype("float32")


def _masked_input(x):
    """``x`` with some steps zeroed (masked by ``Masking``) and its (batch, time) mask."""
    x = x.copy()
    x[0, 1] = 0.
    x[1, -1] = 0.
    x[2, 0] = 0.
    return x, np.any(x != 0, axis=-1)


def _randomize(layer, rng, scale=0.5):
    """Give every weight random values (biases too, so that bias bugs show)."""
    layer.set_weights([(rng.standard_normal(w.shape) * scale).astype(w.dtype)
                       for w in layer.get_weights()])


def _close(actual, expected, tol=2e-5):
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol)


# -- SimpleRNN, GRU, LSTM against the references --------------------------------------------

def _step_for(layer, weights, **kwargs):
    cell = layer.cell
    kernel, recurrent_kernel = weights[0], weights[1]
    bias = weights[2] if len(weights) > 2 else None
    act = cell.activation.__name__
    if isinstance(cell, layers.SimpleRNNCell):
        return ref.simple_rnn_step(kernel, recurrent_kernel, bias, act, **kwargs)
    ract = cell.recurrent_activation.__name__
    if isinstance(cell, layers.GRUCell):
        return ref.gru_step(kernel, recurrent_kernel, bias, act, ract, cell.reset_after,
                            implementation=cell.implementation, **kwargs)
    return ref.lstm_step(kernel, recurrent_kernel, bias, act, ract,
                         implementation=cell.implementation, **kwargs)


LAYERS = {
    "SimpleRNN": lambda **kw: layers.SimpleRNN(4, **kw),
    "GRU": lambda **kw: layers.GRU(4, **kw),
    "GRU_reset_after": lambda **kw: layers.GRU(4, reset_after=True, recurrent_activation="sigmoid",
                                               **kw),
    "LSTM": lambda **kw: layers.LSTM(4, **kw),
}


def test_recurrent_layers_match_reference(backend):
    """Each layer in two configurations, all in one function: masked, backwards, all outputs
    and states; and the last output of implementation 2, unrolled, relu, without bias."""
    rng = _rng()
    x, mask = _masked_input(_sequences(rng=rng))
    inp = Input(shape=x.shape[1:])
    masked = layers.Masking()(inp)
    built, outputs = [], []
    for kind, make in LAYERS.items():
        first = make(return_sequences=True, return_state=True, go_backwards=True)
        second_kwargs = dict(unroll=True, use_bias=False, activation="relu")
        if kind != "SimpleRNN":
            second_kwargs["implementation"] = 2
        second = make(**second_kwargs)
        outs_first, out_second = first(masked), second(inp)
        for layer in (first, second):
            _randomize(layer, rng)
        assert [tuple(o._keras_shape) for o in outs_first] == \
            [(None, 4, 4)] + [(None, 4)] * len(first.states)
        built.append((kind, first, second, len(outs_first), out_second))
        outputs += outs_first + [out_second]
    values = K.function([inp], outputs)([x])

    for kind, first, second, n_first, out_second in built:
        got, values = values[:n_first + 1], values[n_first + 1:]
        zeros = [np.zeros((3, 4))] * len(first.states)
        _, seq, states = ref.run(_step_for(first, ref.f64(first.get_weights())), x, zeros,
                                 mask=mask, go_backwards=True)
        _close(got[0], seq)
        for value, state in zip(got[1:n_first], states):
            _close(value, state)
        last, _, _ = ref.run(_step_for(second, ref.f64(second.get_weights())), x, zeros)
        _close(got[-1], last)
        check_shape(second, [x], got[-1], out_second)
        assert first.compute_mask(inp, mask) == [mask] + [None] * len(first.states), kind
        assert second.compute_mask(inp, mask) is None, kind


def test_lstm_weights_layout_defaults_and_config(backend):
    layer = layers.LSTM(3, input_shape=(5, 2))
    Sequential([layer])
    kernel, recurrent_kernel, bias = layer.get_weights()
    assert kernel.shape == (2, 12) and recurrent_kernel.shape == (3, 12) and bias.shape == (12,)
    assert [w.name for w in layer.weights] == [f"{layer.name}/kernel",
                                               f"{layer.name}/recurrent_kernel",
                                               f"{layer.name}/bias"]
    np.testing.assert_array_equal(bias, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])  # unit_forget_bias
    # orthogonal recurrent kernel (3, 12): orthonormal rows
    np.testing.assert_allclose(recurrent_kernel @ recurrent_kernel.T, np.eye(3), atol=1e-5)
    assert layer.recurrent_activation is keras.activations.hard_sigmoid
    assert layer.units == 3 and layer.implementation == 1 and layer.states == [None, None]
    config = layer.get_config()
    assert set(config) == {
        "name", "trainable", "batch_input_shape", "dtype", "return_sequences", "return_state",
        "go_backwards", "stateful", "unroll", "units", "activation", "recurrent_activation",
        "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
        "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
        "activity_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint",
        "dropout", "recurrent_dropout", "implementation"}
    assert config["recurrent_activation"] == "hard_sigmoid"
    assert config["recurrent_initializer"]["class_name"] == "Orthogonal"
    clone = roundtrip(layer)
    assert isinstance(clone.cell, layers.LSTMCell)


def test_gru_simple_rnn_and_cell_configs(backend):
    gru = layers.GRU(2, reset_after=True)
    gru(Input(shape=(3, 5)))
    assert [w.shape for w in gru.get_weights()] == [(5, 6), (2, 6), (2, 6)]
    assert gru.get_weights()[2].shape == (2, 6)
    assert set(gru.get_config()) == {
        "name", "trainable", "return_sequences", "return_state", "go_backwards",
        "stateful", "unroll", "units", "activation", "recurrent_activation", "use_bias",
        "kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer",
        "recurrent_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
        "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout",
        "implementation", "reset_after"}
    assert layers.GRU(2).get_config()["reset_after"] is False
    roundtrip(gru)
    simple = layers.SimpleRNN(2)
    assert "implementation" not in simple.get_config()
    assert "recurrent_activation" not in simple.get_config()
    roundtrip(simple)
    cell = layers.LSTMCell(3, dropout=1.5)
    assert cell.dropout == 1.0  # clipped to [0, 1], as Keras
    assert cell.state_size == (3, 3)
    assert set(layers.SimpleRNNCell(2).get_config()) == {
        "name", "trainable", "units", "activation", "use_bias", "kernel_initializer",
        "recurrent_initializer", "bias_initializer", "kernel_regularizer",
        "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
        "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout"}
    rnn = layers.RNN(layers.GRUCell(2), return_sequences=True)
    assert set(rnn.get_config()) == {"name", "trainable", "return_sequences",
                                     "return_state", "go_backwards", "stateful", "unroll", "cell"}
    clone = roundtrip(rnn)
    assert isinstance(clone.cell, layers.GRUCell)
    with pytest.warns(UserWarning, match="implementation"):
        layers.SimpleRNN(2, implementation=2)


# -- dropout --------------------------------------------------------------------------------

DROPOUT_CASES = [  # kind, implementation, dropout, recurrent_dropout
    ("LSTM", 1, 0.4, 0.), ("LSTM", 2, 0.4, 0.3), ("GRU", 1, 0., 0.3), ("GRU", 2, 0., 0.3),
    ("SimpleRNN", None, 0.5, 0.)]


def test_dropout_masks_are_drawn_once_per_sequence(backend):
    """The masks fetched from the same call are those of every step: the outputs equal the
    reference run with them (one mask per gate with implementation 1, the first for all gates
    with 2); in test mode the layers are the plain recurrences."""
    set_random_seed(SEED)  # the dropout draws too
    rng = _rng()
    x = _sequences(rng=rng)
    inp = Input(shape=x.shape[1:])
    cases, outputs, layer_outputs = [], [], []
    for kind, implementation, rate, recurrent_rate in DROPOUT_CASES:
        kwargs = {"dropout": rate, "recurrent_dropout": recurrent_rate, "return_sequences": True}
        if implementation is not None:
            kwargs["implementation"] = implementation
        layer = LAYERS[kind](**kwargs)
        out = layer(inp)
        assert out._uses_learning_phase
        _randomize(layer, rng)
        used = 1 if implementation != 1 else None  # implementation 2 uses the first mask only
        dp = (layer.cell._dropout_mask or [])[:used]
        rec = (layer.cell._recurrent_dropout_mask or [])[:used]
        cases.append((layer, len(dp), len(rec)))
        outputs += [out] + dp + rec
        layer_outputs.append(out)
    train = K.function([inp, K.learning_phase()], outputs)([x, 1])
    test = K.function([inp, K.learning_phase()], layer_outputs)([x, 0])
    dropped = []
    for (layer, n_dp, n_rec), y_test in zip(cases, test):
        y, dp, rec = train[0], ref.f64(train[1:1 + n_dp]), ref.f64(train[1 + n_dp:1 + n_dp + n_rec])
        train = train[1 + n_dp + n_rec:]
        for m, rate in [(dp, layer.cell.dropout), (rec, layer.cell.recurrent_dropout)]:
            if m:
                assert set(np.unique(np.round(m, 5))) <= {0.0, round(1 / (1 - rate), 5)}
                dropped.append(np.ravel(m) == 0)
        weights = ref.f64(layer.get_weights())
        zeros = [np.zeros((3, 4))] * len(layer.states)
        step = _step_for(layer, weights, dp=dp or None, rec_dp=rec or None)
        _close(y, ref.run(step, x, zeros)[1], 3e-5)
        _close(y_test, ref.run(_step_for(layer, weights), x, zeros)[1])
    assert 0.2 < np.mean(np.concatenate(dropped)) < 0.6  # rates 0.3 to 0.5


# -- masking from Embedding --------------------------------------------------------------------

def test_embedding_mask_flows_through_lstm(backend):
    ids = np.array([[3, 1, 2, 0, 0], [4, 4, 0, 0, 0]])
    model = Sequential([layers.Embedding(5, 3, mask_zero=True),
                        layers.LSTM(2, return_sequences=True), layers.LSTM(2)])
    rng = _rng()
    for layer in model.layers:
        _randomize(layer, rng)
    y = model.predict(ids)
    table = model.layers[0].get_weights()[0].astype(np.float64)
    first, second = model.layers[1], model.layers[2]
    zeros = [np.zeros((2, 2))] * 2
    _, seq, _ = ref.run(_step_for(first, ref.f64(first.get_weights())), table[ids], zeros,
                        mask=ids != 0)
    last, _, _ = ref.run(_step_for(second, ref.f64(second.get_weights())), seq, zeros,
                         mask=ids != 0)
    _close(y, last)
    # Padding does not change the result: the same as the unpadded sequence.
    _close(model.predict(np.array([[4, 4]]))[0], y[1])
    assert model.layers[1].output_mask is not None and model.layers[2].output_mask is None


# -- stacked cells, custom cells, initial states, constants --------------------------------------

class MinimalRNNCell(layers.Layer):
    """The custom cell of Keras's RNN documentation, with ``constants`` (an attention-like bias)."""

    def __init__(self, units, **kwargs):
        self.units = units
        self.state_size = units
        super().__init__(**kwargs)

    def build(self, input_shape):
        step_shape = input_shape[0] if isinstance(input_shape, list) else input_shape
        self.kernel = self.add_weight(shape=(step_shape[-1], self.units), name="kernel",
                                      initializer="uniform")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                name="recurrent_kernel", initializer="uniform")
        self.built = True

    def call(self, inputs, states, constants=None):
        output = K.dot(inputs, self.kernel) + K.dot(states[0], self.recurrent_kernel)
        if constants:
            output = output + constants[0]
        output = K.tanh(output)
        return output, [output]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_stacked_cells_state_order_and_values(backend):
    rng = _rng()
    x = _sequences(rng=rng)
    layer = layers.RNN([layers.LSTMCell(3), layers.SimpleRNNCell(2)], return_state=True)
    inp = Input(shape=x.shape[1:])
    outs = layer(inp)
    assert layer.cell.state_size == (2, 3, 3)  # reversed cell order, as Keras 2.2.4
    assert [o._keras_shape for o in outs] == [(None, 2), (None, 2), (None, 3), (None, 3)]
    _randomize(layer, rng)
    values = K.function([inp], outs)([x])
    w = ref.f64(layer.get_weights())
    lstm, simple = ref.lstm_step(*w[:3]), ref.simple_rnn_step(*w[3:])

    def stacked(x_t, states):
        h1, c1 = states[1], states[2]
        out1, (h1, c1) = lstm(x_t, [h1, c1])
        out2, (h2,) = simple(out1, [states[0]])
        return out2, [h2, h1, c1]
    last, _, states = ref.run(stacked, x, [np.zeros((3, 2)), np.zeros((3, 3)), np.zeros((3, 3))])
    _close(values[0], last)
    for value, state in zip(values[1:], states):
        _close(value, state)
    clone = layers.RNN.from_config(layer.get_config())
    assert [type(c).__name__ for c in clone.cell.cells] == ["LSTMCell", "SimpleRNNCell"]


def test_initial_state_and_constants_in_a_model_that_round_trips(backend):
    rng = _rng()
    x = _sequences(rng=rng)
    h0 = rng.standard_normal((3, 2)).astype("float32")
    bias = rng.standard_normal((3, 2)).astype("float32")
    seq, state, const = Input(shape=(4, 3)), Input(shape=(2,)), Input(shape=(2,))
    layer = layers.RNN(MinimalRNNCell(2), return_sequences=True)
    out = layer(seq, initial_state=state, constants=const)
    assert out._keras_shape == (None, 4, 2)
    model = Model([seq, state, const], out)
    y = model.predict([x, h0, bias])
    kernel, recurrent_kernel = ref.f64(layer.get_weights())

    def step(x_t, states):
        h = np.tanh(x_t @ kernel + states[0] @ recurrent_kernel + bias)
        return h, [h]
    _, expected, _ = ref.run(step, x, [h0])
    _close(y, expected)
    assert layer.get_config()["num_constants"] == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tensors in the call arguments are not serialized
        clone = Model.from_config(model.get_config(),
                                  custom_objects={"MinimalRNNCell": MinimalRNNCell})
    clone.set_weights(model.get_weights())
    _close(clone.predict([x, h0, bias]), y)


def test_initial_state_of_lstm_and_return_state_feed_a_decoder(backend):
    """The seq2seq pattern: the encoder's final states start the decoder."""
    rng = _rng()
    x = _sequences(rng=rng)
    enc_in, dec_in = Input(shape=(None, 3)), Input(shape=(None, 3))
    encoder = layers.LSTM(2, return_state=True)
    _, h, c = encoder(enc_in)
    decoder = layers.LSTM(2, return_sequences=True)
    out = decoder(dec_in, initial_state=[h, c])
    model = Model([enc_in, dec_in], out)
    for layer in (encoder, decoder):
        _randomize(layer, rng)
    y = model.predict([x, x[:, ::-1]])
    zeros = [np.zeros((3, 2))] * 2
    _, _, states = ref.run(_step_for(encoder, ref.f64(encoder.get_weights())), x, zeros)
    _, expected, _ = ref.run(_step_for(decoder, ref.f64(decoder.get_weights())), x[:, ::-1],
                             states)
    _close(y, expected)


# -- stateful layers and models --------------------------------------------------------------

STATEFUL_LAYERS = {  # layer, reference step from its weights
    "SimpleRNN": (lambda: layers.SimpleRNN(3, stateful=True, return_sequences=True), None),
    "GRU": (lambda: layers.GRU(3, stateful=True, return_sequences=True), None),
    "LSTM": (lambda: layers.LSTM(3, stateful=True, return_sequences=True, go_backwards=True),
             None),
    "CuDNNGRU": (lambda: layers.CuDNNGRU(3, stateful=True, return_sequences=True),
                 ref.cudnn_gru_step),
    "CuDNNLSTM": (lambda: layers.CuDNNLSTM(3, stateful=True, return_sequences=True),
                  ref.cudnn_lstm_step),
}


def test_stateful_layers_carry_and_reset_states(backend):
    """Two calls on halves of the sequences equal one run on the whole; reset_states() gives
    zeros, reset_states(values) those values."""
    rng = _rng()
    x = _sequences(batch=2, time=6, rng=rng)
    inp = Input(batch_shape=(2, 3, 3))
    built, outputs, updates = [], [], []
    for kind, (make, cudnn_step) in STATEFUL_LAYERS.items():
        layer = make()
        outputs.append(layer(inp))
        assert len(layer.updates) == len(layer.states), kind
        _randomize(layer, rng)
        weights = ref.f64(layer.get_weights())
        step = cudnn_step(*weights) if cudnn_step else _step_for(layer, weights)
        built.append((kind, layer, step))
        updates += layer.updates
    f = K.function([inp], outputs, updates=updates)
    first, second = f([x[:, :3]]), f([x[:, 3:]])
    starts = {}
    for (kind, layer, step), a, b in zip(built, first, second):
        zeros = [np.zeros((2, 3))] * len(layer.states)
        if layer.go_backwards:  # each call runs its own half backwards
            _, head, states = ref.run(step, x[:, :3], zeros, go_backwards=True)
            _, tail, final = ref.run(step, x[:, 3:], states, go_backwards=True)
            expected = np.concatenate([head, tail], axis=1)
        else:
            _, expected, final = ref.run(step, x, zeros)
        _close(np.concatenate([a, b], axis=1), expected)
        for state, value in zip(layer.states, final):
            _close(K.get_value(state), value)
        layer.reset_states()
        assert all(np.all(K.get_value(s) == 0) for s in layer.states), kind
        starts[kind] = [rng.standard_normal((2, 3)) for _ in layer.states]
        layer.reset_states(starts[kind] if len(starts[kind]) > 1 else starts[kind][0])
    again = f([x[:, :3]])
    for (kind, layer, step), y in zip(built, again):
        _, expected, _ = ref.run(step, x[:, :3], starts[kind], go_backwards=layer.go_backwards)
        _close(y, expected)

    layer = built[1][1]
    with pytest.raises(ValueError, match=r"State 0 of layer .*shape \(2, 3\).*\(4, 3\)"):
        layer.reset_states(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="expects 1 states. Received: 2"):
        layer.reset_states([np.zeros((2, 3))] * 2)
    with pytest.raises(AttributeError, match="must be stateful"):
        layers.LSTM(2).reset_states()
    with pytest.raises(RuntimeError, match="'unbuilt' is not built yet"):
        layers.GRU(2, stateful=True, name="unbuilt").reset_states()


def test_keras_faq_stateful_example_runs_as_written(backend):
    X = np.random.default_rng(0).random((32, 21, 16)).astype("float32")
    model = Sequential()
    model.add(layers.LSTM(32, input_shape=(10, 16), batch_size=32, stateful=True))
    model.add(layers.Dense(16, activation="softmax"))
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    model.train_on_batch(X[:, :10, :], np.reshape(X[:, 10, :], (32, 16)))
    h_after_first = K.get_value(model.layers[0].states[0])
    assert np.abs(h_after_first).max() > 0
    model.train_on_batch(X[:, 10:20, :], np.reshape(X[:, 20, :], (32, 16)))
    assert not np.allclose(K.get_value(model.layers[0].states[0]), h_after_first)
    model.reset_states()
    assert all(np.all(K.get_value(s) == 0) for s in model.layers[0].states)
    model.layers[0].reset_states()
    assert model.stateful


def test_stateful_functional_model_predict_carries_states_and_checks_batches(backend):
    rng = _rng()
    x = _sequences(batch=2, time=4, rng=rng)
    inp = Input(batch_shape=(2, 4, 3))
    lstm = layers.LSTM(3, stateful=True)
    model = Model(inp, layers.Dense(1)(lstm(inp)))
    first = model.predict(x, batch_size=2)
    second = model.predict(x, batch_size=2)
    assert not np.allclose(first, second)  # states carried from one predict call to the next
    model.reset_states()
    _close(model.predict(x, batch_size=2), first)
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"predict: Model .* fixed batch size 2 .*stateful.*"
                                         r"Received: 3 samples"):
        model.predict(np.concatenate([x, x[:1]]), batch_size=2)
    with pytest.raises(ValueError, match="fit: .*batch sizes \\[2\\]|fit: .*batches of 4"):
        model.fit(np.concatenate([x, x]), np.ones((4, 1)), batch_size=4, verbose=0)
    with pytest.raises(ValueError, match="train_on_batch: .*fixed batch size 2"):
        model.train_on_batch(x[:1], np.ones((1, 1)))


def test_stateful_errors_name_the_layer(backend):
    with pytest.raises(ValueError, match=r"LSTM: Layer 'needs_batch' is stateful, so it needs a "
                                         r"fixed batch size.*batch_input_shape"):
        layers.LSTM(2, stateful=True, name="needs_batch")(Input(shape=(3, 4)))


# -- errors ------------------------------------------------------------------------------------

def test_bad_input_is_a_clear_error(backend):
    with pytest.raises(ValueError, match=r"layer 'rank2' \(LSTM\).*expected ndim=3.*ndim=2"):
        layers.LSTM(2, name="rank2")(Input(shape=(4,)))
    with pytest.raises(ValueError, match="GRU: Expected units to be a positive integer"):
        layers.GRU(0)
    with pytest.raises(ValueError, match="LSTM: Expected implementation to be one of"):
        layers.LSTM(2, implementation=3)
    seq = Input(shape=(4, 3))
    with pytest.raises(ValueError, match=r"initial_state.*not compatible with layer 'init'.*"
                                         r"state 0 must have shape \(None, 2\).*\(None, 5\)"):
        layers.SimpleRNN(2, name="init")(seq, initial_state=Input(shape=(5,)))
    with pytest.raises(ValueError, match=r"Layer 'two' has 2 state\(s\).*passed 1"):
        layers.LSTM(2, name="two")(seq, initial_state=[Input(shape=(2,))])
    with pytest.raises(ValueError, match="cannot unroll.*time steps is unknown"):
        layers.LSTM(2, unroll=True)(Input(shape=(None, 3)))
    with pytest.raises(ValueError, match="Expected a cell with a `call` method"):
        layers.RNN(object())
    with pytest.raises(ValueError, match="does not accept constants"):
        layers.RNN(layers.SimpleRNNCell(2))(seq, constants=Input(shape=(2,)))


# -- Keras 1 arguments -------------------------------------------------------------------------

def test_keras1_recurrent_arguments(backend):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layer = layers.LSTM(output_dim=32, inner_activation="sigmoid", dropout_W=0.2,
                            consume_less="gpu", input_dim=5, input_length=7)
    assert any("Keras 2 API" in str(w.message) for w in caught)
    config = layer.get_config()
    assert config["units"] == 32 and config["recurrent_activation"] == "sigmoid"
    assert config["dropout"] == pytest.approx(0.2) and config["implementation"] == 2
    assert config["batch_input_shape"] == (None, 7, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gru = layers.GRU(4, U_regularizer="l2", consume_less="cpu")
        lstm = layers.LSTM(4, forget_bias_init="one", bias_initializer="ones")
        simple = layers.SimpleRNN(3, init="zeros", inner_init="ones", dropout_U=0.1)
        conv = layers.ConvLSTM2D(nb_filter=2, nb_row=3, nb_col=3, border_mode="same",
                                 dim_ordering="th", inner_activation="sigmoid")
    assert gru.implementation == 0 and gru.recurrent_regularizer is not None
    assert lstm.unit_forget_bias is True
    assert layers.GRU.from_config(gru.get_config()).implementation == 1
    assert type(simple.kernel_initializer).__name__ == "Zeros"
    assert simple.recurrent_dropout == pytest.approx(0.1)
    assert conv.filters == 2 and conv.kernel_size == (3, 3) and conv.padding == "same"
    assert conv.data_format == "channels_first" and conv.recurrent_activation.__name__ == "sigmoid"


# -- ConvLSTM2D ----------------------------------------------------------------------------------

@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv_lstm_2d_matches_reference(backend, data_format):
    rng = _rng()
    x = rng.standard_normal((2, 3, 5, 4, 2)).astype("float32")  # (batch, time, rows, cols, ch)
    first = data_format == "channels_first"
    x_in = x.transpose(0, 1, 4, 2, 3) if first else x
    layer = layers.ConvLSTM2D(3, (2, 3), padding="same" if first else "valid",
                              strides=(2, 1) if first else (1, 1), data_format=data_format,
                              return_sequences=True, return_state=True, go_backwards=first)
    inp, mask_inp = Input(shape=x_in.shape[1:]), Input(shape=(3,), dtype="bool")
    mask = np.array([[True, False, True], [True, True, False]])
    outs = layer(inp, mask=mask_inp)
    _randomize(layer, rng)
    values = K.function([inp, mask_inp], outs)([x_in, mask])
    kernel, recurrent_kernel, bias = ref.f64(layer.get_weights())
    assert kernel.shape == (2, 3, 2, 12) and recurrent_kernel.shape == (2, 3, 3, 12)
    step = ref.conv_lstm_step(kernel, recurrent_kernel, bias, strides=layer.strides,
                              padding=layer.padding, channels_first=first)
    rows, cols = (3, 4) if first else (4, 2)
    zeros = np.zeros((2, 3, rows, cols) if first else (2, rows, cols, 3))
    _, seq, states = ref.run(step, x_in, [zeros, zeros], mask=mask, go_backwards=first)
    _close(values[0], seq, 5e-5)
    _close(values[2], states[1], 5e-5)
    expected_shape = (None, 3) + ((3, rows, cols) if first else (rows, cols, 3))
    assert outs[0]._keras_shape == expected_shape
    assert set(layer.get_config()) >= {"filters", "kernel_size", "strides", "padding",
                                       "data_format", "dilation_rate", "unit_forget_bias",
                                       "activity_regularizer", "return_state"}
    assert "cell" not in layer.get_config()
    roundtrip(layer)


def test_conv_lstm_2d_errors_and_stateful(backend):
    with pytest.raises(ValueError, match=r"expected ndim=5.*ndim=3"):
        layers.ConvLSTM2D(2, 3)(Input(shape=(4, 3)))
    with pytest.raises(TypeError, match="Unrolling is not possible"):
        layers.ConvLSTM2D(2, 3, unroll=True)
    rng = _rng()
    x = rng.standard_normal((1, 2, 4, 4, 1)).astype("float32")
    layer = layers.ConvLSTM2D(2, 3, padding="same", stateful=True)
    inp = Input(batch_shape=(1, 2, 4, 4, 1))
    out = layer(inp)
    assert [tuple(K.int_shape(s)) for s in layer.states] == [(1, 4, 4, 2)] * 2
    f = K.function([inp], [out], updates=layer.updates)
    a, b = f([x])[0], f([x])[0]
    assert not np.allclose(a, b)
    layer.reset_states()
    _close(f([x])[0], a)


# -- CuDNN layers --------------------------------------------------------------------------------

def test_cudnn_layers_match_reference_and_their_keras_twins(backend):
    rng = _rng()
    x = _sequences(rng=rng)
    inp = Input(shape=x.shape[1:])
    cudnn_lstm = layers.CuDNNLSTM(4, return_sequences=True, return_state=True)
    cudnn_gru = layers.CuDNNGRU(4, go_backwards=True)
    lstm = layers.LSTM(4, recurrent_activation="sigmoid", return_sequences=True)
    gru = layers.GRU(4, recurrent_activation="sigmoid", reset_after=True, go_backwards=True)
    outs = cudnn_lstm(inp) + [cudnn_gru(inp), lstm(inp), gru(inp)]
    assert [w.shape for w in cudnn_lstm.get_weights()] == [(3, 16), (4, 16), (32,)]
    assert [w.shape for w in cudnn_gru.get_weights()] == [(3, 12), (4, 12), (24,)]
    np.testing.assert_array_equal(cudnn_lstm.get_weights()[2][16:], [0] * 4 + [1] * 4 + [0] * 8)
    _randomize(cudnn_lstm, rng)
    _randomize(cudnn_gru, rng)
    # Keras 2.2.4's conversion of CuDNN weights to LSTM/GRU weights
    k, r, b = cudnn_lstm.get_weights()
    lstm.set_weights(list(ref.cudnn_to_native(k, r, 4)) + [b[:16] + b[16:]])
    k, r, b = cudnn_gru.get_weights()
    gru.set_weights(list(ref.cudnn_to_native(k, r, 3)) + [b.reshape(2, 12)])
    values = K.function([inp], outs)([x])
    zeros = [np.zeros((3, 4))] * 2
    _, seq, states = ref.run(ref.cudnn_lstm_step(*ref.f64(cudnn_lstm.get_weights())), x, zeros)
    _close(values[0], seq)
    _close(values[2], states[1])
    last, _, _ = ref.run(ref.cudnn_gru_step(*ref.f64(cudnn_gru.get_weights())), x, zeros[:1],
                         go_backwards=True)
    _close(values[3], last)
    _close(values[4], values[0])
    _close(values[5], values[3])
    config = cudnn_lstm.get_config()
    assert set(config) == {"name", "trainable", "return_sequences", "return_state",
                           "go_backwards", "stateful", "units", "kernel_initializer",
                           "recurrent_initializer", "bias_initializer", "unit_forget_bias",
                           "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                           "activity_regularizer", "kernel_constraint", "recurrent_constraint",
                           "bias_constraint"}
    roundtrip(cudnn_lstm)
    roundtrip(cudnn_gru)
    with pytest.raises(ValueError, match="Masking is not supported"):
        layers.CuDNNGRU(2)(layers.Masking()(inp))


# -- the fused path -------------------------------------------------------------------------------

def _sigmoid(x):
    """The sigmoid, but not ``activations.sigmoid`` itself: a layer with it takes the generic
    ``K.rnn`` path (it cannot know the function is the one the fused kernels compute)."""
    return K.sigmoid(x)


FUSED_PAIRS = {  # a layer on the fused path, its generic twin (the same function)
    "LSTM": (lambda: layers.LSTM(3, recurrent_activation="sigmoid", return_sequences=True),
             lambda: layers.LSTM(3, recurrent_activation=_sigmoid, return_sequences=True)),
    "GRU": (lambda: layers.GRU(3, recurrent_activation="sigmoid", go_backwards=True),
            lambda: layers.GRU(3, recurrent_activation=_sigmoid, go_backwards=True)),
    "GRU_reset_after": (
        lambda: layers.GRU(3, recurrent_activation="sigmoid", reset_after=True, use_bias=False),
        lambda: layers.GRU(3, recurrent_activation=_sigmoid, reset_after=True, use_bias=False)),
    "CuDNNLSTM": (lambda: layers.CuDNNLSTM(3, return_state=True),
                  lambda: layers.LSTM(3, recurrent_activation=_sigmoid, return_state=True)),
    "CuDNNGRU": (lambda: layers.CuDNNGRU(3, return_sequences=True, go_backwards=True),
                 lambda: layers.GRU(3, recurrent_activation=_sigmoid, reset_after=True,
                                    return_sequences=True, go_backwards=True)),
}


def _twin_weights(fused):
    """The weights of the generic twin of ``fused`` (a CuDNN layer's as LSTM/GRU weights)."""
    weights = fused.get_weights()
    if isinstance(fused, (layers.CuDNNLSTM, layers.CuDNNGRU)):
        kernel, recurrent_kernel, bias = weights
        gates = 4 if isinstance(fused, layers.CuDNNLSTM) else 3
        bias = bias[:12] + bias[12:] if gates == 4 else bias.reshape(2, 9)
        return list(ref.cudnn_to_native(kernel, recurrent_kernel, gates)) + [bias]
    return weights


def test_fused_path_equals_generic_path_with_gradients(backend):
    """Outputs, states and weight gradients of the fused kernels equal the generic K.rnn
    path's (masked inputs, initial states, backwards), in float32."""
    rng = _rng()
    x, _ = _masked_input(_sequences(rng=rng))
    h0 = rng.standard_normal((3, 3)).astype("float32")
    inp, state = Input(shape=x.shape[1:]), Input(shape=(3,))
    masked = layers.Masking()(inp)
    outputs, pairs, losses = [], [], []
    for kind, (make_fused, make_generic) in FUSED_PAIRS.items():
        fused, generic = make_fused(), make_generic()
        cudnn = kind.startswith("CuDNN")
        source = inp if cudnn else masked  # CuDNN layers do not take masks
        initial = None if "LSTM" in kind else state
        outs = [to_list(layer(source, initial_state=initial)) for layer in (fused, generic)]
        _randomize(fused, rng)
        generic.set_weights(_twin_weights(fused))
        assert fused._fused_runner(None, None) is not None, kind
        assert generic._fused_runner(None, None) is None, kind
        projection = K.constant(rng.standard_normal((3,) + K.int_shape(outs[0][0])[1:]))
        for layer, out in zip((fused, generic), outs):
            loss = K.sum(out[0] * projection) + sum(K.sum(s) for s in out[1:])
            losses.append(K.gradients(loss, layer.trainable_weights))
        pairs.append((kind, len(outs[0]), len(fused.trainable_weights)))
        outputs += outs[0] + outs[1]
    flat_grads = [g for grads in losses for g in grads]
    values = K.function([inp, state], outputs + flat_grads)([x, h0])
    grads = values[len(outputs):]
    values = values[:len(outputs)]
    for kind, n, n_weights in pairs:
        for a, b in zip(values[:n], values[n:2 * n]):
            np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-5, err_msg=kind)
        values = values[2 * n:]
        fused_grads, generic_grads = grads[:n_weights], grads[n_weights:2 * n_weights]
        if kind.startswith("CuDNN"):
            # the twin's gradients in the CuDNN layout: the kernels' blocks mapped back, the
            # bias gradient twice (LSTM: both halves) or flattened (GRU)
            gates = 4 if "LSTM" in kind else 3
            kernel_grad, recurrent_grad = ref.native_to_cudnn(*generic_grads[:2], gates)
            bias_grad = generic_grads[2]
            bias_grad = np.concatenate([bias_grad, bias_grad]) if gates == 4 \
                else bias_grad.reshape(-1)
            generic_grads = [kernel_grad, recurrent_grad, bias_grad]
        for a, b in zip(fused_grads, generic_grads):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4, err_msg=kind)
        grads = grads[2 * n_weights:]


def test_layers_off_the_fused_path(backend):
    """Dropout, hard_sigmoid (the default), another activation or a custom cell subclass take
    the generic path."""
    inp = Input(shape=(3, 2))
    for layer in [layers.LSTM(2), layers.LSTM(2, recurrent_activation="sigmoid", dropout=0.2),
                  layers.GRU(2, recurrent_activation="sigmoid", activation="relu"),
                  layers.GRU(2, recurrent_activation="sigmoid", recurrent_dropout=0.1),
                  layers.RNN(layers.LSTMCell(2, recurrent_activation="sigmoid"))]:
        layer(inp)
        assert layer._fused_runner(None, None) is None, layer.name


# -- training and gradients ------------------------------------------------------------------------

def test_recurrent_weight_gradients(backend):
    """The weights of every recurrent layer against finite differences, in one model (one
    compilation): SimpleRNN, GRU, LSTM, CuDNNGRU, CuDNNLSTM side by side, a masked stack of
    LSTMs, an RNN of stacked cells, and a ConvLSTM2D on a second input."""
    K.set_floatx("float64")
    rng = _rng()
    x, _ = _masked_input(rng.standard_normal((3, 3, 2)))
    images = rng.standard_normal((3, 2, 3, 3, 1))
    inp, image_inp = Input(shape=(3, 2)), Input(shape=(2, 3, 3, 1))
    stacked = layers.LSTM(2)(layers.LSTM(2, return_sequences=True)(layers.Masking()(inp)))
    outs = [layers.SimpleRNN(3, go_backwards=True)(inp),
            layers.Flatten()(layers.GRU(3, reset_after=True, return_sequences=True)(inp)),
            layers.LSTM(3, implementation=2)(inp),
            layers.Flatten()(layers.CuDNNGRU(2, return_sequences=True)(inp)),
            layers.CuDNNLSTM(2)(inp), stacked,
            layers.RNN([layers.LSTMCell(2), layers.GRUCell(2)])(inp),
            layers.Flatten()(layers.ConvLSTM2D(2, 2, padding="same")(image_inp))]
    model = Model([inp, image_inp], layers.concatenate(outs))
    grads = check_weight_gradients(model, x, images, checks_per_weight=2)
    assert len(grads) == 30 and all(np.abs(g).max() > 0 for g in grads)


def _lstm_model_gradients(backend_name, x, y, weights):
    with K.use_backend(backend_name):
        model = Sequential([layers.LSTM(4, input_shape=x.shape[1:]), layers.Dense(1)])
        model.set_weights(weights)
        model.compile("sgd", "mse")
        grads = K.gradients(model.total_loss, model.trainable_weights)
        inputs = model._feed_inputs + model._feed_targets + model._feed_sample_weights
        return K.function(inputs, grads)([x, y, np.ones(len(x), "float32")])


def test_lstm_trains_on_numpy_and_gradients_match_torch_and_jax():
    rng = _rng()
    x = rng.standard_normal((8, 5, 3)).astype("float32")
    y = rng.standard_normal((8, 1)).astype("float32")
    with K.use_backend("numpy"):
        model = Sequential([layers.LSTM(4, input_shape=(5, 3)), layers.Dense(1)])
        weights = model.get_weights()
        model.compile("rmsprop", "mse")
        before = K.get_value(model.layers[0].cell.recurrent_kernel).copy()
        model.fit(x, y, batch_size=4, epochs=2, verbose=0)
        changed = np.abs(K.get_value(model.layers[0].cell.recurrent_kernel) - before).max()
    assert changed > 1e-4
    by_backend = {b: _lstm_model_gradients(b, x, y, weights) for b in ("numpy", "torch", "jax")}
    assert np.abs(by_backend["numpy"][1]).max() > 1e-4  # the recurrent kernel's gradient
    for name in ("torch", "jax"):
        for g_numpy, g_other in zip(by_backend["numpy"], by_backend[name]):
            np.testing.assert_allclose(g_numpy, g_other, rtol=1e-4, atol=1e-6)


def test_lstm_model_saves_and_loads(tmp_path):
    with K.use_backend("numpy"):
        _check_save_and_load(tmp_path)


def _check_save_and_load(tmp_path):
    rng = _rng()
    x = _sequences(rng=rng)
    model = Sequential([layers.LSTM(3, input_shape=(4, 3), return_sequences=True),
                        layers.GRU(2, reset_after=True)])
    model.compile("sgd", "mse")
    expected = model.predict(x)
    path = str(tmp_path / "rnn.h5")
    model.save(path)
    loaded = keras.models.load_model(path)
    _close(loaded.predict(x), expected)
    assert [w.name for w in loaded.layers[0].weights][0].endswith("kernel")
    clone = keras.models.model_from_json(model.to_json())
    clone.set_weights(model.get_weights())
    _close(clone.predict(x), expected)


def test_module_paths_export_keras_names():
    from polykeras.layers import convolutional_recurrent, cudnn_recurrent, recurrent, wrappers
    for module, names in [
            (recurrent, ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "SimpleRNN",
                         "SimpleRNNCell", "StackedRNNCells"]),
            (cudnn_recurrent, ["CuDNNGRU", "CuDNNLSTM"]),
            (wrappers, ["Bidirectional", "TimeDistributed", "Wrapper"]),
            (convolutional_recurrent, ["ConvLSTM2D", "ConvLSTM2DCell", "ConvRNN2D"])]:
        for name in names:
            assert getattr(module, name) is getattr(layers, name)


def test_cudnn_weights_load_into_lstm_and_gru_and_back(tmp_path):
    """Keras 2.2.4's conversion on load: a CuDNN model's weights file loads into the same model
    built with LSTM/GRU (and the reverse), with the same predictions; also inside Bidirectional."""
    with K.use_backend("numpy"):
        x = _sequences(rng=_rng())

        def build(cudnn):
            lstm = layers.CuDNNLSTM(3, return_sequences=True) if cudnn else \
                layers.LSTM(3, recurrent_activation="sigmoid", return_sequences=True)
            gru = layers.CuDNNGRU(2) if cudnn else \
                layers.GRU(2, recurrent_activation="sigmoid", reset_after=True)
            return Sequential([layers.Bidirectional(lstm, input_shape=(4, 3)), gru])

        cudnn_model = build(True)
        for layer in cudnn_model.layers:
            _randomize(layer, _rng())
        path = str(tmp_path / "cudnn.h5")
        cudnn_model.save_weights(path)
        plain = build(False)
        plain.load_weights(path)
        _close(plain.predict(x), cudnn_model.predict(x))
        plain.save_weights(path)
        back = build(True)
        back.load_weights(path, by_name=False)
        _close(back.predict(x), cudnn_model.predict(x))
        incompatible = Sequential([layers.Bidirectional(
            layers.LSTM(3, return_sequences=True), input_shape=(4, 3)), layers.GRU(2)])
        with pytest.raises(ValueError, match=r"holds GRU\(reset_after=True\) weights; layer "
                                             r"'gru_\d+' is GRU\(reset_after=False\)"):
            incompatible.load_weights(path)
