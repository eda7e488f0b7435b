"""wrappers.scikit_learn: the estimator protocol; use in cross_val_score and GridSearchCV."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

from polykeras import backend as K
from polykeras import layers, optimizers
from polykeras.models import Sequential
from polykeras.wrappers.scikit_learn import KerasClassifier, KerasRegressor


@pytest.fixture
def numpy_backend():
    """The protocol tests build many small models: NumPy builds them without compiling."""
    with K.use_backend("numpy"):
        yield


def _data():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(48, 4)).astype("float32")
    labels = np.where(x[:, 0] - x[:, 1] > 0, "pos", "neg")
    return x, labels


def build_classifier(hidden=6, lr=0.3, output="softmax"):
    units, loss = (2, "categorical_crossentropy") if output == "softmax" else \
        (1, "binary_crossentropy")
    model = Sequential([layers.Dense(hidden, activation="tanh", input_shape=(4,)),
                        layers.Dense(units, activation=output)])
    model.compile(optimizers.SGD(lr=lr), loss, metrics=["accuracy"])
    return model


def build_regressor(lr=0.05):
    model = Sequential([layers.Dense(1, input_shape=(4,))])
    model.compile(optimizers.SGD(lr=lr), "mse")
    return model


def test_classifier_protocol_against_the_model(backend):
    x, labels = _data()
    clf = KerasClassifier(build_classifier, hidden=5, epochs=3, batch_size=16, verbose=0)
    assert is_classifier(clf)
    history = clf.fit(x, labels)
    assert len(history.history["loss"]) == 3  # epochs from sk_params reached fit
    assert list(clf.classes_) == ["neg", "pos"] and clf.n_classes_ == 2
    assert clf.model.layers[0].units == 5  # hidden from sk_params reached build_fn
    probs = clf.predict_proba(x)
    np.testing.assert_allclose(probs, clf.model.predict(x), rtol=1e-6)
    predicted = clf.predict(x)
    np.testing.assert_array_equal(predicted, clf.classes_[probs.argmax(axis=1)])
    assert clf.score(x, labels) == pytest.approx(np.mean(predicted == labels), abs=1e-6)


def test_sigmoid_classifier_gives_two_probability_columns(numpy_backend):
    x, labels = _data()
    clf = KerasClassifier(build_classifier, output="sigmoid", epochs=2, verbose=0)
    clf.fit(x, labels == "pos")
    probs = clf.predict_proba(x)
    positive = clf.model.predict(x)[:, 0]
    np.testing.assert_allclose(probs, np.stack([1 - positive, positive], axis=1), rtol=1e-6)
    np.testing.assert_array_equal(clf.predict(x), positive > 0.5)


def test_regressor_protocol(numpy_backend):
    x, _ = _data()
    target = x @ np.array([1., -1., 0.5, 0.]) + 2.
    reg = KerasRegressor(build_regressor, epochs=2, batch_size=8, verbose=0)
    assert is_regressor(reg)
    reg.fit(x, target)
    predicted = reg.predict(x)
    assert predicted.shape == (48,)
    by_model = reg.model.predict(x)[:, 0]
    np.testing.assert_allclose(predicted, by_model, rtol=1e-6)
    assert reg.score(x, target) == pytest.approx(-np.mean((by_model - target) ** 2), rel=1e-4)


def test_params_clone_and_errors(numpy_backend):
    clf = KerasClassifier(build_classifier, hidden=[3], epochs=2)
    params = clf.get_params()
    assert params == {"build_fn": build_classifier, "hidden": [3], "epochs": 2}
    assert params["hidden"] is clf.sk_params["hidden"]  # what sklearn's clone checks
    copy = clone(clf)
    assert copy.get_params() == params and copy is not clf
    assert clf.set_params(epochs=5, lr=0.1) is clf and clf.sk_params["epochs"] == 5
    with pytest.raises(ValueError, match="KerasClassifier: nonsense is not a legal parameter"):
        KerasClassifier(build_classifier, nonsense=1)
    with pytest.raises(ValueError, match="not a legal parameter"):
        clf.set_params(nonsense=1)
    with pytest.raises(ValueError, match="not fitted yet"):
        clf.predict(np.zeros((1, 4)))
    x, labels = _data()
    no_accuracy = KerasClassifier(lambda: build_regressor(), epochs=1, verbose=0)
    no_accuracy.fit(x, (labels == "pos").astype("float32"))
    with pytest.raises(ValueError, match="metrics=\\['accuracy'\\]"):
        no_accuracy.score(x, labels == "pos")


class Wrapped(KerasClassifier):
    """build_fn=None: the estimator's own __call__ builds the model."""

    def __call__(self, hidden=4):
        return build_classifier(hidden=hidden)


def test_subclass_with_call_and_pickling(numpy_backend):
    x, labels = _data()
    clf = Wrapped(hidden=3, epochs=1, verbose=0)
    clf.fit(x, labels)
    assert clf.model.layers[0].units == 3
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(restored.predict_proba(x), clf.predict_proba(x), rtol=1e-6)


def test_cross_val_score_and_grid_search(numpy_backend):
    x, labels = _data()
    clf = KerasClassifier(build_classifier, epochs=2, batch_size=16, verbose=0)
    scores = cross_val_score(clf, x, labels, cv=3)
    assert scores.shape == (3,) and np.all((scores >= 0) & (scores <= 1))
    target = x @ np.array([1., -1., 0.5, 0.])
    reg_scores = cross_val_score(KerasRegressor(build_regressor, epochs=1, verbose=0), x, target,
                                 cv=KFold(2))
    assert reg_scores.shape == (2,) and np.all(reg_scores < 0)
    search = GridSearchCV(KerasClassifier(build_classifier, batch_size=16, verbose=0),
                          {"hidden": [2, 4], "epochs": [1, 2]}, cv=2)
    search.fit(x, labels)
    assert set(search.best_params_) == {"hidden", "epochs"}
    assert len(search.cv_results_["mean_test_score"]) == 4
    best = search.best_estimator_
    assert best.model.layers[0].units == search.best_params_["hidden"]
    assert search.score(x, labels) == pytest.approx(best.score(x, labels))
