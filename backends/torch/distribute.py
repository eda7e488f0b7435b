"""Data parallelism on PyTorch: replicas on several devices, and ``torch.distributed`` processes.

This is the PyTorch side of the backend extension described in
docs/ARCHITECTURE.md ("Data parallelism"); ``polykeras.utils.multi_gpu_model``
and ``polykeras.distribute`` reach it through
``polykeras.backend.distribution.extension``.

* ``multi_gpu_model``: the model graph is Keras 2.2.4's (the batch sliced,
  the template model applied to each slice, the outputs concatenated).
  :func:`place_replicas` recompiles a function so that the steps of replica
  ``i`` run on its device; PyTorch's autograd carries the gradients back
  across devices and sums them on the variables, which live on
  ``core.DEVICE``. When every replica device is that device (on a machine
  without CUDA, ``gpus=['cpu', 'cpu']``), nothing moves: the replicas are
  the sub-batches computed one after the other.
* Several processes (``torchrun``): :class:`ProcessStep` runs the compiled
  function on the process's part of the batch with a gradient hook that
  all-reduces the gradients (weighted by the samples of each process, one
  flat buffer per dtype) before the optimizer reads them; gloo on the CPU,
  NCCL on CUDA.
"""

from __future__ import annotations

import datetime
import os

import numpy as np
import torch
import torch.distributed as dist

from .core import DEVICE
from .executor import compile_program

#: multi_gpu_model builds Keras's sliced graph; :func:`place_replicas` assigns devices.
REPLICATE_IN_GRAPH = True
#: environment variables of ``torchrun`` read by :func:`launcher_environment`.
LAUNCHER = "torchrun (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT)"


# -- multi_gpu_model ----------------------------------------------------------------------

def available_devices() -> list:
    """The device names replicas may use: every CUDA device, and ``'cpu'``."""
    return [f"cuda:{i}" for i in range(torch.cuda.device_count())] + ["cpu"]


def resolve_devices(gpus, caller):
    """The ``torch.device`` of each replica.

    Args:
        gpus: an int (the first ``gpus`` CUDA devices), a list of CUDA ids, or a list of
            device names (``'cuda:1'``; ``'cpu'`` runs a replica on the CPU).

    Raises:
        ValueError: a device that does not exist (the message lists those that do).
    """
    count = torch.cuda.device_count()
    if isinstance(gpus, (list, tuple)):
        names = [f"cuda:{g}" if isinstance(g, (int, np.integer)) else str(g) for g in gpus]
    else:
        names = [f"cuda:{i}" for i in range(gpus)]
    devices = []
    for name in names:
        try:
            device = torch.device(name)
        except RuntimeError:
            device = None
        if device is None or device.type not in ("cuda", "cpu") or (
                device.type == "cuda" and (device.index or 0) >= count):
            hint = "" if count else (" PyTorch sees no CUDA device here; to run the replicas on "
                                     "the CPU (for testing), pass gpus=['cpu', 'cpu'].")
            raise ValueError(
                f"{caller}: Expected {len(names)} available devices {names} for gpus={gpus!r}. "
                f"Received: this machine only has {available_devices()}.{hint}")
        if device.type == "cuda" and device.index is None:
            device = torch.device("cuda", 0)
        devices.append(device)
    return devices


def place_replicas(function, replicas, devices):
    """Recompile ``function`` (a compiled ``K.function``) with each replica's steps on its device.

    Args:
        replicas: per replica, the graph tensors of its input slices; the replica's
            steps are those computed from them before the outputs are concatenated.
        devices: per replica, its ``torch.device``.

    Every other step runs on ``core.DEVICE``. Returns ``function``.
    """
    if all(d == DEVICE for d in devices):
        return function  # one device: nothing to move
    plan = function.plan
    owner = {}
    for index, slices in enumerate(replicas):
        for tensor in slices:
            slot = plan.slot_of.get(id(tensor))
            if slot is not None:
                owner[slot] = index
    placement = {}
    for step in plan.steps:
        found = {owner[a] for a in step.args if a in owner}
        if len(found) == 1 and step.op != "gradients":
            owner[step.out] = found.pop()
            placement[step.out] = devices[owner[step.out]]
        else:  # the merge and everything after it, the weights' own steps
            placement[step.out] = DEVICE
    function._program = compile_program(plan, function.caller, function.raw, placement=placement)[0]
    return function


# -- several processes ----------------------------------------------------------------------

def launcher_environment() -> dict:
    """``rank``, ``world_size`` and ``coordinator`` (``host:port``) from torchrun's environment
    (values that are not set are None)."""
    def integer(name):
        value = os.environ.get(name)
        return None if value in (None, "") else int(value)
    address, port = os.environ.get("MASTER_ADDR"), os.environ.get("MASTER_PORT")
    return {"rank": integer("RANK"), "world_size": integer("WORLD_SIZE"),
            "coordinator": f"{address}:{port}" if address and port else None,
            "local_rank": integer("LOCAL_RANK")}


def initialize(rank, world_size, coordinator, timeout, local_rank=None):
    """Join the process group (NCCL with a GPU per process, else gloo); ``timeout`` in seconds
    bounds every
    collective, so a process that stops answering makes the others fail instead of waiting."""
    # NCCL needs a GPU of its own per process (torchrun's LOCAL_WORLD_SIZE processes here)
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE") or 1)
    nccl = DEVICE.type == "cuda" and local_world <= torch.cuda.device_count()
    if nccl:
        torch.cuda.set_device(local_rank if local_rank is not None
                              else rank % torch.cuda.device_count())
    host, port = coordinator.rsplit(":", 1)
    dist.init_process_group(
        "nccl" if nccl else "gloo", init_method=f"tcp://{host}:{port}",
        rank=rank, world_size=world_size, timeout=datetime.timedelta(seconds=timeout))


def shutdown():
    if dist.is_initialized():
        dist.destroy_process_group()


def _collective_device():
    return DEVICE if dist.get_backend() == "nccl" else torch.device("cpu")


def broadcast_seed(seed: int) -> int:
    """Rank 0's ``seed`` on every process."""
    value = torch.tensor([seed], dtype=torch.int64, device=_collective_device())
    dist.broadcast(value, src=0)
    return int(value.item())


def broadcast_variables(variables):
    """Give every variable rank 0's value (in place of each process's own initialization)."""
    for var in variables:
        value = var.value.detach().contiguous()
        moved = value.to(_collective_device())
        dist.broadcast(moved, src=0)
        var.value = moved.to(value.device) if moved.device != value.device else moved


class _GradientAverage:
    """The gradient hook: ``sum_p n_p * g_p / sum_p n_p`` over processes ``p`` that computed
    ``g_p`` on ``n_p`` samples, i.e. the gradient of the mean loss over the global batch."""

    def __init__(self):
        self.samples = 1

    def __call__(self, grads):
        device = _collective_device()
        groups = {}
        for i, g in enumerate(grads):
            if g.is_floating_point():
                groups.setdefault(g.dtype, []).append(i)
        out = list(grads)
        for dtype, indices in groups.items():
            flat = torch.cat([grads[i].reshape(-1) for i in indices]).to(device)
            buffer = torch.cat([flat * self.samples,
                                torch.tensor([float(self.samples)], dtype=dtype, device=device)])
            dist.all_reduce(buffer)
            buffer = (buffer[:-1] / buffer[-1]).to(grads[indices[0]].device)
            offset = 0
            for i in indices:
                size = grads[i].numel()
                out[i] = buffer[offset:offset + size].view_as(grads[i])
                offset += size
        return out


class ProcessStep:
    """One process's share of a compiled function in a process group.

    ``run(local_feeds, global_feeds, samples)`` computes on ``local_feeds`` (this
    process's ``samples`` samples) and returns the outputs averaged over processes,
    weighted by their samples: the values one process would report for the global batch.
    """

    def __init__(self, function, averages_gradients):
        self.function = function
        self.hook = _GradientAverage()
        if averages_gradients:
            function._program = compile_program(function.plan, function.caller, function.raw,
                                                gradient_hook=self.hook)[0]
        self._synced = False

    def run(self, local_feeds, global_feeds, samples):
        if not self._synced:
            broadcast_variables([var for var, _ in self.function.plan.variables])
            self._synced = True
        self.hook.samples = samples
        outputs = self.function._run(local_feeds)
        scalars = [np.ndim(o) == 0 for o in outputs]
        values = [float(o) for o, s in zip(outputs, scalars) if s]
        buffer = torch.tensor([v * samples for v in values] + [float(samples)],
                              dtype=torch.float64, device=_collective_device())
        dist.all_reduce(buffer)
        averaged = iter((buffer[:-1] / buffer[-1]).tolist())
        return [np.asarray(next(averaged), dtype=o.dtype) if s else o
                for o, s in zip(outputs, scalars)]
