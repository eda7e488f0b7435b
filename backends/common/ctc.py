"""Connectionist temporal classification, written once over :class:`~.ops.Ops`.

As in Keras 2.2 (TensorFlow), ``y_pred`` holds softmax probabilities; they
enter CTC as logits ``log(y_pred + epsilon)`` (so each frame is renormalised)
and the blank is the last class. ``ctc_batch_cost`` runs the forward
algorithm in log space on the backend, vectorised over batch and label
positions. Decoding is a sequential, data-dependent search: it runs on the
host in NumPy and returns backend tensors.
"""

from __future__ import annotations

import collections

import numpy as np

from polykeras.backend.config import epsilon

__all__ = ["ctc_label_dense_to_sparse", "ctc_batch_cost", "ctc_decode"]

#: The backend-neutral sparse representation of labels (TensorFlow's SparseTensor fields):
#: ``indices`` (nnz, 2) int64 of (batch, position), ``values`` (nnz,) int32, ``dense_shape`` (2,)
#: int64.
SparseLabels = collections.namedtuple("SparseLabels", ["indices", "values", "dense_shape"])


def _lengths(ops, lengths, batch, fn, name):
    lengths = ops.xp.reshape(ops.as_tensor(lengths), (-1,))
    if ops.shape_of(lengths) != (batch,):
        raise ValueError(f"{fn}: Expected {name} of shape (batch, 1) or (batch,) with "
                         f"batch={batch}. "
                         f"Received: shape {ops.shape_of(lengths)}")
    return ops.xp.astype(lengths, ops.native_dtype("int64"))


def _host(x):
    """Concrete values of a small integer tensor, or None while it is being traced (jax.jit)."""
    try:
        return np.asarray(x.cpu() if hasattr(x, "cpu") else x)
    except Exception:  # noqa: BLE001 - a tracer has no concrete value: skip host-side checks
        return None


def ctc_label_dense_to_sparse(ops, labels, label_lengths):
    xp = ops.xp
    labels = ops.as_tensor(labels)
    shape = ops.shape_of(labels)
    if len(shape) != 2:
        raise ValueError("ctc_label_dense_to_sparse: Expected labels of shape (batch, "
                         "max_length). "
                         f"Received: shape {shape}")
    lengths = _lengths(ops, label_lengths, shape[0], "ctc_label_dense_to_sparse", "label_lengths")
    keep = xp.arange(shape[1], dtype=ops.native_dtype("int64"))[None, :] < lengths[:, None]
    host_keep = _host(keep)
    rows, cols = np.nonzero(host_keep)
    indices = ops.as_tensor(np.stack([rows, cols], axis=1).astype(np.int64).reshape(-1, 2))
    values = xp.astype(labels[ops.as_tensor(rows.astype(np.int64)),
                              ops.as_tensor(cols.astype(np.int64))],
                       ops.native_dtype("int32"))
    dense_shape = ops.as_tensor(np.array(shape, np.int64))
    return SparseLabels(indices, values, dense_shape)


#: log(0) in the forward algorithm: a large finite negative number rather than -inf, so that
#: gradients through unreachable states are 0 instead of NaN (exp(NEG - peak) underflows to 0).
NEG = -1e30


def _logaddexp3(xp, a, b, c):
    peak = xp.maximum(xp.maximum(a, b), c)
    safe = xp.where(xp.isfinite(peak), peak, xp.zeros_like(peak))
    with np.errstate(divide="ignore"):  # log(0) = -inf is the intended value for unreachable states
        return xp.log(xp.exp(a - safe) + xp.exp(b - safe) + xp.exp(c - safe)) + safe


def ctc_batch_cost(ops, y_true, y_pred, input_length, label_length):
    y_pred = ops.as_tensor(y_pred)
    if ops.keras_dtype(y_pred) not in ("float16", "bfloat16", "float32", "float64"):
        raise ValueError("ctc_batch_cost: Expected float y_pred. Received: dtype "
                         f"{ops.keras_dtype(y_pred)}")
    shape = ops.shape_of(y_pred)
    if len(shape) != 3:
        raise ValueError(f"ctc_batch_cost: Expected y_pred of shape (batch, time, classes). "
                         f"Received: shape {shape}")
    batch, time, classes = shape
    y_true = ops.as_tensor(y_true)
    if len(ops.shape_of(y_true)) != 2 or ops.shape_of(y_true)[0] != batch:
        raise ValueError(f"ctc_batch_cost: Expected y_true of shape (batch={batch}, "
                         "max_label_length). "
                         f"Received: shape {ops.shape_of(y_true)}")
    max_label = ops.shape_of(y_true)[1]
    input_length = _lengths(ops, input_length, batch, "ctc_batch_cost", "input_length")
    label_length = _lengths(ops, label_length, batch, "ctc_batch_cost", "label_length")
    host_in, host_lab = _host(input_length), _host(label_length)
    if host_in is not None and host_lab is not None:
        if (np.any(host_lab > max_label) or np.any(host_lab < 0) or np.any(host_in > time)
                or np.any(host_in < 1)):
            raise ValueError(f"ctc_batch_cost: Expected 0 <= label_length <= {max_label} and "
                             f"1 <= input_length <= {time}. Received: "
                             f"label_length={host_lab.tolist()}, "
                             f"input_length={host_in.tolist()}")
        if np.any(host_lab > host_in):
            raise ValueError("ctc_batch_cost: Expected labels no longer than their inputs. "
                             f"Received: label_length={host_lab.tolist()}, "
                             f"input_length={host_in.tolist()}")
    forward = ops.ctc_forward if getattr(ops, "ctc_forward", None) else ctc_forward
    return forward(ops, y_true, y_pred, input_length, label_length)


def ctc_forward(ops, y_true, y_pred, input_length, label_length):
    """The forward algorithm on checked inputs: ``-log p(labels | y_pred)``, shape (batch, 1).

    Pure array code (no host reads), so a backend may compile it whole
    (``Ops.ctc_forward``; JAX does, with ``jax.jit``).
    """
    xp = ops.xp
    batch, time, classes = ops.shape_of(y_pred)
    max_label = ops.shape_of(y_true)[1]
    int64 = ops.native_dtype("int64")
    blank = classes - 1
    logits = xp.log(y_pred + epsilon())
    shifted = logits - xp.max(logits, axis=-1, keepdims=True)
    log_probs = shifted - xp.log(xp.sum(xp.exp(shifted), axis=-1, keepdims=True))

    positions = xp.arange(max_label, dtype=int64)
    labels = xp.where(positions[None, :] < label_length[:, None], xp.astype(y_true, int64),
                      xp.full((batch, max_label), blank, dtype=int64))
    blanks = xp.full((batch, max_label), blank, dtype=int64)
    # extended labels: blank, l1, blank, l2, ..., blank  (length 2L + 1)
    extended = xp.concat([xp.reshape(xp.stack([blanks, labels], axis=2), (batch, 2 * max_label)),
                          xp.full((batch, 1), blank, dtype=int64)], axis=1)
    width = 2 * max_label + 1
    one_hot = xp.astype(extended[:, :, None] == xp.arange(classes, dtype=int64), log_probs.dtype)
    # log-probability of each extended label at each frame: (batch, time, width)
    frame = xp.matmul(log_probs, xp.permute_dims(one_hot, (0, 2, 1)))
    previous_two = xp.concat([xp.full((batch, 2), -1, dtype=int64), extended[:, :-2]], axis=1)
    can_skip = xp.logical_and(extended != blank, extended != previous_two)

    neg_inf = xp.full((batch, 1), NEG, dtype=log_probs.dtype)
    start = xp.arange(width, dtype=int64)[None, :] < 2
    alpha = xp.where(start, frame[:, 0], xp.full((batch, width), NEG, dtype=log_probs.dtype))
    still_running = xp.arange(1, time, dtype=int64)[:, None] < input_length[None, :]

    def step(alpha, inputs):
        frame_t, running = inputs
        one_back = xp.concat([neg_inf, alpha[:, :-1]], axis=1)
        two_back = xp.concat([neg_inf, neg_inf, alpha[:, :-2]], axis=1)
        two_back = xp.where(can_skip, two_back, xp.full_like(two_back, NEG))
        updated = _logaddexp3(xp, alpha, one_back, two_back) + frame_t
        return xp.where(running[:, None], updated, alpha)

    if time > 1:
        frames = xp.permute_dims(frame[:, 1:], (1, 0, 2))  # (time - 1, batch, width)
        alpha = ops.fold(lambda a, i: step(a, (frames[i], still_running[i])), alpha,
                         xp.arange(time - 1, dtype=int64))
    last = 2 * label_length
    at_last = xp.astype(xp.arange(width, dtype=int64)[None, :] == last[:, None], alpha.dtype)
    before_last = xp.astype(xp.arange(width, dtype=int64)[None, :] == (last - 1)[:, None],
                            alpha.dtype)
    final = xp.stack([_pick(xp, alpha, at_last), _pick(xp, alpha, before_last)], axis=1)
    peak = xp.max(final, axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        log_likelihood = xp.log(xp.sum(xp.exp(final - peak), axis=1)) + peak[:, 0]
    return xp.reshape(-log_likelihood, (batch, 1))


def _pick(xp, alpha, selector):
    """alpha at the one position where ``selector`` is 1 (-inf when there is none)."""
    chosen = xp.where(selector > 0, alpha, xp.full_like(alpha, NEG))
    return xp.max(chosen, axis=1)


# -- decoding (host side) ---------------------------------------------------------------

def _greedy(log_probs, lengths, blank):
    paths, scores = [], []
    for b in range(log_probs.shape[0]):
        frames = log_probs[b, :lengths[b]]
        best = frames.argmax(axis=1)
        path, previous = [], None
        for c in best:
            if c != previous and c != blank:
                path.append(int(c))
            previous = c
        paths.append(path)
        scores.append(-frames.max(axis=1).sum())
    return [paths], np.array(scores)[:, None]


def _logsumexp2(a, b):
    if a == -np.inf:
        return b
    if b == -np.inf:
        return a
    peak = max(a, b)
    return peak + np.log(np.exp(a - peak) + np.exp(b - peak))


def _prefix_beam_search(frames, blank, beam_width, top_paths):
    """CTC prefix beam search over ``frames`` (time, classes) of log-probabilities."""
    beams = {(): (0.0, -np.inf)}  # prefix -> (log p ending in blank, log p ending in non-blank)
    for frame in frames:
        candidates = collections.defaultdict(lambda: [-np.inf, -np.inf])
        for prefix, (p_blank, p_label) in beams.items():
            total = _logsumexp2(p_blank, p_label)
            entry = candidates[prefix]
            entry[0] = _logsumexp2(entry[0], total + frame[blank])
            for c in range(len(frame)):
                if c == blank:
                    continue
                extended = prefix + (c,)
                entry_ext = candidates[extended]
                if prefix and prefix[-1] == c:
                    entry_ext[1] = _logsumexp2(entry_ext[1], p_blank + frame[c])
                    entry[1] = _logsumexp2(entry[1], p_label + frame[c])
                else:
                    entry_ext[1] = _logsumexp2(entry_ext[1], total + frame[c])
        ranked = sorted(candidates.items(), key=lambda kv: -_logsumexp2(*kv[1]))
        beams = {prefix: tuple(p) for prefix, p in ranked[:beam_width]}
    ranked = sorted(beams.items(), key=lambda kv: -_logsumexp2(*kv[1]))[:top_paths]
    return [(list(prefix), _logsumexp2(*p)) for prefix, p in ranked]


def ctc_decode(ops, y_pred, input_length, greedy=True, beam_width=100, top_paths=1):
    y_pred = ops.as_tensor(y_pred)
    shape = ops.shape_of(y_pred)
    if len(shape) != 3:
        raise ValueError("ctc_decode: Expected y_pred of shape (batch, time, classes). Received: "
                         f"shape {shape}")
    batch, time, classes = shape
    lengths = _host(_lengths(ops, input_length, batch, "ctc_decode", "input_length"))
    if np.any(lengths > time) or np.any(lengths < 0):
        raise ValueError(f"ctc_decode: Expected 0 <= input_length <= {time}. Received: "
                         f"{lengths.tolist()}")
    if not greedy and (top_paths < 1 or beam_width < top_paths):
        raise ValueError(f"ctc_decode: Expected 1 <= top_paths <= beam_width. "
                         f"Received: top_paths={top_paths}, beam_width={beam_width}")
    probs = np.asarray(_host(y_pred), np.float64)
    logits = np.log(probs + epsilon())
    log_probs = logits - np.log(np.exp(logits - logits.max(-1, keepdims=True)).sum(-1,
                                                                                   keepdims=True)) \
        - logits.max(-1, keepdims=True)
    blank = classes - 1
    if greedy:
        paths_per_rank, scores = _greedy(logits, lengths, blank)
    else:
        paths_per_rank = [[None] * batch for _ in range(top_paths)]
        scores = np.full((batch, top_paths), -np.inf)
        for b in range(batch):
            found = _prefix_beam_search(log_probs[b, :lengths[b]], blank, beam_width, top_paths)
            for rank in range(top_paths):
                path, score = found[rank] if rank < len(found) else ([], -np.inf)
                paths_per_rank[rank][b] = path
                scores[b, rank] = score
    decoded = []
    for paths in paths_per_rank:
        width = max([len(p) for p in paths] + [0])
        dense = np.full((batch, width), -1, np.int64)
        for b, path in enumerate(paths):
            dense[b, :len(path)] = path
        decoded.append(ops.as_tensor(dense))
    return decoded, ops.as_tensor(scores.astype(probs.dtype if ops.keras_dtype(y_pred) == "float64"
                                                else np.float32))
