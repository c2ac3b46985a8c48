"""The ``twin`` command: no argument opens the app; subcommands run headless.

Each subcommand lives in its own module of this package exposing ``register(subparsers)``
which adds a parser whose ``func(args) -> int`` runs it. Only the module of the command
being run is imported (the engines behind the others cost seconds to import); ``--help``
lists the commands from :data:`COMMANDS` without importing any. Errors a person can fix
(:class:`twin.errors.TwinError`) are printed as one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from twin import __version__
from twin.cli import startup_clock

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
    "new": ("twin.cli.new", "build a project for French communes from a folder of open data"),
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
    from twin.errors import TwinError

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
