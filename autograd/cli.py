"""The ``chainrule`` command: ``chainrule demo`` and ``chainrule graph``.

``python -m autograd`` runs the same command.
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence


def _demo(args: argparse.Namespace) -> int:
    from nn.demo import main as demo_main

    return demo_main(out_dir=args.out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="chainrule",
        description="chainrule: train a network and draw the chain rule "
                    "(demo), or draw an expression's graph and backward pass (graph).")
    from . import __version__

    parser.add_argument("--version", action="version", version=f"chainrule {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="train a network, draw its graph, print the result")
    demo.add_argument("--out", default="out", help="folder for the SVG and plots (default: out)")
    demo.set_defaults(func=_demo)
    try:
        from .graph_cli import add_parser as add_graph_parser
    except ImportError:
        add_graph_parser = None
    if add_graph_parser is not None:
        add_graph_parser(sub)
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
