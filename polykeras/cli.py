"""The ``polykeras`` command: ``polykeras compare ...`` (``polykeras --help`` lists the rest)."""

from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
    from .compare import cli as compare_cli

    parser = argparse.ArgumentParser(prog="polykeras", description="polykeras tools")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    compare_cli.add_parser(subparsers)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
