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

import gzip
import hashlib
import http.client
import multiprocessing
import os
import queue
import random
import shutil
import tarfile
import tempfile
import threading
import urllib.error
import urllib.request
import zipfile
import zlib
from abc import abstractmethod

import numpy as np

from polykeras.backend.config import keras_home

from .generic_utils import Progbar


# -- files ---------------------------------------------------------------------------------

#: Seconds a download waits for the server on one read before it fails (not a total limit).
DOWNLOAD_TIMEOUT = 60
_CHUNK_SIZE = 1 << 16


class FetchError(OSError):
    """:func:`get_file` could neither use a cached copy nor download the file.

    Attributes:
        origin: the URL that failed.
        reason: why the download failed.
        path: where the file is expected in the cache: put it there by hand to
            work offline.
        folder: for ``untar``, the extracted folder that may stand in for the
            archive; else None.
        rejected: why a cached copy was found but not used (hash mismatch,
            truncated archive), else None.
    """

    def __init__(self, origin, reason, path, folder=None, rejected=None):
        message = f"get_file: URL fetch failure on {origin}: {reason}."
        if rejected:
            message += f" The cached file {path} was not used: {rejected}."
        message += f" To work offline, download {origin} elsewhere and put it at {path}"
        if folder:
            message += f" (or its extracted contents at {folder})"
        super().__init__(message + ".")
        self.origin, self.reason, self.path, self.folder, self.rejected = (
            origin, reason, path, folder, rejected)


class _CorruptArchive(ValueError):
    """An archive that cannot be read to its end: truncated or damaged."""


def _archive_kinds(archive_format):
    if archive_format is None:
        return []
    if archive_format == "auto":
        return ["tar", "zip"]
    kinds = [archive_format] if isinstance(archive_format, str) else list(archive_format)
    for kind in kinds:
        if kind not in ("tar", "zip"):
            raise ValueError(f"get_file: Expected archive_format 'auto', 'tar', 'zip' or a list of "
                             f"them. Received: {kind!r}")
    return kinds


def _extract_archive(file_path, path=".", archive_format="auto"):
    """Extract a tar or zip archive into ``path``.

    The members go to a temporary folder inside ``path`` first and are moved
    into place once the whole archive has been read, so a truncated archive
    leaves nothing half-extracted behind. Existing folders are merged into,
    existing files replaced.

    Args:
        archive_format: ``"auto"`` (both), ``"tar"``, ``"zip"``, a list of
            those, or None (extract nothing).

    Returns:
        True if the file was an archive of an accepted format and was extracted.

    Raises:
        ValueError: an unknown format, or a member that would be written
            outside ``path``; a truncated or damaged archive (the message
            names the file).
    """
    for kind in _archive_kinds(archive_format):
        is_match = tarfile.is_tarfile if kind == "tar" else zipfile.is_zipfile
        if not is_match(file_path):
            continue
        os.makedirs(path, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".extract-", dir=path)
        try:
            try:
                opener = tarfile.open if kind == "tar" else zipfile.ZipFile
                with opener(file_path) as archive:
                    names = archive.getnames() if kind == "tar" else archive.namelist()
                    _check_members(file_path, names, staging, path)
                    if kind == "tar":
                        archive.extractall(staging, filter="data")
                    else:
                        archive.extractall(staging)
            except tarfile.FilterError as exc:
                raise ValueError(f"get_file: Archive {file_path!r} has an unsafe member ({exc}); "
                                 "refusing to extract it") from exc
            except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error,
                    gzip.BadGzipFile) as exc:
                raise _CorruptArchive(f"{file_path} is a truncated or damaged {kind} archive "
                                      f"({type(exc).__name__}: {exc})") from exc
            for entry in os.listdir(staging):
                _move_into(os.path.join(staging, entry), os.path.join(path, entry))
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return True
    return False


def _check_members(file_path, names, staging, path):
    root = os.path.realpath(staging)
    for name in names:
        target = os.path.realpath(os.path.join(staging, name))
        if os.path.commonpath([root, target]) != root:
            raise ValueError(f"get_file: Archive {file_path!r} has a member {name!r} that "
                             f"would be extracted outside {path!r}; refusing to extract it")


def _move_into(source, target):
    """Move ``source`` to ``target``: folders are merged, files replaced."""
    if os.path.isdir(source) and os.path.isdir(target) and not os.path.islink(target):
        for entry in os.listdir(source):
            _move_into(os.path.join(source, entry), os.path.join(target, entry))
    else:
        os.replace(source, target)


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
    """Whether the file's sha256 or md5 digest equals ``file_hash`` (hex, any case).

    Args:
        algorithm: ``"sha256"``, ``"md5"`` or ``"auto"`` (decided by the hash length).
    """
    algorithm = _resolve_algorithm(file_hash, algorithm)
    return _hash_file(fpath, algorithm, chunk_size) == str(file_hash).lower()


def _hash_mismatch(fpath, file_hash, hash_algorithm):
    """None if ``fpath`` has the expected hash (or none is expected), else its actual digest."""
    if file_hash is None:
        return None
    actual = _hash_file(fpath, _resolve_algorithm(file_hash, hash_algorithm))
    return None if actual == str(file_hash).lower() else actual


def _download(origin, fpath, file_hash, hash_algorithm):
    """Download ``origin`` to ``fpath``.

    The bytes go to ``fpath + ".part"``, which is hash-checked and then
    renamed: ``fpath`` is never a partial file. A transfer that stops midway
    keeps the part, and the next call asks the server for the rest only (an
    HTTP range request; a server that ignores it sends the whole file again).

    Raises:
        OSError: the download failed; the message is the reason.
        ValueError: the complete file does not have the expected hash (it is deleted).
    """
    part = fpath + ".part"
    offset = os.path.getsize(part) if os.path.isfile(part) else 0
    request = urllib.request.Request(origin)
    if offset:
        request.add_header("Range", f"bytes={offset}-")
        print(f"Resuming the download of {origin} at byte {offset}")
    else:
        print(f"Downloading data from {origin}")
    try:
        response = urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:
            # The part is stale, or already complete: start again from the first byte.
            os.remove(part)
            return _download(origin, fpath, file_hash, hash_algorithm)
        raise OSError(f"{exc.code} -- {exc.msg}") from exc
    except urllib.error.URLError as exc:
        raise OSError(str(exc.reason)) from exc
    except (OSError, ValueError, http.client.HTTPException) as exc:  # timeouts, bad URLs
        raise OSError(f"{type(exc).__name__}: {exc}") from exc

    with response:
        if offset and getattr(response, "status", None) != 206:
            offset = 0  # the server sends the whole file
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length and length.isdigit() else None
        received = offset
        progbar = Progbar(total)
        try:
            with open(part, "ab" if offset else "wb") as out:
                while True:
                    chunk = response.read(_CHUNK_SIZE)
                    if not chunk:
                        break
                    out.write(chunk)
                    received += len(chunk)
                    progbar.update(received)
        except (OSError, http.client.HTTPException) as exc:
            raise OSError(_stopped(received, total, part, f"{type(exc).__name__}: {exc}")) from exc
    if total is not None and received < total:
        raise OSError(_stopped(received, total, part, "the connection closed early"))

    actual = _hash_mismatch(part, file_hash, hash_algorithm)
    if actual is not None:
        os.remove(part)
        raise ValueError(f"get_file: Expected the file from {origin} to have "
                         f"{_resolve_algorithm(file_hash, hash_algorithm)} hash {file_hash}. "
                         f"Received: a file with hash {actual}; it was not saved "
                         "(corrupted or changed upstream).")
    os.replace(part, fpath)


def _stopped(received, total, part, why):
    if received == 0 and os.path.isfile(part) and os.path.getsize(part) == 0:
        os.remove(part)
        return f"the transfer failed before any byte arrived ({why})"
    of_total = f" of {total}" if total is not None else ""
    return (f"the transfer stopped after {received}{of_total} bytes ({why}); they are kept in "
            f"{part} and the next call resumes from there")


def _cache_folder(cache_subdir, cache_dir):
    """``cache_dir/cache_subdir`` (created), or ``/tmp/.keras/cache_subdir`` if not writable."""
    if cache_dir is None:
        cache_dir = keras_home()
    datadir = os.path.join(os.path.expanduser(cache_dir), cache_subdir)
    try:
        os.makedirs(datadir, exist_ok=True)
    except OSError:
        pass
    if not os.access(datadir, os.W_OK):
        datadir = os.path.join("/tmp", ".keras", cache_subdir)
        os.makedirs(datadir, exist_ok=True)
    return datadir


def _unpack(fpath, target, datadir, untar, extract, archive_format):
    """What get_file returns for the valid file ``fpath``, extracting it if asked."""
    if untar:
        if not os.path.exists(target):
            if not _extract_archive(fpath, datadir, archive_format="tar"):
                raise _CorruptArchive(f"{fpath} is not a tar archive")
            if not os.path.exists(target):
                raise ValueError(f"get_file: Expected the archive {fpath} to hold "
                                 f"{os.path.basename(target)!r}. Received: an archive without it")
        return target
    if extract:
        _extract_archive(fpath, datadir, archive_format)
    return fpath


def get_file(fname, origin, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None):
    """Download a file from a URL unless it is already in the cache; return its path.

    The file goes to ``cache_dir/cache_subdir/fname`` (``cache_dir`` default:
    ``$KERAS_HOME``, else ``~/.keras``; ``/tmp/.keras`` when that is not
    writable). A cached file is used without any network access; with
    ``file_hash`` it is checked first, and one that does not match (or an
    archive that turns out truncated) is not used: the file is downloaded
    again. Downloads go to ``fname + ".part"``, are hash-checked, then
    renamed; an interrupted download is resumed by the next call.

    Args:
        fname: file name in the cache (an absolute path is used as is).
        origin: URL of the file (``file://`` URLs work too).
        untar: extract the ``.tar.gz`` archive, cached as ``fname + ".tar.gz"``,
            into the folder ``fname`` (once: an existing folder is used as is,
            even without its archive).
        md5_hash: deprecated; the md5 of the file (use ``file_hash``).
        file_hash: expected sha256 or md5 hex digest.
        cache_subdir: subfolder of the cache (or an absolute path).
        hash_algorithm: ``"md5"``, ``"sha256"`` or ``"auto"`` (by the hash length).
        extract: extract the file as an archive (tar, zip) next to it, on every call.
        archive_format: ``"auto"``, ``"tar"``, ``"zip"``, a list of them, or None.
        cache_dir: the cache folder.

    Returns:
        The path of the file (of the extracted folder with ``untar``).

    Raises:
        FetchError (an OSError): no usable cached copy and the download
            failed; the message names the URL, the reason, why a cached copy
            was not used, and the path where to put the file by hand.
        ValueError: the downloaded file does not have the expected hash, or
            is a truncated archive (it is deleted); an archive with unsafe members.
    """
    if md5_hash is not None and file_hash is None:
        file_hash = md5_hash
        hash_algorithm = "md5"
    datadir = _cache_folder(cache_subdir, cache_dir)
    target = os.path.join(datadir, fname)
    fpath = target + ".tar.gz" if untar else target
    if untar and os.path.isdir(target) and not os.path.exists(fpath):
        return target  # extracted earlier; the archive was removed since

    rejected = None
    if os.path.exists(fpath):
        actual = _hash_mismatch(fpath, file_hash, hash_algorithm)
        if actual is not None:
            rejected = (f"it does not match the expected "
                        f"{_resolve_algorithm(file_hash, hash_algorithm)} hash {file_hash} "
                        f"(its hash is {actual}: truncated, damaged or outdated)")
        else:
            try:
                return _unpack(fpath, target, datadir, untar, extract, archive_format)
            except _CorruptArchive as exc:
                rejected = str(exc)
        print(f"A local file was found at {fpath}, but {rejected}; it is not used and is "
              "downloaded again.")
    try:
        _download(origin, fpath, file_hash, hash_algorithm)
    except OSError as exc:
        raise FetchError(origin, str(exc), fpath, target if untar else None, rejected) from exc
    try:
        return _unpack(fpath, target, datadir, untar, extract, archive_format)
    except _CorruptArchive as exc:
        os.remove(fpath)
        raise ValueError(f"get_file: Expected an archive from {origin}. Received: {exc}; "
                         "it was deleted.") from exc


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


# The sequence of an OrderedEnqueuer, as seen by its worker processes.
_WORKER_SEQUENCE = None


def _init_sequence_worker(sequence):
    global _WORKER_SEQUENCE
    _WORKER_SEQUENCE = sequence


def _get_index_in_worker(index):
    return _WORKER_SEQUENCE[index]


def _guarded(fetch, index):
    """``fetch(index)`` in a pool worker, with a KeyboardInterrupt or SystemExit returned instead of
    raised: a pool hands back only ``Exception``s, and its worker would die and leave the
    consumer waiting forever."""
    try:
        return fetch(index)
    except Exception:
        raise
    except BaseException as exc:
        return _Raised(exc)


class _Raised:
    __slots__ = ("error",)

    def __init__(self, error):
        self.error = error


def _unguarded(item):
    if type(item) is _Raised:
        raise item.error
    return item


class OrderedEnqueuer(SequenceEnqueuer):
    """Read a :class:`Sequence` ahead with a pool of threads or processes, batches in order.

    Args:
        sequence: the Sequence.
        use_multiprocessing: processes instead of threads (the Sequence must
            be picklable where processes are spawned).
        shuffle: visit the batches in a new random order every epoch.
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

    def is_running(self):
        return self.stop_signal is not None and not self.stop_signal.is_set()

    def start(self, workers=1, max_queue_size=10):
        """Start the background reading.

        Raises:
            ValueError: ``workers`` or ``max_queue_size`` below 1.
        """
        _check_workers("OrderedEnqueuer", workers, max_queue_size)
        self.workers = workers
        self.queue = queue.Queue(max_queue_size)
        self.stop_signal = threading.Event()
        self._error = None
        self.run_thread = threading.Thread(target=self._run, daemon=True)
        self.run_thread.start()

    def _make_pool(self):
        if self.use_multiprocessing:
            return multiprocessing.Pool(self.workers, initializer=_init_sequence_worker,
                                        initargs=(self.sequence,))
        from multiprocessing.pool import ThreadPool
        return ThreadPool(self.workers)

    def _run(self):
        """Submit every batch of an epoch to the pool, in order; queue the pending results."""
        try:
            while not self.stop_signal.is_set():
                indices = list(range(len(self.sequence)))
                if self.shuffle:
                    random.shuffle(indices)
                with self._make_pool() as pool:
                    fetch = _get_index_in_worker if self.use_multiprocessing else self.sequence.__getitem__
                    for index in indices:
                        if self.stop_signal.is_set():
                            return
                        self._put(pool.apply_async(_guarded, (fetch, index)))
                    # Let the epoch's last batches finish before on_epoch_end changes the data.
                    pool.close()
                    pool.join()
                self.sequence.on_epoch_end()
        except BaseException as exc:  # handed to the consumer by get(), KeyboardInterrupt too
            self._error = exc
            self._put(None)

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
        """
        while self.is_running():
            try:
                pending = self.queue.get(timeout=0.1)
            except queue.Empty:
                if self._error is not None:
                    raise self._error
                continue
            if pending is None:
                self.stop()
                raise self._error
            try:
                item = _unguarded(pending.get())
            except BaseException:
                self.stop()
                raise
            self.queue.task_done()
            yield item

    def stop(self, timeout=None):
        """Stop reading and wait up to ``timeout`` seconds for the reader thread."""
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
    the generator (re-seeded with ``seed`` plus its index), so items may be
    repeated across processes: prefer a :class:`Sequence` for exact epochs.

    Args:
        generator: a generator yielding data.
        use_multiprocessing: processes instead of threads.
        wait_time: seconds to sleep when the queue is full or empty.
        seed: random seed of the worker processes.
    """

    def __init__(self, generator, use_multiprocessing=False, wait_time=0.05, seed=None):
        self.wait_time = wait_time
        self._generator = generator
        self._use_multiprocessing = use_multiprocessing
        self._threads = []
        self._stop_event = None
        self._manager = None
        self.queue = None
        self.seed = seed
        self._lock = threading.Lock()
        self._finished = 0

    def _thread_worker(self):
        while not self._stop_event.is_set():
            try:
                with self._lock:
                    item = next(self._generator)
            except StopIteration:
                self._put(("done", None))
                return
            except BaseException as exc:  # handed to get(): KeyboardInterrupt, SystemExit too
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
            ValueError: ``workers`` or ``max_queue_size`` below 1.
        """
        _check_workers("GeneratorEnqueuer", workers, max_queue_size)
        self._finished = 0
        if self._use_multiprocessing:
            self._manager = multiprocessing.Manager()
            self.queue = self._manager.Queue(maxsize=max_queue_size)
            self._stop_event = multiprocessing.Event()
            for index in range(workers):
                seed = None if self.seed is None else self.seed + index
                process = multiprocessing.Process(
                    target=_generator_process, daemon=True,
                    args=(self._generator, self.queue, self._stop_event, seed, self.wait_time))
                self._threads.append(process)
                process.start()
        else:
            self.queue = queue.Queue(maxsize=max_queue_size)
            self._stop_event = threading.Event()
            for _ in range(workers):
                thread = threading.Thread(target=self._thread_worker, daemon=True)
                self._threads.append(thread)
                thread.start()

    def is_running(self):
        return self._stop_event is not None and not self._stop_event.is_set()

    def stop(self, timeout=None):
        """Stop the workers and wait up to ``timeout`` seconds for each."""
        if self._stop_event is not None:
            self._stop_event.set()
        for worker in self._threads:
            if self._use_multiprocessing:
                worker.join(timeout)
                if worker.is_alive():
                    worker.terminate()
            elif worker is not threading.current_thread():
                worker.join(timeout)
        if self._manager is not None:
            self._manager.shutdown()
        self._threads = []
        self._stop_event = None
        self._manager = None
        self.queue = None

    def get(self):
        """Yield items until every worker's generator is exhausted or :meth:`stop` is called.

        Raises:
            Exception: the error the generator raised in a worker.
        """
        while self.is_running():
            try:
                kind, value = self.queue.get(timeout=self.wait_time)
            except queue.Empty:
                continue
            if kind == "item":
                yield value
            elif kind == "error":
                self.stop()
                raise value
            else:
                self._finished += 1
                if self._finished >= len(self._threads):
                    self.stop()
                    return
        # stopped from outside: hand out what is left
        while self.queue is not None and not self.queue.empty():
            kind, value = self.queue.get()
            if kind == "item":
                yield value


def _generator_process(generator, out_queue, stop_event, seed, wait_time):
    """Body of a GeneratorEnqueuer worker process."""

    def put(entry):
        while not stop_event.is_set():
            try:
                out_queue.put(entry, timeout=wait_time)
                return
            except queue.Full:
                continue

    if seed is not None:
        np.random.seed(seed)
        random.seed(seed)
    try:
        for item in generator:
            put(("item", item))
            if stop_event.is_set():
                return
        put(("done", None))
    except BaseException as exc:  # KeyboardInterrupt and SystemExit too: the consumer raises it
        put(("error", exc))


__all__ = ["get_file", "validate_file", "FetchError", "Sequence", "iter_sequence_infinite",
           "SequenceEnqueuer", "OrderedEnqueuer", "GeneratorEnqueuer"]
