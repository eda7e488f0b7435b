"""One backend's run of a comparison, in its own process.

    KERAS_BACKEND=torch python -m polykeras.compare.worker JOB.json

The parent (:mod:`polykeras.compare.runner`) writes ``JOB.json`` and sets
``KERAS_BACKEND``; this process loads only that backend's framework. It
writes ``<out>.json`` (status, layer list, timings, per-epoch numbers) and
``<out>.npz`` (layer outputs, per-step losses, gradients and weights), even
when a stage fails: the status names the stage (``import``, ``target``,
``build``, ``inference``, ``training``) and the error, and what ran before
is kept.

The first run (the reference's) also *prepares* the comparison: it calls the
target's ``get_data``, builds the model once after seeding, and saves the
data, the initial weights and the batch order to ``prepared.npz``; every run
then loads those weights, so all backends start from one draw.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback

import numpy as np

from polykeras.backend.variables import Variable

from . import graphs
from .tolerances import tolerance

try:
    import resource
except ImportError:  # Windows: no getrusage
    resource = None


def _peak_memory_mib():
    """Peak resident memory of this process (framework, data and model), in MiB (None where
    the platform does not say)."""
    if resource is None:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)


def _cpu_seconds():
    if resource is None:
        return None
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return round(usage.ru_utime + usage.ru_stime, 3)


class Stage(Exception):
    """A failure in a named stage of the run."""


def _save_arrays(path, arrays):
    np.savez(path, **arrays)


def prepare(job, K):
    """Data, initial weights and batch order, from the target; saved to ``prepared.npz``."""
    from polykeras.utils import set_random_seed

    from . import targets

    module = targets.load_target(job["target"])
    train, test, note = targets.call_get_data(module, data=job.get("data"), seed=job["seed"])
    notes = [note] if note else []
    limit = job.get("max_samples") or 0
    if limit:
        n_train, n_test = len(train[0][0]), len(test[0][0])
        if n_train > limit or n_test > limit:
            notes.append(f"a subset: the first {min(limit, n_train)} of {n_train} training and "
                         f"{min(limit, n_test)} of {n_test} test samples (--max-samples "
                         f"{limit}; 0 uses all)")
        train = [[a[:limit] for a in part] for part in train]
        test = [[a[:limit] for a in part] for part in test]
    set_random_seed(job["seed"])
    model = targets.call_build_model(module, train[0], train[1])
    _check_model(model)
    weights = model.get_weights()
    n = len(train[0][0])
    order_rng = np.random.default_rng([job["seed"], 0xBA7C])
    order = np.stack([order_rng.permutation(n) for _ in range(max(job["epochs"], 1))])
    n_inference = min(job["inference_samples"], len(test[0][0]))
    arrays = {"order": order}
    for prefix, part in (("x_train", train[0]), ("y_train", train[1]), ("x_test", test[0]),
                         ("y_test", test[1])):
        for i, a in enumerate(part):
            arrays[f"{prefix}_{i}"] = a
    for i, w in enumerate(weights):
        arrays[f"w_{i}"] = w
    _save_arrays(os.path.join(job["workdir"], "prepared.npz"), arrays)
    info = {"notes": notes, "n_train": n, "n_test": len(test[0][0]), "n_inference": n_inference,
            "n_inputs": len(train[0]), "n_outputs": len(train[1]), "n_weights": len(weights),
            "model_name": model.name, "parameters": int(sum(w.size for w in weights))}
    with open(os.path.join(job["workdir"], "prepared.json"), "w") as f:
        json.dump(info, f)
    del model
    K.clear_session()  # the run's model gets the same layer names as on the other backends
    return module


def _check_model(model):
    from polykeras.engine.training import Model
    if not isinstance(model, Model):
        raise Stage(f"build_model() must return a Keras model. Received: {type(model).__name__}")
    if not getattr(model, "_is_compiled", False) and not getattr(model, "_compile_pending", False):
        raise Stage("build_model() must return a compiled model: call model.compile(optimizer, "
                    "loss) in it")


def load_prepared(workdir):
    with np.load(os.path.join(workdir, "prepared.npz")) as f:
        arrays = {k: f[k] for k in f.files}
    with open(os.path.join(workdir, "prepared.json")) as f:
        info = json.load(f)

    def part(prefix, count):
        return [arrays[f"{prefix}_{i}"] for i in range(count)]
    data = {"x_train": part("x_train", info["n_inputs"]),
            "y_train": part("y_train", info["n_outputs"]),
            "x_test": part("x_test", info["n_inputs"]), "y_test": part("y_test", info["n_outputs"]),
            "weights": part("w", info["n_weights"]), "order": arrays["order"]}
    return data, info


def layer_regions(model):
    """``[(label, layer, region nodes, output tensors)]`` for every call of every layer of
    ``model`` computed from its inputs (input layers left out)."""
    inputs = list(model.inputs)
    regions = []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        nodes = layer._inbound_nodes
        for index, node in enumerate(nodes):
            outputs = graphs.flatten_outputs(node.output_tensors)
            stops = graphs.flatten_outputs(node.input_tensors)
            placeholders = _placeholders(outputs)
            if not placeholders <= {id(t) for t in inputs}:
                continue  # a call in another graph (a nested model used elsewhere)
            label = _label(layer, index)
            inbound = [_label(source, i) for source, i in zip(node.inbound_layers,
                                                              node.node_indices)
                       if source is not None and type(source).__name__ != "InputLayer"]
            regions.append((label, layer, graphs.region(outputs, stops), outputs, inbound))
    return regions


def _label(layer, node_index):
    return layer.name if len(layer._inbound_nodes) == 1 else f"{layer.name}@{node_index}"


def _placeholders(outputs):
    """ids of the (non learning-phase, non stand-in) placeholders ``outputs`` depend on."""
    from polykeras.backend.graph.tensor import Tensor, leaves
    found, seen, pending = set(), set(), list(outputs)
    while pending:
        t = pending.pop()
        if id(t) in seen or not isinstance(t, Tensor):
            continue
        seen.add(id(t))
        if t.op == "placeholder":
            if not getattr(t, "_learning_phase", False) and not getattr(t, "_shared_noise", False):
                found.add(id(t))
            continue
        pending.extend(leaves(t.params))
    return found


RANDOM_OPS = {"dropout", "random_uniform", "random_normal", "random_binomial", "truncated_normal"}


def _update_regions(updates, grads) -> dict:
    """Weight name -> the graph nodes of its optimizer update (from the gradients on)."""
    from polykeras.backend.graph.api import UPDATE_PARAMS
    regions = {}
    for node in updates:
        if getattr(node, "op", None) not in UPDATE_PARAMS:
            continue
        # The new value's nodes, not the update node: fetching that would apply the update.
        value = node.params[UPDATE_PARAMS[node.op]]
        nodes = regions.setdefault(node.params["x"].name, [])
        known = {id(n) for n in nodes}
        nodes.extend(n for n in graphs.region([value], list(grads)) if id(n) not in known)
    return regions


class Run:
    """The comparison's measurements on the active backend."""

    def __init__(self, job, K, result, arrays):
        self.job, self.K, self.result, self.arrays = job, K, result, arrays
        self.noise = None

    # -- build --------------------------------------------------------------------------
    def build(self, module, data):
        from polykeras.utils import set_random_seed

        from . import targets
        K, job = self.K, self.job
        set_random_seed(job["seed"])
        if job["same_randomness"]:
            from .randomness import SharedNoise
            self.noise = SharedNoise(K, job["seed"]).install()
        try:
            model = targets.call_build_model(module, data["x_train"], data["y_train"])
        finally:
            if self.noise is not None:
                self.noise.uninstall()
        _check_model(model)
        floatx = K.floatx()
        weights = data["weights"]
        current = model.get_weights()
        if len(current) != len(weights) or \
                any(a.shape != b.shape for a, b in zip(current, weights)):
            raise Stage("build_model() built a model whose weights differ from the first build's "
                        f"({[a.shape for a in current]} vs {[b.shape for b in weights]})")
        model.set_weights([w.astype(floatx) if w.dtype.kind == "f" else w for w in weights])
        first = [a[:1] for a in data["x_train"]], [a[:1] for a in data["y_train"]]
        model._standardize_user_data(first[0], first[1], caller="compare")
        self.model = model
        self.weights = list(model.weights)
        self.result["weights"] = [w.name for w in self.weights]
        self.result["metrics_names"] = list(model.metrics_names)
        self.result["optimizer"] = type(model.optimizer).__name__
        self.result["floatx"] = floatx

    def _extra_inputs(self, training):
        K, model = self.K, self.model
        inputs = [K.learning_phase()] if model.uses_learning_phase else []
        if self.noise is not None:
            inputs += self.noise.placeholders
        return inputs

    def _extra_values(self, training, batch):
        values = [1 if training else 0] if self.model.uses_learning_phase else []
        if self.noise is not None:
            values += self.noise.draw(batch) if training else self.noise.dummy(batch)
        return values

    # -- inference ----------------------------------------------------------------------
    def inference(self, data, n):
        K, model = self.K, self.model
        regions = layer_regions(model)
        fetch, index = [], {}
        for _, _, nodes, outputs, _ in regions:
            for t in list(outputs) + graphs.fetchable(nodes):
                if id(t) not in index:
                    index[id(t)] = len(fetch)
                    fetch.append(t)
        x = [a[:n] for a in data["x_test"]]
        fn = K.function(list(model.inputs) + self._extra_inputs(False), fetch)
        start = time.perf_counter()
        values = fn(x + self._extra_values(False, n))
        self.result["inference_seconds"] = round(time.perf_counter() - start, 4)
        by_id = {key: np.asarray(values[i]) for key, i in index.items()}
        for placeholder, value in zip(model.inputs, x):  # what the first layers read
            by_id[id(placeholder)] = np.asarray(value).astype(placeholder.dtype)
        variable_values = {}
        collected = []
        for label, layer, nodes, outputs, inbound in regions:
            entry = {"label": label, "class": type(layer).__name__, "inbound": inbound,
                     "functions": graphs.called_functions(nodes), "outputs": len(outputs)}
            for i, t in enumerate(outputs):
                self.arrays[f"layer/{len(collected)}/{i}"] = by_id[id(t)]
            if self.job["role"] != "reference":
                for node in nodes:
                    for dep in graphs._dependencies(node):
                        if isinstance(dep, Variable) and id(dep) not in variable_values:
                            variable_values.setdefault(id(dep), K.get_value(dep))
                entry["op_checks"] = graphs.check_ops(nodes, by_id, variable_values, tolerance)
            collected.append(entry)
        self.result["layers"] = collected

    # -- training -----------------------------------------------------------------------
    def _train_function(self):
        K, model = self.K, self.model
        optimizer = model.optimizer
        captured = {}
        original = optimizer.get_gradients

        def get_gradients(loss, params):
            grads = original(loss, params)
            captured["grads"], captured["params"] = list(grads), list(params)
            return grads
        optimizer.get_gradients = get_gradients
        try:
            with K.name_scope("training"):
                with K.name_scope(type(optimizer).__name__):
                    training_updates = optimizer.get_updates(
                        params=model._collected_trainable_weights, loss=model.total_loss)
        finally:
            optimizer.get_gradients = original
        if "grads" not in captured:
            raise Stage(f"{type(optimizer).__name__}.get_updates did not call get_gradients: the "
                        "gradients cannot be compared")
        regions = _update_regions(training_updates, captured["grads"])
        self.result["update_functions"] = {name: graphs.called_functions(nodes) + ["update"]
                                           for name, nodes in regions.items()}
        self.result["random_functions"] = sorted(
            {n.op for n in graphs.region([model.total_loss], [])} & RANDOM_OPS)
        updates = model.updates + training_updates + getattr(model, "metrics_updates", [])
        feeds = model._feed_inputs + model._feed_targets + model._feed_sample_weights
        self.train_params = captured["params"]
        self.n_metrics = 1 + len(model.metrics_tensors)
        train = K.function(feeds + self._extra_inputs(True),
                           [model.total_loss] + model.metrics_tensors + captured["grads"],
                           updates=updates, name="compare_train")
        self.diagnosis = None
        # The check runs the step's forward pass once more: with the backend's own random
        # stream that would shift its draws, so it needs a model without random functions
        # (or --same-randomness, which replaces them by fed masks).
        if self.job["role"] != "reference" and self.job["steps"] > 0 \
                and not self.result["random_functions"]:
            fetch, seen = list(captured["grads"]), {id(g) for g in captured["grads"]}
            for nodes in regions.values():
                for node in graphs.fetchable(nodes):
                    if id(node) not in seen:
                        seen.add(id(node))
                        fetch.append(node)
            self.diagnosis = (K.function(feeds + self._extra_inputs(True), fetch,
                                         name="compare_update_check"), fetch, regions)
        test = K.function(feeds + self._extra_inputs(False),
                          [model.total_loss] + model.metrics_tensors,
                          updates=getattr(model, "metrics_updates", []), name="compare_test")
        return train, test

    def _sample_weights(self, ys):
        out = []
        for placeholder, y in zip(self.model._feed_sample_weights, ys):
            rank = len(placeholder.shape)
            out.append(np.ones(y.shape[:rank], dtype=self.K.floatx()))
        return out

    def _evaluate(self, test, xs, ys):
        batch = self.job["batch_size"]
        n = len(xs[0])
        totals = np.zeros(self.n_metrics)
        for start in range(0, n, batch):
            bx = [a[start:start + batch] for a in xs]
            by = [a[start:start + batch] for a in ys]
            outs = test(bx + by + self._sample_weights(by) + self._extra_values(False, len(bx[0])))
            totals += np.array([float(np.asarray(o)) for o in outs]) * len(bx[0])
        return totals / n

    def _check_update(self, feed) -> dict:
        """Every function of the optimizer updates, run on this step's values (before the
        update) and recomputed in float64 from the same inputs: weight name -> the suspect
        checks (functions wrong on their own)."""
        fn, fetch, regions = self.diagnosis
        values = fn(feed)
        by_id = {id(t): np.asarray(v) for t, v in zip(fetch, values)}
        variables = set()
        for nodes in regions.values():
            for node in nodes:
                variables.update(d for d in graphs._dependencies(node) if isinstance(d, Variable))
        variables = list(variables)
        variable_values = dict(zip(map(id, variables), self.K.batch_get_value(variables)))
        suspects = {}
        for name, nodes in regions.items():
            found = [c for c in graphs.check_ops(nodes, by_id, variable_values, tolerance)
                     if c["suspect"]]
            if found:
                suspects[name] = found
        return suspects

    def training(self, data):
        job, model, K = self.job, self.model, self.K
        train, test = self._train_function()
        names = list(model.metrics_names)
        xs, ys, order = data["x_train"], data["y_train"], data["order"]
        n, batch, detail = len(xs[0]), job["batch_size"], job["steps"]
        weight_index = {id(w): i for i, w in enumerate(self.weights)}
        grad_slots = [weight_index[id(p)] for p in self.train_params]
        self.result["trained_weights"] = [self.weights[i].name for i in grad_slots]
        step_values, step_norms, epochs = [], [], []
        detail_weights = [[] for _ in self.weights]
        detail_grads = [[] for _ in grad_slots]
        step = 0
        for epoch in range(job["epochs"]):
            start = time.perf_counter()
            totals, seen = np.zeros(self.n_metrics), 0
            for begin in range(0, n, batch):
                ids = order[epoch][begin:begin + batch]
                bx, by = [a[ids] for a in xs], [a[ids] for a in ys]
                feed = bx + by + self._sample_weights(by) + self._extra_values(True, len(ids))
                if step < detail and self.diagnosis is not None:
                    t0 = time.perf_counter()
                    checks = self._check_update(feed)
                    if checks:
                        self.result.setdefault("update_checks", {})[str(step + 1)] = checks
                    start += time.perf_counter() - t0  # not part of the epoch's time
                t0 = time.perf_counter()
                outs = train(feed)
                if step == 0:
                    self.result["first_step_seconds"] = round(time.perf_counter() - t0, 4)
                scalars = [float(np.asarray(o)) for o in outs[:self.n_metrics]]
                grads = outs[self.n_metrics:]
                step_values.append(scalars)
                step_norms.append([float(np.linalg.norm(np.asarray(g, dtype=np.float64)))
                                   for g in grads])
                if step < detail:
                    for i, g in enumerate(grads):
                        detail_grads[i].append(np.asarray(g))
                    for i, w in enumerate(K.batch_get_value(self.weights)):
                        detail_weights[i].append(np.asarray(w))
                totals += np.array(scalars) * len(ids)
                seen += len(ids)
                step += 1
            seconds = time.perf_counter() - start
            record = {"epoch": epoch + 1, "seconds": round(seconds, 4), "steps": step}
            record.update({name: float(v) for name, v in zip(names, totals / max(seen, 1))})
            for i, w in enumerate(K.batch_get_value(self.weights)):
                self.arrays[f"epoch_weight/{epoch}/{i}"] = np.asarray(w)
            epochs.append(record)
        self.arrays["step_values"] = np.asarray(step_values, dtype=np.float64).reshape(
            -1, self.n_metrics)
        self.arrays["step_grad_norms"] = np.asarray(step_norms, dtype=np.float64).reshape(
            -1, len(grad_slots))
        for i, stack in enumerate(detail_weights):
            if stack:
                self.arrays[f"step_weight/{i}"] = np.stack(stack)
        for i, stack in enumerate(detail_grads):
            if stack:
                self.arrays[f"step_grad/{i}"] = np.stack(stack)
        self.result["epochs"] = epochs
        self.result["steps"] = step
        self.result["detailed_steps"] = min(step, detail)
        final = self._evaluate(test, data["x_test"], data["y_test"])
        self.result["final"] = {name: float(v) for name, v in zip(names, final)}


def run(job) -> dict:
    """Run ``job`` on the backend of ``KERAS_BACKEND``; write and return the status dict."""
    result = {"label": job["label"], "backend": job["backend"], "role": job["role"], "ok": False,
              "stage": "import", "error": None, "traceback": None, "pid": os.getpid()}
    arrays = {}
    started = time.perf_counter()
    stage = "import"
    try:
        from polykeras import backend as K
        result["backend_module"] = K.active_backend_module().__name__
        result["import_seconds"] = round(time.perf_counter() - started, 3)
        if job.get("floatx"):
            K.set_floatx(job["floatx"])
        module = None
        if job.get("prepare"):
            stage = "target"
            module = prepare(job, K)
        stage = "target"
        data, info = load_prepared(job["workdir"])
        if module is None:
            from . import targets
            module = targets.load_target(job["target"])
        stage = "build"
        current = Run(job, K, result, arrays)
        current.build(module, data)
        stage = "inference"
        current.inference(data, info["n_inference"])
        stage = "training"
        if job["epochs"] > 0:
            current.training(data)
        result["ok"], stage = True, None
    except BaseException as exc:  # noqa: BLE001 - every failure becomes this backend's status
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["traceback"] = traceback.format_exc()[-6000:]
    result["stage"] = stage
    result["seconds"] = round(time.perf_counter() - started, 3)
    result["peak_memory_mib"] = _peak_memory_mib()
    result["cpu_seconds"] = _cpu_seconds()
    _save_arrays(job["out"] + ".npz", arrays)
    with open(job["out"] + ".json", "w") as f:
        json.dump(result, f, default=str)
    return result


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        sys.exit("usage: python -m polykeras.compare.worker JOB.json")
    with open(argv[0]) as f:
        job = json.load(f)
    result = run(job)
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
