"""polykeras.datasets: every loader reads small files in its real format through the real path.

Each test serves the files from a ``file://`` origin (the loaders' module
constants are pointed at it, with the test files' md5), downloads them into
a temporary ``KERAS_HOME`` through ``get_file``, and then reads the cache
with the origin gone (offline).
"""

import gzip
import hashlib
import io
import json
import pathlib
import pickle
import struct
import tarfile
import warnings

import numpy as np
import pytest

from polykeras.backend import config
from polykeras.datasets import (
    boston_housing,
    cifar,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)

SHARED_MNIST = pathlib.Path(__file__).resolve().parents[2] / "shared" / "datasets" / "mnist"


def _write_idx(path, array, compress=True):
    codes = {np.dtype("uint8"): 0x08, np.dtype(">i4"): 0x0C}
    header = (bytes([0, 0, codes[array.dtype], array.ndim])
              + struct.pack(f">{array.ndim}I", *array.shape))
    data = header + array.tobytes()
    if compress:
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)


def _digits(n, seed):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8),
            rng.integers(0, 10, size=n, dtype=np.uint8))


@pytest.mark.skipif(not SHARED_MNIST.is_dir(),
                    reason=f"the shared MNIST folder {SHARED_MNIST} is absent")
def test_shared_test_set_folder_splits_8000_2000():
    (x_train, y_train), (x_test, y_test) = mnist.load_data(str(SHARED_MNIST))
    assert x_train.shape == (8000, 28, 28) and x_test.shape == (2000, 28, 28)
    assert y_train.shape == (8000,) and y_test.shape == (2000,)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8 and x_train.max() == 255
    assert y_train[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5,
                                     9]  # the official t10k labels begin so
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
    with pytest.raises(FileNotFoundError,
                       match="mnist.load_data: Expected a folder with mnist.npz or MNIST's IDX "
                             "files"):
        mnist.load_data(str(tmp_path))
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(
        b"\x00\x00\x08\x03" + struct.pack(">3I", 5, 28, 28) + b"\x00" * 10)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(
        b"\x00\x00\x08\x01" + struct.pack(">I", 5) + b"\x00" * 5)
    with pytest.raises(ValueError,
                       match="read_idx: Expected 3936 bytes for an IDX array of shape \\(5, 28, "
                             "28\\). Received: 26 bytes"):
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
    """The real download path: fetch from ORIGINS, check the hash, then read the cache offline."""
    origin = tmp_path / "server" / "mnist.npz"
    origin.parent.mkdir()
    x_train, _ = _npz(origin)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(mnist, "ORIGINS", (origin.as_uri(),))
    monkeypatch.setattr(mnist, "FILE_HASH", hashlib.md5(origin.read_bytes()).hexdigest())
    (a, _), _ = mnist.load_data()
    np.testing.assert_array_equal(a, x_train)
    assert (tmp_path / "home" / "datasets" / "mnist.npz").is_file()
    origin.unlink()  # offline from now on
    (a, _), _ = mnist.load_data()
    np.testing.assert_array_equal(a, x_train)


def test_neither_cached_nor_downloadable_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    url = (tmp_path / "offline" / "mnist.npz").as_uri()
    monkeypatch.setattr(mnist, "ORIGINS", (url,))
    with pytest.raises(FileNotFoundError) as info:
        mnist.load_data()
    message = str(info.value)
    assert message.startswith("mnist.load_data: Expected mnist.npz in the Keras cache")
    assert url in message and "no download worked" in message and "IDX" in message
    assert f"put it at {tmp_path / 'home' / 'datasets' / 'mnist.npz'}" in message


# -- shared helpers ---------------------------------------------------------------------------

KERAS_224 = {  # Keras 2.2.4's URLs and checksums, which the loaders must keep
    mnist: ("https://s3.amazonaws.com/img-datasets/mnist.npz", "8a61469f7ea1b51cbae51d4f78837e45"),
    imdb: ("https://s3.amazonaws.com/text-datasets/imdb.npz", "599dadb1135973df5b59232a0e9a887c"),
    reuters: ("https://s3.amazonaws.com/text-datasets/reuters.npz",
              "87aedbeb0cb229e378797a632c1997b6"),
    boston_housing: ("https://s3.amazonaws.com/keras-datasets/boston_housing.npz",
                     "f553886a1f8d56431e820c5b82552d4d"),
    cifar10: ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz", None),
    cifar100: ("https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz", None),
}


@pytest.mark.parametrize("module", list(KERAS_224), ids=lambda m: m.__name__.split(".")[-1])
def test_origins_and_hashes_are_keras_224s(module):
    url, md5 = KERAS_224[module]
    assert module.ORIGINS[0] == url
    if md5 is not None:
        assert module.FILE_HASH == md5
    assert imdb.WORD_INDEX_HASH == "bfafd718b763782e994055a2d397834f"
    assert reuters.WORD_INDEX_HASH == "4d44cc38712099c9e383dc6e5f11a921"
    assert fashion_mnist.BASES[0] == "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _serve(tmp_path, monkeypatch, module, name, content, origins="ORIGINS", file_hash="FILE_HASH"):
    """Put ``content`` at a file:// origin and point ``module``'s constants at it."""
    server = tmp_path / "server"
    server.mkdir(exist_ok=True)
    (server / name).write_bytes(content)
    monkeypatch.setattr(module, origins, ((server / name).as_uri(),))
    monkeypatch.setattr(module, file_hash, hashlib.md5(content).hexdigest())
    return server / name


def _npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # object arrays are pickled, as in the real imdb / reuters files
    return buffer.getvalue()


def _ragged(*lists):
    array = np.empty(len(lists), dtype=object)
    for i, item in enumerate(lists):
        array[i] = list(item)
    return array


def _pairs(x, y):
    return sorted((tuple(seq), int(label)) for seq, label in zip(x, y))


# -- imdb ---------------------------------------------------------------------------------

IMDB_TRAIN = [[1, 2, 3], [4, 1], [5, 6, 7, 8]]
IMDB_TEST = [[2, 9], [3]]


@pytest.fixture
def imdb_files(tmp_path, monkeypatch, home):
    content = _npz_bytes(x_train=_ragged(*IMDB_TRAIN), y_train=np.array([1, 0, 1]),
                         x_test=_ragged(*IMDB_TEST), y_test=np.array([0, 1]))
    served = _serve(tmp_path, monkeypatch, imdb, "imdb.npz", content)
    index = json.dumps({"the": 1, "and": 2, "a": 3}).encode()
    _serve(tmp_path, monkeypatch, imdb, "imdb_word_index.json", index,
           "WORD_INDEX_ORIGINS", "WORD_INDEX_HASH")
    return served


def test_imdb_encodes_shuffles_and_then_works_offline(imdb_files, home):
    (x_train, y_train), (x_test, y_test) = imdb.load_data()
    # start_char 1, then each rank + index_from 3; num_words=None cuts the largest index (12).
    expected_train = [((1, 4, 5, 6), 1), ((1, 7, 4), 0), ((1, 8, 9, 10, 11), 1)]
    expected_test = [((1, 5, 2), 0), ((1, 6), 1)]
    assert _pairs(x_train, y_train) == sorted(expected_train)
    assert _pairs(x_test, y_test) == sorted(expected_test)
    assert x_train.dtype == object and isinstance(x_train[0], list) and y_train.dtype == np.int64
    # Keras 2.2.4's order: one RandomState(seed) shuffles the training split, then the test split.
    rng = np.random.RandomState(113)
    order_train, order_test = rng.permutation(3), rng.permutation(2)
    assert [int(y) for y in y_train] == [[1, 0, 1][i] for i in order_train]
    assert [list(x) for x in x_test] == [[[1, 5, 2], [1, 6]][i] for i in order_test]
    assert (home / "datasets" / "imdb.npz").is_file()
    imdb_files.unlink()  # offline
    (again, _), _ = imdb.load_data()
    assert [list(x) for x in again] == [list(x) for x in x_train]
    assert imdb.get_word_index() == {"the": 1, "and": 2, "a": 3}


def test_imdb_vocabulary_options(imdb_files):
    (x_train, y_train), (x_test, _) = imdb.load_data(num_words=8, skip_top=5, oov_char=2)
    # indices >= 8 or < 5 become 2 (the start character 1 too: it is below skip_top)
    assert _pairs(x_train, y_train) == sorted([((2, 2, 5, 6), 1), ((2, 7, 2), 0),
                                               ((2, 2, 2, 2, 2), 1)])
    (x_train, y_train), _ = imdb.load_data(num_words=8, skip_top=5, oov_char=None)
    assert _pairs(x_train, y_train) == sorted([((5, 6), 1), ((7,), 0), ((), 1)])
    (x_train, y_train), _ = imdb.load_data(start_char=None, index_from=0, num_words=100)
    assert _pairs(x_train, y_train) == sorted([((1, 2, 3), 1), ((4, 1), 0), ((5, 6, 7, 8), 1)])


def test_imdb_maxlen_filters_each_split_on_its_own(imdb_files):
    # with the start character, only texts of at most 2 words are shorter than 4
    (x_train, y_train), (x_test, y_test) = imdb.load_data(maxlen=4)
    assert _pairs(x_train, y_train) == [((1, 7, 4), 0)]
    assert _pairs(x_test, y_test) == sorted([((1, 5, 2), 0), ((1, 6), 1)])
    with pytest.raises(ValueError, match="imdb.load_data: After filtering for sequences shorter "
                                         "than maxlen=1, no sequence was kept"):
        imdb.load_data(maxlen=1)


def test_imdb_arguments(imdb_files):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (x_train, _), _ = imdb.load_data(nb_words=8)
    assert any("num_words" in str(w.message) for w in caught)
    assert max(max(x) for x in x_train) < 8
    with pytest.raises(TypeError, match="imdb.load_data: Unrecognized keyword arguments: "
                                        r"\['num_word'\]"):
        imdb.load_data(num_word=8)
    with pytest.raises(ValueError, match="imdb.load_data: Expected skip_top an int >= 0. "
                                         "Received: skip_top=-1"):
        imdb.load_data(skip_top=-1)


def test_imdb_truncated_cache_is_not_used_and_is_replaced(imdb_files, home, capsys):
    cached = home / "datasets" / "imdb.npz"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(imdb_files.read_bytes()[:100])  # an interrupted copy
    (x_train, _), _ = imdb.load_data()
    assert len(x_train) == 3
    assert "does not match the expected md5 hash" in capsys.readouterr().out
    assert cached.read_bytes() == imdb_files.read_bytes()


def test_imdb_truncated_cache_offline_is_a_clear_error(imdb_files, home):
    cached = home / "datasets" / "imdb.npz"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(imdb_files.read_bytes()[:100])
    imdb_files.unlink()
    with pytest.raises(FileNotFoundError) as info:
        imdb.load_data()
    message = str(info.value)
    assert message.startswith("imdb.load_data: Expected imdb.npz in the Keras cache")
    assert f"a cached copy at {cached} that was not used" in message
    assert "does not match the expected md5 hash" in message
    assert imdb.ORIGINS[0] in message and f"put it at {cached}" in message


def test_no_cache_and_no_network_names_the_url_and_the_cache_path(tmp_path, monkeypatch, home):
    urls = ((tmp_path / "down" / "reuters.npz").as_uri(), (tmp_path / "mirror" / "r.npz").as_uri())
    monkeypatch.setattr(reuters, "ORIGINS", urls)
    with pytest.raises(FileNotFoundError) as info:
        reuters.load_data()
    message = str(info.value)
    assert f"Received: no file at {home / 'datasets' / 'reuters.npz'}" in message
    assert urls[0] in message and urls[1] in message  # both URLs tried, each with its reason
    assert f"download {urls[0]} elsewhere and put it at {home / 'datasets' / 'reuters.npz'}" \
        in message


def test_npz_with_a_foreign_pickle_is_refused(tmp_path, monkeypatch, home):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    evil = np.empty(1, dtype=object)
    evil[0] = Evil()
    content = _npz_bytes(x=evil, y=np.array([1]))
    _serve(tmp_path, monkeypatch, reuters, "reuters.npz", content)
    with pytest.raises(ValueError, match="reuters.load_data: Expected a pickle of NumPy arrays and "
                                         "plain Python values. Received: a reference to "
                                         "builtins.print"):
        reuters.load_data()


# -- reuters ------------------------------------------------------------------------------

def test_reuters_shuffles_encodes_and_splits(tmp_path, monkeypatch, home):
    texts = [[1, 2], [3], [2, 2, 4], [5, 1, 1, 1], [6]]
    topics = np.array([0, 3, 1, 3, 2])
    served = _serve(tmp_path, monkeypatch, reuters, "reuters.npz",
                    _npz_bytes(x=_ragged(*texts), y=topics))
    _serve(tmp_path, monkeypatch, reuters, "reuters_word_index.json", b'{"said": 1}',
           "WORD_INDEX_ORIGINS", "WORD_INDEX_HASH")
    (x_train, y_train), (x_test, y_test) = reuters.load_data(test_split=0.4, num_words=100)
    order = np.random.RandomState(113).permutation(5)
    encoded = [[1] + [w + 3 for w in texts[i]] for i in order]
    assert [list(x) for x in x_train] == encoded[:3] and [list(x) for x in x_test] == encoded[3:]
    assert y_train.tolist() == topics[order][:3].tolist() and y_test.dtype == topics.dtype
    # maxlen filters before the split: texts of 1 or 2 words are kept (3 of them), 1 for testing
    (x_train, _), (x_test, _) = reuters.load_data(maxlen=4, test_split=0.4)
    assert (len(x_train), len(x_test)) == (1, 2)
    assert reuters.get_word_index() == {"said": 1}
    served.unlink()
    assert len(reuters.load_data(test_split=0.0)[0][0]) == 5
    with pytest.raises(ValueError, match=r"reuters.load_data: Expected test_split a number in "
                                         r"\[0, 1\]. Received: test_split=1.5"):
        reuters.load_data(test_split=1.5)


# -- boston_housing ------------------------------------------------------------------------

def test_boston_housing(tmp_path, monkeypatch, home):
    x = np.arange(10 * 13, dtype="float64").reshape(10, 13)
    y = np.arange(10, dtype="float64") * 1.5
    _serve(tmp_path, monkeypatch, boston_housing, "boston_housing.npz", _npz_bytes(x=x, y=y))
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data(test_split=0.3, seed=7)
    order = np.random.RandomState(7).permutation(10)
    np.testing.assert_array_equal(x_train, x[order[:7]])
    np.testing.assert_array_equal(y_test, y[order[7:]])
    assert x_train.shape == (7, 13) and y_test.shape == (3,) and x_train.dtype == np.float64
    state = np.random.get_state()[1].copy()
    boston_housing.load_data()
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # global state untouched
    with pytest.raises(ValueError, match=r"boston_housing.load_data: Expected test_split a number "
                                         r"in \[0, 1\). Received: test_split=1"):
        boston_housing.load_data(test_split=1)


# -- CIFAR --------------------------------------------------------------------------------

class _Python2Pickler(pickle._Pickler):
    """Pickles bytes as Python 2 ``str`` (BINSTRING opcodes), as cPickle wrote the CIFAR files."""

    dispatch = dict(pickle._Pickler.dispatch)

    def _save_py2_str(self, obj):
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = _save_py2_str


def _cifar_pickle(batch):
    """A batch pickled as the real files are: Python 2 protocol 2, NumPy 1 module names."""
    buffer = io.BytesIO()
    _Python2Pickler(buffer, protocol=2).dump(batch)
    return buffer.getvalue().replace(b"numpy._core.multiarray", b"numpy.core.multiarray")


def _cifar_images(n, seed):
    return np.random.default_rng(seed).integers(0, 256, size=(n, 3072), dtype=np.uint8)


def _tar_gz(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


@pytest.fixture
def cifar10_archive(tmp_path, monkeypatch, home):
    members, images, labels = {}, [], []
    for i in range(1, 6):
        data, batch_labels = _cifar_images(2, i), [i % 10, (i + 3) % 10]
        images.append(data)
        labels += batch_labels
        members[f"cifar-10-batches-py/data_batch_{i}"] = _cifar_pickle(
            {b"batch_label": b"training batch", b"labels": batch_labels, b"data": data,
             b"filenames": [b"a.png", b"b.png"]})
    test = _cifar_images(3, 9)
    members["cifar-10-batches-py/test_batch"] = _cifar_pickle(
        {b"batch_label": b"testing batch", b"labels": [7, 8, 9], b"data": test})
    members["cifar-10-batches-py/batches.meta"] = _cifar_pickle({b"label_names": [b"airplane"]})
    served = _serve(tmp_path, monkeypatch, cifar10, "cifar-10-python.tar.gz", _tar_gz(members))
    return served, np.concatenate(images), labels, test


def test_cifar10_archive_is_cached_extracted_and_read_offline(cifar10_archive, home):
    served, images, labels, test = cifar10_archive
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and x_train.dtype == np.uint8
    # pixel (row r, column c) of channel k is value k*1024 + r*32 + c of the flat image
    assert x_train[3, 5, 7, 2] == images[3, 2 * 1024 + 5 * 32 + 7]
    assert y_train.shape == (10, 1) and y_train.dtype == np.uint8
    assert y_train[:, 0].tolist() == labels
    assert y_test.shape == (3, 1) and y_test.dtype == np.int64
    assert y_test[:, 0].tolist() == [7, 8, 9]
    assert x_test[2, 31, 0, 1] == test[2, 1024 + 31 * 32]
    assert (home / "datasets" / "cifar-10-batches-py.tar.gz").is_file()
    assert (home / "datasets" / "cifar-10-batches-py" / "test_batch").is_file()
    served.unlink()
    config.set_image_data_format("channels_first")
    (x_train, _), _ = cifar10.load_data()
    assert x_train.shape == (10, 3, 32, 32)
    assert x_train[3, 2, 5, 7] == images[3, 2 * 1024 + 5 * 32 + 7]
    # the extracted folder alone (archive deleted) is enough offline
    (home / "datasets" / "cifar-10-batches-py.tar.gz").unlink()
    (_, _), (x_test, _) = cifar10.load_data()
    assert x_test.shape == (3, 3, 32, 32) and x_test[2, 1, 31, 0] == test[2, 1024 + 31 * 32]


def test_cifar100_label_modes(tmp_path, monkeypatch, home):
    train, test = _cifar_images(4, 1), _cifar_images(2, 2)
    members = {
        "cifar-100-python/train": _cifar_pickle({b"data": train, b"fine_labels": [10, 20, 30, 99],
                                                 b"coarse_labels": [1, 2, 3, 19]}),
        "cifar-100-python/test": _cifar_pickle({b"data": test, b"fine_labels": [0, 5],
                                                b"coarse_labels": [0, 4]}),
    }
    _serve(tmp_path, monkeypatch, cifar100, "cifar-100-python.tar.gz", _tar_gz(members))
    (x_train, y_train), (_, y_test) = cifar100.load_data()
    assert y_train[:, 0].tolist() == [10, 20, 30, 99] and y_test[:, 0].tolist() == [0, 5]
    assert y_train.dtype == np.int64 and x_train.shape == (4, 32, 32, 3)
    (_, y_train), _ = cifar100.load_data(label_mode="coarse")
    assert y_train[:, 0].tolist() == [1, 2, 3, 19]
    with pytest.raises(ValueError, match=r"cifar100.load_data: Expected label_mode one of .*"
                                         r"Received: label_mode='medium'"):
        cifar100.load_data(label_mode="medium")


def test_cifar_truncated_archive_offline_is_a_clear_error(cifar10_archive, home):
    served = cifar10_archive[0]
    cached = home / "datasets" / "cifar-10-batches-py.tar.gz"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(served.read_bytes()[:-200])
    served.unlink()
    with pytest.raises(FileNotFoundError) as info:
        cifar10.load_data()
    message = str(info.value)
    assert f"a cached copy at {cached} that was not used" in message and "md5" in message
    folder = home / "datasets" / "cifar-10-batches-py"
    assert f"put it at {cached} (or its extracted contents at {folder})" in message
    assert not (home / "datasets" / "cifar-10-batches-py").exists()  # nothing half-extracted


def test_load_batch_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="load_batch: Expected a CIFAR batch file. "
                                                "Received: no file at"):
        cifar.load_batch(str(tmp_path / "missing"))
    batch = tmp_path / "batch"
    full = _cifar_pickle({b"data": _cifar_images(2, 0), b"labels": [1, 2]})
    batch.write_bytes(full[: len(full) // 2])
    with pytest.raises(ValueError, match="load_batch: Expected a complete pickle. Received: a "
                                         "truncated or damaged one"):
        cifar.load_batch(str(batch))
    batch.write_bytes(_cifar_pickle({b"data": _cifar_images(2, 0), b"labels": [1, 2]}))
    with pytest.raises(ValueError, match=r"load_batch: Expected the keys 'data' and 'fine_labels'"):
        cifar.load_batch(str(batch), label_key="fine_labels")
    batch.write_bytes(_cifar_pickle({b"data": _cifar_images(2, 0), b"labels": [1]}))
    with pytest.raises(ValueError, match="load_batch: Expected one label per image"):
        cifar.load_batch(str(batch))
    batch.write_bytes(pickle.dumps({b"data": np.zeros((2, 100), np.uint8), b"labels": [1, 2]}))
    with pytest.raises(ValueError, match=r"load_batch: Expected 'data' of shape \(n, 3072\)"):
        cifar.load_batch(str(batch))
    batch.write_bytes(pickle.dumps({b"data": __import__("os").getcwd, b"labels": []}))
    with pytest.raises(ValueError, match="load_batch: .*Received: a reference to posix.getcwd"):
        cifar.load_batch(str(batch))


# -- fashion_mnist -------------------------------------------------------------------------

def test_fashion_mnist(tmp_path, monkeypatch, home):
    server = tmp_path / "server"
    server.mkdir()
    x_train, y_train = _digits(6, 10)
    x_test, y_test = _digits(3, 11)
    for name, array in (("train-images-idx3-ubyte.gz", x_train),
                        ("train-labels-idx1-ubyte.gz", y_train),
                        ("t10k-images-idx3-ubyte.gz", x_test),
                        ("t10k-labels-idx1-ubyte.gz", y_test)):
        _write_idx(server / name, array)
    hashes = {name: hashlib.md5((server / name).read_bytes()).hexdigest()
              for name in fashion_mnist.FILES}
    monkeypatch.setattr(fashion_mnist, "BASES", (server.as_uri() + "/",))
    monkeypatch.setattr(fashion_mnist, "FILES", hashes)
    (a, b), (c, d) = fashion_mnist.load_data()
    for got, expected in ((a, x_train), (b, y_train), (c, x_test), (d, y_test)):
        np.testing.assert_array_equal(got, expected)
        assert got.dtype == np.uint8
    assert (home / "datasets" / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").is_file()
    for name in hashes:
        (server / name).unlink()
    np.testing.assert_array_equal(fashion_mnist.load_data()[1][0], x_test)  # offline


# -- the Keras 2.2.4 names ------------------------------------------------------------------

REFERENCE = SHARED_MNIST.parents[1] / "reference" / "keras224_api.json"


@pytest.mark.skipif(not REFERENCE.is_file(), reason="the Keras 2.2.4 name list is absent")
def test_every_keras_224_datasets_name_is_importable():
    import importlib
    reference = json.loads(REFERENCE.read_text())
    modules = [m for m in reference["module_paths"] if m.startswith("keras.datasets")]
    assert len(modules) == 9
    for module in modules:
        importlib.import_module("poly" + module)
    groups = {k: v for k, v in reference["ref"].items() if k.startswith("datasets")}
    assert len(groups) == 9
    for module, names in groups.items():
        imported = importlib.import_module(f"polykeras.{module}")
        for name in (n for group in names.values() for n in group):
            assert hasattr(imported, name), f"polykeras.{module}.{name}"


def test_a_download_that_fails_its_checksum_is_not_kept(tmp_path, monkeypatch, home):
    _serve(tmp_path, monkeypatch, boston_housing, "boston_housing.npz",
           _npz_bytes(x=np.zeros((2, 13)), y=np.zeros(2)))
    monkeypatch.setattr(boston_housing, "FILE_HASH", "0" * 32)
    with pytest.raises(ValueError, match="boston_housing.load_data: Expected boston_housing.npz "
                                         "from file:.*Received: get_file: Expected the file "
                                         "from .* md5 hash 0+.*it was not saved"):
        boston_housing.load_data()
    assert list((home / "datasets").iterdir()) == []
