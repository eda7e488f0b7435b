"""Optimizers: each update against a hand-computed float64 NumPy step, on every backend.

A quadratic loss with a known gradient is minimized for a few steps with
``K.function([], [loss], updates=optimizer.get_updates(loss, params))``;
the reference applies the optimizer's published update rule by hand.
"""

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import constraints, optimizers

EPS = 1e-7
STEPS = 3


def _problem(rng):
    """Parameters, target and curvature; loss = sum(c * (w - t)**2) + 0.5 * sum(b**2)."""
    return {"w": rng.normal(size=(3, 2)), "b": rng.normal(size=(2,)),
            "t": rng.normal(size=(3, 2)), "c": rng.uniform(0.5, 2.0, size=(3, 2))}


def _gradients(params, p):
    w, b = params
    return [2 * p["c"] * (w - p["t"]), b]


def _run(optimizer, p, steps=STEPS, constraint=None):
    """Run ``steps`` training steps on the backend; return the parameter values after each."""
    w = K.variable(p["w"], constraint=constraint)
    b = K.variable(p["b"])
    loss = K.sum(K.square(w - K.constant(p["t"])) * K.constant(p["c"])) + 0.5 * K.sum(K.square(b))
    step = K.function([], [loss], updates=optimizer.get_updates(loss, [w, b]))
    history = []
    for _ in range(steps):
        step([])
        history.append([K.get_value(w), K.get_value(b)])
    return history


# -- float64 references: (params, grads, state, t) -> new params, one function per optimizer ------

def _ref_sgd(lr=0.01, momentum=0.0, decay=0.0, nesterov=False):
    def step(params, grads, state, t):
        lr_t = lr / (1 + decay * (t - 1))
        vs = state.setdefault("v", [np.zeros_like(x) for x in params])
        out = []
        for i, (x, g) in enumerate(zip(params, grads)):
            vs[i] = momentum * vs[i] - lr_t * g
            out.append(x + momentum * vs[i] - lr_t * g if nesterov else x + vs[i])
        return out
    return step


def _ref_rmsprop(lr=0.001, rho=0.9, decay=0.0):
    def step(params, grads, state, t):
        lr_t = lr / (1 + decay * (t - 1))
        acc = state.setdefault("a", [np.zeros_like(x) for x in params])
        out = []
        for i, (x, g) in enumerate(zip(params, grads)):
            acc[i] = rho * acc[i] + (1 - rho) * g ** 2
            out.append(x - lr_t * g / (np.sqrt(acc[i]) + EPS))
        return out
    return step


def _ref_adagrad(lr=0.01):
    def step(params, grads, state, t):
        acc = state.setdefault("a", [np.zeros_like(x) for x in params])
        out = []
        for i, (x, g) in enumerate(zip(params, grads)):
            acc[i] = acc[i] + g ** 2
            out.append(x - lr * g / (np.sqrt(acc[i]) + EPS))
        return out
    return step


def _ref_adadelta(lr=1.0, rho=0.95):
    def step(params, grads, state, t):
        acc = state.setdefault("a", [np.zeros_like(x) for x in params])
        delta = state.setdefault("d", [np.zeros_like(x) for x in params])
        out = []
        for i, (x, g) in enumerate(zip(params, grads)):
            acc[i] = rho * acc[i] + (1 - rho) * g ** 2
            update = g * np.sqrt(delta[i] + EPS) / np.sqrt(acc[i] + EPS)
            out.append(x - lr * update)
            delta[i] = rho * delta[i] + (1 - rho) * update ** 2
        return out
    return step


def _ref_adam(lr=0.001, beta_1=0.9, beta_2=0.999, amsgrad=False):
    def step(params, grads, state, t):
        ms = state.setdefault("m", [np.zeros_like(x) for x in params])
        vs = state.setdefault("v", [np.zeros_like(x) for x in params])
        vhats = state.setdefault("vhat", [np.zeros_like(x) for x in params])
        lr_t = lr * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        out = []
        for i, (x, g) in enumerate(zip(params, grads)):
            ms[i] = beta_1 * ms[i] + (1 - beta_1) * g
            vs[i] = beta_2 * vs[i] + (1 - beta_2) * g ** 2
            vhats[i] = np.maximum(vhats[i], vs[i])
            denominator = np.sqrt(vhats[i] if amsgrad else vs[i]) + EPS
            out.append(x - lr_t * ms[i] / denominator)
        return out
    return step


def _ref_adamax(lr=0.002, beta_1=0.9, beta_2=0.999):
    def step(params, grads, state, t):
        ms = state.setdefault("m", [np.zeros_like(x) for x in params])
        us = state.setdefault("u", [np.zeros_like(x) for x in params])
        lr_t = lr / (1 - beta_1 ** t)
        out = []
        for i, (x, g) in enumerate(zip(params, grads)):
            ms[i] = beta_1 * ms[i] + (1 - beta_1) * g
            us[i] = np.maximum(beta_2 * us[i], np.abs(g))
            out.append(x - lr_t * ms[i] / (us[i] + EPS))
        return out
    return step


def _ref_nadam(lr=0.002, beta_1=0.9, beta_2=0.999, schedule_decay=0.004):
    def step(params, grads, state, t):
        ms = state.setdefault("m", [np.zeros_like(x) for x in params])
        vs = state.setdefault("v", [np.zeros_like(x) for x in params])
        mu_t = beta_1 * (1 - 0.5 * 0.96 ** (t * schedule_decay))
        mu_next = beta_1 * (1 - 0.5 * 0.96 ** ((t + 1) * schedule_decay))
        schedule = state.get("schedule", 1.0) * mu_t
        state["schedule"] = schedule
        schedule_next = schedule * mu_next
        out = []
        for i, (x, g) in enumerate(zip(params, grads)):
            ms[i] = beta_1 * ms[i] + (1 - beta_1) * g
            vs[i] = beta_2 * vs[i] + (1 - beta_2) * g ** 2
            m_bar = (1 - mu_t) * g / (1 - schedule) + mu_next * ms[i] / (1 - schedule_next)
            v_hat = vs[i] / (1 - beta_2 ** t)
            out.append(x - lr * m_bar / (np.sqrt(v_hat) + EPS))
        return out
    return step


def _reference(step, p, steps=STEPS, clip=None):
    params, state, history = [p["w"].copy(), p["b"].copy()], {}, []
    for t in range(1, steps + 1):
        grads = _gradients(params, p)
        if clip is not None:
            grads = clip(grads)
        params = step(params, grads, state, t)
        history.append([x.copy() for x in params])
    return history


CASES = {
    "sgd": (lambda: optimizers.SGD(lr=0.1), _ref_sgd(lr=0.1)),
    "sgd_momentum_decay": (lambda: optimizers.SGD(lr=0.1, momentum=0.9, decay=0.5),
                           _ref_sgd(lr=0.1, momentum=0.9, decay=0.5)),
    "sgd_nesterov": (lambda: optimizers.SGD(lr=0.05, momentum=0.8, nesterov=True),
                     _ref_sgd(lr=0.05, momentum=0.8, nesterov=True)),
    "rmsprop": (lambda: optimizers.RMSprop(lr=0.01), _ref_rmsprop(lr=0.01)),
    "rmsprop_decay": (lambda: optimizers.RMSprop(lr=0.01, rho=0.8, decay=0.1),
                      _ref_rmsprop(lr=0.01, rho=0.8, decay=0.1)),
    "adagrad": (lambda: optimizers.Adagrad(lr=0.1), _ref_adagrad(lr=0.1)),
    "adadelta": (lambda: optimizers.Adadelta(), _ref_adadelta()),
    "adam": (lambda: optimizers.Adam(lr=0.01), _ref_adam(lr=0.01)),
    "adam_amsgrad": (lambda: optimizers.Adam(lr=0.01, beta_1=0.5, amsgrad=True),
                     _ref_adam(lr=0.01, beta_1=0.5, amsgrad=True)),
    "adamax": (lambda: optimizers.Adamax(lr=0.01), _ref_adamax(lr=0.01)),
    "nadam": (lambda: optimizers.Nadam(lr=0.01), _ref_nadam(lr=0.01)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_update_matches_hand_computed_steps(backend, name, rng):
    make, reference_step = CASES[name]
    p = _problem(rng)
    optimizer = make()
    got = _run(optimizer, p)
    want = _reference(reference_step, p)
    for t, (got_t, want_t) in enumerate(zip(got, want), start=1):
        for g, w in zip(got_t, want_t):
            np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6, err_msg=f"{name} step {t}")
    assert int(K.get_value(optimizer.iterations)) == STEPS


def test_clipnorm_rescales_all_gradients_together(backend, rng):
    p = _problem(rng)

    def clip(grads):
        norm = np.sqrt(sum((g ** 2).sum() for g in grads))
        return [g * 0.5 / norm if norm >= 0.5 else g for g in grads]

    got = _run(optimizers.SGD(lr=0.1, clipnorm=0.5), p)
    want = _reference(_ref_sgd(lr=0.1), p, clip=clip)
    for got_t, want_t in zip(got, want):
        for g, w in zip(got_t, want_t):
            np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6)


def test_clipvalue_clips_each_gradient_element(backend, rng):
    p = _problem(rng)
    got = _run(optimizers.Adam(lr=0.01, clipvalue=0.3), p)
    want = _reference(_ref_adam(lr=0.01), p,
                      clip=lambda grads: [np.clip(g, -0.3, 0.3) for g in grads])
    for got_t, want_t in zip(got, want):
        for g, w in zip(got_t, want_t):
            np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6)


def test_constraints_are_applied_after_the_update(backend, rng):
    p = _problem(rng)
    p["w"] = np.abs(p["w"])
    p["t"] = -np.abs(p["t"]) - 1.0  # the unconstrained optimum is negative
    got = _run(optimizers.SGD(lr=0.3), p, constraint=constraints.NonNeg())
    assert (got[-1][0] >= 0).all() and (got[-1][0] == 0).any()


def test_changing_lr_takes_effect_without_recompiling(backend):
    optimizer = optimizers.SGD(lr=0.1)
    w = K.variable(np.array([1.0]))
    loss = K.sum(K.square(w))  # gradient 2w
    step = K.function([], [loss], updates=optimizer.get_updates(loss, [w]))
    step([])
    np.testing.assert_allclose(K.get_value(w), [0.8], rtol=1e-6)
    K.set_value(optimizer.lr, 0.25)
    step([])
    np.testing.assert_allclose(K.get_value(w), [0.4], rtol=1e-6)
    assert K.get_value(optimizer.lr) == pytest.approx(0.25)


def test_float64_parameters_keep_their_dtype(backend):
    optimizer = optimizers.Adam()
    w = K.variable(np.array([1.0, -2.0]), dtype="float64")
    loss = K.sum(K.square(w))
    step = K.function([], [loss], updates=optimizer.get_updates(loss, [w]))
    step([])
    assert K.dtype(w) == "float64" and K.get_value(w).dtype == np.float64
    assert all(K.dtype(s) == "float64" for s in optimizer.weights[1:3])


def test_weights_get_set(backend, rng):
    p = _problem(rng)
    first = optimizers.Adam(lr=0.01)
    _run(first, p, steps=2)
    state = first.get_weights()
    assert len(state) == 1 + 3 * 2 and int(state[0]) == 2
    second = optimizers.Adam(lr=0.01)
    w, b = K.variable(p["w"]), K.variable(p["b"])
    loss = K.sum(K.square(w)) + K.sum(K.square(b))
    second.get_updates(loss, [w, b])
    second.set_weights(state)
    for got, want in zip(second.get_weights(), state):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError,
                       match="Adam.set_weights: Expected a list of 7 arrays.*Received: 2"):
        second.set_weights(state[:2])
    bad = list(state)
    bad[1] = np.zeros((4, 4))
    with pytest.raises(ValueError,
                       match=r"Adam.set_weights: Expected an array of shape \(3, 2\).*Received: "
                             r"shape \(4, 4\)"):
        second.set_weights(bad)


@pytest.mark.parametrize("cls, kwargs", [
    (optimizers.SGD, {"lr": 0.5, "momentum": 0.3, "decay": 0.01, "nesterov": True}),
    (optimizers.RMSprop, {"lr": 0.002, "rho": 0.8, "epsilon": 1e-6, "decay": 0.1}),
    (optimizers.Adagrad, {"lr": 0.02, "epsilon": 1e-5, "decay": 0.0}),
    (optimizers.Adadelta, {"lr": 0.5, "rho": 0.9, "epsilon": 1e-6, "decay": 0.0}),
    (optimizers.Adam,
     {"lr": 0.003, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-6, "decay": 0.0, "amsgrad": True}),
    (optimizers.Adamax,
     {"lr": 0.003, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-6, "decay": 0.0}),
    (optimizers.Nadam,
     {"lr": 0.003, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-6, "schedule_decay": 0.01}),
])
def test_config_round_trip(backend, cls, kwargs):
    optimizer = cls(clipnorm=1.5, **kwargs)
    config = optimizer.get_config()
    assert config["clipnorm"] == 1.5
    for key, value in kwargs.items():
        assert config[key] == pytest.approx(value), key
    clone = optimizers.deserialize(optimizers.serialize(optimizer))
    assert type(clone) is cls and clone.get_config() == config
    assert type(cls.from_config(config)) is cls


def test_get_accepts_names_dicts_and_instances():
    assert isinstance(optimizers.get("rmsprop"), optimizers.RMSprop)
    assert isinstance(optimizers.get("Adam"), optimizers.Adam)
    assert isinstance(optimizers.get({"class_name": "SGD", "config": {"lr": 0.3}}), optimizers.SGD)
    instance = optimizers.Nadam()
    assert optimizers.get(instance) is instance
    assert optimizers.sgd is optimizers.SGD and optimizers.adam is optimizers.Adam


def test_bad_input_errors():
    with pytest.raises(ValueError) as info:
        optimizers.get("adamw")
    assert "Expected one of" in str(info.value) and "'rmsprop'" in str(info.value)
    assert "Received: optimizer='adamw'" in str(info.value)
    with pytest.raises(ValueError,
                       match="optimizers.get: Expected one of .*Received: optimizer=0.1"):
        optimizers.get(0.1)
    with pytest.raises(TypeError,
                       match="SGD: Unexpected keyword argument passed to optimizer: "
                             "'learning_rat'"):
        optimizers.SGD(learning_rat=0.1)
    with pytest.raises(ValueError, match="SGD: Expected a number >= 0 for lr. Received: lr=-0.1"):
        optimizers.SGD(lr=-0.1)
    with pytest.raises(ValueError,
                       match="Adam: Expected a number in \\[0, 1\\) for beta_1. Received: "
                             "beta_1=1.0"):
        optimizers.Adam(beta_1=1.0)
    with pytest.raises(ValueError, match="RMSprop: Expected a number >= 0 for clipnorm"):
        optimizers.RMSprop(clipnorm=-1)
