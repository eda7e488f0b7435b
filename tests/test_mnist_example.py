"""The MNIST tutorial (examples/mnist_mlp.py) trains to a useful accuracy on every backend.

It runs the script as a user does, in a subprocess, on the shared folder
holding MNIST's official test set (first 8,000 images to train, last 2,000
to test), with 3 epochs instead of the tutorial's 20: the bound (0.90) is
lower than the 0.95 that 20 epochs reach, and far above the 0.10 of chance.
"""

import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "mnist_mlp.py"
SHARED_MNIST = ROOT.parent / "shared" / "datasets" / "mnist"
EPOCHS = 3
MIN_ACCURACY = 0.90

needs_data = pytest.mark.skipif(
    not (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").is_file(),
    reason=f"the shared MNIST folder {SHARED_MNIST} is absent (it holds the official test set)")


def _run(*args, timeout=600):
    env = dict(os.environ, PYTHONHASHSEED="0")
    return subprocess.run([sys.executable, str(EXAMPLE), *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=str(ROOT))


@needs_data
@pytest.mark.parametrize("backend_name", ["numpy", "torch", "jax"])
def test_tutorial_learns_mnist(backend_name):
    result = _run("--backend", backend_name, "--epochs", str(EPOCHS), "--data", str(SHARED_MNIST))
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert f"Backend: {backend_name}" in out
    assert "8000 train samples, 2000 test samples" in out
    assert "Total params: 235,146" in out  # summary(): 784*256+256 + 256*128+128 + 128*10+10
    assert out.count("val_acc") >= EPOCHS
    assert re.search(r"Predicted classes of the first 20 test images: \[(\d, ){19}\d\]", out)
    last = out.strip().splitlines()[-1]
    match = re.fullmatch(r"test_accuracy=(0\.\d{4}|1\.0000)", last)
    assert match, f"the last line must be test_accuracy=0.XXXX, got {last!r}"
    assert float(match.group(1)) >= MIN_ACCURACY


def test_bad_arguments_are_clear_errors(tmp_path):
    result = _run("--epochs", "0")
    assert result.returncode != 0 and "--epochs must be >= 1" in result.stderr
    result = _run("--backend", "numpy", "--data", str(tmp_path))
    assert result.returncode != 0
    assert "mnist.load_data: Expected a folder with mnist.npz or MNIST's IDX files" in result.stderr
