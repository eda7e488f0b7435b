"""Compiled functions: no retracing on JAX, flat memory on PyTorch, the forward pass computed
once."""

import contextlib
import gc
import io
import os
import tracemalloc

import numpy as np
import pytest


def _training_function(b, rng, features=4, hidden=8):
    """A dense model's training step: loss and gradients as outputs, SGD updates."""
    x = b.placeholder(shape=(None, features), dtype="float32", name="x")
    y = b.placeholder(shape=(None, 1), dtype="float32", name="y")
    w = b.variable(rng.standard_normal((features, hidden)).astype("float32") * 0.1, dtype="float32")
    c = b.variable(np.zeros(hidden, "float32"), dtype="float32")
    v = b.variable(rng.standard_normal((hidden, 1)).astype("float32") * 0.1, dtype="float32")
    h = b.relu(b.dot(x, w) + c)
    loss = b.mean(b.square(b.dot(h, v) - y))
    grads = b.gradients(loss, [w, c, v])
    updates = [b.update_sub(p, 0.01 * g) for p, g in zip([w, c, v], grads)]
    return b.function([x, y], [loss] + grads, updates=updates), (w, c, v)


def _flush(b):
    if b.backend() == "jax":
        import jax
        jax.effects_barrier()


@pytest.mark.parametrize("backend", ["jax"], indirect=True)
def test_jax_does_not_retrace(backend, rng):
    f, _ = _training_function(backend, rng)
    xs = rng.standard_normal((16, 4)).astype("float32")
    ys = rng.standard_normal((16, 1)).astype("float32")
    f([xs, ys])
    assert f.trace_count == 1
    for _ in range(20):
        f([xs, ys])
    f({"x": xs * 2, "y": ys})                       # new values, same shapes: no retrace
    f([xs.astype("float64"), ys])                  # cast to the placeholder's dtype first
    assert f.trace_count == 1, f"retraced {f.trace_count - 1} times for the same shapes"
    f([xs[:5], ys[:5]])                            # a new batch size traces once more
    f([xs[:5], ys[:5]])
    assert f.trace_count == 2, f.trace_count
    phase = backend.learning_phase()
    g = backend.function([phase],
                         [backend.in_train_phase(backend.constant(1.0), backend.constant(0.0))])
    assert g([1])[0] == 1.0 and g([0])[0] == 0.0 and g([1])[0] == 1.0 and g([0])[0] == 0.0
    # The phase is static (the branch not taken is compiled away): one trace per phase value.
    assert g.trace_count == 2, g.trace_count


def _torch_tensor_count():
    import torch
    gc.collect()
    return sum(1 for o in gc.get_objects() if issubclass(type(o), torch.Tensor))


def _rss_bytes():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None


@pytest.mark.parametrize("backend", ["torch"], indirect=True)
def test_torch_memory_stays_flat(backend, rng):
    """Live tensors, Python allocations and the resident size between call 100 and call 1000.

    The activations of one call take about 1 MB, so keeping each call's autograd
    graph (memory tracemalloc and gc cannot see) would add about 1 GB.
    """
    f, params = _training_function(backend, rng, features=64, hidden=512)
    xs = rng.standard_normal((256, 64)).astype("float32")
    ys = rng.standard_normal((256, 1)).astype("float32")
    first_loss = f([xs, ys])[0]
    for _ in range(99):
        f([xs, ys])
    tensors_before = _torch_tensor_count()
    rss_before = _rss_bytes()
    tracemalloc.start()
    try:
        snapshot = tracemalloc.take_snapshot()
        for _ in range(900):
            out = f([xs, ys])
        gc.collect()
        growth = sum(s.size_diff
                     for s in tracemalloc.take_snapshot().compare_to(snapshot, "filename"))
    finally:
        tracemalloc.stop()
    tensors_after = _torch_tensor_count()
    rss_after = _rss_bytes()
    if rss_before is not None:
        assert rss_after - rss_before < 64 * 2 ** 20, \
            f"resident memory grew by {(rss_after - rss_before) / 2 ** 20:.0f} MB over 900 calls"
    assert tensors_after <= tensors_before + 10, \
        f"live torch tensors grew from {tensors_before} to {tensors_after} over 900 calls"
    assert growth < 256 * 1024, f"Python allocations grew by {growth} bytes over 900 calls"
    assert out[0] < first_loss, "the updates train the model"
    for p in params:
        assert np.isfinite(backend.get_value(p)).all()


def test_forward_pass_computed_once(backend, rng):
    """print_tensor on the loss path prints once per call with loss and gradients as outputs."""
    b = backend
    x = b.placeholder(shape=(None, 3), dtype="float32")
    w = b.variable(rng.standard_normal((3, 2)).astype("float32"), dtype="float32")
    h = b.print_tensor(b.dot(x, w), message="FORWARD ")
    loss = b.sum(b.square(h))
    (g,) = b.gradients(loss, [w])
    f = b.function([x], [loss, g], updates=[b.update_sub(w, 0.001 * g)])
    xs = rng.standard_normal((4, 3)).astype("float32")
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        for _ in range(3):
            f([xs])
        _flush(b)
    assert buffer.getvalue().count("FORWARD ") == 3, buffer.getvalue()
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        b.function([x], [g])([xs])                  # gradients alone still run the forward once
        _flush(b)
    assert buffer.getvalue().count("FORWARD ") == 1, buffer.getvalue()


@pytest.mark.parametrize("backend", ["numpy", "torch"], indirect=True)
def test_compiled_updates_match_eager_bit_for_bit(backend, rng):
    """An RMSprop step compiled with its updates (results written into dead temporaries and
    into the variables it replaces, ``p - c * g / d`` as one ``addcdiv`` on PyTorch) gives
    exactly the values of the same formula run eagerly, call after call."""
    b = backend
    x = b.placeholder(shape=(None, 5), dtype="float32")
    w = b.variable(rng.standard_normal((5, 3)).astype("float32"), dtype="float32")
    a = b.variable(rng.uniform(0.0, 1.0, (5, 3)).astype("float32"), dtype="float32")
    loss = b.mean(b.square(b.dot(x, w)))
    (g,) = b.gradients(loss, [w])
    new_a = 0.9 * a + (1.0 - 0.9) * b.square(g)
    f = b.function([x], [g], updates=[(a, new_a), (w, w - 0.01 * g / (b.sqrt(new_a) + 1e-7))])
    xs = rng.standard_normal((8, 5)).astype("float32")
    for call in range(3):
        w_before, a_before = b.constant(b.get_value(w)), b.constant(b.get_value(a))
        grad = b.constant(f([xs])[0])
        expected_a = 0.9 * a_before + (1.0 - 0.9) * b.square(grad)
        expected_w = w_before - 0.01 * grad / (b.sqrt(expected_a) + 1e-7)
        np.testing.assert_array_equal(b.get_value(a), b.eval(expected_a), err_msg=f"a, call {call}")
        np.testing.assert_array_equal(b.get_value(w), b.eval(expected_w), err_msg=f"w, call {call}")


def test_dropout_gradient_follows_the_mask_where_x_is_zero(backend, rng):
    """The gradient of dropout is the kept mask times 1 / (1 - level), also where x is 0
    (its result is 0 there either way, so the mask must come from the draw itself)."""
    b = backend
    x = b.placeholder(shape=(40, 50), dtype="float32")
    w = b.variable(np.zeros((40, 50), "float32"), dtype="float32")
    (g,) = b.gradients(b.sum(b.dropout(x + w, 0.5) * 3.0), [w])
    grad = b.function([x], [g])([np.zeros((40, 50), "float32")])[0]
    assert set(np.unique(grad)) <= {0.0, 6.0}, np.unique(grad)
    kept = (grad == 6.0).mean()
    assert 0.4 < kept < 0.6, f"{kept:.2f} of the entries kept at level 0.5"
