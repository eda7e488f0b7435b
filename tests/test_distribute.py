"""Data parallelism: multi_gpu_model and polykeras.distribute (issue 19).

The property: N replicas (devices or processes) training on a global batch end
with the weights one model gets on that batch, within float32 tolerance. The
reference is plain NumPy float64 SGD on the same MLP (Dense tanh -> Dense
softmax, categorical cross-entropy), never a backend.

JAX's two CPU devices need XLA_FLAGS before JAX is imported, and two-process
training needs two processes: those tests start fresh interpreters
(tests/multi_gpu_worker.py, tests/distributed_worker.py), bounded by TIMEOUT.
On a machine with GPUs the same scripts use them (JAX's default devices are
the GPUs; torch.distributed uses NCCL and one GPU per process; the PyTorch
multi_gpu_model test uses ``cuda:0``/``cuda:1`` when two exist).
"""

import os
import pathlib
import shutil
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

HERE = pathlib.Path(__file__).resolve().parent
TIMEOUT = 90  # seconds for a whole subprocess test; a hang fails instead of blocking
BATCH, LR = 8, 0.5


def data(samples=24):
    rng = np.random.RandomState(0)
    x = rng.randn(samples, 5).astype("float32")
    y = np.eye(3, dtype="float32")[rng.randint(0, 3, samples)]
    return x, y


def initial_weights(seed):
    rng = np.random.RandomState(seed)
    return [rng.randn(5, 8).astype("float32") * 0.5, rng.randn(8).astype("float32") * 0.1,
            rng.randn(8, 3).astype("float32") * 0.5, rng.randn(3).astype("float32") * 0.1]


def reference_sgd(weights, x, y, batch_size, lr=LR):
    """Plain NumPy float64 SGD of the MLP over ``x`` in order, one step per batch."""
    w = [np.asarray(a, np.float64) for a in weights]
    for start in range(0, len(x), batch_size):
        xb, yb = x[start:start + batch_size].astype(np.float64), y[start:start + batch_size]
        h = np.tanh(xb @ w[0] + w[1])
        z = h @ w[2] + w[3]
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        dz = (p - yb) / len(xb)
        dh = dz @ w[2].T * (1 - h ** 2)
        grads = [xb.T @ dh, dh.sum(0), h.T @ dz, dz.sum(0)]
        w = [a - lr * g for a, g in zip(w, grads)]
    return w


def assert_weights(actual, expected):
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-5)


def mlp(keras):
    model = keras.models.Sequential([keras.layers.Dense(8, activation="tanh", input_shape=(5,)),
                                     keras.layers.Dense(3, activation="softmax")])
    model.set_weights(initial_weights(1))
    return model


@pytest.fixture
def torch_keras():
    from polykeras import backend as K
    with K.use_backend("torch"):
        import polykeras as keras
        yield keras


# -- multi_gpu_model ------------------------------------------------------------------------

@pytest.mark.parametrize("placed", [False, True], ids=["cpu-replicas", "moved-between-devices"])
def test_multi_gpu_model_torch_trains_like_one_model(torch_keras, monkeypatch, tmp_path, placed):
    import torch

    from polykeras.backends.torch import distribute as torch_distribute
    from polykeras.utils import multi_gpu_model
    keras = torch_keras
    if torch.cuda.device_count() >= 2:
        gpus = 2
    else:
        gpus = ["cpu", "cpu"]
        if placed:  # every step moves its arguments (to the CPU): the path GPUs take
            monkeypatch.setattr(torch_distribute, "DEVICE", torch.device("cpu", 0))
    placements = []
    compile_program = torch_distribute.compile_program

    def recording(plan, caller, raw, **kwargs):
        placements.append(kwargs.get("placement"))
        return compile_program(plan, caller, raw, **kwargs)
    monkeypatch.setattr(torch_distribute, "compile_program", recording)
    x, y = data(21)  # batches 8, 8, 5: the last one splits 2 + 3
    template = mlp(keras)
    parallel = multi_gpu_model(template, gpus=gpus)
    assert parallel.output_names == template.output_names
    parallel.compile(keras.optimizers.SGD(lr=LR), "categorical_crossentropy")
    parallel.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    expected = reference_sgd(initial_weights(1), x, y, BATCH)
    assert_weights(template.get_weights(), expected)  # the template holds the trained weights
    if placed:  # the replicas' steps (dense, tanh, softmax...) were given the replica devices
        assert placements and sum(d == torch.device("cpu") for d in placements[0].values()) >= 8
    np.testing.assert_allclose(parallel.predict(x, batch_size=6), template.predict(x),
                               rtol=1e-5, atol=1e-6)
    template.save(str(tmp_path / "template.h5"))
    assert_weights(keras.models.load_model(str(tmp_path / "template.h5")).get_weights(), expected)


def test_multi_gpu_model_jax_shards_the_step_over_two_devices(tmp_path):
    out = tmp_path / "jax.npz"
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2")
    result = subprocess.run([sys.executable, str(HERE / "multi_gpu_worker.py"), str(out)],
                            env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr[-3000:]
    saved = np.load(out)
    x, y = data(21)
    assert_weights([saved[f"arr_{i}"] for i in range(4)],
                   reference_sgd(initial_weights(1), x, y, BATCH))
    assert int(saved["devices_of_weights"]) == 2  # the weights were replicated on both devices
    np.testing.assert_allclose(saved["parallel_predict"], saved["template_predict"],
                               rtol=1e-5, atol=1e-6)
    message = str(saved["too_many"])
    assert message.startswith("multi_gpu_model: Expected 3 distinct devices") \
        and "this machine only has" in message


def test_multi_gpu_model_bad_input(torch_keras):
    from polykeras.utils import multi_gpu_model
    keras = torch_keras
    template = mlp(keras)
    with pytest.raises(ValueError, match=r"multi_gpu_model: Expected gpus >= 2.*gpus=1"):
        multi_gpu_model(template, gpus=1)
    with pytest.raises(ValueError, match=r"multi_gpu_model: Expected len\(gpus\) >= 2"):
        multi_gpu_model(template, gpus=[0])
    with pytest.raises(ValueError, match=r"multi_gpu_model: Expected 64 available devices.*"
                                         r"only has \[.*'cpu'\]"):
        multi_gpu_model(template, gpus=64)
    parallel = multi_gpu_model(template, gpus=["cpu", "cpu"])
    parallel.compile("sgd", "categorical_crossentropy")
    x, y = data(9)
    with pytest.raises(ValueError, match=r"fit: Expected batches of at least 2 samples, one per "
                                         r"replica of multi_gpu_model.*batch sizes \[1, 8\]"):
        parallel.fit(x, y, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match="at least 2 samples"):
        parallel.train_on_batch(x[:1], y[:1])
    stateful = keras.models.Sequential([keras.layers.SimpleRNN(
        4, stateful=True, batch_input_shape=(4, 3, 2), name="rnn")])
    with pytest.raises(ValueError, match=r"multi_gpu_model: Expected a model without stateful "
                                         r"layers.*\['rnn'\]"):
        multi_gpu_model(stateful, gpus=["cpu", "cpu"])


def test_multi_gpu_model_needs_a_parallel_backend():
    from polykeras import backend as K
    with K.use_backend("numpy"):
        import polykeras as keras
        from polykeras.utils import multi_gpu_model
        with pytest.raises(ValueError, match=r"multi_gpu_model: Expected a backend with data "
                                             r"parallelism.*backend='numpy'"):
            multi_gpu_model(mlp(keras), gpus=2)


# -- several processes --------------------------------------------------------------------

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gpu_count():
    """GPUs on this machine (without importing a framework's GPU runtime here)."""
    if not shutil.which("nvidia-smi"):
        return 0
    listing = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True)
    return listing.stdout.count("GPU ") if listing.returncode == 0 else 0


def _launch(backend, out, world=2):
    """Start the worker processes as the backend's launcher would; ``(returncodes, logs, s)``.

    With a GPU per process, each process gets its own (PyTorch: NCCL; JAX: its device);
    otherwise they run on the CPU (gloo).
    """
    port = _free_port()
    gpus = _gpu_count()
    procs = []
    for rank in range(world):
        env = dict(os.environ)
        env.pop("XLA_FLAGS", None)
        if backend == "torch":
            env.update(RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank),
                       LOCAL_WORLD_SIZE=str(world), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        else:
            env.update(JAX_PROCESS_ID=str(rank), JAX_NUM_PROCESSES=str(world),
                       JAX_COORDINATOR_ADDRESS=f"127.0.0.1:{port}")
            if gpus >= world:
                env.update(JAX_LOCAL_DEVICE_IDS=str(rank), XLA_PYTHON_CLIENT_PREALLOCATE="false")
            else:
                env["JAX_PLATFORMS"] = "cpu"
        procs.append(subprocess.Popen(
            [sys.executable, str(HERE / "distributed_worker.py"), backend, str(out)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    start = time.time()
    logs = []
    try:
        for proc in procs:
            logs.append(proc.communicate(timeout=max(1, TIMEOUT - (time.time() - start)))[0])
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return [p.returncode for p in procs], logs, time.time() - start


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_two_processes_train_like_one_and_stop_when_one_dies(backend, tmp_path):
    codes, logs, elapsed = _launch(backend, tmp_path)
    log = "\n".join(log[-3000:] for log in logs)
    x, y = data(24)
    after_arrays = reference_sgd(initial_weights(1), x, y, BATCH)
    after_sequence = reference_sgd(after_arrays, x, y, BATCH)
    for rank in (0, 1):  # rank 1 started from other weights: both trained rank 0's
        arrays = np.load(tmp_path / f"rank{rank}_arrays.npz")
        assert_weights([arrays[f"arr_{i}"] for i in range(4)], after_arrays)
        sequence = np.load(tmp_path / f"rank{rank}_sequence.npz")
        assert_weights([sequence[f"arr_{i}"] for i in range(4)], after_sequence)
    # the logged loss is the global batch's, the same on both processes
    assert np.load(tmp_path / "rank0_arrays.npz")["loss"] == \
        np.load(tmp_path / "rank1_arrays.npz")["loss"]
    # then rank 1 died: rank 0 stopped with an error, in bounded time
    assert codes[1] == 3, log
    assert codes[0] != 0 and "TRAINING DID NOT FAIL" not in logs[0], log
    assert "TRAINING FAILED" in logs[0] or "Terminating process" in logs[0], log
    assert elapsed < TIMEOUT


def test_initialize_refuses_a_mismatched_world(torch_keras, monkeypatch):
    from polykeras import distribute
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", "29999")
    with pytest.raises(ValueError, match=r"initialize: Expected world_size=2 from the launcher's "
                                         r"environment.*Received: world_size=3"):
        distribute.initialize(world_size=3)
    with pytest.raises(ValueError, match=r"initialize: Expected rank=0 .*Received: rank=1"):
        distribute.initialize(rank=1)
    monkeypatch.setenv("RANK", "2")
    with pytest.raises(ValueError, match=r"initialize: Expected rank < world_size"):
        distribute.initialize()
    for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name)
    with pytest.raises(ValueError, match=r"initialize: Expected \['world_size', 'rank', "
                                         r"'coordinator'\] from the launcher.*torchrun"):
        distribute.initialize()
    assert not distribute.is_initialized()


def test_initialize_needs_a_parallel_backend():
    from polykeras import backend as K
    from polykeras import distribute
    with K.use_backend("numpy"):
        with pytest.raises(ValueError, match=r"initialize: Expected a backend with data "
                                             r"parallelism.*backend='numpy'"):
            distribute.initialize()


def test_sharded_sequence_reads_every_world_size_th_batch():
    from polykeras import distribute
    from polykeras.utils import Sequence

    class Numbers(Sequence):
        def __len__(self):
            return 7

        def __getitem__(self, i):
            return i

    shards = [distribute.ShardedSequence(Numbers(), rank, 3) for rank in range(3)]
    assert [list(s) for s in shards] == [[0, 3], [1, 4], [2, 5]]
    with pytest.raises(ValueError, match=r"Expected a Sequence of at least 8 batches.*Received: 7"):
        distribute.ShardedSequence(Numbers(), 0, 8)
    assert [distribute.split(5, 2, i) for i in range(2)] == [(0, 2), (2, 5)]
