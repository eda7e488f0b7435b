"""Every application on every backend and data format, against the NumPy backend (slow).

    python tests/check_applications.py [--backends numpy,torch,jax] [--models ResNet50,...]

tests/test_applications.py checks the parameter counts of the 13 models and
the predictions of a few; building them all three times costs many minutes
of CPU (each layer call probes its op on NumPy stand-ins), so the complete
check is this script. For each model: build it on the NumPy backend at its
smallest input, without the top and with global average pooling, give it
random weights (positive batch-norm variances) and predict two images; then
on each backend and data format build it again, set the same weights, save
and load them through an HDF5 file (Keras's layout, layer names with ``/``
included) and compare the prediction with NumPy's. Prints one line per case
and exits with status 1 when any differs.
"""

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SIZES = {"VGG16": 32, "VGG19": 32, "ResNet50": 32, "InceptionV3": 75, "InceptionResNetV2": 75,
         "Xception": 71, "MobileNet": 32, "MobileNetV2": 32, "DenseNet121": 32,
         "DenseNet169": 32, "DenseNet201": 32, "NASNetMobile": 32, "NASNetLarge": 32}


def random_weights(model, seed):
    rng = np.random.default_rng(seed)
    from polykeras import backend as K
    values = []
    for w in (w for layer in model.layers for w in layer.weights):
        shape = K.int_shape(w)
        if w.name.endswith("moving_variance"):
            values.append(rng.uniform(0.5, 1.5, shape).astype("float32"))
        else:
            fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
            values.append((rng.normal(0., 1., shape) / np.sqrt(fan_in)).astype("float32"))
    return values


def build(name, data_format, size):
    from polykeras import applications
    from polykeras import backend as K
    K.set_image_data_format(data_format)
    shape = (size, size, 3) if data_format == "channels_last" else (3, size, size)
    return getattr(applications, name)(weights=None, include_top=False, input_shape=shape,
                                       pooling="avg")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="numpy,torch,jax")
    parser.add_argument("--models", default=",".join(SIZES))
    args = parser.parse_args(argv)
    from polykeras import backend as K
    failures = 0
    for name in args.models.split(","):
        size = SIZES[name]
        x = np.random.default_rng(1).uniform(-1., 1., (2, size, size, 3)).astype("float32")
        with K.use_backend("numpy"):
            start = time.perf_counter()
            model = build(name, "channels_last", size)
            values = random_weights(model, seed=2)
            model.set_weights(values)
            expected = model.predict(x)
            print(f"{name:18s} numpy channels_last  reference built and run in "
                  f"{time.perf_counter() - start:5.1f}s, {model.count_params():,} parameters",
                  flush=True)
            del model
            K.clear_session()
        for backend in args.backends.split(","):
            for data_format in ("channels_last", "channels_first"):
                if backend == "numpy" and data_format == "channels_last":
                    continue
                with K.use_backend(backend):
                    saved = K.image_data_format()
                    start = time.perf_counter()
                    try:
                        model = build(name, data_format, size)
                        model.set_weights(values)
                        with tempfile.TemporaryDirectory() as folder:
                            path = os.path.join(folder, "weights.h5")
                            model.save_weights(path)
                            model.set_weights([np.zeros_like(v) for v in values])
                            model.load_weights(path)
                        inputs = x if data_format == "channels_last" else x.transpose(0, 3, 1, 2)
                        got = model.predict(inputs)
                        error = float(np.abs(got - expected).max() / np.abs(expected).max())
                        ok = error < 1e-4
                        status = f"max relative difference {error:.1e}"
                    except Exception as exc:  # noqa: BLE001 - reported, then the next case
                        ok, status = False, f"{type(exc).__name__}: {exc}"[:300]
                    finally:
                        K.set_image_data_format(saved)
                        K.clear_session()
                    failures += not ok
                    seconds = time.perf_counter() - start
                    print(f"{name:18s} {backend:5s} {data_format:14s} "
                          f"{'ok  ' if ok else 'FAIL'} {status} ({seconds:.1f}s)", flush=True)
    print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
