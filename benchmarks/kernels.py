"""Kernel speed: polykeras's conv2d, pool2d and rnn against the same computation written
directly in each backend's framework, measured in the same run.

    python benchmarks/kernels.py [--json PATH] [--repeats N] [--backends numpy,torch,jax]
                                 [--threads N]

Shapes (issue 3): conv2d batch 32, 28x28, 32 -> 64 channels, 3x3, 'same';
pool2d 2x2 max on the same input; rnn with an LSTM-style step, batch 32,
50 steps, 64 units. Targets: each backend within 1.2x of its framework's
direct call; the NumPy conv2d within 3x of PyTorch's.

Before timing, each polykeras result is checked against its reference (same
values, same dtype), so both sides compute the same thing. ``--threads N``
pins the BLAS/OpenMP thread pools of NumPy and PyTorch (and XLA's CPU
client) to N threads: on a small shared machine the frameworks' default
pools oversubscribe the cores and per-op timings of small tensors swing by
several times from one run to the next.
"""

import argparse
import json
import os
import sys


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


def interleaved(fns, repeats=15, warmup=3, seed=0):
    """Median seconds of each function in ``fns`` (name -> fn), timed in alternation with
    the order shuffled every round: in a fixed order the function timed right after a big
    kernel (the conv) always starts with a cold cache, and the one after it with a warm one."""
    import random
    import statistics
    import time
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    rng = random.Random(seed)
    names = list(fns)
    samples = {name: [] for name in names}
    for _ in range(repeats):
        rng.shuffle(names)
        for name in names:
            start = time.perf_counter()
            fns[name]()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


BATCH, SIZE, CIN, COUT = 32, 28, 32, 64
STEPS, UNITS = 50, 64


def _data():
    rng = np.random.default_rng(0)
    return {
        "image": rng.standard_normal((BATCH, CIN, SIZE, SIZE)).astype("float32"),   # NCHW
        "kernel": (rng.standard_normal((3, 3, CIN, COUT)) * 0.1).astype("float32"),  # HWIO
        "sequence": rng.standard_normal((BATCH, STEPS, UNITS)).astype("float32"),
        "w": (rng.standard_normal((UNITS, 4 * UNITS)) * 0.1).astype("float32"),
        "u": (rng.standard_normal((UNITS, 4 * UNITS)) * 0.1).astype("float32"),
        "h0": np.zeros((BATCH, UNITS), "float32"),
    }


def _same(name, pk, ref, tol=1e-4):
    """Fail loudly unless the polykeras result equals the reference (values and dtype)."""
    pk, ref = np.asarray(pk), np.asarray(ref)
    if pk.dtype != ref.dtype or pk.shape != ref.shape or not np.allclose(pk, ref, rtol=tol,
                                                                         atol=tol):
        raise AssertionError(f"{name}: polykeras and reference differ: {pk.dtype}{pk.shape} vs "
                             f"{ref.dtype}{ref.shape}")


def lstm_step(K, w, u):
    """An LSTM step written with API functions only."""
    def step(x_t, states):
        h, c = states
        z = K.dot(x_t, w) + K.dot(h, u)
        i = K.sigmoid(z[:, :UNITS])
        f = K.sigmoid(z[:, UNITS:2 * UNITS])
        g = K.tanh(z[:, 2 * UNITS:3 * UNITS])
        o = K.sigmoid(z[:, 3 * UNITS:])
        c_new = f * c + i * g
        h_new = o * K.tanh(c_new)
        return h_new, [h_new, c_new]
    return step


def bench_torch(d, repeats):
    import torch
    import torch.nn.functional as F

    import polykeras.backends.torch as K
    torch.set_grad_enabled(False)
    if THREADS:
        torch.set_num_threads(THREADS)
    x = torch.from_numpy(d["image"])
    k_oihw = torch.from_numpy(d["kernel"]).permute(3, 2, 0, 1).contiguous()
    k = torch.from_numpy(d["kernel"])
    seq, w, u, h0 = (torch.from_numpy(d[n]) for n in ("sequence", "w", "u", "h0"))

    def direct_lstm():
        h, c = h0, h0
        for t in range(STEPS):
            z = seq[:, t] @ w + h @ u
            i, f, g, o = torch.sigmoid(z[:, :UNITS]), torch.sigmoid(z[:, UNITS:2 * UNITS]), \
                torch.tanh(z[:, 2 * UNITS:3 * UNITS]), torch.sigmoid(z[:, 3 * UNITS:])
            c = f * c + i * g
            h = o * torch.tanh(c)
        return h

    step = lstm_step(K, w, u)
    _same("torch conv2d", K.conv2d(x, k, padding="same", data_format="channels_first"),
          F.conv2d(x, k_oihw, padding=1))
    _same("torch pool2d", K.pool2d(x, (2, 2), strides=(2, 2), data_format="channels_first"),
          F.max_pool2d(x, 2, 2))
    _same("torch rnn", K.rnn(step, seq, [h0, h0])[0], direct_lstm())
    times = interleaved({
        "conv2d_pk": lambda: K.conv2d(x, k, padding="same", data_format="channels_first"),
        "conv2d_ref": lambda: F.conv2d(x, k_oihw, padding=1),
        "pool2d_pk": lambda: K.pool2d(x, (2, 2), strides=(2, 2), data_format="channels_first"),
        "pool2d_ref": lambda: F.max_pool2d(x, 2, 2),
        "rnn_pk": lambda: K.rnn(step, seq, [h0, h0]),
        "rnn_ref": direct_lstm,
    }, repeats=repeats)
    return times


def bench_jax(d, repeats):
    import jax
    import jax.numpy as jnp
    from jax import lax

    import polykeras.backends.jax as K
    x = jnp.asarray(d["image"])
    k = jnp.asarray(d["kernel"])
    seq, w, u, h0 = (jnp.asarray(d[n]) for n in ("sequence", "w", "u", "h0"))
    numbers = lax.conv_dimension_numbers(x.shape, k.shape, ("NCHW", "HWIO", "NCHW"))

    pk_conv = jax.jit(lambda x, k: K.conv2d(x, k, padding="same", data_format="channels_first"))
    ref_conv = jax.jit(lambda x, k: lax.conv_general_dilated(
        x, k, (1, 1), "SAME", dimension_numbers=numbers))
    pk_pool = jax.jit(lambda x: K.pool2d(x, (2, 2), strides=(2, 2), data_format="channels_first"))
    ref_pool = jax.jit(lambda x: lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2),
                                                   "VALID"))

    def direct_scan(seq, w, u, h0):
        def body(carry, x_t):
            h, c = carry
            z = x_t @ w + h @ u
            i, f, g, o = jax.nn.sigmoid(z[:, :UNITS]), jax.nn.sigmoid(z[:, UNITS:2 * UNITS]), \
                jnp.tanh(z[:, 2 * UNITS:3 * UNITS]), jax.nn.sigmoid(z[:, 3 * UNITS:])
            c = f * c + i * g
            h = o * jnp.tanh(c)
            return (h, c), h
        (h, _), _ = lax.scan(body, (h0, h0), jnp.swapaxes(seq, 0, 1))
        return h
    ref_rnn = jax.jit(direct_scan)
    pk_rnn = jax.jit(lambda seq, w, u, h0: K.rnn(lstm_step(K, w, u), seq, [h0, h0])[0])
    block = jax.block_until_ready
    _same("jax conv2d", pk_conv(x, k), ref_conv(x, k))
    _same("jax pool2d", pk_pool(x), ref_pool(x))
    _same("jax rnn", pk_rnn(seq, w, u, h0), ref_rnn(seq, w, u, h0))
    return interleaved({
        "conv2d_pk": lambda: block(pk_conv(x, k)),
        "conv2d_ref": lambda: block(ref_conv(x, k)),
        "pool2d_pk": lambda: block(pk_pool(x)),
        "pool2d_ref": lambda: block(ref_pool(x)),
        "rnn_pk": lambda: block(pk_rnn(seq, w, u, h0)),
        "rnn_ref": lambda: block(ref_rnn(seq, w, u, h0)),
    }, repeats=repeats)


def bench_numpy(d, repeats):
    from numpy.lib.stride_tricks import sliding_window_view

    import polykeras.backends.numpy as K
    x_nhwc = np.ascontiguousarray(np.moveaxis(d["image"], 1, -1))
    k = d["kernel"]
    seq, w, u, h0 = d["sequence"], d["w"], d["u"], d["h0"]

    def direct_conv():
        padded = np.pad(x_nhwc, [(0, 0), (1, 1), (1, 1), (0, 0)])
        windows = sliding_window_view(padded, (3, 3), axis=(1, 2))   # (N, H, W, C, 3, 3)
        return np.tensordot(windows, k, axes=([3, 4, 5], [2, 0, 1]))

    def direct_pool():
        return x_nhwc.reshape(BATCH, SIZE // 2, 2, SIZE // 2, 2, CIN).max(axis=(2, 4))

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def direct_lstm():
        h, c = h0, h0
        for t in range(STEPS):
            z = seq[:, t] @ w + h @ u
            i, f = sigmoid(z[:, :UNITS]), sigmoid(z[:, UNITS:2 * UNITS])
            g, o = np.tanh(z[:, 2 * UNITS:3 * UNITS]), sigmoid(z[:, 3 * UNITS:])
            c = f * c + i * g
            h = o * np.tanh(c)
        return h

    step = lstm_step(K, w, u)
    _same("numpy conv2d", K.conv2d(x_nhwc, k, padding="same", data_format="channels_last"),
          direct_conv())
    _same("numpy pool2d", K.pool2d(x_nhwc, (2, 2), strides=(2, 2), data_format="channels_last"),
          direct_pool())
    _same("numpy rnn", K.rnn(step, seq, [h0, h0])[0], direct_lstm())
    return interleaved({
        "conv2d_pk": lambda: K.conv2d(x_nhwc, k, padding="same", data_format="channels_last"),
        "conv2d_ref": direct_conv,
        "pool2d_pk": lambda: K.pool2d(x_nhwc, (2, 2), strides=(2, 2), data_format="channels_last"),
        "pool2d_ref": direct_pool,
        "rnn_pk": lambda: K.rnn(step, seq, [h0, h0]),
        "rnn_ref": direct_lstm,
    }, repeats=max(5, repeats // 2))


def main(argv=None):
    parser = argparse.ArgumentParser(description="polykeras kernel benchmark")
    parser.add_argument("--json", metavar="PATH")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--backends", default="numpy,torch,jax")
    parser.add_argument("--threads", type=int, default=None,
                        help="pin NumPy/PyTorch/XLA thread pools to N threads (read before import)")
    args = parser.parse_args(argv)
    data = _data()
    rows = []
    torch_conv = None
    for name in args.backends.split(","):
        bench = {"numpy": bench_numpy, "torch": bench_torch, "jax": bench_jax}[name]
        times = bench(data, args.repeats)
        for kernel in ("conv2d", "pool2d", "rnn"):
            pk, ref = times[f"{kernel}_pk"], times[f"{kernel}_ref"]
            rows.append({"kernel": kernel, "backend": name, "polykeras_s": pk, "reference_s": ref,
                         "ratio": pk / ref})
        if name == "torch":
            torch_conv = times["conv2d_ref"]
    if args.threads and THREADS is None:
        print("note: --threads only takes effect when kernels.py is run as a script",
              file=sys.stderr)
    print(f"{'kernel':8} {'backend':8} {'polykeras ms':>13} {'reference ms':>13} {'ratio':>7}")
    for r in rows:
        print(f"{r['kernel']:8} {r['backend']:8} {r['polykeras_s'] * 1e3:13.3f} "
              f"{r['reference_s'] * 1e3:13.3f} "
              f"{r['ratio']:7.2f}")
    numpy_conv = next((r["polykeras_s"] for r in rows if r["backend"] == "numpy"
                       and r["kernel"] == "conv2d"), None)
    if numpy_conv is not None and torch_conv is not None:
        print(f"numpy conv2d vs torch F.conv2d: {numpy_conv / torch_conv:.2f}x (target <= 3)")
        rows.append({"kernel": "conv2d_vs_torch", "backend": "numpy", "polykeras_s": numpy_conv,
                     "reference_s": torch_conv, "ratio": numpy_conv / torch_conv})
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
