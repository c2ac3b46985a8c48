"""``twin app [PROJECT]`` (also plain ``twin``): open the desktop application."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    """Add the ``app`` subcommand."""
    parser = subparsers.add_parser("app", help="open the desktop application (default)")
    parser.add_argument("project", nargs="?", help="a .twin project or data file (default: sample)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Start the Qt application and block until its window closes."""
    from twin.ui.app import run_app

    return run_app(args.project)
