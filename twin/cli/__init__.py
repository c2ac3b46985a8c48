"""The ``twin`` command: no argument opens the app; subcommands run headless.

Each subcommand lives in its own module of this package exposing ``register(subparsers)``
which adds a parser whose ``func(args) -> int`` runs it. Only the module of the command
being run is imported (the engines behind the others cost seconds to import); ``--help``
lists the commands from :data:`COMMANDS` without importing any. Errors a person can fix
(:class:`twin.errors.TwinError`) are printed as one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys

from twin import __version__
from twin.cli import startup_clock
from twin.errors import TwinError

startup_clock.mark("twin.cli imported")

# Subcommands in the order --help lists them: name -> (module, one-line help). The help is
# repeated here so that --help needs no import; tests check it matches each module's.
COMMANDS: dict[str, tuple[str, str]] = {
    "app": ("twin.cli.app", "open the desktop application (default)"),
    "info": (
        "twin.cli.info",
        "describe a project or data file: layers, CRS, counts, extent, sources",
    ),
    "render": ("twin.cli.render", "draw a project or data file to an image, headless"),
    "coverage": ("twin.cli.coverage", "mobile coverage: GeoTIFFs + people per coverage level"),
    "fiber": (
        "twin.cli.fiber",
        "plan a fiber (FTTH) extension: route, PBOs, capex (GeoPackage + JSON)",
    ),
    "transit": (
        "twin.cli.transit",
        "transit service levels, walk catchments and PTAL (GeoPackage + JSON)",
    ),
    "energy": (
        "twin.cli.energy",
        "power flow, EV/PV what-ifs and hosting capacity of the grid",
    ),
    "simulate": (
        "twin.cli.simulate",
        "run a scenario in every engine: layers, KPIs (JSON) and a map (PNG)",
    ),
    "travel": (
        "twin.cli.travel",
        "door-to-door travel times (walk, bike, transit with transfers) and isochrones",
    ),
    "plan": ("twin.cli.plan", "budgeted placement of new mobile sites, phased, with ROI"),
    "present": ("twin.cli.present", "export a story: PDF deck, a PNG per step or an MP4 video"),
    "new": ("twin.cli.new", "build a project for French communes from a folder of open data"),
    "export-open-data": (
        "twin.cli.export_open_data",
        "write a scenario's results as an open data package (GeoPackage, GeoJSON, CSV, "
        "datapackage)",
    ),
    "compare-coverage": (
        "twin.cli.compare_coverage",
        "twin's predicted coverage against the Arcep map: agreement and extra-loss fit",
    ),
}
COMMAND_MODULES = tuple(module for module, _help in COMMANDS.values())
_MAIN_OPTIONS = ("-h", "--help", "--version")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser: ``command``'s subparser in full (its module imported), the other
    commands as names with their help only (``None``: all as names, nothing imported).
    """
    parser = argparse.ArgumentParser(
        prog="twin", description="twin: a digital twin of a territory."
    )
    parser.add_argument("--version", action="version", version=f"twin {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        if name == command:
            importlib.import_module(module_name).register(subparsers)
        else:
            subparsers.add_parser(name, help=help_text)
    parser.set_defaults(known_commands=frozenset(subparsers.choices))
    return parser


def command_of(argv: list[str]) -> str | None:
    """The subcommand ``argv`` runs (``app`` when it names none: ``twin``, ``twin x.twin``,
    ``twin --startup-time``), or None for the main parser's own ``--help``/``--version``.
    """
    if not argv:
        return "app"
    if argv[0] in COMMANDS:
        return argv[0]
    if argv[0] in _MAIN_OPTIONS:
        return None
    return "app"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``twin`` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = command_of(argv)
    if command == "app" and (not argv or argv[0] != "app"):
        argv = ["app", *argv]
    parser = build_parser(command)
    args = parser.parse_args(argv)
    if args.command is None or not hasattr(args, "func"):
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
