"""Data parallelism on JAX: the whole compiled step over a device mesh, in one or several processes.

This is the JAX side of the backend extension described in
docs/ARCHITECTURE.md ("Data parallelism"); ``polykeras.utils.multi_gpu_model``
and ``polykeras.distribute`` reach it through
``polykeras.backend.distribution.extension``.

The model's graph is not changed. :class:`MeshStep` calls the function's
``jax.jit`` with its inputs as global arrays on a one-axis ``Mesh``
(``"batch"``): the batch sharded across the devices, the variables and the
PRNG key replicated. XLA partitions the step and combines the gradients with
its collectives, so the result is the single-device computation on the whole
batch. With ``jax.distributed`` the mesh holds every process's devices and
the collectives cross processes (gloo on the CPU, NCCL on GPUs).

A batch that the devices cannot share evenly (its size is not a multiple of
their number) is computed whole on every device: the same values, no speed-up.
"""

from __future__ import annotations

import os

import jax
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from polykeras.backend.graph.executor import InterruptsDeferred

from .executor import Pending as _SingleDevicePending

#: multi_gpu_model keeps the model's graph and shards the compiled step instead.
REPLICATE_IN_GRAPH = False
#: environment variables read by :func:`launcher_environment`.
LAUNCHER = ("jax.distributed (JAX_COORDINATOR_ADDRESS, JAX_NUM_PROCESSES, JAX_PROCESS_ID, "
            "or a cluster JAX detects: SLURM, Open MPI, Kubernetes)")


# -- multi_gpu_model ----------------------------------------------------------------------

def available_devices() -> list:
    """The devices of JAX's default platform in this process (GPUs when there are)."""
    return [str(d) for d in jax.local_devices()]


def resolve_devices(gpus, caller):
    """The ``jax.Device`` of each replica: the first ``gpus`` devices, or those at the listed
    positions of ``jax.local_devices()``.

    Raises:
        ValueError: more devices than exist (the message lists those that do).
    """
    devices = jax.local_devices()
    ids = list(gpus) if isinstance(gpus, (list, tuple)) else list(range(gpus))
    bad = [i for i in ids if isinstance(i, bool) or not isinstance(i, (int, np.integer))
           or not 0 <= i < len(devices)]
    if bad or len(set(ids)) != len(ids):
        hint = ""
        if devices and devices[0].platform == "cpu":
            hint = (" On the CPU, XLA_FLAGS=--xla_force_host_platform_device_count=N (set before "
                    "JAX is imported) makes N CPU devices.")
        raise ValueError(f"{caller}: Expected {len(ids)} distinct devices at positions {ids} for "
                         f"gpus={gpus!r}. Received: this machine only has "
                         f"{available_devices()}.{hint}")
    return [devices[i] for i in ids]


def replicated_function(function, devices):
    """``function`` (a compiled ``K.function``) computing each call over a mesh of ``devices``."""
    return MeshFunction(function, MeshStep(function, devices, processes=False))


class MeshFunction:
    """A compiled function whose calls run over a device mesh (see :class:`MeshStep`)."""

    asynchronous = True

    def __init__(self, function, step):
        self.function = function
        self.step = step

    def __getattr__(self, name):
        return getattr(self.function, name)

    def __call__(self, inputs):
        return self.dispatch(inputs).result()

    def dispatch(self, inputs):
        feeds = self.function.check_feeds(inputs)
        if not self.function._update_variables:
            return self.step.launch(feeds, feeds)
        with InterruptsDeferred():  # a training step stays whole under Ctrl-C
            return self.step.launch(feeds, feeds)


class Pending(_SingleDevicePending):
    """A started call: ``result()`` raises a failed deferred value check as the executor's
    does, and gives the outputs as NumPy arrays (gathered across processes when an output
    is sharded over them)."""

    __slots__ = ()

    def result(self):
        self.raise_failed_checks(_to_numpy)
        return [_to_numpy(o) for o in self.outputs]


def _to_numpy(value):
    if not isinstance(value, jax.Array) or value.is_fully_addressable:
        return np.array(value)
    if value.is_fully_replicated:
        return np.array(value.addressable_data(0))
    return np.asarray(multihost_utils.process_allgather(value, tiled=True))


class MeshStep:
    """Runs a compiled ``JaxFunction`` with global arrays on a mesh of ``devices``.

    Args:
        processes: the mesh spans processes (``jax.distributed``): variables are kept
            as this process's single-device arrays between calls (so the model's other
            functions keep working), and rank 0's values are given to every process at the
            first call.
    """

    def __init__(self, function, devices, processes):
        self.function = function
        self.mesh = Mesh(np.array(devices), ("batch",))
        self.sharded = NamedSharding(self.mesh, P("batch"))
        self.replicated = NamedSharding(self.mesh, P())
        self.processes = processes
        self.local_devices = [d for d in devices if d.process_index == jax.process_index()]
        self._synced = not processes

    def _replicate(self, value):
        if isinstance(value, jax.Array) and value.sharding == self.replicated:
            return value
        if not self.processes:
            return jax.device_put(value, self.replicated)
        shards = [jax.device_put(value, d) for d in self.local_devices]
        return jax.make_array_from_single_device_arrays(np.shape(value), self.replicated, shards)

    def _local(self, value):
        return value.addressable_data(0) if isinstance(value, jax.Array) else value

    def _global_feed(self, local, whole, samples_per_process):
        """One feed as a global array: from the whole batch (every process has it) or from
        this process's part (``samples_per_process``: every process's batch size)."""
        array = whole if whole is not None else local
        if np.ndim(array) == 0:
            return self._replicate(np.asarray(array))
        if whole is not None:
            even = array.shape[0] % len(self.mesh.devices.flat) == 0
            sharding = self.sharded if even else self.replicated
            return jax.make_array_from_callback(array.shape, sharding, lambda index: array[index])
        total = sum(samples_per_process)
        even = (len(set(samples_per_process)) == 1
                and samples_per_process[0] % max(len(self.local_devices), 1) == 0)
        if not even:
            raise ValueError(
                "fit_generator: Expected batches of the same size on every process at each step "
                "(on JAX the global batch is one array sharded across processes) and divisible "
                f"by the {len(self.local_devices)} devices of each process. Received: batch sizes "
                f"{list(samples_per_process)}")
        return jax.make_array_from_process_local_data(self.sharded, array,
                                                      (total,) + tuple(array.shape[1:]))

    def launch(self, local_feeds, global_feeds, samples=None):
        fn = self.function
        if not self._synced:
            for var, _ in fn._variables:
                var.value = multihost_utils.broadcast_one_to_all(np.asarray(var.value))
            if fn._key is not None:
                fn._key = multihost_utils.broadcast_one_to_all(np.asarray(fn._key))
            self._synced = True
        sizes = None
        if global_feeds is None:
            sizes = [int(s) for s in multihost_utils.process_allgather(np.asarray(samples))]
        feeds = [self._global_feed(local, None if global_feeds is None else global_feeds[i], sizes)
                 for i, local in enumerate(local_feeds)]
        for var, _ in fn._variables:
            var.value = self._replicate(var.value)
        if fn._key is not None:
            fn._key = self._replicate(fn._key)
        with self.mesh:
            outputs, flags, messages = fn._launch(feeds)
        if self.processes:
            for var, _ in fn._variables:
                var.value = self._local(var.value)
            fn._key = self._local(fn._key)
        return Pending(outputs, flags, messages)


# -- several processes ----------------------------------------------------------------------

def launcher_environment() -> dict:
    """``rank``, ``world_size``, ``coordinator`` from ``JAX_PROCESS_ID``, ``JAX_NUM_PROCESSES``,
    ``JAX_COORDINATOR_ADDRESS`` (None where unset: JAX may detect them on a cluster)."""
    def integer(name):
        value = os.environ.get(name)
        return None if value in (None, "") else int(value)
    return {"rank": integer("JAX_PROCESS_ID"), "world_size": integer("JAX_NUM_PROCESSES"),
            "coordinator": os.environ.get("JAX_COORDINATOR_ADDRESS") or None, "local_rank": None}


def initialize(rank, world_size, coordinator, timeout, local_rank=None):
    """Start ``jax.distributed`` (CPU collectives through gloo). ``timeout`` bounds the start and
    the detection of a process that died (the coordination service's heartbeat)."""
    try:
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
    except Exception:  # noqa: BLE001 - older jaxlib without the option: JAX's default
        pass
    try:
        jax.distributed.initialize(coordinator_address=coordinator, num_processes=world_size,
                                   process_id=rank, initialization_timeout=int(timeout),
                                   heartbeat_timeout_seconds=max(int(timeout), 2))
    except RuntimeError as exc:
        raise RuntimeError(
            "polykeras.distribute.initialize: JAX's distributed runtime could not start "
            f"({exc}). Call initialize() at the start of the program, before anything "
            "(a model, a variable) makes JAX compute.") from exc
    return {"rank": jax.process_index(), "world_size": jax.process_count()}


def shutdown():
    jax.distributed.shutdown()


def broadcast_seed(seed: int) -> int:
    return int(multihost_utils.broadcast_one_to_all(np.asarray(seed, dtype=np.int32)))


class ProcessStep:
    """One process's share of a compiled function over the mesh of every process's devices.

    ``run(local_feeds, global_feeds, samples)``: with ``global_feeds`` (every process holds
    the whole batch) the global arrays are made from it; otherwise from each process's
    ``local_feeds``. The outputs are those of the whole batch.
    """

    asynchronous = True

    def __init__(self, function, averages_gradients):
        self.step = MeshStep(function, jax.devices(), processes=True)

    def run(self, local_feeds, global_feeds, samples):
        return self.step.launch(local_feeds, global_feeds, samples).result()

    def dispatch(self, local_feeds, global_feeds, samples):
        return self.step.launch(local_feeds, global_feeds, samples)
