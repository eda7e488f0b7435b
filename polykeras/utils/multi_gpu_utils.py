"""``multi_gpu_model``: one model trained on several devices of one machine (data parallelism).

Keras 2.2.4's function with its signature. The returned model shares the
template model's layers and weights: train and predict with it, save the
template. How the replicas run is the backend's (see the backend extension
in docs/ARCHITECTURE.md, "Data parallelism"):

* **JAX**: the model's compiled step runs over a ``jax.sharding.Mesh`` of the
  devices: the batch sharded across them, the weights replicated, the
  gradients combined by XLA's collectives. The values are those of the whole
  batch on one device (batch statistics too).
* **PyTorch**: Keras's graph: the batch cut into one slice per replica
  (the last one takes the remainder), the template model applied to each
  slice on its device, the outputs concatenated; autograd sums the gradients
  of the replicas onto the weights before the update. Batch statistics
  (``BatchNormalization``) are per replica, as in Keras. Without CUDA,
  ``gpus=['cpu', 'cpu']`` runs the replicas one after the other on the CPU.
* **NumPy**: an error (one device).
"""

from __future__ import annotations

import numpy as np

from .. import backend as K
from ..backend.distribution import extension
from ..engine.training import Model
from ..layers.core import Lambda
from ..layers.merge import concatenate
from .generic_utils import to_list

_CALLER = "multi_gpu_model"


def _slice_batch(data, i, parts):
    """Slice ``i`` of ``parts`` of the batch axis; the last one takes the remainder."""
    shape = K.shape(data)
    batch_size = shape[:1]
    input_shape = shape[1:]
    step = batch_size // parts
    size = batch_size - step * i if i == parts - 1 else step
    size = K.concatenate([size, input_shape], axis=0)
    stride = K.concatenate([step, input_shape * 0], axis=0)
    return K.slice(data, stride * i, size)


def _check_gpus(gpus):
    if isinstance(gpus, (list, tuple)):
        if len(gpus) <= 1:
            raise ValueError(f"{_CALLER}: Expected len(gpus) >= 2: data parallelism needs at least "
                             f"two devices. Received: gpus={list(gpus)!r}")
        return
    if isinstance(gpus, bool) or not isinstance(gpus, (int, np.integer)):
        raise TypeError(f"{_CALLER}: Expected gpus to be an integer >= 2 or a list of device ids. "
                        f"Received: gpus={gpus!r}")
    if gpus <= 1:
        raise ValueError(f"{_CALLER}: Expected gpus >= 2: data parallelism needs at least two "
                         f"devices. Received: gpus={gpus}")


def multi_gpu_model(model, gpus=None, cpu_merge=True, cpu_relocation=False):
    """Replicate ``model`` on several devices; returns a model that splits each batch among them.

    Args:
        model: a built Keras ``Model`` (the template; it keeps the weights).
        gpus: integer >= 2 (the first ``gpus`` devices), or a list of >= 2 device ids;
            None: every device there is. On PyTorch a list may also name devices
            (``['cuda:0', 'cuda:2']``, ``['cpu', 'cpu']``).
        cpu_merge, cpu_relocation: accepted for Keras 2.2.4 compatibility (booleans). They
            place TensorFlow's weights and merge on the CPU; here the weights live where the
            backend keeps them (see docs/COMPATIBILITY.md).

    Returns:
        A ``Model`` on the template's inputs with outputs of the same names, sharing its
        weights: compile, fit, evaluate and predict it; save the template.

    Raises:
        ValueError: the NumPy backend; ``gpus`` < 2; more devices than the machine has
            (the message lists those it has); a model with stateful layers (their states
            are per sample of one batch); later, a batch with fewer samples than replicas.
        TypeError: ``model`` is not a Keras model, or ``gpus``/flags of the wrong type.
    """
    if not isinstance(model, Model):
        raise TypeError(f"{_CALLER}: Expected a keras Model. Received: {type(model).__name__}")
    for name, flag in (("cpu_merge", cpu_merge), ("cpu_relocation", cpu_relocation)):
        if not isinstance(flag, bool):
            raise TypeError(f"{_CALLER}: Expected {name} to be a bool. Received: {name}={flag!r}")
    ext = extension(_CALLER)
    if not gpus:
        gpus = len([d for d in ext.available_devices() if d != "cpu"])
        if gpus <= 1:
            raise ValueError(f"{_CALLER}: Expected at least 2 devices to replicate the model on "
                             f"(gpus=None uses them all). Received: this machine only has "
                             f"{ext.available_devices()}")
    _check_gpus(gpus)
    devices = ext.resolve_devices(gpus, _CALLER)
    if not model.built or not model.inputs:
        raise ValueError(f"{_CALLER}: Expected a model with inputs (build it first). "
                         f"Received: model {model.name!r} without inputs")
    stateful = [layer.name for layer in model.layers if getattr(layer, "stateful", False)]
    if stateful:
        raise ValueError(f"{_CALLER}: Expected a model without stateful layers (their states "
                         f"belong to the samples of one whole batch, which the replicas split). "
                         f"Received: model {model.name!r} with stateful layers {stateful}")

    if not ext.REPLICATE_IN_GRAPH:
        return ParallelModel(model.inputs, model.outputs, name=model.name + "_parallel",
                             template=model, devices=devices, replicas=None)

    parts = len(devices)
    all_outputs = [[] for _ in model.outputs]
    replicas = []
    for i in range(parts):
        with K.name_scope(f"replica_{i}"):
            inputs = [Lambda(_slice_batch, output_shape=K.int_shape(x)[1:],
                             arguments={"i": i, "parts": parts})(x) for x in model.inputs]
            replicas.append(inputs)
            outputs = to_list(model(inputs if len(inputs) > 1 else inputs[0]))
            for o, output in enumerate(outputs):
                all_outputs[o].append(output)
    # the same name twice (a siamese model): number them
    counts = {n: model.output_names.count(n) for n in model.output_names}
    seen, names = {}, []
    for n in model.output_names:
        if counts[n] > 1:
            seen[n] = seen.get(n, 0) + 1
            n = f"{n}_{seen[n]}"
        names.append(n)
    merged = [concatenate(outputs, axis=0, name=name)
              for name, outputs in zip(names, all_outputs)]
    return ParallelModel(model.inputs, merged, name=model.name + "_parallel", template=model,
                         devices=devices, replicas=replicas)


class ParallelModel(Model):
    """What :func:`multi_gpu_model` returns: a ``Model`` whose compiled functions run over
    several devices. ``template`` is the model it replicates (save that one)."""

    def __init__(self, inputs, outputs, name=None, template=None, devices=(), replicas=None):
        super().__init__(inputs, outputs, name=name)
        self.template = template
        self.devices = list(devices)
        self._replicas = replicas

    def _check_batch_sizes(self, arrays, batch_size, caller):
        super()._check_batch_sizes(arrays, batch_size, caller)
        parts = len(self.devices)
        for array in arrays[:1]:
            if array is None or not hasattr(array, "shape") or not len(array.shape):
                continue
            samples = int(array.shape[0])
            step = batch_size or samples
            sizes = {min(step, samples - start) for start in range(0, samples, step)}
            if sizes and min(sizes) < parts:
                raise ValueError(
                    f"{caller}: Expected batches of at least {parts} samples, one per replica of "
                    f"multi_gpu_model. Received: {samples} samples in batches of {step} "
                    f"(batch sizes {sorted(sizes)}). Choose batch_size and the number of samples "
                    f"so that every batch (the last one too) has >= {parts} samples.")

    def _parallel(self, function):
        ext = extension(_CALLER)
        if ext.REPLICATE_IN_GRAPH:
            ext.place_replicas(function, self._replicas, self.devices)
            return _CheckedFunction(function, len(self.devices))
        return _CheckedFunction(ext.replicated_function(function, self.devices), len(self.devices))

    def _make_train_function(self):
        if self.train_function is None:
            super()._make_train_function()
            self.train_function = self._parallel(self.train_function)

    def _make_test_function(self):
        if self.test_function is None:
            super()._make_test_function()
            self.test_function = self._parallel(self.test_function)

    def _make_predict_function(self):
        if getattr(self, "predict_function", None) is None:
            super()._make_predict_function()
            self.predict_function = self._parallel(self.predict_function)


class _CheckedFunction:
    """A compiled function that refuses batches with fewer samples than replicas."""

    def __init__(self, function, parts):
        self.function = function
        self.parts = parts
        self.asynchronous = getattr(function, "asynchronous", False)

    def __getattr__(self, name):
        return getattr(self.function, name)

    def _check(self, inputs):
        values = list(inputs.values()) if isinstance(inputs, dict) else list(inputs)
        for value in values[:1]:
            shape = np.shape(value)
            if shape and shape[0] < self.parts:
                raise ValueError(f"{_CALLER}: Expected a batch of at least {self.parts} samples, "
                                 f"one per replica. Received: a batch of {shape[0]} samples")

    def __call__(self, inputs):
        self._check(inputs)
        return self.function(inputs)

    def dispatch(self, inputs):
        self._check(inputs)
        return self.function.dispatch(inputs)


__all__ = ["multi_gpu_model"]
