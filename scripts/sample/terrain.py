"""Generated terrain model (no French DEM installs offline, so the relief is synthetic).

Method: a plausible shape of the Rennes basin, not measured heights. Base 50 m a.s.l.,
rising towards the west (+35 m at 15 km) and the north (+20 m at 15 km) where the real
hills are; smooth noise (+/-12 m, 3 km scale, plus +/-4 m at 800 m); the Vilaine valley
(entering from the east at Acigné, through Cesson-Sévigné and Rennes, leaving south-west by
Bruz and Laillé) and the Ille (from the north through Saint-Grégoire) cut into it, the
river level falling from 32 m upstream to 15 m downstream with valley sides of ~1.5 km.
50 m pixels, float32, nodata -9999, extent = communes + 2 km, values rounded to 0.1 m.
"""

from __future__ import annotations

import numpy as np
import shapely
from affine import Affine

from sample.common import SmoothNoise
from sample.communes import Territory

PIXEL_M = 50.0
MARGIN_M = 2000.0
NODATA = -9999.0
# river courses through these town halls, upstream to downstream, with river level (m)
VILAINE = (
    ("35001", 32.0),
    ("35051", 27.0),
    ("35238", 22.0),
    ("35281", 19.0),
    ("35047", 17.0),
    ("35139", 15.0),
)
ILLE = (("35079", 35.0), ("35278", 27.0), ("35238", 22.0))


def _river(territory: Territory, course, extend_m: float) -> tuple[shapely.LineString, list]:
    points = np.array([territory.centre(code) for code, _ in course])
    first = points[0] + (points[0] - points[1]) / np.hypot(*(points[0] - points[1])) * extend_m
    last = points[-1] + (points[-1] - points[-2]) / np.hypot(*(points[-1] - points[-2])) * extend_m
    line = shapely.LineString(np.vstack([first, points, last]))
    levels = [course[0][1] + 2.0] + [level for _, level in course] + [course[-1][1] - 2.0]
    return line, levels


def _river_level_and_distance(line, levels, x, y) -> tuple[np.ndarray, np.ndarray]:
    points = shapely.points(x.ravel(), y.ravel())
    distance = shapely.distance(points, line).reshape(x.shape)
    along = shapely.line_locate_point(line, points).reshape(x.shape)
    vertex_positions = [line.project(shapely.Point(c)) for c in line.coords]
    level = np.interp(along, vertex_positions, levels)
    return distance, level


def generate_terrain(territory: Territory) -> tuple[np.ndarray, Affine]:
    """(array float32 m a.s.l., affine transform) of the generated DEM."""
    minx, miny, maxx, maxy = territory.bounds
    minx = np.floor((minx - MARGIN_M) / PIXEL_M) * PIXEL_M
    miny = np.floor((miny - MARGIN_M) / PIXEL_M) * PIXEL_M
    maxx = np.ceil((maxx + MARGIN_M) / PIXEL_M) * PIXEL_M
    maxy = np.ceil((maxy + MARGIN_M) / PIXEL_M) * PIXEL_M
    cols, rows = int((maxx - minx) / PIXEL_M), int((maxy - miny) / PIXEL_M)
    transform = Affine(PIXEL_M, 0.0, minx, 0.0, -PIXEL_M, maxy)
    xs = minx + (np.arange(cols) + 0.5) * PIXEL_M
    ys = maxy - (np.arange(rows) + 0.5) * PIXEL_M
    x, y = np.meshgrid(xs, ys)
    cx, cy = territory.centre("35238")
    bounds = (minx, miny, maxx, maxy)
    broad = SmoothNoise("terrain-broad", bounds, 3000.0)
    fine = SmoothNoise("terrain-fine", bounds, 800.0)
    height = 50.0 + 35.0 * np.clip((cx - x) / 15000.0, -0.3, 1.2)
    height += 20.0 * np.clip((y - cy) / 15000.0, -0.4, 1.2)
    height += 12.0 * broad(x, y) + 4.0 * fine(x, y)
    for course in (VILAINE, ILLE):
        line, levels = _river(territory, course, 6000.0)
        distance, level = _river_level_and_distance(line, levels, x, y)
        valley = np.exp(-distance / 1500.0)
        height = np.minimum(height, level + (height - level) * (1.0 - valley) + 0.002 * distance)
    return np.round(height, 1).astype(np.float32), transform
