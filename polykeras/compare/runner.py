"""Running a comparison: one subprocess per backend, the float64 reference first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from polykeras.backend.config import BUILTIN_BACKENDS

from . import targets

REFERENCE_CHOICES = ("float64",)


def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"compare: Expected {name} to be an integer >= {minimum}. "
                         f"Received: {name}={value!r}")
    return int(value)


def parse_backends(backends) -> list[str]:
    """``"numpy,torch"`` or a list -> a list of names, duplicates removed.

    Raises:
        ValueError: no backend given.
    """
    if isinstance(backends, str):
        backends = backends.split(",")
    names = []
    for name in backends or ():
        name = str(name).strip()
        if name and name not in names:
            names.append(name)
    if not names:
        raise ValueError(f"compare: Expected at least one backend, e.g. 'numpy,torch,jax'. "
                         f"Received: backends={backends!r}")
    return names


def unknown_backend_error(name) -> str | None:
    """Why ``name`` cannot be a backend (checked without importing it), or None."""
    if name in BUILTIN_BACKENDS or "." in name:
        return None
    return (f"Unknown backend: Expected one of {list(BUILTIN_BACKENDS)} or the dotted path of a "
            f"module implementing the backend contract. Received: {name!r}")


def run_worker(job, timeout, log=None):
    """Run one worker process for ``job``; return its status dict (also when it crashed)."""
    job_path = job["out"] + ".job.json"
    with open(job_path, "w") as f:
        json.dump(job, f)
    env = dict(os.environ)
    env["KERAS_BACKEND"] = job["backend"]
    # The caller's folder stays importable in the worker (a target or backend module there).
    env["PYTHONPATH"] = os.pathsep.join(p for p in (os.getcwd(), env.get("PYTHONPATH")) if p)
    start = time.perf_counter()
    if log:
        log(f"running {job['label']} ...")
    try:
        proc = subprocess.run([sys.executable, "-m", "polykeras.compare.worker", job_path],
                              env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"label": job["label"], "backend": job["backend"], "ok": False, "stage": "timeout",
                "error": f"the run did not finish within {timeout} s (--timeout)"}
    status_path = job["out"] + ".json"
    if os.path.exists(status_path):
        with open(status_path) as f:
            status = json.load(f)
    else:
        tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-5:]
        status = {"label": job["label"], "backend": job["backend"], "ok": False, "stage": "crash",
                  "error": f"the worker process ended with exit status {proc.returncode} without "
                           f"a result: {' | '.join(tail)}"}
    status["wall_seconds"] = round(time.perf_counter() - start, 3)
    status["stdout_tail"] = (proc.stdout or "")[-2000:]
    if log:
        log(f"  {job['label']}: {'ok' if status.get('ok') else 'FAILED'} "
            f"({status['wall_seconds']:.1f} s)")
    return status


def load_arrays(out):
    path = out + ".npz"
    if not os.path.exists(path):
        return {}
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def compare(target, backends=("numpy", "torch", "jax"), epochs=1, steps=10, batch_size=128,
            seed=1234, reference="float64", same_randomness=False, data=None, max_samples=2048,
            inference_samples=256, timeout=600, jobs=1, workdir=None, json_path=None,
            plot_path=None, html_path=None, log=None):
    """Run ``target`` on several backends from one start, and compare them.

    Args:
        target: a Python file or module defining ``build_model()`` and ``get_data()``, or the
            name of a bundled example (:func:`polykeras.compare.targets.bundled_targets`).
        backends: names (``"numpy"``, ``"torch"``, ``"jax"``, a dotted module path), as a list
            or a comma-separated string. Each runs in its own process.
        epochs: training epochs (0: inference only).
        steps: the first ``steps`` training steps are compared in detail (gradients and
            weights after every update); later ones by their loss and per epoch.
        batch_size: training batch size (the batch order is the same on every backend).
        seed: seed of the initial weights (one draw, loaded into every backend), of the
            batch order and of each backend's own random stream.
        reference: ``"float64"`` (the NumPy backend in float64, run from the same start) or
            one of ``backends`` to compare the others against.
        same_randomness: dropout and noise masks from one backend-independent stream.
        data: passed to the target's ``get_data(data=...)`` (a dataset folder).
        max_samples: use at most this many training and test samples (0: all).
        inference_samples: test samples the layer-by-layer comparison runs on.
        timeout: seconds allowed to each backend's process.
        jobs: backends run at the same time after the reference (default 1: one at a time,
            so that the seconds and memory measured are each backend's alone).
        workdir: folder for the processes' files (default: a temporary one, removed after).
        json_path, plot_path, html_path: write these reports.
        log: ``callable(str)`` for progress lines (default: silent).

    Returns:
        :class:`polykeras.compare.result.CompareResult`.

    Raises:
        ValueError: arguments out of range, or a reference that is neither ``"float64"`` nor
            one of ``backends``.
        polykeras.compare.targets.TargetError: a target that cannot be found.
    """
    from .result import CompareResult

    names = parse_backends(backends)
    epochs = _check_int(epochs, "epochs", 0)
    steps = _check_int(steps, "steps", 0)
    batch_size = _check_int(batch_size, "batch_size", 1)
    seed = _check_int(seed, "seed", 0)
    max_samples = _check_int(max_samples, "max_samples", 0)
    inference_samples = _check_int(inference_samples, "inference_samples", 1)
    jobs = _check_int(jobs, "jobs", 1)
    if reference not in REFERENCE_CHOICES and reference not in names:
        raise ValueError(f"compare: Expected reference to be one of {list(REFERENCE_CHOICES)} or "
                         f"one of the compared backends {names}. Received: reference={reference!r}")
    described = targets.describe_target(target)
    settings = {"target": target, "target_file": described["spec"], "backends": names,
                "epochs": epochs, "steps": steps, "batch_size": batch_size, "seed": seed,
                "reference": reference, "same_randomness": bool(same_randomness), "data": data,
                "max_samples": max_samples, "inference_samples": inference_samples, "jobs": jobs}
    own_dir = workdir is None
    tmp = tempfile.TemporaryDirectory(prefix="polykeras-compare-") if own_dir else None
    folder = tmp.name if own_dir else workdir
    os.makedirs(folder, exist_ok=True)
    try:
        base = {"target": described, "data": data, "seed": seed, "epochs": epochs,
                "steps": steps, "batch_size": batch_size, "same_randomness": bool(same_randomness),
                "max_samples": max_samples, "inference_samples": inference_samples,
                "workdir": folder}
        if reference == "float64":
            ref_job = dict(base, label="reference (numpy, float64)", backend="numpy",
                           role="reference", floatx="float64", prepare=True,
                           out=os.path.join(folder, "reference"))
        else:
            ref_job = dict(base, label=reference, backend=reference, role="reference",
                           floatx=None, prepare=True, out=os.path.join(folder, "reference"))
        error = unknown_backend_error(ref_job["backend"])
        if error:
            ref_status = {"label": ref_job["label"], "backend": ref_job["backend"], "ok": False,
                          "stage": "import", "error": error}
        else:
            ref_status = run_worker(ref_job, timeout, log)
        prepared = os.path.exists(os.path.join(folder, "prepared.json"))
        info = {}
        if prepared:
            with open(os.path.join(folder, "prepared.json")) as f:
                info = json.load(f)
        def one(i, name):
            if reference != "float64" and name == reference:
                return ref_status, load_arrays(ref_job["out"])
            job = dict(base, label=name, backend=name, role="backend", floatx=None,
                       prepare=False, out=os.path.join(folder, f"run_{i}"))
            error = unknown_backend_error(name)
            if error:
                return {"label": name, "backend": name, "ok": False, "stage": "import",
                        "error": error}, {}
            if not prepared:
                return {"label": name, "backend": name, "ok": False,
                        "stage": ref_status.get("stage"),
                        "error": "not run: preparing the comparison failed "
                                 f"({ref_status.get('error')})"}, {}
            return run_worker(job, timeout, log), load_arrays(job["out"])

        if jobs == 1:
            runs = [one(i, name) for i, name in enumerate(names)]
        else:
            from concurrent.futures import ThreadPoolExecutor
            with ThreadPoolExecutor(jobs) as pool:
                runs = list(pool.map(one, range(len(names)), names))
        ref_arrays = load_arrays(ref_job["out"])
        result = CompareResult.build(settings, info, (ref_status, ref_arrays), runs)
    finally:
        if tmp is not None:
            tmp.cleanup()
    if json_path:
        result.to_json(json_path)
    if plot_path:
        result.plot(plot_path)
    if html_path:
        result.to_html(html_path)
    return result
