"""What the dataset loaders share: fetching a file through ``get_file``, reading pickles safely.

* :func:`fetch` returns the cached copy of a dataset file, or downloads it
  from Keras 2.2.4's URL (then from mirrors of the same file); when neither
  works, one error names the URLs, the reasons and the path where to put the
  file by hand.
* :func:`load_pickle` and :func:`load_npz` read the pickled parts of the
  dataset files (CIFAR batches, the ragged word lists of IMDB and Reuters)
  with an unpickler that builds NumPy arrays and plain Python values only,
  never arbitrary objects.
"""

from __future__ import annotations

import codecs
import io
import os
import pickle
import zipfile

import numpy as np

from ..utils.data_utils import FetchError, get_file

# -- fetching ------------------------------------------------------------------------------


def fetch(owner, fname, origins, file_hash=None, untar=False, cache_subdir="datasets"):
    """Path of a dataset file from the Keras cache, downloaded on first use.

    Args:
        owner: the public function, for messages (``"imdb.load_data"``).
        fname: file name in the cache, or an absolute path (see ``get_file``).
        origins: URLs of the same file, tried in order: Keras 2.2.4's first.
        file_hash: its md5 or sha256; a cached copy that does not match is
            not used.
        untar: a ``.tar.gz`` extracted into the folder ``fname``.

    Returns:
        The path of the file (of the folder with ``untar``).

    Raises:
        FileNotFoundError: no usable cached copy and no origin delivered the
            file; the message says why a cached copy was not used, why each
            download failed and where to put the file.
        ValueError: every origin delivered a file that failed its hash check
            (or a damaged archive); nothing was kept.
    """
    failures = []
    for origin in origins:
        try:
            return get_file(fname, origin, file_hash=file_hash, untar=untar,
                            cache_subdir=cache_subdir)
        except (FetchError, ValueError) as exc:
            failures.append(exc)
    located = [exc for exc in failures if isinstance(exc, FetchError)]
    if not located:  # every origin served a file that failed its check
        raise ValueError(f"{owner}: Expected {fname} from {' or '.join(origins)}. Received: "
                         + "; ".join(str(exc) for exc in failures)) from failures[-1]
    where = located[0]
    rejected = next((exc.rejected for exc in located if exc.rejected), None)
    reasons = "; ".join(f"{exc.origin}: {exc.reason}" if isinstance(exc, FetchError) else str(exc)
                        for exc in failures)
    name = os.path.basename(where.path)
    message = f"{owner}: Expected {name} in the Keras cache or downloadable. "
    if rejected:
        message += f"Received: a cached copy at {where.path} that was not used ({rejected}), and "
    else:
        message += f"Received: no file at {where.path}, and "
    message += (f"no download worked ({reasons}). To work offline, download {origins[0]} "
                f"elsewhere and put it at {where.path}")
    if where.folder:
        message += f" (or its extracted contents at {where.folder})"
    raise FileNotFoundError(message + ".") from failures[-1]


# -- safe unpickling -----------------------------------------------------------------------

# The globals a pickled NumPy array refers to, under NumPy 1's and NumPy 2's module names,
# and the one Python 3 uses for bytes in protocol 2 (a pure function).
_NUMPY_GLOBALS = {
    ("_codecs", "encode"): codecs.encode,
    ("numpy.core.multiarray", "_reconstruct"): np.ndarray.__reduce__(np.zeros(0))[0],
    ("numpy._core.multiarray", "_reconstruct"): np.ndarray.__reduce__(np.zeros(0))[0],
    ("numpy.core.multiarray", "scalar"): np.int64(0).__reduce__()[0],
    ("numpy._core.multiarray", "scalar"): np.int64(0).__reduce__()[0],
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles NumPy arrays, NumPy scalars and plain Python values, nothing else."""

    owner = "load_pickle"

    def find_class(self, module, name):
        try:
            return _NUMPY_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"{self.owner}: Expected a pickle of NumPy arrays and plain Python values. "
                f"Received: a reference to {module}.{name}, which is not loaded") from None


def load_pickle(owner, data, encoding="bytes"):
    """Unpickle ``data`` (bytes) holding arrays and plain values only.

    ``encoding`` is the one for Python 2 ``str`` objects, as in ``pickle.load``.

    Raises:
        ValueError: a truncated or damaged pickle, or one that refers to
            anything but NumPy arrays (the message starts with ``owner``).
    """
    unpickler = _ArrayUnpickler(io.BytesIO(data), encoding=encoding)
    unpickler.owner = owner
    try:
        return unpickler.load()
    except pickle.UnpicklingError as exc:
        if str(exc).startswith(owner):
            raise ValueError(str(exc)) from None
        raise ValueError(f"{owner}: Expected a complete pickle. Received: a truncated or "
                         f"damaged one ({exc})") from exc
    except (EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
        raise ValueError(f"{owner}: Expected a complete pickle. Received: a truncated or "
                         f"damaged one ({type(exc).__name__}: {exc})") from exc


def load_npz(owner, path, keys):
    """The arrays ``keys`` of the ``.npz`` file ``path``, as a dict.

    Object arrays (the ragged word lists of IMDB and Reuters) are unpickled
    by :func:`load_pickle`, so only arrays and plain values can come out.

    Raises:
        ValueError: not a readable npz file, or a key missing from it.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = set(archive.namelist())
            missing = [key for key in keys if key + ".npy" not in members]
            if missing:
                found = sorted(name[:-4] for name in members if name.endswith(".npy"))
                raise ValueError(f"{owner}: Expected an npz file with the arrays {list(keys)}. "
                                 f"Received: {path} with {found}")
            return {key: _read_npy(owner, archive.read(key + ".npy"), path) for key in keys}
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise ValueError(f"{owner}: Expected a readable npz file. Received: {path}, truncated "
                         f"or damaged ({type(exc).__name__}: {exc})") from exc


def _read_npy(owner, data, path):
    stream = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(stream)
        else:
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(stream)
    except ValueError as exc:
        raise ValueError(f"{owner}: Expected .npy arrays in {path}. Received: {exc}") from exc
    if not dtype.hasobject:
        stream.seek(0)
        try:
            return np.lib.format.read_array(stream, allow_pickle=False)
        except ValueError as exc:
            raise ValueError(f"{owner}: Expected complete arrays in {path}. Received: a "
                             f"truncated one ({exc})") from exc
    array = load_pickle(owner, data[stream.tell():], encoding="latin1")
    if not isinstance(array, np.ndarray) or array.shape != shape:
        raise ValueError(f"{owner}: Expected an object array of shape {shape} in {path}. "
                         f"Received: {type(array).__name__}")
    return array
