"""Application speed: ``predict`` of ResNet50 and MobileNetV2 on 32 images of 224x224.

    python benchmarks/applications.py [--backends numpy,torch,jax] [--models ResNet50,MobileNetV2]
                                      [--repeats N] [--json PATH]

For each backend and model, polykeras's ``model.predict(x, batch_size=32)``
(``weights=None``: random weights, the speed is the same) against, in the
same run:

* Keras 3 (``keras`` from PyPI) on the same backend, when installed, with
  its ``keras.applications`` model of the same name; in a subprocess, since
  Keras 3 picks its backend at import;
* on PyTorch, torchvision's ``resnet50`` / ``mobilenet_v2`` when
  torchvision is installed, in eval mode under ``torch.no_grad()``, fed
  the channels-first layout it is written for; polykeras's PyTorch rows
  are timed in both data formats for this comparison.

Targets: no slower than Keras 3 on any backend (ratio <= 1.0), within 1.2x
of torchvision on PyTorch. Times are medians of ``--repeats`` calls after
one untimed call (which compiles on JAX); polykeras and torchvision
alternate call by call. The time to build each polykeras model is printed
too (graph construction probes every op on NumPy stand-ins). ``--json PATH``
writes ``{"rows": [{"backend", "model", "data_format", "build_s",
"polykeras_s", "keras3_s", "keras3_ratio", "torchvision_s",
"torchvision_ratio"}]}``.
"""

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
IMAGES, SIZE = 32, 224
KERAS3_TARGET, TORCHVISION_TARGET = 1.0, 1.2
TORCHVISION_MODELS = {"ResNet50": "resnet50", "MobileNetV2": "mobilenet_v2"}


def images(data_format):
    x = np.random.default_rng(0).uniform(-1., 1., (IMAGES, SIZE, SIZE, 3)).astype("float32")
    return x if data_format == "channels_last" else np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def median_seconds(fn, repeats):
    fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def build_polykeras(backend, name, data_format):
    sys.path.insert(0, ROOT)
    from polykeras import applications, backend as K
    with K.use_backend(backend):
        K.set_image_data_format(data_format)
        start = time.perf_counter()
        model = getattr(applications, name)(weights=None)
        return model, time.perf_counter() - start


def torchvision_predict(name):
    """A function running torchvision's model on the 32 images, or None without torchvision."""
    if importlib.util.find_spec("torchvision") is None:
        return None
    import torch
    import torchvision
    model = getattr(torchvision.models, TORCHVISION_MODELS[name])(weights=None).eval()
    x = torch.from_numpy(images("channels_first"))

    def run():
        with torch.no_grad():
            return model(x).numpy()
    return run


# -- Keras 3, in a subprocess per backend ----------------------------------------------------

def keras3_worker(backend, name, repeats):
    """Run in a child process with KERAS_BACKEND set: print Keras 3's median seconds as JSON."""
    import keras
    model = getattr(keras.applications, name)(weights=None)
    x = images("channels_last")
    seconds = median_seconds(lambda: model.predict(x, batch_size=IMAGES, verbose=0), repeats)
    print(json.dumps({"seconds": seconds}))


def keras3_seconds(backend, name, repeats):
    """Keras 3's median seconds, or None when Keras 3 is not installed (or fails: said why)."""
    if importlib.util.find_spec("keras") is None:
        return None
    env = dict(os.environ, KERAS_BACKEND=backend)
    command = [sys.executable, os.path.abspath(__file__), "--keras3-worker", backend,
               "--models", name, "--repeats", str(repeats)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        print(f"  Keras 3 {name} on {backend} failed: {result.stderr.strip().splitlines()[-1:]}")
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])["seconds"]


# -- the run ---------------------------------------------------------------------------------

def bench(backend, name, data_format, repeats, with_keras3):
    from polykeras import backend as K
    model, build_s = build_polykeras(backend, name, data_format)
    x = images(data_format)
    with K.use_backend(backend):
        def predict():
            return model.predict(x, batch_size=IMAGES)
        reference = torchvision_predict(name) if backend == "torch" else None
        if reference is None:
            polykeras_s, torchvision_s = median_seconds(predict, repeats), None
        else:
            predict(), reference()
            times = {"polykeras": [], "torchvision": []}
            for _ in range(repeats):
                for key, fn in (("polykeras", predict), ("torchvision", reference)):
                    start = time.perf_counter()
                    fn()
                    times[key].append(time.perf_counter() - start)
            polykeras_s = statistics.median(times["polykeras"])
            torchvision_s = statistics.median(times["torchvision"])
    keras3_s = (keras3_seconds(backend, name, repeats)
                if with_keras3 and data_format == "channels_last" else None)
    return {"backend": backend, "model": name, "data_format": data_format,
            "build_s": round(build_s, 2), "polykeras_s": polykeras_s, "keras3_s": keras3_s,
            "keras3_ratio": None if keras3_s is None else polykeras_s / keras3_s,
            "torchvision_s": torchvision_s,
            "torchvision_ratio": None if torchvision_s is None else polykeras_s / torchvision_s}


def describe(row):
    text = (f"{row['backend']:5s} {row['model']:11s} {row['data_format']:14s} build "
            f"{row['build_s']:6.1f}s  predict {row['polykeras_s']:7.3f}s")
    if row["keras3_s"] is None:
        text += "  Keras 3: not run"
    else:
        met = "met" if row["keras3_ratio"] <= KERAS3_TARGET else "MISSED"
        text += f"  Keras 3 {row['keras3_s']:.3f}s, ratio {row['keras3_ratio']:.2f} ({met})"
    if row["torchvision_s"] is not None:
        met = "met" if row["torchvision_ratio"] <= TORCHVISION_TARGET else "MISSED"
        text += (f"  torchvision {row['torchvision_s']:.3f}s, ratio "
                 f"{row['torchvision_ratio']:.2f} ({met})")
    elif row["backend"] == "torch":
        text += "  torchvision: not installed"
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="numpy,torch,jax")
    parser.add_argument("--models", default="ResNet50,MobileNetV2")
    parser.add_argument("--repeats", type=int, default=5, help="timed predict calls (default 5)")
    parser.add_argument("--no-keras3", action="store_true", help="skip Keras 3 even when installed")
    parser.add_argument("--json", help="write the rows to this file")
    parser.add_argument("--keras3-worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.keras3_worker:
        return keras3_worker(args.keras3_worker, args.models, args.repeats)
    print(f"predict on {IMAGES} images of {SIZE}x{SIZE}, batch {IMAGES}; Keras 3 "
          f"{'installed' if importlib.util.find_spec('keras') else 'not installed'}, torchvision "
          f"{'installed' if importlib.util.find_spec('torchvision') else 'not installed'}",
          flush=True)
    rows = []
    for backend in args.backends.split(","):
        formats = ("channels_last", "channels_first") if backend == "torch" else ("channels_last",)
        for name in args.models.split(","):
            for data_format in formats:
                row = bench(backend, name, data_format, args.repeats, not args.no_keras3)
                rows.append(row)
                print(describe(row), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
