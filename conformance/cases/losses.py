"""Conformance cases: cross-entropies and in_top_k (references written out in float64)."""

import itertools

import numpy as np

from ..framework import FLOAT_DTYPES, Case, ErrorCase, cases_for

EPS = 1e-7


def _softmax(z, axis):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _cce_reference(target, output, from_logits, axis):
    if from_logits:
        p = _softmax(output, axis)
    else:
        p = output / output.sum(axis=axis, keepdims=True)
    p = np.clip(p, EPS, 1 - EPS) if not from_logits else p
    return -(target * np.log(p)).sum(axis=axis)


def _sparse_reference(target, output, from_logits, axis):
    output = np.moveaxis(output, axis, -1)
    if not from_logits:
        output = np.log(np.clip(output, EPS, 1 - EPS))
    log_p = output - np.log(np.exp(output - output.max(-1, keepdims=True)).sum(-1, keepdims=True)) \
        - output.max(-1, keepdims=True)
    out = np.zeros(output.shape[:-1])
    for idx in itertools.product(*[range(d) for d in output.shape[:-1]]):
        out[idx] = -log_p[idx + (int(target[idx]),)]
    return out


def _bce_reference(target, output, from_logits):
    if from_logits:
        p = 1 / (1 + np.exp(-output))
        return -(target * np.log(p) + (1 - target) * np.log(1 - p))
    p = np.clip(output, EPS, 1 - EPS)
    return -(target * np.log(p) + (1 - target) * np.log(1 - p))


@cases_for("categorical_crossentropy")
def _cce(rng):
    for shape, axis in [((4, 5), -1), ((2, 3, 4), -1), ((2, 3, 4), 1), ((6, 3), 0)]:
        for dtype, from_logits in itertools.product(("float32", "float64"), (False, True)):
            logits = rng.standard_normal(shape)
            labels = rng.integers(0, shape[axis], size=np.delete(shape, axis % len(shape)))
            target = np.moveaxis(np.eye(shape[axis])[labels], -1, axis)
            output = logits if from_logits else _softmax(logits, axis)
            output, target = output.astype(dtype), target.astype(dtype)
            yield Case(args=(target, output), kwargs={"from_logits": from_logits, "axis": axis},
                       expected=_cce_reference(target.astype(np.float64), output.astype(np.float64),
                                               from_logits, axis), dtype=dtype)
    probs = np.array([[1.0, 0.0, 0.0]], "float32")
    yield Case(args=(np.array([[0.0, 1.0, 0.0]], "float32"), probs),
               expected=np.array([-np.log(EPS)]),
               dtype="float32", rtol=1e-3, label="zero probability is clipped, finite")
    yield ErrorCase(args=(np.ones((2, 3), "float32"), np.ones((2, 4), "float32")), match="shape")


@cases_for("sparse_categorical_crossentropy")
def _scce(rng):
    for shape, axis in [((4, 5), -1), ((2, 3, 4), -1), ((2, 3, 4), 1)]:
        for dtype, from_logits in itertools.product(("float32", "float64"), (False, True)):
            logits = rng.standard_normal(shape)
            batch_shape = tuple(np.delete(shape, axis % len(shape)))
            labels = rng.integers(0, shape[axis], size=batch_shape)
            output = (logits if from_logits else _softmax(logits, axis)).astype(dtype)
            yield Case(args=(labels.astype("int32"), output),
                       kwargs={"from_logits": from_logits, "axis": axis},
                       expected=_sparse_reference(labels, output.astype(np.float64), from_logits,
                                                  axis),
                       dtype=dtype)
    output = _softmax(rng.standard_normal((4, 3)), -1).astype("float32")
    labels = np.array([[0], [2], [1], [1]], "float32")
    yield Case(args=(labels, output),
               expected=_sparse_reference(labels[:, 0], output.astype(np.float64), False, -1),
               dtype="float32", label="float targets with a trailing 1")
    yield ErrorCase(args=(np.zeros((3,), "int32"), np.ones((4, 5), "float32")), match="target")


@cases_for("binary_crossentropy")
def _bce(rng):
    for shape in [(5,), (3, 4), (2, 3, 2), ()]:
        for dtype, from_logits in itertools.product(FLOAT_DTYPES, (False, True)):
            z = rng.standard_normal(shape) * 2
            target = (rng.uniform(size=shape) > 0.5).astype(dtype)
            output = (z if from_logits else 1 / (1 + np.exp(-z))).astype(dtype)
            yield Case(args=(target, output), kwargs={"from_logits": from_logits},
                       expected=_bce_reference(target.astype(np.float64), output.astype(np.float64),
                                               from_logits),
                       dtype=dtype, rtol=3e-2 if dtype == "float16" else None,
                       atol=3e-2 if dtype == "float16" else None)
    big = np.array([-100.0, 100.0])
    yield Case(args=(np.array([1.0, 0.0]), big), kwargs={"from_logits": True},
               expected=np.array([100.0, 100.0]), dtype="float64", label="large logits stay finite")


def _in_top_k_reference(predictions, targets, k):
    out = []
    for row, t in zip(predictions, targets):
        if not np.all(np.isfinite(row)):
            out.append(False)
            continue
        out.append(sum(1 for v in row if v > row[t]) < k)
    return np.array(out, dtype=bool)


@cases_for("in_top_k")
def _in_top_k(rng):
    for k in (1, 2, 3, 5):
        predictions = rng.standard_normal((6, 5)).astype("float32")
        targets = rng.integers(0, 5, size=6).astype("int32")
        yield Case(args=(predictions, targets, k),
                   expected=_in_top_k_reference(predictions, targets, k), dtype="bool")
    ties = np.array([[0.1, 0.5, 0.5, 0.2], [0.3, 0.3, 0.3, 0.3]], "float32")
    targets = np.array([2, 3], "int32")
    yield Case(args=(ties, targets, 1), expected=np.array([True, True]), dtype="bool",
               label="ties count as in")
    yield ErrorCase(args=(np.ones((2, 3), "float32"), np.ones((3,), "int32"), 1), match="shape")
