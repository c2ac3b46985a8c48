"""Transit what-if: new lines and stops of a scenario added to the GTFS feed together, then
walk catchments and PTAL of every building (or population cell) against the baseline.

The combination follows :meth:`TransitStudy.add_line` / :meth:`TransitStudy.add_stop`
(same routing, frequencies and evaluation) for several changes at once; for one line it
gives exactly the study's numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from twin.errors import DataError
from twin.feedback import Feedback, ensure_feedback
from twin.i18n import tr
from twin.kpi import Figure
from twin.layers.privacy import HouseholdGroups
from twin.layers.provenance import Provenance
from twin.layers.style import (
    categorized_style,
    new_transit_line_style,
    new_transit_stop_style,
)
from twin.layers.transit import project_feed_path, read_gtfs
from twin.layers.vector import VectorLayer
from twin.scenario import AddTransitLine, AddTransitStop, Intervention
from twin.sim.transit.access import AccessResult, StopSet
from twin.sim.transit.catchment import subset_attachment
from twin.sim.transit.ptal import BAND_ORDER
from twin.sim.transit.study import TransitStudy
from twin.sim.transit.whatif import NewLine, NewStop, resolve_line_stops, route_line
from twin.sim.whatif.result import CONTEXTS, DomainResult, WhatIfOptions, relabel, road_graph
from twin.sim.whatif.transit_travel import people, prepare_destinations, travel_result

ENGINE = "transit"
GOOD_BANDS = ("3", "4", "5", "6a", "6b")  # PTAL 3 or better
DECIMALS = 3  # persons rounded to 1/1000: no float-summation noise in the deltas


def gtfs_path(project) -> Path:
    """The project's GTFS feed (``metadata["gtfs"]`` relative to the project file)."""
    path = project_feed_path(project)
    if path is None:
        raise DataError(tr("the project names no GTFS feed (metadata 'gtfs')"))
    return path


def _locations(project) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray, np.ndarray]:
    for name in ("buildings", "population_grid"):
        try:
            frame = project.layer(name).frame
        except (KeyError, AttributeError):
            continue
        if len(frame) and "population" in frame:
            if name == "buildings":
                xy = people(project)[0]  # the same centroids as the travel figures'
            else:
                xy = shapely.get_coordinates(shapely.centroid(frame.geometry.values))
            persons = frame["population"].to_numpy(float)
            premises = (
                frame["premises"].to_numpy(float) if "premises" in frame else np.zeros(len(xy))
            )
            return frame, xy, np.nan_to_num(persons), np.nan_to_num(premises)
    raise DataError(tr("the project has no buildings or population_grid layer with population"))


def _context(project) -> dict[str, Any]:
    store = CONTEXTS.store(project)
    if "transit" not in store:
        if not any(layer.id == "roads" or layer.name == "roads" for layer in project.layers):
            raise DataError(tr("the project has no 'roads' layer to walk along"))
        network = read_gtfs(gtfs_path(project), crs=project.crs)
        graph = road_graph(project)  # shared with the fiber what-if
        frame, xy, persons, premises = _locations(project)
        try:
            buildings = project.layer("buildings").frame
        except (KeyError, AttributeError):
            buildings = None
        locations = None
        if frame is buildings:
            # the travel figures attach the buildings too (farther): attached once, shared
            destinations = prepare_destinations(project, graph)
            locations = subset_attachment(destinations, np.arange(len(xy)))
        study = TransitStudy(network, graph, xy, persons, premises, locations=locations)
        store["transit"] = {"study": study, "frame": frame}
    return store["transit"]


def prepare(project, options: WhatIfOptions | None = None, feedback=None) -> None:
    """Build what every transit what-if of ``project`` reuses: the feed, the road graph,
    the access model and the walks from every baseline stop (a scenario then searches from
    its new stops only)."""
    study = _context(project)["study"]
    study.baseline(feedback)
    prepare_destinations(project, study.graph)


def _new_line(item: AddTransitLine) -> NewLine:
    return NewLine(
        stops=tuple(tuple(float(v) for v in stop) for stop in item.stops),
        headway_min=float(item.headway_min),
        mode=item.mode,
        service_start=item.service_start,
        service_end=item.service_end,
        name=item.name,
    )


def evaluate_changes(study: TransitStudy, interventions: list[Intervention], feedback=None):
    """(scenario AccessResult, routed lines [(name, mode, headway, LineRoute)], new stops
    frame) of the lines and stops added together."""
    ptal = study.parameters.ptal
    new_stops, added, served, routes = [], [], set(), []
    for item in interventions:
        if isinstance(item, AddTransitLine):
            line = _new_line(item)
            line_stops = resolve_line_stops(line, study.stops)
            route = route_line(study.graph, line_stops, line)
            routes.append((line.name, line.mode, line.headway_min, route))
            per_hour = line.departures_per_hour(ptal.peak_start, ptal.peak_end)
            added.append(
                pd.DataFrame(
                    {
                        "stop_id": line_stops["stop_id"],
                        "route_id": f"{line.name} (new)",
                        "mode": line.mode,
                        "departures_per_hour": per_hour,
                    }
                ).drop_duplicates("stop_id")
            )
            fresh = line_stops[~line_stops["stop_id"].isin(study.stops["stop_id"])]
            new_stops.append(fresh.assign(modes=line.mode))
            served |= set(line_stops["stop_id"])
        elif isinstance(item, AddTransitStop):
            known = study.frequencies.groupby("route_id")
            stop_id = f"{item.name} (new stop)"
            rows = []
            for route_id in item.route_ids:
                if route_id not in known.groups:
                    raise DataError(
                        tr("route {route_id!r} has no departure in the peak window").format(
                            route_id=route_id
                        )
                    )
                group = known.get_group(route_id)
                rows.append(
                    (stop_id, route_id, group["mode"].iloc[0], group["departures_per_hour"].max())
                )
            if not rows:
                raise DataError(
                    tr("new stop '{name}' is served by no route").format(name=item.name)
                )
            frame = pd.DataFrame(
                rows, columns=["stop_id", "route_id", "mode", "departures_per_hour"]
            )
            added.append(frame)
            new_stops.append(
                pd.DataFrame(
                    {
                        "stop_id": [stop_id],
                        "stop_name": [item.name],
                        "x": [float(item.x)],
                        "y": [float(item.y)],
                        "modes": [";".join(sorted(set(frame["mode"])))],
                    }
                )
            )
            served.add(stop_id)
    stops = pd.concat([study.stops, *new_stops], ignore_index=True)
    frequencies = pd.concat([study.frequencies, *added], ignore_index=True)
    result = study.model.evaluate(StopSet(stops, frequencies, study.served | served), feedback)
    extra = pd.concat(new_stops, ignore_index=True) if new_stops else None
    return result, routes, extra


def _figures(result: AccessResult, baseline: AccessResult, population: np.ndarray):
    kpis = result.kpis
    figures = []
    for band in BAND_ORDER:
        figures.append(
            Figure(
                f"transit.persons.ptal_{band}",
                f"Persons in PTAL band {band}",
                round(float(kpis["persons_per_ptal_band"][band]), DECIMALS),
                "persons",
                ENGINE,
                better="down" if band == "0" else "",
            )
        )
    good = round(sum(float(kpis["persons_per_ptal_band"][b]) for b in GOOD_BANDS), DECIMALS)
    figures.append(
        Figure(
            "transit.persons.ptal_3_or_better",
            "Persons in PTAL 3 or better",
            good,
            "persons",
            ENGINE,
        )
    )
    for key in sorted(k for k in kpis if k.startswith("persons_within_")):
        minutes = key.removeprefix("persons_within_")
        figures.append(
            Figure(
                f"transit.{key}",
                f"Persons within {minutes} walk of a stop",
                round(float(kpis[key]), DECIMALS),
                "persons",
                ENGINE,
            )
        )
    rank = {band: i for i, band in enumerate(BAND_ORDER)}
    before = baseline.locations["ptal"].map(rank).to_numpy()
    after = result.locations["ptal"].map(rank).to_numpy()
    raised = round(float(population[after > before].sum()), DECIMALS)
    figures.append(
        Figure(
            "transit.persons_band_raised", "Persons whose PTAL band rose", raised, "persons", ENGINE
        )
    )
    return figures


def _layers(context, result: AccessResult, routes, extra, crs) -> list[VectorLayer]:
    frame = context["frame"]
    table = result.locations
    ptal = gpd.GeoDataFrame(
        {
            "walk_min": np.round(table["walk_min"].to_numpy(), 2),
            "ai": np.round(table["ai"].to_numpy(), 2),
            "ptal": table["ptal"].astype(str).to_numpy(),
        },
        geometry=frame.geometry.values,
        crs=crs,
    )
    if "building_id" in frame:
        ptal.insert(0, "building_id", frame["building_id"].to_numpy())
    provenance = Provenance(
        source="engine:transit",
        method="TfL PTAL (accessibility index from walk time and peak frequencies) of every "
        "location, with the scenario's lines and stops added to the GTFS feed",
    )
    layers = [
        VectorLayer(
            "PTAL",
            ptal,
            style=categorized_style(ptal["ptal"], "ptal"),
            provenance=provenance,
            crs=crs,
        )
    ]
    if routes:
        lines = gpd.GeoDataFrame(
            {
                "name": [r[0] for r in routes],
                "mode": [r[1] for r in routes],
                "headway_min": [float(r[2]) for r in routes],
                "length_m": [round(r[3].length_m, 1) for r in routes],
                "in_vehicle_min": [round(r[3].in_vehicle_min, 2) for r in routes],
            },
            geometry=[r[3].geometry for r in routes],
            crs=crs,
        )
        layers.append(
            VectorLayer(
                "new lines", lines, style=new_transit_line_style(), provenance=provenance, crs=crs
            )
        )
    if extra is not None and len(extra):
        stops = gpd.GeoDataFrame(
            extra[["stop_id", "stop_name", "modes"]].astype(str),
            geometry=shapely.points(extra[["x", "y"]].to_numpy(dtype=float)),
            crs=crs,
        )
        layers.append(
            VectorLayer(
                "new stops", stops, style=new_transit_stop_style(), provenance=provenance, crs=crs
            )
        )
    return layers


def run(
    project,
    interventions: list[Intervention],
    feedback: Feedback | None = None,
    options: WhatIfOptions | None = None,
    scenario_name: str = "scenario",
) -> DomainResult:
    """PTAL and catchments with the scenario's lines and stops: persons per PTAL band,
    persons within 5/10 min of a stop, persons whose band rose (persons), and persons and
    premises reached within 30/45 min from the centre by walk + transit
    (:mod:`twin.sim.whatif.transit_travel`) with its isochrones. No capex model."""
    feedback = ensure_feedback(feedback)
    context = _context(project)
    study: TransitStudy = context["study"]
    baseline = study.baseline()
    changes = [i for i in interventions if isinstance(i, (AddTransitLine, AddTransitStop))]
    if changes:
        result, routes, extra = evaluate_changes(study, changes, feedback)
    else:
        result, routes, extra = baseline, [], None
    figures = _figures(result, baseline, study.model.population)
    feedback.set_progress(60.0, "travel times")
    lines = tuple(_new_line(i) for i in changes if isinstance(i, AddTransitLine))
    stops = tuple(
        NewStop(i.x, i.y, tuple(i.route_ids), stop_id=f"{i.name} (new stop)", name=i.name)
        for i in changes
        if isinstance(i, AddTransitStop)
    )
    travel_figures, travel_layers, travel_members = travel_result(
        project, study.network, study.graph, lines, stops, study.day
    )
    figures += travel_figures
    layers = [
        relabel(layer, scenario_name, ENGINE)
        for layer in [*_layers(context, result, routes, extra, project.crs), *travel_layers]
    ]
    feedback.set_progress(100.0, "transit done")
    groups = household_groups(context, result, baseline)
    if groups is not None:  # the travel figures count the same buildings
        groups.members.update(
            {k: v for k, v in travel_members.items() if len(v) == len(groups.households)}
        )
    details = {"day": str(study.day), "households": groups}
    return DomainResult(ENGINE, layers, figures, list(result.warnings), 0.0, details)


def household_groups(context, result: AccessResult, baseline: AccessResult):
    """The households behind each persons figure (PTAL bands, catchments, band raised) for
    the privacy gate; None when the locations have no households column."""
    frame = context["frame"]
    if "households" not in frame:
        return None
    bands = result.locations["ptal"].astype(str).to_numpy()
    members = {f"transit.persons.ptal_{band}": bands == band for band in BAND_ORDER}
    members["transit.persons.ptal_3_or_better"] = np.isin(bands, GOOD_BANDS)
    for column in result.locations.columns:
        if str(column).startswith("within_"):
            members[f"transit.persons_{column}"] = result.locations[column].to_numpy(bool)
    rank = {band: i for i, band in enumerate(BAND_ORDER)}
    before = baseline.locations["ptal"].map(rank).to_numpy()
    after = result.locations["ptal"].map(rank).to_numpy()
    members["transit.persons_band_raised"] = after > before
    households = np.nan_to_num(frame["households"].to_numpy(dtype=float))
    return HouseholdGroups(households, members)
