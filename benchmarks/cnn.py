"""CNN speed: polykeras's fit and predict of a small convnet against hand-written training loops.

    python benchmarks/cnn.py [--backends numpy,torch,jax] [--epochs N] [--json PATH]

The network of Keras's ``mnist_cnn`` example: Conv2D(32, 3x3, relu) -> Conv2D(64, 3x3, relu)
-> MaxPooling2D(2x2) -> Dropout(0.25) -> Flatten -> Dense(128, relu) -> Dropout(0.5) ->
Dense(10, softmax), Adam (lr 1e-3) on categorical cross-entropy, batch 128, trained on the
first 2,000 MNIST images (28x28x1, channels last), against the same training written directly
in each backend's framework, all in one run:

* PyTorch: ``nn.Conv2d``/``nn.Linear`` modules on NCHW data (converted once, outside the timed
  epochs) and ``torch.optim.Adam``;
* JAX: one ``jax.jit``-compiled training step (``lax.conv_general_dilated`` on NHWC,
  ``jax.value_and_grad``, Adam written out), one compiled predict step;
* NumPy: forward and backward propagation written by hand: im2col (one contiguous patch
  matrix per convolution, kept from the forward pass for the kernel gradient) and one matrix
  product per convolution and gradient, col2im by shifted slices, max pooling by reshaping
  into 2x2 blocks;
* Keras 3 (``keras`` from PyPI), when installed, on the same backend (in a subprocess, since
  Keras 3 picks its backend at import; its NumPy backend cannot train, so only its predict is
  timed there).

Times are medians over the epochs after the first (which compiles), and over repeated
``predict`` calls on the 2,000 images; polykeras and the reference alternate epoch by epoch
and call by call, so the noise of a shared machine hits both alike. Targets: fit within 1.2x
of the reference on PyTorch, 1.1x on JAX, 1.5x on NumPy; predict within 1.2x everywhere.
``--json PATH`` writes ``{"rows": [{"backend", "polykeras_epoch_s", "reference_epoch_s",
"ratio", "keras3_epoch_s", "predict_ratio", ...}]}``.
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
SAMPLES, BATCH = 2000, 128
LR, BETA_1, BETA_2, EPS = 1e-3, 0.9, 0.999, 1e-7  # Keras 2.2.4's Adam (epsilon = K.epsilon())
TARGETS = {"jax": 1.1, "torch": 1.2, "numpy": 1.5}
PREDICT_TARGET = 1.2

sys.path.insert(0, HERE)
from mnist_mlp import interleaved_medians, median_call  # noqa: E402  (same timing rules)


def load_data(folder, samples=SAMPLES):
    """``samples`` MNIST images as float32 (n, 28, 28, 1) in [0, 1] and one-hot labels;
    random pixels when the folder is absent."""
    if folder and os.path.isdir(folder):
        sys.path.insert(0, ROOT)
        from polykeras.datasets import mnist
        (x, y), _ = mnist.load_data(folder)
        x, y = x[:samples], y[:samples]
        source = folder
    else:
        rng = np.random.default_rng(0)
        x = rng.integers(0, 256, size=(samples, 28, 28), dtype=np.uint8)
        y = rng.integers(0, 10, size=samples)
        source = "random pixels (no MNIST folder found)"
    x = x.reshape(len(x), 28, 28, 1).astype("float32") / 255
    one_hot = np.zeros((len(y), 10), dtype="float32")
    one_hot[np.arange(len(y)), y] = 1
    return x, one_hot, source


def batches(n, order=None):
    """Index arrays (or slices) of consecutive batches of ``BATCH``, the last one shorter."""
    for start in range(0, n, BATCH):
        yield order[start:start + BATCH] if order is not None else slice(start, start + BATCH)


def initial_params(seed=0):
    """Glorot-uniform kernels (Keras's default) in Keras's layouts, zero biases:
    conv kernels (kh, kw, in, out), dense kernels (in, out)."""
    rng = np.random.default_rng(seed)

    def glorot(shape, fan_in, fan_out):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=shape).astype("float32")
    return {"k1": glorot((3, 3, 1, 32), 9, 9 * 32), "b1": np.zeros(32, "float32"),
            "k2": glorot((3, 3, 32, 64), 9 * 32, 9 * 64), "b2": np.zeros(64, "float32"),
            "w3": glorot((9216, 128), 9216, 128), "b3": np.zeros(128, "float32"),
            "w4": glorot((128, 10), 128, 10), "b4": np.zeros(10, "float32")}


# -- polykeras -----------------------------------------------------------------------------

def build_polykeras_model():
    """The benchmark's network in polykeras, compiled with Adam(lr=1e-3)."""
    from polykeras.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
    from polykeras.models import Sequential
    from polykeras.optimizers import Adam

    model = Sequential([
        Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
        Conv2D(64, (3, 3), activation="relu"),
        MaxPooling2D((2, 2)),
        Dropout(0.25),
        Flatten(),
        Dense(128, activation="relu"),
        Dropout(0.5),
        Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer=Adam(lr=LR), metrics=["accuracy"])
    return model


def bench_polykeras(backend, x, y):
    """``(run_epoch, predict)`` of polykeras on ``backend``; ``run_epoch`` returns the epoch's
    seconds as measured by a callback (without fit's setup)."""
    sys.path.insert(0, ROOT)
    from polykeras import backend as K
    from polykeras.callbacks import Callback
    from polykeras.utils import set_random_seed

    class EpochTimer(Callback):
        def on_train_begin(self, logs=None):
            self.times = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.start)

    with K.use_backend(backend):
        set_random_seed(0)
        model = build_polykeras_model()
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
    """Forward and backward propagation by hand, on NHWC arrays, Adam in place."""
    from numpy.lib.stride_tricks import sliding_window_view

    params = initial_params()
    names = list(params)
    moments = {k: np.zeros_like(v) for k, v in params.items()}
    velocities = {k: np.zeros_like(v) for k, v in params.items()}
    state = {"t": 0}
    rng = np.random.default_rng(1)

    def im2col(a):
        """(n, h, w, c) -> contiguous (n * (h-2) * (w-2), 9 * c) patches of 3x3, in the
        (kh, kw, c) order of a (3, 3, c, out) kernel reshaped to (9 * c, out)."""
        n, h, w, c = a.shape
        windows = sliding_window_view(a, (3, 3), axis=(1, 2))       # (n, h-2, w-2, c, 3, 3)
        cols = np.empty((n, h - 2, w - 2, 3, 3, c), a.dtype)
        np.copyto(cols, windows.transpose(0, 1, 2, 4, 5, 3))
        return cols.reshape(-1, 9 * c)

    def col2im(d_cols, shape):
        """The transpose of im2col: sum each patch's gradient back into its 3x3 window."""
        n, h, w, c = shape
        d_cols = d_cols.reshape(n, h - 2, w - 2, 3, 3, c)
        out = np.zeros(shape, d_cols.dtype)
        for i in range(3):
            for j in range(3):
                out[:, i:i + h - 2, j:j + w - 2, :] += d_cols[:, :, :, i, j, :]
        return out

    def dropout_mask(shape, rate):
        keep = rng.random(shape, dtype=np.float32) >= rate
        return keep.astype(np.float32) / np.float32(1 - rate)

    def forward(xb, train):
        p = params
        n = len(xb)
        cols1 = im2col(xb)
        h1 = (cols1 @ p["k1"].reshape(9, 32)).reshape(n, 26, 26, 32)
        h1 += p["b1"]
        np.maximum(h1, 0, out=h1)
        cols2 = im2col(h1)
        h2 = (cols2 @ p["k2"].reshape(288, 64)).reshape(n, 24, 24, 64)
        h2 += p["b2"]
        np.maximum(h2, 0, out=h2)
        blocks = h2.reshape(n, 12, 2, 12, 2, 64)
        pooled = blocks.max(axis=(2, 4))
        flat = pooled.reshape(n, 9216)
        m1 = dropout_mask(flat.shape, 0.25) if train else None
        d1 = flat * m1 if train else flat
        h3 = d1 @ p["w3"]
        h3 += p["b3"]
        np.maximum(h3, 0, out=h3)
        m2 = dropout_mask(h3.shape, 0.5) if train else None
        d2 = h3 * m2 if train else h3
        logits = d2 @ p["w4"] + p["b4"]
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        return probs, (cols1, h1, cols2, h2, blocks, pooled, m1, d1, h3, m2, d2)

    def train_step(xb, yb):
        p = params
        n = len(xb)
        probs, (cols1, h1, cols2, h2, blocks, pooled, m1, d1, h3, m2, d2) = forward(xb, True)
        g4 = (probs - yb) / np.float32(n)
        grads = {"w4": d2.T @ g4, "b4": g4.sum(0)}
        g3 = (g4 @ p["w4"].T) * m2
        g3 *= h3 > 0
        grads["w3"], grads["b3"] = d1.T @ g3, g3.sum(0)
        g_flat = (g3 @ p["w3"].T) * m1
        # max pooling: the gradient goes to the window's maximum (ties only arise at the zeros
        # of relu, whose gradient is zero anyway)
        hit = blocks == pooled.reshape(n, 12, 1, 12, 1, 64)
        g2 = (hit * g_flat.reshape(n, 12, 1, 12, 1, 64)).reshape(n, 24, 24, 64)
        g2 *= h2 > 0
        g2 = g2.reshape(-1, 64)
        grads["k2"], grads["b2"] = (cols2.T @ g2).reshape(3, 3, 32, 64), g2.sum(0)
        g1 = col2im(g2 @ p["k2"].reshape(288, 64).T, h1.shape)
        g1 *= h1 > 0
        g1 = g1.reshape(-1, 32)
        grads["k1"], grads["b1"] = (cols1.T @ g1).reshape(3, 3, 1, 32), g1.sum(0)
        state["t"] += 1
        t = state["t"]
        lr_t = LR * np.sqrt(1 - BETA_2 ** t) / (1 - BETA_1 ** t)
        for name in names:
            g, m, v = grads[name], moments[name], velocities[name]
            m *= BETA_1
            m += (1 - BETA_1) * g
            v *= BETA_2
            v += (1 - BETA_2) * g * g
            p[name] -= np.float32(lr_t) * m / (np.sqrt(v) + EPS)

    def run_epoch():
        for index in batches(len(x), rng.permutation(len(x))):
            train_step(x[index], y[index])

    def predict():
        return np.concatenate([forward(x[index], False)[0] for index in batches(len(x))])

    return run_epoch, predict


def reference_torch(x, y):
    """``torch.nn`` modules on NCHW data, ``torch.optim.Adam``."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    params = initial_params()
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(128, 10))
    with torch.no_grad():  # the same initial weights as the others, in PyTorch's layouts
        model[0].weight.copy_(torch.from_numpy(params["k1"]).permute(3, 2, 0, 1))
        model[2].weight.copy_(torch.from_numpy(params["k2"]).permute(3, 2, 0, 1))
        model[7].weight.copy_(torch.from_numpy(params["w3"].T))
        model[10].weight.copy_(torch.from_numpy(params["w4"].T))
        for i in (0, 2, 7, 10):
            model[i].bias.zero_()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR, betas=(BETA_1, BETA_2), eps=EPS)
    loss_fn = nn.CrossEntropyLoss()
    images = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    labels = torch.from_numpy(y.argmax(axis=1))

    def run_epoch():
        model.train()
        for index in batches(len(x), torch.from_numpy(np.random.permutation(len(x)))):
            optimizer.zero_grad()
            loss = loss_fn(model(images[index]), labels[index])
            loss.backward()
            optimizer.step()

    def predict():
        model.eval()
        with torch.no_grad():
            return np.concatenate([torch.softmax(model(images[index]), dim=1).numpy()
                                   for index in batches(len(x))])

    return run_epoch, predict


def reference_jax(x, y):
    """One ``jax.jit`` training step on NHWC arrays (``lax.conv_general_dilated``), Adam
    written out as Keras's; one jitted predict step."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    numbers = ("NHWC", "HWIO", "NHWC")

    def forward(p, xb, key=None):
        h = lax.conv_general_dilated(xb, p["k1"], (1, 1), "VALID", dimension_numbers=numbers)
        h = jax.nn.relu(h + p["b1"])
        h = lax.conv_general_dilated(h, p["k2"], (1, 1), "VALID", dimension_numbers=numbers)
        h = jax.nn.relu(h + p["b2"])
        h = lax.reduce_window(h, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
        if key is not None:
            k1, k2 = jax.random.split(key)
            h = jnp.where(jax.random.bernoulli(k1, 0.75, h.shape), h / 0.75, 0.0)
        h = jax.nn.relu(h.reshape(len(xb), -1) @ p["w3"] + p["b3"])
        if key is not None:
            h = jnp.where(jax.random.bernoulli(k2, 0.5, h.shape), h / 0.5, 0.0)
        return h @ p["w4"] + p["b4"]

    def loss_fn(p, xb, yb, key):
        return -jnp.mean(jnp.sum(yb * jax.nn.log_softmax(forward(p, xb, key)), axis=1))

    @jax.jit
    def train_step(p, m, v, t, key, xb, yb):
        key, sub = jax.random.split(key)
        loss, g = jax.value_and_grad(loss_fn)(p, xb, yb, sub)
        t = t + 1
        lr_t = LR * jnp.sqrt(1 - BETA_2 ** t) / (1 - BETA_1 ** t)
        m = jax.tree_util.tree_map(lambda m, g: BETA_1 * m + (1 - BETA_1) * g, m, g)
        v = jax.tree_util.tree_map(lambda v, g: BETA_2 * v + (1 - BETA_2) * g * g, v, g)
        p = jax.tree_util.tree_map(lambda p, m, v: p - lr_t * m / (jnp.sqrt(v) + EPS), p, m, v)
        return p, m, v, t, key, loss

    predict_batch = jax.jit(lambda p, xb: jax.nn.softmax(forward(p, xb), axis=1))
    params = {k: jnp.asarray(v) for k, v in initial_params().items()}
    zeros = {k: jnp.zeros_like(v) for k, v in params.items()}
    state = {"p": params, "m": zeros, "v": zeros, "t": jnp.float32(0),
             "key": jax.random.PRNGKey(0)}

    def run_epoch():
        s = state
        for index in batches(len(x), np.random.permutation(len(x))):
            s["p"], s["m"], s["v"], s["t"], s["key"], loss = train_step(
                s["p"], s["m"], s["v"], s["t"], s["key"], x[index], y[index])
        loss.block_until_ready()

    def predict():
        return np.concatenate([np.asarray(predict_batch(state["p"], x[index]))
                               for index in batches(len(x))])

    return run_epoch, predict


REFERENCES = {"numpy": reference_numpy, "torch": reference_torch, "jax": reference_jax}


# -- Keras 3, in a subprocess per backend ------------------------------------------------------

def keras3_worker(backend, data, samples, epochs, repeats):
    """Run in a child process with KERAS_BACKEND set: print Keras 3's timings as JSON."""
    import keras

    x, y, _ = load_data(data, samples)
    layers = keras.layers
    model = keras.Sequential([
        keras.Input((28, 28, 1)), layers.Conv2D(32, 3, activation="relu"),
        layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2), layers.Dropout(0.25),
        layers.Flatten(), layers.Dense(128, activation="relu"), layers.Dropout(0.5),
        layers.Dense(10, activation="softmax")])
    epoch_s = None
    if backend != "numpy":  # Keras 3's NumPy backend has no training
        model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(LR),
                      metrics=["accuracy"])

        class EpochTimer(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.times = []

            def on_epoch_begin(self, epoch, logs=None):
                self.start = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.times.append(time.perf_counter() - self.start)

        timer = EpochTimer()
        model.fit(x, y, batch_size=BATCH, epochs=epochs + 1, verbose=0, callbacks=[timer])
        epoch_s = statistics.median(timer.times[1:])
    predict_s = median_call(lambda: model.predict(x, batch_size=BATCH, verbose=0), repeats)
    print(json.dumps({"epoch_s": epoch_s, "predict_s": predict_s}))


def bench_keras3(backend, data, samples, epochs, repeats):
    """Keras 3's timings on ``backend``, or None when Keras 3 is not installed or fails."""
    import importlib.util
    try:
        if importlib.util.find_spec("keras") is None:
            return None
    except ValueError:
        return None
    env = dict(os.environ, KERAS_BACKEND=backend)
    command = [sys.executable, os.path.abspath(__file__), "--keras3-worker", backend,
               "--samples", str(samples), "--epochs", str(epochs), "--repeats", str(repeats)]
    command += ["--data", data] if data else []
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
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
    parser.add_argument("--samples", type=int, default=SAMPLES,
                        help=f"training images (default {SAMPLES}, the issue's figure; fewer "
                             "for quick checks)")
    parser.add_argument("--data", default=SHARED_MNIST if os.path.isdir(SHARED_MNIST) else None,
                        help="MNIST folder (default: the shared one; random pixels if absent)")
    parser.add_argument("--no-keras3", action="store_true",
                        help="skip Keras 3 even when installed")
    parser.add_argument("--json", help="write the results there")
    parser.add_argument("--keras3-worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.repeats < 1 or args.samples < 1:
        parser.error("--epochs, --repeats and --samples must be >= 1")
    if args.keras3_worker:
        return keras3_worker(args.keras3_worker, args.data, args.samples, args.epochs,
                             args.repeats)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    for backend in backends:
        if backend not in REFERENCES:
            parser.error(f"--backends: Expected names among {sorted(REFERENCES)}. "
                         f"Received: {backend!r}")

    x, y, source = load_data(args.data, args.samples)
    print(f"MNIST CNN, {len(x)} samples from {source}, batch {BATCH}, median of {args.epochs} "
          f"epochs after the first and of {args.repeats} predict calls", flush=True)
    rows = []
    for backend in backends:
        poly_run, poly_predict_fn = bench_polykeras(backend, x, y)
        ref_run, ref_predict_fn = REFERENCES[backend](x, y)
        poly_epoch, ref_epoch = interleaved_medians(poly_run, ref_run, args.epochs)
        poly_predict, ref_predict = interleaved_medians(poly_predict_fn, ref_predict_fn,
                                                        args.repeats)
        keras3 = None if args.no_keras3 else bench_keras3(backend, args.data, args.samples,
                                                          args.epochs, args.repeats)
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
            "samples": len(x),
        }
        rows.append(row)
        keras3_text = "Keras 3 not run" if keras3 is None else (
            f"Keras 3 epoch {_seconds(keras3['epoch_s'])}, "
            f"predict {_seconds(keras3['predict_s'])}")
        print(f"{backend:>6}: epoch {poly_epoch:.3f}s vs reference {ref_epoch:.3f}s -> ratio "
              f"{row['ratio']:.2f} (target <= {TARGETS[backend]}) "
              f"{'OK' if row['ratio'] <= TARGETS[backend] else 'MISSED'}; predict "
              f"{poly_predict:.3f}s vs {ref_predict:.3f}s -> ratio {row['predict_ratio']:.2f} "
              f"(target <= {PREDICT_TARGET}) "
              f"{'OK' if row['predict_ratio'] <= PREDICT_TARGET else 'MISSED'}; {keras3_text}",
              flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows}, f, indent=2)
        print(f"wrote {args.json}")
    return rows


def _seconds(value):
    return "n/a" if value is None else f"{value:.3f}s"


if __name__ == "__main__":
    main()
