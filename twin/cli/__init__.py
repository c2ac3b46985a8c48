"""The ``twin`` command: no argument opens the app; subcommands run headless.

Each subcommand lives in its own module of this package exposing ``register(subparsers)``
which adds a parser whose ``func(args) -> int`` runs it. Errors a person can fix
(:class:`twin.errors.TwinError`) are printed as one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import contextlib
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
        with _warnings_as_lines(args.command):
            return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"twin {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # every error becomes one line; see error_line
        import os  # here, not at the top: keeps this change apart from the imports
        import traceback

        status, line = error_line(error)
        if os.environ.get("TWIN_DEBUG"):
            traceback.print_exc()
        print(f"twin {args.command}: {line}", file=sys.stderr)
        return status


def error_line(error: BaseException) -> tuple[int, str]:
    """(exit status, one-line message) for an error that reached the command line.

    Errors a person can fix exit with 2: :class:`TwinError`, file-system errors (missing,
    read-only or full folders, permissions), inputs too big for memory and inputs nested too
    deeply. Anything else is a bug in twin: status 1, still one line (``TWIN_DEBUG=1`` prints
    the traceback).
    """
    if isinstance(error, TwinError):
        return 2, _one_line(str(error))
    if isinstance(error, OSError):
        what = error.strerror or str(error) or type(error).__name__
        where = f": {error.filename}" if error.filename else ""
        if error.filename2:
            where += f" -> {error.filename2}"
        return 2, _one_line(f"{what}{where}")
    if _is_storage_error(error):
        return 2, _one_line(f"cannot read or write a file: {error}")
    if isinstance(error, MemoryError):
        return 2, (
            "not enough memory for this input (it is too big for this machine, or its header "
            "claims a size it does not have)"
        )
    if isinstance(error, RecursionError):
        return 2, "the input is nested too deeply (JSON or data structure); it is refused"
    detail = _one_line(str(error)) or "no message"
    return 1, (
        f"internal error ({type(error).__name__}: {detail}); please report it "
        "(TWIN_DEBUG=1 shows the traceback)"
    )


# Library errors that mean a file could not be opened or written (an unwritable --out
# folder, a full disk): GDAL through pyogrio and SQLite raise their own types, not OSError.
_STORAGE_ERRORS = {
    ("pyogrio.errors", "DataSourceError"),
    ("pyogrio.errors", "DataLayerError"),
    ("sqlite3", "OperationalError"),
}


def _is_storage_error(error: BaseException) -> bool:
    kind = type(error)
    return (kind.__module__, kind.__name__) in _STORAGE_ERRORS


@contextlib.contextmanager
def _warnings_as_lines(command: str):
    """Show each warning raised while ``command`` runs as one stderr line."""
    import warnings

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        print(f"twin {command}: warning: {_one_line(str(message))}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


def _one_line(text: str, limit: int = 400) -> str:
    """``text`` on one line, shortened to ``limit`` characters."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


if __name__ == "__main__":
    sys.exit(main())
