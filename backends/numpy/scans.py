"""Reverse scans: the gradients of ``rnn``, ``map_fn``, ``foldl`` and ``foldr`` on NumPy.

The forward pass of a differentiated sub-graph op keeps the slot list of every
run of its traced function (its tape, in the order of the runs). The reverse
scan walks the runs backwards and applies the traced function's reverse pass
(a :class:`~.autodiff.SubgraphGradient`, planned once) to each, carrying the
gradient of the recurrence (the states of ``rnn``, the accumulator of the
folds) from run to run and summing the gradients of what every run reads
alike (``constants``, captured tensors and variables).

``SCANS[op](node_params, flowing, wanted_captured, make_gradient)`` plans the
scan of one node once: ``flowing`` names the op's parameters a gradient is
wanted for, ``wanted_captured`` the positions of the captured tensors wanted,
``make_gradient(sources)`` plans the traced function's reverse pass for the
input positions ``sources`` (stand-ins first, then captured tensors). It
returns ``scan(g, values, tape) -> ({param: gradient}, [gradient per wanted
captured tensor])`` where ``g`` is the gradient of the op's result
(structured like it) and ``values`` the evaluated parameters.
"""

from __future__ import annotations

import numpy as np


def _plus(a, b):
    """``a + b`` where either may be None (no gradient)."""
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _sum_into(total, g):
    """A running sum over the runs: ``total + g``, into ``total`` (which it owns) when the
    dtypes allow; the first gradient is copied, as it may be a view of another one."""
    if g is None:
        return total
    g = np.asarray(g)
    if total is None:
        return np.array(g, copy=True)
    if total.shape == g.shape and np.result_type(total, g) == total.dtype:
        total += g
        return total
    return total + g


def _keep(mask_t, g):
    """The (batch,) bool mask shaped to broadcast against ``g``."""
    return mask_t.reshape((mask_t.shape[0],) + (1,) * (np.ndim(g) - 1))


def _split(mask_t, g):
    """``(g where the step was kept, g where it was masked)``; ``(None, None)`` for no gradient."""
    if g is None:
        return None, None
    keep = _keep(mask_t, g)
    return np.where(keep, g, 0), np.where(keep, 0, g)


def _rnn_scan(node_params, flowing, wanted_captured, make_gradient):
    n_states = len(node_params["initial_states"])
    n_constants = len(node_params["constants"] or ())
    want_inputs = "inputs" in flowing
    want_constants = "constants" in flowing and n_constants > 0
    states = list(range(1, 1 + n_states))
    constants = list(range(1 + n_states, 1 + n_states + n_constants))
    captured = [1 + n_states + n_constants + k for k in wanted_captured]
    # the states always: the recurrence carries every other gradient back through them
    sources = (([0] if want_inputs else []) + states + (constants if want_constants else [])
               + captured)
    gradient = make_gradient(sources)

    def scan(g, values, tape):
        g_last, g_outputs, g_final = g
        inputs = np.asarray(values["inputs"])
        mask = values["mask"]
        if mask is not None:
            mask = np.reshape(np.asarray(mask), inputs.shape[:2]).astype(bool)
        steps = len(tape)
        g_inputs = None
        g_states = [None if s is None else np.asarray(s) for s in g_final]
        g_constants = [None] * n_constants
        g_captured = [None] * len(captured)
        carried = None  # the gradient of the previous output, which a masked step passes on
        for k in range(steps - 1, -1, -1):
            t = steps - 1 - k if values["go_backwards"] else k
            g_output = g_outputs[:, k]
            if k == steps - 1:
                g_output = g_output + g_last
            if carried is not None:
                g_output = g_output + carried
            if mask is None:
                g_new, passed = g_states, [None] * n_states
            else:
                g_output, carried = _split(mask[:, t], g_output)
                pairs = [_split(mask[:, t], gs) for gs in g_states]
                g_new, passed = [p[0] for p in pairs], [p[1] for p in pairs]
            grads = iter(gradient(tape[k], [g_output] + g_new))
            if want_inputs:
                g_x = next(grads)
                if g_x is not None:
                    if g_inputs is None:
                        g_inputs = np.zeros(inputs.shape, dtype=np.result_type(g_x, inputs.dtype))
                    g_inputs[:, t] = g_x
            g_states = [_plus(p, next(grads)) for p in passed]
            if want_constants:
                g_constants = [_sum_into(total, next(grads)) for total in g_constants]
            g_captured = [_sum_into(total, next(grads)) for total in g_captured]
        result = {"inputs": g_inputs, "initial_states": g_states}
        if want_constants:
            result["constants"] = g_constants
        return result, g_captured
    return scan


def _map_fn_scan(node_params, flowing, wanted_captured, make_gradient):
    want_elems = "elems" in flowing
    captured = [1 + k for k in wanted_captured]
    gradient = make_gradient(([0] if want_elems else []) + captured)

    def scan(g, values, tape):
        elems = np.asarray(values["elems"])
        g_elems = None
        g_captured = [None] * len(captured)
        for i in range(len(tape) - 1, -1, -1):
            grads = iter(gradient(tape[i], [g[i]]))
            if want_elems:
                g_e = next(grads)
                if g_e is not None:
                    if g_elems is None:
                        g_elems = np.zeros(elems.shape, dtype=np.result_type(g_e, elems.dtype))
                    g_elems[i] = g_e
            g_captured = [_sum_into(total, next(grads)) for total in g_captured]
        return {"elems": g_elems}, g_captured
    return scan


def _fold_scan(reverse):
    def plan(node_params, flowing, wanted_captured, make_gradient):
        want_elems = "elems" in flowing
        captured = [2 + k for k in wanted_captured]
        gradient = make_gradient([0] + ([1] if want_elems else []) + captured)

        def scan(g, values, tape):
            elems = np.asarray(values["elems"])
            order = list(range(elems.shape[0]))
            if reverse:
                order.reverse()
            has_initializer = values["initializer"] is not None
            first = None if has_initializer else order.pop(0)
            g_elems = None
            g_captured = [None] * len(captured)

            def add_elem(i, g_e):
                nonlocal g_elems
                if g_e is None:
                    return
                if g_elems is None:
                    g_elems = np.zeros(elems.shape, dtype=np.result_type(g_e, elems.dtype))
                g_elems[i] += g_e
            g_acc = g
            for j in range(len(tape) - 1, -1, -1):
                if g_acc is None:
                    break
                grads = iter(gradient(tape[j], [g_acc]))
                g_acc = next(grads)
                if want_elems:
                    add_elem(order[j], next(grads))
                g_captured = [_sum_into(total, next(grads)) for total in g_captured]
            result = {}
            if has_initializer:
                result["initializer"] = g_acc
            elif want_elems:
                add_elem(first, g_acc)
            result["elems"] = g_elems
            return result, g_captured
        return scan
    return plan


SCANS = {"rnn": _rnn_scan, "map_fn": _map_fn_scan, "foldl": _fold_scan(False),
         "foldr": _fold_scan(True)}
