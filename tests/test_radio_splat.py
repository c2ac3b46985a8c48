"""SPLAT! exporters: the SDF tile is read back by SPLAT!'s own indexing and by SPLAT! itself."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest
from pyproj import Transformer
from splat_scene import RX, TX, X0, Y0, scene_files, scene_terrain

from twin.sim.radio.splat import export_sdf

DATA = Path(__file__).parent / "data" / "splat"


def test_sdf_tile_follows_splat_indexing(tmp_path):
    terrain = scene_terrain()
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
    """SPLAT!'s own report (recorded in tests/data/splat/ by
    scripts/record_splat_reference.py from this very tile) gives the ground elevation of our
    terrain at both ends: SPLAT! reads the tile where twin meant it."""
    tile = scene_files(tmp_path)
    recorded = (DATA / "README.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(tile.read_bytes()).hexdigest()
    assert f"sha256 {digest}" in recorded, "the SDF exporter changed: re-record SPLAT!'s report"
    report = (DATA / "tx-to-rx.txt").read_text(encoding="latin-1")
    ground = [float(v) for v in re.findall(r"Ground elevation: ([-\d.]+)", report)]
    expected = scene_terrain().elevation_at(np.array([TX[0], RX[0]]), np.array([TX[1], RX[1]]))
    # 3 arc-second sampling (~60 x 90 m) of a 0.5 m/pixel slope plus integer rounding
    assert ground[:2] == pytest.approx(expected.tolist(), abs=2.5)
