"""``twin app [PROJECT]`` (also plain ``twin``): open the desktop application."""

from __future__ import annotations

import argparse

from twin.cli.environment import (  # noqa: F401 (re-exported: tests and scripts)
    XCB_CURSOR_HINT,
    missing_qt_library,
    preload_data_stack,
    skip_cloud_sdk,
)
from twin.i18n import tr


def register(subparsers) -> None:
    """Add the ``app`` subcommand."""
    parser = subparsers.add_parser("app", help=tr("open the desktop application (default)"))
    parser.add_argument(
        "project", nargs="?", help=tr("a .twin project or data file (default: sample)")
    )
    parser.add_argument(
        "--startup-time",
        action="store_true",
        help=tr(
            "print the seconds from process start to the first drawn frame of the map "
            "(and each step before it), then exit"
        ),
    )
    parser.add_argument(
        "--kpi-wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help=tr(
            "with --startup-time: also wait up to SECONDS for the baseline KPIs and print "
            "when they appeared"
        ),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Start the Qt application and block until its window closes."""
    from pathlib import Path

    import twin
    from twin.cli import startup_clock

    target = Path(args.project) if args.project else twin.sample_project_path()
    early = None
    from twin.sim.whatif import pool

    pool.enable()  # engine processes for comparisons, started when the engines start
    if missing_qt_library() is None and target.exists():  # else run_app says what is wrong
        preload_data_stack()
        startup_clock.mark("data libraries imported")
        from twin.ui.project.early import start_early_read

        early = start_early_read(target)  # reads the visible layers while Qt loads
    from twin.ui.app import run_app

    return run_app(
        args.project, startup_time=args.startup_time, kpi_wait_s=args.kpi_wait, early=early
    )
