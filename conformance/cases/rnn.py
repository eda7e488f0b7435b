"""Conformance cases: ``rnn`` against an explicit float64 time loop.

The ``Case`` cases come first: the gradient check differentiates them with
respect to the inputs, the initial states, the constants and the weights the
step function reads from outside (a :class:`Closure`), with masks,
``go_backwards`` and ``unroll``.
"""

import numpy as np

from ..framework import Case, Closure, CustomCase, cases_for


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
        z = (b.dot(x_t, b.constant(kernel, dtype=b.dtype(x_t)))
             + b.dot(h, b.constant(recurrent, dtype=b.dtype(x_t))))
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
            go_backwards=go_backwards,
            mask=None if mask is None else b.constant(mask, dtype="bool"),
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


def _cell(b, kernel, recurrent):
    """An LSTM-like step reading its weights from outside, as a Keras cell does; with a
    third state, it is the constant ``scale``. ``b``: a backend, or NumPy for the reference."""
    dot = np.dot if b is np else b.dot
    tanh = np.tanh if b is np else b.tanh

    def step(x_t, states):
        h, c = states[0], states[1]
        scale = states[2] if len(states) > 2 else 1.0
        c_new = tanh(dot(x_t, kernel) + dot(h, recurrent)) * scale + c * 0.5
        return tanh(c_new) * 2.0, [tanh(c_new), c_new]
    return step


def _nested_cell(b, kernel):
    """A step whose new state comes from ``map_fn`` over the batch, closing over ``kernel``."""
    map_fn = b.map_fn if b is not np else (lambda fn, rows: np.stack([fn(r) for r in rows]))
    tanh = np.tanh if b is np else b.tanh

    def step(x_t, states):
        both = x_t + states[0]
        h = map_fn(lambda row: tanh(row * kernel), both)
        return h, [h]
    return step


def _closure_case(rng, batch, time, go_backwards, use_mask, unroll):
    units, features = 3, 2
    inputs = rng.standard_normal((batch, time, features)).astype("float32")
    kernel = (rng.standard_normal((features, units)) * 0.5).astype("float32")
    recurrent = (rng.standard_normal((units, units)) * 0.5).astype("float32")
    h0, c0 = (rng.standard_normal((batch, units)).astype("float32") for _ in range(2))
    scale = rng.uniform(0.5, 1.5, size=(batch, units)).astype("float32")
    mask = (rng.uniform(size=(batch, time)) > 0.3) if use_mask else None
    if use_mask:
        mask[0, -1] = False  # a masked last step: the last output is an earlier one
    f64 = [a.astype(np.float64) for a in (inputs, kernel, recurrent, h0, c0, scale)]
    expected = _reference_rnn(_cell(np, f64[1], f64[2]), f64[0], f64[3:5], go_backwards, mask,
                              f64[5:])
    kwargs = {"go_backwards": go_backwards, "mask": mask, "constants": [scale], "unroll": unroll}
    return Case(args=(Closure(_cell, (kernel, recurrent), "lstm_like_cell"), inputs, [h0, c0]),
                kwargs=kwargs, expected=(expected[0], expected[1], list(expected[2])),
                dtype="float32", label=f"closure over kernels, constants, backwards={go_backwards} "
                                       f"mask={use_mask} unroll={unroll}")


def _nested_case(rng):
    # unrolled: on JAX an eager lax.scan compiles at every call, and the gradient check makes
    # several (the compiled scan is the first case's)
    batch, time, units = 2, 3, 3
    inputs = rng.standard_normal((batch, time, units)).astype("float32")
    kernel = rng.standard_normal((units,)).astype("float32")
    h0 = rng.standard_normal((batch, units)).astype("float32")
    f64 = [a.astype(np.float64) for a in (inputs, kernel, h0)]
    expected = _reference_rnn(_nested_cell(np, f64[1]), f64[0], [f64[2]], False, None, [])
    return Case(args=(Closure(_nested_cell, (kernel,), "map_fn_cell"), inputs, [h0]),
                kwargs={"unroll": True}, expected=(expected[0], expected[1], list(expected[2])),
                dtype="float32", label="step calling map_fn over a closure")


@cases_for("rnn")
def _rnn(rng):
    yield _closure_case(rng, 3, 4, go_backwards=False, use_mask=True, unroll=False)
    yield _closure_case(rng, 2, 3, go_backwards=True, use_mask=True, unroll=True)
    yield _nested_case(rng)
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
                b.rnn(step, b.constant(bad_inputs), [b.constant(np.zeros((2, 1), "float32"))],
                      **kwargs)
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


# -- fused_lstm / fused_gru (polykeras extensions) ---------------------------------------------

def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _reference_lstm(x, kernel, recurrent, bias, h0, c0, mask, go_backwards):
    """Keras 2.2.4's LSTMCell (tanh, sigmoid), gate by gate, in float64, run by the rnn loop."""
    units = recurrent.shape[0]
    bias = np.zeros(4 * units) if bias is None else bias
    (w_i, w_f, w_c, w_o), (u_i, u_f, u_c, u_o) = np.split(kernel, 4, 1), np.split(recurrent, 4, 1)
    b_i, b_f, b_c, b_o = np.split(bias, 4)

    def step(x_t, states):
        h, c = states
        i = _sigmoid(x_t @ w_i + b_i + h @ u_i)
        f = _sigmoid(x_t @ w_f + b_f + h @ u_f)
        c = f * c + i * np.tanh(x_t @ w_c + b_c + h @ u_c)
        h = _sigmoid(x_t @ w_o + b_o + h @ u_o) * np.tanh(c)
        return h, [h, c]
    last, outputs, states = _reference_rnn(step, x, [h0, c0], go_backwards, mask, [])
    return last, outputs, list(states)


def _reference_gru(x, kernel, recurrent, bias, h0, mask, go_backwards, reset_after):
    """Keras 2.2.4's GRUCell (tanh, sigmoid), gate by gate, in float64, run by the rnn loop."""
    units = recurrent.shape[0]
    zeros = np.zeros(3 * units)
    if bias is None:
        input_bias, recurrent_bias = zeros, zeros
    else:
        input_bias, recurrent_bias = (bias[0], bias[1]) if reset_after else (bias, zeros)
    (w_z, w_r, w_h), (u_z, u_r, u_h) = np.split(kernel, 3, 1), np.split(recurrent, 3, 1)
    (bi_z, bi_r, bi_h), (br_z, br_r, br_h) = np.split(input_bias, 3), np.split(recurrent_bias, 3)

    def step(x_t, states):
        h = states[0]
        z = _sigmoid(x_t @ w_z + bi_z + h @ u_z + br_z)
        r = _sigmoid(x_t @ w_r + bi_r + h @ u_r + br_r)
        if reset_after:
            candidate = np.tanh(x_t @ w_h + bi_h + r * (h @ u_h + br_h))
        else:
            candidate = np.tanh(x_t @ w_h + bi_h + (r * h) @ u_h)
        h = z * h + (1 - z) * candidate
        return h, [h]
    last, outputs, states = _reference_rnn(step, x, [h0], go_backwards, mask, [])
    return last, outputs, list(states)


def _fused_arrays(rng, gates, batch, time, features, units, dtype, bias_shape, n_states, use_mask):
    def array(*shape, scale=1.0):
        return (rng.standard_normal(shape) * scale).astype(dtype)
    inputs, kernel = array(batch, time, features), array(features, gates * units, scale=0.5)
    recurrent = array(units, gates * units, scale=0.5)
    bias = None if bias_shape is None else array(*bias_shape, scale=0.5)
    states = [array(batch, units) for _ in range(n_states)]
    mask = None
    if use_mask:
        mask = rng.uniform(size=(batch, time)) > 0.3
        mask[0, 0] = False  # a masked first step: the output is zeros, the states are kept
        mask[-1, -1] = False
    return inputs, kernel, recurrent, bias, states, mask


def _as64(value):
    if value is None:
        return None
    if isinstance(value, list):
        return [v.astype(np.float64) for v in value]
    return value.astype(np.float64)


def _fused_lstm_case(rng, batch, time, use_bias, use_mask, go_backwards, dtype="float32"):
    units, features = 3, 2
    arrays = _fused_arrays(rng, 4, batch, time, features, units, dtype,
                           (4 * units,) if use_bias else None, 2, use_mask)
    inputs, kernel, recurrent, bias, states, mask = arrays
    weights = [_as64(a) for a in (inputs, kernel, recurrent, bias)]
    expected = _reference_lstm(*weights, *_as64(states), mask, go_backwards)
    return Case(args=(inputs, kernel, recurrent, bias, states),
                kwargs={"mask": mask, "go_backwards": go_backwards}, expected=expected, dtype=dtype,
                label=f"bias={use_bias} mask={use_mask} backwards={go_backwards} {dtype}")


def _fused_gru_case(rng, batch, time, use_bias, use_mask, go_backwards, reset_after,
                    dtype="float32"):
    units, features = 3, 2
    bias_shape = ((2, 3 * units) if reset_after else (3 * units,)) if use_bias else None
    inputs, kernel, recurrent, bias, states, mask = _fused_arrays(
        rng, 3, batch, time, features, units, dtype, bias_shape, 1, use_mask)
    weights = [_as64(a) for a in (inputs, kernel, recurrent, bias)]
    expected = _reference_gru(*weights, _as64(states[0]), mask, go_backwards, reset_after)
    return Case(args=(inputs, kernel, recurrent, bias, states),
                kwargs={"mask": mask, "go_backwards": go_backwards, "reset_after": reset_after},
                expected=expected, dtype=dtype,
                label=f"reset_after={reset_after} bias={use_bias} mask={use_mask} "
                      f"backwards={go_backwards} {dtype}")


def _keras_lstm_step(b, kernel, recurrent, bias, units):
    """The step of Keras 2.2.4's LSTMCell (implementation 2: one product for all the gates),
    written with API functions: the generic path ``fused_lstm`` must agree with."""
    def step(x_t, states):
        h, c = states
        z = b.dot(x_t, kernel) + b.dot(h, recurrent)
        if bias is not None:
            z = z + bias
        i, f = b.sigmoid(z[:, :units]), b.sigmoid(z[:, units:2 * units])
        c = f * c + i * b.tanh(z[:, 2 * units:3 * units])
        h = b.sigmoid(z[:, 3 * units:]) * b.tanh(c)
        return h, [h, c]
    return step


def _keras_gru_step(b, kernel, recurrent, bias, units, reset_after):
    """The step of Keras 2.2.4's GRUCell (implementation 2), written with API functions."""
    input_bias, recurrent_bias = (bias[0], bias[1]) if (bias is not None and reset_after) else \
        (bias, None)

    def step(x_t, states):
        h = states[0]
        matrix_x = b.dot(x_t, kernel)
        if input_bias is not None:
            matrix_x = matrix_x + input_bias
        if reset_after:
            matrix_inner = b.dot(h, recurrent)
            if recurrent_bias is not None:
                matrix_inner = matrix_inner + recurrent_bias
        else:
            matrix_inner = b.dot(h, recurrent[:, :2 * units])
        z = b.sigmoid(matrix_x[:, :units] + matrix_inner[:, :units])
        r = b.sigmoid(matrix_x[:, units:2 * units] + matrix_inner[:, units:2 * units])
        if reset_after:
            recurrent_h = r * matrix_inner[:, 2 * units:]
        else:
            recurrent_h = b.dot(r * h, recurrent[:, 2 * units:])
        h = z * h + (1 - z) * b.tanh(matrix_x[:, 2 * units:] + recurrent_h)
        return h, [h]
    return step


def _equals_generic_rnn(name, configurations):
    """``name`` (fused) against ``rnn`` with the Keras cell's step, on variables: values and
    gradients with respect to every input, within float32 tolerance, for each configuration
    ``(arrays, kwargs)``. Each path has its own copy of the variables, so one ``gradients``
    of the sum of all the losses gives every path's gradients (one compilation on JAX).

    The configurations matter where a backend's fused path branches: NumPy's masked and
    unmasked loops, PyTorch's fused kernel (unmasked) and its fallback. JAX runs one code
    path for all (the float64 reference cases cover its options), so it checks the first
    configuration only: each costs seconds of XLA compilation."""
    def run(b):
        losses, fetched, variables, counts = [], [], [], []
        rng = np.random.default_rng(3)
        checked = configurations[:1] if b.backend() == "jax" else configurations
        for arrays, kwargs in checked:
            inputs, kernel, recurrent, bias, states, mask = arrays
            values = [inputs, kernel, recurrent] + ([] if bias is None else [bias]) + states
            mask_t = None if mask is None else b.constant(mask, dtype="bool")
            units = recurrent.shape[0]
            batch, time = inputs.shape[:2]
            shapes = [(batch, units), (batch, time, units)] + [(batch, units)] * len(states)
            projections = [rng.standard_normal(shape).astype("float32") for shape in shapes]
            for path in ("fused", "rnn"):
                own = [b.variable(v, dtype="float32") for v in values]
                x, w, u = own[:3]
                bias_var = None if bias is None else own[3]
                state_vars = own[-len(states):]
                if path == "fused":
                    result = getattr(b, name)(x, w, u, bias_var, state_vars, mask=mask_t, **kwargs)
                else:
                    step = (_keras_lstm_step(b, w, u, bias_var, units) if name == "fused_lstm" else
                            _keras_gru_step(b, w, u, bias_var, units, kwargs["reset_after"]))
                    result = b.rnn(step, x, state_vars, go_backwards=kwargs["go_backwards"],
                                   mask=mask_t)
                leaves = [result[0], result[1]] + list(result[2])
                projected = [b.sum(leaf * b.constant(p)) for leaf, p in zip(leaves, projections)]
                losses += projected
                fetched += leaves
                variables += own
            counts.append((len(leaves), len(own)))
        total = losses[0]
        for loss in losses[1:]:
            total = total + loss
        results = b.function([], fetched + b.gradients(total, variables))([])
        values, grads = results[:len(fetched)], results[len(fetched):]
        for (_arrays, kwargs), (n_leaves, n_vars) in zip(checked, counts):
            fused = values[:n_leaves] + grads[:n_vars]
            generic = values[n_leaves:2 * n_leaves] + grads[n_vars:2 * n_vars]
            values, grads = values[2 * n_leaves:], grads[2 * n_vars:]
            for i, (f, g) in enumerate(zip(fused, generic)):
                scale = max(1.0, float(np.abs(g).max()))
                np.testing.assert_allclose(
                    f, g, rtol=1e-4, atol=2e-5 * scale,
                    err_msg=f"{name} {kwargs}: fused vs rnn, fetched value {i}")
    return CustomCase(run, "equals rnn with the Keras cell's step: values and gradients")


def _fused_errors(name):
    def run(b):
        gates = 4 if name == "fused_lstm" else 3
        x = b.constant(np.zeros((2, 3, 4), "float32"))
        w = b.constant(np.zeros((4, gates * 5), "float32"))
        u = b.constant(np.zeros((5, gates * 5), "float32"))
        states = [b.constant(np.zeros((2, 5), "float32")) for _ in range(2 if gates == 4 else 1)]
        fn = getattr(b, name)
        bad = [
            ((b.constant(np.zeros((2, 4), "float32")), w, u, None, states), {}, "rank 3"),
            ((x, b.constant(np.zeros((3, gates * 5), "float32")), u, None, states), {}, "kernel"),
            ((x, w, b.constant(np.zeros((5, 5), "float32")), None, states), {}, "recurrent_kernel"),
            ((x, w, u, b.constant(np.zeros((7,), "float32")), states), {}, "bias"),
            ((x, w, u, None, states[:1] if gates == 4 else states * 2), {}, "initial_states"),
            ((x, w, u, None, [b.constant(np.zeros((2, 4), "float32"))] * len(states)), {},
             "initial state"),
            ((x, w, u, None, states), {"mask": b.constant(np.ones((2, 4), bool))}, "mask"),
        ]
        if name == "fused_gru":
            flat_bias = b.constant(np.zeros((15,), "float32"))
            bad.append(((x, w, u, flat_bias, states), {"reset_after": True}, "bias"))
        for args, kwargs, words in bad:
            try:
                fn(*args, **kwargs)
            except ValueError as exc:
                assert name in str(exc) and words in str(exc), str(exc)
            else:
                raise AssertionError(f"{name} accepted bad input ({words})")
    return CustomCase(run, "bad input is a clear error")


@cases_for("fused_lstm")
def _fused_lstm(rng):
    # the first two are gradient-checked: masked, and unmasked (PyTorch's fused kernel)
    yield _fused_lstm_case(rng, 3, 4, use_bias=True, use_mask=True, go_backwards=False)
    yield _fused_lstm_case(rng, 3, 4, use_bias=False, use_mask=False, go_backwards=True)
    yield _fused_lstm_case(rng, 2, 3, use_bias=True, use_mask=True, go_backwards=True,
                           dtype="float64")
    configurations = []
    for use_bias, use_mask, go_backwards in ((True, True, True), (True, False, False)):
        bias_shape = (12,) if use_bias else None
        arrays = _fused_arrays(rng, 4, 3, 4, 2, 3, "float32", bias_shape, 2, use_mask)
        configurations.append((arrays, {"go_backwards": go_backwards}))
    yield _equals_generic_rnn("fused_lstm", configurations)
    yield _fused_errors("fused_lstm")


@cases_for("fused_gru")
def _fused_gru(rng):
    # the first two are gradient-checked (PyTorch's fused kernel, reset_after=True unmasked,
    # against the generic path, gradients included, in the last case but one)
    yield _fused_gru_case(rng, 3, 4, True, True, False, reset_after=True)
    yield _fused_gru_case(rng, 3, 4, True, False, True, reset_after=False)
    yield _fused_gru_case(rng, 3, 4, False, False, True, reset_after=True)
    yield _fused_gru_case(rng, 2, 5, True, True, True, reset_after=False, dtype="float64")
    configurations = []
    for reset_after, use_mask, go_backwards in ((True, False, False), (False, True, True)):
        shape = (2, 9) if reset_after else (9,)
        arrays = _fused_arrays(rng, 3, 3, 4, 2, 3, "float32", shape, 1, use_mask)
        configurations.append((arrays, {"go_backwards": go_backwards, "reset_after": reset_after}))
    yield _equals_generic_rnn("fused_gru", configurations)
    yield _fused_errors("fused_gru")
