"""Optimizers (Keras 2.2's ``keras.optimizers``), written with ``K.*`` only.

``optimizer.get_updates(loss, params)`` builds, with ``K.gradients`` and
``K.update*``, the list of update ops one training step runs; the engine
passes it to ``K.function(inputs, outputs, updates=...)``. Every value an
update reads is the value from before the step (the iteration count, the
moments), as in Keras 2.2.

Hyperparameters that callbacks change during training (``lr``, ``decay``,
momenta) are backend variables: read and write them with
``K.get_value(optimizer.lr)`` / ``K.set_value(optimizer.lr, 0.01)``.
The optimizer's state (``weights``: the iteration count, then the per-
parameter accumulators) exists once ``get_updates`` has run.
"""

from __future__ import annotations

import numpy as np

from . import backend as K
from .backend.variables import Variable
from .utils.generic_utils import deserialize_keras_object, serialize_keras_object


def clip_norm(g, c, n):
    """``g * c / n`` when the global gradient norm ``n`` is at least ``c``, else ``g``.

    Args:
        g: a gradient tensor.
        c: float >= 0, the norm to clip to (0 disables clipping).
        n: scalar tensor, the L2 norm of all gradients together.
    """
    if c <= 0:
        return g
    return K.switch(K.greater_equal(n, c), g * (c / n), g)


def _check_non_negative(owner, **values):
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value,
                                                     (int, float, np.number)) or not value >= 0:
            raise ValueError(f"{owner}: Expected a number >= 0 for {name}. Received: "
                             f"{name}={value!r}")


class Optimizer:
    """Base class of the optimizers.

    Keyword arguments accepted by every optimizer:
        clipnorm: float >= 0; rescale all gradients together when their
            global L2 norm exceeds it.
        clipvalue: float >= 0; clip every gradient element to
            ``[-clipvalue, clipvalue]``.

    Raises:
        TypeError: any other keyword argument.
        ValueError: a negative ``clipnorm`` / ``clipvalue``.
    """

    def __init__(self, **kwargs):
        allowed_kwargs = {"clipnorm", "clipvalue"}
        for k in kwargs:
            if k not in allowed_kwargs:
                raise TypeError(f"{type(self).__name__}: Unexpected keyword argument passed to "
                                f"optimizer: {k!r}. Expected one of {allowed_kwargs}.")
        _check_non_negative(type(self).__name__, **kwargs)
        self.__dict__.update(kwargs)
        self.updates = []
        self.weights = []

    def get_updates(self, loss, params):
        """The list of update ops of one training step on ``params`` minimizing ``loss``."""
        raise NotImplementedError(f"{type(self).__name__} does not define get_updates")

    def get_gradients(self, loss, params):
        """``K.gradients(loss, params)`` after clipping by ``clipnorm`` / ``clipvalue``.

        Raises:
            ValueError: a parameter ``loss`` does not depend on (gradient None).
        """
        grads = K.gradients(loss, params)
        if any(g is None for g in grads):
            missing = [getattr(p, "name", repr(p)) for p, g in zip(params, grads) if g is None]
            raise ValueError(
                f"{type(self).__name__}.get_gradients: An operation has `None` for gradient: the "
                f"loss does not depend differentiably on {missing}. Make sure all ops between "
                "the parameters and the loss are differentiable (not K.argmax, K.round, K.eval).")
        if getattr(self, "clipnorm", 0) > 0:
            norm = K.sqrt(sum([K.sum(K.square(g)) for g in grads]))
            grads = [clip_norm(g, self.clipnorm, norm) for g in grads]
        if getattr(self, "clipvalue", 0) > 0:
            grads = [K.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def set_weights(self, weights):
        """Set the optimizer state (``weights``) from NumPy arrays, as returned by
        :meth:`get_weights`.

        Raises:
            ValueError: a different number of arrays, or an array of the wrong shape.
        """
        params = self.weights
        if len(params) != len(weights):
            raise ValueError(
                f"{type(self).__name__}.set_weights: Expected a list of {len(params)} arrays (the "
                f"optimizer's weights; it has none before get_updates). Received: {len(weights)} "
                "arrays")
        pairs = []
        for p, w in zip(params, weights):
            shape = tuple(K.int_shape(p))
            if shape != tuple(np.shape(w)):
                raise ValueError(f"{type(self).__name__}.set_weights: Expected an array of shape "
                                 f"{shape} for {p.name!r}. Received: shape {np.shape(w)}")
            pairs.append((p, w))
        K.batch_set_value(pairs)

    def get_weights(self):
        """The optimizer state as a list of NumPy arrays."""
        return K.batch_get_value(self.weights)

    def get_config(self):
        config = {}
        if hasattr(self, "clipnorm"):
            config["clipnorm"] = self.clipnorm
        if hasattr(self, "clipvalue"):
            config["clipvalue"] = self.clipvalue
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    # -- helpers shared by the subclasses ---------------------------------------------
    def _decayed_lr(self):
        """``lr / (1 + decay * iterations)`` (time-based decay), or ``lr`` without decay."""
        lr = self.lr
        if self.initial_decay > 0:
            lr = lr * (1. / (1. + self.decay * K.cast(self.iterations, K.dtype(self.decay))))
        return lr

    def _init_common(self, lr, decay, epsilon=False):
        name = type(self).__name__
        _check_non_negative(name, lr=lr, decay=decay)
        self.iterations = K.variable(0, dtype="int64", name="iterations")
        self.lr = K.variable(lr, name="lr")
        self.initial_decay = decay
        self.decay = K.variable(decay, name="decay")
        if epsilon is not False:
            if epsilon is None:
                epsilon = K.epsilon()
            _check_non_negative(name, epsilon=epsilon)
            self.epsilon = epsilon

    def _config(self, *names) -> dict:
        """``{name: value}`` of these attributes, a variable's as a Python float."""
        config = {}
        for name in names:
            value = getattr(self, name)
            config[name] = float(K.get_value(value)) if isinstance(value, Variable) else value
        return config

    @staticmethod
    def _slots(params):
        """One zero-filled state variable per parameter, of its shape and dtype."""
        return [K.zeros(K.int_shape(p), dtype=K.dtype(p)) for p in params]

    @staticmethod
    def _constrained(p, new_p):
        constraint = getattr(p, "constraint", None)
        return constraint(new_p) if constraint is not None else new_p


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, Nesterov momentum and time-based decay.

    ``v = momentum * v - lr * g``; ``p += v`` (Nesterov: ``p += momentum * v - lr * g``).

    Args:
        lr: float >= 0, learning rate.
        momentum: float >= 0.
        decay: float >= 0, learning-rate decay per update.
        nesterov: whether to use Nesterov momentum.
    """

    def __init__(self, lr=0.01, momentum=0., decay=0., nesterov=False, **kwargs):
        super().__init__(**kwargs)
        _check_non_negative("SGD", momentum=momentum)
        self._init_common(lr, decay)
        self.momentum = K.variable(momentum, name="momentum")
        self.nesterov = nesterov

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        lr = self._decayed_lr()
        moments = self._slots(params)
        self.weights = [self.iterations] + moments
        for p, g, m in zip(params, grads, moments):
            v = self.momentum * m - lr * g  # velocity
            self.updates.append(K.update(m, v))
            if self.nesterov:
                new_p = p + self.momentum * v - lr * g
            else:
                new_p = p + v
            self.updates.append(K.update(p, self._constrained(p, new_p)))
        return self.updates

    def get_config(self):
        return {**super().get_config(), **self._config("lr", "momentum", "decay", "nesterov")}


class RMSprop(Optimizer):
    """RMSProp: divide the gradient by a running average of its recent magnitude.

    ``a = rho * a + (1 - rho) * g**2``; ``p -= lr * g / (sqrt(a) + epsilon)``.

    Args:
        lr: float >= 0, learning rate.
        rho: float >= 0, decay of the running average.
        epsilon: fuzz factor; None means ``K.epsilon()``.
        decay: float >= 0, learning-rate decay per update.
    """

    def __init__(self, lr=0.001, rho=0.9, epsilon=None, decay=0., **kwargs):
        super().__init__(**kwargs)
        _check_non_negative("RMSprop", rho=rho)
        self._init_common(lr, decay, epsilon)
        self.rho = K.variable(rho, name="rho")

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        accumulators = self._slots(params)
        self.weights = accumulators
        self.updates = [K.update_add(self.iterations, 1)]
        lr = self._decayed_lr()
        for p, g, a in zip(params, grads, accumulators):
            new_a = self.rho * a + (1. - self.rho) * K.square(g)
            self.updates.append(K.update(a, new_a))
            new_p = p - lr * g / (K.sqrt(new_a) + self.epsilon)
            self.updates.append(K.update(p, self._constrained(p, new_p)))
        return self.updates

    def get_config(self):
        return {**super().get_config(), **self._config("lr", "rho", "decay", "epsilon")}


class Adagrad(Optimizer):
    """Adagrad: per-parameter learning rates shrinking with the sum of squared gradients.

    ``a += g**2``; ``p -= lr * g / (sqrt(a) + epsilon)``.

    Args:
        lr: float >= 0, initial learning rate.
        epsilon: fuzz factor; None means ``K.epsilon()``.
        decay: float >= 0, learning-rate decay per update.
    """

    def __init__(self, lr=0.01, epsilon=None, decay=0., **kwargs):
        super().__init__(**kwargs)
        self._init_common(lr, decay, epsilon)

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        accumulators = self._slots(params)
        self.weights = accumulators
        self.updates = [K.update_add(self.iterations, 1)]
        lr = self._decayed_lr()
        for p, g, a in zip(params, grads, accumulators):
            new_a = a + K.square(g)
            self.updates.append(K.update(a, new_a))
            new_p = p - lr * g / (K.sqrt(new_a) + self.epsilon)
            self.updates.append(K.update(p, self._constrained(p, new_p)))
        return self.updates

    def get_config(self):
        return {**super().get_config(), **self._config("lr", "decay", "epsilon")}


class Adadelta(Optimizer):
    """Adadelta: steps scaled by running averages of squared gradients and squared updates.

    ``a = rho * a + (1 - rho) * g**2``;
    ``u = g * sqrt(d + epsilon) / sqrt(a + epsilon)``; ``p -= lr * u``;
    ``d = rho * d + (1 - rho) * u**2``.

    Args:
        lr: float >= 0, initial learning rate (1.0 as in the paper).
        rho: float >= 0, decay of the running averages.
        epsilon: fuzz factor; None means ``K.epsilon()``.
        decay: float >= 0, learning-rate decay per update.
    """

    def __init__(self, lr=1.0, rho=0.95, epsilon=None, decay=0., **kwargs):
        super().__init__(**kwargs)
        _check_non_negative("Adadelta", rho=rho)
        self._init_common(lr, decay, epsilon)
        self.rho = rho

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        accumulators = self._slots(params)
        delta_accumulators = self._slots(params)
        self.weights = accumulators + delta_accumulators
        self.updates = [K.update_add(self.iterations, 1)]
        lr = self._decayed_lr()
        for p, g, a, d_a in zip(params, grads, accumulators, delta_accumulators):
            new_a = self.rho * a + (1. - self.rho) * K.square(g)
            self.updates.append(K.update(a, new_a))
            update = g * K.sqrt(d_a + self.epsilon) / K.sqrt(new_a + self.epsilon)
            new_p = p - lr * update
            self.updates.append(K.update(p, self._constrained(p, new_p)))
            new_d_a = self.rho * d_a + (1 - self.rho) * K.square(update)
            self.updates.append(K.update(d_a, new_d_a))
        return self.updates

    def get_config(self):
        return {**super().get_config(), **self._config("lr", "rho", "decay", "epsilon")}


class Adam(Optimizer):
    """Adam, optionally with the AMSGrad variant.

    With ``t`` the 1-based step: ``m = b1 * m + (1 - b1) * g``,
    ``v = b2 * v + (1 - b2) * g**2``,
    ``p -= lr * sqrt(1 - b2**t) / (1 - b1**t) * m / (sqrt(v) + epsilon)``
    (AMSGrad: ``vhat = max(vhat, v)`` replaces ``v`` in the step).

    Args:
        lr: float >= 0, learning rate.
        beta_1, beta_2: floats in (0, 1), decay of the moment estimates.
        epsilon: fuzz factor; None means ``K.epsilon()``.
        decay: float >= 0, learning-rate decay per update.
        amsgrad: whether to use AMSGrad.
    """

    def __init__(self, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.,
                 amsgrad=False, **kwargs):
        super().__init__(**kwargs)
        _check_betas("Adam", beta_1, beta_2)
        self._init_common(lr, decay, epsilon)
        self.beta_1 = K.variable(beta_1, name="beta_1")
        self.beta_2 = K.variable(beta_2, name="beta_2")
        self.amsgrad = amsgrad

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        lr = self._decayed_lr()
        t = K.cast(self.iterations, K.floatx()) + 1
        lr_t = lr * (K.sqrt(1. - K.pow(self.beta_2, t)) / (1. - K.pow(self.beta_1, t)))
        ms = self._slots(params)
        vs = self._slots(params)
        vhats = self._slots(params) if self.amsgrad else [K.zeros(1) for _ in params]
        self.weights = [self.iterations] + ms + vs + vhats
        for p, g, m, v, vhat in zip(params, grads, ms, vs, vhats):
            m_t = (self.beta_1 * m) + (1. - self.beta_1) * g
            v_t = (self.beta_2 * v) + (1. - self.beta_2) * K.square(g)
            if self.amsgrad:
                vhat_t = K.maximum(vhat, v_t)
                p_t = p - lr_t * m_t / (K.sqrt(vhat_t) + self.epsilon)
                self.updates.append(K.update(vhat, vhat_t))
            else:
                p_t = p - lr_t * m_t / (K.sqrt(v_t) + self.epsilon)
            self.updates.append(K.update(m, m_t))
            self.updates.append(K.update(v, v_t))
            self.updates.append(K.update(p, self._constrained(p, p_t)))
        return self.updates

    def get_config(self):
        return {**super().get_config(),
                **self._config("lr", "beta_1", "beta_2", "decay", "epsilon", "amsgrad")}


class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm.

    ``m = b1 * m + (1 - b1) * g``; ``u = max(b2 * u, |g|)``;
    ``p -= lr / (1 - b1**t) * m / (u + epsilon)``.

    Args:
        lr: float >= 0, learning rate.
        beta_1, beta_2: floats in (0, 1).
        epsilon: fuzz factor; None means ``K.epsilon()``.
        decay: float >= 0, learning-rate decay per update.
    """

    def __init__(self, lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0., **kwargs):
        super().__init__(**kwargs)
        _check_betas("Adamax", beta_1, beta_2)
        self._init_common(lr, decay, epsilon)
        self.beta_1 = K.variable(beta_1, name="beta_1")
        self.beta_2 = K.variable(beta_2, name="beta_2")

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        lr = self._decayed_lr()
        t = K.cast(self.iterations, K.floatx()) + 1
        lr_t = lr / (1. - K.pow(self.beta_1, t))
        ms = self._slots(params)
        us = self._slots(params)  # exponentially weighted infinity norms
        self.weights = [self.iterations] + ms + us
        for p, g, m, u in zip(params, grads, ms, us):
            m_t = (self.beta_1 * m) + (1. - self.beta_1) * g
            u_t = K.maximum(self.beta_2 * u, K.abs(g))
            p_t = p - lr_t * m_t / (u_t + self.epsilon)
            self.updates.append(K.update(m, m_t))
            self.updates.append(K.update(u, u_t))
            self.updates.append(K.update(p, self._constrained(p, p_t)))
        return self.updates

    def get_config(self):
        return {**super().get_config(),
                **self._config("lr", "beta_1", "beta_2", "decay", "epsilon")}


class Nadam(Optimizer):
    """Nesterov Adam, with the momentum schedule of Dozat (2015).

    ``mu_t = b1 * (1 - 0.5 * 0.96 ** (t * schedule_decay))``; the product of
    the ``mu`` so far (``m_schedule``) is kept as optimizer state.

    Args:
        lr: float >= 0, learning rate.
        beta_1, beta_2: floats in (0, 1).
        epsilon: fuzz factor; None means ``K.epsilon()``.
        schedule_decay: float >= 0.
    """

    def __init__(self, lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=None, schedule_decay=0.004,
                 **kwargs):
        super().__init__(**kwargs)
        _check_betas("Nadam", beta_1, beta_2)
        _check_non_negative("Nadam", schedule_decay=schedule_decay)
        self._init_common(lr, 0., epsilon)
        self.m_schedule = K.variable(1., name="m_schedule")
        self.beta_1 = K.variable(beta_1, name="beta_1")
        self.beta_2 = K.variable(beta_2, name="beta_2")
        self.schedule_decay = schedule_decay

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        t = K.cast(self.iterations, K.floatx()) + 1
        momentum_cache_t = self.beta_1 * (1. - 0.5 * (K.pow(0.96, t * self.schedule_decay)))
        momentum_cache_t_1 = self.beta_1 * (1. - 0.5 * (K.pow(0.96, (t + 1) * self.schedule_decay)))
        m_schedule_new = self.m_schedule * momentum_cache_t
        m_schedule_next = self.m_schedule * momentum_cache_t * momentum_cache_t_1
        self.updates.append(K.update(self.m_schedule, m_schedule_new))
        ms = self._slots(params)
        vs = self._slots(params)
        self.weights = [self.iterations] + ms + vs
        for p, g, m, v in zip(params, grads, ms, vs):
            g_prime = g / (1. - m_schedule_new)
            m_t = self.beta_1 * m + (1. - self.beta_1) * g
            m_t_prime = m_t / (1. - m_schedule_next)
            v_t = self.beta_2 * v + (1. - self.beta_2) * K.square(g)
            v_t_prime = v_t / (1. - K.pow(self.beta_2, t))
            m_t_bar = (1. - momentum_cache_t) * g_prime + momentum_cache_t_1 * m_t_prime
            self.updates.append(K.update(m, m_t))
            self.updates.append(K.update(v, v_t))
            p_t = p - self.lr * m_t_bar / (K.sqrt(v_t_prime) + self.epsilon)
            self.updates.append(K.update(p, self._constrained(p, p_t)))
        return self.updates

    def get_config(self):
        return {**super().get_config(),
                **self._config("lr", "beta_1", "beta_2", "epsilon", "schedule_decay")}


def _check_betas(owner, beta_1, beta_2):
    for name, value in (("beta_1", beta_1), ("beta_2", beta_2)):
        if isinstance(value, bool) or not isinstance(value,
                                                     (int, float, np.number)) or not 0 <= value < 1:
            raise ValueError(f"{owner}: Expected a number in [0, 1) for {name}. Received: "
                             f"{name}={value!r}")


# Keras 2.2 aliases.
sgd = SGD
rmsprop = RMSprop
adagrad = Adagrad
adadelta = Adadelta
adam = Adam
adamax = Adamax
nadam = Nadam

_CLASSES = {"sgd": SGD, "rmsprop": RMSprop, "adagrad": Adagrad, "adadelta": Adadelta,
            "adam": Adam, "adamax": Adamax, "nadam": Nadam}


def serialize(optimizer):
    """``{"class_name", "config"}`` of an optimizer."""
    return serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None):
    """The optimizer of a ``{"class_name", "config"}`` dict; built-in class names match
    case-insensitively.

    Raises:
        ValueError: an unknown class name (the message lists the known ones).
    """
    if isinstance(config, dict) and isinstance(config.get("class_name"), str) \
            and config["class_name"].lower() in _CLASSES:
        config = dict(config, class_name=config["class_name"].lower())
    return deserialize_keras_object(config, module_objects=_CLASSES, custom_objects=custom_objects,
                                    printable_module_name="optimizer")


def get(identifier):
    """An optimizer from a name (``"rmsprop"``, any case), a config dict, or an Optimizer.

    Names give the optimizer with its default arguments.

    Raises:
        ValueError: an unknown name or an identifier of another kind
            (``"Expected one of {...}. Received: optimizer=..."``).
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    raise ValueError(f"optimizers.get: Expected one of {set(_CLASSES)}, a config dict or an "
                     f"Optimizer instance. Received: optimizer={identifier!r}")
