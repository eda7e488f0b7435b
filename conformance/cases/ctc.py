"""Conformance cases: CTC against a textbook forward algorithm and brute-force decoding."""

import itertools

import numpy as np

from ..framework import Case, CustomCase, ErrorCase, cases_for

EPS = 1e-7


def _frames(y_pred):
    """The log-probabilities CTC sees: log_softmax(log(y_pred + eps)), float64."""
    logits = np.log(y_pred.astype(np.float64) + EPS)
    return logits - np.log(np.exp(logits).sum(-1, keepdims=True))


def ctc_forward(log_probs, label, blank):
    """-log p(label) by the forward algorithm, with plain loops over time and positions."""
    ext = [blank]
    for c in label:
        ext += [c, blank]
    alpha = np.full(len(ext), -np.inf)
    alpha[0] = log_probs[0, blank]
    if len(ext) > 1:
        alpha[1] = log_probs[0, ext[1]]
    for t in range(1, len(log_probs)):
        new = np.full(len(ext), -np.inf)
        for s in range(len(ext)):
            terms = [alpha[s]]
            if s >= 1:
                terms.append(alpha[s - 1])
            if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
                terms.append(alpha[s - 2])
            new[s] = np.logaddexp.reduce(terms) + log_probs[t, ext[s]]
        alpha = new
    tail = [alpha[-1]] + ([alpha[-2]] if len(ext) > 1 else [])
    return -np.logaddexp.reduce(tail)


def _collapse(path, blank):
    out, previous = [], None
    for c in path:
        if c != previous and c != blank:
            out.append(c)
        previous = c
    return tuple(out)


def _softmax_outputs(rng, batch, time, classes):
    p = rng.uniform(0.05, 1.0, size=(batch, time, classes)) ** 3
    return p / p.sum(-1, keepdims=True)


@cases_for("ctc_batch_cost")
def _batch_cost(rng):
    for batch, time, classes, max_label in ((1, 5, 4, 2), (3, 8, 5, 3), (2, 12, 3, 4)):
        for dtype in ("float32", "float64"):
            y_pred = _softmax_outputs(rng, batch, time, classes).astype(dtype)
            input_length = rng.integers(max_label * 2, time + 1, size=(batch, 1))
            label_length = rng.integers(0, max_label + 1, size=(batch, 1))
            labels = rng.integers(0, classes - 1, size=(batch, max_label))
            labels[0, :2] = 1  # a repeated label needs a blank in between
            padded = np.where(np.arange(max_label) < label_length, labels, -1)
            lp = _frames(y_pred)
            expected = np.array([[ctc_forward(lp[b, :input_length[b, 0]],
                                              list(padded[b, :label_length[b, 0]]),
                                              classes - 1)] for b in range(batch)])
            yield Case(args=(padded.astype("int32"), y_pred, input_length.astype("int32"),
                             label_length.astype("int32")), expected=expected, dtype=dtype)
    long = _softmax_outputs(rng, 1, 400, 6).astype("float32")
    labels = rng.integers(0, 5, size=(1, 50))
    expected = np.array([[ctc_forward(_frames(long)[0], list(labels[0]), 5)]])
    yield Case(args=(labels.astype("int32"), long, np.array([[400]], "int32"),
                     np.array([[50]], "int32")),
               expected=expected, dtype="float32", rtol=1e-4,
               label="400 frames: stable in log space")
    y = _softmax_outputs(rng, 2, 4, 3).astype("float32")
    yield ErrorCase(args=(np.zeros((2, 5), "int32"), y, np.array([[4], [4]]), np.array([[5], [1]])),
                    match="label", label="label longer than its input")
    yield ErrorCase(args=(np.zeros((2, 2), "int32"), y[0], np.array([[4]]), np.array([[1]])),
                    match="shape", label="y_pred not 3-D")


@cases_for("ctc_label_dense_to_sparse")
def _dense_to_sparse(rng):
    def check(b):
        labels = np.array([[3, 1, 9], [2, 9, 9], [0, 0, 4]], "int32")
        lengths = np.array([2, 1, 3], "int32")
        indices, values, dense_shape = b.ctc_label_dense_to_sparse(
            b.constant(labels, dtype="int32"), b.constant(lengths, dtype="int32"))
        np.testing.assert_array_equal(b.eval(indices),
                                      [[0, 0], [0, 1], [1, 0], [2, 0], [2, 1], [2, 2]])
        np.testing.assert_array_equal(b.eval(values), [3, 1, 2, 0, 0, 4])
        np.testing.assert_array_equal(b.eval(dense_shape), [3, 3])
        assert b.dtype(values) == "int32" and b.dtype(indices) == "int64"
    yield CustomCase(check, "indices, values and shape of TF's SparseTensor")
    yield ErrorCase(args=(np.zeros(3, "int32"), np.ones(1, "int32")), match="labels")


def _all_labelings(log_probs, blank):
    """Every labeling's total probability, by enumerating all alignments (tiny inputs only)."""
    totals = {}
    for path in itertools.product(range(log_probs.shape[1]), repeat=len(log_probs)):
        score = sum(log_probs[t, c] for t, c in enumerate(path))
        key = _collapse(path, blank)
        totals[key] = np.logaddexp(totals.get(key, -np.inf), score)
    return sorted(totals.items(), key=lambda kv: -kv[1])


@cases_for("ctc_decode")
def _decode(rng):
    def greedy(b):
        y = _softmax_outputs(rng, 3, 7, 4).astype("float32")
        lengths = np.array([7, 5, 0])
        decoded, log_p = b.ctc_decode(b.constant(y), b.constant(lengths, dtype="int32"))
        assert len(decoded) == 1
        logits = np.log(y.astype(np.float64) + EPS)
        paths = [_collapse(np.argmax(logits[i, :lengths[i]], -1).tolist(), 3) for i in range(3)]
        width = max(len(p) for p in paths)
        want = np.full((3, width), -1)
        for i, p in enumerate(paths):
            want[i, :len(p)] = p
        np.testing.assert_array_equal(b.eval(decoded[0]), want)
        assert b.int_shape(log_p) == (3, 1)
        np.testing.assert_allclose(b.eval(log_p)[:, 0],
                                   [-logits[i, :lengths[i]].max(-1).sum() for i in range(3)],
                                   rtol=1e-5)
    yield CustomCase(greedy, "greedy: argmax, merge repeats, drop blanks, -1 padding")

    def beam(b):
        y = _softmax_outputs(rng, 2, 4, 3)
        decoded, log_p = b.ctc_decode(b.constant(y, dtype="float64"),
                                      b.constant([4, 3], dtype="int32"),
                                      greedy=False, beam_width=50, top_paths=3)
        assert len(decoded) == 3 and b.int_shape(log_p) == (2, 3)
        lp = _frames(y)
        for i, length in enumerate((4, 3)):
            exact = _all_labelings(lp[i, :length], 2)[:3]
            for rank, (labeling, score) in enumerate(exact):
                row = b.eval(decoded[rank])[i]
                assert tuple(int(v) for v in row if v != -1) == labeling, (rank, row, labeling)
                np.testing.assert_allclose(b.eval(log_p)[i, rank], score, rtol=1e-9)
    yield CustomCase(beam, "beam search equals exhaustive search on a tiny alphabet")
    yield ErrorCase(args=(np.ones((1, 3, 3), "float32"), np.array([3])),
                    kwargs={"greedy": False, "beam_width": 1, "top_paths": 2}, match="beam_width")
    yield ErrorCase(args=(np.ones((1, 3, 3), "float32"), np.array([4])), match="input_length")
