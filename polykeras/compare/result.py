"""The result of a comparison: every number, the verdicts, and the reports built from them."""

from __future__ import annotations

import json
import math

import numpy as np

from . import graphs
from .tolerances import JUMP, tolerance, training_tolerance


def _finite(value):
    """A float for JSON: None for NaN, a string for infinities."""
    if value is None:
        return None
    value = float(value)
    if math.isnan(value):
        return None
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return _finite(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _diff(value, reference, tol=None):
    """max/mean absolute and relative difference; with ``tol``, also ``frac``: the share of
    elements differing by more than ``tol`` times the reference's largest magnitude."""
    max_abs, mean_abs, rel = graphs.relative_difference(value, reference)
    out = {"max_abs": max_abs, "mean_abs": mean_abs, "rel": rel}
    if tol is not None:
        a, r = np.asarray(value, np.float64), np.asarray(reference, np.float64)
        scale = float(np.max(np.abs(r))) if r.size else 0.0
        out["frac"] = float(np.mean(np.abs(a - r) > tol * scale)) if a.shape == r.shape and \
            a.size else (1.0 if a.shape != r.shape else 0.0)
    return out


def _number(value):
    return float(value) if isinstance(value, (int, float)) else float("inf")


def compare_inference(status, arrays, ref_arrays, ref_status):
    """Per-layer differences against the reference and the culprit rule."""
    floatx = status.get("floatx", "float32")
    tol = tolerance(floatx)
    layers = []
    by_label = {}
    ref_labels = [e["label"] for e in ref_status.get("layers") or []]
    for position, entry in enumerate(status.get("layers") or []):
        label = entry["label"]
        if position >= len(ref_labels) or ref_labels[position] != label:
            continue  # the reference's model differs here: not comparable
        outputs = [(arrays.get(f"layer/{position}/{i}"), ref_arrays.get(f"layer/{position}/{i}"))
                   for i in range(entry["outputs"])]
        if any(a is None or r is None for a, r in outputs):
            continue
        diffs = [_diff(a, r) for a, r in outputs]
        row = {"layer": label, "class": entry["class"], "inbound": entry.get("inbound", []),
               "functions": entry.get("functions", []),
               "max_abs": max(d["max_abs"] for d in diffs),
               "mean_abs": float(np.mean([d["mean_abs"] for d in diffs])),
               "rel": max(d["rel"] for d in diffs),
               "op_checks": entry.get("op_checks", [])}
        row["within_tolerance"] = bool(row["rel"] <= tol)
        pre = max([by_label[i]["rel"] for i in row["inbound"] if i in by_label] or [0.0])
        row["inbound_rel"] = pre
        row["growth"] = row["rel"] / pre if pre > 0 else (float("inf") if row["rel"] > 0 else 1.0)
        by_label[label] = row
        layers.append(row)
    culprit, first_out = None, None
    for row in layers:
        if row["rel"] > tol:
            first_out = first_out or row
            if row["rel"] > JUMP * row["inbound_rel"]:
                culprit = row
                break
    verdict = {"tolerance": tol, "dtype": floatx, "layers_compared": len(layers),
               "max_rel": max([r["rel"] for r in layers] or [0.0]),
               "agrees": bool(layers) and first_out is None}
    if culprit is not None:
        suspects = [c for c in culprit["op_checks"] if c["suspect"]]
        verdict["culprit"] = {"layer": culprit["layer"], "class": culprit["class"],
                              "rel": culprit["rel"], "inbound_rel": culprit["inbound_rel"],
                              "functions": culprit["functions"],
                              "suspect_functions": [c["op"] for c in suspects],
                              "suspects": suspects}
    elif first_out is not None:
        verdict["gradual_from"] = first_out["layer"]
    return layers, verdict


def compare_training(status, arrays, ref_arrays, ref_status, same_randomness=False):
    """Per-step and per-epoch differences against the reference; where the runs part.

    A model drawing random numbers from each backend's own stream (no ``same_randomness``)
    parts by design: its parting is marked ``expected``."""
    floatx = status.get("floatx", "float32")
    tol = training_tolerance(floatx)
    names = status.get("metrics_names") or []
    weights = status.get("weights") or []
    trained = status.get("trained_weights") or []
    out = {"tolerance": tol, "dtype": floatx, "metrics_names": names}
    values, ref_values = arrays.get("step_values"), ref_arrays.get("step_values")
    if values is None or ref_values is None:
        return None
    steps = min(len(values), len(ref_values))
    loss_rel = [abs(values[s, 0] - ref_values[s, 0]) / max(abs(ref_values[s, 0]), 1e-30)
                for s in range(steps)]
    out["step_loss"] = values[:, 0].tolist()
    out["step_loss_rel"] = loss_rel
    out["step_metrics"] = {n: values[:, j].tolist() for j, n in enumerate(names)}
    norms = arrays.get("step_grad_norms")
    if norms is not None:
        out["step_grad_norms"] = {name: norms[:, i].tolist() for i, name in enumerate(trained)}
    detailed = []
    parting = None
    detail = min(status.get("detailed_steps", 0), ref_status.get("detailed_steps", 0))
    for s in range(detail):
        row = {"step": s + 1, "loss": {"value": values[s, 0], "reference": ref_values[s, 0],
                                       "rel": loss_rel[s]},
               "metrics": {n: {"value": values[s, j], "reference": ref_values[s, j]}
                           for j, n in enumerate(names) if j}, "gradients": {}, "weights": {}}
        for i, name in enumerate(trained):
            g, rg = arrays.get(f"step_grad/{i}"), ref_arrays.get(f"step_grad/{i}")
            if g is not None and rg is not None:
                d = _diff(g[s], rg[s], tol)
                d["norm"], d["reference_norm"] = (float(np.linalg.norm(g[s].astype(np.float64))),
                                                  float(np.linalg.norm(rg[s])))
                row["gradients"][name] = d
        for i, name in enumerate(weights):
            w, rw = arrays.get(f"step_weight/{i}"), ref_arrays.get(f"step_weight/{i}")
            if w is not None and rw is not None:
                row["weights"][name] = _diff(w[s], rw[s], tol)
        detailed.append(row)
        if parting is None:
            parting = _parting(row, tol, status)
    out["steps"] = detailed
    if parting is None:
        for s in range(detail, steps):
            if loss_rel[s] > tol:
                parting = {"step": s + 1, "kind": "loss", "weight": None, "rel": loss_rel[s],
                           "detail": "the loss (steps after --steps are compared by their loss)"}
                break
    epochs, ref_epochs = status.get("epochs") or [], ref_status.get("epochs") or []
    epoch_rows = []
    for e, (ep, ref) in enumerate(zip(epochs, ref_epochs)):
        row = {"epoch": e + 1, "seconds": ep.get("seconds"),
               "metrics": {n: {"value": ep.get(n), "reference": ref.get(n)} for n in names},
               "weights": {}}
        for i, name in enumerate(weights):
            w, rw = arrays.get(f"epoch_weight/{e}/{i}"), ref_arrays.get(f"epoch_weight/{e}/{i}")
            if w is not None and rw is not None:
                row["weights"][name] = _diff(w, rw)
        row["max_weight_rel"] = max([d["rel"] for d in row["weights"].values()] or [0.0])
        epoch_rows.append(row)
    out["epochs"] = epoch_rows
    if parting is None:
        for row in epoch_rows:
            if row["max_weight_rel"] > tol:
                name = max(row["weights"], key=lambda n: row["weights"][n]["rel"])
                parting = {"step": None, "epoch": row["epoch"], "kind": "weights", "weight": name,
                           "rel": row["max_weight_rel"],
                           "detail": f"the weights at the end of epoch {row['epoch']}"}
                break
    out["random_functions"] = status.get("random_functions") or []
    if parting is not None and out["random_functions"] and not same_randomness:
        parting["expected"] = True
        parting["detail"] += (" -- expected: the backends draw different random numbers "
                              f"({', '.join(out['random_functions'])}); --same-randomness "
                              "removes that")
    out["parting"] = parting
    out["final"] = status.get("final")
    out["reference_final"] = ref_status.get("final")
    return out


def _parting(row, tol, status):
    """Where one detailed step parts from the reference: the loss (forward pass), a gradient
    (backward pass) or a weight after the update (the optimizer), else None."""
    if row["loss"]["rel"] > tol:
        return {"step": row["step"], "kind": "loss", "weight": None, "rel": row["loss"]["rel"],
                "detail": "the loss: the forward pass already differs"}
    for kind, key, what in (("gradient", "gradients", "the gradients agree up to here, the "
                             "gradient of this weight does not: the backward pass"),
                            ("update", "weights", "loss and gradients agree but this weight "
                             "after the update does not: the optimizer's update")):
        parted = {n: d for n, d in row[key].items() if d["rel"] > tol}
        if parted:
            name = max(parted, key=lambda n: parted[n]["rel"])
            found = {"step": row["step"], "kind": kind, "weight": name,
                     "rel": parted[name]["rel"], "fraction": parted[name].get("frac"),
                     "detail": what,
                     "also": sorted(n for n in parted if n != name)}
            if kind == "update":
                found["functions"] = (status.get("update_functions") or {}).get(name, [])
                checks = ((status.get("update_checks") or {}).get(str(row["step"])) or {})
                found["suspects"] = checks.get(name, [])
                found["suspect_functions"] = list(dict.fromkeys(c["op"] for c in
                                                                found["suspects"]))
            return found
    return None


class CompareResult:
    """What :func:`polykeras.compare.compare` returns.

    Attributes:
        settings: the arguments of the comparison.
        info: about the data and model (sample counts, parameters, notes).
        reference: the reference run's status (``label``, ``ok``, ``stage``, ``error``...).
        runs: one dict per backend: ``label``, ``ok``, ``stage``, ``error``, ``inference``
            (``layers``: per-layer ``max_abs``/``mean_abs``/``rel``/``functions``/``op_checks``;
            ``verdict``: ``agrees``, ``culprit``...), ``training`` (per step and epoch,
            ``parting``, ``final``), ``timing`` and ``peak_memory_mib``.
    """

    def __init__(self, settings, info, reference, runs):
        self.settings, self.info, self.reference, self.runs = settings, info, reference, runs

    @classmethod
    def build(cls, settings, info, reference, runs):
        ref_status, ref_arrays = reference
        entries = []
        for status, arrays in runs:
            entry = {"label": status.get("label"), "backend": status.get("backend"),
                     "ok": bool(status.get("ok")), "stage": status.get("stage"),
                     "error": status.get("error"), "traceback": status.get("traceback"),
                     "backend_module": status.get("backend_module"),
                     "floatx": status.get("floatx"), "optimizer": status.get("optimizer"),
                     "peak_memory_mib": status.get("peak_memory_mib"),
                     "timing": _timing(status)}
            if status.get("role") == "reference" and settings["reference"] != "float64":
                entry["is_reference"] = True
            usable_ref = bool(ref_arrays) and ref_status.get("layers") is not None
            if status.get("layers") is not None and usable_ref and not entry.get("is_reference"):
                layers, verdict = compare_inference(status, arrays, ref_arrays, ref_status)
                entry["inference"] = {"layers": layers, "verdict": verdict}
            if status.get("epochs") and ref_status.get("epochs") and not entry.get("is_reference"):
                entry["training"] = compare_training(status, arrays, ref_arrays, ref_status,
                                                     settings.get("same_randomness", False))
            elif status.get("final"):
                entry["training"] = {"final": status["final"], "parting": None,
                                     "step_loss": arrays["step_values"][:, 0].tolist()
                                     if "step_values" in arrays else []}
            entries.append(entry)
        ref = {k: ref_status.get(k) for k in ("label", "backend", "ok", "stage", "error",
                                              "traceback", "floatx", "final", "epochs",
                                              "peak_memory_mib")}
        ref["timing"] = _timing(ref_status)
        if "step_values" in ref_arrays:
            ref["step_loss"] = ref_arrays["step_values"][:, 0].tolist()
            ref["step_metrics"] = {n: ref_arrays["step_values"][:, j].tolist()
                                   for j, n in enumerate(ref_status.get("metrics_names") or [])}
        if "step_grad_norms" in ref_arrays:
            ref["step_grad_norms"] = {
                name: ref_arrays["step_grad_norms"][:, i].tolist()
                for i, name in enumerate(ref_status.get("trained_weights") or [])}
        return cls(settings, info, ref, entries)

    # -- summaries ------------------------------------------------------------------------
    @property
    def ok(self) -> bool:
        """Whether the reference and every backend ran to the end."""
        return bool(self.reference.get("ok")) and all(r["ok"] for r in self.runs)

    def run(self, label):
        """The entry of backend ``label``.

        Raises:
            KeyError: no such backend in this comparison.
        """
        for r in self.runs:
            if r["label"] == label:
                return r
        raise KeyError(f"CompareResult.run: no backend {label!r}; compared: "
                       f"{[r['label'] for r in self.runs]}")

    def culprit(self, label):
        """The culprit layer found for backend ``label`` (dict), or None."""
        return ((self.run(label).get("inference") or {}).get("verdict") or {}).get("culprit")

    def parting(self, label):
        """Where backend ``label``'s training parts from the reference (dict), or None."""
        return (self.run(label).get("training") or {}).get("parting")

    def agrees_at_initialisation(self, label) -> bool:
        """Whether every layer output of ``label`` is within tolerance of the reference."""
        return bool(((self.run(label).get("inference") or {}).get("verdict") or {}).get("agrees"))

    def to_dict(self) -> dict:
        return _jsonable({"settings": self.settings, "info": self.info,
                          "reference": self.reference, "runs": self.runs,
                          "tolerances": _tolerance_table()})

    def to_json(self, path):
        with open(path, "w") as f:
            json.dump(self.to_dict(), f, indent=1)

    def table(self) -> str:
        from .report import console_table
        return console_table(self)

    def __str__(self):
        return self.table()

    def plot(self, path):
        from .report import plot
        plot(self, path)

    def to_html(self, path):
        from .report import html_page
        with open(path, "w") as f:
            f.write(html_page(self))


def _timing(status):
    epochs = status.get("epochs") or []
    seconds = [e["seconds"] for e in epochs]
    return {"import_seconds": status.get("import_seconds"),
            "first_epoch_seconds": seconds[0] if seconds else None,
            "first_step_seconds": status.get("first_step_seconds"),
            "seconds_per_epoch": float(np.median(seconds[1:])) if len(seconds) > 1
            else (seconds[0] if seconds else None),
            "epoch_seconds": seconds, "inference_seconds": status.get("inference_seconds"),
            "process_seconds": status.get("seconds")}


def _tolerance_table():
    from .tolerances import LAYER, TRAINING
    return {"layer_relative": LAYER, "training_relative": TRAINING, "culprit_jump": JUMP}
