"""Synthetic territories for the rendering benchmark: buildings clustered in towns, roads.

Deterministic (seeded). Lambert-93 coordinates around Rennes; a 48 km x 36 km territory with
one large town at the centre and 80 smaller ones; buildings are rotated rectangles of
6-40 m (log-normal around 12 m), roads are straight segments of 20-300 m.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

CENTRE = (352_000.0, 6_789_000.0)
HALF_WIDTH, HALF_HEIGHT = 24_000.0, 18_000.0
TOWNS = 81


def _town_positions(count: int, rng: np.random.Generator) -> np.ndarray:
    """(count, 2) positions clustered around towns (the first, largest, at the centre)."""
    centres = np.column_stack(
        [
            rng.uniform(CENTRE[0] - HALF_WIDTH * 0.9, CENTRE[0] + HALF_WIDTH * 0.9, TOWNS),
            rng.uniform(CENTRE[1] - HALF_HEIGHT * 0.9, CENTRE[1] + HALF_HEIGHT * 0.9, TOWNS),
        ]
    )
    centres[0] = CENTRE
    weights = rng.lognormal(0.0, 1.0, TOWNS)
    weights[0] = weights.sum() * 0.6  # the city holds ~40 % of the buildings
    weights /= weights.sum()
    town = rng.choice(TOWNS, size=count, p=weights)
    spread = 350.0 + 2200.0 * np.sqrt(weights / weights.max())
    positions = centres[town] + rng.normal(0.0, 1.0, (count, 2)) * spread[town, None]
    rural = rng.random(count) < 0.08
    positions[rural, 0] = rng.uniform(CENTRE[0] - HALF_WIDTH, CENTRE[0] + HALF_WIDTH, rural.sum())
    positions[rural, 1] = rng.uniform(CENTRE[1] - HALF_HEIGHT, CENTRE[1] + HALF_HEIGHT, rural.sum())
    return positions


def buildings(count: int, seed: int = 1) -> gpd.GeoDataFrame:
    """``count`` rotated-rectangle buildings (EPSG:2154) with a ``floors`` column."""
    rng = np.random.default_rng(seed)
    centre = _town_positions(count, rng)
    width = np.clip(rng.lognormal(np.log(12.0), 0.4, count), 6.0, 40.0)
    depth = width * rng.uniform(0.5, 1.0, count)
    angle = rng.uniform(0.0, np.pi, count)
    corners = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]])
    local_x = corners[None, :, 0] * width[:, None]
    local_y = corners[None, :, 1] * depth[:, None]
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    coords = np.stack(
        [
            centre[:, 0, None] + local_x * cos - local_y * sin,
            centre[:, 1, None] + local_x * sin + local_y * cos,
        ],
        axis=-1,
    )
    geometry = shapely.polygons(coords)
    floors = rng.integers(1, 6, count)
    return gpd.GeoDataFrame({"floors": floors}, geometry=geometry, crs="EPSG:2154")


def roads(count: int, seed: int = 2) -> gpd.GeoDataFrame:
    """``count`` straight road segments (EPSG:2154)."""
    rng = np.random.default_rng(seed)
    start = _town_positions(count, rng)
    length = rng.uniform(20.0, 300.0, count)
    angle = rng.uniform(0.0, 2 * np.pi, count)
    end = start + np.column_stack([np.cos(angle), np.sin(angle)]) * length[:, None]
    geometry = shapely.linestrings(np.stack([start, end], axis=1))
    return gpd.GeoDataFrame(
        {"lanes": rng.integers(1, 3, count)}, geometry=geometry, crs="EPSG:2154"
    )


def cached_geopackage(folder: Path, kind: str, count: int) -> Path:
    """A GeoPackage with one layer named ``kind`` ("buildings"/"roads") of ``count``
    features, written once into ``folder`` and reused."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kind}_{count}.gpkg"
    if not path.exists():
        frame = buildings(count) if kind == "buildings" else roads(count)
        temporary = path.with_suffix(".tmp.gpkg")
        frame.to_file(temporary, layer=kind, driver="GPKG", engine="pyogrio")
        temporary.rename(path)
    return path


def combined_geopackage(folder: Path, building_count: int, road_count: int) -> Path:
    """One GeoPackage holding a ``roads`` layer (first, drawn on top) and a ``buildings``
    layer, both EPSG:2154, written once into ``folder`` and reused."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"combined_{building_count}_{road_count}.gpkg"
    if not path.exists():
        temporary = path.with_suffix(".tmp.gpkg")
        temporary.unlink(missing_ok=True)
        roads(road_count).to_file(temporary, layer="roads", driver="GPKG", engine="pyogrio")
        buildings(building_count).to_file(
            temporary, layer="buildings", driver="GPKG", engine="pyogrio", mode="a"
        )
        temporary.rename(path)
    return path
