"""Lowering a plan with lazy ``switch`` branches (eager executors, plans without gradients).

``K.in_train_phase`` (dropout, noise layers) is a ``switch`` on the learning
phase; a straight-line plan computes both branches before the switch, so
``predict`` and ``evaluate`` paid for the dropout they then threw away. Here
the steps that only feed one branch of a switch run inside a callable passed
to the raw ``switch``, which calls only the picked branch when the condition
is a scalar (and both, element-wise, otherwise), as TensorFlow's ``cond``
does. The values are unchanged; the random draws of the branch not taken are
skipped.

Plans with a ``gradients`` step keep every step (the reverse pass reads
forward values).
"""

from __future__ import annotations

from typing import Callable

from .plan import lower


def _branch_steps(plan, k, slot, readers, protected):
    """Indices of the steps before step ``k`` computed only for ``slot`` (a branch of step k)."""
    steps = plan.steps
    switch = steps[k]
    if slot in protected or readers.get(slot) != {k} or list(switch.args).count(slot) != 1:
        return []
    chosen = set()
    for i in range(k - 1, -1, -1):
        out = steps[i].out
        if out == slot:
            chosen.add(i)
        elif out not in protected and readers.get(out) and readers[out] <= chosen:
            chosen.add(i)
    return sorted(chosen)


def lazy_branches(plan) -> dict:
    """``{switch step index: (then steps, else steps)}``: the steps that run inside the switch,
    only for its branch, when the plan is lowered lazily (empty for a plan with gradients).

    Those steps read their arguments when the switch runs, not at their place in the plan
    (``inplace.py`` counts their reads there).
    """
    steps = plan.steps
    if any(s.op == "gradients" for s in steps) or not any(s.op == "switch" for s in steps):
        return {}
    protected = set(plan.outputs) | {slot for _, slot in plan.updates}
    readers = {}
    for i, step in enumerate(steps):
        for a in step.args:
            readers.setdefault(a, set()).add(i)
    branches = {}
    for k, step in enumerate(steps):
        if step.op == "switch" and tuple(step.names) == ("condition", "then_expression",
                                                         "else_expression"):
            then_steps = _branch_steps(plan, k, step.args[1], readers, protected)
            else_steps = _branch_steps(plan, k, step.args[2], readers, protected)
            if then_steps or else_steps:
                branches[k] = (then_steps, else_steps)
    # a switch inside another one's branch stays a plain step of that branch
    inner = set()
    for t, e in branches.values():
        inner.update(j for j in t + e if j in branches)
    for k in inner:
        branches.pop(k)
    return branches


def lazy_lowering(plan, calls) -> Callable | None:
    """``run(v)`` for ``calls`` (``[(fn, args, out, ...)]``, one per plan step) with lazy
    switch branches, or None when the plan has no switch to make lazy."""
    steps = plan.steps
    if len(calls) != len(steps) or any(c[1] is None for c in calls):
        return None
    branches = lazy_branches(plan)
    if not branches:
        return None
    moved = set()
    for t, e in branches.values():
        moved.update(t)
        moved.update(e)

    namespace = {}
    lines = ["def run(v):"]

    def call_line(j, indent):
        fn, args, out = calls[j][:3]
        namespace[f"f{j}"] = fn
        return f"{indent}v[{out}] = f{j}({', '.join(f'v[{a}]' for a in args)})"

    for i in range(len(calls)):
        if i in moved:
            continue
        if i in branches:
            fn, args, out = calls[i][:3]
            namespace[f"f{i}"] = fn
            passed = []
            for name, branch_steps, slot in (("t", branches[i][0], args[1]),
                                             ("e", branches[i][1], args[2])):
                if not branch_steps:
                    passed.append(f"v[{slot}]")
                    continue
                lines.append(f"    def _{name}{i}():")
                lines.extend(call_line(j, "        ") for j in branch_steps)
                lines.append(f"        return v[{slot}]")
                passed.append(f"_{name}{i}")
            lines.append(f"    v[{out}] = f{i}(v[{args[0]}], {', '.join(passed)})")
            continue
        lines.append(call_line(i, "    "))
    lines.append("    return v")
    source = "\n".join(lines) + "\n"
    exec(compile(source, "<polykeras lazy plan>", "exec"),
         namespace)  # noqa: S102 - generated from the plan
    run = namespace["run"]
    run.__source__ = source
    return run


def lower_plan(plan, calls, **kwargs) -> Callable:
    """:func:`lazy_lowering` where it applies, else the plan's straight-line ``lower``."""
    return lazy_lowering(plan, calls) or lower(calls, **kwargs)
