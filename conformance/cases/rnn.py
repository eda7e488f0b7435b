"""Conformance cases: ``rnn`` against an explicit float64 time loop."""

import numpy as np

from ..framework import CustomCase, cases_for


def _reference_rnn(step, inputs, states, go_backwards, mask, constants):
    """The Keras 2.2 rnn contract, written as a plain loop over time in float64."""
    batch, time = inputs.shape[:2]
    order = list(range(time))[::-1] if go_backwards else list(range(time))
    outputs, prev = [], None
    for t in order:
        out, new_states = step(inputs[:, t], list(states) + list(constants))
        if mask is not None:
            keep = mask[:, t].astype(bool)
            prev = np.zeros_like(out) if prev is None else prev
            shape = (batch,) + (1,) * (out.ndim - 1)
            out = np.where(keep.reshape(shape), out, prev)
            new_states = [np.where(keep.reshape((batch,) + (1,) * (n.ndim - 1)), n, s)
                          for n, s in zip(new_states, states)]
        prev, states = out, new_states
        outputs.append(out)
    return outputs[-1], np.stack(outputs, axis=1), states


def _lstm_like(b_or_np, kernel, recurrent):
    """A step with two states and a constant, written with API functions (or NumPy)."""
    def step(x_t, states):
        h, c, scale = states
        if b_or_np is np:
            z = x_t @ kernel + h @ recurrent
            c_new = np.tanh(z) * scale + c * 0.5
            return np.tanh(c_new), [np.tanh(c_new), c_new]
        b = b_or_np
        z = b.dot(x_t, b.constant(kernel, dtype=b.dtype(x_t))) + b.dot(h, b.constant(recurrent, dtype=b.dtype(x_t)))
        c_new = b.tanh(z) * scale + c * 0.5
        return b.tanh(c_new), [b.tanh(c_new), c_new]
    return step


def _case(batch, time, go_backwards, use_mask, unroll, dtype, rng):
    units, features = 3, 4
    inputs = rng.standard_normal((batch, time, features))
    kernel = rng.standard_normal((features, units)) * 0.5
    recurrent = rng.standard_normal((units, units)) * 0.5
    h0, c0 = rng.standard_normal((batch, units)), rng.standard_normal((batch, units))
    scale = rng.uniform(0.5, 1.5, size=(batch, units))
    mask = (rng.uniform(size=(batch, time)) > 0.3) if use_mask else None
    expected = _reference_rnn(_lstm_like(np, kernel, recurrent), inputs, [h0, c0], go_backwards,
                              mask, [scale])
    tol = 1e-4 if dtype == "float32" else 1e-9

    def run(b):
        cast = lambda a: b.constant(a.astype(dtype), dtype=dtype)  # noqa: E731
        last, outputs, states = b.rnn(
            _lstm_like(b, kernel, recurrent), cast(inputs), [cast(h0), cast(c0)],
            go_backwards=go_backwards, mask=None if mask is None else b.constant(mask, dtype="bool"),
            constants=[cast(scale)], unroll=unroll, input_length=time)
        assert b.int_shape(outputs) == (batch, time, units), b.int_shape(outputs)
        assert b.dtype(outputs) == dtype and b.dtype(last) == dtype
        np.testing.assert_allclose(b.eval(last), expected[0], rtol=tol, atol=tol)
        np.testing.assert_allclose(b.eval(outputs), expected[1], rtol=tol, atol=tol)
        assert len(states) == 2
        for got, want in zip(states, expected[2]):
            np.testing.assert_allclose(b.eval(got), want, rtol=tol, atol=tol)
    label = (f"batch={batch} time={time} backwards={go_backwards} mask={use_mask} "
             f"unroll={unroll} {dtype}")
    return CustomCase(run, label)


@cases_for("rnn")
def _rnn(rng):
    for batch, time in ((1, 1), (1, 5), (3, 4)):
        for go_backwards in (False, True):
            for use_mask in (False, True):
                for unroll in (False, True):
                    yield _case(batch, time, go_backwards, use_mask, unroll, "float32", rng)
    yield _case(2, 6, True, True, False, "float64", rng)

    def errors(b):
        def step(x, s):
            return x, s
        for bad_inputs, kwargs, words in [
                (np.ones((2, 3), "float32"), {}, "rank"),
                (np.ones((2, 3, 1), "float32"), {"mask": np.ones((2, 4), bool)}, "mask"),
                (np.ones((2, 3, 1), "float32"), {"input_length": 5}, "input_length")]:
            try:
                b.rnn(step, b.constant(bad_inputs), [b.constant(np.zeros((2, 1), "float32"))], **kwargs)
            except ValueError as exc:
                assert "rnn" in str(exc) and words in str(exc), str(exc)
            else:
                raise AssertionError(f"rnn accepted bad input ({words})")
    yield CustomCase(errors, "bad input is a clear error")

    def single_state_shapes(b):
        def step(x, states):
            new = states[0] + x
            return new * 2.0, [new]
        x = b.constant(np.ones((2, 3, 4, 5), "float32"))
        last, outs, states = b.rnn(step, x, [b.constant(np.zeros((2, 4, 5), "float32"))])
        assert b.int_shape(outs) == (2, 3, 4, 5) and b.int_shape(last) == (2, 4, 5)
        np.testing.assert_allclose(b.eval(states[0]), np.full((2, 4, 5), 3.0))
    yield CustomCase(single_state_shapes, "rank-4 inputs, operators only")
