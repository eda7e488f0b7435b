"""MNIST MLP speed: polykeras's fit and predict against hand-written training loops.

    python benchmarks/mnist_mlp.py [--backends numpy,torch,jax] [--epochs N] [--json PATH]

The model of examples/mnist_mlp.py (784 -> 256 relu -> dropout 0.4 -> 128 relu
-> dropout 0.3 -> 10 softmax, RMSprop, categorical cross-entropy) on 8,000
samples, batch 128, on each backend, against the same training written
directly in that backend's framework, all in one run:

* PyTorch: ``nn.Linear`` layers and ``torch.optim.RMSprop``;
* JAX: one ``jax.jit``-compiled training step, RMSprop written out;
* NumPy: forward and backward propagation written by hand, in place;
* Keras 3 (``keras`` from PyPI), when installed, on the same backend (in a
  subprocess, since Keras 3 picks its backend at import; its NumPy backend
  cannot train, so only its predict is timed there).

Times are medians over the epochs after the first (which compiles), and
over repeated ``predict`` calls on the 8,000 samples; polykeras and the
reference alternate epoch by epoch and call by call, so the noise of a shared
machine hits both alike. Targets: fit within
1.1x of the reference on JAX, 1.25x on PyTorch, 1.5x on NumPy; predict
within 1.2x. ``--json PATH`` writes ``{"rows": [{"backend",
"polykeras_epoch_s", "reference_epoch_s", "ratio", "keras3_epoch_s",
"predict_ratio", ...}]}``.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED_MNIST = os.path.join(os.path.dirname(ROOT), "shared", "datasets", "mnist")
SAMPLES, BATCH = 8000, 128
LR, RHO, EPS = 0.001, 0.9, 1e-7
TARGETS = {"jax": 1.1, "torch": 1.25, "numpy": 1.5}
PREDICT_TARGET = 1.2


def load_data(folder):
    """8,000 MNIST images (flat float32 in [0, 1]) and one-hot labels; random pixels when absent."""
    if folder and os.path.isdir(folder):
        sys.path.insert(0, ROOT)
        from polykeras.datasets import mnist
        (x, y), _ = mnist.load_data(folder)
        x, y = x[:SAMPLES], y[:SAMPLES]
        source = folder
    else:
        rng = np.random.default_rng(0)
        x = rng.integers(0, 256, size=(SAMPLES, 28, 28), dtype=np.uint8)
        y = rng.integers(0, 10, size=SAMPLES)
        source = "random pixels (no MNIST folder found)"
    x = x.reshape(len(x), 784).astype("float32") / 255
    one_hot = np.zeros((len(y), 10), dtype="float32")
    one_hot[np.arange(len(y)), y] = 1
    return x, one_hot, source


def glorot(rng, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype("float32")


def initial_params(seed=0):
    rng = np.random.default_rng(seed)
    return [glorot(rng, 784, 256), np.zeros(256, "float32"), glorot(rng, 256, 128),
            np.zeros(128, "float32"), glorot(rng, 128, 10), np.zeros(10, "float32")]


def median_call(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _timed(fn):
    """Seconds of ``fn()``, or what it returns when it times itself (a float)."""
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    return result if isinstance(result, float) else elapsed


def interleaved_medians(first, second, count):
    """Median seconds of ``first()`` and ``second()`` over ``count`` alternating calls, after
    one untimed call of each."""
    first(), second()
    a, b = [], []
    for _ in range(count):
        a.append(_timed(first))
        b.append(_timed(second))
    return statistics.median(a), statistics.median(b)


# -- polykeras -----------------------------------------------------------------------------

def bench_polykeras(backend, x, y):
    """``(run_epoch, predict)`` of polykeras on ``backend``; ``run_epoch`` returns the epoch's
    seconds as measured by a callback (without fit's setup)."""
    sys.path.insert(0, ROOT)
    from polykeras import backend as K
    from polykeras.callbacks import Callback
    from polykeras.utils import set_random_seed

    sys.path.insert(0, os.path.join(ROOT, "examples"))
    from mnist_mlp import build_model

    class EpochTimer(Callback):
        def on_train_begin(self, logs=None):
            self.times = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.start)

    with K.use_backend(backend):
        set_random_seed(0)
        model = build_model()
    timer = EpochTimer()

    def run_epoch():
        with K.use_backend(backend):
            model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, callbacks=[timer])
        return timer.times[-1]

    def predict():
        with K.use_backend(backend):
            return model.predict(x, batch_size=BATCH)
    return run_epoch, predict


# -- hand-written references ----------------------------------------------------------------

def reference_numpy(x, y):
    params = initial_params()
    accumulators = [np.zeros_like(p) for p in params]
    rng = np.random.default_rng(1)

    def dropout_mask(shape, rate):
        return (rng.random(shape,
                           dtype=np.float32) >= rate).astype(np.float32) / np.float32(1 - rate)

    def train_step(xb, yb):
        w1, b1, w2, b2, w3, b3 = params
        h1 = xb @ w1 + b1
        m1 = dropout_mask(h1.shape, 0.4) * (h1 > 0)
        d1 = h1 * m1
        h2 = d1 @ w2 + b2
        m2 = dropout_mask(h2.shape, 0.3) * (h2 > 0)
        d2 = h2 * m2
        logits = d2 @ w3 + b3
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        g3 = (probs - yb) / np.float32(len(xb))
        g2 = (g3 @ w3.T) * m2
        g1 = (g2 @ w2.T) * m1
        grads = [xb.T @ g1, g1.sum(0), d1.T @ g2, g2.sum(0), d2.T @ g3, g3.sum(0)]
        for p, a, g in zip(params, accumulators, grads):
            a *= RHO
            a += (1 - RHO) * g * g
            p -= LR * g / (np.sqrt(a) + EPS)

    def run_epoch():
        order = rng.permutation(len(x))
        for start in range(0, len(x), BATCH):
            index = order[start:start + BATCH]
            train_step(x[index], y[index])

    def predict():
        w1, b1, w2, b2, w3, b3 = params
        out = []
        for start in range(0, len(x), BATCH):
            h = np.maximum(x[start:start + BATCH] @ w1 + b1, 0)
            h = np.maximum(h @ w2 + b2, 0)
            logits = h @ w3 + b3
            e = np.exp(logits - logits.max(axis=1, keepdims=True))
            out.append(e / e.sum(axis=1, keepdims=True))
        return np.concatenate(out)

    return run_epoch, predict


def reference_torch(x, y):
    import torch
    from torch import nn

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.4), nn.Linear(256, 128),
                          nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10)).to(device)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=LR, alpha=RHO, eps=EPS)
    loss_fn = nn.CrossEntropyLoss()
    labels = y.argmax(axis=1)

    def run_epoch():
        model.train()
        order = np.random.permutation(len(x))
        for start in range(0, len(x), BATCH):
            index = order[start:start + BATCH]
            xb = torch.from_numpy(x[index]).to(device)
            yb = torch.from_numpy(labels[index]).to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
        float(loss.detach())  # wait for the device

    def predict():
        model.eval()
        out = []
        with torch.no_grad():
            for start in range(0, len(x), BATCH):
                xb = torch.from_numpy(x[start:start + BATCH]).to(device)
                out.append(torch.softmax(model(xb), dim=1).cpu().numpy())
        return np.concatenate(out)

    return run_epoch, predict


def reference_jax(x, y):
    import jax
    import jax.numpy as jnp

    params = [jnp.asarray(p) for p in initial_params()]
    accumulators = [jnp.zeros_like(p) for p in params]

    def forward(params, xb, key=None):
        w1, b1, w2, b2, w3, b3 = params
        h = jax.nn.relu(xb @ w1 + b1)
        if key is not None:
            k1, k2 = jax.random.split(key)
            h = jnp.where(jax.random.bernoulli(k1, 0.6, h.shape), h / 0.6, 0.0)
        h = jax.nn.relu(h @ w2 + b2)
        if key is not None:
            h = jnp.where(jax.random.bernoulli(k2, 0.7, h.shape), h / 0.7, 0.0)
        return h @ w3 + b3

    def loss_fn(params, xb, yb, key):
        return -jnp.mean(jnp.sum(yb * jax.nn.log_softmax(forward(params, xb, key)), axis=1))

    @jax.jit
    def train_step(params, accumulators, key, xb, yb):
        key, sub = jax.random.split(key)
        loss, grads = jax.value_and_grad(loss_fn)(params, xb, yb, sub)
        accumulators = [RHO * a + (1 - RHO) * g * g for a, g in zip(accumulators, grads)]
        params = [p - LR * g / (jnp.sqrt(a) + EPS) for p, g, a in zip(params, grads, accumulators)]
        return params, accumulators, key, loss

    predict_batch = jax.jit(lambda params, xb: jax.nn.softmax(forward(params, xb), axis=1))
    state = {"params": params, "acc": accumulators, "key": jax.random.PRNGKey(0)}

    def run_epoch():
        order = np.random.permutation(len(x))
        for start in range(0, len(x), BATCH):
            index = order[start:start + BATCH]
            state["params"], state["acc"], state["key"], loss = train_step(
                state["params"], state["acc"], state["key"], x[index], y[index])
        loss.block_until_ready()

    def predict():
        return np.concatenate([np.asarray(predict_batch(state["params"], x[start:start + BATCH]))
                               for start in range(0, len(x), BATCH)])

    return run_epoch, predict


REFERENCES = {"numpy": reference_numpy, "torch": reference_torch, "jax": reference_jax}


# -- Keras 3, in a subprocess per backend ------------------------------------------------------

def keras3_worker(backend, data, epochs, repeats):
    """Run in a child process with KERAS_BACKEND set: print Keras 3's timings as JSON."""
    import keras

    x, y, _ = load_data(data)
    model = keras.Sequential([
        keras.Input((784,)), keras.layers.Dense(256, activation="relu"), keras.layers.Dropout(0.4),
        keras.layers.Dense(128, activation="relu"), keras.layers.Dropout(0.3),
        keras.layers.Dense(10, activation="softmax")])
    epoch_s = None
    if backend != "numpy":  # Keras 3's NumPy backend has no training
        model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.RMSprop(LR),
                      metrics=["accuracy"])

        class EpochTimer(keras.callbacks.Callback):
            times = []

            def on_epoch_begin(self, epoch, logs=None):
                self.start = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.times.append(time.perf_counter() - self.start)

        timer = EpochTimer()
        model.fit(x, y, batch_size=BATCH, epochs=epochs + 1, verbose=0, callbacks=[timer])
        epoch_s = statistics.median(timer.times[1:])
    predict_s = median_call(lambda: model.predict(x, batch_size=BATCH, verbose=0), repeats)
    print(json.dumps({"epoch_s": epoch_s, "predict_s": predict_s}))


def bench_keras3(backend, data, epochs, repeats):
    """Keras 3's timings on ``backend``, or None when Keras 3 is not installed or fails."""
    try:
        import importlib.util
        if importlib.util.find_spec("keras") is None:
            return None
    except ValueError:
        return None
    env = dict(os.environ, KERAS_BACKEND=backend)
    command = [sys.executable, os.path.abspath(__file__), "--keras3-worker", backend,
               "--epochs", str(epochs), "--repeats",
               str(repeats)] + (["--data", data] if data else [])
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        print(f"  Keras 3 on {backend} failed: {result.stderr.strip().splitlines()[-1:]}")
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


# -- the run --------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="numpy,torch,jax")
    parser.add_argument("--epochs", type=int, default=4,
                        help="timed epochs, after one untimed (default 4)")
    parser.add_argument("--repeats", type=int, default=5, help="timed predict calls (default 5)")
    parser.add_argument("--data", default=SHARED_MNIST if os.path.isdir(SHARED_MNIST) else None,
                        help="MNIST folder (default: the shared one; random pixels if absent)")
    parser.add_argument("--no-keras3", action="store_true", help="skip Keras 3 even when installed")
    parser.add_argument("--json", help="write the results there")
    parser.add_argument("--keras3-worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.keras3_worker:
        return keras3_worker(args.keras3_worker, args.data, args.epochs, args.repeats)

    x, y, source = load_data(args.data)
    print(f"MNIST MLP, {len(x)} samples from {source}, batch {BATCH}, median of {args.epochs} "
          "epochs "
          f"after the first and of {args.repeats} predict calls")
    rows = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        if backend not in REFERENCES:
            parser.error(f"--backends: Expected names among {sorted(REFERENCES)}. Received: "
                         f"{backend!r}")
        poly_run, poly_predict_fn = bench_polykeras(backend, x, y)
        ref_run, ref_predict_fn = REFERENCES[backend](x, y)
        poly_epoch, ref_epoch = interleaved_medians(poly_run, ref_run, args.epochs)
        poly_predict, ref_predict = interleaved_medians(poly_predict_fn, ref_predict_fn,
                                                        args.repeats)
        keras3 = None if args.no_keras3 else bench_keras3(backend, args.data, args.epochs,
                                                          args.repeats)
        row = {
            "backend": backend,
            "polykeras_epoch_s": poly_epoch,
            "reference_epoch_s": ref_epoch,
            "ratio": poly_epoch / ref_epoch,
            "keras3_epoch_s": None if keras3 is None else keras3["epoch_s"],
            "predict_ratio": poly_predict / ref_predict,
            "polykeras_predict_s": poly_predict,
            "reference_predict_s": ref_predict,
            "keras3_predict_s": None if keras3 is None else keras3["predict_s"],
            "target_ratio": TARGETS[backend],
            "target_predict_ratio": PREDICT_TARGET,
        }
        rows.append(row)
        keras3_text = "Keras 3 not installed" if keras3 is None else (
            f"Keras 3 epoch {_seconds(keras3['epoch_s'])}, predict {_seconds(keras3['predict_s'])}")
        print(f"{backend:>6}: epoch {poly_epoch:.3f}s vs reference {ref_epoch:.3f}s -> "
              f"ratio {row['ratio']:.2f} (target <= {TARGETS[backend]}) "
              f"{'OK' if row['ratio'] <= TARGETS[backend] else 'MISSED'}; "
              f"predict {poly_predict:.3f}s vs {ref_predict:.3f}s -> ratio "
              f"{row['predict_ratio']:.2f} "
              f"(target <= {PREDICT_TARGET}) "
              f"{'OK' if row['predict_ratio'] <= PREDICT_TARGET else 'MISSED'}; "
              f"{keras3_text}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows}, f, indent=2)
        print(f"wrote {args.json}")
    return rows


def _seconds(value):
    return "n/a" if value is None else f"{value:.3f}s"


if __name__ == "__main__":
    main()
