"""Generated buildings and the 200 m population grid, consistent with real commune totals.

Method (all generated, EPSG:2154):
1. Each commune gets the 200 m cells (INSEE "carreaux" grid, corners on multiples of 200 m)
   whose centre lies in it. A cell's weight is ``exp(-d / L)`` (d: distance to the town
   centre: town hall, or place de la Mairie in Rennes; L = clip(6.5 * sqrt(population),
   300, 1500) m) modulated by smooth noise, plus
   "hamlet" bumps where a second noise field is high; cells with a negligible weight stay
   empty (fields, woods).
2. Households of the commune, ``H = round(population / household_size)``, are spread over
   the cells in proportion to the weights (largest-remainder rounding, so they add up to H
   exactly).
3. Inside a cell, 25 m slots (inside the commune) receive buildings: dense cells get
   apartment blocks (2x2 slots, 8-60+ households), the rest terraced rows (2-8 households)
   and detached houses (1 household). Footprints are rectangles 8-40 m rotated by a few
   degrees; block heights follow the floor area needed (65 m² per dwelling, 3 m floors).
4. Building population = households * population / H, so each commune's population is
   exact (floats). Commercial and public buildings (no households, 1-12 premises) go in
   free slots nearest the town hall; blocks near centres have 0-3 ground-floor businesses.
5. fiber_status: a smooth noise field plus a bonus for Rennes and the inner ring decides
   where the FTTH network is built (eligible), then a draw decides "connected"; outer
   areas keep clusters of "not-eligible" buildings.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sample.common import CRS, SmoothNoise, rng
from sample.communes import Territory

CELL_M = 200.0
SLOT_M = 25.0
SLOTS_PER_SIDE = int(CELL_M / SLOT_M)  # 8
DISCLOSURE_MIN_HOUSEHOLDS = 11
FLOOR_AREA_PER_DWELLING_M2 = 65.0
CONNECTED_SHARE = {"rennes": 0.72, "inner": 0.6, "outer": 0.45}
FIBER_BONUS = {"rennes": 1.4, "inner": 0.8, "outer": 0.05}


@dataclass
class BuildingsResult:
    """Buildings layer frame, the population grid frame and masking statistics."""

    buildings: gpd.GeoDataFrame
    population_grid: gpd.GeoDataFrame
    masked: dict


def decay_length_m(population: int) -> float:
    """Length scale (m) of the density decay around the town hall."""
    return float(np.clip(6.5 * np.sqrt(population), 300.0, 1500.0))


def _split(total: int, parts: int, generator: np.random.Generator) -> np.ndarray:
    """``parts`` positive integers summing to ``total`` (random, reasonably even)."""
    if parts <= 0:
        return np.zeros(0, dtype=int)
    parts = min(parts, total)
    shares = generator.dirichlet(np.full(parts, 4.0))
    return 1 + generator.multinomial(total - parts, shares)


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``weights`` summing exactly to ``total``."""
    ideal = weights / weights.sum() * total
    base = np.floor(ideal).astype(int)
    rest = total - base.sum()
    order = np.argsort(-(ideal - base), kind="stable")
    base[order[:rest]] += 1
    return base


class _Footprints:
    """Accumulates rectangles (centre, length, width, angle) and their attributes."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def add(self, x, y, length, width, angle, usage, households, premises, height, insee, cell):
        self.rows.append(
            (x, y, length, width, angle, usage, households, premises, height, insee, cell)
        )

    def frame(self) -> pd.DataFrame:
        columns = [
            "x",
            "y",
            "length",
            "width",
            "angle",
            "usage",
            "households",
            "premises",
            "height_m",
            "insee",
            "cell",
        ]
        return pd.DataFrame(self.rows, columns=columns)


def _rectangles(table: pd.DataFrame) -> np.ndarray:
    """Shapely polygons of rotated rectangles (centre x, y; length, width m; angle rad)."""
    half_l = table["length"].to_numpy() / 2
    half_w = table["width"].to_numpy() / 2
    angle = table["angle"].to_numpy()
    cos, sin = np.cos(angle), np.sin(angle)
    corners = np.array([(-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)], dtype=float)
    dx = corners[None, :, 0] * half_l[:, None]
    dy = corners[None, :, 1] * half_w[:, None]
    xs = table["x"].to_numpy()[:, None] + dx * cos[:, None] - dy * sin[:, None]
    ys = table["y"].to_numpy()[:, None] + dx * sin[:, None] + dy * cos[:, None]
    return shapely.polygons(np.round(np.stack([xs, ys], axis=-1), 2))


def _commune_cells(polygon, hall, population, noise, hamlets):
    """Cell lower-left corners (ix, iy in cell units) and weights of one commune."""
    minx, miny, maxx, maxy = polygon.bounds
    ix = np.arange(np.floor(minx / CELL_M), np.ceil(maxx / CELL_M))
    iy = np.arange(np.floor(miny / CELL_M), np.ceil(maxy / CELL_M))
    gx, gy = np.meshgrid(ix, iy)
    cx, cy = (gx + 0.5) * CELL_M, (gy + 0.5) * CELL_M
    inside = shapely.contains_xy(polygon, cx, cy)
    gx, gy, cx, cy = gx[inside], gy[inside], cx[inside], cy[inside]
    distance = np.hypot(cx - hall[0], cy - hall[1])
    length = decay_length_m(population)
    weight = np.exp(-distance / length) * (0.8 + 0.2 * noise(cx, cy))
    weight[distance > 2.6 * length] = 0.0
    bump = np.clip(hamlets(cx, cy) - 0.6, 0.0, None)
    weight += 0.5 * bump * (distance > 1.5 * length)
    weight[weight < 0.06] = 0.0
    return gx.astype(int), gy.astype(int), weight


def generate_buildings(territory: Territory) -> BuildingsResult:
    """Buildings and population grid for every commune (see module docstring)."""
    bounds = territory.bounds
    density_noise = SmoothNoise("density", bounds, 900.0)
    hamlet_noise = SmoothNoise("hamlets", bounds, 700.0)
    fiber_noise = SmoothNoise("fiber", bounds, 1500.0)
    footprints = _Footprints()
    for commune in territory.communes.itertuples():
        _commune_buildings(commune, territory, density_noise, hamlet_noise, footprints)
    table = footprints.frame()
    generator = rng("buildings-attributes")
    rings = table["insee"].map(territory.ring)
    score = 0.6 * fiber_noise(table["x"].to_numpy(), table["y"].to_numpy())
    score += rings.map(FIBER_BONUS).to_numpy() + 0.3 * (table["households"] > 8)
    eligible = score > 0.0
    connected = eligible & (generator.random(len(table)) < rings.map(CONNECTED_SHARE))
    status = np.where(connected, "connected", np.where(eligible, "eligible", "not-eligible"))

    households_total = table.groupby("insee")["households"].transform("sum")
    population_total = table["insee"].map(territory.communes.set_index("insee")["population"])
    population = _exact_rounded(
        table["households"] * population_total / households_total, table["insee"], population_total
    )
    names = territory.communes.set_index("insee")["name"]
    buildings = gpd.GeoDataFrame(
        {
            "building_id": np.arange(1, len(table) + 1, dtype=np.int64),
            "insee": table["insee"].astype(str),
            "commune": table["insee"].map(names).astype(str),
            "usage": table["usage"].astype(str),
            "height_m": table["height_m"].round(1).astype(float),
            "households": table["households"].astype(np.int64),
            "population": population.astype(float),
            "premises": table["premises"].astype(np.int64),
            "fiber_status": status,
        },
        geometry=_rectangles(table),
        crs=CRS,
    )
    grid, masked = _population_grid(table, population)
    return BuildingsResult(buildings, grid, masked)


def _commune_buildings(commune, territory, density_noise, hamlet_noise, footprints) -> None:
    insee = commune.insee
    generator = rng(f"buildings-{insee}")
    hall = territory.centre(insee)
    households_total = round(commune.population / territory.household_size[insee])
    gx, gy, weight = _commune_cells(
        commune.geometry, hall, commune.population, density_noise, hamlet_noise
    )
    per_cell = _largest_remainder(weight, households_total)
    prepared = commune.geometry
    shapely.prepare(prepared)
    free_slots: list[tuple] = []  # (distance to the centre, x, y, cell)
    leftover = 0
    for cx, cy, households in zip(gx, gy, per_cell, strict=True):
        x0, y0 = cx * CELL_M, cy * CELL_M
        offsets = (np.arange(SLOTS_PER_SIDE) + 0.5) * SLOT_M
        sx, sy = np.meshgrid(x0 + offsets, y0 + offsets)
        inside = shapely.contains_xy(prepared, sx, sy)
        cell = (int(cx), int(cy))
        used: set[tuple[int, int]] = set()
        leftover += _fill_cell(
            int(households), sx, sy, inside, cell, insee, generator, footprints, used
        )
        for row, col in zip(*np.nonzero(inside), strict=True):
            if (row, col) not in used:
                free_slots.append(
                    (
                        np.hypot(sx[row, col] - hall[0], sy[row, col] - hall[1]),
                        sx[row, col],
                        sy[row, col],
                        cell,
                    )
                )
    if leftover:
        own = [i for i, r in enumerate(footprints.rows) if r[9] == insee and r[5] == "residential"]
        biggest = max(own, key=lambda i: footprints.rows[i][6])
        row = list(footprints.rows[biggest])
        row[6] += leftover
        row[7] += leftover
        footprints.rows[biggest] = tuple(row)
    _add_services(commune, free_slots, generator, footprints)


def _fill_cell(households, sx, sy, inside, cell, insee, generator, footprints, used) -> int:
    """Place ``households`` in one cell's slots (adds the slots taken to ``used``); returns
    households that did not fit."""
    if households <= 0:
        return 0
    n = SLOTS_PER_SIDE
    groups = [
        (r, c)
        for r in range(0, n, 2)
        for c in range(0, n, 2)
        if inside[r, c] and inside[r + 1, c] and inside[r, c + 1] and inside[r + 1, c + 1]
    ]
    singles = list(zip(*np.nonzero(inside), strict=True))
    base_angle = generator.uniform(-0.12, 0.12)
    block_share = float(np.clip((households - 15) / 100.0, 0.0, 0.95))
    block_households = round(households * block_share) if groups else 0
    order = generator.permutation(len(groups))
    used_groups = []
    if block_households:
        count = int(np.clip(np.ceil(block_households / 28), 1, len(groups)))
        used_groups = [groups[i] for i in order[:count]]
    taken = {(r + dr, c + dc) for r, c in used_groups for dr in (0, 1) for dc in (0, 1)}
    free = [s for s in singles if s not in taken]
    small_households = households - block_households
    capacity = len(free)
    if capacity == 0 and small_households and used_groups:
        block_households, small_households = households, 0
    if capacity == 0 and small_households:
        return small_households
    # small buildings: 10 % of small-building households in detached houses, rest in rows
    if small_households:
        houses = round(small_households * 0.1)
        row_households = small_households - houses
        rows = int(np.ceil(row_households / 6.0)) if row_households else 0
        if houses + rows > capacity:
            sizes = _split(small_households, capacity, generator)
        else:
            sizes = np.concatenate(
                [np.ones(houses, dtype=int), _split(row_households, rows, generator)]
            )
        free_order = generator.permutation(len(free))
        for size, index in zip(sizes, free_order, strict=False):
            r, c = free[index]
            _add_residential(
                sx[r, c],
                sy[r, c],
                int(size),
                base_angle,
                insee,
                cell,
                generator,
                footprints,
                room=SLOT_M,
            )
            used.add((r, c))
    if block_households:
        sizes = _split(block_households, len(used_groups), generator)
        for size, (r, c) in zip(sizes, used_groups, strict=True):
            x = (sx[r, c] + sx[r, c + 1]) / 2
            y = (sy[r, c] + sy[r + 1, c]) / 2
            _add_residential(
                x, y, int(size), base_angle, insee, cell, generator, footprints, room=2 * SLOT_M
            )
            for dr in (0, 1):
                for dc in (0, 1):
                    used.add((r + dr, c + dc))
    return 0


def _add_residential(x, y, size, base_angle, insee, cell, generator, footprints, room) -> None:
    """One residential building of ``size`` households centred in a slot of ``room`` m."""
    angle = base_angle + generator.uniform(-0.05, 0.05)
    if size == 1:
        length, width = generator.uniform(9, 13), generator.uniform(7.5, 10)
        height = generator.uniform(5.5, 7.5)
    elif size <= 8 or room < 2 * SLOT_M:
        length = min(22.0, 12 + 1.6 * size + generator.uniform(0, 2))
        width = generator.uniform(7.5, 9.5) if size <= 8 else generator.uniform(12, 16)
        floors = max(2, int(np.ceil(size * FLOOR_AREA_PER_DWELLING_M2 / (length * width))))
        height = 3.0 * floors + 1.0
    else:
        length = min(40.0, 16 + 0.6 * size + generator.uniform(0, 4))
        width = generator.uniform(10, 16)
        floors = max(3, int(np.ceil(size * FLOOR_AREA_PER_DWELLING_M2 / (length * width))))
        height = 3.0 * floors + 1.5
    jitter = (room - length * 1.05) / 2 if room > length * 1.05 else 0.0
    x += generator.uniform(-jitter, jitter) * 0.5
    y += generator.uniform(-1, 1)
    shops = int(generator.integers(0, 4)) if size > 8 else 0
    footprints.add(
        x, y, length, width, angle, "residential", size, size + shops, height, insee, cell
    )


def _add_services(commune, free_slots, generator, footprints) -> None:
    """Commercial and public buildings in the free slots nearest the town hall."""
    free_slots.sort(key=lambda s: s[0])
    commercial = max(2, round(commune.population / 400))
    public = max(1, round(commune.population / 1500))
    spread = generator.permutation(min(len(free_slots), 3 * (commercial + public)))
    for k, slot_index in enumerate(spread[: commercial + public]):
        _, x, y, cell = free_slots[slot_index]
        usage = "commercial" if k < commercial else "public"
        length, width = generator.uniform(12, 22), generator.uniform(10, 18)
        premises = int(generator.integers(1, 13)) if usage == "commercial" else 1
        height = generator.uniform(4, 12) if usage == "commercial" else generator.uniform(6, 15)
        footprints.add(
            x,
            y,
            length,
            width,
            generator.uniform(-0.15, 0.15),
            usage,
            0,
            premises,
            height,
            commune.insee,
            cell,
        )


def _exact_rounded(values: pd.Series, insee: pd.Series, totals: pd.Series) -> pd.Series:
    """Round to 0.001 person, then put each commune's rounding residue on its largest building
    so per-commune sums stay equal to the real population."""
    rounded = values.round(3)
    residue = (totals - rounded.groupby(insee).transform("sum")).groupby(insee).first()
    largest = values.groupby(insee).idxmax()
    rounded.loc[largest.to_numpy()] += residue.loc[largest.index].to_numpy()
    return rounded.round(3)


def _population_grid(table: pd.DataFrame, population: pd.Series):
    """Aggregate buildings into 200 m cells and apply the < 11 households disclosure rule."""
    frame = pd.DataFrame(
        {
            "ix": table["cell"].map(lambda c: c[0]),
            "iy": table["cell"].map(lambda c: c[1]),
            "insee": table["insee"],
            "households": table["households"],
            "population": population,
        }
    )
    cells = frame.groupby(["ix", "iy", "insee"], as_index=False)[["households", "population"]].sum()
    cells = cells[cells["households"] > 0]
    hidden = cells["households"] < DISCLOSURE_MIN_HOUSEHOLDS
    masked_by_commune = cells[hidden].groupby("insee")[["households", "population"]].sum()
    masked = {
        "disclosure_rule_min_households": DISCLOSURE_MIN_HOUSEHOLDS,
        "masked_cells": int(hidden.sum()),
        "masked_households": int(cells.loc[hidden, "households"].sum()),
        "masked_population": round(float(cells.loc[hidden, "population"].sum()), 1),
        "masked_by_insee": {
            insee: {"households": int(row.households), "population": round(row.population, 1)}
            for insee, row in masked_by_commune.iterrows()
        },
    }
    shown = cells[~hidden].sort_values(["iy", "ix"]).reset_index(drop=True)
    x0, y0 = shown["ix"] * int(CELL_M), shown["iy"] * int(CELL_M)
    grid = gpd.GeoDataFrame(
        {
            "cell_id": [f"CRS2154RES200mN{y}E{x}" for x, y in zip(x0, y0, strict=True)],
            "population": shown["population"].round(2).astype(float),
            "households": shown["households"].astype(np.int64),
            "insee": shown["insee"].astype(str),
        },
        geometry=shapely.box(x0, y0, x0 + CELL_M, y0 + CELL_M),
        crs=CRS,
    )
    return grid, masked
