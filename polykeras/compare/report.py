"""Reports of a comparison: the console table, the PNG plot and the self-contained HTML page."""

from __future__ import annotations

import base64
import html
import io

from .tolerances import JUMP


def _sci(value, digits=1):
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if value == 0:
        return "0"
    if value != value:
        return "nan"
    if value in (float("inf"), float("-inf")):
        return "inf"
    return f"{value:.{digits}e}"


def _fixed(value, digits=4):
    return "-" if value is None else f"{value:.{digits}f}"


def _grid(header, rows) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())
    return lines


def _status(run):
    if run["ok"]:
        return "ok"
    return f"FAILED ({run.get('stage')})"


def _verdict(run):
    inference = run.get("inference")
    if inference is None:
        return "-"
    v = inference["verdict"]
    if v.get("agrees"):
        return "agrees"
    if v.get("culprit"):
        c = v["culprit"]
        return f"DIFFERS from {c['layer']}"
    return f"drifts from {v.get('gradual_from')}"


def _parting_text(part):
    if part is None:
        return "none"
    where = f"step {part['step']}" if part.get("step") else f"epoch {part.get('epoch')}"
    if part.get("expected"):
        return f"{where} (own random streams)"
    if part.get("weight"):
        return f"{where}: {part['weight']} ({part['kind']})"
    return f"{where}: {part['kind']}"


def headline(result) -> str:
    s = result.settings
    ref = ("the float64 NumPy reference" if s["reference"] == "float64"
           else f"{s['reference']} (reference)")
    return f"polykeras compare {s['target']}: {', '.join(s['backends'])} against {ref}"


def short_labels(runs) -> list[str]:
    """Column titles: a dotted backend path by its last part when that stays unique."""
    shorts = [r["label"].rsplit(".", 1)[-1] for r in runs]
    return [short if shorts.count(short) == 1 else r["label"] for short, r in zip(shorts, runs)]


def console_table(result) -> str:
    s, info = result.settings, result.info
    lines = [headline(result)]
    if info:
        lines.append(f"Model {info.get('model_name')}: {info.get('parameters', 0):,} parameters; "
                     f"{info.get('n_train')} training samples, {info.get('n_test')} test "
                     f"samples; {s['epochs']} epoch(s), batch {s['batch_size']}, seed {s['seed']}"
                     f"{', same randomness' if s['same_randomness'] else ''}")
        for note in info.get("notes") or []:
            lines.append(f"Data: {note}")
    ref = result.reference
    if not ref.get("ok"):
        lines.append(f"Reference {ref.get('label')} FAILED ({ref.get('stage')}): "
                     f"{ref.get('error')}")
    runs = result.runs
    labels = short_labels(runs)
    compared = [r for r in runs if r.get("inference")]

    # -- inference --------------------------------------------------------------------
    if compared:
        first = compared[0]["inference"]["verdict"]
        lines += ["", f"Inference on {info.get('n_inference')} test samples: relative difference "
                      f"per layer, max |backend - reference| / max |reference| "
                      f"(tolerance {first['dtype']}: {_sci(first['tolerance'])})"]
        order = []
        for r in compared:
            for row in r["inference"]["layers"]:
                if row["layer"] not in [o[0] for o in order]:
                    order.append((row["layer"], row["class"]))
        header = ["layer", "class"] + labels
        rows = []
        for layer, cls in order:
            cells = [layer, cls]
            for r in runs:
                rows_by = {x["layer"]: x for x in (r.get("inference") or {}).get("layers", [])}
                x = rows_by.get(layer)
                if x is None:
                    cells.append("-")
                else:
                    flag = "" if x["within_tolerance"] else " !"
                    cells.append(_sci(x["rel"]) + flag)
            rows.append(cells)
        rows.append(["verdict", ""] + [_verdict(r) for r in runs])
        lines += _grid(header, rows)
        for r in compared:
            v = r["inference"]["verdict"]
            c = v.get("culprit")
            if c:
                lines.append(f"{r['label']}: likely culprit layer {c['layer']} ({c['class']}): its "
                             f"difference {_sci(c['rel'])} jumps over its inputs' "
                             f"{_sci(c['inbound_rel'])} (> {JUMP:g}x). It calls: "
                             f"{', '.join(c['functions'])}.")
                for sus in c.get("suspects", []):
                    lines.append(f"  {sus['op']} is wrong on its own: recomputed in float64 from "
                                 f"the same inputs it differs by {_sci(sus['rel'])} (relative)")
            elif v.get("agrees"):
                lines.append(f"{r['label']}: every layer agrees with the reference within "
                             f"{v['dtype']} tolerance (largest {_sci(v['max_rel'])} <= "
                             f"{_sci(v['tolerance'])})")
            elif v.get("gradual_from"):
                lines.append(f"{r['label']}: differences above tolerance from layer "
                             f"{v['gradual_from']} on, growing gradually (no single layer jumps "
                             f"{JUMP:g}x over its inputs)")

    # -- training ---------------------------------------------------------------------
    trained = [r for r in runs if r.get("training")]
    if trained or any(r.get("timing", {}).get("first_epoch_seconds") for r in runs):
        tol = next((r["training"].get("tolerance") for r in trained
                    if r["training"].get("tolerance")), None)
        lines += ["", "Training" + (f" (tolerance {_sci(tol)} relative)" if tol else "")]
        names = []
        for r in trained:
            for n in (r["training"].get("final") or {}):
                if n not in names:
                    names.append(n)
        header = ["", "reference"] + labels
        rows = []

        def row(title, ref_cell, fn):
            rows.append([title, ref_cell] + [fn(r) for r in runs])

        row("status", "ok" if ref.get("ok") else f"FAILED ({ref.get('stage')})", _status)
        row("first parting", "", lambda r: _parting_text((r.get("training") or {}).get("parting"))
            if r.get("training") and "parting" in r["training"] and not r.get("is_reference")
            else "-")
        row(f"max loss diff, steps 1-{s['steps']}", "",
            lambda r: _sci(max((r.get("training") or {}).get("step_loss_rel", [])[:s["steps"]]
                               or [None], key=lambda v: -1 if v is None else v)))
        row("largest weight diff at the end", "",
            lambda r: _sci(((r.get("training") or {}).get("epochs") or [{}])[-1]
                           .get("max_weight_rel")) if (r.get("training") or {}).get("epochs")
            else "-")
        ref_final = ref.get("final") or {}
        for n in names:
            row(f"test {n}", _fixed(ref_final.get(n)),
                lambda r, n=n: _fixed(((r.get("training") or {}).get("final") or {}).get(n)))
        row("first epoch s (incl. compile)", _fixed(ref["timing"].get("first_epoch_seconds"), 2),
            lambda r: _fixed(r["timing"].get("first_epoch_seconds"), 2))
        row("first step s", _fixed(ref["timing"].get("first_step_seconds"), 3),
            lambda r: _fixed(r["timing"].get("first_step_seconds"), 3))
        row("s / epoch (median after 1st)", _fixed(ref["timing"].get("seconds_per_epoch"), 2),
            lambda r: _fixed(r["timing"].get("seconds_per_epoch"), 2))
        row("peak memory MiB", str(ref.get("peak_memory_mib") or "-"),
            lambda r: str(r.get("peak_memory_mib") or "-"))
        lines += _grid(header, rows)
        randoms = sorted({f for r in trained for f in r["training"].get("random_functions") or []})
        if randoms and not s["same_randomness"]:
            lines.append(f"The model draws random numbers ({', '.join(randoms)}) from each "
                         "backend's own stream: training values differ by design; "
                         "--same-randomness feeds every backend the same masks")
        for r in trained:
            part = r["training"].get("parting")
            if part and not r.get("is_reference") and not part.get("expected"):
                text = f"{r['label']}: parts from the reference at {_parting_text(part)}: " \
                       f"{part['detail']} (relative {_sci(part['rel'])}" + \
                       (f", {100 * part['fraction']:.3g}% of its elements" if part.get("fraction")
                        is not None else "") + ")"
                if part.get("functions"):
                    text += f"; that update calls {', '.join(part['functions'])}"
                lines.append(text)
                for sus in part.get("suspects") or []:
                    lines.append(f"  {sus['op']} is wrong on its own in that update: recomputed "
                                 f"in float64 from the same inputs it differs by "
                                 f"{_sci(sus['rel'])} (relative)")

    failures = [r for r in runs if not r["ok"]]
    if failures:
        lines.append("")
        for r in failures:
            lines.append(f"{r['label']}: FAILED at {r.get('stage')}: {r.get('error')}")
    return "\n".join(lines)


# -- plot ----------------------------------------------------------------------------------

def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise ImportError("compare --plot/--html needs matplotlib, which is not installed: "
                          "pip install 'polykeras[compare]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def figure(result):
    """A matplotlib figure: loss per step for each backend, and per-layer differences (log)."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6))
    loss_ax, layer_ax, step_ax = axes
    ref = result.reference
    if ref.get("step_loss"):
        loss_ax.plot(range(1, len(ref["step_loss"]) + 1), ref["step_loss"], color="black",
                     linestyle="--", linewidth=1.2, label=ref.get("label"))
    for r in result.runs:
        losses = (r.get("training") or {}).get("step_loss")
        if losses:
            loss_ax.plot(range(1, len(losses) + 1), losses, linewidth=1, label=r["label"],
                         alpha=0.85)
    loss_ax.set_title("Training loss per step")
    loss_ax.set_xlabel("step")
    loss_ax.set_ylabel("loss")
    loss_ax.legend(fontsize=8)

    tol = None
    for r in result.runs:
        layers = (r.get("inference") or {}).get("layers")
        if layers:
            values = [min(max(x["rel"], 1e-18), 1e3) for x in layers]
            layer_ax.plot(range(len(layers)), values, marker="o", label=r["label"])
            layer_ax.set_xticks(range(len(layers)))
            layer_ax.set_xticklabels([x["layer"] for x in layers], rotation=45, ha="right",
                                     fontsize=8)
            tol = r["inference"]["verdict"]["tolerance"]
    if tol:
        layer_ax.axhline(tol, color="red", linestyle=":", label=f"tolerance {tol:g}")
    layer_ax.set_yscale("log")
    layer_ax.set_title("Layer outputs vs reference (relative max |diff|)")
    layer_ax.legend(fontsize=8)

    tol = None
    for r in result.runs:
        steps = (r.get("training") or {}).get("steps")
        if steps:
            values = [max([d["rel"] for d in s["weights"].values()] or [0]) for s in steps]
            step_ax.plot([s["step"] for s in steps], [max(v, 1e-18) for v in values], marker=".",
                         label=r["label"])
            tol = r["training"]["tolerance"]
    if tol:
        step_ax.axhline(tol, color="red", linestyle=":", label=f"tolerance {tol:g}")
    step_ax.set_yscale("log")
    step_ax.set_title("Weights after each step vs reference (largest relative)")
    step_ax.set_xlabel("step")
    step_ax.legend(fontsize=8)
    fig.suptitle(headline(result), fontsize=10)
    fig.tight_layout()
    return fig


def plot(result, path):
    """Write :func:`figure` as a PNG to ``path``.

    Raises:
        ImportError: matplotlib is not installed (the message says how to install it).
    """
    plt = _pyplot()
    fig = figure(result)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def html_page(result) -> str:
    """One self-contained page: the console table, the per-layer functions, the plot inline."""
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'>",
             f"<title>{html.escape(headline(result))}</title>",
             "<style>body{font-family:sans-serif;margin:2em}pre{background:#f6f6f6;padding:1em;"
             "overflow-x:auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
             "padding:2px 6px;font-size:90%}.bad{color:#b00}</style></head><body>",
             f"<h1>{html.escape(headline(result))}</h1>",
             "<h2>Summary</h2>", f"<pre>{html.escape(console_table(result))}</pre>"]
    try:
        plt = _pyplot()
        fig = figure(result)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=90)
        plt.close(fig)
        encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
        parts.append(f"<h2>Plots</h2><img alt='loss curves and per-layer differences' "
                     f"src='data:image/png;base64,{encoded}'>")
    except ImportError as exc:
        parts.append(f"<p>(No plots: {html.escape(str(exc))})</p>")
    for r in result.runs:
        layers = (r.get("inference") or {}).get("layers")
        if not layers:
            continue
        parts.append(f"<h2>{html.escape(r['label'])}: layers</h2><table><tr><th>layer</th>"
                     "<th>class</th><th>max |diff|</th><th>mean |diff|</th><th>relative</th>"
                     "<th>functions</th><th>functions wrong on their own</th></tr>")
        for x in layers:
            cls = "" if x["within_tolerance"] else " class='bad'"
            suspects = ", ".join(c["op"] for c in x.get("op_checks", []) if c["suspect"])
            parts.append(f"<tr{cls}><td>{html.escape(x['layer'])}</td><td>{x['class']}</td>"
                         f"<td>{_sci(x['max_abs'])}</td><td>{_sci(x['mean_abs'])}</td>"
                         f"<td>{_sci(x['rel'])}</td><td>{html.escape(', '.join(x['functions']))}"
                         f"</td><td>{html.escape(suspects) or '-'}</td></tr>")
        parts.append("</table>")
        steps = (r.get("training") or {}).get("steps")
        if steps:
            parts.append(f"<h2>{html.escape(r['label'])}: training steps</h2><table><tr>"
                         "<th>step</th><th>loss</th><th>reference loss</th><th>loss relative</th>"
                         "<th>largest gradient relative</th><th>largest weight relative</th></tr>")
            for s in steps:
                g = max([d["rel"] for d in s["gradients"].values()] or [0])
                w = max([d["rel"] for d in s["weights"].values()] or [0])
                parts.append(f"<tr><td>{s['step']}</td><td>{s['loss']['value']:.6f}</td>"
                             f"<td>{s['loss']['reference']:.6f}</td><td>{_sci(s['loss']['rel'])}"
                             f"</td><td>{_sci(g)}</td><td>{_sci(w)}</td></tr>")
            parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
