"""Shared inputs of the what-if tests: the sample territory opened once per test process
(the engines' prepared inputs are cached per project, so tests share them) and fast options
(a 100 m coverage grid over a 10 km box around the centre of Rennes, 3 km cell range, no
design day)."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import shapely

import twin
from twin.scenario import AddMobileSite, CellSpec
from twin.sim.whatif import WhatIfOptions

BOX = (347_000.0, 6_784_000.0, 357_000.0, 6_794_000.0)  # 10 km x 10 km, Lambert-93 m
FAST = WhatIfOptions(
    radio_pixel_m=100.0, radio_bbox=BOX, radio_max_range_m=3000.0, energy_daily=False
)
SITE = AddMobileSite(
    "new-5g",
    "Test 5G",
    352_000.0,
    6_789_000.0,
    30.0,
    cells=tuple(CellSpec(azimuth) for azimuth in (0.0, 120.0, 240.0)),
)
BUS_STOPS = ((349_000.0, 6_786_000.0), (351_000.0, 6_787_500.0), (353_000.0, 6_789_000.0))


def copy_sample_project(folder: Path) -> Path:
    """Copy the sample project and the GTFS feed beside it into ``folder``; returns the
    copy's path (a test that saves into the project or times a cold open works on it)."""
    source = twin.sample_project_path()
    for path in [source, *source.parent.glob("*.zip")]:
        shutil.copy(path, folder / path.name)
    return folder / source.name


@functools.lru_cache(maxsize=1)
def sample_project():
    """The bundled sample project (one object for the whole test process)."""
    return twin.open_project(None)


def commune_ring(project, name: str, tolerance_m: float = 50.0) -> tuple:
    """Exterior ring (x, y pairs, m) of the largest part of a commune, simplified."""
    frame = project.layer("communes").frame
    shape = frame[frame["name"] == name].geometry.iloc[0]
    parts = getattr(shape, "geoms", [shape])
    polygon = max(parts, key=lambda p: p.area).simplify(tolerance_m)
    return tuple(tuple(xy) for xy in shapely.get_coordinates(polygon.exterior)[:-1])
