"""Intermodal hubs: places where several modes, or several lines, meet within a short walk.

A hub is a group of stops within ``radius_m`` (straight line, m; 150 m by default, about
2 minutes' walk) of a centre stop, whose lines span at least ``min_modes`` modes or number
at least ``min_lines`` lines. Centres are taken greedily, richest neighbourhood first
(most modes, then most lines), and a stop belongs to one hub only, so hubs never chain
along a busy street.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree


def find_hubs(
    stops: pd.DataFrame,
    stop_lines: pd.DataFrame,
    radius_m: float = 150.0,
    min_lines: int = 3,
    min_modes: int = 2,
    crs=None,
) -> gpd.GeoDataFrame:
    """Hubs as points at the mean position of their stops.

    ``stops``: stop_id, stop_name, x, y (project metres). ``stop_lines``: stop_id, line
    (a line's public name), mode. Returns hub_id, name (the centre stop's name), stop_ids,
    lines and modes (";"-joined, sorted), line_count, mode_count, stop_count.
    """
    columns = [
        "hub_id",
        "name",
        "stop_ids",
        "lines",
        "modes",
        "line_count",
        "mode_count",
        "stop_count",
    ]
    served = stops[stops["stop_id"].isin(set(stop_lines["stop_id"]))].reset_index(drop=True)
    if served.empty:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=crs)
    lines_of = stop_lines.groupby("stop_id")["line"].agg(set).to_dict()
    modes_of = stop_lines.groupby("stop_id")["mode"].agg(set).to_dict()
    xy = served[["x", "y"]].to_numpy(dtype=float)
    neighbours = cKDTree(xy).query_ball_point(xy, r=radius_m)
    ids = served["stop_id"].to_numpy()

    def richness(members) -> tuple[int, int]:
        lines = set().union(*(lines_of[ids[m]] for m in members))
        modes = set().union(*(modes_of[ids[m]] for m in members))
        return len(modes), len(lines)

    order = sorted(range(len(served)), key=lambda i: richness(neighbours[i]), reverse=True)
    used = np.zeros(len(served), dtype=bool)
    rows, points = [], []
    for centre in order:
        if used[centre]:
            continue
        members = [m for m in neighbours[centre] if not used[m]]
        lines = sorted(set().union(*(lines_of[ids[m]] for m in members)))
        modes = sorted(set().union(*(modes_of[ids[m]] for m in members)))
        if len(modes) < min_modes and len(lines) < min_lines:
            continue
        used[members] = True
        rows.append(
            {
                "hub_id": len(rows) + 1,
                "name": str(served.at[centre, "stop_name"]),
                "stop_ids": ";".join(sorted(str(ids[m]) for m in members)),
                "lines": ";".join(lines),
                "modes": ";".join(modes),
                "line_count": len(lines),
                "mode_count": len(modes),
                "stop_count": len(members),
            }
        )
        points.append(xy[members].mean(axis=0))
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=crs)
    points_array = np.asarray(points)
    return gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=columns),
        geometry=gpd.points_from_xy(points_array[:, 0], points_array[:, 1]),
        crs=crs,
    )
