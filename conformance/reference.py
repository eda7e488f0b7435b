"""Independent float64 reference implementations for the conformance suite.

Simple, obviously-right code: plain NumPy in float64 and explicit loops.
Nothing here imports a polykeras backend.
"""

import itertools

import numpy as np


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) via the maximum shift, in float64."""
    x = np.asarray(x, np.float64)
    peak = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True)) + peak
    return out if keepdims else np.squeeze(out, axis=axis)


def arg_extreme(x, axis, largest):
    """Index of the first maximum (or minimum) along ``axis``, by an explicit loop."""
    x = np.moveaxis(np.asarray(x, np.float64), axis, -1)
    out = np.zeros(x.shape[:-1], np.int64)
    for idx in itertools.product(*[range(d) for d in x.shape[:-1]]):
        row = x[idx]
        best = 0
        for i in range(1, len(row)):
            if (row[i] > row[best]) if largest else (row[i] < row[best]):
                best = i
        out[idx] = best
    return out


def keras_dot(x, y):
    """Keras 2.2 dot: sum over x's last axis and y's second-to-last (only, if 1-D) axis."""
    y_axis = y.ndim - 2 if y.ndim >= 2 else 0
    x_free = x.shape[:-1]
    y_free = tuple(d for i, d in enumerate(y.shape) if i != y_axis)
    out = np.zeros(x_free + y_free)
    for xi in itertools.product(*[range(d) for d in x_free]):
        for yi in itertools.product(*[range(d) for d in y_free]):
            y_index = list(yi)
            total = 0.0
            for k in range(x.shape[-1]):
                full = y_index[:y_axis] + [k] + y_index[y_axis:]
                total += x[xi + (k,)] * y[tuple(full)]
            out[xi + yi] = total
    return out


def keras_batch_dot(x, y, axes):
    """Keras 2.2 batch_dot: per sample, contract ``axes``; rank-1 results get a trailing 1."""
    if axes is None:
        axes = (x.ndim - 1, y.ndim - 2) if y.ndim > 2 else (x.ndim - 1, y.ndim - 1)
    elif isinstance(axes, int):
        axes = (axes, axes)
    ax, ay = axes[0] % x.ndim, axes[1] % y.ndim
    samples = [np.tensordot(x[b], y[b], axes=([ax - 1], [ay - 1])) for b in range(x.shape[0])]
    out = np.stack(samples) if samples else np.zeros((0,))
    if out.ndim == 1:
        out = out[:, None]
    return out
