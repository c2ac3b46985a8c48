"""A transit study: a feed on a road graph for one day, with its what-if variants.

:class:`TransitStudy` ties the pieces together: service levels of the GTFS feed on the day
studied (:mod:`~twin.sim.transit.service`), walk catchments and PTAL of every location
(:mod:`~twin.sim.transit.access`), hubs (:mod:`~twin.sim.transit.hubs`) and what-if lines
and stops (:mod:`~twin.sim.transit.whatif`) compared with the baseline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from twin.errors import DataError
from twin.feedback import Feedback
from twin.i18n import tr
from twin.layers.transit import TransitNetwork
from twin.sim.network import Attachment, RoadGraph
from twin.sim.transit.access import AccessModel, AccessParameters, AccessResult, StopSet
from twin.sim.transit.hubs import find_hubs
from twin.sim.transit.ptal import BAND_ORDER
from twin.sim.transit.service import (
    active_services,
    departures,
    feed_dates,
    parse_date,
    route_service_levels,
    route_stop_frequencies,
    stop_service_levels,
)
from twin.sim.transit.whatif import LineRoute, NewLine, NewStop, resolve_line_stops, route_line


def default_day(network: TransitNetwork) -> dt.date:
    """The first Tuesday of the feed's calendar with service (a typical working day)."""
    span = feed_dates(network)
    if span is None:
        raise DataError(tr("the feed's calendar is empty: give a date to study"))
    day = span[0]
    while day <= span[1]:
        if day.weekday() == 1 and active_services(network, day):
            return day
        day += dt.timedelta(days=1)
    return span[0]


@dataclass
class WhatIfResult:
    """A what-if against the baseline: both :class:`AccessResult`, persons and premises
    gained per PTAL band (scenario minus baseline, persons/premises), persons newly within
    each catchment, persons whose band rose, the line's route (None for a new stop) and the
    changed stops' service (departures/hour in the peak, baseline and scenario)."""

    baseline: AccessResult
    scenario: AccessResult
    persons_gained_per_band: dict[str, float]
    premises_gained_per_band: dict[str, float]
    persons_gained_within: dict[str, float]
    persons_band_raised: float
    line: LineRoute | None
    service: pd.DataFrame

    def summary(self) -> dict:
        """JSON-ready KPIs of the change."""
        result = {
            "persons_gained_per_ptal_band": self.persons_gained_per_band,
            "premises_gained_per_ptal_band": self.premises_gained_per_band,
            "persons_gained_within": self.persons_gained_within,
            "persons_with_higher_ptal": self.persons_band_raised,
        }
        if self.line is not None:
            result["line_length_m"] = round(self.line.length_m, 1)
            result["in_vehicle_time_min"] = round(self.line.in_vehicle_min, 2)
        return result


class TransitStudy:
    """A GTFS feed on a road graph for one day; locations with persons and premises.

    ``location_xy`` (k, 2) project metres (building centroids or grid cells); the feed's
    stop layer must be in the graph's CRS (read it with ``read_gtfs(path, crs=...)``).
    """

    def __init__(
        self,
        network: TransitNetwork,
        graph: RoadGraph,
        location_xy: np.ndarray,
        population: np.ndarray | None = None,
        premises: np.ndarray | None = None,
        day: dt.date | str | None = None,
        parameters: AccessParameters | None = None,
        locations: Attachment | None = None,
    ) -> None:
        """``locations``: ``location_xy`` attached to ``graph`` by the caller (see
        :class:`AccessModel`), else attached here."""
        self.network = network
        self.graph = graph
        self.parameters = parameters or AccessParameters()
        self.day = parse_date(day) if day is not None else default_day(network)
        frame = network.stops.frame
        self.stops = pd.DataFrame(
            {
                "stop_id": frame["stop_id"].to_numpy(),
                "stop_name": frame["stop_name"].to_numpy(),
                "x": frame.geometry.x.to_numpy(),
                "y": frame.geometry.y.to_numpy(),
                "modes": frame["modes"].to_numpy(),
            }
        )
        ptal = self.parameters.ptal
        self.frequencies = route_stop_frequencies(network, self.day, ptal.peak_start, ptal.peak_end)
        day_events = departures(network, self.day, "00:00", "24:00")
        self.served = set(day_events["stop_id"])
        if not self.served:
            raise DataError(
                tr("no trip of the feed runs on {day}").format(day=self.day.isoformat())
            )
        self.model = AccessModel(
            graph, location_xy, population, premises, self.parameters, locations
        )
        self._baseline: AccessResult | None = None

    @property
    def baseline_stop_set(self) -> StopSet:
        """The feed's stops with their peak frequencies."""
        return StopSet(self.stops, self.frequencies, self.served)

    def baseline(self, feedback: Feedback | None = None) -> AccessResult:
        """Catchments and PTAL of the feed as it is (computed once)."""
        if self._baseline is None:
            self._baseline = self.model.evaluate(self.baseline_stop_set, feedback)
        return self._baseline

    def stop_service(self, start: str = "08:15", end: str = "09:15") -> pd.DataFrame:
        """Departures per stop in the window on the study day (see stop_service_levels)."""
        return stop_service_levels(self.network, self.day, start, end)

    def route_service(self, start: str = "08:15", end: str = "09:15") -> pd.DataFrame:
        """Departures per route in the window on the study day (see route_service_levels)."""
        return route_service_levels(self.network, self.day, start, end)

    def stop_lines(self) -> pd.DataFrame:
        """stop_id, line (public name), mode for every route serving a stop on the day."""
        events = departures(self.network, self.day, "00:00", "24:00")
        pairs = events[["stop_id", "route_id"]].drop_duplicates()
        routes = self.network.routes.frame.set_index("route_id")
        names = routes["route_short_name"].where(routes["route_short_name"] != "", routes.index)
        pairs["line"] = pairs["route_id"].map(names)
        pairs["mode"] = pairs["route_id"].map(routes["mode"])
        return pairs[["stop_id", "line", "mode"]]

    def hubs(self, radius_m: float = 150.0, min_lines: int = 3, min_modes: int = 2):
        """Intermodal hubs of the feed (see :func:`twin.sim.transit.hubs.find_hubs`)."""
        return find_hubs(
            self.stops, self.stop_lines(), radius_m, min_lines, min_modes, crs=self.graph.crs
        )

    # --- what-if ------------------------------------------------------------------------
    def add_line(self, line: NewLine, feedback: Feedback | None = None) -> WhatIfResult:
        """Add ``line``; recompute service, catchments and PTAL; compare with the baseline."""
        line_stops = resolve_line_stops(line, self.stops)
        route = route_line(self.graph, line_stops, line)
        ptal = self.parameters.ptal
        per_direction = line.departures_per_hour(ptal.peak_start, ptal.peak_end)
        added = pd.DataFrame(
            {
                "stop_id": line_stops["stop_id"],
                "route_id": f"{line.name} (new)",
                "mode": line.mode,
                "departures_per_hour": per_direction,
            }
        ).drop_duplicates("stop_id")
        new_stops = line_stops[~line_stops["stop_id"].isin(self.stops["stop_id"])]
        new_stops = new_stops.assign(modes=line.mode)
        directions = np.full(len(line_stops), 2.0)
        directions[[0, -1]] = 1.0  # terminals: departures one way only
        service = self._service_table(line_stops["stop_id"], per_direction * directions)
        return self._compare(new_stops, added, set(line_stops["stop_id"]), route, service, feedback)

    def add_stop(self, stop: NewStop, feedback: Feedback | None = None) -> WhatIfResult:
        """Add a stop served by existing routes at their peak frequency; compare."""
        known = self.frequencies.groupby("route_id")
        rows = []
        for route_id in stop.route_ids:
            if route_id not in known.groups:
                raise DataError(
                    tr("route {route_id!r} has no departure in the peak window").format(
                        route_id=route_id
                    )
                )
            group = known.get_group(route_id)
            rows.append(
                (
                    stop.stop_id,
                    route_id,
                    group["mode"].iloc[0],
                    float(group["departures_per_hour"].max()),
                )
            )
        added = pd.DataFrame(rows, columns=["stop_id", "route_id", "mode", "departures_per_hour"])
        new_stop = pd.DataFrame(
            {
                "stop_id": [stop.stop_id],
                "stop_name": [stop.name],
                "x": [stop.x],
                "y": [stop.y],
                "modes": [";".join(sorted(set(added["mode"])))],
            }
        )
        service = self._service_table(
            pd.Series([stop.stop_id]), np.array([added["departures_per_hour"].sum()])
        )
        return self._compare(new_stop, added, {stop.stop_id}, None, service, feedback)

    def _service_table(self, stop_ids: pd.Series, added_per_hour: np.ndarray) -> pd.DataFrame:
        ptal = self.parameters.ptal
        base = self.stop_service(ptal.peak_start, ptal.peak_end).set_index("stop_id")
        before = stop_ids.map(base["departures_per_hour"]).fillna(0.0).to_numpy()
        return pd.DataFrame(
            {
                "stop_id": stop_ids.to_numpy(),
                "departures_per_hour_before": before,
                "departures_per_hour_after": before + added_per_hour,
            }
        )

    def _compare(self, new_stops, added, served, route, service, feedback) -> WhatIfResult:
        baseline = self.baseline(feedback)
        stops = pd.concat([self.stops, new_stops], ignore_index=True)
        frequencies = pd.concat([self.frequencies, added], ignore_index=True)
        scenario = self.model.evaluate(StopSet(stops, frequencies, self.served | served), feedback)
        gained = {
            band: scenario.kpis["persons_per_ptal_band"][band]
            - baseline.kpis["persons_per_ptal_band"][band]
            for band in BAND_ORDER
        }
        premises = {
            band: scenario.kpis["premises_per_ptal_band"][band]
            - baseline.kpis["premises_per_ptal_band"][band]
            for band in BAND_ORDER
        }
        within = {
            key.removeprefix("persons_within_"): scenario.kpis[key] - baseline.kpis[key]
            for key in baseline.kpis
            if key.startswith("persons_within_")
        }
        rank = {band: i for i, band in enumerate(BAND_ORDER)}
        before = baseline.locations["ptal"].map(rank).to_numpy()
        after = scenario.locations["ptal"].map(rank).to_numpy()
        raised = float(self.model.population[after > before].sum())
        return WhatIfResult(baseline, scenario, gained, premises, within, raised, route, service)
