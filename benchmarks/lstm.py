"""LSTM training speed: polykeras's fit and predict against hand-written LSTM training loops.

    python benchmarks/lstm.py [--backends numpy,torch,jax] [--epochs N] [--repeats N]
                              [--threads N] [--no-keras3] [--json PATH]

The model: ``LSTM(64, recurrent_activation='sigmoid')`` (what the backends'
fused kernels compute, ``K.fused_lstm``) -> ``Dense(1, sigmoid)``, binary
cross-entropy, Adam (lr 1e-3), batch 64, on 2,000 generated sequences of 40
steps x 32 features, each labelled by the sign of a fixed random projection
of the sequence. On each backend, against the same training written directly
in that backend's framework, in one run:

* PyTorch: ``torch.nn.LSTM`` and ``nn.Linear``, ``BCEWithLogitsLoss``,
  ``torch.optim.Adam``;
* JAX: the LSTM as a ``lax.scan``, one ``jax.jit``-compiled training step
  (``value_and_grad``, Adam written out);
* NumPy: forward pass, backpropagation through time and Adam written by hand;
* Keras 3 (``keras`` from PyPI), when installed, on the same backend (in a
  subprocess, since Keras 3 picks its backend at import; its NumPy backend
  cannot train, so only its predict is timed there).

The references start from polykeras's initial weights, and their predictions
are checked against polykeras's before timing (same model, same numbers
within float32 tolerance). Times are medians over the epochs after the first
(which compiles) and over repeated ``predict`` calls on the 2,000 sequences
(batch 64); polykeras and the reference alternate epoch by epoch and call by
call, so the noise of a shared machine hits both alike. Polykeras's epoch is
timed by a callback, without ``fit``'s setup. Each time is taken twice: wall
clock (the ratios the targets are about) and this process's CPU time, which
holds steadier on a machine whose cores other jobs share (``cpu_ratio``,
``predict_cpu_ratio``; most telling with ``--threads 1``, where neither side
can use idle cores that the other cannot). Targets: fit within 1.3x of the
reference on PyTorch, 1.1x on JAX, 1.5x on NumPy; predict within 1.2x.
``--threads N`` pins the thread pools of NumPy's BLAS, PyTorch and XLA to N
threads (set before they load). ``--json PATH`` writes ``{"rows":
[{"backend", "polykeras_epoch_s", "reference_epoch_s", "ratio",
"keras3", "keras3_epoch_s", "predict_ratio", ...}]}``; ``keras3`` says whether
Keras 3 was measured, and why not ("Keras 3 not installed", "... skipped",
"... failed"); its times are then null.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _pin_threads(argv):
    """``--threads N``: thread-pool sizes must be set before NumPy/PyTorch/JAX load."""
    for i, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--threads=") else \
            (argv[i + 1] if arg == "--threads" and i + 1 < len(argv) else None)
        if value is not None:
            for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
                os.environ[var] = value
            if value == "1":
                os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                                           " --xla_cpu_multi_thread_eigen=false").strip()
            return int(value)
    return None


THREADS = _pin_threads(sys.argv[1:]) if __name__ == "__main__" else None

import numpy as np  # noqa: E402

sys.path.insert(0, HERE)
from mnist_mlp import median_call  # noqa: E402  (shared timing helper)

SAMPLES, STEPS, FEATURES, UNITS, BATCH = 2000, 40, 32, 64, 64
LR, BETA_1, BETA_2, EPS = 1e-3, 0.9, 0.999, 1e-7
TARGETS = {"jax": 1.1, "torch": 1.3, "numpy": 1.5}
PREDICT_TARGET = 1.2


def generated_data(seed=0):
    """``(x (2000, 40, 32) float32, y (2000, 1) float32)``: Gaussian sequences labelled 1 where
    a fixed random projection of the whole sequence is positive."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((SAMPLES, STEPS, FEATURES)).astype("float32")
    projection = rng.standard_normal(STEPS * FEATURES).astype("float32")
    y = (x.reshape(SAMPLES, -1) @ projection > 0).astype("float32").reshape(-1, 1)
    return x, y


def _batches(n, order=None):
    order = np.arange(n) if order is None else order
    return [order[start:start + BATCH] for start in range(0, n, BATCH)]


def _clocks():
    return time.perf_counter(), time.process_time()


def _timed(fn):
    """``(wall seconds, CPU seconds)`` of ``fn()``, or what it returns when it times itself."""
    wall, cpu = _clocks()
    result = fn()
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], float):
        return result
    end_wall, end_cpu = _clocks()
    return end_wall - wall, end_cpu - cpu


def interleaved_medians(first, second, count):
    """``((wall, cpu), (wall, cpu))``: median seconds of ``first()`` and ``second()`` over
    ``count`` alternating calls, after one untimed call of each. CPU time (this process, all
    its threads) barely moves when other jobs take the machine's cores away, wall time does."""
    first(), second()
    a, b = [], []
    for _ in range(count):
        a.append(_timed(first))
        b.append(_timed(second))
    return tuple(tuple(statistics.median(t[k] for t in side) for k in (0, 1)) for side in (a, b))


# -- polykeras -----------------------------------------------------------------------------

def build_model():
    from polykeras.layers import LSTM, Dense
    from polykeras.models import Sequential
    from polykeras.optimizers import Adam

    model = Sequential()
    model.add(LSTM(UNITS, recurrent_activation="sigmoid", input_shape=(STEPS, FEATURES)))
    model.add(Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer=Adam(lr=LR))
    return model


def bench_polykeras(backend, x, y):
    """``(run_epoch, predict, initial_weights)`` of polykeras on ``backend``; ``run_epoch``
    returns the epoch's ``(wall, CPU)`` seconds as measured by a callback (without fit's
    setup)."""
    sys.path.insert(0, ROOT)
    from polykeras import backend as K
    from polykeras.callbacks import Callback
    from polykeras.utils import set_random_seed

    class EpochTimer(Callback):
        def on_train_begin(self, logs=None):
            self.times = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = _clocks()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(tuple(end - start for end, start in zip(_clocks(), self.start)))

    with K.use_backend(backend):
        set_random_seed(0)
        model = build_model()
        weights = model.get_weights()
    timer = EpochTimer()

    def run_epoch():
        with K.use_backend(backend):
            model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, callbacks=[timer])
        return timer.times[-1]

    def predict():
        with K.use_backend(backend):
            return model.predict(x, batch_size=BATCH)
    return run_epoch, predict, weights


# -- hand-written references ----------------------------------------------------------------
# Each takes the initial weights in Keras's layout: kernel (32, 256), recurrent kernel
# (64, 256), bias (256,) with the gates (i, f, c, o) side by side, dense kernel (64, 1) and
# bias (1,); and returns (run_epoch, predict).

def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def reference_numpy(x, y, weights):
    params = [w.astype("float32").copy() for w in weights]
    moments = [np.zeros_like(p) for p in params]
    velocities = [np.zeros_like(p) for p in params]
    state = {"t": 0}
    rng = np.random.default_rng(1)
    u2, u3 = 2 * UNITS, 3 * UNITS

    def forward(xb, keep):
        W, U, b, Wd, bd = params
        n = len(xb)
        xs = np.ascontiguousarray(xb.transpose(1, 0, 2))
        gates = (xs.reshape(STEPS * n, FEATURES) @ W + b).reshape(STEPS, n, 4 * UNITS)
        hs = np.zeros((STEPS + 1, n, UNITS), np.float32)
        cs = np.zeros((STEPS + 1, n, UNITS), np.float32)
        tanh_cs = np.empty((STEPS, n, UNITS), np.float32)
        for t in range(STEPS):
            z = gates[t]
            z += hs[t] @ U
            z[:, :u2] = _sigmoid(z[:, :u2])
            z[:, u2:u3] = np.tanh(z[:, u2:u3])
            z[:, u3:] = _sigmoid(z[:, u3:])
            cs[t + 1] = z[:, UNITS:u2] * cs[t] + z[:, :UNITS] * z[:, u2:u3]
            tanh_cs[t] = np.tanh(cs[t + 1])
            hs[t + 1] = z[:, u3:] * tanh_cs[t]
        p = _sigmoid(hs[STEPS] @ Wd + bd)
        return (p, (xs, gates, hs, cs, tanh_cs)) if keep else p

    def train_step(xb, yb):
        W, U, b, Wd, bd = params
        n = len(xb)
        p, (xs, gates, hs, cs, tanh_cs) = forward(xb, keep=True)
        d_logits = (p - yb) / np.float32(n)  # binary cross-entropy through the sigmoid
        grads_dense = [hs[STEPS].T @ d_logits, d_logits.sum(axis=0)]
        dh = d_logits @ Wd.T
        dc = np.zeros_like(dh)
        d_gates = np.empty_like(gates)
        for t in range(STEPS - 1, -1, -1):
            z, d = gates[t], d_gates[t]
            i, f, g, o = z[:, :UNITS], z[:, UNITS:u2], z[:, u2:u3], z[:, u3:]
            d[:, u3:] = dh * tanh_cs[t] * o * (1 - o)
            dc = dc + dh * o * (1 - tanh_cs[t] ** 2)
            d[:, :UNITS] = dc * g * i * (1 - i)
            d[:, UNITS:u2] = dc * cs[t] * f * (1 - f)
            d[:, u2:u3] = dc * i * (1 - g * g)
            dh = d @ U.T
            dc = dc * f
        flat = d_gates.reshape(STEPS * n, 4 * UNITS)
        grads = [xs.reshape(STEPS * n, FEATURES).T @ flat,
                 hs[:STEPS].reshape(STEPS * n, UNITS).T @ flat, flat.sum(axis=0)] + grads_dense
        state["t"] += 1
        t = state["t"]
        lr_t = LR * np.sqrt(1 - BETA_2 ** t) / (1 - BETA_1 ** t)
        for p_, m, v, g in zip(params, moments, velocities, grads):
            m *= BETA_1
            m += (1 - BETA_1) * g
            v *= BETA_2
            v += (1 - BETA_2) * g * g
            p_ -= lr_t * m / (np.sqrt(v) + EPS)

    def run_epoch():
        for index in _batches(len(x), rng.permutation(len(x))):
            train_step(x[index], y[index])

    def predict():
        return np.concatenate([forward(x[index], keep=False) for index in _batches(len(x))])
    return run_epoch, predict


def reference_torch(x, y, weights):
    import torch
    from torch import nn

    if THREADS:
        torch.set_num_threads(THREADS)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(FEATURES, UNITS, batch_first=True)
            self.dense = nn.Linear(UNITS, 1)

        def forward(self, xb):
            outputs, _ = self.lstm(xb)
            return self.dense(outputs[:, -1])  # logits

    model = Net()
    W, U, b, Wd, bd = weights
    with torch.no_grad():
        model.lstm.weight_ih_l0.copy_(torch.from_numpy(W.T))
        model.lstm.weight_hh_l0.copy_(torch.from_numpy(U.T))
        model.lstm.bias_ih_l0.copy_(torch.from_numpy(b))
        model.lstm.bias_hh_l0.zero_()
        model.dense.weight.copy_(torch.from_numpy(Wd.T))
        model.dense.bias.copy_(torch.from_numpy(bd))
    optimizer = torch.optim.Adam(model.parameters(), lr=LR, betas=(BETA_1, BETA_2), eps=EPS)
    loss_fn = nn.BCEWithLogitsLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def run_epoch():
        for index in _batches(len(x), torch.randperm(len(x))):
            optimizer.zero_grad()
            loss = loss_fn(model(xt[index]), yt[index])
            loss.backward()
            optimizer.step()

    def predict():
        with torch.no_grad():
            return np.concatenate([torch.sigmoid(model(xt[index])).numpy()
                                   for index in _batches(len(x))])
    return run_epoch, predict


def reference_jax(x, y, weights):
    import jax
    import jax.numpy as jnp
    from jax import lax

    def logits(params, xb):
        W, U, b, Wd, bd = params

        def step(carry, x_t):
            h, c = carry
            z = x_t @ W + h @ U + b
            i = jax.nn.sigmoid(z[:, :UNITS])
            f = jax.nn.sigmoid(z[:, UNITS:2 * UNITS])
            g = jnp.tanh(z[:, 2 * UNITS:3 * UNITS])
            o = jax.nn.sigmoid(z[:, 3 * UNITS:])
            c = f * c + i * g
            h = o * jnp.tanh(c)
            return (h, c), None
        zeros = jnp.zeros((xb.shape[0], UNITS), xb.dtype)
        (h, _), _ = lax.scan(step, (zeros, zeros), jnp.swapaxes(xb, 0, 1))
        return h @ Wd + bd

    def loss_fn(params, xb, yb):
        z = logits(params, xb)
        return jnp.mean(jnp.maximum(z, 0) - z * yb + jnp.log1p(jnp.exp(-jnp.abs(z))))

    @jax.jit
    def train_step(params, moments, velocities, t, xb, yb):
        grads = jax.grad(loss_fn)(params, xb, yb)
        t = t + 1
        lr_t = LR * jnp.sqrt(1 - BETA_2 ** t) / (1 - BETA_1 ** t)
        moments = [BETA_1 * m + (1 - BETA_1) * g for m, g in zip(moments, grads)]
        velocities = [BETA_2 * v + (1 - BETA_2) * g * g for v, g in zip(velocities, grads)]
        params = [p - lr_t * m / (jnp.sqrt(v) + EPS)
                  for p, m, v in zip(params, moments, velocities)]
        return params, moments, velocities, t

    predict_batch = jax.jit(lambda params, xb: jax.nn.sigmoid(logits(params, xb)))
    params = [jnp.asarray(w) for w in weights]
    state = {"params": params, "m": [jnp.zeros_like(p) for p in params],
             "v": [jnp.zeros_like(p) for p in params], "t": jnp.zeros((), jnp.float32)}
    rng = np.random.default_rng(1)

    def run_epoch():
        for index in _batches(len(x), rng.permutation(len(x))):
            state["params"], state["m"], state["v"], state["t"] = train_step(
                state["params"], state["m"], state["v"], state["t"], x[index], y[index])
        jax.block_until_ready(state["params"])

    def predict():
        return np.concatenate([np.asarray(predict_batch(state["params"], x[index]))
                               for index in _batches(len(x))])
    return run_epoch, predict


REFERENCES = {"numpy": reference_numpy, "torch": reference_torch, "jax": reference_jax}


def check_same_predictions(backend, ours, reference, tol=1e-4):
    """Both sides' predictions from the same initial weights agree (the reference computes
    polykeras's model)."""
    a, b = np.asarray(ours(), np.float64), np.asarray(reference(), np.float64)
    if a.shape != b.shape or not np.allclose(a, b, rtol=tol, atol=tol):
        raise AssertionError(f"{backend}: the reference's predictions differ from polykeras's: "
                             f"max abs difference {np.abs(a - b).max():.3g}")


# -- Keras 3, in a subprocess per backend ------------------------------------------------------

def keras3_worker(backend, epochs, repeats):
    """Run in a child process with KERAS_BACKEND set: print Keras 3's timings as JSON."""
    import keras

    if THREADS and backend == "torch":
        import torch
        torch.set_num_threads(THREADS)
    x, y = generated_data()
    model = keras.Sequential([keras.Input((STEPS, FEATURES)),
                              keras.layers.LSTM(UNITS, recurrent_activation="sigmoid"),
                              keras.layers.Dense(1, activation="sigmoid")])
    epoch_s = None
    if backend != "numpy":  # Keras 3's NumPy backend has no training
        model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(LR))

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


def keras3_installed():
    """Whether ``import keras`` would find a package (Keras 3 from PyPI) in this environment."""
    import importlib.util
    try:
        return importlib.util.find_spec("keras") is not None
    except ValueError:
        return False


def bench_keras3(backend, epochs, repeats):
    """Keras 3's timings on ``backend`` (``{"epoch_s", "predict_s"}``), or None when it fails;
    the caller checks :func:`keras3_installed` first."""
    env = dict(os.environ, KERAS_BACKEND=backend)
    command = [sys.executable, os.path.abspath(__file__), "--keras3-worker", backend,
               "--epochs", str(epochs), "--repeats", str(repeats)]
    if THREADS:
        command += ["--threads", str(THREADS)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        print(f"  Keras 3 on {backend} failed: {result.stderr.strip().splitlines()[-1:]}")
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


# -- the run --------------------------------------------------------------------------------

def _seconds(value):
    return "n/a" if value is None else f"{value:.3f}s"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="numpy,torch,jax")
    parser.add_argument("--epochs", type=int, default=5,
                        help="timed epochs, after one untimed (default 5)")
    parser.add_argument("--repeats", type=int, default=5, help="timed predict calls (default 5)")
    parser.add_argument("--threads", type=int, default=None,
                        help="pin NumPy/PyTorch/XLA thread pools to N threads (read before import)")
    parser.add_argument("--no-keras3", action="store_true", help="skip Keras 3 even when installed")
    parser.add_argument("--json", help="write the results there")
    parser.add_argument("--keras3-worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.keras3_worker:
        return keras3_worker(args.keras3_worker, args.epochs, args.repeats)

    x, y = generated_data()
    print(f"LSTM({UNITS}) -> Dense(1, sigmoid), {SAMPLES} sequences of {STEPS} x {FEATURES}, "
          f"batch {BATCH}, Adam; median of {args.epochs} epochs after the first and of "
          f"{args.repeats} predict calls; threads: {THREADS or 'default'}")
    rows = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        if backend not in REFERENCES:
            parser.error(f"--backends: Expected names among {sorted(REFERENCES)}. "
                         f"Received: {backend!r}")
        poly_run, poly_predict_fn, weights = bench_polykeras(backend, x, y)
        ref_run, ref_predict_fn = REFERENCES[backend](x, y, weights)
        check_same_predictions(backend, poly_predict_fn, ref_predict_fn)
        (poly_epoch, poly_epoch_cpu), (ref_epoch, ref_epoch_cpu) = interleaved_medians(
            poly_run, ref_run, args.epochs)
        (poly_predict, poly_predict_cpu), (ref_predict, ref_predict_cpu) = interleaved_medians(
            poly_predict_fn, ref_predict_fn, args.repeats)
        keras3, keras3_note = None, "Keras 3 skipped (--no-keras3)"
        if not args.no_keras3:
            if not keras3_installed():
                keras3_note = "Keras 3 not installed"
            else:
                keras3 = bench_keras3(backend, args.epochs, args.repeats)
                keras3_note = "Keras 3 failed" if keras3 is None else (
                    f"Keras 3 epoch {_seconds(keras3['epoch_s'])}, "
                    f"predict {_seconds(keras3['predict_s'])}")
        row = {
            "backend": backend,
            "threads": THREADS,
            "polykeras_epoch_s": poly_epoch,
            "reference_epoch_s": ref_epoch,
            "ratio": poly_epoch / ref_epoch,
            "keras3": keras3_note if keras3 is None else "measured",
            "keras3_epoch_s": None if keras3 is None else keras3["epoch_s"],
            "predict_ratio": poly_predict / ref_predict,
            "polykeras_predict_s": poly_predict,
            "reference_predict_s": ref_predict,
            "keras3_predict_s": None if keras3 is None else keras3["predict_s"],
            "polykeras_epoch_cpu_s": poly_epoch_cpu,
            "reference_epoch_cpu_s": ref_epoch_cpu,
            "cpu_ratio": poly_epoch_cpu / ref_epoch_cpu,
            "polykeras_predict_cpu_s": poly_predict_cpu,
            "reference_predict_cpu_s": ref_predict_cpu,
            "predict_cpu_ratio": poly_predict_cpu / ref_predict_cpu,
            "target_ratio": TARGETS[backend],
            "target_predict_ratio": PREDICT_TARGET,
        }
        rows.append(row)
        fit_ok = "OK" if row["ratio"] <= TARGETS[backend] else "MISSED"
        predict_ok = "OK" if row["predict_ratio"] <= PREDICT_TARGET else "MISSED"
        print(f"{backend:>6}: epoch {poly_epoch:.3f}s vs reference {ref_epoch:.3f}s -> ratio "
              f"{row['ratio']:.2f} (target <= {TARGETS[backend]}) {fit_ok}; predict "
              f"{poly_predict:.3f}s vs {ref_predict:.3f}s -> ratio {row['predict_ratio']:.2f} "
              f"(target <= {PREDICT_TARGET}) {predict_ok}; CPU-time ratios: epoch "
              f"{row['cpu_ratio']:.2f}, predict {row['predict_cpu_ratio']:.2f}; {keras3_note}",
              flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows}, f, indent=2)
        print(f"wrote {args.json}")
    return rows


if __name__ == "__main__":
    main()
