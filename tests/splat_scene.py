"""The small terrain and site pair shared by tests/test_radio_splat.py and
scripts/record_splat_reference.py (SPLAT!'s recorded report is made from it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from affine import Affine

from twin.sim.radio.splat import export_sdf, write_lrp, write_qth
from twin.sim.radio.terrain import Terrain

X0, Y0, PIXEL, SIZE = 340_000.0, 6_800_000.0, 50.0, 120  # 6 km square near Rennes
TX = (X0 + 2000.0, Y0 - 3000.0)
RX = (X0 + 5000.0, Y0 - 1000.0)


def scene_terrain() -> Terrain:
    """A smooth slope of 40-140 m, 0.5 m per pixel eastwards and 0.25 m southwards."""
    cols = np.arange(SIZE)[None, :]
    rows = np.arange(SIZE)[:, None]
    heights = 40.0 + 0.5 * cols + 0.25 * rows
    return Terrain(heights.astype(np.float32), Affine(PIXEL, 0, X0, 0, -PIXEL, Y0))


def scene_files(folder: Path) -> Path:
    """Write the SDF tile (3 arc-second), tx/rx QTH and the LRP into ``folder``; the tile."""
    (tile,) = export_sdf(scene_terrain(), "EPSG:2154", folder, hd=False)
    write_qth(folder / "tx.qth", "tx", *TX, "EPSG:2154", 30.0)
    write_qth(folder / "rx.qth", "rx", *RX, "EPSG:2154", 1.5)
    write_lrp(folder / "tx.lrp", 800.0)
    return tile
