"""The ``twin`` command: no argument opens the app; subcommands run headless.

Each subcommand lives in its own module of this package exposing ``register(subparsers)``
which adds a parser whose ``func(args) -> int`` runs it. Errors a person can fix
(:class:`twin.errors.TwinError`) are printed as one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from twin import __version__
from twin.errors import TwinError

# Subcommand modules, in the order --help lists them. A module that is not there yet
# (engines land one issue at a time) is skipped.
COMMAND_MODULES = (
    "twin.cli.app",
    "twin.cli.info",
    "twin.cli.render",
    "twin.cli.coverage",
    "twin.cli.fiber",
    "twin.cli.transit",
    "twin.cli.energy",
    "twin.cli.simulate",
    "twin.cli.plan",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="twin", description="twin: a digital twin of a territory."
    )
    parser.add_argument("--version", action="version", version=f"twin {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name == name:
                continue
            raise
        module.register(subparsers)
    parser.set_defaults(known_commands=frozenset(subparsers.choices))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``twin`` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    commands = parser.get_default("known_commands")
    if not argv or (argv[0] not in commands and not argv[0].startswith("-")):
        argv = ["app", *argv]
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except TwinError as error:
        print(f"twin {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"twin {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
