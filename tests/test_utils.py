"""polykeras.utils: data preparation, get_file, Sequence and enqueuers, serialization, Progbar,
plots."""

import hashlib
import os
import sys
import tarfile
import threading
import zipfile

import numpy as np
import pytest

from polykeras import utils
from polykeras.utils import conv_utils, data_utils, generic_utils, io_utils
from polykeras.utils.np_utils import normalize, to_categorical

# -- np_utils ----------------------------------------------------------------------------

def test_to_categorical():
    out = to_categorical([0, 2, 1, 2])
    np.testing.assert_array_equal(out, [[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 1]])
    assert out.dtype == np.float32
    assert to_categorical(np.array([[1], [0]]), num_classes=4).shape == (2, 4)
    assert to_categorical(np.array([[1, 0], [2, 3]]), 5).shape == (2, 2, 5)
    assert to_categorical(np.array([1.0, 3.0]), dtype="int64").dtype == np.int64
    assert to_categorical(np.array([], dtype=int), num_classes=3).shape == (0, 3)


def test_to_categorical_errors():
    with pytest.raises(ValueError,
                       match="to_categorical: Expected labels < num_classes=3. Received: label 3"):
        to_categorical([0, 3], num_classes=3)
    with pytest.raises(ValueError, match="to_categorical: Expected non-negative"):
        to_categorical([-1, 0])
    with pytest.raises(ValueError, match="to_categorical: Expected integer class labels"):
        to_categorical([0.5, 1])


def test_normalize():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(normalize(x), [[0.6, 0.8], [0.0, 0.0]])
    np.testing.assert_allclose(normalize(x, axis=0, order=1), [[1.0, 1.0], [0.0, 0.0]])


# -- generic_utils ------------------------------------------------------------------------

def test_list_helpers():
    assert generic_utils.to_list(1) == [1]
    assert generic_utils.to_list([1, 2]) == [1, 2]
    assert generic_utils.to_list((1, 2)) == [(1, 2)]
    assert generic_utils.to_list((1, 2), allow_tuple=True) == [1, 2]
    assert generic_utils.unpack_singleton([5]) == 5
    assert generic_utils.unpack_singleton([5, 6]) == [5, 6]
    assert generic_utils.is_all_none([None, None]) and not generic_utils.is_all_none([None, 1])
    a, b = np.arange(10), np.arange(10, 20)
    sliced = generic_utils.slice_arrays([a, None, b], 2, 5)
    np.testing.assert_array_equal(sliced[0], [2, 3, 4])
    assert sliced[1] is None
    np.testing.assert_array_equal(generic_utils.slice_arrays(a, np.array([7, 1])), [7, 1])
    assert generic_utils.slice_arrays(None) == [None]
    assert generic_utils.transpose_shape((5, 6, 3), "channels_first",
                                         spatial_axes=(0, 1)) == (3, 5, 6)
    assert generic_utils.transpose_shape([5, 6, 3], "channels_last", (0, 1)) == [5, 6, 3]


def test_has_arg():
    def f(a, b=1, *args, c=2, **kwargs):
        pass

    def g(a):
        pass

    assert generic_utils.has_arg(f, "b") and generic_utils.has_arg(f, "c")
    assert not generic_utils.has_arg(f, "args") and not generic_utils.has_arg(g, "z")
    assert generic_utils.has_arg(f, "z", accept_all=True)
    assert not generic_utils.has_arg(g, "z", accept_all=True)


class _Point:
    def __init__(self, x=0, y=0):
        self.x, self.y = x, y

    def get_config(self):
        return {"x": self.x, "y": self.y}


def test_serialize_deserialize_and_custom_object_scope():
    point = _Point(1, 2)
    config = generic_utils.serialize_keras_object(point)
    assert config == {"class_name": "_Point", "config": {"x": 1, "y": 2}}
    clone = generic_utils.deserialize_keras_object(config, module_objects={"_Point": _Point})
    assert (clone.x, clone.y) == (1, 2)
    with generic_utils.custom_object_scope({"_Point": _Point}):
        assert generic_utils.get_custom_objects()["_Point"] is _Point
        assert generic_utils.deserialize_keras_object(config).y == 2
    assert "_Point" not in generic_utils.get_custom_objects()
    with pytest.raises(ValueError, match="Unknown object.*Received: object='_Point'"):
        generic_utils.deserialize_keras_object(config)
    with pytest.raises(ValueError, match="Could not interpret serialized thing"):
        generic_utils.deserialize_keras_object(3.5, printable_module_name="thing")
    assert generic_utils.serialize_keras_object(len) == "len"
    with pytest.raises(ValueError, match="serialize_keras_object"):
        generic_utils.serialize_keras_object(3)


def test_func_dump_and_load_round_trip():
    offset = 10

    def add(x, y=2):
        return x + y + offset

    restored = generic_utils.func_load(*generic_utils.func_dump(add))
    assert restored(1) == 13 and restored(1, 5) == 16


def test_progbar_verbose_1_and_2(capsys):
    bar = generic_utils.Progbar(target=4, width=10, interval=0.0)
    bar.update(2, [("loss", 1.0)])
    bar.update(4, [("loss", 3.0)])
    out = capsys.readouterr().out
    assert "4/4 [==========]" in out and "loss: 2.0000" in out  # sample-weighted mean of 1 and 3
    quiet = generic_utils.Progbar(target=3, verbose=2, stateful_metrics=["acc"])
    quiet.add(1, [("acc", 0.5)])
    assert capsys.readouterr().out == ""
    quiet.add(2, [("acc", 0.75)])
    out = capsys.readouterr().out
    assert out.endswith("\n") and "acc: 0.75" in out
    unknown = generic_utils.Progbar(target=None, interval=0.0)
    unknown.update(7)
    assert "7/Unknown" in capsys.readouterr().out


# -- random seed -------------------------------------------------------------------------

def test_set_random_seed_reseeds_python_and_numpy():
    import random
    utils.set_random_seed(11)
    a = (random.random(), np.random.rand())
    utils.set_random_seed(11)
    assert (random.random(), np.random.rand()) == a
    with pytest.raises(ValueError,
                       match="set_random_seed: Expected a non-negative integer seed. Received: "
                             "seed=-1"):
        utils.set_random_seed(-1)
    with pytest.raises(ValueError, match="Received: seed=1.5"):
        utils.set_random_seed(1.5)


def test_set_random_seed_reseeds_the_backends_dropout(backend):
    from polykeras import backend as K
    x = np.ones((200,), dtype="float32")
    utils.set_random_seed(3)
    first = K.eval(K.dropout(K.constant(x), 0.5))
    utils.set_random_seed(3)
    np.testing.assert_array_equal(K.eval(K.dropout(K.constant(x), 0.5)), first)


# -- get_file -----------------------------------------------------------------------------

def _source(tmp_path, name="data.bin", content=b"polykeras test payload\n" * 100):
    src = tmp_path / "origin" / name
    src.parent.mkdir(exist_ok=True)
    src.write_bytes(content)
    return src, hashlib.sha256(content).hexdigest(), hashlib.md5(content).hexdigest()


def test_get_file_downloads_caches_and_works_offline(tmp_path):
    src, sha256, md5 = _source(tmp_path)
    cache = tmp_path / "cache"
    path = utils.get_file("data.bin", src.as_uri(), file_hash=sha256, cache_dir=str(cache))
    assert path == str(cache / "datasets" / "data.bin")
    assert open(path, "rb").read() == src.read_bytes()
    src.unlink()  # the origin is gone: the cached copy must be used, checked by md5 this time
    again = utils.get_file("data.bin", src.as_uri(), file_hash=md5, cache_dir=str(cache))
    assert again == path
    assert utils.get_file("data.bin", src.as_uri(), md5_hash=md5, cache_dir=str(cache)) == path
    assert [p.name for p in (cache / "datasets").iterdir()] == ["data.bin"]  # no temporary left


def test_get_file_default_cache_is_keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    src, sha256, _ = _source(tmp_path)
    path = utils.get_file("x.bin", src.as_uri(), file_hash=sha256, cache_subdir="sub")
    assert path == str(tmp_path / "home" / "sub" / "x.bin")


def test_get_file_rejects_a_wrong_hash_and_leaves_nothing(tmp_path):
    src, _, _ = _source(tmp_path)
    cache = tmp_path / "cache"
    with pytest.raises(ValueError,
                       match="get_file: Expected the file from .* sha256 hash 0+.*"
                             "it was not saved"):
        utils.get_file("data.bin", src.as_uri(), file_hash="0" * 64, cache_dir=str(cache))
    assert list((cache / "datasets").iterdir()) == []


def test_get_file_redownloads_a_corrupted_cache_entry(tmp_path, capsys):
    src, sha256, _ = _source(tmp_path)
    cache = tmp_path / "cache"
    (cache / "datasets").mkdir(parents=True)
    (cache / "datasets" / "data.bin").write_bytes(b"truncated")
    path = utils.get_file("data.bin", src.as_uri(), file_hash=sha256, cache_dir=str(cache))
    assert open(path, "rb").read() == src.read_bytes()
    assert "does not match" in capsys.readouterr().out


def test_get_file_reports_an_unreachable_origin(tmp_path):
    missing = (tmp_path / "nowhere.bin").as_uri()
    with pytest.raises(OSError, match="get_file: URL fetch failure on file:"):
        utils.get_file("nowhere.bin", missing, cache_dir=str(tmp_path / "cache"))
    assert list((tmp_path / "cache" / "datasets").iterdir()) == []


def test_get_file_extracts_tar_and_zip(tmp_path):
    payload = tmp_path / "payload.txt"
    payload.write_text("inside")
    tar_path = tmp_path / "archive.tar.gz"
    with tarfile.open(tar_path, "w:gz") as tar:
        tar.add(payload, arcname="folder/payload.txt")
    zip_path = tmp_path / "archive.zip"
    with zipfile.ZipFile(zip_path, "w") as z:
        z.write(payload, arcname="zipped/payload.txt")
    cache = str(tmp_path / "cache")
    folder = utils.get_file("folder", tar_path.as_uri(), untar=True, cache_dir=cache)
    assert open(os.path.join(folder, "payload.txt")).read() == "inside"
    utils.get_file("archive.zip", zip_path.as_uri(), extract=True, cache_dir=cache)
    assert open(os.path.join(cache, "datasets", "zipped", "payload.txt")).read() == "inside"


def test_extract_refuses_paths_outside_the_target(tmp_path):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("../escaped.txt", "x")
    with pytest.raises(ValueError, match="outside"):
        data_utils._extract_archive(str(evil), str(tmp_path / "target"))
    assert not (tmp_path / "escaped.txt").exists()


def test_validate_file(tmp_path):
    src, sha256, md5 = _source(tmp_path)
    assert data_utils.validate_file(str(src), sha256) and data_utils.validate_file(str(src), md5)
    assert not data_utils.validate_file(str(src), md5, algorithm="sha256")


# -- Sequence and enqueuers ---------------------------------------------------------------

class _Squares(utils.Sequence):
    def __init__(self, n, fail_at=None):
        self.n, self.fail_at, self.epochs_ended = n, fail_at, 0

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        if index == self.fail_at:
            raise RuntimeError(f"batch {index} is broken")
        return np.full((2,), index ** 2)

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_sequence_iterates_in_order():
    assert [int(b[0]) for b in _Squares(4)] == [0, 1, 4, 9]
    infinite = data_utils.iter_sequence_infinite(_Squares(2))
    assert [int(next(infinite)[0]) for _ in range(5)] == [0, 1, 0, 1, 0]


def test_ordered_enqueuer_keeps_order_across_epochs():
    sequence = _Squares(7)
    enqueuer = utils.OrderedEnqueuer(sequence, use_multiprocessing=False)
    enqueuer.start(workers=3, max_queue_size=4)
    batches = enqueuer.get()
    got = [int(next(batches)[0]) for _ in range(14)]
    enqueuer.stop()
    assert got == [i ** 2 for i in range(7)] * 2
    assert sequence.epochs_ended >= 1
    assert not enqueuer.is_running()


def test_ordered_enqueuer_shuffle_visits_every_batch_once_per_epoch():
    enqueuer = utils.OrderedEnqueuer(_Squares(20), shuffle=True)
    enqueuer.start(workers=2)
    batches = enqueuer.get()
    epoch = [int(next(batches)[0]) for _ in range(20)]
    enqueuer.stop()
    assert sorted(epoch) == [i ** 2 for i in range(20)] and epoch != sorted(epoch)


def test_ordered_enqueuer_with_processes():
    enqueuer = utils.OrderedEnqueuer(_Squares(5), use_multiprocessing=True)
    enqueuer.start(workers=2, max_queue_size=3)
    batches = enqueuer.get()
    got = [int(next(batches)[0]) for _ in range(5)]
    enqueuer.stop()
    assert got == [0, 1, 4, 9, 16]


def test_ordered_enqueuer_reraises_worker_errors():
    enqueuer = utils.OrderedEnqueuer(_Squares(5, fail_at=2))
    enqueuer.start(workers=2)
    batches = enqueuer.get()
    assert int(next(batches)[0]) == 0 and int(next(batches)[0]) == 1
    with pytest.raises(RuntimeError, match="batch 2 is broken"):
        next(batches)
    enqueuer.stop()


def test_enqueuer_argument_errors():
    with pytest.raises(TypeError, match="OrderedEnqueuer: Expected a keras Sequence"):
        utils.OrderedEnqueuer(42)
    with pytest.raises(ValueError,
                       match="OrderedEnqueuer.start: Expected an int workers >= 1. Received: "
                             "workers=0"):
        utils.OrderedEnqueuer(_Squares(2)).start(workers=0)
    with pytest.raises(ValueError, match="GeneratorEnqueuer.start.*max_queue_size"):
        utils.GeneratorEnqueuer(iter([])).start(max_queue_size=0)


def test_generator_enqueuer_threads_share_one_generator():
    enqueuer = utils.GeneratorEnqueuer((i for i in range(50)), use_multiprocessing=False)
    enqueuer.start(workers=3, max_queue_size=5)
    got = list(enqueuer.get())  # ends when the generator is exhausted
    assert sorted(got) == list(range(50))
    assert not enqueuer.is_running()


def test_generator_enqueuer_reraises_generator_errors():
    def broken():
        yield 1
        raise KeyError("generator failed")

    enqueuer = utils.GeneratorEnqueuer(broken())
    enqueuer.start(workers=1)
    items = enqueuer.get()
    assert next(items) == 1
    with pytest.raises(KeyError, match="generator failed"):
        next(items)


class _CountTo:
    """An iterator with picklable state: worker processes that are not forked need one."""

    def __init__(self, n):
        self.i, self.n = 0, n

    def __iter__(self):
        return self

    def __next__(self):
        if self.i >= self.n:
            raise StopIteration
        self.i += 1
        return self.i - 1


def test_generator_enqueuer_with_processes_runs_a_copy_per_process():
    enqueuer = utils.GeneratorEnqueuer(_CountTo(4), use_multiprocessing=True, seed=1)
    enqueuer.start(workers=2, max_queue_size=10)
    got = list(enqueuer.get())
    assert sorted(got) == [0, 0, 1, 1, 2, 2, 3, 3]


def test_enqueuer_stop_is_prompt_with_a_full_queue():
    enqueuer = utils.GeneratorEnqueuer((i for i in range(10 ** 9)))
    enqueuer.start(workers=2, max_queue_size=2)
    next(enqueuer.get())
    stopper = threading.Thread(target=enqueuer.stop, kwargs={"timeout": 5})
    stopper.start()
    stopper.join(10)
    assert not stopper.is_alive()


# -- io_utils -------------------------------------------------------------------------------

def test_h5dict_round_trip_in_a_file_and_a_dict(tmp_path):
    for target in (str(tmp_path / "store.h5"), {}):
        store = io_utils.H5Dict(target, mode="w")
        store["name"] = "model"
        store["layer_names"] = ["dense_1", "dense_2"]
        store["group"]["weights"] = np.arange(6.0).reshape(2, 3)
        store.close()
        reader = io_utils.H5Dict(target, mode="r")
        assert reader["name"] == "model"
        assert reader["layer_names"] == ["dense_1", "dense_2"]
        np.testing.assert_array_equal(reader["group"]["weights"], np.arange(6.0).reshape(2, 3))
        assert "name" in reader and reader.get("missing") is None
        with pytest.raises(ValueError, match="read-only"):
            reader["other"] = 1
        reader.close()
    with pytest.raises(TypeError, match="H5Dict: Expected a file path"):
        io_utils.H5Dict(42)


def test_hdf5_matrix(tmp_path):
    import h5py
    path = str(tmp_path / "data.h5")
    with h5py.File(path, "w") as f:
        f["x"] = np.arange(20.0).reshape(10, 2)
    matrix = utils.HDF5Matrix(path, "x", start=2, end=8, normalizer=lambda v: v / 2)
    assert len(matrix) == 6 and matrix.shape == (6, 2) and matrix.ndim == 2
    np.testing.assert_array_equal(matrix[0], [2.0, 2.5])
    np.testing.assert_array_equal(matrix[1:3], [[3.0, 3.5], [4.0, 4.5]])
    np.testing.assert_array_equal(matrix[[0, 5]], [[2.0, 2.5], [7.0, 7.5]])
    with pytest.raises(IndexError):
        matrix[6]
    with pytest.raises(ValueError, match="HDF5Matrix: Expected 0 <= start <= end <= 10"):
        utils.HDF5Matrix(path, "x", start=5, end=11)


# -- conv_utils -----------------------------------------------------------------------------

def test_conv_utils():
    assert conv_utils.normalize_tuple(3, 2, "strides") == (3, 3)
    assert conv_utils.normalize_tuple([1, 2], 2, "strides") == (1, 2)
    with pytest.raises(ValueError, match="`kernel_size` argument must be a tuple of 2 integers"):
        conv_utils.normalize_tuple((1, 2, 3), 2, "kernel_size")
    assert conv_utils.normalize_padding("SAME") == "same"
    with pytest.raises(ValueError, match="padding"):
        conv_utils.normalize_padding("reflect")
    assert conv_utils.conv_output_length(28, 3, "valid", 1) == 26
    assert conv_utils.conv_output_length(28, 3, "same", 2) == 14
    assert conv_utils.conv_output_length(10, 3, "valid", 1, dilation=2) == 6
    assert conv_utils.conv_output_length(None, 3, "valid", 1) is None
    assert conv_utils.conv_input_length(26, 3, "valid", 1) == 28
    assert conv_utils.deconv_length(14, 2, 3, "same", None) == 28
    assert conv_utils.deconv_length(14, 2, 3, "valid", None) == 29
    kernel = np.arange(2 * 3 * 1 * 1).reshape(2, 3, 1, 1)
    np.testing.assert_array_equal(conv_utils.convert_kernel(kernel)[..., 0, 0],
                                  kernel[::-1, ::-1, 0, 0])


# -- plot_history -------------------------------------------------------------------------

class _FakeHistory:
    epoch = [0, 1, 2]
    history = {"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.8, 0.7],
               "acc": [0.5, 0.7, 0.8], "val_acc": [0.4, 0.6, 0.7], "lr": [0.1, 0.1, 0.01]}


def test_plot_history_draws_one_panel_per_metric(tmp_path):
    pytest.importorskip("matplotlib",
                        reason="plot_history draws with matplotlib, not installed here")
    path = tmp_path / "history.png"
    figure = utils.plot_history(_FakeHistory(), path=path)
    assert path.stat().st_size > 1000
    panels = figure.get_axes()
    assert [ax.get_ylabel() for ax in panels] == ["loss", "acc"]
    assert [len(line.get_xdata()) for line in panels[0].get_lines()] == [3, 3]
    with pytest.raises(ValueError, match="plot_history: Expected metrics among"):
        utils.plot_history(_FakeHistory(), metrics=["mae"], path=path)


def test_plot_history_without_matplotlib_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        utils.plot_history(_FakeHistory(), path="unused.png")


def test_plot_history_rejects_an_empty_history():
    with pytest.raises(ValueError, match="plot_history: Expected a History with recorded epochs"):
        utils.plot_history({})
