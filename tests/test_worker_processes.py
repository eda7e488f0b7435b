"""Enqueuers and fit_generator with worker processes (use_multiprocessing=True).

Once JAX or PyTorch is loaded, worker processes are started with "forkserver"
(forking a process that runs their threads can deadlock): what they read is
pickled to them. Every test here is bounded in time and checks that no worker
process outlives the enqueuer.
"""

import multiprocessing
import os
import sys
import threading
import time
import types

import numpy as np
import pytest

from polykeras import optimizers
from polykeras.layers import Dense
from polykeras.models import Sequential
from polykeras.utils import (
    GeneratorEnqueuer,
    OrderedEnqueuer,
    Sequence,
    data_utils,
    set_random_seed,
)

from worker_sequences import CountingIterator, DyingSequence, EpochSequence, LinearSequence

SEED = 1234
TIMEOUT = 120  # seconds; a hang fails the test instead of blocking the suite


@pytest.fixture
def forkserver(monkeypatch):
    """Start worker processes with forkserver whatever is loaded (the path JAX and PyTorch take)."""
    monkeypatch.setattr(data_utils, "worker_start_method",
                        lambda: ("forkserver", "forced by the test"))


def _run_with_timeout(fn, timeout=TIMEOUT):
    result = {}

    def target():
        try:
            result["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - inspected by the test
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"still running after {timeout} s: hung"
    return result


def _alive(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            return "\nState:\tZ" not in status.read()  # a zombie has exited
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _worker_pids(pid_dir):
    return {int(name) for name in os.listdir(pid_dir)} - {os.getpid()}


def _assert_gone(pids, timeout=15):
    deadline = time.monotonic() + timeout
    alive = set(pids)
    while alive and time.monotonic() < deadline:
        alive = {pid for pid in alive if _alive(pid)}
        time.sleep(0.05)
    assert not alive, f"worker processes left behind: {sorted(alive)}"


def _linear_model():
    set_random_seed(SEED)
    model = Sequential([Dense(1, input_shape=(3,))])
    model.compile(optimizers.SGD(lr=0.1), "mse")
    return model


# -- fit_generator trains with worker processes -----------------------------------------------

def test_fit_generator_with_processes_trains_on_every_backend(backend, tmp_path):
    """The same batches in the same order (shuffle=False) as reading in this thread, so the
    same weights; the workers are gone when fit_generator returns."""
    reference = _linear_model()
    reference.fit_generator(LinearSequence(), epochs=2, workers=0, verbose=0)

    model = _linear_model()
    sequence = LinearSequence(pid_dir=str(tmp_path))
    result = _run_with_timeout(lambda: model.fit_generator(
        sequence, epochs=2, workers=2, use_multiprocessing=True, shuffle=False, verbose=0))
    assert "error" not in result, result.get("error")
    losses = result["value"].history["loss"]
    assert losses[1] < losses[0]
    for expected, got in zip(reference.get_weights(), model.get_weights()):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)
    pids = _worker_pids(tmp_path)
    assert pids, "the batches were not read by worker processes"
    _assert_gone(pids)


def test_fit_generator_raises_when_a_worker_dies(backend, forkserver, tmp_path):
    model = _linear_model()
    sequence = DyingSequence(os.getpid(), die_at=2, pid_dir=str(tmp_path))
    result = _run_with_timeout(lambda: model.fit_generator(
        sequence, epochs=2, workers=2, use_multiprocessing=True, verbose=0))
    assert isinstance(result.get("error"), RuntimeError), result
    assert "worker process died" in str(result["error"])
    _assert_gone(_worker_pids(tmp_path))
    model.fit(np.zeros((4, 3), "float32"), np.zeros((4, 1), "float32"), verbose=0)  # still usable


# -- OrderedEnqueuer ----------------------------------------------------------------------------

def test_ordered_enqueuer_workers_see_the_state_left_by_on_epoch_end(forkserver):
    """The workers hold a pickled copy: after on_epoch_end they must read the new state."""
    sequence = EpochSequence(3)
    enqueuer = OrderedEnqueuer(sequence, use_multiprocessing=True)
    enqueuer.start(workers=2, max_queue_size=3)

    def read():
        batches = enqueuer.get()
        return [next(batches) for _ in range(6)]

    result = _run_with_timeout(read)
    enqueuer.stop()
    assert "error" not in result, result.get("error")
    assert [(epoch, index) for epoch, index, _ in result["value"]] == [
        (0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    assert sequence.epoch >= 1
    pids = {pid for _, _, pid in result["value"]}
    assert os.getpid() not in pids
    _assert_gone(pids)


def test_ordered_enqueuer_raises_when_a_worker_dies(forkserver, tmp_path):
    enqueuer = OrderedEnqueuer(DyingSequence(os.getpid(), die_at=2, pid_dir=str(tmp_path)),
                               use_multiprocessing=True)
    enqueuer.start(workers=2, max_queue_size=4)

    def read():
        batches = enqueuer.get()
        return [next(batches) for _ in range(6)]

    result = _run_with_timeout(read)
    assert isinstance(result.get("error"), RuntimeError), result
    assert "OrderedEnqueuer: a worker process died" in str(result["error"])
    assert not enqueuer.is_running()
    _assert_gone(_worker_pids(tmp_path))


def test_ordered_enqueuer_reports_a_worker_that_cannot_load_the_sequence(forkserver, monkeypatch):
    """The class is importable when pickled here but not in the worker: a clear error."""
    monkeypatch.setattr(data_utils, "_payload_for_workers", lambda owner, obj, what: (
        multiprocessing.get_context("forkserver"), b"not a pickle"))
    enqueuer = OrderedEnqueuer(LinearSequence(), use_multiprocessing=True)
    enqueuer.start(workers=1)
    result = _run_with_timeout(lambda: next(enqueuer.get()))
    assert isinstance(result.get("error"), RuntimeError), result
    assert "could not load the Sequence: UnpicklingError" in str(result["error"])


def test_what_workers_cannot_receive_gives_a_clear_error(forkserver):
    class LocalSequence(Sequence):  # a class inside a function cannot be pickled
        def __len__(self):
            return 1

        def __getitem__(self, index):
            return index

    with pytest.raises(ValueError, match=(
            r"OrderedEnqueuer: use_multiprocessing=True starts worker processes with "
            r"'forkserver' \(forced by the test\), which must pickle the Sequence; .*LocalSequence "
            r"cannot be pickled \(.*\)\. To fix it, define it at the top level of an importable "
            r"module.*use_multiprocessing=False")):
        OrderedEnqueuer(LocalSequence(), use_multiprocessing=True).start(workers=2)

    with pytest.raises(ValueError, match=(
            r"GeneratorEnqueuer: .*'forkserver'.*a Python generator cannot be pickled\. Use a "
            r"keras\.utils\.Sequence")):
        GeneratorEnqueuer((i for i in range(3)), use_multiprocessing=True).start(workers=2)


def test_fit_generator_with_a_generator_and_processes_explains_the_alternatives(forkserver):
    model = _linear_model()
    batches = (LinearSequence()[i % 4] for i in range(100))
    with pytest.raises(ValueError, match="generator cannot be pickled.*Sequence"):
        model.fit_generator(batches, steps_per_epoch=2, workers=2, use_multiprocessing=True,
                            verbose=0)
    model.fit_generator(batches, steps_per_epoch=2, workers=2, verbose=0)  # threads: fine


# -- GeneratorEnqueuer ---------------------------------------------------------------------------

def test_generator_enqueuer_processes_run_a_picklable_iterator(forkserver, tmp_path):
    enqueuer = GeneratorEnqueuer(CountingIterator(4, pid_dir=str(tmp_path)),
                                 use_multiprocessing=True, random_seed=3)
    enqueuer.start(workers=2, max_queue_size=10)
    result = _run_with_timeout(lambda: sorted(enqueuer.get()))
    assert result.get("value") == [0, 0, 1, 1, 2, 2, 3, 3]  # one copy per process, as Keras
    assert not enqueuer.is_running()
    _assert_gone(_worker_pids(tmp_path))


def test_generator_enqueuer_raises_when_a_worker_dies(forkserver, tmp_path):
    enqueuer = GeneratorEnqueuer(CountingIterator(100, os.getpid(), die_at=3,
                                                  pid_dir=str(tmp_path)),
                                 use_multiprocessing=True)
    enqueuer.start(workers=1, max_queue_size=2)
    result = _run_with_timeout(lambda: list(enqueuer.get()))
    assert isinstance(result.get("error"), RuntimeError), result
    assert "worker process 0" in str(result["error"]) and "exit code 3" in str(result["error"])
    assert not enqueuer.is_running()
    _assert_gone(_worker_pids(tmp_path))


# -- the start method -------------------------------------------------------------------------

def test_worker_start_method_follows_the_loaded_frameworks(monkeypatch):
    monkeypatch.setattr(multiprocessing, "get_start_method", lambda allow_none=False: None)
    for name in ("jax", "jaxlib", "torch"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    assert data_utils.worker_start_method() == (multiprocessing.get_all_start_methods()[0],
                                                "the platform's default")
    monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))
    method, reason = data_utils.worker_start_method()
    assert method in ("forkserver", "spawn") and reason.startswith("torch is loaded")
    monkeypatch.setattr(multiprocessing, "get_start_method", lambda allow_none=False: "spawn")
    assert data_utils.worker_start_method() == ("spawn",
                                                "set with multiprocessing.set_start_method")
    monkeypatch.setattr(multiprocessing, "get_start_method", lambda allow_none=False: "fork")
    assert data_utils.worker_start_method()[0] in ("forkserver", "spawn")  # not fork with torch
