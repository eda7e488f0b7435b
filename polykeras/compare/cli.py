"""The ``compare`` subcommand of the ``polykeras`` command."""

from __future__ import annotations

import sys


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "compare", help="run one model on several backends and find where they disagree",
        description="Run TARGET on several backends (each in its own process) from the same "
                    "initial weights and batch order; compare every layer's output and every "
                    "training step with a float64 NumPy reference run; name the layer (and "
                    "backend function) or the training step (and weight) where they part.")
    parser.add_argument("target", nargs="?",
                        help="a Python file or module defining build_model() and get_data(), "
                             "or a bundled example (--list)")
    parser.add_argument("--backends", default="numpy,torch,jax",
                        help="comma-separated backends: numpy, torch, jax or dotted module "
                             "paths (default: numpy,torch,jax)")
    parser.add_argument("--epochs", type=int, default=1, help="training epochs (0: inference only)")
    parser.add_argument("--steps", type=int, default=10,
                        help="training steps compared in detail: gradients and weights after "
                             "every update (default 10)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1234,
                        help="seed of the initial weights, the batch order and the backends' "
                             "streams")
    parser.add_argument("--reference", default="float64",
                        help="float64 (the NumPy backend in float64, default) or one of --backends")
    parser.add_argument("--same-randomness", action="store_true",
                        help="dropout and noise masks from one backend-independent stream")
    parser.add_argument("--data", help="dataset folder passed to the target's get_data(data=...)")
    parser.add_argument("--max-samples", type=int, default=2048,
                        help="use at most this many training and test samples (default 2048; "
                             "0: all)")
    parser.add_argument("--inference-samples", type=int, default=256,
                        help="test samples of the layer-by-layer comparison (default 256)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per backend")
    parser.add_argument("--jobs", type=int, default=1,
                        help="backends run at the same time (default 1; more is faster on "
                             "several cores, but the seconds measured then include the others')")
    parser.add_argument("--json", metavar="PATH", help="write every number as JSON")
    parser.add_argument("--plot", metavar="PATH", help="write loss curves and per-layer "
                                                      "differences as a PNG (needs matplotlib)")
    parser.add_argument("--html", metavar="PATH", help="write one self-contained HTML page")
    parser.add_argument("--list", action="store_true", help="list the bundled targets and exit")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.set_defaults(handler=run)
    return parser


def run(args) -> int:
    from .report import _pyplot
    from .runner import compare
    from .targets import TargetError, bundled_targets

    if args.list:
        for name, path in bundled_targets().items():
            print(f"{name}\t{path}")
        return 0
    if not args.target:
        print("polykeras compare: Expected a TARGET: a Python file, a module or one of the "
              f"bundled examples {sorted(bundled_targets())}", file=sys.stderr)
        return 2
    if args.plot or args.html:
        try:
            _pyplot()
        except ImportError as exc:
            if args.plot:
                print(f"polykeras compare: {exc}", file=sys.stderr)
                return 2
    log = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    try:
        result = compare(args.target, backends=args.backends, epochs=args.epochs,
                         steps=args.steps, batch_size=args.batch_size, seed=args.seed,
                         reference=args.reference, same_randomness=args.same_randomness,
                         data=args.data, max_samples=args.max_samples,
                         inference_samples=args.inference_samples, timeout=args.timeout,
                         jobs=args.jobs,
                         json_path=args.json, plot_path=args.plot, html_path=args.html, log=log)
    except (TargetError, ValueError) as exc:
        print(f"polykeras compare: {exc}", file=sys.stderr)
        return 2
    print(result.table())
    for what, path in (("JSON", args.json), ("plot", args.plot), ("HTML", args.html)):
        if path:
            print(f"Wrote {what}: {path}")
    return 0 if result.ok else 1
