"""Downloading and caching files, and feeding data in parallel (Keras 2.2's ``keras.utils.data_utils``).

* :func:`get_file` downloads a file once into the Keras cache
  (``$KERAS_HOME/datasets``, default ``~/.keras/datasets``), checks its hash,
  and reads it from the cache afterwards, offline.
* :class:`Sequence` is the safe way to feed ``fit_generator``: indexable
  batches, so parallel workers never repeat or skip one.
* :class:`OrderedEnqueuer` (for a Sequence) and :class:`GeneratorEnqueuer`
  (for a generator) prepare batches ahead of time in threads or processes.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import inspect
import multiprocessing
import os
import pickle
import queue
import random
import sys
import tarfile
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request
import zipfile
from abc import abstractmethod

import numpy as np

from polykeras.backend.config import keras_home

from .generic_utils import Progbar


# -- files ---------------------------------------------------------------------------------

def _extract_archive(file_path, path=".", archive_format="auto"):
    """Extract a tar or zip archive into ``path``.

    Args:
        archive_format: ``"auto"`` (both), ``"tar"``, ``"zip"``, a list of
            those, or None (extract nothing).

    Returns:
        True if the file was an archive of an accepted format and was extracted.

    Raises:
        ValueError: a member would be written outside ``path``.
    """
    if archive_format is None:
        return False
    if archive_format == "auto":
        archive_format = ["tar", "zip"]
    if isinstance(archive_format, str):
        archive_format = [archive_format]
    for archive_type in archive_format:
        if archive_type == "tar":
            open_fn, is_match_fn = tarfile.open, tarfile.is_tarfile
        elif archive_type == "zip":
            open_fn, is_match_fn = zipfile.ZipFile, zipfile.is_zipfile
        else:
            raise ValueError(f"get_file: Expected archive_format 'auto', 'tar', 'zip' or a list of "
                             f"them. Received: {archive_type!r}")
        if not is_match_fn(file_path):
            continue
        with open_fn(file_path) as archive:
            names = archive.getnames() if archive_type == "tar" else archive.namelist()
            root = os.path.realpath(path)
            for name in names:
                target = os.path.realpath(os.path.join(path, name))
                if os.path.commonpath([root, target]) != root:
                    raise ValueError(f"get_file: Archive {file_path!r} has a member {name!r} that "
                                     f"would be extracted outside {path!r}; refusing to extract it")
            try:
                archive.extractall(path)
            except (tarfile.TarError, RuntimeError, KeyboardInterrupt):
                if os.path.exists(path):
                    if os.path.isfile(path):
                        os.remove(path)
                raise
        return True
    return False


def _hash_file(fpath, algorithm="sha256", chunk_size=65535):
    """The hex digest of a file, ``"sha256"`` or ``"md5"`` (``"auto"`` means sha256)."""
    if algorithm in ("sha256", "auto"):
        hasher = hashlib.sha256()
    elif algorithm == "md5":
        hasher = hashlib.md5()
    else:
        raise ValueError(f"_hash_file: Expected hash_algorithm 'md5', 'sha256' or 'auto'. "
                         f"Received: {algorithm!r}")
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def _resolve_algorithm(file_hash, algorithm):
    if algorithm == "auto":
        return "sha256" if len(file_hash) == 64 else "md5"
    return algorithm


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    """Whether the file's sha256 or md5 digest equals ``file_hash``.

    Args:
        algorithm: ``"sha256"``, ``"md5"`` or ``"auto"`` (decided by the hash length).
    """
    algorithm = _resolve_algorithm(file_hash, algorithm)
    return str(_hash_file(fpath, algorithm, chunk_size)) == str(file_hash)


def _download(origin, fpath, file_hash, hash_algorithm):
    """Download ``origin`` to ``fpath`` atomically: a temporary file, hash-checked, then renamed."""
    directory = os.path.dirname(fpath)
    fd, tmp_path = tempfile.mkstemp(prefix=".download-", dir=directory)
    os.close(fd)
    progbar = None

    def report(block_num, block_size, total_size):
        nonlocal progbar
        if progbar is None:
            progbar = Progbar(total_size if total_size > 0 else None)
        progbar.update(min(block_num * block_size, total_size) if total_size > 0
                       else block_num * block_size)

    print(f"Downloading data from {origin}")
    try:
        try:
            urllib.request.urlretrieve(origin, tmp_path, report)
        except urllib.error.HTTPError as e:
            raise OSError(f"get_file: URL fetch failure on {origin}: {e.code} -- {e.msg}") from e
        except urllib.error.URLError as e:
            raise OSError(f"get_file: URL fetch failure on {origin}: {e.reason}") from e
        if file_hash is not None:
            algorithm = _resolve_algorithm(file_hash, hash_algorithm)
            actual = _hash_file(tmp_path, algorithm)
            if actual != file_hash:
                raise ValueError(f"get_file: Expected the file from {origin} to have {algorithm} "
                                 f"hash {file_hash}. Received: a file with hash {actual}; it was "
                                 "not saved (corrupted or changed upstream).")
        os.replace(tmp_path, fpath)
    except BaseException:
        if os.path.exists(tmp_path):
            os.remove(tmp_path)
        raise


def get_file(fname, origin, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None):
    """Download a file from a URL unless it is already in the cache; return its path.

    The file goes to ``cache_dir/cache_subdir/fname`` (``cache_dir`` default:
    ``$KERAS_HOME``, else ``~/.keras``; ``/tmp/.keras`` when that is not
    writable). A cached file is used without any network access; with
    ``file_hash`` it is checked first and downloaded again if it does not
    match. Downloads go to a temporary file that is hash-checked and then
    renamed, so an interrupted download never leaves a partial file.

    Args:
        fname: file name in the cache (an absolute path is used as is).
        origin: URL of the file (``file://`` URLs work too).
        untar: deprecated; extract a ``.tar.gz`` (use ``extract``).
        md5_hash: deprecated; the md5 of the file (use ``file_hash``).
        file_hash: expected sha256 or md5 hex digest.
        cache_subdir: subfolder of the cache (or an absolute path).
        hash_algorithm: ``"md5"``, ``"sha256"`` or ``"auto"``.
        extract: extract the file as an archive (tar, zip) next to it.
        archive_format: ``"auto"``, ``"tar"``, ``"zip"`` or None.
        cache_dir: the cache folder.

    Returns:
        The path of the file (of the extracted folder with ``untar``).

    Raises:
        OSError: the download failed (the message names the URL and the reason).
        ValueError: the downloaded file does not have the expected hash.
    """
    if cache_dir is None:
        cache_dir = keras_home()
    if md5_hash is not None and file_hash is None:
        file_hash = md5_hash
        hash_algorithm = "md5"
    datadir = os.path.join(os.path.expanduser(cache_dir), cache_subdir)
    try:
        os.makedirs(datadir, exist_ok=True)
    except OSError:
        pass
    if not os.access(datadir, os.W_OK):
        datadir = os.path.join("/tmp", ".keras", cache_subdir)
        os.makedirs(datadir, exist_ok=True)

    if untar:
        untar_fpath = os.path.join(datadir, fname)
        fpath = untar_fpath + ".tar.gz"
    else:
        fpath = os.path.join(datadir, fname)

    download = not os.path.exists(fpath)
    if not download and file_hash is not None and not validate_file(fpath, file_hash, hash_algorithm):
        print(f"A local file was found at {fpath}, but it does not match the expected "
              f"{_resolve_algorithm(file_hash, hash_algorithm)} hash {file_hash}; downloading it again.")
        download = True
    if download:
        _download(origin, fpath, file_hash, hash_algorithm)

    if untar:
        if not os.path.exists(untar_fpath):
            _extract_archive(fpath, datadir, archive_format="tar")
        return untar_fpath
    if extract:
        _extract_archive(fpath, datadir, archive_format)
    return fpath


# -- Sequence -------------------------------------------------------------------------------

class Sequence:
    """Base class of indexable datasets for ``fit_generator`` / ``predict_generator``.

    Subclasses define ``__getitem__(index)`` (the batch ``index``, a tuple
    ``(inputs, targets)`` or ``(inputs, targets, sample_weights)``) and
    ``__len__()`` (the number of batches); ``on_epoch_end`` may reshuffle.
    A Sequence can be read by several workers safely: each batch is read
    exactly once per epoch.
    """

    @abstractmethod
    def __getitem__(self, index):
        raise NotImplementedError

    @abstractmethod
    def __len__(self):
        raise NotImplementedError

    def on_epoch_end(self):
        """Called at the end of every epoch (e.g. to shuffle); does nothing by default."""

    def __iter__(self):
        """The batches in order."""
        for index in range(len(self)):
            yield self[index]


def iter_sequence_infinite(seq):
    """Yield the batches of ``seq`` in order, over and over."""
    while True:
        for item in seq:
            yield item


class SequenceEnqueuer:
    """Base class of the enqueuers: workers fill a queue that :meth:`get` empties.

    Usage::

        enqueuer.start(workers=4, max_queue_size=10)
        batches = enqueuer.get()
        for _ in range(steps):
            x, y = next(batches)
        enqueuer.stop()
    """

    @abstractmethod
    def is_running(self):
        raise NotImplementedError

    @abstractmethod
    def start(self, workers=1, max_queue_size=10):
        raise NotImplementedError

    @abstractmethod
    def stop(self, timeout=None):
        raise NotImplementedError

    @abstractmethod
    def get(self):
        raise NotImplementedError


def _check_workers(owner, workers, max_queue_size):
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"{owner}.start: Expected an int workers >= 1. Received: workers={workers!r}")
    if isinstance(max_queue_size, bool) or not isinstance(max_queue_size, int) or max_queue_size < 1:
        raise ValueError(f"{owner}.start: Expected an int max_queue_size >= 1. "
                         f"Received: max_queue_size={max_queue_size!r}")


# -- worker processes ------------------------------------------------------------------------
#
# Keras 2.2.4 forks its worker processes. A process that has loaded JAX (the default backend)
# or PyTorch runs their threads, and a forked copy of it can deadlock on a lock one of those
# threads held. Worker processes are then started with "forkserver" (a clean server process
# forks them; "spawn" where forkserver is missing), which sends the Sequence or generator to
# them by pickling it.

_FRAMEWORKS_WITH_THREADS = ("jax", "jaxlib", "torch")

# Seconds stop() lets a worker process finish its current item before terminating it.
_STOP_GRACE = 5.0


def worker_start_method():
    """``(method, reason)``: how the enqueuers start their worker processes now.

    * ``"spawn"`` or ``"forkserver"`` set with ``multiprocessing.set_start_method``
      is used as is;
    * else, once JAX or PyTorch is loaded in this process: ``"forkserver"``
      (``"spawn"`` where the platform has no forkserver), since forking a
      process that runs their threads is unsafe;
    * else the platform's default (``"fork"`` on Linux, as Keras 2.2.4).

    With ``"forkserver"`` or ``"spawn"`` the Sequence (or iterator) is
    pickled to the workers: its class must be importable (defined at the top
    level of a module, not inside a function or an interactive session) and
    its attributes picklable. Python generators cannot be pickled.
    """
    # Any use of multiprocessing's default context fixes its start method, so only a method
    # other than fork is taken as a choice made on purpose.
    chosen = multiprocessing.get_start_method(allow_none=True)
    if chosen in ("spawn", "forkserver"):
        return chosen, "set with multiprocessing.set_start_method"
    loaded = [name for name in _FRAMEWORKS_WITH_THREADS if name in sys.modules]
    if loaded:
        forkserver = "forkserver" in multiprocessing.get_all_start_methods()
        method = "forkserver" if forkserver else "spawn"
        return method, f"{loaded[0]} is loaded in this process and forking its threads is unsafe"
    return chosen or multiprocessing.get_all_start_methods()[0], "the platform's default"


def _payload_for_workers(owner, obj, what):
    """``(context, payload)``: the context to start workers with and what to hand them.

    The payload is ``obj`` itself for forked workers, else its pickle.

    Raises:
        ValueError: ``obj`` cannot be pickled or imported by workers that are
            not forked (naming why and what to do instead).
    """
    method, reason = worker_start_method()
    context = multiprocessing.get_context(method)
    if method == "fork":
        return context, obj
    if method == "forkserver" and not reason.startswith("set with"):
        # Workers are forked from a server process that has imported these once (no framework:
        # importing polykeras loads none), not from this one. Python 3.11 does not preload
        # __main__ there, so each worker still imports the modules the payload needs.
        context.set_forkserver_preload(["numpy", __name__])
    advice = ("define it at the top level of an importable module, with picklable attributes, or "
              "pass use_multiprocessing=False to read it in threads")
    if inspect.isgenerator(obj):
        raise ValueError(
            f"{owner}: use_multiprocessing=True starts worker processes with {method!r} "
            f"({reason}), which must pickle the {what}, and a Python generator cannot be pickled. "
            "Use a keras.utils.Sequence (each batch is then read once per epoch), an iterator "
            "object with picklable state, or use_multiprocessing=False (threads).")
    module = sys.modules.get(type(obj).__module__)
    if type(obj).__module__ == "__main__" and not getattr(module, "__file__", None):
        raise ValueError(
            f"{owner}: use_multiprocessing=True starts worker processes with {method!r} "
            f"({reason}); they must import the class of the {what}, "
            f"{type(obj).__qualname__}, but it was defined in an interactive session. Move it "
            f"to a module file, or pass use_multiprocessing=False to read it in threads.")
    try:
        return context, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # pickle raises TypeError, AttributeError, PicklingError...
        raise ValueError(
            f"{owner}: use_multiprocessing=True starts worker processes with {method!r} "
            f"({reason}), which must pickle the {what}; {type(obj).__qualname__} cannot be "
            f"pickled ({type(exc).__name__}: {exc}). To fix it, {advice}.") from exc


def _load_payload(payload):
    return pickle.loads(payload) if isinstance(payload, bytes) else payload


def _picklable_error(exc):
    """``exc`` if it survives pickling (to go back to the parent), else a RuntimeError saying it."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 - any failure means: send a description instead
        return RuntimeError("".join(traceback.format_exception(exc)).strip())


def _stop_processes(processes, timeout):
    """Wait up to ``timeout`` seconds for ``processes`` to exit, then terminate the others."""
    deadline = time.monotonic() + (_STOP_GRACE if timeout is None else timeout)
    for process in processes:
        process.join(max(0., deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.terminate()
            process.join(1.)
        if process.is_alive():
            process.kill()
            process.join(1.)


# The Sequence of an OrderedEnqueuer, as loaded by its worker processes.
_WORKER_SEQUENCE = None
_WORKER_LOAD_ERROR = None


def _init_sequence_worker(payload):
    """Worker-process initializer: load the Sequence (a failure is reported by each fetch)."""
    global _WORKER_SEQUENCE, _WORKER_LOAD_ERROR
    try:
        _WORKER_SEQUENCE = _load_payload(payload)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent by _get_index_in_worker
        _WORKER_LOAD_ERROR = _picklable_error(exc)


def _get_index_in_worker(index):
    if _WORKER_LOAD_ERROR is not None:
        raise RuntimeError(f"OrderedEnqueuer: a worker process could not load the Sequence: "
                           f"{type(_WORKER_LOAD_ERROR).__name__}: {_WORKER_LOAD_ERROR}")
    return _WORKER_SEQUENCE[index]


def _overrides_on_epoch_end(sequence):
    return getattr(type(sequence), "on_epoch_end", None) is not Sequence.on_epoch_end


class OrderedEnqueuer(SequenceEnqueuer):
    """Read a :class:`Sequence` ahead with a pool of threads or processes, batches in order.

    Args:
        sequence: the Sequence.
        use_multiprocessing: worker processes instead of threads. Where
            they are not forked (see :func:`worker_start_method`), the
            Sequence is pickled to them, so it must be picklable and its
            class importable; ``start`` says so otherwise.
        shuffle: visit the batches in a new random order every epoch.

    After each epoch, once its batches are read, ``on_epoch_end`` is called
    on the Sequence; worker processes then get the Sequence's new state (a
    new pool is started when the Sequence overrides ``on_epoch_end``).
    A worker process that dies (killed, out of memory, crashed in native
    code) makes :meth:`get` raise a ``RuntimeError`` instead of waiting.
    """

    def __init__(self, sequence, use_multiprocessing=False, shuffle=False):
        if not isinstance(sequence, Sequence) and not (
                hasattr(sequence, "__getitem__") and hasattr(sequence, "__len__")):
            raise TypeError(f"OrderedEnqueuer: Expected a keras Sequence. Received: "
                            f"{type(sequence).__name__}")
        self.sequence = sequence
        self.use_multiprocessing = use_multiprocessing
        self.shuffle = shuffle
        self.workers = 0
        self.queue = None
        self.run_thread = None
        self.stop_signal = None
        self._error = None
        self._context = None
        self._payload = None

    def is_running(self):
        return self.stop_signal is not None and not self.stop_signal.is_set()

    def start(self, workers=1, max_queue_size=10):
        """Start the background reading.

        Raises:
            ValueError: ``workers`` or ``max_queue_size`` below 1; with
                ``use_multiprocessing``, a Sequence the worker processes
                cannot receive (see the class docstring).
        """
        _check_workers("OrderedEnqueuer", workers, max_queue_size)
        if self.use_multiprocessing:
            self._context, self._payload = _payload_for_workers(
                "OrderedEnqueuer", self.sequence, "Sequence")
        self.workers = workers
        self.queue = queue.Queue(max_queue_size)
        self.stop_signal = threading.Event()
        self._error = None
        self.run_thread = threading.Thread(target=self._run, daemon=True)
        self.run_thread.start()

    def _new_executor(self):
        if self.use_multiprocessing:
            return concurrent.futures.ProcessPoolExecutor(
                self.workers, mp_context=self._context, initializer=_init_sequence_worker,
                initargs=(self._payload,))
        return concurrent.futures.ThreadPoolExecutor(self.workers)

    def _run(self):
        """Submit every batch of an epoch to the pool, in order; queue the pending results."""
        executor = None
        fetch = _get_index_in_worker if self.use_multiprocessing else self.sequence.__getitem__
        try:
            while not self.stop_signal.is_set():
                indices = list(range(len(self.sequence)))
                if self.shuffle:
                    random.shuffle(indices)
                if executor is None:
                    executor = self._new_executor()
                epoch = []
                for index in indices:
                    if self.stop_signal.is_set():
                        return
                    epoch.append(executor.submit(fetch, index))
                    self._put(epoch[-1])
                # Let the epoch's batches be read before on_epoch_end changes the data.
                pending = set(epoch)
                while pending and not self.stop_signal.is_set():
                    _, pending = concurrent.futures.wait(pending, timeout=0.1)
                if self.stop_signal.is_set():
                    return
                self.sequence.on_epoch_end()
                if self.use_multiprocessing and _overrides_on_epoch_end(self.sequence):
                    # The workers hold a copy: give them the new state in a new pool.
                    self._shutdown(executor)
                    executor = None
                    _, self._payload = _payload_for_workers("OrderedEnqueuer", self.sequence,
                                                            "Sequence")
        except Exception as exc:  # handed to the consumer by get()
            self._error = exc
            self._put(None)
        finally:
            if executor is not None:
                self._shutdown(executor)

    @staticmethod
    def _shutdown(executor, timeout=None):
        """Stop ``executor`` without leaving processes behind."""
        processes = list((getattr(executor, "_processes", None) or {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        _stop_processes(processes, timeout)

    def _put(self, item):
        while not self.stop_signal.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def get(self):
        """Yield the batches, in order, until :meth:`stop`.

        Raises:
            Exception: the error a worker raised while reading a batch.
            RuntimeError: a worker process died.
        """
        while self.is_running():
            try:
                pending = self.queue.get(timeout=0.1)
            except queue.Empty:
                if self._error is not None:
                    self.stop()
                    raise self._error
                continue
            if pending is None:
                self.stop()
                raise self._error
            try:
                item = pending.result()
            except concurrent.futures.BrokenExecutor as exc:
                self.stop()
                raise RuntimeError(
                    "OrderedEnqueuer: a worker process died while reading the Sequence (it was "
                    "killed, ran out of memory or crashed in native code); no batch is lost "
                    "silently, so reading stops here.") from exc
            except BaseException:
                self.stop()
                raise
            self.queue.task_done()
            yield item

    def stop(self, timeout=None):
        """Stop reading; wait up to ``timeout`` seconds for the reader thread and the workers."""
        if self.stop_signal is not None:
            self.stop_signal.set()
        if self.queue is not None:
            with self.queue.mutex:
                self.queue.queue.clear()
                self.queue.unfinished_tasks = 0
                self.queue.not_full.notify_all()
        if self.run_thread is not None and self.run_thread is not threading.current_thread():
            self.run_thread.join(timeout)


class GeneratorEnqueuer(SequenceEnqueuer):
    """Pull items from a generator ahead of time in threads or processes.

    With threads, the workers share the generator under a lock (generators
    are not thread-safe). With processes, each process runs its own copy of
    the generator (re-seeded with ``random_seed`` plus its index), so items
    may be repeated across processes: prefer a :class:`Sequence` for exact
    epochs. Where worker processes are not forked (see
    :func:`worker_start_method`) they receive the generator pickled, which
    Python generators do not allow: ``start`` then raises a ``ValueError``
    (an iterator object with picklable state works). A worker process that
    dies makes :meth:`get` raise a ``RuntimeError`` instead of waiting.

    Args:
        generator: a generator (or iterator) yielding data.
        use_multiprocessing: processes instead of threads.
        wait_time: seconds between checks when the queue is full or empty
            (default 0.05).
        random_seed: seed of the worker processes' NumPy and ``random``
            generators (worker i gets ``random_seed + i``).
        seed: Keras 2.2.2's name of ``random_seed``.
    """

    def __init__(self, generator, use_multiprocessing=False, wait_time=None, random_seed=None,
                 seed=None):
        self.wait_time = 0.05 if wait_time is None else wait_time
        self._generator = generator
        self._use_multiprocessing = use_multiprocessing
        self._threads = []
        self._stop_event = None
        self.queue = None
        self.seed = random_seed if random_seed is not None else seed
        self._lock = threading.Lock()
        self._finished = set()
        self._silent_since = {}

    def _thread_worker(self, index):
        while not self._stop_event.is_set():
            try:
                with self._lock:
                    item = next(self._generator)
            except StopIteration:
                self._put(("done", index))
                return
            except Exception as exc:  # handed to the consumer by get()
                self._put(("error", exc))
                return
            self._put(("item", item))

    def _put(self, entry):
        """Queue ``entry``, giving up when the enqueuer is stopped (never blocks stop())."""
        while not self._stop_event.is_set():
            try:
                self.queue.put(entry, timeout=self.wait_time)
                return
            except queue.Full:
                continue

    def start(self, workers=1, max_queue_size=10):
        """Start ``workers`` threads (or processes) filling a queue of ``max_queue_size``.

        Raises:
            ValueError: ``workers`` or ``max_queue_size`` below 1; with
                ``use_multiprocessing``, a generator the worker processes
                cannot receive (see the class docstring).
        """
        _check_workers("GeneratorEnqueuer", workers, max_queue_size)
        self._finished = set()
        self._silent_since = {}
        if self._use_multiprocessing:
            context, payload = _payload_for_workers("GeneratorEnqueuer", self._generator,
                                                    "generator")
            self.queue = context.Queue(maxsize=max_queue_size)
            self._stop_event = context.Event()
            for index in range(workers):
                seed = None if self.seed is None else self.seed + index
                process = context.Process(
                    target=_generator_process, daemon=True,
                    args=(payload, index, self.queue, self._stop_event, seed, self.wait_time))
                self._threads.append(process)
                process.start()
        else:
            self.queue = queue.Queue(maxsize=max_queue_size)
            self._stop_event = threading.Event()
            for index in range(workers):
                thread = threading.Thread(target=self._thread_worker, args=(index,), daemon=True)
                self._threads.append(thread)
                thread.start()

    def is_running(self):
        return self._stop_event is not None and not self._stop_event.is_set()

    def stop(self, timeout=None):
        """Stop the workers: wait up to ``timeout`` seconds for them, then terminate processes."""
        if self._stop_event is not None:
            self._stop_event.set()
        if self._use_multiprocessing:
            _stop_processes(self._threads, timeout)
            if self.queue is not None:
                self.queue.cancel_join_thread()
                self.queue.close()
        else:
            for worker in self._threads:
                if worker is not threading.current_thread():
                    worker.join(timeout)
        self._threads = []
        self._stop_event = None
        self.queue = None

    def _check_processes(self):
        """Raise if a worker process ended without saying it was done (killed, crashed).

        A process that exited with status 0 may still have its last message
        in the pipe: it counts as dead after one second of silence.
        """
        if not self._use_multiprocessing:
            return
        for index, process in enumerate(self._threads):
            if index in self._finished or process.is_alive():
                continue
            if process.exitcode == 0:
                first = self._silent_since.setdefault(index, time.monotonic())
                if time.monotonic() - first < 1.:
                    continue
            code = process.exitcode
            self.stop()
            raise RuntimeError(
                f"GeneratorEnqueuer: worker process {index} (pid {process.pid}) died with exit "
                f"code {code} before its generator was exhausted (it was killed, ran out of "
                "memory or crashed in native code).")

    def get(self):
        """Yield items until every worker's generator is exhausted or :meth:`stop` is called.

        Raises:
            Exception: the error the generator raised in a worker.
            RuntimeError: a worker process died.
        """
        while self.is_running():
            try:
                kind, value = self.queue.get(timeout=self.wait_time)
            except queue.Empty:
                self._check_processes()
                continue
            if kind == "item":
                yield value
            elif kind == "error":
                self.stop()
                raise value
            else:
                self._finished.add(value)
                if len(self._finished) >= len(self._threads):
                    self.stop()
                    return
        # stopped from outside: hand out what is left
        while self.queue is not None:
            try:
                kind, value = self.queue.get_nowait()
            except (queue.Empty, OSError, ValueError):
                return
            if kind == "item":
                yield value


def _generator_process(payload, index, out_queue, stop_event, seed, wait_time):
    """Body of a GeneratorEnqueuer worker process."""

    def put(entry):
        while not stop_event.is_set():
            try:
                out_queue.put(entry, timeout=wait_time)
                return
            except queue.Full:
                continue

    try:
        if seed is not None:
            np.random.seed(seed)
            random.seed(seed)
        for item in _load_payload(payload):
            put(("item", item))
            if stop_event.is_set():
                break
        else:
            put(("done", index))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises it
        put(("error", _picklable_error(exc)))
    finally:
        if stop_event.is_set():
            out_queue.cancel_join_thread()  # exit without flushing items nobody will read


__all__ = ["get_file", "validate_file", "Sequence", "iter_sequence_infinite", "SequenceEnqueuer",
           "OrderedEnqueuer", "GeneratorEnqueuer", "worker_start_method"]
