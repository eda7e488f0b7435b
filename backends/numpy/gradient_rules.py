"""Gradient rules of the NumPy backend: one vector-Jacobian product per differentiable op.

``RULES[op](g, out, **params) -> {param_name: gradient}``: ``g`` is the
upstream gradient (shaped like ``out``, the op's forward result, reused where
it saves work: exp, sigmoid, tanh, softmax, ...), ``params`` the op's
evaluated arguments. Rules return gradients only for the differentiable
parameters, un-broadcast to each input's shape and in its dtype. The reverse
walk that calls them is ``autodiff.py``.
"""

from __future__ import annotations

import numpy as np

from polykeras.backend.config import epsilon as _epsilon
from polykeras.backends.common import nn as _nn_shared

from . import fused_rnn as _fused
from .random import mask_of

RULES = {}
#: Ops whose backward pass reuses intermediates of their forward pass (a tape):
#: ``TAPED[op] = (forward, backward)`` with ``forward(**params) -> (result, tape)`` and
#: ``backward(g, out, tape, **params) -> {param_name: gradient}``. The executor runs
#: ``forward`` for the steps it differentiates (``autodiff.py``); ``RULES[op]`` recomputes the
#: tape for a caller that has none.
TAPED = {}


class Lazy(dict):
    """Gradients computed only when asked for: a rule returns ``Lazy(x=lambda: ..., y=...)``.

    The reverse walk asks only for the parameters a gradient flows to, so the
    gradient of a first layer with respect to the network's input (a large,
    unused matrix product) is never computed.
    """

    def __getitem__(self, name):
        value = dict.__getitem__(self, name)
        return value() if callable(value) else value

    def get(self, name, default=None):
        return self[name] if name in self else default


def unbroadcast(g, shape):
    """Sum ``g`` over the axes that broadcasting added or stretched, to get ``shape``."""
    g = np.asarray(g)
    if g.shape == tuple(shape):
        return g
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, d in enumerate(shape) if d == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


def rule(*names):
    def register(fn):
        for name in names:
            RULES[name] = fn
        return fn
    return register


def _like(g, x):
    """``g`` summed to ``x``'s shape and cast to its dtype (x may be a Python number)."""
    shape = np.shape(x)
    g = unbroadcast(g, shape)
    dtype = getattr(x, "dtype", None)
    return g.astype(dtype, copy=False) if dtype is not None and np.dtype(dtype).kind == "f" else g


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    return tuple(sorted(int(a) % ndim for a in axes))


def _expand(g, x, axis, keepdims):
    """A reduction's upstream gradient, reshaped to broadcast against ``x``."""
    g = np.asarray(g)
    if not keepdims and np.ndim(x):
        g = np.expand_dims(g, _axes(axis, np.ndim(x)))
    return g


# -- operators ------------------------------------------------------------------------------

@rule("__add__")
def _add(g, out, x, y):
    return {"x": _like(g, x), "y": _like(g, y)}


@rule("__sub__")
def _sub(g, out, x, y):
    return {"x": _like(g, x), "y": _like(-g, y)}


@rule("__mul__")
def _mul(g, out, x, y):
    return {"x": _like(g * y, x), "y": _like(g * x, y)}


@rule("__truediv__")
def _div(g, out, x, y):
    return {"x": _like(g / y, x), "y": _like(-g * x / (np.asarray(y) ** 2), y)}


@rule("__pow__")
def _pow(g, out, x, y):
    x_arr = np.asarray(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        gx = g * y * x_arr ** (np.asarray(y) - 1)
        gy = g * out * np.log(np.where(x_arr > 0, x_arr, 1))
    return {"x": _like(gx, x), "y": _like(gy, y)}


@rule("__matmul__")
def _matmul(g, out, x, y):
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 1 and y.ndim == 1:
        return {"x": g * y, "y": g * x}
    if y.ndim == 1:
        return {"x": np.multiply.outer(g, y),
                "y": _like(np.tensordot(g, x, axes=(list(range(g.ndim)), list(range(g.ndim)))), y)}
    if x.ndim == 1:
        return {"x": _like(g @ np.swapaxes(y, -1, -2), x), "y": _like(np.multiply.outer(x, g), y)}
    return {"x": _like(g @ np.swapaxes(y, -1, -2), x), "y": _like(np.swapaxes(x, -1, -2) @ g, y)}


@rule("__neg__")
def _neg(g, out, x):
    return {"x": -g}


@rule("__pos__")
def _pos(g, out, x):
    return {"x": g}


@rule("__abs__", "abs")
def _abs(g, out, x):
    return {"x": _like(g * np.sign(x), x)}


@rule("__floordiv__")
def _floordiv(g, out, x, y):
    return {"x": _like(np.zeros_like(g), x), "y": _like(np.zeros_like(g), y)}


@rule("__mod__")
def _mod(g, out, x, y):
    return {"x": _like(g, x), "y": _like(-g * np.floor(np.asarray(x) / np.asarray(y)), y)}


@rule("__getitem__")
def _getitem(g, out, x, key):
    grad = np.zeros(np.shape(x), dtype=np.asarray(g).dtype)
    np.add.at(grad, key, g)
    return {"x": _like(grad, x)}


# -- core -----------------------------------------------------------------------------------

@rule("identity", "print_tensor")
def _identity(g, out, x, **_):
    return {"x": _like(g, x)}


@rule("cast")
def _cast(g, out, x, dtype):
    return {"x": _like(np.asarray(g, dtype=np.asarray(x).dtype), x)}


@rule("dropout")
def _dropout(g, out, x, level, noise_shape=None, seed=None):
    mask = mask_of(out)
    if mask is not None:
        return {"x": _like(g * mask, x)}
    # not a result of this backend's dropout: the kept entries were scaled by 1 / (1 - level),
    # dropped ones are 0 in out (an entry of x that is 0 gets no gradient)
    x = np.asarray(x)
    out = np.asarray(out)
    kept = x != 0
    if out.shape == x.shape and out.dtype == x.dtype and x.dtype.kind == "f":
        # out / x where x != 0, else 0 (the same values, without the masked copies)
        scale = np.divide(out, x, out=np.zeros_like(out), where=kept)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(kept, out / np.where(kept, x, 1), 0.0)
    return {"x": _like(g * scale, x)}


@rule("clip")
def _clip(g, out, x, min_value, max_value):
    x = np.asarray(x)
    inside = np.ones(x.shape, bool)
    if min_value is not None:
        inside &= x >= np.asarray(min_value)
    if max_value is not None:
        upper = (max_value if min_value is None or np.ndim(max_value) or np.ndim(min_value)
                 else max(max_value, min_value))
        inside &= x <= np.asarray(upper)
    return {"x": _like(np.where(inside, g, 0), x)}


@rule("cos")
def _cos(g, out, x):
    return {"x": _like(-g * np.sin(x), x)}


@rule("sin")
def _sin(g, out, x):
    return {"x": _like(g * np.cos(x), x)}


@rule("exp")
def _exp(g, out, x):
    return {"x": _like(g * out, x)}


@rule("log")
def _log(g, out, x):
    return {"x": _like(g / np.asarray(x), x)}


@rule("sqrt")
def _sqrt(g, out, x):
    with np.errstate(divide="ignore", invalid="ignore"):
        grad = np.where(np.asarray(out) > 0, g / (2 * np.asarray(out)), 0)
    return {"x": _like(grad, x)}


@rule("square")
def _square(g, out, x):
    return {"x": _like(2 * g * np.asarray(x), x)}


@rule("pow")
def _pow_fn(g, out, x, a):
    return {"x": _like(g * a * np.asarray(x) ** (np.asarray(a) - 1), x)}


@rule("maximum", "minimum")
def _extremum(g, out, x, y):
    x_wins = np.asarray(out) == np.asarray(x)
    return {"x": _like(np.where(x_wins, g, 0), x), "y": _like(np.where(x_wins, 0, g), y)}


@rule("sum")
def _sum(g, out, x, axis=None, keepdims=False):
    return {"x": _like(np.broadcast_to(_expand(g, x, axis, keepdims), np.shape(x)), x)}


@rule("mean")
def _mean(g, out, x, axis=None, keepdims=False):
    shape = np.shape(x)
    count = int(np.prod([shape[a] for a in _axes(axis, len(shape))])) or 1
    return {"x": _like(np.broadcast_to(_expand(g, x, axis, keepdims), shape) / count, x)}


@rule("prod")
def _prod(g, out, x, axis=None, keepdims=False):
    x = np.asarray(x)
    axes = _axes(axis, x.ndim)
    full = np.prod(x, axis=axes, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        grad = np.where(x != 0, full / np.where(x != 0, x, 1), _prod_without(x, axes))
    return {"x": _like(_expand(g, x, axis, keepdims) * grad, x)}


def _prod_without(x, axes):
    """For each element, the product of the others in its reduction group (handles zeros)."""
    moved = np.moveaxis(x, axes, tuple(range(-len(axes), 0)))
    flat = moved.reshape(moved.shape[:moved.ndim - len(axes)] + (-1,))
    n = flat.shape[-1]
    left = np.concatenate([np.ones(flat.shape[:-1] + (1,), x.dtype),
                           np.cumprod(flat, -1)[..., :-1]], -1)
    right = np.concatenate([np.cumprod(flat[..., ::-1], -1)[..., :-1][..., ::-1],
                            np.ones(flat.shape[:-1] + (1,), x.dtype)], -1) if n else flat
    return np.moveaxis((left * right).reshape(moved.shape), tuple(range(-len(axes), 0)), axes)


@rule("max", "min")
def _max(g, out, x, axis=None, keepdims=False):
    x = np.asarray(x)
    peak = _expand(out, x, axis, keepdims)
    hits = (x == peak)
    count = hits.sum(axis=_axes(axis, x.ndim), keepdims=True)
    return {"x": _like(hits * _expand(g, x, axis, keepdims) / count, x)}


def _centered(x, axis):
    """``x`` as an array, the number of values each result reduces, ``x`` minus their mean."""
    x = np.asarray(x)
    axes = _axes(axis, x.ndim)
    count = int(np.prod([x.shape[a] for a in axes])) or 1
    return x, count, x - x.mean(axis=axes, keepdims=True)


@rule("var")
def _var(g, out, x, axis=None, keepdims=False):
    x, count, centered = _centered(x, axis)
    return {"x": _like(_expand(g, x, axis, keepdims) * 2 * centered / count, x)}


@rule("std")
def _std(g, out, x, axis=None, keepdims=False):
    x, count, centered = _centered(x, axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        grad = np.where(_expand(out, x, axis, keepdims) > 0,
                        centered / (count * _expand(out, x, axis, keepdims)), 0)
    return {"x": _like(_expand(g, x, axis, keepdims) * grad, x)}


@rule("cumsum")
def _cumsum(g, out, x, axis=0):
    return {"x": _like(np.flip(np.cumsum(np.flip(g, axis), axis), axis), x)}


@rule("cumprod")
def _cumprod(g, out, x, axis=0):
    x = np.asarray(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        grad = np.flip(np.cumsum(np.flip(g * out, axis), axis), axis) / x
    return {"x": _like(np.nan_to_num(grad), x)}


@rule("logsumexp")
def _logsumexp(g, out, x, axis=None, keepdims=False):
    x = np.asarray(x)
    return {"x": _like(_expand(g, x, axis, keepdims) * np.exp(x - _expand(out, x, axis, keepdims)),
                       x)}


@rule("l2_normalize")
def _l2_normalize(g, out, x, axis=None):
    x = np.asarray(x)
    axes = _axes(axis, x.ndim)
    square_sum = np.sum(x * x, axis=axes, keepdims=True)
    norm = np.sqrt(np.maximum(square_sum, 1e-12))
    clipped = square_sum < 1e-12
    grad = g / norm - np.where(clipped, 0, out * np.sum(g * out, axis=axes, keepdims=True) / norm)
    return {"x": _like(grad, x)}


@rule("dot")
def _dot(g, out, x, y):
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 2 and y.ndim == 2:
        return Lazy(x=lambda: (g @ y.T).astype(x.dtype, copy=False),
                    y=lambda: (x.T @ g).astype(y.dtype, copy=False))
    y_axis = y.ndim - 2 if y.ndim >= 2 else 0
    x_free = x.ndim - 1
    # out axes: x's free axes, then y's free axes (y without y_axis)
    y_free_axes = [i for i in range(y.ndim) if i != y_axis]
    return Lazy(
        x=lambda: np.tensordot(g, y,
                               axes=(list(range(x_free, g.ndim)), y_free_axes)).astype(x.dtype,
                                                                                       copy=False),
        # (n, *y_free), then n moved to y's contracted axis
        y=lambda: np.moveaxis(np.tensordot(x, g, axes=(list(range(x_free)), list(range(x_free)))),
                              0, y_axis).astype(y.dtype, copy=False))


@rule("batch_dot")
def _batch_dot(g, out, x, y, axes=None):
    x, y = np.asarray(x), np.asarray(y)
    if axes is None:
        axes = (x.ndim - 1, y.ndim - 2) if y.ndim > 2 else (x.ndim - 1, y.ndim - 1)
    elif isinstance(axes, int):
        axes = (axes, axes)
    ax, ay = axes[0] % x.ndim, axes[1] % y.ndim
    x_rest = [d for i, d in enumerate(x.shape) if i not in (0, ax)]
    y_rest = [d for i, d in enumerate(y.shape) if i not in (0, ay)]
    n, k = x.shape[0], x.shape[ax]
    xm = np.moveaxis(x, ax, -1).reshape(n, -1, k)
    ym = np.moveaxis(y, ay, 1).reshape(n, k, -1)
    gm = np.asarray(g).reshape(n, xm.shape[1], ym.shape[2])
    gx = (gm @ np.swapaxes(ym, 1, 2)).reshape([n] + x_rest + [k])
    gy = (np.swapaxes(xm, 1, 2) @ gm).reshape([n, k] + y_rest)
    return {"x": np.moveaxis(gx, -1, ax).astype(x.dtype, copy=False),
            "y": np.moveaxis(gy, 1, ay).astype(y.dtype, copy=False)}


# -- manipulation ---------------------------------------------------------------------------

@rule("reshape", "flatten", "batch_flatten", "expand_dims", "squeeze")
def _reshape(g, out, x, **_):
    return {"x": _like(np.reshape(g, np.shape(x)), x)}


@rule("permute_dimensions")
def _permute(g, out, x, pattern):
    pattern = [int(p) % np.ndim(x) for p in pattern]
    return {"x": _like(np.transpose(g, np.argsort(pattern)), x)}


@rule("transpose")
def _transpose(g, out, x):
    return {"x": _like(np.transpose(g), x)}


@rule("concatenate")
def _concatenate(g, out, tensors, axis=-1):
    axis = axis % np.ndim(out)
    sizes = np.cumsum([np.shape(t)[axis] for t in tensors])[:-1]
    return {"tensors": [_like(part, t) for part, t in zip(np.split(g, sizes, axis=axis), tensors)]}


@rule("stack")
def _stack(g, out, x, axis=0):
    axis = axis % np.ndim(out)
    return {"x": [_like(np.take(g, i, axis=axis), t) for i, t in enumerate(x)]}


@rule("tile")
def _tile(g, out, x, n):
    shape = np.shape(x)
    reps = [int(n)] if np.isscalar(n) else [int(r) for r in n]
    split = []
    for r, d in zip(reps, shape):
        split += [r, d]
    return {"x": _like(np.reshape(g, split).sum(axis=tuple(range(0, 2 * len(shape), 2))), x)}


@rule("repeat")
def _repeat(g, out, x, n):
    return {"x": _like(np.asarray(g).sum(axis=1), x)}


@rule("repeat_elements")
def _repeat_elements(g, out, x, rep, axis):
    shape = np.shape(x)
    axis = axis % len(shape)
    g = np.reshape(g, shape[:axis] + (shape[axis], int(rep)) + shape[axis + 1:])
    return {"x": _like(g.sum(axis=axis + 1), x)}


@rule("reverse")
def _reverse(g, out, x, axes):
    return {"x": _like(np.flip(g, axes), x)}


@rule("slice")
def _slice(g, out, x, start, size):
    grad = np.zeros(np.shape(x), np.asarray(g).dtype)
    index = tuple(slice(int(b), int(b) + np.shape(g)[i]) for i, b in enumerate(start))
    grad[index] = g
    return {"x": _like(grad, x)}


@rule("gather")
def _gather(g, out, reference, indices):
    reference = np.asarray(reference)
    grad = np.zeros(reference.shape, np.asarray(g).dtype)
    np.add.at(grad, np.asarray(indices).reshape(-1),
              np.asarray(g).reshape((-1,) + reference.shape[1:]))
    return {"reference": _like(grad, reference)}


# -- activations ------------------------------------------------------------------------------

@rule("relu")
def _relu(g, out, x, alpha=0.0, max_value=None, threshold=0.0):
    x = np.asarray(x)
    above = x > threshold if threshold != 0.0 else x > 0
    g = np.asarray(g)
    if alpha == 0.0 and max_value is None and g.dtype.kind == "f" and g.shape == x.shape:
        # g * 1.0 or g * 0.0: the values of g * where(above, 1.0, 0.0), without the float64 slope
        return {"x": _like(g * above, x)}
    passed = above
    if max_value is not None:
        # the positive part is clipped into [0, max_value]: no gradient where the clip acts
        passed = above & (x >= 0) & (x < max_value)
    slope = np.where(above, np.where(passed, 1.0, 0.0), alpha)
    return {"x": _like(g * slope, x)}


@rule("elu")
def _elu(g, out, x, alpha=1.0):
    x = np.asarray(x)
    return {"x": _like(np.where(x > 0, g, g * (np.asarray(out) + alpha)), x)}


@rule("sigmoid")
def _sigmoid(g, out, x):
    return {"x": _like(g * out * (1 - out), x)}


@rule("hard_sigmoid")
def _hard_sigmoid(g, out, x):
    z = 0.2 * np.asarray(x) + 0.5
    return {"x": _like(np.where((z > 0) & (z < 1), 0.2 * g, 0), x)}


@rule("softmax")
def _softmax(g, out, x, axis=-1):
    return {"x": _like(out * (g - np.sum(g * out, axis=axis, keepdims=True)), x)}


@rule("softplus")
def _softplus(g, out, x):
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    return {"x": _like(g * np.where(x >= 0, 1 / (1 + e), e / (1 + e)), x)}


@rule("softsign")
def _softsign(g, out, x):
    return {"x": _like(g / (1 + np.abs(x)) ** 2, x)}


@rule("tanh")
def _tanh(g, out, x):
    return {"x": _like(g * (1 - np.asarray(out) ** 2), x)}


# -- losses -----------------------------------------------------------------------------------

def _softmax_of(z, axis):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@rule("categorical_crossentropy")
def _cce(g, out, target, output, from_logits=False, axis=-1):
    target, output = np.asarray(target), np.asarray(output)
    g = np.expand_dims(g, axis)
    if from_logits:
        grad = g * (_softmax_of(output, axis) * target.sum(axis=axis, keepdims=True) - target)
        return {"output": _like(grad, output)}
    total = output.sum(axis=axis, keepdims=True)
    p = output / total
    eps = _epsilon()
    inside = (p > eps) & (p < 1 - eps)
    dp = np.where(inside, -target / np.clip(p, eps, 1 - eps), 0) * g
    # through p = output / total
    grad = (dp - np.sum(dp * p, axis=axis, keepdims=True)) / total
    return {"output": _like(grad, output)}


@rule("sparse_categorical_crossentropy")
def _scce(g, out, target, output, from_logits=False, axis=-1):
    output = np.asarray(output)
    moved = np.moveaxis(output, axis, -1)
    labels = np.asarray(target).reshape(moved.shape[:-1]).astype(np.int64)
    one_hot = (labels[..., None] == np.arange(moved.shape[-1])).astype(moved.dtype)
    g = np.asarray(g).reshape(moved.shape[:-1])[..., None]
    if from_logits:
        grad = g * (_softmax_of(moved, -1) - one_hot)
    else:
        eps = _epsilon()
        clipped = np.clip(moved, eps, 1 - eps)
        d_logits = g * (_softmax_of(np.log(clipped), -1) - one_hot)
        grad = np.where((moved > eps) & (moved < 1 - eps), d_logits / clipped, 0)
    return {"output": _like(np.moveaxis(grad, -1, axis), output)}


@rule("binary_crossentropy")
def _bce(g, out, target, output, from_logits=False):
    target, output = np.asarray(target), np.asarray(output)
    if from_logits:
        e = np.exp(-np.abs(output))
        sig = np.where(output >= 0, 1 / (1 + e), e / (1 + e))
        return {"output": _like(g * (sig - target), output)}
    eps = _epsilon()
    p = np.clip(output, eps, 1 - eps)
    grad = np.where((output > eps) & (output < 1 - eps), (p - target) / (p * (1 - p)), 0)
    return {"output": _like(g * grad, output)}


# -- nn -----------------------------------------------------------------------------------------

@rule("bias_add")
def _bias_add(g, out, x, bias, data_format=None):
    g = np.asarray(g)
    bias = np.asarray(bias)
    fmt = _nn_shared._data_format(data_format, "bias_add")
    channels_first = fmt == "channels_first" and 3 <= g.ndim <= 5
    if bias.ndim == 1:
        axes = tuple(i for i in range(g.ndim) if i != (1 if channels_first else g.ndim - 1))
        gb = g.sum(axis=axes)
    else:
        # the forward pass reshapes the bias (never transposes it): reshape back
        gb = g.sum(axis=0).reshape(bias.shape)
    return {"x": _like(g, x), "bias": gb.astype(bias.dtype, copy=False)}


@rule("batch_normalization")
def _batch_normalization(g, out, x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    x = np.asarray(x)
    axis = axis % x.ndim

    def b(v):
        v = np.asarray(v)
        if v.ndim == 1 and x.ndim > 1:
            shape = [1] * x.ndim
            shape[axis] = v.shape[0]
            v = v.reshape(shape)
        return v
    inv = 1 / np.sqrt(b(var) + epsilon)
    scale = inv * (b(gamma) if gamma is not None else 1.0)
    centered = x - b(mean)
    grads = {"x": _like(g * scale, x), "mean": _fit(-g * scale, mean),
             "var": _fit(g * centered * (b(gamma) if gamma is not None else 1.0) * -0.5 * inv ** 3,
                         var)}
    if beta is not None:
        grads["beta"] = _fit(g, beta)
    if gamma is not None:
        grads["gamma"] = _fit(g * centered * inv, gamma)
    return grads


def _fit(grad, param):
    """Sum ``grad`` down to ``param``'s shape (1-D params broadcast along one axis)."""
    param = np.asarray(param)
    grad = np.asarray(grad)
    if param.ndim == 1 and grad.ndim > 1:
        axis = [i for i, d in enumerate(grad.shape) if d == param.shape[0]]
        keep = axis[-1] if axis else grad.ndim - 1
        return grad.sum(axis=tuple(i for i in range(grad.ndim) if i != keep)).astype(param.dtype,
                                                                                     copy=False)
    return _like(grad, param)


@rule("normalize_batch_in_training")
def _normalize_batch(g, out, x, gamma, beta, reduction_axes, epsilon=1e-3):
    x = np.asarray(x)
    axes = tuple(sorted(a % x.ndim for a in reduction_axes))
    g_normed, g_mean, g_var = g
    g_normed = np.asarray(g_normed)
    count = int(np.prod([x.shape[a] for a in axes]))
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    var = (centered ** 2).mean(axis=axes, keepdims=True)
    inv = 1 / np.sqrt(var + epsilon)
    full_shape = tuple(1 if i in axes else x.shape[i] for i in range(x.ndim))
    gamma_full = np.asarray(gamma).reshape(full_shape) if gamma is not None else 1.0
    xhat = centered * inv
    dxhat = g_normed * gamma_full
    dx = inv * (dxhat - dxhat.mean(axis=axes, keepdims=True)
                - xhat * (dxhat * xhat).mean(axis=axes, keepdims=True))
    if g_mean is not None:
        dx = dx + np.asarray(g_mean).reshape(full_shape) / count
    if g_var is not None:
        dx = dx + np.asarray(g_var).reshape(full_shape) * 2 * centered / count
    grads = {"x": _like(dx, x)}
    if gamma is not None:
        grads["gamma"] = ((g_normed * xhat).sum(axis=axes).reshape(np.shape(gamma))
                          .astype(np.asarray(gamma).dtype))
    if beta is not None:
        grads["beta"] = (g_normed.sum(axis=axes).reshape(np.shape(beta))
                         .astype(np.asarray(beta).dtype))
    return grads


def _pad_rule(name, rank, fixed_format=None):
    def padding_rule(g, out, x, padding=None, data_format=None):
        pads = [padding] if rank == 1 else padding
        fmt = fixed_format or _nn_shared._data_format(data_format, name)
        offset = 1 if fmt == "channels_last" else 2
        index = [slice(None)] * np.ndim(g)
        for i, (lo, hi) in enumerate(pads):
            index[offset + i] = slice(int(lo), np.shape(g)[offset + i] - int(hi))
        return {"x": _like(np.asarray(g)[tuple(index)], x)}
    return padding_rule


RULES["temporal_padding"] = _pad_rule("temporal_padding", 1, "channels_last")
RULES["spatial_2d_padding"] = _pad_rule("spatial_2d_padding", 2)
RULES["spatial_3d_padding"] = _pad_rule("spatial_3d_padding", 3)


@rule("resize_volumes")
def _resize_volumes(g, out, x, depth_factor, height_factor, width_factor, data_format):
    return {"x": _unrepeat(g, x, (depth_factor, height_factor, width_factor),
                           (1, 2, 3) if data_format == "channels_last" else (2, 3, 4))}


@rule("resize_images")
def _resize_images(g, out, x, height_factor, width_factor, data_format, interpolation="nearest"):
    axes = (1, 2) if _nn_shared._data_format(data_format,
                                             "resize_images") == "channels_last" else (2, 3)
    if interpolation != "bilinear":
        return {"x": _unrepeat(g, x, (height_factor, width_factor), axes)}
    # bilinear resizing is a linear map along each axis: apply its transpose
    g = np.asarray(g)
    for axis, factor in zip(axes, (int(height_factor), int(width_factor))):
        matrix = _bilinear_matrix(np.shape(x)[axis], factor)
        g = np.moveaxis(np.tensordot(g, matrix, axes=([axis], [0])), -1, axis)
    return {"x": _like(g, x)}


def _bilinear_matrix(n, factor):
    """The (n * factor, n) matrix of ``common.nn._resize_axis_bilinear`` along one axis."""
    size = n * factor
    src = np.arange(size) * (n / size)
    low = np.floor(src).astype(np.int64)
    high = np.minimum(low + 1, n - 1)
    frac = src - low
    matrix = np.zeros((size, n))
    rows = np.arange(size)
    np.add.at(matrix, (rows, low), 1.0 - frac)
    np.add.at(matrix, (rows, high), frac)
    return matrix


def _unrepeat(g, x, factors, axes):
    g = np.asarray(g)
    for axis, f in sorted(zip(axes, factors), reverse=True):
        shape = g.shape[:axis] + (g.shape[axis] // int(f), int(f)) + g.shape[axis + 1:]
        g = g.reshape(shape).sum(axis=axis + 1)
    return _like(g, x)


# -- convolution and pooling: the transposes of the im2col products ------------------------------

def _geometry(fn, x, ksize, strides, padding, data_format, dilation_rate, rank):
    """(channels_last, strides, dilation, pads) exactly as the forward pass computes them."""
    fmt = _nn_shared._data_format(data_format, fn)
    channels_last = fmt == "channels_last"
    strides = _nn_shared._tuple(strides, rank, fn, "strides")
    dilation = _nn_shared._tuple(dilation_rate, rank, fn, "dilation_rate")
    sizes = np.shape(x)[1:1 + rank] if channels_last else np.shape(x)[2:2 + rank]
    if padding == "same":
        pads = _nn_shared._same_pads(sizes, ksize, strides, dilation)
    elif padding == "causal":
        pads = [((ksize[0] - 1) * dilation[0], 0)]
    else:
        pads = [(0, 0)] * rank
    return channels_last, strides, dilation, pads


def _windows(x_padded, ksize, strides, dilation):
    """(N, *O, C, *k) view of the windows of a channels-last padded input."""
    from numpy.lib.stride_tricks import sliding_window_view
    rank = len(ksize)
    effective = tuple((k - 1) * d + 1 for k, d in zip(ksize, dilation))
    windows = sliding_window_view(x_padded, effective, axis=tuple(range(1, rank + 1)))
    select = (slice(None),) + tuple(slice(None, None, s) for s in strides) + (slice(None),) + \
        tuple(slice(None, None, d) for d in dilation)
    return windows[select]


def _scatter(padded_shape, contributions, ksize, strides, dilation, dtype):
    """Sum window contributions (N, *O, *k, C) back into a (padded) channels-last input."""
    rank = len(ksize)
    grad = np.zeros(padded_shape, dtype)
    outs = contributions.shape[1:1 + rank]
    for kpos in np.ndindex(*ksize):
        grad[_window_slice(kpos, dilation, outs, strides)] += \
            contributions[(slice(None),) * (1 + rank) + kpos]
    return grad


def _window_slice(kpos, dilation, outs, strides):
    """The index of the input cells that kernel tap ``kpos`` meets, one per output position,
    in a channels-last (padded) input."""
    return (slice(None),) + tuple(slice(k * d, k * d + (o - 1) * s + 1, s)
                                  for k, d, o, s in zip(kpos, dilation, outs, strides))


def _crop(grad, pads):
    index = (slice(None),
             ) + tuple(slice(lo, grad.shape[i + 1] - hi) for i, (lo, hi) in enumerate(pads))
    return grad[index]


def _conv_rule(fn, rank):
    """Both gradients one kernel tap at a time: tap ``k`` meets the input cells
    ``padded[window_slice(k)]`` (N, *O, C), so ``g_kernel[k] = cells^T @ g`` and
    ``g_padded[window_slice(k)] += g @ kernel[k]^T``, each a (rows, C) x (rows, F) matrix
    product; no (rows, prod(k) * C) patch matrix is built."""
    def conv_rule(g, out, x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
        x, kernel, g = np.asarray(x), np.asarray(kernel), np.asarray(g)
        ksize = kernel.shape[:rank]
        channels_last, strides, dilation, pads = _geometry(fn, x, ksize, strides, padding,
                                                           data_format, dilation_rate, rank)
        if not channels_last:
            x, g = np.moveaxis(x, 1, -1), np.moveaxis(g, 1, -1)
        dtype = np.result_type(x.dtype, kernel.dtype, g.dtype)
        outs, filters = g.shape[1:1 + rank], g.shape[-1]
        rows = g.size // filters
        g_rows = np.ascontiguousarray(g, dtype).reshape(rows, filters)
        padded_shape = (x.shape[0],) + tuple(n + lo + hi for n, (lo, hi) in
                                             zip(x.shape[1:1 + rank], pads)) + (x.shape[-1],)

        def kernel_grad():
            padded = x if not any(lo or hi for lo, hi in pads) else \
                np.pad(x, [(0, 0)] + list(pads) + [(0, 0)])
            g_kernel = np.empty(kernel.shape, dtype)
            cells = np.empty(g.shape[:-1] + (x.shape[-1],), dtype)
            for kpos in np.ndindex(*ksize):
                np.copyto(cells, padded[_window_slice(kpos, dilation, outs, strides)])
                np.matmul(cells.reshape(rows, -1).T, g_rows, out=g_kernel[kpos])
            return g_kernel.astype(kernel.dtype, copy=False)

        def input_grad():
            g_padded = np.zeros(padded_shape, dtype)
            k = np.asarray(kernel, dtype)
            for kpos in np.ndindex(*ksize):
                part = (g_rows @ k[kpos].T).reshape(g.shape[:-1] + (x.shape[-1],))
                g_padded[_window_slice(kpos, dilation, outs, strides)] += part
            g_x = _crop(g_padded, pads)
            return (g_x if channels_last else np.moveaxis(g_x, -1, 1)).astype(x.dtype, copy=False)
        return Lazy(x=input_grad, kernel=kernel_grad)
    return conv_rule


RULES["conv1d"] = _conv_rule("conv1d", 1)
RULES["conv2d"] = _conv_rule("conv2d", 2)
RULES["conv3d"] = _conv_rule("conv3d", 3)


@rule("depthwise_conv2d")
def _depthwise_conv2d(g, out, x, depthwise_kernel, strides=(1, 1), padding="valid",
                      data_format=None, dilation_rate=(1, 1)):
    x, kernel, g = np.asarray(x), np.asarray(depthwise_kernel), np.asarray(g)
    ksize = kernel.shape[:2]
    channels_last, strides, dilation, pads = _geometry("depthwise_conv2d", x, ksize, strides,
                                                       padding, data_format, dilation_rate, 2)
    if not channels_last:
        x, g = np.moveaxis(x, 1, -1), np.moveaxis(g, 1, -1)
    channels, multiplier = kernel.shape[2:]
    padded = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)])
    windows = _windows(padded, ksize, strides, dilation)               # (N, H, W, C, kh, kw)
    g_split = g.reshape(g.shape[:3] + (channels, multiplier))          # (N, H, W, C, M)
    g_kernel = np.einsum("nhwcab,nhwcm->abcm", windows, g_split)
    g_windows = np.einsum("nhwcm,abcm->nhwabc", g_split, kernel)
    g_x = _crop(_scatter(padded.shape, g_windows, ksize, strides, dilation, g.dtype), pads)
    if not channels_last:
        g_x = np.moveaxis(g_x, -1, 1)
    return {"x": g_x.astype(x.dtype, copy=False),
            "depthwise_kernel": g_kernel.astype(kernel.dtype, copy=False)}


def _pool_rule(fn, rank):
    def pool_rule(g, out, x, pool_size, strides=None, padding="valid", data_format=None,
                  pool_mode="max"):
        x, g = np.asarray(x), np.asarray(g)
        window = _nn_shared._tuple(pool_size, rank, fn, "pool_size")
        channels_last, strides, _, pads = _geometry(fn, x, window, strides, padding, data_format, 1,
                                                    rank)
        if not channels_last:
            x, g = np.moveaxis(x, 1, -1), np.moveaxis(g, 1, -1)
        ones = (1,) * rank
        if tuple(strides) == tuple(window) and not any(lo or hi for lo, hi in pads):
            g_x = _tiled_pool_grad(g, out, x, window, pool_mode, channels_last)
            return {"x": g_x.astype(x.dtype, copy=False)}
        if pool_mode == "max":
            padded = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)], constant_values=-np.inf)
            windows = _windows(padded, window, strides, ones)           # (N, *O, C, *w)
            flat = windows.reshape(windows.shape[:rank + 2] + (-1,))
            first = flat.argmax(axis=-1)                                # the first maximum, as TF
            hits = (np.arange(flat.shape[-1]) == first[..., None]).reshape(windows.shape)
            contributions = np.moveaxis(hits * g[..., None].reshape(g.shape + ones), rank + 1, -1)
        else:
            padded = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)])
            valid = np.pad(np.ones(x.shape[1:1 + rank]), pads)
            mask = _windows(valid[None, ..., None], window, strides, ones)[0]
            mask = mask[(slice(None),) * rank + (0,)]                   # (*O, *w): valid cells
            counts = mask.sum(axis=tuple(range(rank, 2 * rank)))        # (*O)
            share = g / counts[None, ..., None]
            contributions = share[(slice(None),) * (rank + 1) + (None,) * rank + (slice(None),)] * \
                mask[None, ..., None]
        g_x = _crop(_scatter(padded.shape, contributions, window, strides, ones, g.dtype), pads)
        if not channels_last:
            g_x = np.moveaxis(g_x, -1, 1)
        return {"x": g_x.astype(x.dtype, copy=False)}
    return pool_rule


def _tiled_pool_grad(g, out, x, window, pool_mode, channels_last):
    """The pooling gradient for windows that tile the input (strides == pool_size, no padding),
    as the forward pass computes them: each spatial axis split into (outputs, window) by a free
    reshape. Max: each window's gradient goes to its first maximum in row-major window order
    (TensorFlow's choice among ties, e.g. the zeros of a relu), found one window cell at a
    time. Average: an equal share to each cell. ``x`` and ``g`` are channels-last; returns the
    gradient in ``x``'s original layout."""
    rank = len(window)
    outs = g.shape[1:1 + rank]
    dtype = np.result_type(g.dtype, x.dtype)
    block_shape, cell_axes = [x.shape[0]], []
    for o, w in zip(outs, window):
        block_shape += [o, w]
        cell_axes.append(len(block_shape) - 1)
    block_shape.append(x.shape[-1])
    covered = (slice(None),) + tuple(slice(0, o * w) for o, w in zip(outs, window))
    whole = all(o * w == n for o, w, n in zip(outs, window, x.shape[1:1 + rank]))
    g_x = np.zeros(x.shape, dtype)
    blocks_grad = g_x.reshape(block_shape) if whole else np.zeros(block_shape, dtype)
    pooled_shape = list(block_shape)
    for axis in cell_axes:
        pooled_shape[axis] = 1
    g_b = np.asarray(g, dtype).reshape(pooled_shape)
    if pool_mode != "max":
        blocks_grad[...] = g_b / np.asarray(np.prod(window), dtype)
    else:
        blocks = x[covered].reshape(block_shape)
        pooled = np.asarray(out) if out is not None else None
        if pooled is None or pooled.shape != tuple(np.shape(g)):
            pooled = blocks.max(axis=tuple(cell_axes))
        else:
            pooled = np.moveaxis(pooled, 1, -1) if not channels_last else pooled
        pooled = pooled.reshape(pooled_shape)
        nan_windows = np.isnan(pooled) if np.isnan(pooled).any() else None
        taken = None
        cells = list(np.ndindex(*window))
        for i, cell in enumerate(cells):
            index = [slice(None)] * len(block_shape)
            for axis, c in zip(cell_axes, cell):
                index[axis] = slice(c, c + 1)
            index = tuple(index)
            hit = blocks[index] == pooled
            if nan_windows is not None:  # a window holding NaN: its maximum is its first NaN
                hit |= np.isnan(blocks[index]) & nan_windows
            if taken is not None:
                hit &= ~taken
            if i < len(cells) - 1:
                taken = hit if taken is None else (taken | hit)
            np.multiply(g_b, hit, out=blocks_grad[index])
    if not whole:
        g_x[covered] = blocks_grad.reshape(g_x[covered].shape)
    return g_x if channels_last else np.moveaxis(g_x, -1, 1)


RULES["pool2d"] = _pool_rule("pool2d", 2)
RULES["pool3d"] = _pool_rule("pool3d", 3)


def _conv_transpose_rule(fn, forward_name, rank):
    """The transpose of a transposed convolution is the forward convolution with the same kernel."""
    def rule_(g, out, x, kernel, output_shape, strides=1, padding="valid", data_format=None,
              dilation_rate=1):
        from . import nn as numpy_nn
        g = np.asarray(g)
        forward = getattr(numpy_nn, forward_name)
        g_x = forward(g, kernel, strides=strides, padding=padding, data_format=data_format,
                      dilation_rate=dilation_rate)
        g_kernel = RULES[forward_name](np.asarray(x), None, x=g, kernel=np.asarray(kernel),
                                       strides=strides, padding=padding, data_format=data_format,
                                       dilation_rate=dilation_rate)["kernel"]
        return {"x": _like(np.asarray(g_x), x), "kernel": _like(g_kernel, kernel)}
    return rule_


RULES["conv2d_transpose"] = _conv_transpose_rule("conv2d_transpose", "conv2d", 2)
RULES["conv3d_transpose"] = _conv_transpose_rule("conv3d_transpose", "conv3d", 3)


def _separable_rule(fn, rank):
    def rule_(g, out, x, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
              data_format=None, dilation_rate=1):
        from . import nn as numpy_nn
        depthwise = numpy_nn.depthwise_conv2d
        x2, dk2 = np.asarray(x), np.asarray(depthwise_kernel)
        pk2 = np.asarray(pointwise_kernel)
        fmt = _nn_shared._data_format(data_format, fn)
        g = np.asarray(g)
        if rank == 1:  # a 1-D separable convolution is the 2-D one on a height-1 image
            axis = 1 if fmt == "channels_last" else 2
            x2, g = np.expand_dims(x2, axis), np.expand_dims(g, axis)
            dk2, pk2 = dk2[None], pk2[None]
            strides = (1, _nn_shared._tuple(strides, 1, fn, "strides")[0])
            dilation_rate = (1, _nn_shared._tuple(dilation_rate, 1, fn, "dilation_rate")[0])
        middle = np.asarray(depthwise(x2, dk2, strides=strides, padding=padding, data_format=fmt,
                                      dilation_rate=dilation_rate))
        point = RULES["conv2d"](g, None, x=middle, kernel=pk2, strides=(1, 1), padding="valid",
                                data_format=fmt, dilation_rate=(1, 1))
        depth = RULES["depthwise_conv2d"](point["x"], None, x=x2, depthwise_kernel=dk2,
                                          strides=strides,
                                          padding=padding, data_format=fmt,
                                          dilation_rate=dilation_rate)
        g_x, g_dk, g_pk = depth["x"], depth["depthwise_kernel"], point["kernel"]
        if rank == 1:
            g_x, g_dk, g_pk = np.squeeze(g_x, 1 if fmt == "channels_last" else 2), g_dk[0], g_pk[0]
        return {"x": _like(g_x, x), "depthwise_kernel": _like(g_dk, depthwise_kernel),
                "pointwise_kernel": _like(g_pk, pointwise_kernel)}
    return rule_


RULES["separable_conv1d"] = _separable_rule("separable_conv1d", 1)
RULES["separable_conv2d"] = _separable_rule("separable_conv2d", 2)


def _local_rule(rank):
    def rule_(g, out, inputs, kernel, kernel_size, strides, output_shape=None, data_format=None):
        fn = f"local_conv{rank}d"
        x, kernel, g = np.asarray(inputs), np.asarray(kernel), np.asarray(g)
        channels_last = _nn_shared._data_format(data_format, fn) == "channels_last"
        kernel_size = _nn_shared._tuple(kernel_size, rank, fn, "kernel_size")
        strides = _nn_shared._tuple(strides, rank, fn, "strides")
        if not channels_last:
            g = np.moveaxis(g, 1, -1)
        outs = g.shape[1:1 + rank]
        g_x = np.zeros(x.shape, g.dtype)
        g_kernel = np.zeros(kernel.shape, g.dtype)
        for position, index in enumerate(np.ndindex(*outs)):
            window = tuple(slice(i * s, i * s + k) for i, s, k in zip(index, strides, kernel_size))
            full = (slice(None),) + window + (slice(None),) if channels_last else \
                (slice(None), slice(None)) + window
            patch = x[full].reshape(x.shape[0], -1)
            g_p = g[(slice(None),) + index]                     # (N, filters)
            g_kernel[position] = patch.T @ g_p
            g_x[full] += (g_p @ kernel[position].T).reshape(x[full].shape)
        return {"inputs": _like(g_x, x), "kernel": _like(g_kernel, kernel)}
    return rule_


RULES["local_conv1d"] = _local_rule(1)
RULES["local_conv2d"] = _local_rule(2)


# -- CTC: the forward-backward algorithm
# ------------------------------------------------------------

@rule("ctc_batch_cost")
def _ctc_batch_cost(g, out, y_true, y_pred, input_length, label_length):
    """d loss / d y_pred from the alpha-beta recursions (in log space), then back through
    ``log_softmax(log(y_pred + epsilon))`` as ``common.ctc.ctc_forward`` computes it."""
    y = np.asarray(y_pred, np.float64)
    batch, time, classes = y.shape
    blank = classes - 1
    logits = np.log(y + _epsilon())
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    g = np.asarray(g, np.float64).reshape(batch)
    labels = np.asarray(y_true).reshape(batch, -1)
    in_len = np.asarray(input_length).reshape(batch).astype(np.int64)
    lab_len = np.asarray(label_length).reshape(batch).astype(np.int64)
    grad_lp = np.zeros_like(log_probs)
    for b in range(batch):
        grad_lp[b, :in_len[b]] = -g[b] * _ctc_occupancy(
            log_probs[b, :in_len[b]], [int(c) for c in labels[b, :lab_len[b]]], blank)
    softmax = np.exp(log_probs)
    grad_logits = grad_lp - softmax * grad_lp.sum(axis=-1, keepdims=True)
    return {"y_pred": _like(grad_logits / (y + _epsilon()), y_pred)}


def _ctc_occupancy(lp, label, blank):
    """d log p(label) / d lp[t, k] for frames ``lp`` (time, classes) of log-probabilities."""
    ext = [blank]
    for c in label:
        ext += [c, blank]
    ext = np.array(ext)
    time, width = len(lp), len(ext)
    skip = np.zeros(width, bool)  # s may be reached from s - 2
    skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
    emit = lp[:, ext]             # (time, width)
    alpha = np.full((time, width), -np.inf)
    beta = np.full((time, width), -np.inf)
    alpha[0, :min(2, width)] = emit[0, :min(2, width)]
    beta[-1, max(width - 2, 0):] = emit[-1, max(width - 2, 0):]
    with np.errstate(invalid="ignore"):
        for t in range(1, time):
            prev = alpha[t - 1]
            terms = prev.copy()
            terms[1:] = np.logaddexp(terms[1:], prev[:-1])
            terms[2:] = np.where(skip[2:], np.logaddexp(terms[2:], prev[:-2]), terms[2:])
            alpha[t] = terms + emit[t]
        for t in range(time - 2, -1, -1):
            nxt = beta[t + 1]
            terms = nxt.copy()
            terms[:-1] = np.logaddexp(terms[:-1], nxt[1:])
            terms[:-2] = np.where(skip[2:], np.logaddexp(terms[:-2], nxt[2:]), terms[:-2])
            beta[t] = terms + emit[t]
    tail = alpha[-1, max(width - 2, 0):]
    log_p = np.logaddexp.reduce(tail)
    occupancy = np.zeros_like(lp)
    if not np.isfinite(log_p):
        return occupancy
    gamma = np.exp(alpha + beta - emit - log_p)  # (time, width): paths through s at t
    for s, k in enumerate(ext):
        occupancy[:, k] += gamma[:, s]
    return occupancy


# -- fused recurrent layers (backpropagation through time in fused_rnn.py) -------------------

def _taped_rule(forward, backward):
    """``TAPED`` entry and the plain rule that recomputes the tape."""
    def taped_forward(**params):
        return forward(**params, keep=True)

    def recomputing(g, out, **params):
        return backward(g, out, taped_forward(**params)[1], **params)
    return (taped_forward, backward), recomputing


for _name, _forward, _backward in (("fused_lstm", _fused.lstm_forward, _fused.lstm_backward),
                                   ("fused_gru", _fused.gru_forward, _fused.gru_backward)):
    TAPED[_name], RULES[_name] = _taped_rule(_forward, _backward)
