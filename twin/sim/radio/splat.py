"""Export a DEM and a site to SPLAT!'s input formats and run it (reference tool).

SDF (SPLAT Data File, SPLAT! 1.4 ``srtm2sdf.c`` ``WriteSDF``): a text file per 1 x 1 degree
tile named ``{min_north}:{max_north}:{min_west}:{max_west}[-hd].sdf`` (longitudes in degrees
*west*, 0-360). First four lines: max_west, min_north, min_west, max_north; then
ppd x ppd integer heights (m), ppd = 1200 (3 arc-seconds) or 3600 (1 arc-second, SPLAT! HD),
ordered south to north (outer, latitude = min_north + i/ppd) and, within a row, from the
east edge towards the west (longitude west = max_west - (ppd - 1 - j)/ppd, i.e. east
longitude = -max_west + (ppd - 1 - j)/ppd), as SPLAT!'s GetElevation reads them.
QTH: site name, latitude (N), longitude (degrees west), antenna height ("30.0m" = metres).
LRP: Longley-Rice/ITWOM parameters (permittivity, conductivity, refractivity, frequency,
climate, polarisation, location and time variability).
"""

from __future__ import annotations

import math
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
from pyproj import Transformer

from twin.sim.radio.terrain import Terrain


def _to_west(lon_east: float) -> float:
    return (-lon_east) % 360.0


def sdf_tiles_for_bounds(lon_min: float, lat_min: float, lon_max: float, lat_max: float):
    """(min_north, lon_floor) of each 1-degree tile touching the box (degrees)."""
    return [
        (lat, lon)
        for lat in range(math.floor(lat_min), math.floor(lat_max) + 1)
        for lon in range(math.floor(lon_min), math.floor(lon_max) + 1)
    ]


def export_sdf(terrain: Terrain, crs, out_dir: Path, hd: bool = True) -> list[Path]:
    """Write the SDF tiles covering ``terrain`` (heights resampled bilinearly to the SDF's
    geographic grid; outside the DEM: sea level, as SPLAT! assumes for missing tiles)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ppd = 3600 if hd else 1200
    rows, cols = terrain.heights.shape
    t = terrain.transform
    x_min, x_max = sorted((t.c, t.c + cols * t.a))
    y_min, y_max = sorted((t.f, t.f + rows * t.e))
    to_geo = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    to_grid = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    corner_x = np.array([x_min, x_min, x_max, x_max])
    corner_y = np.array([y_min, y_max, y_min, y_max])
    lons, lats = to_geo.transform(corner_x, corner_y)
    lon_lo, lon_hi = float(np.min(lons)), float(np.max(lons))
    lat_lo, lat_hi = float(np.min(lats)), float(np.max(lats))
    paths = []
    for min_north, lon_floor in sdf_tiles_for_bounds(lon_lo, lat_lo, lon_hi, lat_hi):
        max_west = round(_to_west(lon_floor)) % 360
        min_west = round(_to_west(lon_floor + 1)) % 360
        heights = np.zeros((ppd, ppd), np.int32)
        lat = min_north + np.arange(ppd) / ppd
        lon = lon_floor + (ppd - 1 - np.arange(ppd)) / ppd  # east longitude of column j
        # only the part of the tile over the DEM's geographic box is sampled
        i0, i1 = np.searchsorted(lat, [lat_lo - 0.01, lat_hi + 0.01])
        j_in = np.nonzero((lon >= lon_lo - 0.01) & (lon <= lon_hi + 0.01))[0]
        if i1 > i0 and j_in.size:
            lon_grid, lat_grid = np.meshgrid(lon[j_in], lat[i0:i1])
            xs, ys = to_grid.transform(lon_grid, lat_grid)
            inside = (xs >= x_min) & (xs <= x_max) & (ys >= y_min) & (ys <= y_max)
            values = np.where(inside, terrain.elevation_at(xs, ys), 0.0)
            heights[i0:i1, j_in[0] : j_in[-1] + 1] = np.rint(values).astype(np.int32)
        name = f"{min_north}:{min_north + 1}:{min_west}:{max_west}{'-hd' if hd else ''}.sdf"
        path = out_dir / name
        header = f"{max_west}\n{min_north}\n{min_west}\n{min_north + 1}\n"
        with open(path, "w") as handle:
            handle.write(header)
            handle.write("\n".join(map(str, heights.ravel().tolist())))
            handle.write("\n")
        paths.append(path)
    return paths


def write_qth(
    path: Path, name: str, x: float, y: float, crs, height_m: float
) -> tuple[float, float]:
    """Write a SPLAT! site file for the point (x, y) in ``crs``; returns (lat, lon east)."""
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)
    Path(path).write_text(f"{name}\n{lat:.6f}\n{_to_west(lon):.6f}\n{height_m:.1f}m\n")
    return lat, lon


def write_lrp(path: Path, f_mhz: float, erp_w: float | None = None) -> None:
    """Write a SPLAT! Longley-Rice parameter file (average ground, continental temperate,
    vertical polarisation, 50 % of locations, 90 % of time; ERP in W or path loss)."""
    lines = [
        "15.000 ; Earth Dielectric Constant (Relative permittivity)",
        "0.005 ; Earth Conductivity (Siemens per meter)",
        "301.000 ; Atmospheric Bending Constant (N-units)",
        f"{f_mhz:.3f} ; Frequency in MHz (20 MHz to 20 GHz)",
        "5 ; Radio Climate (5 = Continental Temperate)",
        "1 ; Polarization (0 = Horizontal, 1 = Vertical)",
        "0.50 ; Fraction of situations (50% of locations)",
        "0.90 ; Fraction of time (90% of the time)",
    ]
    if erp_w is not None:
        lines.append(f"{erp_w:.1f} ; Effective Radiated Power (Watts)")
    Path(path).write_text("\n".join(lines) + "\n")


def run_splat_coverage(
    work_dir: Path,
    site_name: str,
    rx_height_m: float,
    radius_km: float,
    hd: bool = True,
    timeout_s: float = 1800.0,
) -> tuple[float, subprocess.CompletedProcess]:
    """Run ``splat[-hd] -t site.qth -L rx -R radius -metric`` (ITM path-loss map) in
    ``work_dir`` (which holds the .qth, .lrp and the SDF tiles); returns (seconds, process)."""
    executable = shutil.which("splat-hd" if hd else "splat")
    if executable is None:
        raise FileNotFoundError("SPLAT! is not installed (apt-get install splat)")
    command = [
        executable,
        "-t",
        f"{site_name}.qth",
        "-L",
        f"{rx_height_m}",
        "-R",
        f"{radius_km}",
        "-metric",
        "-d",
        ".",
        "-o",
        f"{site_name}_map.ppm",
        "-ngs",
        "-N",
    ]
    start = time.perf_counter()
    process = subprocess.run(
        command, cwd=work_dir, capture_output=True, text=True, timeout=timeout_s, check=False
    )
    return time.perf_counter() - start, process
