"""SPLAT! exporters: the SDF tile is read back by SPLAT!'s own indexing and by SPLAT! itself."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest
from affine import Affine
from pyproj import Transformer

from twin.sim.radio.splat import export_sdf, write_lrp, write_qth
from twin.sim.radio.terrain import Terrain

X0, Y0, PIXEL, SIZE = 340_000.0, 6_800_000.0, 50.0, 120  # 6 km square near Rennes


def _terrain() -> Terrain:
    cols = np.arange(SIZE)[None, :]
    rows = np.arange(SIZE)[:, None]
    heights = 40.0 + 0.5 * cols + 0.25 * rows  # a smooth slope: 40-140 m
    return Terrain(heights.astype(np.float32), Affine(PIXEL, 0, X0, 0, -PIXEL, Y0))


def test_sdf_tile_follows_splat_indexing(tmp_path):
    terrain = _terrain()
    (path,) = export_sdf(terrain, "EPSG:2154", tmp_path, hd=False)
    assert path.name == "48:49:1:2.sdf"  # lat 48-49 N, lon 1-2 W
    values = np.loadtxt(path, dtype=np.int64)
    max_west, min_north, min_west, max_north = values[:4]
    assert (max_west, min_north, min_west, max_north) == (2, 48, 1, 49)
    data = values[4:].reshape(1200, 1200)
    # SPLAT!'s GetElevation: x = rint(ppd (lat - min_north)), y = mpi - rint(ppd (max_west -
    # lon_west)), value = data[x][y] (ppd = 1200, mpi = 1199)
    x, y = X0 + 3000.0, Y0 - 2000.0
    lon, lat = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True).transform(x, y)
    row = round(1200 * (lat - 48))
    col = 1199 - round(1200 * (2 - (-lon)))
    assert abs(data[row, col] - float(terrain.elevation_at([x], [y])[0])) <= 2.0


def test_splat_reads_the_exported_terrain(tmp_path):
    assert shutil.which("splat") is not None
    terrain = _terrain()
    export_sdf(terrain, "EPSG:2154", tmp_path, hd=False)
    tx = (X0 + 2000.0, Y0 - 3000.0)
    rx = (X0 + 5000.0, Y0 - 1000.0)
    write_qth(tmp_path / "tx.qth", "tx", *tx, "EPSG:2154", 30.0)
    write_qth(tmp_path / "rx.qth", "rx", *rx, "EPSG:2154", 1.5)
    write_lrp(tmp_path / "tx.lrp", 800.0)
    process = subprocess.run(
        ["splat", "-t", "tx.qth", "-r", "rx.qth", "-d", "./", "-metric"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert process.returncode == 0, process.stderr
    report = (tmp_path / "tx-to-rx.txt").read_text(encoding="latin-1")
    ground = [float(v) for v in re.findall(r"Ground elevation: ([-\d.]+)", report)]
    expected = terrain.elevation_at(np.array([tx[0], rx[0]]), np.array([tx[1], rx[1]]))
    # 3 arc-second sampling (~60 x 90 m) of a 0.5 m/pixel slope plus integer rounding
    assert ground[:2] == pytest.approx(expected.tolist(), abs=2.5)
