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
import os
import sys

from twin import __version__
from twin.cli import startup_clock
from twin.errors import TwinError
from twin.i18n import LANGUAGES, N_, normalise_language, set_language, tr

startup_clock.mark("twin.cli imported")

# Subcommands in the order --help lists them: name -> (module, one-line help). The help is
# repeated here so that --help needs no import; tests check it matches each module's.
COMMANDS: dict[str, tuple[str, str]] = {
    "app": ("twin.cli.app", N_("open the desktop application (default)")),
    "info": (
        "twin.cli.info",
        N_("describe a project or data file: layers, CRS, counts, extent, sources"),
    ),
    "render": ("twin.cli.render", N_("draw a project or data file to an image, headless")),
    "coverage": ("twin.cli.coverage", N_("mobile coverage: GeoTIFFs + people per coverage level")),
    "fiber": (
        "twin.cli.fiber",
        N_("plan a fiber (FTTH) extension: route, PBOs, capex (GeoPackage + JSON)"),
    ),
    "transit": (
        "twin.cli.transit",
        N_("transit service levels, walk catchments and PTAL (GeoPackage + JSON)"),
    ),
    "energy": (
        "twin.cli.energy",
        N_("power flow, EV/PV what-ifs and hosting capacity of the grid"),
    ),
    "simulate": (
        "twin.cli.simulate",
        N_("run a scenario in every engine: layers, KPIs (JSON) and a map (PNG)"),
    ),
    "travel": (
        "twin.cli.travel",
        N_("door-to-door travel times (walk, bike, transit with transfers) and isochrones"),
    ),
    "plan": ("twin.cli.plan", N_("budgeted placement of new mobile sites, phased, with ROI")),
    "present": (
        "twin.cli.present",
        N_("export a story: PDF deck, a PNG per step or an MP4 video"),
    ),
    "new": ("twin.cli.new", N_("build a project for French communes from a folder of open data")),
    "batch": (
        "twin.cli.batch",
        N_("whole-territory runs on a Dask cluster: coverage by tiles, hosting capacity by buses"),
    ),
    "export-open-data": (
        "twin.cli.export_open_data",
        N_(
            "write a scenario's results as an open data package (GeoPackage, GeoJSON, CSV, "
            "datapackage)"
        ),
    ),
    "compare-coverage": (
        "twin.cli.compare_coverage",
        N_("twin's predicted coverage against the Arcep map: agreement and extra-loss fit"),
    ),
    "reports": (
        "twin.cli.reports",
        N_("citizen reports: import (contact data separated), subject access and erasure (GDPR)"),
    ),
}
COMMAND_MODULES = tuple(module for module, _help in COMMANDS.values())
_MAIN_OPTIONS = ("-h", "--help", "--version")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser: ``command``'s subparser in full (its module imported), the other
    commands as names with their help only (``None``: all as names, nothing imported).
    """
    parser = argparse.ArgumentParser(
        prog="twin", description=tr("twin: a digital twin of a territory.")
    )
    parser.add_argument("--version", action="version", version=f"twin {__version__}")
    parser.add_argument(  # taken out of argv by main() before parsing (any position)
        "--lang",
        choices=LANGUAGES,
        help=tr(
            "language of the interface and messages, for the app and every command "
            "(default: French on a French locale, else English)"
        ),
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        if name == command:
            importlib.import_module(module_name).register(subparsers)
        else:
            subparsers.add_parser(name, help=tr(help_text))
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


def take_language(argv: list[str]) -> tuple[str | None, list[str]]:
    """``--lang fr`` / ``--lang=en`` taken out of ``argv`` wherever it stands (before or
    after the command): (the language or None, the other arguments). Raises ValueError
    (a one-line message) for a language twin does not speak."""
    rest: list[str] = []
    language: str | None = None
    items = iter(argv)
    for item in items:
        if item == "--":
            rest.append(item)
            rest.extend(items)
            break
        if item == "--lang" or item.startswith("--lang="):
            value = item.partition("=")[2] if "=" in item else next(items, "")
            language = normalise_language(value)
            if language is None:
                raise ValueError(
                    tr("--lang {value!r}: choose one of {choices}").format(
                        value=value, choices=", ".join(LANGUAGES)
                    )
                )
            continue
        rest.append(item)
    return language, rest


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``twin`` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        language, argv = take_language(argv)
    except ValueError as error:
        print(f"twin: {error}", file=sys.stderr)
        return 2
    if language is not None:
        os.environ["TWIN_LANG"] = language  # worker processes and the app follow it
    set_language(language)
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
        print(tr("twin {command}: interrupted").format(command=args.command), file=sys.stderr)
        return 130
    except Exception as error:  # every error becomes one line; see error_line
        import traceback

        status, line = error_line(error)
        if os.environ.get("TWIN_DEBUG"):
            traceback.print_exc()
        print(tr("twin {command}: {line}").format(command=args.command, line=line), file=sys.stderr)
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
        return 2, _one_line(tr("cannot read or write a file: {error}").format(error=error))
    if isinstance(error, MemoryError):
        return 2, (
            tr(
                "not enough memory for this input (it is too big for this machine, or its header "
                "claims a size it does not have)"
            )
        )
    if isinstance(error, RecursionError):
        return 2, tr("the input is nested too deeply (JSON or data structure); it is refused")
    detail = _one_line(str(error)) or "no message"
    return 1, (
        tr(
            "internal error ({0}: {detail}); please report it (TWIN_DEBUG=1 shows the traceback)"
        ).format(type(error).__name__, detail=detail)
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
        print(
            tr("twin {command}: warning: {0}").format(_one_line(str(message)), command=command),
            file=sys.stderr,
        )

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


def _one_line(text: str, limit: int = 400) -> str:
    """``text`` on one line, shortened to ``limit`` characters."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


if __name__ == "__main__":
    sys.exit(main())
