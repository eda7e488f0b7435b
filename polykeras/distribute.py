"""Data-parallel training across processes and machines, on the frameworks' own engines.

Not part of Keras 2.2. In a program started by the framework's launcher::

    from polykeras import distribute
    distribute.initialize()          # first thing: before any model is built
    model = build_model(); model.compile(...)
    model.fit(x, y, batch_size=256)  # 256 = the global batch, shared by the processes

* PyTorch: ``torchrun --nproc_per_node=N script.py`` (or ``--nnodes``...): the
  processes join a ``torch.distributed`` group (NCCL on GPUs, gloo on the CPU);
  each step's gradients are all-reduced before the update.
* JAX: one process per host with ``JAX_COORDINATOR_ADDRESS=host:port``,
  ``JAX_NUM_PROCESSES`` and ``JAX_PROCESS_ID`` (or on a cluster JAX detects):
  ``jax.distributed`` puts every process's devices in one mesh, and the
  compiled step runs over all of them (XLA's collectives; gloo on the CPU).

What ``fit`` does once :func:`initialize` ran:

* ``fit`` on arrays: every process passes the same arrays; each batch of
  ``batch_size`` samples (the *global* batch) is cut into one part per process
  (as ``multi_gpu_model`` cuts it per device), and each process computes only
  its part. ``shuffle`` draws the same order everywhere: :func:`initialize`
  seeds NumPy's global generator with rank 0's seed.
* ``fit_generator`` on a ``Sequence``: process ``r`` of ``N`` reads batches
  ``r, r + N, r + 2N, ...``: a step trains on ``N`` of its batches at once,
  ``len(sequence) // N`` steps an epoch. A plain generator must yield this
  process's own batches.
* The update uses the gradient of the mean loss over the global batch, and
  the logged loss and metrics are those of the global batch, on every
  process. Every process starts from rank 0's weights and ends with the same
  weights. Only rank 0 prints progress and runs the callbacks that write
  files (``ModelCheckpoint``, ``CSVLogger``, ``TensorBoard``,
  ``RemoteMonitor``); guard your own ``model.save`` with :func:`is_chief`.
* ``evaluate`` splits batches the same way; ``predict`` computes everything
  in each process.

A process that dies makes the others fail with an error (the collective
reports the lost peer, or ``timeout`` seconds pass) instead of waiting forever.
"""

from __future__ import annotations

import contextlib
import contextvars

import numpy as np

from .backend.distribution import extension
from .utils.data_utils import Sequence

_STATE = {"ext": None, "rank": 0, "world_size": 1}
#: Whether the batches fed now are this process's own (generators) rather than global ones.
_LOCAL_BATCHES = contextvars.ContextVar("polykeras_local_batches", default=False)

#: Callbacks that write files or send data: only rank 0 keeps them.
WRITING_CALLBACKS = ("ModelCheckpoint", "CSVLogger", "TensorBoard", "RemoteMonitor")


def initialize(world_size=None, rank=None, coordinator_address=None, timeout=300.0):
    """Join the processes started by the backend's launcher; call it before building models.

    Args:
        world_size, rank, coordinator_address (``"host:port"``): taken from the launcher's
            environment when None (PyTorch: ``WORLD_SIZE``, ``RANK``, ``MASTER_ADDR`` and
            ``MASTER_PORT`` of torchrun; JAX: ``JAX_NUM_PROCESSES``, ``JAX_PROCESS_ID``,
            ``JAX_COORDINATOR_ADDRESS``, or JAX's cluster detection). Given, they must agree
            with that environment.
        timeout: seconds to wait for the other processes to join, and for a collective
            (PyTorch) or the heartbeat of a process (JAX) before failing.

    Raises:
        ValueError: the NumPy backend; a world size or rank that disagrees with the
            launcher's environment or the process group; missing launch information;
            a second call.
    """
    ext = extension("initialize")
    if _STATE["ext"] is not None:
        raise ValueError("initialize: Expected one call per process. Received: a second call "
                         f"(this process is already rank {_STATE['rank']} of {_STATE['world_size']})")
    env = ext.launcher_environment()
    given = {"world_size": world_size, "rank": rank, "coordinator": coordinator_address}
    for key, value in given.items():
        if value is not None and env.get(key) is not None and env[key] != value:
            raise ValueError(f"initialize: Expected {key}={env[key]!r} from the launcher's "
                             f"environment ({ext.LAUNCHER}). Received: {key}={value!r}")
    settings = {key: value if value is not None else env.get(key) for key, value in given.items()}
    for key in ("world_size", "rank"):
        value = settings[key]
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer))
                                  or value < (1 if key == "world_size" else 0)):
            raise ValueError(f"initialize: Expected {key} to be a "
                             f"{'positive' if key == 'world_size' else 'non-negative'} integer. "
                             f"Received: {key}={value!r}")
    if settings["rank"] is not None and settings["world_size"] is not None \
            and settings["rank"] >= settings["world_size"]:
        raise ValueError(f"initialize: Expected rank < world_size. Received: rank="
                         f"{settings['rank']}, world_size={settings['world_size']}")
    if ext.REPLICATE_IN_GRAPH and None in settings.values():
        missing = [k for k, v in settings.items() if v is None]
        raise ValueError(f"initialize: Expected {missing} from the launcher ({ext.LAUNCHER}) or "
                         "as arguments. Received: none. Start the script with torchrun, e.g. "
                         "torchrun --nproc_per_node=2 script.py")
    found = ext.initialize(settings["rank"], settings["world_size"], settings["coordinator"],
                           float(timeout), local_rank=env.get("local_rank"))
    if found:
        if settings["world_size"] is not None and found["world_size"] != settings["world_size"]:
            raise ValueError(f"initialize: Expected a world of {settings['world_size']} "
                             f"processes. Received: {found['world_size']} joined")
        settings.update(found)
    _STATE.update(ext=ext, rank=int(settings["rank"]), world_size=int(settings["world_size"]))
    np.random.seed(ext.broadcast_seed(int(np.random.randint(0, 2 ** 31 - 1))))


def shutdown():
    """Leave the process group (the processes should all call it, at the end)."""
    if _STATE["ext"] is not None:
        _STATE["ext"].shutdown()
    _STATE.update(ext=None, rank=0, world_size=1)


def is_initialized() -> bool:
    return _STATE["ext"] is not None


def rank() -> int:
    """This process's rank (0 without :func:`initialize`)."""
    return _STATE["rank"]


def world_size() -> int:
    """The number of processes (1 without :func:`initialize`)."""
    return _STATE["world_size"]


def is_chief() -> bool:
    """Whether this process writes checkpoints and logs (rank 0)."""
    return _STATE["rank"] == 0


# -- hooks of the training engine ---------------------------------------------------------------

def wrap_function(function, kind):
    """``function`` (a compiled train or test function) computing across processes, or
    ``function`` itself when :func:`initialize` did not run or for ``kind="predict"``."""
    if _STATE["ext"] is None or kind == "predict":
        return function
    return ProcessFunction(function, _STATE["ext"].ProcessStep(function, kind == "train"),
                           _STATE["rank"], _STATE["world_size"])


def callbacks_for_process(callbacks, verbose):
    """``(callbacks, verbose)`` for this process: rank > 0 neither prints nor writes."""
    if _STATE["ext"] is None or is_chief():
        return callbacks, verbose
    kept = [c for c in (callbacks or []) if type(c).__name__ not in WRITING_CALLBACKS]
    return kept, 0


@contextlib.contextmanager
def local_batches():
    """The batches fed inside are this process's own (a generator's), not global ones."""
    token = _LOCAL_BATCHES.set(True)
    try:
        yield
    finally:
        _LOCAL_BATCHES.reset(token)


def shard_sequence(sequence):
    """This process's batches of ``sequence`` (unchanged without :func:`initialize`)."""
    if _STATE["ext"] is None or not isinstance(sequence, Sequence) \
            or isinstance(sequence, ShardedSequence):
        return sequence
    return ShardedSequence(sequence, _STATE["rank"], _STATE["world_size"])


class ShardedSequence(Sequence):
    """Batches ``rank, rank + world_size, ...`` of a ``Sequence``: ``len(sequence) // world_size``
    of them (the last ``len % world_size`` batches are not read)."""

    def __init__(self, sequence, rank, world_size):
        if len(sequence) < world_size:
            raise ValueError(f"fit_generator: Expected a Sequence of at least {world_size} batches, "
                             f"one per process. Received: {len(sequence)} batches")
        self.sequence, self.rank, self.world_size = sequence, rank, world_size

    def __len__(self):
        return len(self.sequence) // self.world_size

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"ShardedSequence: index {index} out of range [0, {len(self)})")
        return self.sequence[index * self.world_size + self.rank]

    def on_epoch_end(self):
        self.sequence.on_epoch_end()


def split(size, parts, index):
    """``(start, end)`` of part ``index`` of ``parts`` of ``size`` samples (the last takes the
    remainder), as ``multi_gpu_model`` cuts a batch."""
    step = size // parts
    start = step * index
    return start, size if index == parts - 1 else start + step


class ProcessFunction:
    """A compiled function computing across processes: it takes global batches (arrays) or,
    inside :func:`local_batches`, this process's own."""

    asynchronous = False  # each call waits for the collectives

    def __init__(self, function, step, rank, world_size):
        self.function, self.step = function, step
        self.rank, self.world_size = rank, world_size

    def __getattr__(self, name):
        return getattr(self.function, name)

    def _feeds(self, inputs):
        feeds = self.function.check_feeds(inputs)
        batched = [i for i, f in enumerate(feeds) if np.ndim(f)]
        if not batched:
            return feeds, None, 1
        samples = int(feeds[batched[0]].shape[0])
        if _LOCAL_BATCHES.get():
            return feeds, None, samples
        if samples < self.world_size:
            raise ValueError(f"fit: Expected batches of at least {self.world_size} samples, one "
                             f"per process (polykeras.distribute). Received: a batch of {samples} "
                             "samples. Choose batch_size and the number of samples so that every "
                             f"batch (the last one too) has >= {self.world_size} samples.")
        start, end = split(samples, self.world_size, self.rank)
        local = [f[start:end] if np.ndim(f) else f for f in feeds]
        return local, feeds, end - start

    def __call__(self, inputs):
        return self.step.run(*self._feeds(inputs))
