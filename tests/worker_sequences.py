"""Sequences and iterators read by worker processes in tests/test_worker_processes.py.

They live in a small module of their own, importable by name, because worker
processes that are not forked receive them pickled and import this module:
keeping it light (NumPy and polykeras.utils only) keeps each worker's start
cheap.
"""

import os

import numpy as np

from polykeras.utils import Sequence


def _note_pid(pid_dir):
    """Leave a file named after this process's pid in ``pid_dir`` (None: do nothing)."""
    if pid_dir is not None:
        open(os.path.join(pid_dir, str(os.getpid())), "w").close()


class LinearSequence(Sequence):
    """Batches of a noiseless linear regression problem, in a fixed order."""

    def __init__(self, n=32, batch_size=8, pid_dir=None, seed=7):
        rng = np.random.default_rng(seed)
        self.x = rng.normal(size=(n, 3)).astype("float32")
        self.y = (self.x @ np.array([[1.], [-2.], [.5]], "float32") + 0.3).astype("float32")
        self.batch_size, self.pid_dir = batch_size, pid_dir

    def __len__(self):
        return len(self.x) // self.batch_size

    def __getitem__(self, index):
        _note_pid(self.pid_dir)
        s = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[s], self.y[s]


class EpochSequence(Sequence):
    """Each batch is ``(epoch, index, pid)``; on_epoch_end advances ``epoch``."""

    def __init__(self, length=3):
        self.length, self.epoch = length, 0

    def __len__(self):
        return self.length

    def __getitem__(self, index):
        return self.epoch, index, os.getpid()

    def on_epoch_end(self):
        self.epoch += 1


class DyingSequence(Sequence):
    """Batches ``(x (2, 3), y (2, 1))``; a worker process reading batch ``die_at`` exits at once
    (as if killed)."""

    def __init__(self, parent_pid, die_at=2, length=6, pid_dir=None):
        self.parent_pid, self.die_at, self.length = parent_pid, die_at, length
        self.pid_dir = pid_dir

    def __len__(self):
        return self.length

    def __getitem__(self, index):
        _note_pid(self.pid_dir)
        if index == self.die_at and os.getpid() != self.parent_pid:
            os._exit(3)
        return np.full((2, 3), index, "float32"), np.zeros((2, 1), "float32")


class CountingIterator:
    """Yields 0, 1, ..., n - 1; exits its (worker) process at ``die_at``."""

    def __init__(self, n, parent_pid=None, die_at=None, pid_dir=None):
        self.i, self.n, self.parent_pid, self.die_at = 0, n, parent_pid, die_at
        self.pid_dir = pid_dir

    def __iter__(self):
        return self

    def __next__(self):
        _note_pid(self.pid_dir)
        if self.i == self.die_at and os.getpid() != self.parent_pid:
            os._exit(3)
        if self.i >= self.n:
            raise StopIteration
        self.i += 1
        return self.i - 1
