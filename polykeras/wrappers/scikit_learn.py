"""scikit-learn estimators around polykeras models (Keras 2.2's ``keras.wrappers.scikit_learn``).

``KerasClassifier(build_fn=make_model, epochs=5, batch_size=32, hidden=16)``:
``build_fn`` returns a compiled model; the other keyword arguments
(``sk_params``) go to ``build_fn``, ``fit``, ``predict``, ``evaluate``
according to the parameters each accepts, so ``GridSearchCV`` can search
over model hyper-parameters and training settings alike. The estimators
follow scikit-learn's protocol (``get_params``/``set_params``, ``fit``,
``predict``, ``score``) and work in ``cross_val_score``, ``GridSearchCV``
and ``Pipeline``. scikit-learn itself is not needed to import this module.
"""

from __future__ import annotations

import copy
import types

import numpy as np

from ..utils.generic_utils import has_arg
from ..utils.np_utils import to_categorical


def _model_api():
    from ..engine.sequential import Sequential
    from ..engine.training import Model
    return Sequential, Model


class BaseWrapper:
    """Base of the scikit-learn wrappers.

    Args:
        build_fn: a function (or an object with ``__call__``) returning a
            compiled model; ``None`` in a subclass that defines ``__call__``.
        **sk_params: arguments for ``build_fn`` and for the model's ``fit``,
            ``predict``, ``predict_classes`` and ``evaluate`` (each gets the
            ones its signature names). ``sk_params`` defaults win over
            ``build_fn``'s own defaults; arguments given to ``fit``,
            ``predict``... at the call win over ``sk_params``.

    Raises:
        ValueError: an ``sk_params`` name that neither ``build_fn`` nor the
            model methods accept.
    """

    def __init__(self, build_fn=None, **sk_params):
        self.build_fn = build_fn
        self.sk_params = sk_params
        self.check_params(sk_params)

    def _build_target(self):
        if self.build_fn is None:
            return self.__call__
        if not isinstance(self.build_fn, (types.FunctionType, types.MethodType)):
            if not callable(self.build_fn):
                raise TypeError(f"{type(self).__name__}: Expected build_fn to be a function or a "
                                f"callable object. Received: {self.build_fn!r}")
            return self.build_fn.__call__
        return self.build_fn

    def check_params(self, params):
        """Raise ValueError for a name in ``params`` that nothing accepts."""
        sequential, model = _model_api()
        legal = [sequential.fit, sequential.predict, sequential.predict_classes, model.evaluate,
                 self._build_target()]
        for name in params:
            if name == "nb_epoch":  # Keras 1's name of epochs
                continue
            if not any(has_arg(fn, name) for fn in legal):
                raise ValueError(f"{type(self).__name__}: {name} is not a legal parameter: neither "
                                 "build_fn nor the model's fit/predict/evaluate take it")

    def get_params(self, deep=True, **params):
        """``sk_params`` and ``build_fn``: the objects themselves, as scikit-learn's clone wants."""
        result = dict(self.sk_params)
        result["build_fn"] = self.build_fn
        return result

    def set_params(self, **params):
        """Update ``sk_params`` (``build_fn`` too); returns ``self``.

        Raises:
            ValueError: an illegal parameter name.
        """
        params = dict(params)
        if "build_fn" in params:
            self.build_fn = params.pop("build_fn")
        self.check_params(params)
        self.sk_params.update(params)
        return self

    def filter_sk_params(self, fn, override=None):
        """The ``sk_params`` that ``fn`` accepts, updated with ``override``."""
        result = {name: value for name, value in self.sk_params.items() if has_arg(fn, name)}
        result.update(override or {})
        return result

    def _loss_name(self):
        loss = self.model.loss
        return getattr(loss, "__name__", loss)

    def fit(self, x, y, **kwargs):
        """Build a new model with ``build_fn`` and train it on ``x``, ``y``.

        Integer labels are one-hot encoded for a model compiled with
        ``categorical_crossentropy``.

        Returns:
            The ``History`` of the training.
        """
        sequential, _ = _model_api()
        target = self._build_target()
        builder = self.build_fn if self.build_fn is not None else self.__call__
        self.model = builder(**self.filter_sk_params(target))
        if not hasattr(self.model, "fit"):
            raise TypeError(f"{type(self).__name__}: Expected build_fn to return a compiled "
                            f"model. Received: {self.model!r}")
        y = np.asarray(y)
        if self._loss_name() == "categorical_crossentropy" and y.ndim != 2:
            y = to_categorical(y)
        fit_args = copy.copy(self.filter_sk_params(sequential.fit))
        if "nb_epoch" in self.sk_params and "epochs" not in fit_args:
            fit_args["epochs"] = self.sk_params["nb_epoch"]
        fit_args.update(kwargs)
        return self.model.fit(x, y, **fit_args)

    def __sklearn_tags__(self):
        """scikit-learn's estimator tags (scikit-learn >= 1.6 asks every estimator for them)."""
        from sklearn.utils import ClassifierTags, RegressorTags, Tags, TargetTags
        kind = getattr(self, "_estimator_type", None)
        return Tags(estimator_type=kind, target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags() if kind == "classifier" else None,
                    regressor_tags=RegressorTags() if kind == "regressor" else None,
                    non_deterministic=True)

    def _check_fitted(self, caller):
        if getattr(self, "model", None) is None:
            raise ValueError(f"{type(self).__name__}.{caller}: this estimator is not fitted yet; "
                             "call fit(x, y) first")

    def __getstate__(self):
        # A fitted model holds backend variables: keep its architecture and weights instead.
        state = dict(self.__dict__)
        model = state.pop("model", None)
        if model is not None:
            state["_model_config"] = (type(model).__name__, model.get_config(),
                                      model.get_weights())
        return state

    def __setstate__(self, state):
        state = dict(state)
        saved = state.pop("_model_config", None)
        self.__dict__.update(state)
        if saved is not None:
            from .. import layers
            class_name, config, weights = saved
            model = layers.deserialize({"class_name": class_name, "config": config})
            model.set_weights(weights)
            self.model = model


class KerasClassifier(BaseWrapper):
    """A scikit-learn classifier around a model with one output (softmax or sigmoid).

    ``y`` holds class labels of any sortable kind (``classes_`` are the
    sorted distinct labels, mapped to 0..n-1 for the model) or one-hot rows.
    """

    _estimator_type = "classifier"

    def fit(self, x, y, sample_weight=None, **kwargs):
        """Train on ``x`` and labels ``y``; returns the ``History``.

        Raises:
            ValueError: ``y`` of rank above 2.
        """
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] > 1:
            self.classes_ = np.arange(y.shape[1])
        elif (y.ndim == 2 and y.shape[1] == 1) or y.ndim == 1:
            self.classes_ = np.unique(y)
            y = np.searchsorted(self.classes_, y)
        else:
            raise ValueError(f"KerasClassifier.fit: Expected y of shape (samples,), (samples, 1) "
                             f"or one-hot (samples, classes). Received: shape {y.shape}")
        self.n_classes_ = len(self.classes_)
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        return super().fit(x, y, **kwargs)

    def predict_proba(self, x, **kwargs):
        """Class probabilities, ``(samples, n_classes)`` (two columns for a sigmoid output)."""
        self._check_fitted("predict_proba")
        sequential, _ = _model_api()
        kwargs = self.filter_sk_params(sequential.predict_proba, kwargs)
        probs = np.asarray(self.model.predict(x, **kwargs))
        if probs.ndim == 1:
            probs = probs[:, None]
        if probs.shape[1] == 1:  # sigmoid: the probability of class 1
            probs = np.hstack([1 - probs, probs])
        return probs

    def predict(self, x, **kwargs):
        """The predicted labels (elements of ``classes_``), shape ``(samples,)``."""
        self._check_fitted("predict")
        sequential, _ = _model_api()
        kwargs = self.filter_sk_params(sequential.predict_classes, kwargs)
        probs = np.asarray(self.model.predict(x, **kwargs))
        if probs.ndim == 2 and probs.shape[1] > 1:
            indices = probs.argmax(axis=-1)
        else:
            indices = (probs.reshape(len(probs)) > 0.5).astype("int64")
        return self.classes_[indices]

    def score(self, x, y, **kwargs):
        """The model's accuracy on ``x``, ``y`` (from ``evaluate``).

        Raises:
            ValueError: the model was not compiled with ``metrics=["accuracy"]``.
        """
        self._check_fitted("score")
        _, model = _model_api()
        y = np.asarray(y)
        if y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
            y = np.searchsorted(self.classes_, y)
        kwargs = self.filter_sk_params(model.evaluate, kwargs)
        if self._loss_name() == "categorical_crossentropy" and y.ndim != 2:
            y = to_categorical(y, num_classes=self.n_classes_)
        outputs = self.model.evaluate(x, y, **kwargs)
        outputs = outputs if isinstance(outputs, list) else [outputs]
        for name, output in zip(self.model.metrics_names, outputs):
            if name in ("acc", "accuracy"):
                return float(output)
        raise ValueError("KerasClassifier.score: The model is not configured to compute accuracy. "
                         "You should pass `metrics=['accuracy']` to the `model.compile()` method.")


class KerasRegressor(BaseWrapper):
    """A scikit-learn regressor around a model; ``score`` is minus the loss (greater is better)."""

    _estimator_type = "regressor"

    def predict(self, x, **kwargs):
        """The predictions, squeezed (``(samples,)`` for one output unit)."""
        self._check_fitted("predict")
        sequential, _ = _model_api()
        kwargs = self.filter_sk_params(sequential.predict, kwargs)
        return np.squeeze(self.model.predict(x, **kwargs))

    def score(self, x, y, **kwargs):
        """Minus the model's loss on ``x``, ``y``."""
        self._check_fitted("score")
        _, model = _model_api()
        kwargs = self.filter_sk_params(model.evaluate, kwargs)
        loss = self.model.evaluate(x, y, **kwargs)
        if isinstance(loss, list):
            return -float(loss[0])
        return -float(loss)


__all__ = ["BaseWrapper", "KerasClassifier", "KerasRegressor"]
