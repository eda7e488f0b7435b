"""Conformance cases: map_fn, foldl, foldr (functions built from Python operators, and
closures reading tensors from outside, whose gradients the gradient check also takes)."""

import numpy as np

from ..framework import FLOAT_DTYPES, Case, Closure, ErrorCase, cases_for


def _square_plus_one(e):
    return e * e + 1


def _add(acc, e):
    return acc + e


def _subtract_then_double(acc, e):
    return (acc - e) * 2


def _scaled_tanh(b, w):
    """``fn(e) = e * w + tanh(e)``, reading ``w`` from outside (``b``: a backend or NumPy)."""
    tanh = np.tanh if b is np else b.tanh
    return lambda e: e * w + tanh(e)


def _decaying_sum(b, w):
    """``fn(acc, e) = acc * w + tanh(e)``, reading ``w`` from outside."""
    tanh = np.tanh if b is np else b.tanh
    return lambda acc, e: acc * w + tanh(e)


@cases_for("map_fn")
def _map_fn(rng):
    x, w = (rng.standard_normal(shape).astype("float32") for shape in ((4, 3), (3,)))
    x64, w64 = x.astype(np.float64), w.astype(np.float64)
    yield Case(args=(Closure(_scaled_tanh, (w,), "scaled_tanh"), x),
               expected=np.stack([_scaled_tanh(np, w64)(row) for row in x64]), dtype="float32",
               label="closure over a tensor")
    for dtype in FLOAT_DTYPES:
        x = rng.standard_normal((4, 3)).astype(dtype)
        expected = np.stack([_square_plus_one(row) for row in x.astype(np.float64)])
        yield Case(args=(_square_plus_one, x), expected=expected, dtype=dtype)
    x = rng.standard_normal((5,)).astype("float32")
    yield Case(args=(_square_plus_one, x), expected=x.astype(np.float64) ** 2 + 1, dtype="float32",
               label="scalar elements")
    yield Case(args=(_square_plus_one, x), kwargs={"dtype": "float64"},
               expected=x.astype(np.float64) ** 2 + 1, dtype="float64", rtol=1e-6,
               label="dtype argument")
    yield ErrorCase(args=(_square_plus_one, np.float32(1.0)), match="rank")


def _fold_reference(fn, elems, initializer, reverse):
    order = list(range(len(elems)))[::-1] if reverse else list(range(len(elems)))
    if initializer is None:
        acc, order = elems[order[0]], order[1:]
    else:
        acc = initializer
    for i in order:
        acc = fn(acc, elems[i])
    return acc


def _fold_cases(name):
    reverse = name == "foldr"

    def gen(rng):
        shapes = ((4, 3), (3,), (3,))
        x, w, init = (rng.standard_normal(shape).astype("float32") for shape in shapes)
        step = _decaying_sum(np, w.astype(np.float64))
        x64, init64 = x.astype(np.float64), init.astype(np.float64)
        closure = Closure(_decaying_sum, (w,), "decaying_sum")
        yield Case(args=(closure, x), kwargs={"initializer": init},
                   expected=_fold_reference(step, x64, init64, reverse), dtype="float32",
                   label="closure over a tensor, initializer")
        yield Case(args=(closure, x), expected=_fold_reference(step, x64, None, reverse),
                   dtype="float32", label="closure over a tensor, first element as initializer")
        for dtype in FLOAT_DTYPES:
            x = rng.standard_normal((4, 3)).astype(dtype)
            x64 = x.astype(np.float64)
            yield Case(args=(_add, x), expected=_fold_reference(_add, x64, None, reverse),
                       dtype=dtype)
            init = rng.standard_normal((3,)).astype(dtype)
            yield Case(args=(_subtract_then_double, x), kwargs={"initializer": init},
                       expected=_fold_reference(_subtract_then_double, x64, init.astype(np.float64),
                                                reverse),
                       dtype=dtype, label="order matters")
        yield ErrorCase(args=(_add, np.zeros((0, 2), "float32")), match="initializer")
    return gen


for _name in ("foldl", "foldr"):
    cases_for(_name)(_fold_cases(_name))
