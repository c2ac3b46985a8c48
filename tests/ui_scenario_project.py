"""A small synthetic territory for the scenario/tool UI tests (Lambert-93 metres): 4 km x
4 km of flat terrain, 400 buildings (more persons in the east, 20 premises each), two 4G
sites in the west, and a coarse radio grid (100 m pixels) so updates take milliseconds."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from affine import Affine
from shapely.geometry import LineString, Point, box

from twin.layers import Provenance, RasterLayer, VectorLayer
from twin.project import Project
from twin.sim.whatif.result import WhatIfOptions

CRS = "EPSG:2154"
X0, Y0 = 350_000.0, 6_786_000.0
SIZE_M = 4000.0
PIXEL_M = 100.0
OPTIONS = WhatIfOptions(
    radio_pixel_m=PIXEL_M,
    radio_bbox=(X0, Y0, X0 + SIZE_M, Y0 + SIZE_M),
    radio_max_range_m=3000.0,
)
SITE_A = (X0 + 500.0, Y0 + 3500.0)
SITE_B = (X0 + 500.0, Y0 + 500.0)


def make_cells() -> VectorLayer:
    """Two three-sector sites (A north-west, B south-west), 4G 1800 MHz, 30 m."""
    rows, points = [], []
    for site_id, (x, y) in (("A", SITE_A), ("B", SITE_B)):
        for k, azimuth in enumerate((0.0, 120.0, 240.0)):
            rows.append(
                {
                    "site_id": site_id,
                    "site_name": f"Site {site_id}",
                    "operator": "test",
                    "height_m": 30.0,
                    "cell_id": f"{site_id}-{k + 1}",
                    "technology": "4G",
                    "band_mhz": 1800.0,
                    "azimuth_deg": azimuth,
                    "tx_power_dbm": 43.0,
                }
            )
            points.append(Point(x, y))
    frame = gpd.GeoDataFrame(rows, geometry=points, crs=CRS)
    provenance = Provenance(source="tests:synthetic", licence="CC0", method="drawn by hand")
    return VectorLayer("Mobile cells", frame, provenance=provenance, layer_id="mobile_cells")


def make_buildings() -> VectorLayer:
    """A 20 x 20 grid of 40 m buildings, 200 m apart, 20 premises each; the column k
    (from the west) houses 10 + 5 k persons per building, so moving a mast changes counts."""
    geometry = [
        box(X0 + 80 + 200 * i, Y0 + 80 + 200 * j, X0 + 120 + 200 * i, Y0 + 120 + 200 * j)
        for i in range(20)
        for j in range(20)
    ]
    frame = gpd.GeoDataFrame(
        {
            "population": [10.0 + 5.0 * i for i in range(20) for _j in range(20)],
            "premises": [20.0] * 400,
            "insee": ["35000"] * 400,
        },
        geometry=geometry,
        crs=CRS,
    )
    return VectorLayer("Buildings", frame, layer_id="buildings")


def make_terrain() -> RasterLayer:
    """Flat ground at 40 m, 100 m pixels over the 4 km square."""
    array = np.full((40, 40), 40.0)
    transform = Affine(PIXEL_M, 0.0, X0, 0.0, -PIXEL_M, Y0 + SIZE_M)
    return RasterLayer("Terrain", array, transform, CRS, unit="m", layer_id="terrain")


def make_roads() -> VectorLayer:
    """Two crossing roads through the middle."""
    frame = gpd.GeoDataFrame(
        {"name": ["East-West", "North-South"]},
        geometry=[
            LineString([(X0, Y0 + 2000), (X0 + SIZE_M, Y0 + 2000)]),
            LineString([(X0 + 2000, Y0), (X0 + 2000, Y0 + SIZE_M)]),
        ],
        crs=CRS,
    )
    return VectorLayer("Roads", frame, layer_id="roads")


def make_project() -> Project:
    """Cells on top, then roads, buildings and terrain."""
    project = Project(crs=CRS)
    for layer in (make_terrain(), make_buildings(), make_roads(), make_cells()):
        project.add_layer(layer, index=0)
    project.metadata["title"] = "Scenario test town"
    return project
