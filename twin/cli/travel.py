"""``twin travel``: door-to-door travel times by walk, bike and transit with transfers.

    twin travel [PROJECT] --from X,Y | --from-layer NAME [--depart HH:MM] [--window MIN]
                [--modes walk,bike,transit] [--date YYYY-MM-DD] --out DIR

From a point (``--from``, project metres) it writes to DIR:
- ``travel_time_median.tif``, ``travel_time_p5.tif``, ``travel_time_p95.tif``: minutes over
  the departure window (median, 5th and 95th percentile), ``--cell`` metre pixels over the
  project extent, -1 where not reached within the maximum duration;
- ``isochrones.gpkg``: polygons reached within 10, 20, 30, 45 and 60 minutes (median);
- ``travel.json``: persons and premises reached within each threshold (privacy rule
  applied), the window, modes, day and parameters.
From each feature of a layer (``--from-layer``), ``access.gpkg`` gives every origin the
persons and premises it reaches within ``--within`` minutes (or, with ``--to-layer NAME``,
the number of that layer's features: schools, health centres...), and ``travel.json`` the
median over the origins.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from twin.errors import DataError
from twin.i18n import tr

DEFAULT_MODES = "walk,transit"


def register(subparsers) -> None:
    """Add the ``travel`` subcommand."""
    parser = subparsers.add_parser(
        "travel",
        help=tr("door-to-door travel times (walk, bike, transit with transfers) and isochrones"),
    )
    parser.add_argument("project", nargs="?", help=tr("a .twin project (default: the sample)"))
    origin = parser.add_mutually_exclusive_group(required=True)
    origin.add_argument("--from", dest="origin", help=tr("origin X,Y in project metres"))
    origin.add_argument("--from-layer", help=tr("every feature of this layer is an origin"))
    parser.add_argument("--depart", default="07:00", help=tr("first departure HH:MM (07:00)"))
    parser.add_argument("--window", type=int, default=120, help=tr("departure window, min (120)"))
    parser.add_argument(
        "--modes",
        default=DEFAULT_MODES,
        help=tr(
            "comma-separated: walk, bike, transit, bike_and_ride, park_and_ride "
            "(default {DEFAULT_MODES})"
        ).format(DEFAULT_MODES=DEFAULT_MODES),
    )
    parser.add_argument("--date", help=tr("day, YYYY-MM-DD (default: a Tuesday of the feed)"))
    parser.add_argument("--gtfs", help=tr("GTFS zip or folder (default: the project's feed)"))
    parser.add_argument("--cell", type=float, default=100.0, help=tr("raster pixel, m (100)"))
    parser.add_argument(
        "--within", type=float, default=30.0, help=tr("minutes for --from-layer reach (30)")
    )
    parser.add_argument(
        "--to-layer",
        help=tr(
            "with --from-layer: count this layer's features reached (default: persons and "
            "premises of the buildings)"
        ),
    )
    parser.add_argument(
        "--bike-parking",
        help=tr("bike_and_ride stops: a layer (stops within 150 m of its features) or stop ids"),
    )
    parser.add_argument(
        "--park-and-ride",
        help=tr("park_and_ride stops: a layer (stops within 150 m of its features) or stop ids"),
    )
    parser.add_argument("--step", type=int, default=1, help=tr("minutes between departures (1)"))
    parser.add_argument("--out", required=True, help=tr("output folder"))
    parser.set_defaults(func=run)


def _point(text: str) -> np.ndarray:
    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        raise DataError(
            tr("--from {text!r}: give X,Y in project metres, e.g. 351800,6789300").format(text=text)
        ) from None
    if not (np.isfinite(x) and np.isfinite(y)):
        raise DataError(tr("--from {text!r}: coordinates must be finite numbers").format(text=text))
    return np.array([x, y])


def _modes(text: str) -> tuple[str, ...]:
    from twin.sim.transit.travel import MODES

    modes = tuple(m.strip() for m in text.split(",") if m.strip())
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        raise DataError(
            tr("--modes {text!r}: unknown mode {0}; allowed: {1}").format(
                ", ".join(unknown) or "(none)", ", ".join(MODES), text=text
            )
        )
    return modes


def run(args: argparse.Namespace) -> int:
    """Compute travel times and write the files; returns 0."""
    from twin.sim.transit.travel import Window
    from twin.sim.transit.travel_project import ProjectTravel

    modes = _modes(args.modes)
    window = Window(args.depart, args.window, args.step)
    window.times()  # validates before the slow part
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cell = args.cell if args.origin is not None else None
    if cell is not None and not (np.isfinite(cell) and cell > 0):
        raise DataError(
            tr("--cell {cell}: the pixel size must be a positive number of metres").format(
                cell=cell
            )
        )
    travel = ProjectTravel.open(
        args.project,
        gtfs=args.gtfs,
        day=args.date,
        cell_m=cell,
        bike_parking=args.bike_parking,
        park_and_ride=args.park_and_ride,
    )
    if args.origin is not None:
        summary = travel.write_from_point(_point(args.origin), window, modes, out)
    else:
        if not (np.isfinite(args.within) and args.within > 0):
            raise DataError(
                tr("--within {within}: give a positive number of minutes").format(
                    within=args.within
                )
            )
        summary = travel.write_from_layer(
            args.from_layer, window, modes, args.within, out, args.to_layer
        )
    (out / "travel.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    print(tr("wrote {out}").format(out=out))
    return 0
