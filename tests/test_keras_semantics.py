"""The engine behaves as Keras 2.2.4's, counted item by item.

Every expected number here is derived from Keras 2.2.4's code (``engine/``),
not from polykeras: the docstrings give the derivation. The rules it follows:

* ``Layer.__call__`` adds one activity-regularization loss per call, keyed by
  the call's inputs (``add_loss(..., inputs)``); ``add_weight`` adds the
  weight regularizer once, unconditionally (key None).
* ``Network._init_graph_network`` fills the mask cache for the network's own
  inputs, so ``compile`` (which asks ``compute_mask(self.inputs)``) runs no
  layer again.
* Calling a network on new inputs runs ``run_internal_graph``, which calls
  each inner ``layer.call`` (not ``__call__``: no new node), adds the
  activity losses again keyed by the inner inputs, and copies into the
  network ``layer.get_losses_for(inner inputs)`` under the new inputs' key and
  ``layer.get_losses_for(None)`` under None, at every call.
* ``Network.losses`` walks its layers: for each node of the layer inside the
  network, ``get_losses_for(node inputs)``; then ``get_losses_for(None)``;
  then the network's own ``get_losses_for(None)``. Tensors are deduplicated
  (a set), Python numbers (a regularizer with zero factors returns ``0.``)
  are all kept.
* ``Network.updates`` walks the same way without deduplication;
  ``Layer.get_updates_for`` is [] for a frozen, stateless layer.
"""

import warnings

import numpy as np
import pytest

from polykeras import activations, constraints, initializers, optimizers, regularizers
from polykeras import backend as K
from polykeras import metrics as metrics_module
from polykeras.engine.base_layer import Layer
from polykeras.layers import (
    BatchNormalization,
    Dense,
    Dropout,
    Embedding,
    Input,
)
from polykeras.models import Model, Sequential
from polykeras.utils import set_random_seed

SEED = 20241003


def _data(n=8, dim=3, seed=SEED, ydim=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(2., 3., (n, dim)).astype("float32")
    y = rng.normal(0., 1., (n, ydim)).astype("float32")
    return x, y


# -- 1. activity regularizers count once ----------------------------------------------------

def test_activity_regularizer_enters_the_loss_once(backend):
    """Keras: Sequential.add calls the Dense once (one activity loss, key [x]); compile
    asks compute_mask(self.inputs), answered from the cache filled by _init_graph_network,
    so no second call: len(model.losses) == 1 before and after compile."""
    set_random_seed(SEED)
    model = Sequential([Dense(1, input_shape=(3,), activity_regularizer=regularizers.l2(0.5))])
    assert len(model.losses) == 1
    model.compile("sgd", "mse")
    assert len(model.losses) == 1

    x, y = _data()
    kernel, bias = [w.astype("float64") for w in model.get_weights()]
    out = x.astype("float64") @ kernel + bias
    expected = np.mean((out - y) ** 2) + 0.5 * np.sum(out ** 2)  # the penalty once
    np.testing.assert_allclose(model.test_on_batch(x, y), expected, rtol=1e-5)
    assert len(model.losses) == 1


# -- 2. regularization losses with shared layers and shared models --------------------------

def _regularized_dense(**kwargs):
    return Dense(3, kernel_regularizer=regularizers.l2(0.1), **kwargs)


def test_layer_used_twice_in_a_model(backend):
    """Keras: the kernel and bias regularizers are added once, by add_weight (key None);
    each of the two calls adds an activity loss (keys [x] and [h]). model.losses: the
    layer's node 0 ([x]) and node 1 ([h]) are both in the model -> 2 activity losses,
    plus get_losses_for(None) -> 2 weight losses: 4, before and after compile."""
    dense = _regularized_dense(bias_regularizer=regularizers.l1(0.1),
                               activity_regularizer=regularizers.l2(0.1))
    x = Input((3,))
    model = Model(x, dense(dense(x)))
    assert len(model.losses) == 4
    model.compile("sgd", "mse")
    assert len(model.losses) == 4
    assert len(dense.losses) == 4  # Layer.losses: everything the layer added

    xs, ys = _data(ydim=3)
    kernel, bias = [w.astype("float64") for w in dense.get_weights()]
    h = xs.astype("float64") @ kernel + bias
    out = h @ kernel + bias
    expected = (np.mean((out - ys) ** 2) + 0.1 * np.sum(kernel ** 2) + 0.1 * np.sum(np.abs(bias))
                + 0.1 * np.sum(h ** 2) + 0.1 * np.sum(out ** 2))
    np.testing.assert_allclose(model.test_on_batch(xs, ys), expected, rtol=1e-5)


def test_model_used_as_a_layer_in_two_models(backend):
    """Keras, inner = Model(x, d(x)) with a kernel and an activity regularizer:
    * inner.losses: d's node 0 ([x]) -> act_x; d None -> k; inner None -> k copies: 2.
    * A = Model(a, inner(a)): run_internal_graph([a]) adds act_a to d (key [a]) and
      copies it into inner (key [a]), and copies k into inner's None list. A.losses:
      inner's node 1 ([a]) -> act_a; inner None -> k (deduplicated): 2. B the same: 2.
    * d.losses (every loss d added): k, act_x, act_a, act_b: 4.
    * top = Model(t, B(A(t))): A's run calls inner.call(t) (no new node on inner), giving
      act_t under A's key [t]; B's gives act_at under [A(t)]. top.losses: act_t, act_at, k:
      3. A and B keep 2; d has 6.
    """
    dense = _regularized_dense(activity_regularizer=regularizers.l2(0.1))
    x = Input((3,))
    inner = Model(x, dense(x))
    assert len(inner.losses) == 2
    a, b = Input((3,)), Input((3,))
    model_a, model_b = Model(a, inner(a)), Model(b, inner(b))
    assert [len(m.losses) for m in (inner, model_a, model_b)] == [2, 2, 2]
    assert len(dense.losses) == 4
    t = Input((3,))
    top = Model(t, model_b(model_a(t)))
    assert [len(m.losses) for m in (top, model_a, model_b, inner)] == [3, 2, 2, 2]
    assert len(dense.losses) == 6
    for model in (top, model_a):
        model.compile("sgd", "mse")
    assert [len(m.losses) for m in (top, model_a, model_b, inner)] == [3, 2, 2, 2]

    xs, ys = _data(ydim=3)
    kernel, bias = [w.astype("float64") for w in dense.get_weights()]
    h = xs.astype("float64") @ kernel + bias
    out = h @ kernel + bias
    expected = np.mean((out - ys) ** 2) + 0.1 * np.sum(kernel ** 2) + 0.1 * (
        np.sum(h ** 2) + np.sum(out ** 2))
    np.testing.assert_allclose(top.test_on_batch(xs, ys), expected, rtol=1e-5)


def test_zero_factor_regularizers_are_counted_as_keras_counts_numbers(backend):
    """A regularizer with zero factors returns the Python number 0.; Keras keeps every
    number in Network.losses (only tensors go through its set).
    * d = Dense(3, activity_regularizer=L1L2(0, 0)) used twice: nodes [x] and [h] -> 0., 0.
      -> 2. N = Model(a, m(a)): m's run adds d's two losses under m's key [a]: N has 2.
    * inner2 = Model(x, Dense(kernel_regularizer=l1(0.))(x)): the 0. is added once, by
      add_weight (key None): 1. Each call of inner2 on new inputs copies d's None list into
      inner2's None list: after A2 = Model(a, inner2(a)): A2 1 (inner2 None: [0.]), inner2 2
      (d None + inner2 None); after B2 = Model(b, inner2(b)): A2 2, B2 2, inner2 3.
    """
    dense = Dense(3, activity_regularizer=regularizers.L1L2(0., 0.))
    x = Input((3,))
    model = Model(x, dense(dense(x)))
    a = Input((3,))
    outer = Model(a, model(a))
    assert (len(model.losses), len(outer.losses)) == (2, 2)
    assert all(loss == 0. for loss in outer.losses)

    x = Input((3,))
    inner2 = Model(x, Dense(3, kernel_regularizer=regularizers.l1(0.))(x))
    assert len(inner2.losses) == 1
    a = Input((3,))
    model_a2 = Model(a, inner2(a))
    assert (len(model_a2.losses), len(inner2.losses)) == (1, 2)
    b = Input((3,))
    model_b2 = Model(b, inner2(b))
    assert (len(model_b2.losses), len(model_a2.losses), len(inner2.losses)) == (2, 2, 3)
    model_b2.compile("sgd", "mse")  # zero losses are harmless numbers in the total loss
    xs, ys = _data(ydim=3)
    kernel, bias = inner2.layers[1].get_weights()
    expected = np.mean((xs.astype("float64") @ kernel + bias - ys) ** 2)
    np.testing.assert_allclose(model_b2.test_on_batch(xs, ys), expected, rtol=1e-5)


# -- 3. BatchNormalization updates: shared, nested, frozen ----------------------------------

def test_shared_batchnorm_updates(backend):
    """Keras: bn(x1) then y2 = bn(x2): Model(x2, y2) owns bn's node 1 only -> 2 updates
    (moving mean and variance for [x2]). Calling the model on x3 runs bn.call(x3) (2 more
    updates on bn, key [x3]) but the model's own walk still sees node 1 only: 2. The new
    model owns the model's node for [x3] -> the 2 updates of that call."""
    bn = BatchNormalization(input_shape=(4,))
    x1, x2 = Input((4,)), Input((4,))
    bn(x1)
    model = Model(x2, bn(x2))
    assert len(model.updates) == 2
    model.compile("sgd", "mse")
    xs = _data(dim=4)[0]
    model.train_on_batch(xs, xs)
    assert len(model.updates) == 2

    x3 = Input((4,))
    new_model = Model(x3, model(x3))
    assert len(model.updates) == 2
    assert len(new_model.updates) == 2
    new_model.compile("sgd", "mse")
    new_model.train_on_batch(xs, xs)
    assert len(model.updates) == 2 and len(new_model.updates) == 2
    # one update of the moving mean per step, not two (momentum 0.99, from 0)
    np.testing.assert_allclose(K.get_value(bn.moving_mean),
                               2 * 0.01 * xs.mean(axis=0) - 0.01 * 0.01 * xs.mean(axis=0),
                               rtol=1e-4)


def test_trainable_disables_updates(backend):
    """Keras 2.2.4's test_that_trainable_disables_updates, with the counts: a frozen model
    has no updates; unfrozen 2; freezing the BatchNormalization layer and compiling again:
    none, and the layer's outputs (in test mode) stay as they were through a training step."""
    val_a, val_out = _data(n=10, dim=4)[0], _data(n=10, dim=4, seed=1)[0]
    a = Input((4,))
    layer = BatchNormalization(input_shape=(4,))
    model = Model(a, layer(a))

    model.trainable = False
    assert model.updates == []
    model.compile("sgd", "mse")
    assert model.updates == []
    x1 = model.predict(val_a)
    model.train_on_batch(val_a, val_out)
    np.testing.assert_allclose(model.predict(val_a), x1, atol=1e-7)

    model.trainable = True
    model.compile("sgd", "mse")
    assert len(model.updates) == 2
    model.train_on_batch(val_a, val_out)
    x2 = model.predict(val_a)
    assert np.abs(np.sum(x1 - x2)) > 1e-5

    layer.trainable = False
    model.compile("sgd", "mse")
    assert model.updates == []
    x1 = model.predict(val_a)
    weights = layer.get_weights()
    model.train_on_batch(val_a, val_out)
    np.testing.assert_allclose(model.predict(val_a), x1, atol=1e-7)
    for w0, w1 in zip(weights, layer.get_weights()):
        np.testing.assert_array_equal(w0, w1)


def _nested_bn_model():
    set_random_seed(SEED)
    # No bias before the BN: a batch-normalized bias gets no gradient in training.
    inner = Sequential([Dense(4, input_shape=(3,), use_bias=False),
                        BatchNormalization(momentum=0.5)])
    a = Input((3,))
    outer = Model(a, Dense(1)(inner(a)))
    return inner, inner.layers[1], outer


def test_any_sequence_of_freezing_keeps_frozen_layers_unchanged(backend):
    """For each (inner model trainable, BN layer trainable), compile and fit the outer
    model: a frozen layer's weights and moving statistics are unchanged, a trainable
    one's change. polykeras looks the nested model's updates up at each compile, so
    freezing the BN inside it stops its updates (Keras 2.2.4 copied them at call time and
    kept running them: docs/COMPATIBILITY.md)."""
    inner, bn, outer = _nested_bn_model()
    dense = inner.layers[0]
    x, y = _data(n=16)
    # unfrozen; BN frozen; model frozen, BN unfrozen; both frozen; both unfrozen again
    states = [(True, True), (True, False), (False, True), (False, False), (True, True)]
    for inner_trainable, bn_trainable in states:
        inner.trainable, bn.trainable = inner_trainable, bn_trainable
        outer.compile(optimizers.SGD(lr=0.1), "mse")
        frozen_bn = not (inner_trainable and bn_trainable)
        assert len(outer.updates) == (0 if frozen_bn else 2)
        before = [w.copy() for w in bn.get_weights() + dense.get_weights()]
        top_before = outer.layers[-1].get_weights()[0].copy()
        outer.fit(x, y, batch_size=8, epochs=1, verbose=0)
        after = bn.get_weights() + dense.get_weights()
        for i, (w0, w1) in enumerate(zip(before, after)):
            frozen = frozen_bn if i < 4 else not inner_trainable  # 4: the kernel
            if frozen:
                np.testing.assert_array_equal(w0, w1, err_msg=str((inner_trainable, bn_trainable)))
            else:
                assert not np.allclose(w0, w1), (inner_trainable, bn_trainable, i)
        assert not np.allclose(top_before, outer.layers[-1].get_weights()[0])


def test_weights_order_frozen_and_unfrozen(backend):
    """Keras: trainable_weights = the layers' trainable weights in layer order; a frozen
    layer moves its trainable weights in front of its non-trainable ones; a frozen model
    lists all its layers' trainable weights, then all their non-trainable weights."""
    inner, bn, outer = _nested_bn_model()
    dense, top = inner.layers[0], outer.layers[-1]
    names = lambda ws: [w.name.split("/")[-1] for w in ws]  # noqa: E731
    assert names(outer.trainable_weights) == ["kernel", "gamma", "beta", "kernel", "bias"]
    assert names(outer.non_trainable_weights) == ["moving_mean", "moving_variance"]
    bn.trainable = False
    assert names(outer.trainable_weights) == ["kernel", "kernel", "bias"]
    assert names(outer.non_trainable_weights) == ["gamma", "beta", "moving_mean",
                                                  "moving_variance"]
    bn.trainable = True
    inner.trainable = False
    assert outer.trainable_weights == top.trainable_weights
    assert names(outer.non_trainable_weights) == ["kernel", "gamma", "beta",
                                                  "moving_mean", "moving_variance"]
    assert outer.non_trainable_weights[0] is dense.kernel
    assert [len(outer.get_weights()), len(outer.weights)] == [7, 7]


def test_dropout_and_batchnorm_updates_in_a_sequential_and_after_compile(backend):
    """Keras: Sequential([Dense, BN, Dropout, BN]) -> 4 updates (2 per BN, one call each);
    compile and a second compile leave them at 4."""
    model = Sequential([Dense(4, input_shape=(3,)), BatchNormalization(), Dropout(0.5),
                        BatchNormalization()])
    assert len(model.updates) == 4
    model.compile("sgd", "mse")
    model.compile("adam", "mse")
    assert len(model.updates) == 4 and model.losses == []


def test_counts_of_a_model_used_twice_as_a_layer_frozen_and_unfrozen(backend):
    """inner = Model(x, bn(d(x))), d with a kernel and an activity regularizer; outer =
    Model([a, b], [inner(a), inner(b)]). Keras 2.2.4:
    * inner: losses act_x, k (each call copies k into inner's None list: deduplicated): 2;
      updates: bn's node 0 -> 2 (calls through run_internal_graph add no node).
    * outer: inner's nodes 1 ([a]) and 2 ([b]) -> act_a, act_b, plus k: 3 losses; the BN
      updates of each call: 4; trainable kernel, bias, gamma, beta; non-trainable the moving
      mean and variance. The same after compile.
    * bn frozen: no updates (Keras 2.2.4 still lists the 4 it copied: docs/COMPATIBILITY.md),
      gamma and beta move to the non-trainable weights. inner frozen: no updates, no
      trainable weights. Freezing changes no loss count.
    """
    dense = _regularized_dense(activity_regularizer=regularizers.l2(0.1))
    bn = BatchNormalization()
    x = Input((3,))
    inner = Model(x, bn(dense(x)))
    a, b = Input((3,)), Input((3,))
    outer = Model([a, b], [inner(a), inner(b)])
    names = lambda ws: [w.name.split("/")[-1] for w in ws]  # noqa: E731

    def counts():
        return (len(inner.losses), len(inner.updates), len(outer.losses), len(outer.updates),
                names(outer.trainable_weights), names(outer.non_trainable_weights))

    unfrozen = (2, 2, 3, 4, ["kernel", "bias", "gamma", "beta"], ["moving_mean", "moving_variance"])
    assert counts() == unfrozen
    outer.compile("sgd", "mse")
    assert counts() == unfrozen
    bn.trainable = False
    outer.compile("sgd", "mse")
    assert counts() == (2, 0, 3, 0, ["kernel", "bias"],
                        ["gamma", "beta", "moving_mean", "moving_variance"])
    bn.trainable, inner.trainable = True, False
    outer.compile("sgd", "mse")
    assert counts() == (2, 0, 3, 0, [],
                        ["kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance"])
    inner.trainable = True
    outer.compile("sgd", "mse")
    assert counts() == unfrozen


class _Counter(Layer):
    """A stateful layer: counts the samples it has seen in a non-trainable weight."""

    def build(self, input_shape):
        self.count = self.add_weight("count", (), initializer="zeros", trainable=False)
        self.stateful = True
        self.built = True

    def call(self, inputs):
        self.add_update(K.update_add(self.count, K.cast(K.shape(inputs)[0], K.floatx())),
                        inputs)
        return inputs


def test_frozen_stateful_network_keeps_only_its_state_updates(backend):
    """Keras 2.2.4 would list the BN updates too (a stateful network skips the frozen check);
    polykeras keeps the state updates only, in updates and in an enclosing model's
    state_updates (run by predict): docs/COMPATIBILITY.md."""
    bn, counter = BatchNormalization(), _Counter()
    x = Input((3,))
    inner = Model(x, counter(bn(x)))
    assert len(inner.updates) == 3 and inner.stateful
    a = Input((3,))
    outer = Model(a, inner(a))
    assert len(outer.updates) == 3 and len(outer.state_updates) == 1
    inner.trainable = False
    assert len(inner.updates) == 1 and len(outer.updates) == 1
    outer.compile("sgd", "mse")
    xs = _data(n=4)[0]
    moving_mean = K.get_value(bn.moving_mean).copy()
    outer.fit(xs, xs, batch_size=4, epochs=2, verbose=0)
    outer.predict(xs)
    np.testing.assert_array_equal(K.get_value(bn.moving_mean), moving_mean)
    assert float(K.get_value(counter.count)) == 12.  # two training steps and one prediction


def test_model_level_updates_and_weights_listed_once(backend):
    """A layer inside two nested models of one model: its weights once (Keras: twice).
    An update added to the model itself runs when it trains (Keras: left out)."""
    shared = Dense(2)
    x1, x2 = Input((2,)), Input((2,))
    left, right = Model(x1, shared(x1)), Model(x2, Dense(2)(shared(x2)))
    a = Input((2,))
    model = Model(a, right(left(a)))
    assert len(model.trainable_weights) == 4
    steps, seen = K.variable(0.), K.variable(0.)
    model.add_update(K.update_add(steps, 1.))
    model.add_update(K.update_add(seen, K.sum(K.ones_like(a[:, 0]))), inputs=model.inputs)
    assert len(model.updates) == 2
    model.compile("sgd", "mse")
    xs = _data(n=4, dim=2)[0]
    model.fit(xs, xs, batch_size=2, epochs=1, verbose=0)
    assert (float(K.get_value(steps)), float(K.get_value(seen))) == (2., 4.)


# -- 4. sparse categorical accuracy ---------------------------------------------------------

@pytest.mark.parametrize("label_shape", ["flat", "column"])
def test_sparse_categorical_accuracy_equals_categorical_accuracy(backend, label_shape):
    rng = np.random.default_rng(SEED)
    pred = rng.random((6, 4)).astype("float32")
    labels = np.array([0, 1, 2, 3, 1, 2])
    labels[:3] = pred[:3].argmax(-1)  # some hits, some misses
    one_hot = np.eye(4, dtype="float32")[labels]
    sparse = (labels if label_shape == "flat" else labels[:, None]).astype("float32")
    expected = (pred.argmax(-1) == labels).astype("float32")
    got = K.eval(metrics_module.sparse_categorical_accuracy(K.constant(sparse), K.constant(pred)))
    dense = K.eval(metrics_module.categorical_accuracy(K.constant(one_hot), K.constant(pred)))
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(dense, expected)
    top1 = K.eval(metrics_module.sparse_top_k_categorical_accuracy(
        K.constant(sparse), K.constant(pred), k=1))
    np.testing.assert_allclose(top1, expected.mean(), rtol=1e-6)


def test_sparse_categorical_accuracy_on_timesteps(backend):
    """Targets (batch, steps, 1) or (batch, steps) against predictions (batch, steps, classes)."""
    rng = np.random.default_rng(SEED)
    pred = rng.random((2, 5, 3)).astype("float32")
    labels = rng.integers(0, 3, (2, 5))
    expected = (pred.argmax(-1) == labels).astype("float32")
    for target in (labels[..., None], labels):
        got = K.eval(metrics_module.sparse_categorical_accuracy(
            K.constant(target.astype("float32")), K.constant(pred)))
        np.testing.assert_array_equal(got, expected)


def test_accuracy_metric_with_sparse_targets_in_a_model(backend):
    set_random_seed(SEED)
    model = Sequential([Dense(3, activation="softmax", input_shape=(2,))])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["acc"])
    x = np.random.default_rng(SEED).normal(size=(12, 2)).astype("float32")
    labels = np.arange(12) % 3
    expected = (model.predict(x).argmax(-1) == labels).mean()
    _, acc = model.evaluate(x, labels[:, None], verbose=0)
    np.testing.assert_allclose(acc, expected, rtol=1e-6)


# -- 5. activations.get of a layer ----------------------------------------------------------

class _LeakyRelu(Layer):
    """A minimal advanced-activation layer."""

    def call(self, inputs):
        return K.relu(inputs, alpha=0.1)


@pytest.mark.parametrize("make_layer", [lambda: Dense(32), _LeakyRelu])
def test_activations_get_warns_on_a_layer_instance(backend, make_layer):
    layer = make_layer()
    with pytest.warns(UserWarning, match=f"layer instance \\(such as {type(layer).__name__}\\)"):
        assert activations.get(layer) is layer
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert activations.get("relu") is activations.relu
        assert activations.get(K.tanh) is K.tanh
        assert activations.get(None) is activations.linear


def test_a_layer_given_as_activation_still_works_with_the_warning(backend):
    """As in Keras 2.2.4 the layer is used as the activation function, with a warning."""
    set_random_seed(SEED)
    with pytest.warns(UserWarning, match="layer instance"):
        dense = Dense(2, activation=_LeakyRelu())
    model = Sequential([Dense(2, input_shape=(3,)), dense])
    x = _data()[0]
    w0, b0, w1, b1 = [w.astype("float64") for w in model.get_weights()]
    z = (x @ w0 + b0) @ w1 + b1
    np.testing.assert_allclose(model.predict(x), np.where(z > 0, z, 0.1 * z), rtol=1e-5,
                               atol=1e-6)


# -- metrics_names ----------------------------------------------------------------------------

def test_metrics_names_as_keras(backend):
    """Keras: 'loss', then '<output>_loss' per output when there are several, then per
    output its metrics ('acc' resolved, prefixed 'weighted_' for weighted metrics, by the
    output name when there are several outputs; a repeated name gets '_1')."""
    a = Input((3,))
    h = Dense(4)(a)
    out1, out2 = Dense(1, name="reg")(h), Dense(2, activation="softmax", name="cls")(h)
    model = Model(a, [out1, out2])
    model.compile("sgd", ["mse", "categorical_crossentropy"],
                  metrics={"reg": ["mae", "mae"], "cls": ["acc"]}, weighted_metrics=["acc"])
    assert model.metrics_names == ["loss", "reg_loss", "cls_loss", "reg_mean_absolute_error",
                                   "reg_mean_absolute_error_1", "reg_weighted_acc", "cls_acc",
                                   "cls_weighted_acc"]
    single = Sequential([Dense(1, input_shape=(3,))])
    single.compile("sgd", "binary_crossentropy", metrics=["accuracy", "ce"])
    assert single.metrics_names == ["loss", "acc", "ce"]


# -- get_config: the Keras 2.2.4 keys and values ----------------------------------------------

KERAS_LAYER_CONFIGS = {
    # class: (constructor kwargs, Keras 2.2.4's config without name/trainable)
    "Dense": (dict(units=3), {
        "units": 3, "activation": "linear", "use_bias": True,
        "kernel_initializer": {"class_name": "VarianceScaling", "config": {
            "scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
        "kernel_constraint": None, "bias_constraint": None}),
    "Dropout": (dict(rate=0.5), {"rate": 0.5, "noise_shape": None, "seed": None}),
    "Activation": (dict(activation="relu"), {"activation": "relu"}),
    "Reshape": (dict(target_shape=(2, 3)), {"target_shape": (2, 3)}),
    "Permute": (dict(dims=(2, 1)), {"dims": (2, 1)}),
    "Flatten": ({}, {"data_format": "channels_last"}),
    "RepeatVector": (dict(n=3), {"n": 3}),
    "Masking": ({}, {"mask_value": 0.0}),
    "ActivityRegularization": ({}, {"l1": 0.0, "l2": 0.0}),
    "BatchNormalization": ({}, {
        "axis": -1, "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True,
        "beta_initializer": {"class_name": "Zeros", "config": {}},
        "gamma_initializer": {"class_name": "Ones", "config": {}},
        "moving_mean_initializer": {"class_name": "Zeros", "config": {}},
        "moving_variance_initializer": {"class_name": "Ones", "config": {}},
        "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None,
        "gamma_constraint": None}),
    "Add": ({}, {}),
    "Concatenate": ({}, {"axis": -1}),
    "Dot": (dict(axes=1), {"axes": 1, "normalize": False}),
}


@pytest.mark.parametrize("class_name", sorted(KERAS_LAYER_CONFIGS))
def test_layer_configs_as_keras(class_name):
    """Keras 2.2.4: base config {name, trainable} (+ batch_input_shape and dtype only for a
    layer given an input shape), then the layer's own keys; from_config round-trips."""
    from polykeras import layers
    kwargs, expected = KERAS_LAYER_CONFIGS[class_name]
    layer = getattr(layers, class_name)(name="x", **kwargs)
    config = layer.get_config()
    assert config == {"name": "x", "trainable": True, **expected}
    assert list(config)[:2] == ["name", "trainable"]
    assert type(layer).from_config(config).get_config() == config

    shaped = getattr(layers, class_name)(name="y", input_shape=(4, 3), **kwargs).get_config()
    assert shaped == {"name": "y", "trainable": True, "batch_input_shape": (None, 4, 3),
                      "dtype": "float32", **expected}


def test_dtype_and_input_shaped_configs():
    """Embedding always has an input shape in Keras 2.2.4 ((None,) by default), hence a
    batch_input_shape and a dtype; InputLayer has its own keys; a dtype given without an
    input shape is kept (polykeras honours it, docs/COMPATIBILITY.md)."""
    assert Embedding(5, 3, name="e").get_config() == {
        "name": "e", "trainable": True, "batch_input_shape": (None, None), "dtype": "float32",
        "input_dim": 5, "output_dim": 3,
        "embeddings_initializer": {"class_name": "RandomUniform",
                                   "config": {"minval": -0.05, "maxval": 0.05, "seed": None}},
        "embeddings_regularizer": None, "activity_regularizer": None,
        "embeddings_constraint": None, "mask_zero": False, "input_length": None}
    from polykeras.layers import InputLayer
    assert InputLayer(input_shape=(3,), name="i").get_config() == {
        "batch_input_shape": (None, 3), "dtype": "float32", "sparse": False, "name": "i"}
    assert Dense(2, dtype="float64", name="d").get_config()["dtype"] == "float64"
    assert Dense(2, trainable=False, name="d").get_config()["trainable"] is False


F32 = lambda v: float(np.float32(v))  # noqa: E731  Keras stores these in float32 variables


@pytest.mark.parametrize("name, kwargs, expected", [
    ("SGD", {}, {"lr": F32(0.01), "momentum": 0.0, "decay": 0.0, "nesterov": False}),
    ("SGD", {"clipnorm": 1.}, {"clipnorm": 1.0, "lr": F32(0.01), "momentum": 0.0, "decay": 0.0,
                               "nesterov": False}),
    ("RMSprop", {}, {"lr": F32(0.001), "rho": F32(0.9), "decay": 0.0, "epsilon": 1e-7}),
    ("Adagrad", {}, {"lr": F32(0.01), "decay": 0.0, "epsilon": 1e-7}),
    ("Adadelta", {}, {"lr": 1.0, "rho": 0.95, "decay": 0.0, "epsilon": 1e-7}),
    ("Adam", {}, {"lr": F32(0.001), "beta_1": F32(0.9), "beta_2": F32(0.999), "decay": 0.0,
                  "epsilon": 1e-7, "amsgrad": False}),
    ("Adamax", {}, {"lr": F32(0.002), "beta_1": F32(0.9), "beta_2": F32(0.999), "decay": 0.0,
                    "epsilon": 1e-7}),
    ("Nadam", {}, {"lr": F32(0.002), "beta_1": F32(0.9), "beta_2": F32(0.999), "epsilon": 1e-7,
                   "schedule_decay": 0.004}),
])
def test_optimizer_configs_as_keras(backend, name, kwargs, expected):
    """Keras 2.2.4: the base keys (clipnorm, clipvalue) first; lr and the betas are float32
    variables, read back with float(K.get_value(...))."""
    optimizer = getattr(optimizers, name)(**kwargs)
    config = optimizer.get_config()
    assert config == expected and list(config) == list(expected)
    assert type(optimizer).from_config(config).get_config() == config


@pytest.mark.parametrize("identifier, expected", [
    ("zeros", {"class_name": "Zeros", "config": {}}),
    ("ones", {"class_name": "Ones", "config": {}}),
    (initializers.Constant(2.), {"class_name": "Constant", "config": {"value": 2.}}),
    ("random_normal", {"class_name": "RandomNormal",
                       "config": {"mean": 0.0, "stddev": 0.05, "seed": None}}),
    ("random_uniform", {"class_name": "RandomUniform",
                        "config": {"minval": -0.05, "maxval": 0.05, "seed": None}}),
    ("truncated_normal", {"class_name": "TruncatedNormal",
                          "config": {"mean": 0.0, "stddev": 0.05, "seed": None}}),
    ("he_normal", {"class_name": "VarianceScaling", "config": {
        "scale": 2.0, "mode": "fan_in", "distribution": "normal", "seed": None}}),
    ("lecun_uniform", {"class_name": "VarianceScaling", "config": {
        "scale": 1.0, "mode": "fan_in", "distribution": "uniform", "seed": None}}),
    ("orthogonal", {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": None}}),
    ("identity", {"class_name": "Identity", "config": {"gain": 1.0}}),
])
def test_initializer_configs_as_keras(identifier, expected):
    initializer = initializers.get(identifier)
    assert initializers.serialize(initializer) == expected
    assert initializers.serialize(initializers.deserialize(expected)) == expected


def test_regularizer_and_constraint_configs_as_keras():
    assert regularizers.serialize(regularizers.l1_l2()) == {
        "class_name": "L1L2", "config": {"l1": F32(0.01), "l2": F32(0.01)}}
    expected = {
        "max_norm": {"class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0}},
        "non_neg": {"class_name": "NonNeg", "config": {}},
        "unit_norm": {"class_name": "UnitNorm", "config": {"axis": 0}},
        "min_max_norm": {"class_name": "MinMaxNorm", "config": {
            "min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}},
    }
    for name, config in expected.items():
        assert constraints.serialize(constraints.get(name)) == config
        assert constraints.serialize(constraints.deserialize(config)) == config


def test_nested_model_config_round_trip_keeps_sharing(backend):
    """A model used as a layer in a model whose layer is shared: from_config rebuilds the
    same topology (one inner model, called twice; the shared layer once, with two nodes)."""
    shared = Dense(3, name="shared")
    x = Input((3,), name="x")
    inner = Model(x, shared(shared(x)), name="inner")
    a, b = Input((3,), name="a"), Input((3,), name="b")
    outer = Model([a, b], [inner(a), inner(b)], name="outer")
    config = outer.get_config()
    rebuilt = Model.from_config(config)
    assert rebuilt.get_config() == config
    assert [layer.name for layer in rebuilt.layers] == ["a", "b", "inner"]
    assert len(rebuilt.get_layer("inner").get_layer("shared")._inbound_nodes) == 2
    assert len(rebuilt.trainable_weights) == 2
