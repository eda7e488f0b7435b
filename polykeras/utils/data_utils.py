"""Downloading and caching files, and feeding data in parallel (Keras 2.2's
``keras.utils.data_utils``).

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
import gzip
import hashlib
import http.client
import inspect
import multiprocessing
import os
import pickle
import queue
import random
import shutil
import sys
import tarfile
import tempfile
import threading
import time
import traceback
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
        raise ValueError(f"{owner}.start: Expected an int workers >= 1. Received: "
                         f"workers={workers!r}")
    if (isinstance(max_queue_size, bool) or not isinstance(max_queue_size, int)
            or max_queue_size < 1):
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
                    epoch.append(executor.submit(_guarded, fetch, index))
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
        except BaseException as exc:  # handed to get(), KeyboardInterrupt too
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
                if self._error is None:
                    continue
                pending = None  # nothing more will come: raise the worker's error, outside except
            if pending is None:
                self.stop()
                raise self._error
            try:
                item = _unguarded(pending.result())
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


__all__ = ["get_file", "validate_file", "FetchError", "Sequence", "iter_sequence_infinite",
           "SequenceEnqueuer", "OrderedEnqueuer", "GeneratorEnqueuer", "worker_start_method"]
