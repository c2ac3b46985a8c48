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
from twin.i18n import tr
from twin.layers.privacy import (
    DISCLOSURE_THRESHOLD_HOUSEHOLDS,
    Published,
    protect_table,
    publish,
    publish_delta,
)
from twin.layers.validate import check_people_columns
from twin.sim.radio.coverage import LEVEL_LABELS, Grid

LEVEL_KEYS = ("none", "limited", "good", "very_good")


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
            raise DataError(tr("the population layer has no 'population' column"))
        check_people_columns(frame, "the population layer")
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
    of points outside the grid (counted in level 0). With a households column, the
    households per level (``households``, ``zone_level_households``) and each point's level
    (``point_levels``, for differences) let the privacy gate mask small groups."""

    persons: np.ndarray
    premises: np.ndarray
    zone_names: list[str]
    zone_persons: np.ndarray  # (zones, 4)
    zone_premises: np.ndarray
    outside_points: int = 0
    zone_households: np.ndarray | None = None
    labels: tuple[str, ...] = field(default=LEVEL_LABELS)
    households: np.ndarray | None = None  # (4,) households per level
    zone_level_households: np.ndarray | None = None  # (zones, 4)
    point_levels: np.ndarray | None = None  # level of each population point
    point_households: np.ndarray | None = None

    def to_dict(self, min_households: int = DISCLOSURE_THRESHOLD_HOUSEHOLDS) -> dict:
        """JSON-ready dict: per level totals and per zone x level breakdown, every figure
        through the privacy gate: a figure resting on fewer than ``min_households``
        households (INSEE's rule) is ``{"value": null, "masked": true}``, and further cells
        are masked so that no masked cell can be recovered from the published totals."""
        households = self.households
        zone_households = self.zone_level_households
        if zone_households is None:  # no household count: persons stand in (see publish)
            zone_households = np.abs(self.zone_persons)
            households = np.abs(self.persons)
        mask = protect_table(zone_households, min_households)

        def per_level(values, counts, masked=None):
            out = {}
            for index, (label, value) in enumerate(zip(self.labels, values, strict=True)):
                if masked is not None and masked[index]:
                    out[label] = Published(None, True).to_json()
                else:
                    item = publish(float(value), float(counts[index]), threshold=min_households)
                    out[label] = item.to_json()
            return out

        zones = {}
        for i, name in enumerate(self.zone_names):
            zones[name] = {
                "persons": per_level(self.zone_persons[i], zone_households[i], mask[i]),
                "premises": per_level(self.zone_premises[i], zone_households[i], mask[i]),
            }
        total_households = float(np.sum(households))
        return {
            "persons": per_level(self.persons, households),
            "premises": per_level(self.premises, households),
            "total_persons": publish(
                float(self.persons.sum()), total_households, threshold=min_households
            ).to_json(),
            "total_premises": publish(
                float(self.premises.sum()), total_households, threshold=min_households
            ).to_json(),
            "points_outside_grid": int(self.outside_points),
            "zones": zones,
            "masked_cells": int(mask.sum()),
            "disclosure_threshold_households": min_households,
        }

    def moved_households(self, baseline: PeopleSummary) -> np.ndarray | None:
        """Households per level that entered or left the level between ``baseline`` and
        this count (None without households or point levels)."""
        if (
            self.point_levels is None
            or baseline.point_levels is None
            or self.point_households is None
            or len(self.point_levels) != len(baseline.point_levels)
        ):
            return None
        changed = self.point_levels != baseline.point_levels
        weights = self.point_households[changed]
        return np.bincount(self.point_levels[changed], weights, 4) + np.bincount(
            baseline.point_levels[changed], weights, 4
        )

    def difference(self, baseline: PeopleSummary) -> dict:
        """People and premises gained (+) or lost (-) per level against ``baseline``, each
        through the privacy gate: masked when either side or the households that moved
        into or out of the level are fewer than the threshold (a differencing attack)."""
        if self.zone_names != baseline.zone_names:
            raise DataError(tr("the baseline was counted on other zones"))
        moved = self.moved_households(baseline)

        def per_level(after, before):
            out = {}
            for index, label in enumerate(self.labels):
                out[label] = publish_delta(
                    float(after[index]),
                    float(before[index]),
                    _at(self.households, index),
                    _at(baseline.households, index),
                    _at(moved, index),
                    "persons",
                ).to_json()
            return out

        return {
            "persons": per_level(self.persons, baseline.persons),
            "premises": per_level(self.premises, baseline.premises),
        }


def _at(values: np.ndarray | None, index: int) -> float | None:
    return None if values is None else float(values[index])


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

    def point_levels(self, level: np.ndarray) -> np.ndarray:
        """The level (0-3) of each population point on the ``level`` raster (0 outside)."""
        return np.where(self.inside, level.reshape(-1)[self.flat], 0).astype(np.int64)

    def totals(self, point_levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Persons and premises per level (0-3) from the points' levels
        (:meth:`point_levels`): the two sums the live figures need, without the zones."""
        return (
            np.bincount(point_levels, self.points.persons, 4),
            np.bincount(point_levels, self.points.premises, 4),
        )

    def count(self, level: np.ndarray) -> PeopleSummary:
        """Persons/premises (and households) per level of the ``level`` raster (0-3)."""
        levels = self.point_levels(level)
        key = self.points.zone_index * 4 + levels
        size = self.n_zones * 4
        zone_persons = np.bincount(key, self.points.persons, size).reshape(self.n_zones, 4)
        zone_premises = np.bincount(key, self.points.premises, size).reshape(self.n_zones, 4)
        households = self.points.households
        return PeopleSummary(
            np.bincount(levels, self.points.persons, 4),
            np.bincount(levels, self.points.premises, 4),
            self.points.zone_names,
            zone_persons,
            zone_premises,
            int((~self.inside).sum()),
            self.zone_households,
            households=None if households is None else np.bincount(levels, households, 4),
            zone_level_households=(
                None
                if households is None
                else np.bincount(key, households, size).reshape(self.n_zones, 4)
            ),
            point_levels=levels,
            point_households=households,
        )

    def household_groups(
        self,
        levels: dict[str, np.ndarray],
        prefix: str,
        point_levels: dict[str, np.ndarray] | None = None,
    ) -> LevelGroups:
        """The households behind each people figure ``<prefix>.<tag>.<persons|premises>.
        <level key>`` (level keys none, limited, good, very_good, good_or_better; ``tag``
        from ``levels``' keys, e.g. "4g", "4g_5g") for the privacy gate, from level rasters
        (or, when given, the points' levels per tag already read from them).
        Without a households column each point counts as its persons (see the gate)."""
        weights = (
            self.points.households
            if self.points.households is not None
            else np.abs(self.points.persons)
        )
        if point_levels is None:
            point_levels = {tag: self.point_levels(level) for tag, level in levels.items()}
        return LevelGroups(weights, {f"{prefix}.{tag}": point_levels[tag] for tag in levels})


class LevelGroups:
    """:class:`~twin.layers.privacy.HouseholdGroups` for coverage levels, by counting: the
    level of each population point per technology (``point_levels``, keyed ``radio.4g``...)
    and the households of each point. Figure keys ``<tech key>.<what>.<level key>``."""

    def __init__(self, households: np.ndarray, point_levels: dict[str, np.ndarray]) -> None:
        self.households = households
        self.point_levels = point_levels
        self.members = {
            f"{tech}.{what}.{key}"
            for tech in point_levels
            for what in ("persons", "premises")
            for key in (*LEVEL_KEYS, "good_or_better")
        }
        self._per_level = {
            tech: np.bincount(levels, households, 4) for tech, levels in point_levels.items()
        }
        self._moved: dict[str, tuple[LevelGroups, np.ndarray]] = {}

    def __eq__(self, other: object) -> bool:
        """Equal when both count the same households at the same levels (a value)."""
        if not isinstance(other, LevelGroups):
            return NotImplemented
        return (
            np.array_equal(self.households, other.households)
            and self.point_levels.keys() == other.point_levels.keys()
            and all(np.array_equal(v, other.point_levels[k]) for k, v in self.point_levels.items())
        )

    __hash__ = None  # mutable arrays inside: not a dict key

    @staticmethod
    def _split(key: str) -> tuple[str, str]:
        tech, _what, level = key.rsplit(".", 2)
        return tech, level

    @staticmethod
    def _of(values: np.ndarray, level: str) -> float:
        if level == "good_or_better":
            return float(values[2] + values[3])
        return float(values[LEVEL_KEYS.index(level)])

    def households_of(self, key: str) -> float | None:
        """Households the figure ``key`` rests on (None when the key is not known)."""
        if key not in self.members:
            return None
        tech, level = self._split(key)
        return self._of(self._per_level[tech], level)

    def moved(self, other: LevelGroups | None, key: str) -> float | None:
        """Households that entered or left the group of ``key`` between ``other`` and
        ``self`` (None when either does not know it or the points differ)."""
        if not isinstance(other, LevelGroups) or key not in self.members:
            return None
        tech, level = self._split(key)
        after, before = self.point_levels.get(tech), other.point_levels.get(tech)
        if before is None or len(before) != len(after):
            return None
        entry = self._moved.get(tech)
        cached = entry[1] if entry is not None and entry[0] is other else None
        if cached is None:
            changed = after != before
            weights = self.households[changed]
            into = np.bincount(after[changed], weights, 4)
            out_of = np.bincount(before[changed], weights, 4)
            crossing = (after[changed] >= 2) != (before[changed] >= 2)
            good = float(weights[crossing].sum())
            cached = np.concatenate([into + out_of, [good]])
            self._moved[tech] = (other, cached)
        if level == "good_or_better":
            return float(cached[4])
        return float(cached[LEVEL_KEYS.index(level)])
