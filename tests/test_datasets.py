"""datasets.mnist: the shared IDX folder, synthetic IDX folders, the npz cache and its download."""

import gzip
import hashlib
import pathlib
import struct

import numpy as np
import pytest

from polykeras.datasets import mnist

SHARED_MNIST = pathlib.Path(__file__).resolve().parents[2] / "shared" / "datasets" / "mnist"


def _write_idx(path, array, compress=True):
    codes = {np.dtype("uint8"): 0x08, np.dtype(">i4"): 0x0C}
    header = bytes([0, 0, codes[array.dtype], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + array.tobytes()
    if compress:
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)


def _digits(n, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8), rng.integers(0, 10, size=n, dtype=np.uint8)


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason=f"the shared MNIST folder {SHARED_MNIST} is absent")
def test_shared_test_set_folder_splits_8000_2000():
    (x_train, y_train), (x_test, y_test) = mnist.load_data(str(SHARED_MNIST))
    assert x_train.shape == (8000, 28, 28) and x_test.shape == (2000, 28, 28)
    assert y_train.shape == (8000,) and y_test.shape == (2000,)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8 and x_train.max() == 255
    assert y_train[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]  # the official t10k labels begin so
    assert sorted(set(y_test.tolist())) == list(range(10))


def test_folder_with_train_and_test_files_gives_the_official_split(tmp_path):
    x_train, y_train = _digits(12, 0)
    x_test, y_test = _digits(5, 1)
    _write_idx(tmp_path / "train-images-idx3-ubyte.gz", x_train)
    _write_idx(tmp_path / "train-labels-idx1-ubyte.gz", y_train)
    _write_idx(tmp_path / "t10k-images-idx3-ubyte", x_test, compress=False)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", y_test, compress=False)
    (a, b), (c, d) = mnist.load_data(tmp_path)
    np.testing.assert_array_equal(a, x_train)
    np.testing.assert_array_equal(b, y_train)
    np.testing.assert_array_equal(c, x_test)
    np.testing.assert_array_equal(d, y_test)


def test_folder_with_only_the_test_set_is_split(tmp_path, monkeypatch):
    x, y = _digits(10, 2)
    _write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", x)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", y)
    monkeypatch.setattr(mnist, "TEST_ONLY_TRAIN_SIZE", 7)
    (a, b), (c, d) = mnist.load_data(str(tmp_path))
    np.testing.assert_array_equal(a, x[:7])
    np.testing.assert_array_equal(d, y[7:])


def test_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="mnist.load_data: Expected a folder with mnist.npz or MNIST's IDX files"):
        mnist.load_data(str(tmp_path))
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03" + struct.pack(">3I", 5, 28, 28) + b"\x00" * 10)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x01" + struct.pack(">I", 5) + b"\x00" * 5)
    with pytest.raises(ValueError, match="read_idx: Expected 3936 bytes for an IDX array of shape \\(5, 28, 28\\). Received: 26 bytes"):
        mnist.load_data(str(tmp_path))
    bad = tmp_path / "bad"
    bad.write_bytes(b"PK\x03\x04junk")
    with pytest.raises(ValueError, match="read_idx: Expected an IDX file"):
        mnist.read_idx(str(bad))


def _npz(path):
    x_train, y_train = _digits(6, 3)
    x_test, y_test = _digits(4, 4)
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return x_train, y_test


def test_npz_in_a_folder_or_by_path(tmp_path):
    x_train, y_test = _npz(tmp_path / "mnist.npz")
    for source in (tmp_path, tmp_path / "mnist.npz"):
        (a, _), (_, d) = mnist.load_data(str(source))
        np.testing.assert_array_equal(a, x_train)
        np.testing.assert_array_equal(d, y_test)


def test_download_then_cached_copy_offline(tmp_path, monkeypatch):
    """The real download path: fetch from ORIGIN, check the hash, then read the cache offline."""
    origin = tmp_path / "server" / "mnist.npz"
    origin.parent.mkdir()
    x_train, _ = _npz(origin)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(mnist, "ORIGIN", origin.as_uri())
    monkeypatch.setattr(mnist, "SHA256", hashlib.sha256(origin.read_bytes()).hexdigest())
    (a, _), _ = mnist.load_data()
    np.testing.assert_array_equal(a, x_train)
    assert (tmp_path / "home" / "datasets" / "mnist.npz").is_file()
    origin.unlink()  # offline from now on
    (a, _), _ = mnist.load_data()
    np.testing.assert_array_equal(a, x_train)


def test_neither_cached_nor_downloadable_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(mnist, "ORIGIN", (tmp_path / "offline" / "mnist.npz").as_uri())
    with pytest.raises(FileNotFoundError) as info:
        mnist.load_data()
    message = str(info.value)
    assert "mnist.load_data" in message and "download failed" in message and "IDX" in message


def test_real_origin_and_hash_are_keras():
    assert mnist.ORIGIN.endswith("/mnist.npz") and len(mnist.SHA256) == 64
