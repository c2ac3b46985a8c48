"""``twin transit [PROJECT] [--gtfs FILE] --out DIR [--date YYYY-MM-DD]``: transit access.

Reads the project's GTFS feed (``project.metadata["gtfs"]``, relative to the project file)
or ``--gtfs``, walks the project's ``roads`` to every stop, and writes to DIR:

- ``transit.gpkg``: ``stops`` (departures/hour in the PTAL peak and over the day),
  ``routes`` (departures/hour, headway), ``ptal`` (accessibility index and band per building,
  or per 100 m grid cell without buildings), ``catchments`` (street within 5 and 10 min of a
  stop), ``hubs``;
- ``transit_kpis.json``: persons/premises within 5/10 min, persons and premises per PTAL
  band, hubs with their lines, route service levels, warnings and parameters.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

import twin
from twin.errors import DataError
from twin.i18n import tr
from twin.kpi import format_published
from twin.layers.privacy import Published
from twin.layers.transit import project_gtfs_path, read_gtfs
from twin.sim.network import RoadGraph
from twin.sim.transit.access import catchment_lines
from twin.sim.transit.study import TransitStudy

GRID_CELL_M = 100.0  # TfL computes PTAL on a 100 m grid


def register(subparsers) -> None:
    """Add the ``transit`` subcommand."""
    parser = subparsers.add_parser(
        "transit", help=tr("transit service levels, walk catchments and PTAL (GeoPackage + JSON)")
    )
    parser.add_argument("project", nargs="?", help=tr("a .twin project (default: the sample)"))
    parser.add_argument("--gtfs", help=tr("GTFS zip or folder (default: the project's feed)"))
    parser.add_argument("--out", required=True, help=tr("output folder"))
    parser.add_argument(
        "--date", help=tr("day studied, YYYY-MM-DD (default: a Tuesday of the feed)")
    )
    parser.add_argument(
        "--hub-radius",
        type=float,
        default=150.0,
        help=tr("walk radius of a hub in metres (default 150)"),
    )
    parser.set_defaults(func=run)


def _locations(project, roads: gpd.GeoDataFrame):
    """(frame of locations with geometry, xy, population, premises, kind)."""
    for name in ("buildings", "population_grid"):
        try:
            frame = project.layer(name).frame
        except KeyError:
            continue
        if len(frame):
            xy = shapely.get_coordinates(shapely.centroid(frame.geometry.values))
            population = frame["population"].to_numpy(float) if "population" in frame else None
            premises = frame["premises"].to_numpy(float) if "premises" in frame else None
            return frame, xy, population, premises, name
    minx, miny, maxx, maxy = roads.total_bounds
    xs = np.arange(minx + GRID_CELL_M / 2, maxx, GRID_CELL_M)
    ys = np.arange(miny + GRID_CELL_M / 2, maxy, GRID_CELL_M)
    gx, gy = np.meshgrid(xs, ys)
    xy = np.column_stack([gx.ravel(), gy.ravel()])
    half = GRID_CELL_M / 2
    cells = shapely.box(xy[:, 0] - half, xy[:, 1] - half, xy[:, 0] + half, xy[:, 1] + half)
    frame = gpd.GeoDataFrame({"cell": np.arange(len(xy))}, geometry=cells, crs=roads.crs)
    return frame, xy, None, None, "grid"


def published_kpis(result, frame) -> dict:
    """``result.kpis`` with every persons/premises figure through the privacy gate, each
    resting on the households of the locations it counts (``households`` column of the
    locations; persons stand in without it)."""
    from twin.layers.privacy import publish

    table = result.locations
    if "households" in frame:
        households = frame["households"].to_numpy(dtype=float)
    else:
        households = None
    kpis = dict(result.kpis)

    def gate(value, members):
        count = None if households is None else float(households[members].sum())
        return publish(value, count, "persons").to_json()

    for key in list(kpis):
        if key.startswith(("persons_within_", "premises_within_")):
            minutes = key.split("_within_")[1]
            kpis[key] = gate(kpis[key], table[f"within_{minutes}"].to_numpy(dtype=bool))
        elif key in ("persons_per_ptal_band", "premises_per_ptal_band"):
            bands = table["ptal"].astype(str).to_numpy()
            kpis[key] = {band: gate(v, bands == band) for band, v in kpis[key].items()}
        elif key in ("persons_total", "premises_total"):
            kpis[key] = gate(kpis[key], slice(None))
    return kpis


def run(args: argparse.Namespace) -> int:
    """Compute and write the transit layers and KPIs; returns 0."""
    project = twin.open_project(args.project)
    network = read_gtfs(project_gtfs_path(project, args.gtfs), crs=project.crs)
    try:
        roads = project.layer("roads").frame
    except KeyError as error:
        raise DataError(tr("the project has no 'roads' layer to walk along")) from error
    graph = RoadGraph.from_lines(roads)
    frame, xy, population, premises, kind = _locations(project, roads)
    study = TransitStudy(network, graph, xy, population, premises, day=args.date)
    result = study.baseline()
    ptal = study.parameters.ptal
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    gpkg = out / "transit.gpkg"
    if gpkg.exists():
        gpkg.unlink()

    stops = network.stops.frame.copy()
    peak = study.stop_service(ptal.peak_start, ptal.peak_end).set_index("stop_id")
    day = study.stop_service("00:00", "24:00").set_index("stop_id")
    stops["departures_per_hour"] = stops["stop_id"].map(peak["departures_per_hour"]).fillna(0)
    stops["departures_day"] = stops["stop_id"].map(day["departures"]).fillna(0).astype(int)
    stops.to_file(gpkg, layer="stops", driver="GPKG")

    routes = network.routes.frame.copy()
    levels = study.route_service(ptal.peak_start, ptal.peak_end).set_index("route_id")
    for column in ("trips", "departures_per_hour", "headway_min"):
        routes[column] = routes["route_id"].map(levels[column])
    routes[routes.geometry.notna()].to_file(gpkg, layer="routes", driver="GPKG")

    table = result.locations
    ptal_frame = gpd.GeoDataFrame(
        {
            "location": np.arange(len(frame)),
            "walk_min": np.round(table["walk_min"].to_numpy(), 2),
            "ai": np.round(table["ai"].to_numpy(), 2),
            "ptal": table["ptal"].to_numpy(),
        },
        geometry=frame.geometry.values,
        crs=project.crs,
    )
    if "building_id" in frame:
        ptal_frame.insert(0, "building_id", frame["building_id"].to_numpy())
    ptal_frame.to_file(gpkg, layer="ptal", driver="GPKG")

    speed = ptal.walk_speed_m_per_min
    served_xy = study.stops.loc[study.stops["stop_id"].isin(study.served), ["x", "y"]]
    served = graph.attach(
        served_xy.to_numpy(dtype=float), max_distance=study.parameters.max_connector_m
    )
    minutes = study.parameters.catchment_minutes
    catchments = gpd.GeoDataFrame(
        {"minutes": list(minutes)},
        geometry=[catchment_lines(graph, result.node_distance, m * speed, served) for m in minutes],
        crs=project.crs,
    )
    catchments.to_file(gpkg, layer="catchments", driver="GPKG")

    hubs = study.hubs(radius_m=args.hub_radius)
    if len(hubs):
        hubs.to_file(gpkg, layer="hubs", driver="GPKG")

    components = graph.components()
    warnings = list(result.warnings)
    if components.count > 1:
        warnings.append(components.summary())
    kpis = {
        "date": study.day.isoformat(),
        "peak_window": [ptal.peak_start, ptal.peak_end],
        "locations": kind,
        "feed": str(network.source),
        "feed_attribution": network.agencies,
        **published_kpis(result, frame),
        "hubs": [
            {
                "name": row.name,
                "lines": row.lines.split(";"),
                "modes": row.modes.split(";"),
                "stops": row.stop_ids.split(";"),
            }
            for row in hubs.itertuples()
        ],
        "routes": [
            {
                "route_id": str(r.route_id),
                "name": str(r.route_short_name),
                "mode": r.mode,
                "departures_per_hour": round(float(r.departures_per_hour), 2),
            }
            for r in levels.reset_index().itertuples()
        ],
        "warnings": warnings,
        "parameters": ptal.to_dict(),
    }
    (out / "transit_kpis.json").write_text(json.dumps(kpis, indent=2, ensure_ascii=False))
    within = kpis["persons_within_10min"]
    within = Published(None, True) if isinstance(within, dict) else Published(within)
    print(
        tr("{0} stops, {1} within 10 min walk of a stop; wrote {gpkg} and {2}").format(
            len(stops), format_published(within, "persons"), out / "transit_kpis.json", gpkg=gpkg
        )
    )
    return 0
