"""Conformance cases: placeholders, compiled functions, gradients, learning phase, updates, session.

Expected values are written by hand (or computed in NumPy float64 here).
Every :class:`CustomCase` runs in a fresh session and puts the previous one
back afterwards (:func:`_isolated`), so no case leaks a fixed learning phase,
uid counters or name scopes into another.
"""

import contextlib
import functools
import io
import re

import numpy as np

from ..framework import Case, CustomCase, ErrorCase, cases_for

# -- helpers ---------------------------------------------------------------------------

def _isolated(check):
    """``check(b)`` run in a fresh session; the caller's session is restored afterwards."""
    @functools.wraps(check)
    def run(b):
        saved = b.get_session()
        b.clear_session()
        try:
            check(b)
        finally:
            b.set_session(saved)
    return run


def custom(check, label):
    return CustomCase(_isolated(check), label)


def _raises(exc_type, fn, *args, names=(), match=None, **kwargs):
    """``fn(*args, **kwargs)`` must raise ``exc_type``, its message containing every name in
    ``names`` (and matching the regex ``match`` when given)."""
    try:
        fn(*args, **kwargs)
    except exc_type as exc:
        message = str(exc)
        for name in names:
            assert name in message, \
                f"{type(exc).__name__} message does not name {name!r}: {message!r}"
        if match is not None:
            assert re.search(match, message), f"message {message!r} does not match {match!r}"
        return exc
    except Exception as exc:  # noqa: BLE001 - report the wrong type
        raise AssertionError(
            f"expected {exc_type.__name__}, got {type(exc).__name__}: {exc}") from exc
    raise AssertionError(f"expected {exc_type.__name__}, nothing was raised")


def _close(actual, expected, rtol=1e-5, atol=1e-6, what="value"):
    actual = np.asarray(actual, np.float64)
    expected = np.asarray(expected, np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    assert np.allclose(actual, expected, rtol=rtol, atol=atol), f"{what}: {actual} != {expected}"


def _flush_effects():
    """Wait for JAX's asynchronous debug callbacks (print_tensor inside jit), when JAX is loaded."""
    import sys
    jax = sys.modules.get("jax")
    if jax is not None and hasattr(jax, "effects_barrier"):
        jax.effects_barrier()


@contextlib.contextmanager
def _stdout():
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        yield buffer
        _flush_effects()


# -- placeholders --------------------------------------------------------------------------

@cases_for("placeholder")
def _placeholder(rng):
    def shapes_and_dtypes(b):
        x = b.placeholder(shape=(None, 3))
        assert b.int_shape(x) == (None, 3), b.int_shape(x)
        assert b.dtype(x) == b.floatx(), b.dtype(x)
        assert b.ndim(x) == 2
        assert x._keras_shape == (None, 3) and x._uses_learning_phase is False
        assert b.is_tensor(x)
        assert b.int_shape(b.placeholder(ndim=3)) == (None, None, None)
        assert b.int_shape(b.placeholder(shape=5)) == (5,)
        assert b.int_shape(b.placeholder(shape=())) == ()
        for dtype in ("float16", "float64", "int32", "int64", "uint8", "bool"):
            p = b.placeholder(shape=(2, None), dtype=dtype)
            assert b.dtype(p) == dtype and b.int_shape(p) == (2, None), (b.dtype(p), b.int_shape(p))
        # a derived tensor keeps the unknown dim
        y = b.sum(x, axis=1)
        assert b.int_shape(y) == (None,), b.int_shape(y)
    yield custom(shapes_and_dtypes, "int_shape with None dims, ndim, dtype")

    def names(b):
        a, c = b.placeholder(shape=(1,)), b.placeholder(shape=(1,))
        assert a.name != c.name, "default names must be unique"
        assert b.placeholder(shape=(1,), name="images").name == "images"

    yield custom(names, "names")

    def fed_any_batch_size(b):
        x = b.placeholder(shape=(None, 2), dtype="float64")
        f = b.function([x], [x * 2.0])
        for n in (1, 4, 0):
            value = rng.standard_normal((n, 2))
            out = f([value])[0]
            _close(out, value * 2.0, what=f"batch of {n}")
    yield custom(fed_any_batch_size, "a None dim takes any size")

    def sparse(b):
        import scipy.sparse
        x = b.placeholder(shape=(None, 4), sparse=True, dtype="float64")
        matrix = scipy.sparse.random(3, 4, density=0.5, random_state=1, format="csr")
        out = b.function([x], [x + 1.0])([matrix])[0]
        _close(out, matrix.toarray() + 1.0, what="sparse feed")
    yield custom(sparse, "sparse placeholder fed a scipy matrix")

    def eval_needs_feed(b):
        x = b.placeholder(shape=(2,), name="needed_input")
        _raises(ValueError, b.eval, x * 3.0, names=("needed_input",))
    yield custom(eval_needs_feed, "eval of a tensor needing a placeholder names it")

    yield ErrorCase(args=(), label="no shape nor ndim")
    yield ErrorCase(kwargs={"shape": (2, -1)}, match="non-negative")
    yield ErrorCase(kwargs={"shape": (2,), "dtype": "float99"})


@cases_for("is_placeholder")
def _is_placeholder(rng):
    def check(b):
        x = b.placeholder(shape=(2,))
        assert b.is_placeholder(x) is True
        assert b.is_placeholder(x * 2.0) is False
        assert b.is_placeholder(b.variable(np.zeros(2))) is False
        assert b.is_placeholder(b.constant(np.zeros(2))) is False
        assert b.is_placeholder(np.zeros(2)) is False
        assert b.is_placeholder(1.0) is False
    yield custom(check, "placeholders only")


@cases_for("is_keras_tensor")
def _is_keras_tensor(rng):
    def check(b):
        x = b.placeholder(shape=(2,))
        assert b.is_keras_tensor(x) is False
        assert b.is_keras_tensor(b.variable(np.zeros(2))) is False
        assert b.is_keras_tensor(b.constant(np.zeros(2))) is False
        y = x * 2.0
        y._keras_history = (None, 0, 0)
        assert b.is_keras_tensor(y) is True
    yield custom(check, "only tensors with _keras_history")
    yield ErrorCase(args=(1.0,), label="a number is not a tensor")
    yield ErrorCase(args=("text",), label="a string is not a tensor")


# -- function --------------------------------------------------------------------------------

@cases_for("function")
def _function(rng):
    a_value = rng.standard_normal((3, 2))
    b_value = rng.standard_normal((3, 2))

    def feeds(b):
        x = b.placeholder(shape=(None, 2), dtype="float64", name="x_in")
        y = b.placeholder(shape=(None, 2), dtype="float64", name="y_in")
        f = b.function([x, y], [x + y, x * y])
        for out in (f([a_value, b_value]), f((a_value, b_value)),
                    f({"y_in": b_value, "x_in": a_value}), f({x: a_value, y: b_value})):
            assert isinstance(out, list) and len(out) == 2, type(out)
            assert all(isinstance(o, np.ndarray) for o in out), [type(o) for o in out]
            _close(out[0], a_value + b_value, what="x + y")
            _close(out[1], a_value * b_value, what="x * y")
        single = b.function([x], b.sum(x))([a_value])
        assert isinstance(single, list) and len(single) == 1
        _close(single[0], a_value.sum(), what="single output")
        assert b.function([], [b.constant(np.float64(2.0)) * 3.0])([])[0] == 6.0
    yield custom(feeds, "list, tuple, dict by name and by placeholder; single output")

    def wrong_feeds(b):
        x = b.placeholder(shape=(None, 2), dtype="float64", name="x_in")
        y = b.placeholder(shape=(None, 2), dtype="float64", name="y_in")
        f = b.function([x, y], [x + y])
        _raises(ValueError, f, [a_value], names=("function",), match="2")
        _raises(ValueError, f, [a_value, b_value, b_value], names=("function",))
        _raises(ValueError, f, [a_value, np.zeros((3, 5))], names=("function", "y_in"),
                match=r"\(3, 5\)")
        _raises(ValueError, f, [a_value, np.zeros((3,))], names=("function", "y_in"))
        _raises(ValueError, f, {"x_in": a_value}, names=("function", "y_in"))
        _raises(ValueError, f, {"x_in": a_value, "y_in": b_value, "z": b_value},
                names=("function", "z"))
        _raises(TypeError, f, a_value, names=("function",))
        i = b.placeholder(shape=(2,), dtype="int32", name="ints")
        _raises(TypeError, b.function([i], [i + 1]), [np.array([0.5, 1.5])],
                names=("function", "ints"))
        # integer values for a float placeholder are fine
        _close(b.function([x], [x * 1.0])([np.ones((1, 2), "int64")])[0], np.ones((1, 2)))
    yield custom(wrong_feeds, "wrong number, shape, dtype, unknown names")

    def wrong_definitions(b):
        x = b.placeholder(shape=(2,), name="x_in")
        missing = b.placeholder(shape=(2,), name="not_an_input")
        _raises(ValueError, b.function, [x], [x + missing], names=("function", "not_an_input"))
        _raises(TypeError, b.function, x, [x * 2.0], names=("function",))
        _raises(ValueError, b.function, [x], [x * 2.0], unknown_option=1, names=("function",))
    yield custom(wrong_definitions, "missing input, inputs not a list, unknown keyword")

    def updates_after_outputs(b):
        v = b.variable(np.array([1.0, 2.0]), dtype="float64")
        counter = b.variable(np.array(0.0), dtype="float64")
        x = b.placeholder(shape=(2,), dtype="float64")
        f = b.function([x], [v * x, b.sum(counter) + 0.0],
                       updates=[b.update_add(v, x), (counter, counter + 1.0)])
        expected_v = np.array([1.0, 2.0])
        feed = np.array([0.5, -1.0])
        for call in range(3):
            out = f([feed])
            _close(out[0], expected_v * feed, what=f"output of call {call} (before the update)")
            _close(out[1], call, what=f"counter output of call {call}")
            expected_v = expected_v + feed
            _close(b.get_value(v), expected_v, what=f"variable after call {call}")
            _close(b.get_value(counter), call + 1, what=f"counter after call {call}")
        assert b.dtype(v) == "float64" and b.int_shape(v) == (2,)
    yield custom(updates_after_outputs, "updates applied after the outputs, at every call")

    def updates_from_old_values(b):
        p = b.variable(np.array([1.0, 2.0]), dtype="float64")
        q = b.variable(np.array([3.0, 4.0]), dtype="float64")
        f = b.function([], [p + 0.0], updates=[(p, q), (q, p)])
        f([])
        _close(b.get_value(p), [3.0, 4.0], what="p after swap")
        _close(b.get_value(q), [1.0, 2.0], what="q after swap")
        f([])
        _close(b.get_value(p), [1.0, 2.0], what="p after second swap")
    yield custom(updates_from_old_values, "all new values computed from the old values (swap)")

    def variables_own_their_values(b):
        # a caller's array, a value given to two variables, a constant: each variable gets its
        # own copy
        mine = np.zeros(3)
        p = b.variable(np.array([1.0, 2.0, 3.0]), dtype="float64")
        b.function([], [], updates=[(p, mine)])([])
        b.set_value(p, np.array([5.0, 5.0, 5.0]))
        _close(mine, [0.0, 0.0, 0.0],
               what="the caller's array after set_value on the variable it fed")
        q = b.variable(np.array([1.0, 2.0, 3.0]), dtype="float64")
        r = b.variable(np.zeros(3), dtype="float64")
        new = q * 2.0 - 1.0
        f = b.function([], [], updates=[(q, new), (r, new)])
        expected = np.array([1.0, 2.0, 3.0])
        for call in range(3):
            f([])
            expected = expected * 2.0 - 1.0
            _close(b.get_value(q), expected, what=f"q after call {call}")
            _close(b.get_value(r), expected, what=f"r (given the same value) after call {call}")
        b.set_value(q, np.zeros(3))
        _close(b.get_value(r), expected, what="r after set_value on q")
    yield custom(variables_own_their_values, "a new value never shares memory with the caller or "
                                             "another variable")

    def failed_call_changes_nothing(b):
        # the updates of a call that raises are not applied, not even in part
        x = b.placeholder(shape=(None, 3), dtype="float32", name="x")
        y = b.placeholder(shape=(None, 3), dtype="float32", name="y")
        w = b.variable(np.array([1.0, 2.0, 3.0]), dtype="float32")
        a = b.variable(np.array([0.5, 0.5, 0.5]), dtype="float32")
        loss = b.sum(b.square(x * w))
        (g,) = b.gradients(loss, [w])
        new_a = 0.9 * a + 0.1 * b.square(g)
        step = b.sum(x * y, axis=0)  # after the other updates; fails for different batch sizes
        f = b.function([x, y], [loss],
                       updates=[(a, new_a), (w, w - 0.1 * g / (b.sqrt(new_a) + 1e-7)),
                                (b.variable(np.zeros(3), dtype="float32"), step)])
        ok = np.ones((2, 3), "float32")
        f([ok, ok])
        before = b.get_value(w), b.get_value(a)
        try:
            f([np.ones((2, 3), "float32"), np.ones((4, 3), "float32")])
        except Exception:  # noqa: BLE001 - the framework's own shape error
            pass
        else:
            raise AssertionError("function: a batch of 2 against a batch of 4 was accepted")
        _close(b.get_value(w), before[0], what="w after a call that raised")
        _close(b.get_value(a), before[1], what="a after a call that raised")
        f([ok, ok])
    yield custom(failed_call_changes_nothing, "a call that raises leaves every variable unchanged")

    def fetches_and_feed_dict(b):
        v = b.variable(np.array(0.0), dtype="float64")
        x = b.placeholder(shape=(), dtype="float64", name="x_in")
        fixed = b.placeholder(shape=(), dtype="float64", name="fixed")
        f = b.function([x], [x + fixed], fetches=[b.update_add(v, 2.0)],
                       feed_dict={fixed: np.float64(10.0)})
        _close(f([np.float64(1.0)])[0], 11.0, what="output with feed_dict")
        _close(b.get_value(v), 2.0, what="fetch ran its update")
    yield custom(fetches_and_feed_dict, "fetches and feed_dict")

    def learning_phase_default(b):
        x = b.placeholder(shape=(2,), dtype="float64")
        out = b.in_train_phase(x * 10.0, x * 0.0)
        _close(b.function([x], [out])([np.ones(2)])[0], [0.0, 0.0],
               what="unfed learning phase is 0")
    yield custom(learning_phase_default, "learning phase 0 when not fed")


# -- gradients ----------------------------------------------------------------------------------

@cases_for("gradients")
def _gradients(rng):
    w0 = rng.standard_normal((3,))
    x0 = rng.standard_normal((4, 3))

    def simple(b):
        v = b.variable(w0, dtype="float64")
        grads = b.gradients(b.sum(v * v), [v])
        assert isinstance(grads, list) and len(grads) == 1
        assert b.int_shape(grads[0]) == (3,) and b.dtype(grads[0]) == "float64"
        _close(b.function([], grads)([])[0], 2 * w0, what="d sum(v^2) / dv")
        # one variable, not in a list
        _close(b.function([], b.gradients(b.sum(b.exp(v)), v))([])[0], np.exp(w0),
               what="d sum(exp v)")
    yield custom(simple, "sum(v*v), sum(exp(v))")

    def chain(b):
        w = b.variable(w0, dtype="float64")
        x = b.placeholder(shape=(None, 3), dtype="float64")
        h = b.dot(x, b.reshape(w, (3, 1)))           # (n, 1)
        loss = b.mean(b.square(b.tanh(h)))
        gw, gx = b.gradients(loss, [w, x])
        out = b.function([x], [loss, gw, gx])([x0])
        hv = x0 @ w0[:, None]
        t = np.tanh(hv)
        dh = 2 * t * (1 - t ** 2) / len(x0)              # d loss / d h
        _close(out[0], np.mean(t ** 2), what="loss")
        _close(out[1], (x0 * dh).sum(axis=0), what="d loss / d w")
        _close(out[2], dh * w0[None, :], what="d loss / d x (placeholder)")
    yield custom(chain, "dot, tanh, mean; gradient w.r.t. a variable and a placeholder")

    def non_scalar_and_unrelated(b):
        v = b.variable(w0, dtype="float64")
        other = b.variable(np.ones((2, 2)), dtype="float64")
        ints = b.variable(np.array([1, 2]), dtype="int32")
        g = b.gradients(3.0 * v, [v, other, ints])   # non-scalar loss: the sum is differentiated
        values = b.function([], g)([])
        _close(values[0], np.full(3, 3.0), what="non-scalar loss")
        _close(values[1], np.zeros((2, 2)), what="unrelated variable")
        assert np.asarray(values[2]).shape == (2,) and not np.asarray(values[2]).any(), values[2]
    yield custom(non_scalar_and_unrelated,
                 "non-scalar loss summed; unrelated and int entries give zeros")

    def intermediate(b):
        x = b.placeholder(shape=(3,), dtype="float64")
        h = x * 3.0
        loss = b.sum(h * h)
        (gh,) = b.gradients(loss, [h])
        (gx,) = b.gradients(loss, [x])
        out = b.function([x], [gh, gx])([w0])
        _close(out[0], 2 * 3.0 * w0, what="d loss / d h")
        _close(out[1], 18.0 * w0, what="d loss / d x")
    yield custom(intermediate, "with respect to an intermediate tensor")

    def with_updates(b):
        w = b.variable(w0, dtype="float64")
        x = b.placeholder(shape=(None, 3), dtype="float64")
        loss = b.sum(b.square(b.dot(x, b.reshape(w, (3, 1)))))
        (g,) = b.gradients(loss, [w])
        f = b.function([x], [loss], updates=[b.update_sub(w, 0.01 * g)])
        w_ref = w0.copy()
        for _ in range(3):
            out = f([x0])[0]
            r = x0 @ w_ref
            _close(out, np.sum(r ** 2), what="loss before the step")
            w_ref = w_ref - 0.01 * 2 * x0.T @ r
        _close(b.get_value(w), w_ref, what="weights after 3 gradient steps")
    yield custom(with_updates, "gradient-descent steps as updates")

    def errors(b):
        v = b.variable(w0, dtype="float64")
        _raises(TypeError, b.gradients, b.sum(b.cast(v, "int32")), [v], names=("gradients",))
        _raises(TypeError, b.gradients, np.float64(1.0), [v], names=("gradients",))
        _raises(TypeError, b.gradients, b.sum(v), [np.zeros(3)], names=("gradients",))
    yield custom(errors, "int loss, non-symbolic loss or entry")


@cases_for("stop_gradient")
def _stop_gradient(rng):
    x = rng.standard_normal((2, 3))
    yield Case(args=(x,), expected=x, dtype="float64", label="values unchanged")
    y = rng.standard_normal((3,)).astype("float32")
    yield Case(args=([x, y],), expected=[x, y.astype(np.float64)], dtype=("float64", "float32"),
               label="a list")

    def blocks(b):
        w0 = rng.standard_normal((3,))
        v = b.variable(w0, dtype="float64")
        g = b.gradients(b.sum(b.stop_gradient(v) * v), [v])
        _close(b.function([], g)([])[0], w0, what="gradient through one stopped factor")
        g = b.gradients(b.sum(b.square(b.stop_gradient(v))) + b.sum(v), [v])
        _close(b.function([], g)([])[0], np.ones(3), what="stopped branch contributes nothing")
        a, c = b.stop_gradient([v * 2.0, v * 3.0])
        g = b.gradients(b.sum(a + c) + b.sum(v), [v])
        _close(b.function([], g)([])[0], np.ones(3), what="stopped list")
    yield custom(blocks, "no gradient flows through")


@cases_for("switch")
def _switch(rng):
    a = rng.standard_normal((2, 3))
    c = rng.standard_normal((2, 3))
    yield Case(args=(np.array(True), a, c), expected=a, dtype="float64", label="scalar True")
    yield Case(args=(np.array(False), a, c), expected=c, dtype="float64", label="scalar False")
    yield Case(args=(True, a, c), expected=a, dtype="float64", label="Python bool")
    yield Case(args=(0, a, c), expected=c, dtype="float64", label="Python 0")
    mask = np.array([[True, False, True], [False, False, True]])
    yield Case(args=(mask, a, c), expected=np.where(mask, a, c), dtype="float64",
               label="element-wise")
    rows = np.array([False, True])
    yield Case(args=(rows, a, c), expected=np.where(rows[:, None], a, c), dtype="float64",
               label="rank-1 condition broadcast over trailing dims")
    numeric = np.array([0.0, 2.0])
    yield Case(args=(numeric, a, c), expected=np.where(numeric[:, None] != 0, a, c),
               dtype="float64", label="numeric condition")
    a32 = a.astype("float32")
    yield Case(args=(mask, a32, c.astype("float32")),
               expected=np.where(mask, a32, c.astype("float32")), dtype="float32")
    yield ErrorCase(args=(np.ones((2, 3, 4), bool), a, c), label="condition of higher rank")

    def callables(b):
        called = []

        def then():
            called.append("then")
            return b.constant(a, dtype="float64")

        def other():
            called.append("else")
            return b.constant(c, dtype="float64")
        _close(b.eval(b.switch(True, then, other)), a, what="callable then")
        assert called == ["then"], called
        _close(b.eval(b.switch(b.constant(np.array(False)), then, other)), c, what="callable else")
        assert called == ["then", "else"], called
    yield custom(callables, "a concrete scalar condition calls only the chosen callable")

    def branch_inputs_unchanged(b):
        # a branch that only runs when its switch does still sees the values of its inputs,
        # even when a later step is the last other reader of them
        x = b.placeholder(shape=(3,), dtype="float32", name="x_in")
        cond = b.placeholder(shape=(), dtype="bool", name="cond")
        t = x * 1.0
        shared = t + 1.0
        f = b.function([x, cond], [b.switch(cond, t * 2.0, shared), shared])
        xs = np.array([1.0, 2.0, 3.0], "float32")
        for _ in range(2):
            picked, other = f([xs, np.array(True)])
            _close(picked, xs * 2.0, what="then branch")
            _close(other, xs + 1.0, what="the other output")
            picked, other = f([xs, np.array(False)])
            _close(picked, xs + 1.0, what="else branch")
    yield custom(branch_inputs_unchanged, "a branch's inputs are not overwritten before it runs")

    def symbolic_condition(b):
        cond = b.placeholder(shape=(), dtype="bool", name="cond")
        x = b.placeholder(shape=(None, 3), dtype="float64")
        out = b.switch(cond, x * 2.0, x - 1.0)
        assert b.int_shape(out) == (None, 3), b.int_shape(out)
        f = b.function([cond, x], [out])
        _close(f([np.array(True), a])[0], a * 2.0, what="fed True")
        _close(f([np.array(False), a])[0], a - 1.0, what="fed False")
        m = b.placeholder(shape=(None,), dtype="bool")
        f = b.function([m, x], [b.switch(m, x * 2.0, x - 1.0)])
        _close(f([rows, a])[0], np.where(rows[:, None], a * 2.0, a - 1.0), what="fed element-wise")
        # gradients flow into the chosen branch only
        v = b.variable(a, dtype="float64")
        g = b.gradients(b.sum(b.switch(b.constant(mask, dtype="bool"), v * 3.0, v * v)), [v])
        _close(b.function([], g)([])[0], np.where(mask, 3.0, 2 * a), what="gradient of switch")
    yield custom(symbolic_condition, "fed scalar and element-wise conditions; gradient")


# -- learning phase ------------------------------------------------------------------------------

def _phase_cases(name):
    train = name == "in_train_phase"

    def gen(rng):
        a = rng.standard_normal((2, 3))
        c = rng.standard_normal((2, 3))

        def pick(b, x, alt, **kwargs):
            return getattr(b, name)(x, alt, **kwargs)
        # the value chosen in the training phase, and in the test phase
        in_train, in_test = (a, c) if train else (c, a)

        def static(b):
            x, alt = b.constant(a, dtype="float64"), b.constant(c, dtype="float64")
            for training, expected in ((1, in_train), (True, in_train), (0, in_test),
                                       (False, in_test)):
                _close(b.eval(pick(b, x, alt, training=training)), expected,
                       what=f"training={training}")
            called = []

            def fx():
                called.append("x")
                return x

            def falt():
                called.append("alt")
                return alt
            pick(b, fx, falt, training=1)
            assert called == (["x"] if train else ["alt"]), called
        yield custom(static, "Python phases choose at once; only the chosen callable is called")

        def fed_phase(b):
            x = b.placeholder(shape=(None, 3), dtype="float64")
            out = pick(b, x * 2.0, x - 1.0)
            assert getattr(out, "_uses_learning_phase", False) is True
            assert b.int_shape(out) == (None, 3)
            phase = b.learning_phase()
            f = b.function([x, phase], [out])
            train_value, test_value = (a * 2.0, a - 1.0) if train else (a - 1.0, a * 2.0)
            _close(f([a, 1])[0], train_value, what="phase 1 fed")
            _close(f([a, 0])[0], test_value, what="phase 0 fed")
            _close(f([a, np.array(True)])[0], train_value, what="phase True fed")
            _close(b.function([x], [out])([a])[0], test_value, what="phase not fed (0)")
            t = b.placeholder(shape=(), dtype="bool")
            out = pick(b, x * 2.0, x - 1.0, training=t)
            f = b.function([x, t], [out])
            _close(f([a, np.array(True)])[0], train_value, what="symbolic training argument")
            _close(f([a, np.array(False)])[0], test_value, what="symbolic training argument")
        yield custom(fed_phase, "the learning-phase placeholder fed as an input")

        def fixed_phase(b):
            x = b.placeholder(shape=(None, 3), dtype="float64")
            train_value, test_value = (a * 2.0, a - 1.0) if train else (a - 1.0, a * 2.0)
            symbolic = pick(b, x * 2.0, x - 1.0)   # built before the phase is fixed
            b.set_learning_phase(1)
            _close(b.function([x], [pick(b, x * 2.0, x - 1.0)])([a])[0], train_value,
                   what="fixed 1")
            _close(b.function([x], [symbolic])([a])[0], train_value,
                   what="fixed 1, graph built before")
            b.set_learning_phase(0)
            _close(b.function([x], [pick(b, x * 2.0, x - 1.0)])([a])[0], test_value, what="fixed 0")
            _close(b.function([x], [symbolic])([a])[0], test_value,
                   what="fixed 0, graph built before")
        yield custom(fixed_phase, "with set_learning_phase")
    return gen


for _name in ("in_train_phase", "in_test_phase"):
    cases_for(_name)(_phase_cases(_name))


@cases_for("learning_phase")
def _learning_phase(rng):
    def check(b):
        phase = b.learning_phase()
        assert b.is_tensor(phase) and b.is_placeholder(phase)
        assert b.dtype(phase) == "bool" and b.int_shape(phase) == (), \
            (b.dtype(phase), b.int_shape(phase))
        assert phase.name == "keras_learning_phase", phase.name
        assert b.learning_phase() is phase, "the same placeholder within a session"
        _close(b.function([phase], [b.cast(phase, "float32") * 2.0])([1])[0], 2.0, what="fed phase")
        b.set_learning_phase(1)
        assert b.learning_phase() == 1
        b.set_learning_phase(0)
        assert b.learning_phase() == 0
        b.clear_session()
        fresh = b.learning_phase()
        assert b.is_placeholder(fresh) and fresh is not phase, \
            "clear_session makes a new placeholder"
    yield custom(check, "bool scalar placeholder, fixed values, new after clear_session")


@cases_for("set_learning_phase")
def _set_learning_phase(rng):
    def check(b):
        for value, expected in ((1, 1), (0, 0), (True, 1), (False, 0)):
            b.set_learning_phase(value)
            phase = b.learning_phase()
            assert phase == expected and type(phase) is int, phase
        b.clear_session()
        assert b.is_placeholder(b.learning_phase()), "clear_session forgets the fixed phase"
    yield custom(check, "0, 1, bools; forgotten by clear_session")

    def errors(b):
        for bad in (2, -1, 0.5, "1"):
            _raises(ValueError, b.set_learning_phase, bad, names=("set_learning_phase",))
        assert b.is_placeholder(b.learning_phase()), "a rejected value leaves the phase unchanged"
    yield custom(errors, "invalid values")


# -- updates ---------------------------------------------------------------------------------------

def _update_cases(name, apply_ref):
    """Cases for update/update_add/update_sub; ``apply_ref(old, value)`` is the new value."""
    def gen(rng):
        x0 = rng.standard_normal((2, 3))
        value = rng.standard_normal((2, 3))

        def as_update(b):
            v = b.variable(x0, dtype="float64")
            u = getattr(b, name)(v, b.constant(value, dtype="float64"))
            assert b.is_tensor(u)
            assert b.int_shape(u) == (2, 3) and b.dtype(u) == "float64", \
                (b.int_shape(u), b.dtype(u))
            _close(b.get_value(v), x0, what="not applied before running")
            f = b.function([], [v + 0.0], updates=[u])
            expected = x0
            for call in range(2):
                out = f([])[0]
                _close(out, expected, what=f"output of call {call}")
                expected = apply_ref(expected, value)
                _close(b.get_value(v), expected, what=f"variable after call {call}")
        yield custom(as_update, "applied by a function, at every call")

        def as_output(b):
            v = b.variable(x0, dtype="float64")
            x = b.placeholder(shape=(2, 3), dtype="float64")
            u = getattr(b, name)(v, x)
            out = b.function([x], [u])([value])[0]
            _close(out, apply_ref(x0, value), what="the new value as an output")
            _close(b.get_value(v), apply_ref(x0, value), what="variable after the output ran")
        yield custom(as_output, "fed value; computed as an output, it assigns")

        def cast_and_broadcast(b):
            v = b.variable(np.zeros((2, 3), "float32"), dtype="float32")
            f = b.function([], [], updates=[getattr(b, name)(v, 2)])
            f([])
            assert b.dtype(v) == "float32" and b.int_shape(v) == (2, 3)
            _close(b.get_value(v), apply_ref(np.zeros((2, 3)), 2.0), what="scalar broadcast")
            row = np.array([1.0, 2.0, 3.0])
            b.function([], [], updates=[getattr(b, name)(v, row)])([])
            _close(b.get_value(v), apply_ref(apply_ref(np.zeros((2, 3)), 2.0), row),
                   what="row broadcast")
            assert b.dtype(v) == "float32"
            iv = b.variable(np.array([1, 2]), dtype="int32")
            b.function([], [], updates=[getattr(b, name)(iv, np.array([3, 4], "int32"))])([])
            assert b.dtype(iv) == "int32"
            np.testing.assert_array_equal(b.get_value(iv),
                                          apply_ref(np.array([1, 2]), np.array([3, 4])))
        yield custom(cast_and_broadcast, "numbers and broadcasting values, dtype kept")

        def errors(b):
            v = b.variable(x0, dtype="float64")
            _raises(TypeError, getattr(b, name), b.constant(x0, dtype="float64"),
                    b.constant(value, dtype="float64"), names=(name,))
            _raises(ValueError, getattr(b, name), v, np.zeros((3, 2)), names=(name,))
            _raises(ValueError, getattr(b, name), v, np.zeros((4, 2, 3)), names=(name,))
        yield custom(errors, "not a variable; a value of the wrong shape")
    return gen


cases_for("update")(_update_cases("update", lambda old, v: np.broadcast_to(v, np.shape(old)) * 1.0))
cases_for("update_add")(_update_cases("update_add", lambda old, v: old + v))
cases_for("update_sub")(_update_cases("update_sub", lambda old, v: old - v))


@cases_for("moving_average_update")
def _moving_average_update(rng):
    x0 = rng.standard_normal((3,))
    value = rng.standard_normal((3,))

    def math(b):
        for momentum in (0.9, 0.5, 0.0):
            v = b.variable(x0, dtype="float64")
            u = b.moving_average_update(v, b.constant(value, dtype="float64"), momentum)
            assert b.int_shape(u) == (3,) and b.dtype(u) == "float64"
            f = b.function([], [], updates=[u])
            expected = x0
            for _ in range(3):
                f([])
                expected = expected * momentum + value * (1 - momentum)
                _close(b.get_value(v), expected, rtol=1e-12, atol=1e-12,
                       what=f"momentum {momentum}")
    yield custom(math, "x * momentum + value * (1 - momentum), repeatedly")

    def fed_float32(b):
        v = b.variable(np.zeros((2,), "float32"), dtype="float32")
        x = b.placeholder(shape=(2,), dtype="float32")
        f = b.function([x], [b.sum(v)], updates=[b.moving_average_update(v, x, 0.99)])
        f([np.array([1.0, 2.0], "float32")])
        _close(b.get_value(v), [0.01, 0.02], what="float32 fed value")
        assert b.dtype(v) == "float32"
    yield custom(fed_float32, "fed value, float32")

    def errors(b):
        v = b.variable(x0, dtype="float64")
        momentum = b.placeholder(shape=(), dtype="float64")
        _raises(TypeError, b.moving_average_update, v, b.constant(value, dtype="float64"), momentum,
                names=("moving_average_update",))
        _raises(TypeError, b.moving_average_update, b.constant(x0, dtype="float64"),
                b.constant(value, dtype="float64"), 0.9,
                names=("moving_average_update",))
    yield custom(errors, "symbolic momentum; not a variable")


# -- print_tensor ----------------------------------------------------------------------------------

@cases_for("print_tensor")
def _print_tensor(rng):
    x0 = np.array([[1.5, -2.0], [0.25, 3.0]])

    def eager(b):
        with _stdout() as out:
            result = b.print_tensor(b.constant(x0, dtype="float64"), message="value: ")
        _close(b.eval(result), x0, what="returned value")
        text = out.getvalue()
        assert text.startswith("value: ") and "1.5" in text and "-2." in text, repr(text)
    yield custom(eager, "a concrete tensor prints at once")

    def when_run(b):
        x = b.placeholder(shape=(None, 2), dtype="float64")
        with _stdout() as out:
            y = b.print_tensor(x * 2.0, message="doubled: ")
        assert out.getvalue() == "", f"nothing printed while recording: {out.getvalue()!r}"
        assert b.int_shape(y) == (None, 2) and b.dtype(y) == "float64"
        f = b.function([x], [b.sum(y)])
        with _stdout() as out:
            values = [f([x0])[0], f([x0 + 1.0])[0]]
        _close(values[0], (2 * x0).sum(), what="output of the first call")
        _close(values[1], (2 * x0 + 2).sum(), what="output of the second call")
        text = out.getvalue()
        assert text.count("doubled: ") == 2, f"expected one print per call: {text!r}"
        assert "3." in text and "5." in text and "8." in text, repr(text)
    yield custom(when_run, "prints whenever its function runs")

    def gradient(b):
        v = b.variable(x0, dtype="float64")
        with _stdout() as out:
            g = b.gradients(b.sum(b.square(b.print_tensor(v, "v = "))), [v])
            value = b.function([], g)([])[0]
        _close(value, 2 * x0, what="gradient through print_tensor")
        assert out.getvalue().count("v = ") == 1, f"printed once per call: {out.getvalue()!r}"
    yield custom(gradient, "gradients flow through; printed once")


# -- names, session, uids --------------------------------------------------------------------------

@cases_for("name_scope")
def _name_scope(rng):
    def check(b):
        with b.name_scope("block") as scope:
            assert scope is not None
            x = b.placeholder(shape=(2,))
            with b.name_scope("inner"):
                y = b.placeholder(shape=(2,), name="y")
        z = b.placeholder(shape=(2,), name="z")
        assert x.name.startswith("block/"), x.name
        assert y.name == "block/inner/y", y.name
        assert z.name == "z", z.name
        f = b.function([x, y], [x + y])
        _close(f({y.name: np.ones(2), x.name: np.ones(2)})[0], [2.0, 2.0],
               what="fed by scoped names")
    yield custom(check, "prefixes names, nested, restored on exit")

    def restored_on_error(b):
        try:
            with b.name_scope("failing"):
                raise KeyError("inside")
        except KeyError:
            pass
        assert b.placeholder(shape=(), name="after").name == "after"
    yield custom(restored_on_error, "scope popped when the block raises")
    yield ErrorCase(args=("",), label="empty name")


@cases_for("get_session")
def _get_session(rng):
    def check(b):
        s = b.get_session()
        assert s is not None and b.get_session() is s, "the same session until cleared"
        b.clear_session()
        assert b.get_session() is not s, "clear_session starts a new session"
    yield custom(check, "stable until clear_session")


@cases_for("set_session")
def _set_session(rng):
    def check(b):
        first = b.get_session()
        b.set_learning_phase(1)
        assert b.get_uid("layer") == 1
        b.clear_session()
        assert b.get_uid("layer") == 1 and b.is_placeholder(b.learning_phase())
        second = b.get_session()
        b.set_session(first)
        assert b.get_session() is first
        assert b.learning_phase() == 1, "the installed session's phase"
        assert b.get_uid("layer") == 2, "the installed session's uid counters"
        b.set_session(second)
        assert b.get_uid("layer") == 2
    yield custom(check, "installs a session with its state")

    def errors(b):
        _raises(TypeError, b.set_session, object(), names=("set_session",))
        _raises(TypeError, b.set_session, None, names=("set_session",))
    yield custom(errors, "not a session")


@cases_for("clear_session")
def _clear_session(rng):
    def check(b):
        v = b.variable(np.array([1.0, 2.0]), dtype="float64")
        b.function([], [], updates=[b.update_add(v, 1.0)])([])
        phase = b.learning_phase()
        assert b.get_uid("dense") == 1 and b.get_uid("dense") == 2
        b.set_learning_phase(1)
        b.clear_session()
        assert b.get_uid("dense") == 1, "uids reset"
        fresh = b.learning_phase()
        assert b.is_placeholder(fresh) and fresh is not phase, "phase not fixed, new placeholder"
        _close(b.get_value(v), [2.0, 3.0], what="variables keep their values")
        _close(b.function([], [v * 2.0])([])[0], [4.0, 6.0], what="variables still usable")
    yield custom(check, "resets uids and learning phase, keeps variables")


@cases_for("get_uid")
def _get_uid(rng):
    def check(b):
        assert [b.get_uid("dense") for _ in range(3)] == [1, 2, 3]
        assert b.get_uid("conv") == 1, "counted per prefix"
        assert b.get_uid("dense") == 4
        assert b.get_uid() == 1 and b.get_uid("") == 2, "default prefix ''"
    yield custom(check, "1, 2, 3 per prefix")


@cases_for("reset_uids")
def _reset_uids(rng):
    def check(b):
        b.get_uid("dense"), b.get_uid("dense"), b.get_uid("conv")
        phase = b.learning_phase()
        b.reset_uids()
        assert b.get_uid("dense") == 1 and b.get_uid("conv") == 1
        assert b.learning_phase() is phase, "only the uids are reset"
    yield custom(check, "restarts every counter")


@cases_for("manual_variable_initialization")
def _manual_variable_initialization(rng):
    def check(b):
        assert b.get_session().manual_variable_initialization is False
        assert b.manual_variable_initialization(True) is None
        assert b.get_session().manual_variable_initialization is True
        v = b.variable(np.array([1.0, 2.0]))
        _close(b.get_value(v), [1.0, 2.0], what="variables still hold their initial value")
        b.manual_variable_initialization(False)
        assert b.get_session().manual_variable_initialization is False
        b.manual_variable_initialization(True)
        b.clear_session()
        assert b.get_session().manual_variable_initialization is False, "kept in the session"
    yield custom(check, "flag kept in the session")
