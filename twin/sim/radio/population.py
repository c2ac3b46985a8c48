"""People and premises per coverage level, per zone, and the difference to a baseline.

Population is a set of points carrying persons and premises (building centroids, or centres
of population grid cells). Each point takes the level of the coverage pixel it falls in;
points outside the grid count as level 0 (no coverage computed) and are reported. Sums over
levels equal the total population exactly (same float64 additions, one ``bincount``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from twin.errors import DataError
from twin.sim.radio.coverage import LEVEL_LABELS, Grid


@dataclass
class PopulationPoints:
    """Points (project CRS, m) with ``persons`` and ``premises`` and a zone code each
    (``zone_names[zone_index]``; a single zone "all" when no zone is known)."""

    x: np.ndarray
    y: np.ndarray
    persons: np.ndarray
    premises: np.ndarray
    zone_index: np.ndarray
    zone_names: list[str]
    households: np.ndarray | None = None

    @classmethod
    def from_frame(
        cls, frame, zone_column: str | None = "insee", zones=None, zone_id_column: str = "insee"
    ) -> PopulationPoints:
        """From a GeoDataFrame of buildings or grid cells (columns ``population`` and, if
        present, ``premises``). Zones from ``zone_column`` of the frame, or by spatial join
        with a ``zones`` GeoDataFrame of polygons identified by ``zone_id_column``."""
        if "population" not in frame.columns:
            raise DataError("the population layer has no 'population' column")
        points = frame.geometry.representative_point()
        persons = np.nan_to_num(frame["population"].to_numpy(dtype=float))
        premises = (
            np.nan_to_num(frame["premises"].to_numpy(dtype=float))
            if "premises" in frame.columns
            else np.zeros(len(frame))
        )
        if zones is not None:
            import geopandas as gpd

            joined = gpd.sjoin(
                gpd.GeoDataFrame(geometry=points, crs=frame.crs),
                zones[[zone_id_column, "geometry"]],
                how="left",
                predicate="within",
            )
            joined = joined[~joined.index.duplicated(keep="first")]
            labels = joined[zone_id_column].fillna("outside").astype(str).to_numpy()
        elif zone_column and zone_column in frame.columns:
            labels = frame[zone_column].fillna("unknown").astype(str).to_numpy()
        else:
            labels = np.full(len(frame), "all", dtype=object)
        households = (
            np.nan_to_num(frame["households"].to_numpy(dtype=float))
            if "households" in frame.columns
            else None
        )
        names, index = np.unique(labels, return_inverse=True)
        return cls(
            points.x.to_numpy(),
            points.y.to_numpy(),
            persons,
            premises,
            index.astype(np.int64),
            [str(n) for n in names],
            households,
        )

    def pixel_index(self, grid: Grid) -> tuple[np.ndarray, np.ndarray]:
        """Flat pixel index of each point on ``grid`` and a mask of points inside it."""
        inv = ~grid.transform
        cols = inv.a * self.x + inv.b * self.y + inv.c
        rows = inv.d * self.x + inv.e * self.y + inv.f
        rows = np.floor(rows).astype(np.int64)
        cols = np.floor(cols).astype(np.int64)
        inside = (rows >= 0) & (rows < grid.shape[0]) & (cols >= 0) & (cols < grid.shape[1])
        flat = np.where(inside, rows * grid.shape[1] + cols, 0)
        return flat, inside


@dataclass
class PeopleSummary:
    """Persons and premises per level (arrays of 4) overall and per zone, plus the count
    of points outside the grid (counted in level 0)."""

    persons: np.ndarray
    premises: np.ndarray
    zone_names: list[str]
    zone_persons: np.ndarray  # (zones, 4)
    zone_premises: np.ndarray
    outside_points: int = 0
    zone_households: np.ndarray | None = None
    labels: tuple[str, ...] = field(default=LEVEL_LABELS)

    def to_dict(self, min_households: int = 11) -> dict:
        """JSON-ready dict: per level totals and per zone breakdown. Zones with fewer than
        ``min_households`` households (INSEE's disclosure rule) are merged into "masked"."""

        def per_level(values):
            return {label: float(v) for label, v in zip(self.labels, values, strict=True)}

        zones = {}
        masked_persons = np.zeros(4)
        masked_premises = np.zeros(4)
        for i, name in enumerate(self.zone_names):
            if self.zone_households is not None and self.zone_households[i] < min_households:
                masked_persons += self.zone_persons[i]
                masked_premises += self.zone_premises[i]
                continue
            zones[name] = {
                "persons": per_level(self.zone_persons[i]),
                "premises": per_level(self.zone_premises[i]),
            }
        if masked_persons.any() or masked_premises.any():
            zones["masked"] = {
                "persons": per_level(masked_persons),
                "premises": per_level(masked_premises),
            }
        return {
            "persons": per_level(self.persons),
            "premises": per_level(self.premises),
            "total_persons": float(self.persons.sum()),
            "total_premises": float(self.premises.sum()),
            "points_outside_grid": int(self.outside_points),
            "zones": zones,
        }

    def difference(self, baseline: PeopleSummary) -> dict:
        """People and premises gained (+) or lost (-) per level against ``baseline``."""
        if self.zone_names != baseline.zone_names:
            raise DataError("the baseline was counted on other zones")
        return {
            "persons": {
                lab: float(v)
                for lab, v in zip(self.labels, self.persons - baseline.persons, strict=True)
            },
            "premises": {
                lab: float(v)
                for lab, v in zip(self.labels, self.premises - baseline.premises, strict=True)
            },
        }


class PeopleCounter:
    """Counts people per level fast (points located once; each count is a bincount)."""

    def __init__(self, points: PopulationPoints, grid: Grid) -> None:
        self.points = points
        self.flat, self.inside = points.pixel_index(grid)
        self.n_zones = len(points.zone_names)
        self.zone_households = (
            np.bincount(points.zone_index, points.households, self.n_zones)
            if points.households is not None
            else None
        )

    def count(self, level: np.ndarray) -> PeopleSummary:
        """Persons/premises per level of the ``level`` raster (values 0-3)."""
        levels = np.where(self.inside, level.reshape(-1)[self.flat], 0).astype(np.int64)
        key = self.points.zone_index * 4 + levels
        size = self.n_zones * 4
        zone_persons = np.bincount(key, self.points.persons, size).reshape(self.n_zones, 4)
        zone_premises = np.bincount(key, self.points.premises, size).reshape(self.n_zones, 4)
        return PeopleSummary(
            np.bincount(levels, self.points.persons, 4),
            np.bincount(levels, self.points.premises, 4),
            self.points.zone_names,
            zone_persons,
            zone_premises,
            int((~self.inside).sum()),
            self.zone_households,
        )
