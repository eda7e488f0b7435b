"""Fused LSTM speed: ``K.fused_lstm`` forward and backward against a hand-written LSTM training
computation in each backend's framework, measured in the same run.

    python benchmarks/fused_rnn.py [--json PATH] [--repeats N] [--backends numpy,torch,jax]
                                   [--threads N]

Shapes: batch 64, 40 steps, 32 features, 64 units, float32. Both sides compute
the loss ``sum(outputs * P)`` (``P`` a fixed random array) and its gradients
with respect to the kernel, the recurrent kernel and the bias, from inputs
given as NumPy arrays, and return NumPy arrays:

* polykeras: ``K.function([x], [loss] + K.gradients(loss, [W, U, b]))`` over
  ``K.fused_lstm`` with the weights in variables, the way a model's training
  step runs it;
* PyTorch: ``torch.nn.LSTM`` (cuDNN/oneDNN-style fused kernel) and
  ``torch.autograd.grad``;
* JAX: a ``jax.jit`` of ``jax.value_and_grad`` over a hand-written ``lax.scan``;
* NumPy: a hand-written forward loop and backpropagation through time.

Before timing, each polykeras result is checked against its reference (loss and
gradients within float32 tolerance). ``ratio`` = polykeras time / reference
time (medians, the two timed in alternation).
"""

import argparse
import json
import os
import statistics
import sys
import time


def _pin_threads(argv):
    """``--threads N``: thread-pool sizes must be set before NumPy/PyTorch/JAX load."""
    for i, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--threads=") else \
            (argv[i + 1] if arg == "--threads" and i + 1 < len(argv) else None)
        if value is not None:
            for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
                os.environ[var] = value
            os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                                       " --xla_cpu_multi_thread_eigen=false").strip()
            return int(value)
    return None


THREADS = _pin_threads(sys.argv[1:]) if __name__ == "__main__" else None

import numpy as np  # noqa: E402

BATCH, STEPS, FEATURES, UNITS = 64, 40, 32, 64


def _data():
    rng = np.random.default_rng(0)
    return {
        "x": rng.standard_normal((BATCH, STEPS, FEATURES)).astype("float32"),
        "W": (rng.standard_normal((FEATURES, 4 * UNITS)) * 0.1).astype("float32"),
        "U": (rng.standard_normal((UNITS, 4 * UNITS)) * 0.1).astype("float32"),
        "b": (rng.standard_normal(4 * UNITS) * 0.1).astype("float32"),
        "P": rng.standard_normal((BATCH, STEPS, UNITS)).astype("float32"),
    }


def interleaved(fns, repeats, warmup=3):
    """Median seconds of each function (name -> fn), timed in alternation in a shuffled order."""
    import random
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    names, samples = list(fns), {name: [] for name in fns}
    order = random.Random(0)
    for _ in range(repeats):
        order.shuffle(names)
        for name in names:
            start = time.perf_counter()
            fns[name]()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


def polykeras_step(backend_name, d):
    """``fn()`` -> [loss, dW, dU, db]: the fused LSTM's loss and gradients through K.function."""
    from polykeras import backend as K
    with K.use_backend(backend_name):
        x = K.placeholder(shape=(BATCH, STEPS, FEATURES))
        weights = [K.variable(d[name]) for name in ("W", "U", "b")]
        h0 = K.zeros((BATCH, UNITS))
        _, outputs, _ = K.fused_lstm(x, *weights, [h0, h0])
        loss = K.sum(outputs * K.constant(d["P"]))
        step = K.function([x], [loss] + K.gradients(loss, weights))
    return lambda: step([d["x"]])


def _same(name, got, want, tol=2e-3):
    for i, (g, w) in enumerate(zip(got, want)):
        g, w = np.asarray(g, np.float64), np.asarray(w, np.float64)
        scale = max(1.0, float(np.abs(w).max()))
        if g.shape != w.shape or not np.allclose(g, w, rtol=tol, atol=tol * scale):
            raise AssertionError(f"{name}: result {i} differs from the reference: "
                                 f"max abs error {np.abs(g - w).max():.3g}")


def torch_reference(d):
    import torch
    torch.set_grad_enabled(True)
    if THREADS:
        torch.set_num_threads(THREADS)
    lstm = torch.nn.LSTM(FEATURES, UNITS, batch_first=True)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.from_numpy(d["W"].T))
        lstm.weight_hh_l0.copy_(torch.from_numpy(d["U"].T))
        lstm.bias_ih_l0.copy_(torch.from_numpy(d["b"]))
        lstm.bias_hh_l0.zero_()
    P = torch.from_numpy(d["P"])
    weights = [lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0]

    def step():
        outputs, _ = lstm(torch.from_numpy(d["x"]))
        loss = (outputs * P).sum()
        grads = torch.autograd.grad(loss, weights)
        return [loss.detach().numpy()] + [grads[0].T.numpy(), grads[1].T.numpy(), grads[2].numpy()]
    return step


def jax_reference(d):
    import jax
    import jax.numpy as jnp
    from jax import lax

    def loss_fn(W, U, b, x, P):
        h0 = jnp.zeros((x.shape[0], UNITS), x.dtype)

        def body(carry, x_t):
            h, c = carry
            z = x_t @ W + b + h @ U
            i, f = jax.nn.sigmoid(z[:, :UNITS]), jax.nn.sigmoid(z[:, UNITS:2 * UNITS])
            g, o = jnp.tanh(z[:, 2 * UNITS:3 * UNITS]), jax.nn.sigmoid(z[:, 3 * UNITS:])
            c = f * c + i * g
            h = o * jnp.tanh(c)
            return (h, c), h
        _, hs = lax.scan(body, (h0, h0), jnp.swapaxes(x, 0, 1))
        return jnp.sum(jnp.swapaxes(hs, 0, 1) * P)
    grad = jax.jit(jax.value_and_grad(loss_fn, argnums=(0, 1, 2)))
    W, U, b, P = (jnp.asarray(d[n]) for n in ("W", "U", "b", "P"))

    def step():
        loss, grads = grad(W, U, b, d["x"], P)
        return [np.asarray(loss)] + [np.asarray(g) for g in grads]
    return step


def numpy_reference(d):
    W, U, b, P = d["W"], d["U"], d["b"], d["P"]

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def step():
        x = d["x"]
        xs = np.swapaxes(x, 0, 1)
        h = np.zeros((BATCH, UNITS), "float32")
        c = np.zeros_like(h)
        hs, cs, gates = [h], [c], []
        for t in range(STEPS):
            z = xs[t] @ W + b + h @ U
            i, f = sigmoid(z[:, :UNITS]), sigmoid(z[:, UNITS:2 * UNITS])
            g, o = np.tanh(z[:, 2 * UNITS:3 * UNITS]), sigmoid(z[:, 3 * UNITS:])
            c = f * c + i * g
            h = o * np.tanh(c)
            gates.append((i, f, g, o))
            hs.append(h)
            cs.append(c)
        outputs = np.stack(hs[1:], axis=1)
        loss = np.sum(outputs * P)
        dW, dU, db = np.zeros_like(W), np.zeros_like(U), np.zeros_like(b)
        dh, dc = np.zeros_like(h), np.zeros_like(c)
        for t in range(STEPS - 1, -1, -1):
            i, f, g, o = gates[t]
            dh = dh + P[:, t]
            tanh_c = np.tanh(cs[t + 1])
            dc = dc + dh * o * (1 - tanh_c ** 2)
            dz = np.concatenate([dc * g * i * (1 - i), dc * cs[t] * f * (1 - f),
                                 dc * i * (1 - g ** 2), dh * tanh_c * o * (1 - o)], axis=1)
            dW += xs[t].T @ dz
            dU += hs[t].T @ dz
            db += dz.sum(axis=0)
            dh = dz @ U.T
            dc = dc * f
        return [np.asarray(loss), dW, dU, db]
    return step


REFERENCES = {"numpy": numpy_reference, "torch": torch_reference, "jax": jax_reference}


def main(argv=None):
    parser = argparse.ArgumentParser(description="polykeras fused LSTM benchmark")
    parser.add_argument("--json", metavar="PATH")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--backends", default="numpy,torch,jax")
    parser.add_argument("--threads", type=int, default=None,
                        help="pin NumPy/PyTorch/XLA thread pools to N threads (read before import)")
    args = parser.parse_args(argv)
    d = _data()
    rows = []
    for name in args.backends.split(","):
        ours, reference = polykeras_step(name, d), REFERENCES[name](d)
        _same(f"{name} fused_lstm", ours(), reference())
        times = interleaved({"polykeras": ours, "reference": reference}, args.repeats)
        ours_s, reference_s = times["polykeras"], times["reference"]
        rows.append({"kernel": "fused_lstm_fwd_bwd", "backend": name, "polykeras_s": ours_s,
                     "reference_s": reference_s, "ratio": ours_s / reference_s})
    print(f"{'kernel':20} {'backend':8} {'polykeras ms':>13} {'reference ms':>13} {'ratio':>7}")
    for r in rows:
        print(f"{r['kernel']:20} {r['backend']:8} {r['polykeras_s'] * 1e3:13.3f} "
              f"{r['reference_s'] * 1e3:13.3f} {r['ratio']:7.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
