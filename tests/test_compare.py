"""``polykeras compare``: agreement of the real backends, bugs injected through third-party
backends found and localized, bad input reported per backend, and the reports.

Tiny models, few steps: the comparisons here start 18 worker processes in all (a reference
and one process per backend, two at a time), most of them NumPy-only.
"""

import contextlib
import gzip
import json
import os
import pathlib
import struct
import sys

import numpy as np
import pytest

from polykeras.compare import CompareResult, TargetError, bundled_targets, compare, graphs, targets

ROOT = pathlib.Path(__file__).resolve().parents[1]
TARGETS = ROOT / "tests" / "compare_targets"
FAULTY = "tests.faulty_backends."

@pytest.fixture(scope="module")
def tiny_mlp():
    """One comparison of the tiny MLP (Adamax, dropout, noise) on the real backends, three
    faulty ones and three that cannot run, with the same random masks everywhere."""
    backends = ["numpy", "torch", "jax", "nosuch", FAULTY + "missing", FAULTY + "crashes",
                FAULTY + "softmax_axis", FAULTY + "maximum_blocked",
                FAULTY + "pow_late"]
    with _importable_tests():
        return compare(str(TARGETS / "tiny_mlp.py"), backends=backends, epochs=1, steps=4,
                       batch_size=16, same_randomness=True, timeout=300, jobs=2)


@contextlib.contextmanager
def _importable_tests():
    """The worker processes import ``tests.faulty_backends.*`` from the repository root (and
    JAX compiles the tiny functions without optimizing them: a third less CPU)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XLA_FLAGS", "--xla_backend_optimization_level=0")
        mp.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT),
                                                              os.environ.get("PYTHONPATH")])))
        yield


@pytest.mark.parametrize("label", ["numpy", "torch", "jax"])
def test_real_backends_agree_with_the_float64_reference(tiny_mlp, label):
    run = tiny_mlp.run(label)
    assert run["ok"], run["error"]
    assert tiny_mlp.agrees_at_initialisation(label)
    layers = run["inference"]["layers"]
    assert [x["layer"] for x in layers] == ["dense_1", "dropout_1", "gaussian_noise_1", "dense_2"]
    assert all(0 <= x["rel"] < 1e-5 for x in layers)
    # Same start, same batches, same dropout and noise: training agrees step by step.
    training = run["training"]
    assert training["parting"] is None
    assert len(training["steps"]) == 4
    assert max(training["step_loss_rel"]) < 1e-5
    for step in training["steps"]:
        assert set(step["weights"]) >= {"dense_1/kernel", "dense_2/bias"}
        assert all(d["rel"] < 1e-4 for d in step["weights"].values())
    reference = tiny_mlp.reference["final"]
    assert training["final"]["loss"] == pytest.approx(reference["loss"], rel=1e-4)
    assert run["timing"]["first_epoch_seconds"] > 0 and run["peak_memory_mib"] > 0
    assert "agrees" in tiny_mlp.table()


def _write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def test_mnist_mlp_agrees_at_initialisation_on_the_three_backends(tmp_path):
    """The bundled tutorial MLP, read from MNIST's IDX files (64 generated digits each)."""
    rng = np.random.default_rng(0)
    for split in ("train", "t10k"):
        _write_idx(tmp_path / f"{split}-images-idx3-ubyte.gz",
                   rng.integers(0, 256, size=(64, 28, 28), dtype=np.uint8))
        _write_idx(tmp_path / f"{split}-labels-idx1-ubyte.gz",
                   rng.integers(0, 10, size=64, dtype=np.uint8))
    result = compare("mnist_mlp", backends="numpy,torch,jax", epochs=0, data=str(tmp_path),
                     inference_samples=64, jobs=2)
    assert result.ok and result.info["notes"] == [f"MNIST from {tmp_path}"]
    table = result.table()
    for label in ("numpy", "torch", "jax"):
        assert result.agrees_at_initialisation(label)
        layers = result.run(label)["inference"]["layers"]
        assert [x["layer"] for x in layers] == ["dense_1", "dropout_1", "dense_2", "dropout_2",
                                                "dense_3"]
        assert max(x["rel"] for x in layers) < 1e-5
        assert (f"{label}: every layer agrees with the reference within float32 tolerance"
                in table)


def test_dense_layer_functions_come_from_the_recorded_graph(tiny_mlp):
    layers = {x["layer"]: x for x in tiny_mlp.run("numpy")["inference"]["layers"]}
    assert layers["dense_2"]["functions"][:1] == ["dot"]
    assert "softmax" in layers["dense_2"]["functions"]
    assert "relu" in layers["dense_1"]["functions"]
    assert layers["dense_2"]["inbound"] == ["gaussian_noise_1"]
    # every function recomputed in float64 from the backend's own inputs agrees
    assert layers["dense_2"]["op_checks"] and not any(c["suspect"] for x in layers.values()
                                                      for c in x["op_checks"])


@pytest.mark.parametrize("label, stage, message", [
    ("nosuch", "import", "Unknown backend"),
    (FAULTY + "missing", "import", "no module named 'tests.faulty_backends.missing'"),
    (FAULTY + "crashes", "crash", "ended with exit status 70 without a result"),
])
def test_a_backend_that_cannot_run_is_reported_in_its_column(tiny_mlp, label, stage, message):
    run = tiny_mlp.run(label)
    assert not run["ok"] and run["stage"] == stage
    assert message in run["error"]
    table = tiny_mlp.table()
    assert f"{label}: FAILED at {stage}" in table
    assert not tiny_mlp.ok  # the command exits with status 1


def test_softmax_over_the_wrong_axis_is_localized_to_the_layer_and_function(tiny_mlp):
    label = FAULTY + "softmax_axis"
    culprit = tiny_mlp.culprit(label)
    assert culprit is not None, tiny_mlp.run(label)["error"]
    assert culprit["layer"] == "dense_2"
    assert culprit["suspect_functions"] == ["softmax"]
    layers = {x["layer"]: x for x in tiny_mlp.run(label)["inference"]["layers"]}
    assert layers["dense_1"]["within_tolerance"] and not layers["dense_2"]["within_tolerance"]
    assert "likely culprit layer dense_2" in tiny_mlp.table()


def test_a_wrong_maximum_in_the_update_names_the_weight_and_step(tiny_mlp):
    label = FAULTY + "maximum_blocked"
    assert tiny_mlp.agrees_at_initialisation(label), tiny_mlp.run(label)["error"]
    parting = tiny_mlp.parting(label)
    assert parting["step"] == 1 and parting["kind"] == "update"
    assert parting["weight"] == "dense_1/kernel"  # the only array of >= 100 elements
    assert "maximum" in parting["functions"]
    assert parting["suspect_functions"] == ["maximum"]


def test_a_wrong_pow_from_the_third_step_names_that_step(tiny_mlp):
    label = FAULTY + "pow_late"
    parting = tiny_mlp.parting(label)
    assert parting is not None, tiny_mlp.run(label)["error"]
    assert parting["step"] == 3 and parting["kind"] == "update"
    assert parting["suspect_functions"] == ["pow"]


@pytest.fixture(scope="module")
def cnn_reports(tmp_path_factory):
    """The command line on the tiny CNN with a flipped conv2d kernel, writing every report."""
    from polykeras.cli import main

    folder = tmp_path_factory.mktemp("compare_reports")
    paths = {kind: folder / f"report.{kind}" for kind in ("json", "png", "html")}
    with _importable_tests():
        status = main(["compare", str(TARGETS / "tiny_cnn.py"), "--backends",
                       f"numpy,torch,{FAULTY}unchanged,{FAULTY}conv2d_flipped",
                       "--reference", "numpy",
                       "--epochs", "2", "--steps", "2", "--batch-size", "8", "--quiet",
                       "--jobs", "2",
                       "--json", str(paths["json"]), "--plot", str(paths["png"]),
                       "--html", str(paths["html"])])
    return status, paths


def test_command_writes_json_plot_and_html(cnn_reports):
    status, paths = cnn_reports
    data = json.loads(paths["json"].read_text())
    assert data["settings"]["backends"] == ["numpy", "torch", FAULTY + "unchanged",
                                            FAULTY + "conv2d_flipped"]
    assert data["tolerances"]["layer_relative"]["float32"] == 1e-4
    # --reference numpy: the numpy run is the reference; the control compares with it exactly
    assert data["reference"]["label"] == "numpy" and data["runs"][0]["is_reference"]
    # a model that does not compile on one backend: reported there, the others compared
    torch_run = data["runs"][1]
    assert not torch_run["ok"] and torch_run["stage"] == "build"
    assert "tiny_cnn does not compile on torch" in torch_run["error"]
    assert status == 1
    control = data["runs"][2]
    assert control["ok"], control["error"]
    assert [x["layer"] for x in control["inference"]["layers"]] == \
        ["conv2d_1", "flatten_1", "dense_1"]
    assert all(x["rel"] == 0 for x in control["inference"]["layers"])
    training = control["training"]
    assert len(training["epochs"]) == 2 and training["parting"] is None
    assert training["step_loss_rel"] == [0.0] * 10  # 40 samples, batches of 8, 2 epochs
    assert set(training["steps"][0]["gradients"]) == {"conv2d_1/kernel", "conv2d_1/bias",
                                                       "dense_1/kernel", "dense_1/bias"}
    png = paths["png"].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    page = paths["html"].read_text()
    assert "data:image/png;base64," in page and "conv2d_1" in page


def test_a_flipped_conv2d_kernel_is_localized_to_the_conv_layer(cnn_reports):
    status, paths = cnn_reports
    run = json.loads(paths["json"].read_text())["runs"][3]
    assert run["ok"], run["error"]
    culprit = run["inference"]["verdict"]["culprit"]
    assert culprit["layer"] == "conv2d_1" and culprit["suspect_functions"] == ["conv2d"]


def test_a_target_without_build_model_is_reported_for_every_backend():
    result = compare(str(TARGETS / "no_build_model.py"), backends="numpy,jax", epochs=0)
    assert not result.ok
    for label in ("numpy", "jax"):
        run = result.run(label)
        assert not run["ok"] and run["stage"] == "target"
        assert "does not define build_model" in run["error"]
    assert "does not define build_model" in result.table()


def test_bundled_targets_are_the_examples_with_both_functions():
    found = bundled_targets()
    assert "mnist_mlp" in found
    assert "mnist_siamese" not in found  # build_model(input_shape) but no get_data()
    assert targets.describe_target("mnist_mlp")["kind"] == "bundled"
    with pytest.raises(TargetError, match=r"Unknown target 'mnist_nothing'.*mnist_mlp"):
        targets.describe_target("mnist_nothing")
    with pytest.raises(TargetError, match="does not exist"):
        targets.describe_target("no/such/file.py")


@pytest.mark.parametrize("kwargs, message", [
    ({"backends": ""}, "Expected at least one backend"),
    ({"epochs": -1}, "Expected epochs to be an integer >= 0"),
    ({"batch_size": 0}, "Expected batch_size to be an integer >= 1"),
    ({"reference": "float32"}, r"Expected reference to be one of \['float64'\]"),
])
def test_bad_arguments_are_refused_before_any_process_starts(kwargs, message):
    with pytest.raises(ValueError, match=message):
        compare("mnist_mlp", **kwargs)


def test_plot_without_matplotlib_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = CompareResult({"target": "t", "backends": [], "reference": "float64"}, {},
                           {"label": "reference", "timing": {}}, [])
    with pytest.raises(ImportError, match=r"pip install 'polykeras\[compare\]'"):
        result.plot(tmp_path / "x.png")


def test_relative_difference_against_plain_numpy():
    reference = np.array([[1.0, -4.0], [2.0, 0.0]])
    value = reference + np.array([[0.0, 0.4], [0.0, -0.2]])
    max_abs, mean_abs, rel = graphs.relative_difference(value.astype(np.float32), reference)
    assert max_abs == pytest.approx(0.4, rel=1e-6)
    assert mean_abs == pytest.approx(0.15, rel=1e-6)
    assert rel == pytest.approx(0.1, rel=1e-6)
    assert graphs.relative_difference(np.zeros(3), np.zeros(2))[2] == float("inf")
