"""rnn / map_fn / foldl / foldr whose function reads variables from outside (as every Keras
cell does): eager calls, training steps, and the NumPy reverse scan's planning and tapes."""

import numpy as np
import pytest


def _reference_rnn(x, h0, kernel, recurrent):
    h, outputs = h0, []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ kernel + h @ recurrent)
        outputs.append(h)
    return np.stack(outputs, axis=1)


def _cell(b, kernel, recurrent):
    def step(x_t, states):
        h = b.tanh(b.dot(x_t, kernel) + b.dot(states[0], recurrent))
        return h, [h]
    return step


def test_eager_rnn_over_a_variable_records_the_op(backend, rng):
    """On JAX this raised TracerArrayConversionError (the step was traced inside lax.scan)."""
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    h0 = rng.standard_normal((2, 5)).astype("float32")
    kernel, recurrent = (rng.standard_normal(s).astype("float32") * 0.5 for s in ((4, 5), (5, 5)))
    k, r = backend.variable(kernel), backend.variable(recurrent)
    _, outputs, _ = backend.rnn(_cell(backend, k, r), x, [h0])
    assert backend.int_shape(outputs) == (2, 3, 5)
    np.testing.assert_allclose(backend.eval(outputs), _reference_rnn(x, h0, kernel, recurrent),
                               rtol=1e-5, atol=1e-5)


def test_eager_rnn_whose_step_maps_over_a_variable(backend, rng):
    """A nested eager op reading a variable makes the outermost one record."""
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    w = rng.standard_normal(4).astype("float32")
    v = backend.variable(w)

    def step(x_t, states):
        h = backend.map_fn(lambda row: backend.tanh(row * v), x_t + states[0])
        return h, [h]
    last, _, _ = backend.rnn(step, x, [np.zeros((2, 4), "float32")])
    h = np.zeros((2, 4))
    for t in range(3):
        h = np.tanh((x[:, t] + h) * w)
    np.testing.assert_allclose(backend.eval(last), h, rtol=1e-5, atol=1e-5)


def test_training_step_moves_the_weights_a_step_reads(backend, rng):
    """The issue's symptom: on NumPy the weights a step function closes over got a zero
    gradient, so an RNN "trained" with frozen weights. One SGD step must move them as the
    float64 finite-difference gradient says."""
    x = rng.standard_normal((3, 4, 2))
    h0 = np.zeros((3, 3))
    kernel, recurrent = rng.standard_normal((2, 3)) * 0.5, rng.standard_normal((3, 3)) * 0.5
    target = rng.standard_normal((3, 4, 3))
    k, r = backend.variable(kernel, dtype="float64"), backend.variable(recurrent, dtype="float64")
    inputs = backend.placeholder(shape=(None, 4, 2), dtype="float64")
    initial = [backend.constant(h0, dtype="float64")]
    _, outputs, _ = backend.rnn(_cell(backend, k, r), inputs, initial)
    loss = backend.sum(backend.square(outputs - backend.constant(target, dtype="float64")))
    grads = backend.gradients(loss, [k, r])
    updates = [(p, p - 0.1 * g) for p, g in zip([k, r], grads)]
    step = backend.function([inputs], [loss], updates=updates)
    step([x])

    def loss_of(kern, rec):
        return np.sum((_reference_rnn(x, h0, kern, rec) - target) ** 2)
    eps = 1e-6
    for var, value, which in ((k, kernel, 0), (r, recurrent, 1)):
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            up, down = value.copy(), value.copy()
            up[index] += eps
            down[index] -= eps
            args_up = (up, recurrent) if which == 0 else (kernel, up)
            args_down = (down, recurrent) if which == 0 else (kernel, down)
            numeric[index] = (loss_of(*args_up) - loss_of(*args_down)) / (2 * eps)
        assert np.abs(numeric).max() > 1e-3
        np.testing.assert_allclose(backend.get_value(var), value - 0.1 * numeric, rtol=1e-6,
                                   atol=1e-8)


@pytest.mark.parametrize("backend", ["numpy"], indirect=True)
def test_numpy_plans_the_reverse_scan_once(backend, rng, monkeypatch):
    """The traced step's reverse pass is planned when the function is compiled, not per step
    or per call; two gradients through the same taped ops read the same tapes."""
    from polykeras.backends.numpy import autodiff
    plans = []
    original = autodiff.SubgraphGradient.__init__

    def counting(self, *args):
        plans.append(1)
        original(self, *args)
    monkeypatch.setattr(autodiff.SubgraphGradient, "__init__", counting)
    x = backend.placeholder(shape=(2, 5, 3))
    k = backend.variable(rng.standard_normal((3, 4)).astype("float32"))
    r = backend.variable(rng.standard_normal((4, 4)).astype("float32"))
    w, u = (backend.variable(rng.standard_normal(shape)) for shape in ((3, 16), (4, 16)))
    h0 = backend.zeros((2, 4))
    _, generic, _ = backend.rnn(_cell(backend, k, r), x, [h0])
    _, fused, _ = backend.fused_lstm(x, w, u, None, [h0, h0])
    loss_a, loss_b = backend.sum(generic * fused), backend.sum(backend.square(generic + fused))
    both = backend.function([x], backend.gradients(loss_a, [k, w]) +
                            backend.gradients(loss_b, [k, w]))
    alone_a = backend.function([x], backend.gradients(loss_a, [k, w]))
    alone_b = backend.function([x], backend.gradients(loss_b, [k, w]))
    planned = len(plans)
    value = rng.standard_normal((2, 5, 3)).astype("float32")
    for _ in range(3):
        results = both([value])
    assert len(plans) == planned  # nothing planned per call or per step
    for got, want in zip(results, alone_a([value]) + alone_b([value])):
        np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.parametrize("backend", ["torch", "jax"], indirect=True)
def test_fused_cells_differentiate_eagerly_with_the_framework(backend, rng):
    """Called on framework arrays, fused_lstm/fused_gru are differentiable by the framework's
    own autodiff (PyTorch's fused kernel, JAX's scan), with the gradients K.gradients gives
    (on NumPy: one JAX compilation fewer)."""
    from polykeras.backend import for_backend
    numpy_backend = for_backend("numpy")
    arrays = [rng.standard_normal(s) for s in ((2, 3, 4), (4, 9), (3, 9), (2, 9), (2, 3))]
    x, kernel, recurrent, bias, h0 = arrays

    def loss(b, x, kernel, recurrent, bias, h0):
        _, outputs, [h] = b.fused_gru(x, kernel, recurrent, bias, [h0], reset_after=True)
        return b.sum(outputs * outputs) + b.sum(h)
    variables = [numpy_backend.variable(a, dtype="float64") for a in arrays]
    total = loss(numpy_backend, *variables)
    want = numpy_backend.function([], numpy_backend.gradients(total, variables))([])
    if backend.backend() == "torch":
        import torch
        leaves = [torch.tensor(a, requires_grad=True) for a in arrays]
        loss(backend, *leaves).backward()
        got = [t.grad.numpy() for t in leaves]
    else:
        import jax
        got = jax.grad(lambda *a: loss(backend, *a), argnums=tuple(range(5)))(*arrays)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), w, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("backend", ["numpy"], indirect=True)
def test_numpy_differentiates_a_step_with_a_learning_phase_switch(backend, rng):
    """A step with ``in_train_phase`` (a cell's dropout): the taped runs of the step must
    compute both branches (a lazily computed branch left the reverse pass without values)."""
    x, w = rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 4)) * 0.5
    v = backend.variable(w, dtype="float64")
    inputs = backend.placeholder((2, 3, 4), dtype="float64")

    def step(x_t, states):
        pre = backend.dot(x_t, v) + states[0]
        h = backend.in_train_phase(lambda: backend.tanh(pre) * 2.0, lambda: backend.tanh(pre))
        return h, [h]
    _, outputs, _ = backend.rnn(step, inputs, [backend.zeros((2, 4), dtype="float64")])
    f = backend.function([inputs, backend.learning_phase()],
                         backend.gradients(backend.sum(outputs * outputs), [v]))

    def loss(weights, scale):
        h, total = np.zeros((2, 4)), 0.0
        for t in range(3):
            h = np.tanh(x[:, t] @ weights + h) * scale
            total += np.sum(h * h)
        return total
    for phase, scale in ((1, 2.0), (0, 1.0)):
        numeric = np.zeros_like(w)
        for index in np.ndindex(w.shape):
            up, down = w.copy(), w.copy()
            up[index] += 1e-6
            down[index] -= 1e-6
            numeric[index] = (loss(up, scale) - loss(down, scale)) / 2e-6
        np.testing.assert_allclose(f([x, phase])[0], numeric, rtol=1e-6, atol=1e-8)


def test_rnn_step_drawing_random_numbers(backend):
    """A step with an unseeded draw (dropout inside the loop): fresh numbers per step and call."""
    K = backend
    x = K.placeholder(shape=(2, 4, 3))

    def step(x_t, states):
        noise = K.random_uniform(K.shape(x_t))  # a dropout mask is drawn like this
        return x_t * noise, [states[0]]
    _, outputs, _ = K.rnn(step, x, [K.zeros((2, 1))])
    f = K.function([x], [outputs])
    first, second = (f([np.ones((2, 4, 3), "float32")])[0] for _ in range(2))
    assert first.shape == (2, 4, 3) and np.all((0 <= first) & (first < 1))
    assert not np.allclose(first[:, 0], first[:, 1])  # each step draws anew
    assert not np.allclose(first, second)  # and each call
