"""A backend that lives outside the package (tests/thirdparty_backend/) works like a built-in one.

It passes the conformance runner, is selected with ``KERAS_BACKEND=<module name>``, and a
model built on it records and runs the backend's own functions (its ``relu``) through
``K.function``/``K.gradients``.
"""

import json
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np

from polykeras.backend.contract import check_backend
from polykeras.backend.loading import load_backend
from polykeras.conformance.runner import run_suite

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODULE = "thirdparty_backend.relu_numpy"

#: A representative subset for the unit test (the full runner: docs/BACKENDS.md): the replaced
#: relu, ops of each kind, random ops, the higher-order ops and the graph functions.
SUBSET = {"relu", "dot", "sum", "softmax", "conv2d", "dropout", "random_normal", "switch",
          "map_fn", "rnn", "fused_lstm", "function", "gradients", "placeholder", "update_add",
          "eval", "batch_normalization"}


def test_thirdparty_backend_follows_the_protocol_and_passes_the_runner():
    module = load_backend(MODULE)
    assert check_backend(module) == []
    assert module.__raw__.relu is module.relu.__polykeras_raw__
    assert module.__raw__.relu is not load_backend("numpy").__raw__.relu
    report = run_suite(MODULE, SUBSET)
    failed = {n: f["failures"] for n, f in report["functions"].items() if f["status"] != "pass"}
    assert not failed and report["summary"]["pass"] == len(SUBSET)


def test_thirdparty_relu_is_recorded_and_run_by_its_own_function():
    module = load_backend(MODULE)
    before = module.CALLS["relu"]
    x = module.placeholder((None, 3))
    y = module.relu(x, alpha=0.5)
    assert module.int_shape(y) == (None, 3)
    assert module.CALLS["relu"] == before  # recorded, not computed on a symbolic tensor
    loss = module.sum(y * y)
    f = module.function([x], [y] + module.gradients(loss, [x]))
    values = np.array([[-2.0, 1.0, 3.0]], np.float32)
    out, grad = f([values])
    expected = np.where(values > 0, values, 0.5 * values)
    np.testing.assert_allclose(out, expected)
    np.testing.assert_allclose(grad, 2 * expected * np.where(values > 0, 1.0, 0.5))
    assert module.CALLS["relu"] > before


def test_keras_backend_selects_it_by_name_and_trains_the_tutorial_mlp(tmp_path):
    code = textwrap.dedent("""
        import json
        import numpy as np
        from polykeras import backend as K
        from polykeras.utils import set_random_seed, to_categorical
        import mnist_mlp
        import thirdparty_backend.relu_numpy as third

        rng = np.random.default_rng(0)
        labels = rng.integers(0, 10, 384)
        templates = rng.random((10, 784)).astype("float32")
        x = 0.5 * rng.random((384, 784)).astype("float32") + 0.5 * templates[labels]
        y = to_categorical(labels, 10)

        def train():
            set_random_seed(7)
            model = mnist_mlp.build_model()
            history = model.fit(x[:256], y[:256], batch_size=32, epochs=2, verbose=0)
            accuracy = model.evaluate(x[256:], y[256:], verbose=0)[1]
            return history.history["loss"], float(accuracy), model.get_weights()

        name = K.backend()
        loss, accuracy, weights = train()
        calls = third.CALLS["relu"]
        with K.use_backend("numpy"):
            numpy_loss, _, numpy_weights = train()
        print(json.dumps({
            "backend": name, "loss": [float(v) for v in loss], "accuracy": accuracy,
            "relu_calls": calls, "calls_after_numpy": third.CALLS["relu"],
            "numpy_loss": [float(v) for v in numpy_loss],
            "max_weight_difference": max(float(np.abs(a - b).max())
                                         for a, b in zip(weights, numpy_weights))}))
    """)
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    env.update(KERAS_BACKEND=MODULE, KERAS_HOME=str(tmp_path / "home"),
               PYTHONPATH=os.pathsep.join([str(ROOT / "tests"), str(ROOT / "examples")]))
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["backend"] == MODULE
    assert result["relu_calls"] > 0  # the model ran this backend's relu
    assert result["calls_after_numpy"] == result["relu_calls"]
    assert result["loss"][-1] < result["loss"][0]
    assert result["accuracy"] > 0.8
    # the same computation as the NumPy backend, whose relu it replaces with an equal one
    assert result["max_weight_difference"] < 1e-6
    np.testing.assert_allclose(result["loss"], result["numpy_loss"], rtol=1e-6)
