"""Travel times on a project: its GTFS feed, its roads, its buildings (Qt-free).

:class:`ProjectTravel` prepares a :class:`~twin.sim.transit.travel.TravelModel` whose
destinations are the project's buildings (persons, households, premises) followed by the
pixel centres of a :class:`~twin.sim.transit.isochrones.TimeGrid` over the project extent,
and answers "from this point" (raster, isochrones, persons and premises reached) and "from
every feature of this layer" (persons and premises each origin reaches). People figures go
through the disclosure rule of :mod:`twin.layers.privacy` (fewer than 11 households:
masked).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from twin.errors import DataError
from twin.feedback import Feedback, ensure_feedback
from twin.i18n import tr
from twin.layers.privacy import DISCLOSURE_THRESHOLD_HOUSEHOLDS
from twin.layers.transit import project_gtfs_path, read_gtfs
from twin.sim.network import RoadGraph
from twin.sim.transit.isochrones import ISOCHRONE_MINUTES, TimeGrid, isochrones
from twin.sim.transit.travel import (
    TravelModel,
    TravelParameters,
    TravelResult,
    Window,
)
from twin.sim.transit.whatif import NewLine, NewStop


def published_people(persons: float, households: float) -> dict:
    """A people figure as published: ``{"value": persons, "masked": False}``, or
    ``{"value": None, "masked": True}`` when it rests on fewer than 11 households."""
    if households < DISCLOSURE_THRESHOLD_HOUSEHOLDS:
        return {"value": None, "masked": True}
    return {"value": round(float(persons)), "masked": False}


PARKING_RADIUS_M = 150.0
"""A stop within this distance of a parking feature serves bike- or park-and-ride (m)."""


@dataclass
class PointTravel:
    """Travel from one point: the grid, median/p5/p95 minutes rasters (``inf``: not
    reached), the isochrones, the result for the buildings and a JSON-ready summary."""

    grid: TimeGrid
    median_min: np.ndarray
    p5_min: np.ndarray
    p95_min: np.ndarray
    isochrones: gpd.GeoDataFrame
    buildings: TravelResult
    summary: dict


class ProjectTravel:
    """A project's feed on its roads, for travel-time queries (prepared once)."""

    def __init__(
        self,
        project,
        gtfs: str | None = None,
        day: str | None = None,
        cell_m: float | None = 100.0,
        parameters: TravelParameters | None = None,
        lines: tuple[NewLine, ...] = (),
        new_stops: tuple[NewStop, ...] = (),
        bike_parking: str | None = None,
        park_and_ride: str | None = None,
        feedback: Feedback | None = None,
    ) -> None:
        feedback = ensure_feedback(feedback)
        self.project = project
        self.network = read_gtfs(project_gtfs_path(project, gtfs), crs=project.crs)
        try:
            roads = project.layer("roads").frame
        except KeyError as error:
            raise DataError(tr("the project has no 'roads' layer to walk along")) from error
        self.graph = RoadGraph.from_lines(roads)
        buildings = project.layer("buildings").frame
        self.building_xy = shapely.get_coordinates(shapely.centroid(buildings.geometry.values))
        self.weights = {
            name: np.nan_to_num(buildings[name].to_numpy(dtype=float))
            for name in ("population", "households", "premises")
            if name in buildings
        }
        minx, miny, maxx, maxy = roads.total_bounds
        self.grid = None
        destinations = self.building_xy
        if cell_m is not None:
            self.grid = TimeGrid((float(minx), float(miny), float(maxx), float(maxy)), cell_m)
            destinations = np.vstack([self.building_xy, self.grid.centres()])
        self.model = TravelModel(
            self.network,
            self.graph,
            destinations,
            day,
            parameters,
            lines,
            new_stops,
            self._flagged_stops(bike_parking),
            self._flagged_stops(park_and_ride),
            feedback=feedback,
        )

    def _flagged_stops(self, given: str | None) -> tuple[str, ...]:
        """Stops for bike-and-ride or park-and-ride: ``given`` is a layer of the project
        (stops within :data:`PARKING_RADIUS_M` of its features) or stop ids, comma-separated."""
        if not given:
            return ()
        stops = self.network.stops.frame
        ids = stops["stop_id"].astype(str)
        try:
            places = self.project.layer(given).frame
        except KeyError:
            wanted = tuple(s.strip() for s in given.split(",") if s.strip())
            unknown = [s for s in wanted if s not in set(ids)]
            if unknown:
                raise DataError(
                    tr(
                        "{given!r} is neither a layer of the project nor stop ids of the feed "
                        "(unknown stop {unknown!r})"
                    ).format(given=given, unknown=unknown[0])
                ) from None
            return wanted
        tree = shapely.STRtree(np.asarray(places.geometry.values))
        hits = tree.query(np.asarray(stops.geometry.values), "dwithin", PARKING_RADIUS_M)
        near = np.zeros(len(stops), dtype=bool)
        near[hits[0]] = True
        return tuple(ids[near])

    @classmethod
    def open(cls, path=None, **options) -> ProjectTravel:
        """Open the project at ``path`` (None: the sample) and prepare it."""
        import twin

        return cls(twin.open_project(path), **options)

    def reach_summary(self, result: TravelResult, minutes=ISOCHRONE_MINUTES) -> dict:
        """Persons and premises whose building is reached within each number of minutes
        (median time), people masked below the disclosure threshold."""
        persons = self.weights.get("population")
        households = self.weights.get("households", persons)
        premises = self.weights.get("premises")
        table = {}
        for limit in minutes:
            inside = result.within(limit)
            row = {}
            if persons is not None:
                row["persons"] = published_people(persons[inside].sum(), households[inside].sum())
            if premises is not None:
                row["premises"] = round(float(premises[inside].sum()))
            table[str(int(limit))] = row
        return table

    def from_point(self, origin_xy, window: Window, modes) -> PointTravel:
        """Travel times from ``origin_xy`` (project metres) to the buildings and the grid."""
        if self.grid is None:
            raise DataError(tr("this travel model has no grid: open it with a pixel size"))
        result = self.model.from_point(origin_xy, window, tuple(modes))
        k = len(self.building_xy)
        rasters = [
            self.grid.raster(values[k:]) / 60.0 for values in (result.median, result.p5, result.p95)
        ]
        buildings = TravelResult(
            result.departures_s,
            result.per_departure[:, :k],
            result.median[:k],
            result.p5[:k],
            result.p95[:k],
        )
        polygons = isochrones(rasters[0], self.grid.transform, self.project.crs)
        summary = {
            "origin": [round(float(v), 1) for v in origin_xy],
            "day": self.model.day.isoformat(),
            "window": {
                "start": window.start,
                "minutes": window.minutes,
                "step_min": window.step_min,
            },
            "modes": list(modes),
            "statistic": "median travel time over the departure window (5th and 95th "
            "percentiles in the rasters), nearest-rank percentiles as Conveyal R5",
            "reached_within_minutes": self.reach_summary(buildings),
            "isochrone_area_km2": dict(
                zip(
                    (str(m) for m in polygons["minutes"]),
                    polygons["area_km2"].tolist(),
                    strict=True,
                )
            ),
            "parameters": self.model.parameters.__dict__,
            "feed": str(self.network.source),
        }
        return PointTravel(self.grid, *rasters, polygons, buildings, summary)

    def bands_from_point(self, origin_xy, window: Window, modes) -> tuple[np.ndarray, dict]:
        """The grid's isochrone band of every pixel (uint8: 1 = within the first of
        :data:`ISOCHRONE_MINUTES`, ..., 0 = beyond the last or not reached) and the reach
        summary of the buildings (for live display: no polygons)."""
        if self.grid is None:
            raise DataError(tr("this travel model has no grid: open it with a pixel size"))
        result = self.model.from_point(origin_xy, window, tuple(modes))
        k = len(self.building_xy)
        minutes = self.grid.raster(result.median[k:]) / 60.0
        bands = np.zeros(minutes.shape, dtype=np.uint8)
        for band, limit in reversed(list(enumerate(ISOCHRONE_MINUTES, start=1))):
            bands[minutes <= limit] = band
        buildings = TravelResult(
            result.departures_s,
            result.per_departure[:, :k],
            result.median[:k],
            result.p5[:k],
            result.p95[:k],
        )
        return bands, self.reach_summary(buildings)

    def write_from_point(self, origin_xy, window: Window, modes, out: Path) -> dict:
        """Write the rasters and isochrones of :meth:`from_point` to ``out``; the summary."""
        from twin.layers.io_raster import write_array_geotiff

        travel = self.from_point(origin_xy, window, modes)
        for name, raster in (
            ("median", travel.median_min),
            ("p5", travel.p5_min),
            ("p95", travel.p95_min),
        ):
            array = np.where(np.isfinite(raster), raster, -1.0).astype(np.float32)
            write_array_geotiff(
                array, self.grid.transform, self.project.crs, -1.0, out / f"travel_time_{name}.tif"
            )
        gpkg = out / "isochrones.gpkg"
        if gpkg.exists():
            gpkg.unlink()
        travel.isochrones.to_file(gpkg, layer="isochrones", driver="GPKG")
        return travel.summary

    def write_from_layer(
        self,
        layer: str,
        window: Window,
        modes,
        within_min: float,
        out: Path,
        destinations: str | None = None,
        feedback: Feedback | None = None,
    ) -> dict:
        """What each feature of ``layer`` reaches within ``within_min`` minutes (median):
        the persons and premises of the buildings, or with ``destinations`` (a layer name)
        the number of its features (schools, health centres, ...). Writes
        ``access.gpkg`` and returns the summary (people masked below 11 households)."""
        try:
            frame = self.project.layer(layer).frame
        except KeyError as error:
            raise DataError(tr("the project has no layer {layer!r}").format(layer=layer)) from error
        origins = shapely.get_coordinates(shapely.centroid(frame.geometry.values))
        within = int(within_min) if float(within_min).is_integer() else within_min
        columns: dict[str, np.ndarray] = {}
        if destinations is None:
            persons = self.weights.get("population", np.zeros(len(self.building_xy)))
            households = self.weights.get("households", persons)
            premises = self.weights.get("premises", np.zeros(len(self.building_xy)))
            weights = np.column_stack([persons, households, premises])
            if self.grid is not None:  # the model's grid pixels count for nothing here
                weights = np.vstack(
                    [weights, np.zeros((len(self.model.destination_xy) - len(weights), 3))]
                )
            sums = self.model.reach_from_many(
                origins, weights, within_min * 60.0, window, tuple(modes), feedback=feedback
            )
            masked = sums[:, 1] < DISCLOSURE_THRESHOLD_HOUSEHOLDS
            columns[f"persons_within_{within}min"] = np.where(masked, np.nan, np.round(sums[:, 0]))
            columns["persons_masked"] = masked & np.isfinite(sums[:, 1])
            columns[f"premises_within_{within}min"] = np.round(sums[:, 2])
            headline = columns[f"persons_within_{within}min"]
        else:
            try:
                targets = self.project.layer(destinations).frame
            except KeyError as error:
                raise DataError(
                    tr("the project has no layer {destinations!r}").format(
                        destinations=destinations
                    )
                ) from error
            xy = shapely.get_coordinates(shapely.centroid(targets.geometry.values))
            model = TravelModel(self.network, self.graph, xy, self.model.day, self.model.parameters)
            counts = model.reach_from_many(
                origins,
                np.ones(len(xy)),
                within_min * 60.0,
                window,
                tuple(modes),
                feedback=feedback,
            )
            columns[f"{destinations}_within_{within}min"] = counts
            headline = counts
        access = gpd.GeoDataFrame(columns, geometry=frame.geometry.values, crs=self.project.crs)
        gpkg = out / "access.gpkg"
        if gpkg.exists():
            gpkg.unlink()
        access.to_file(gpkg, layer="access", driver="GPKG")
        values = np.asarray(headline, dtype=float)
        return {
            "origins": layer,
            "destinations": destinations or "buildings (persons, premises)",
            "count": len(origins),
            "within_minutes": within_min,
            "day": self.model.day.isoformat(),
            "window": {
                "start": window.start,
                "minutes": window.minutes,
                "step_min": window.step_min,
            },
            "modes": list(modes),
            "median_reached": None
            if not np.isfinite(values).any()
            else round(float(np.nanmedian(values))),
            "origins_not_on_streets": int(np.isnan(np.asarray(values, dtype=float)).sum()),
            "parameters": self.model.parameters.__dict__,
        }
