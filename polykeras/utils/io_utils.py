"""HDF5 helpers (Keras 2.2's ``keras.utils.io_utils``): data larger than memory, model files."""

from __future__ import annotations

import collections
import pickle

import numpy as np

try:
    import h5py
except ImportError:  # h5py is a dependency of polykeras; kept optional for minimal installs
    h5py = None

#: HDF5 object headers hold at most 64 KiB; longer attribute lists are split into chunks.
HDF5_OBJECT_HEADER_LIMIT = 64512


def _require_h5py(owner):
    if h5py is None:
        raise ImportError(f"{owner} requires h5py; install it with `pip install h5py`.")


class HDF5Matrix:
    """A NumPy-like view of an HDF5 dataset, read lazily; usable as ``fit`` input.

    Args:
        datapath: path of the HDF5 file.
        dataset: name of the dataset in the file.
        start, end: the rows to expose (default all).
        normalizer: function applied to every slice read.

    Raises:
        ValueError: ``start``/``end`` outside the dataset.
    """

    refs = collections.defaultdict(int)

    def __init__(self, datapath, dataset, start=0, end=None, normalizer=None):
        _require_h5py("HDF5Matrix")
        if datapath not in self.refs:
            self.refs[datapath] = h5py.File(datapath, "r")
        f = self.refs[datapath]
        if dataset not in f:
            raise KeyError(f"HDF5Matrix: Expected a dataset of {datapath!r}, one of {sorted(f)}. "
                           f"Received: dataset={dataset!r}")
        self.data = f[dataset]
        n = self.data.shape[0]
        self.start = start
        self.end = n if end is None else end
        if not 0 <= self.start <= self.end <= n:
            raise ValueError(f"HDF5Matrix: Expected 0 <= start <= end <= {n}. "
                             f"Received: start={start}, end={end}")
        self.normalizer = normalizer
        if normalizer is not None:
            first = normalizer(self.data[:1])
            self._base_shape = first.shape[1:]
            self._base_dtype = first.dtype
        else:
            self._base_shape = self.data.shape[1:]
            self._base_dtype = self.data.dtype

    def __len__(self):
        return self.end - self.start

    def __getitem__(self, key):
        if isinstance(key, slice):
            start, stop = key.start or 0, key.stop
            if stop is None:
                stop = len(self)
            if start < 0 or stop + self.start > self.end:
                raise IndexError(f"HDF5Matrix: slice {key} out of range for length {len(self)}")
            idx = slice(start + self.start, stop + self.start)
        elif isinstance(key, (int, np.integer)):
            if not 0 <= key < len(self):
                raise IndexError(f"HDF5Matrix: index {key} out of range for length {len(self)}")
            idx = key + self.start
        elif isinstance(key, (list, np.ndarray)):
            key = np.asarray(key)
            if key.size and (key.max() + self.start >= self.end or key.min() < 0):
                raise IndexError(f"HDF5Matrix: indices out of range for length {len(self)}")
            idx = (key + self.start).tolist()
        else:
            raise TypeError(f"HDF5Matrix: Expected an int, a slice or a list of ints. "
                            f"Received: {type(key).__name__}")
        values = self.data[idx]
        return self.normalizer(values) if self.normalizer is not None else values

    @property
    def shape(self):
        return (self.end - self.start,) + tuple(self._base_shape)

    @property
    def dtype(self):
        return self._base_dtype

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape))


def ask_to_proceed_with_overwrite(filepath):
    """Ask on the terminal whether to overwrite ``filepath``; True for yes."""
    overwrite = input(f"[WARNING] {filepath} already exists - overwrite? [y/n]").strip().lower()
    while overwrite not in ("y", "n"):
        overwrite = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
    if overwrite == "n":
        return False
    print("[TIP] Next time specify overwrite=True!")
    return True


class H5Dict:
    """A dict-like view of an HDF5 group (or of a plain dict), for saving models.

    NumPy arrays become datasets; other values (strings, numbers, lists of
    strings) become attributes, lists longer than an HDF5 header split into
    numbered chunks. Reading a missing key in a writable H5Dict creates a
    sub-group, so ``d["model_weights"]["dense_1"]["kernel"] = array`` works.

    Args:
        path: a file path (opened with ``mode``), an ``h5py.Group``, or a dict.
        mode: ``"r"``, ``"w"`` or ``"a"`` (for a dict, ``"w"`` clears it).

    Raises:
        TypeError: ``path`` of another type.
    """

    def __init__(self, path, mode="a"):
        self._is_file = False
        if isinstance(path, dict):
            self.data = path
            if mode == "w":
                path.clear()
        elif h5py is not None and isinstance(path, h5py.Group):
            self.data = path
        elif isinstance(path, str) or hasattr(path, "__fspath__"):
            _require_h5py("H5Dict")
            self.data = h5py.File(path, mode=mode)
            self._is_file = True
        else:
            raise TypeError(f"H5Dict: Expected a file path, an h5py Group or a dict. "
                            f"Received: {type(path).__name__}")
        self.read_only = mode == "r"

    def _dict_mode(self):
        return isinstance(self.data, dict)

    def __setitem__(self, attr, val):
        if self.read_only:
            raise ValueError(f"H5Dict: Cannot set {attr!r}: opened read-only")
        if isinstance(attr, bytes):
            attr = attr.decode("utf-8")
        is_array = isinstance(val, np.ndarray) or type(val).__module__ == np.__name__
        if self._dict_mode():
            if is_array:
                self.data[attr] = pickle.dumps(np.asarray(val))
                self.data[f"_{attr}_pickled"] = True
            else:
                self.data[attr] = val
            return
        if attr in self.data:
            raise KeyError(f"H5Dict: Cannot set {attr!r}: a group or dataset of that name exists")
        if is_array:
            val = np.asarray(val)
            dataset = self.data.create_dataset(attr, val.shape, dtype=val.dtype)
            dataset[()] = val
        elif isinstance(val,
                        (list, tuple)) and val and all(isinstance(x, (str, bytes)) for x in val):
            encoded = np.asarray([x.encode("utf8") if isinstance(x, str) else x for x in val])
            too_long = [x for x in encoded if len(x) > HDF5_OBJECT_HEADER_LIMIT]
            if too_long:
                raise RuntimeError(f"H5Dict: Cannot save {attr!r}: items longer than "
                                   f"{HDF5_OBJECT_HEADER_LIMIT} bytes: {too_long[:3]}")
            num_chunks = 1
            chunks = np.array_split(encoded, num_chunks)
            while any(chunk.nbytes > HDF5_OBJECT_HEADER_LIMIT for chunk in chunks):
                num_chunks += 1
                chunks = np.array_split(encoded, num_chunks)
            if num_chunks > 1:
                for chunk_id, chunk in enumerate(chunks):
                    self.data.attrs[f"{attr}{chunk_id}"] = chunk
            else:
                self.data.attrs[attr] = encoded
        else:
            self.data.attrs[attr] = val

    def __getitem__(self, attr):
        if isinstance(attr, bytes):
            attr = attr.decode("utf-8")
        if self._dict_mode():
            if attr in self.data:
                val = self.data[attr]
                if isinstance(val, dict) and val.get("_is_group"):
                    return H5Dict(val)
                if f"_{attr}_pickled" in self.data:
                    return pickle.loads(val)
                return val
            if self.read_only:
                raise KeyError(f"H5Dict: no key {attr!r} (read-only: no group is created)")
            group = {"_is_group": True}
            self.data[attr] = group
            return H5Dict(group)
        if attr in self.data.attrs:
            val = self.data.attrs[attr]
            if isinstance(val, np.ndarray) and val.dtype.kind in ("S", "O"):
                return [x.decode("utf8") if isinstance(x, bytes) else x for x in val.tolist()]
            if isinstance(val, bytes):
                return val.decode("utf8")
            return val
        if attr in self.data:
            val = self.data[attr]
            if isinstance(val, h5py.Dataset):
                return np.asarray(val)
            return H5Dict(val, "r" if self.read_only else "a")
        if f"{attr}0" in self.data.attrs:
            values, chunk_id = [], 0
            while f"{attr}{chunk_id}" in self.data.attrs:
                values.extend(x.decode("utf8") if isinstance(x, bytes) else x
                              for x in self.data.attrs[f"{attr}{chunk_id}"])
                chunk_id += 1
            return values
        if self.read_only:
            raise KeyError(f"H5Dict: no key {attr!r} (read-only: no group is created)")
        return H5Dict(self.data.create_group(attr))

    def __len__(self):
        return len(self.data)

    def __iter__(self):
        return iter(self.data)

    def iter(self):
        return iter(self.data)

    def __contains__(self, key):
        if self._dict_mode():
            return key in self.data
        return key in self.data or key in self.data.attrs

    def get(self, key, default=None):
        return self[key] if key in self else default

    def close(self):
        """Flush, and close the file if this H5Dict opened it."""
        if not self._dict_mode():
            self.data.file.flush()
            if self._is_file:
                self.data.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


h5dict = H5Dict
