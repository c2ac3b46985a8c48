"""Reads of a lazy layer's pan at street zoom, with and without long features (issue 13).

    python benchmarks/lazy_long_features.py                 # 200k roads, + 20 long ones
    python benchmarks/lazy_long_features.py --roads 50k --long 0 --load

The synthetic roads GeoPackage (benchmarks/synthetic.py: straight segments of 20-300 m) gets
``--long`` extra roads 10-20 km long crossing the territory. A 500 m wide view pans east by
a quarter view ``--steps`` times from the largest town. For each view, like with like, the
inner loop reads (Qt-free, lazy_reads.read_tile / read_big_features, one thread) the tiles
not read yet of:

- ring 1: the tiles meeting the view and one ring around (what the map read before the fix,
  which missed long features whose first vertex / box centre lies beyond the ring);
- reach: the tiles the map reads now (ring 1, or as many rings as the largest feature reaches,
  at most REACH_TILES), plus the "big features" read (R-tree picked) of the tiles meeting
  the view and one ring, when a feature is longer, again when those tiles change.

Printed: tiles read, big reads, features read and seconds of reading, per side, and the whole
process time. ``--load`` runs one CPU-bound process beside it.
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from twin.layers.lazy import LazyVectorLayer
from twin.ui.map.views import lazy_reads
from twin.ui.map.views.lazy_reads import TileGrid, read_big_features, read_tile


def _synthetic():
    spec = importlib.util.spec_from_file_location(
        "synthetic", Path(__file__).with_name("synthetic.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _burn() -> None:
    while True:
        pass


def write_roads(path: Path, count: int, long_count: int) -> None:
    """``count`` synthetic roads plus ``long_count`` roads 10-20 km long (metres)."""
    synthetic = _synthetic()
    frame = synthetic.roads(count)[["geometry"]]
    rng = np.random.default_rng(5)
    cx, cy = synthetic.CENTRE
    starts = np.column_stack(
        [
            rng.uniform(cx - 20_000, cx - 10_000, long_count),
            rng.uniform(cy - 300, cy + 300, long_count),
        ]
    )
    ends = starts + np.column_stack([rng.uniform(10_000, 20_000, long_count), np.zeros(long_count)])
    long_roads = shapely.linestrings(np.stack([starts, ends], axis=1))
    extra = gpd.GeoDataFrame(geometry=list(long_roads), crs=frame.crs)
    pyogrio.write_dataframe(
        gpd.GeoDataFrame(geometry=list(frame.geometry) + list(extra.geometry), crs=frame.crs),
        path,
        layer="roads",
        driver="GPKG",
    )


def big_region(grid: TileGrid, view: tuple) -> tuple:
    """(level, box) of the tiles meeting ``view`` and one ring: what the map reads the big
    features of (LazyVectorLayerView._big_region_for)."""
    keys = grid.tiles_meeting(view, ring=1)
    boxes = np.array([grid.tile_box(key) for key in keys])
    box = (boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max())
    return keys[0][0], tuple(float(v) for v in box)


def pan(layer: LazyVectorLayer, steps: int, reach: float | None) -> dict:
    """Read the tiles (and big features) of a pan east; ``reach`` None: ring 1 only."""
    synthetic = _synthetic()
    grid = TileGrid(layer.bounds)
    cx, cy = synthetic.CENTRE
    width, height = 500.0, 500.0 * 9 / 16
    read: set = set()
    big_read = None
    tiles = bigs = features = 0
    seconds = 0.0
    for step in range(steps + 1):
        x0 = cx - width / 2 + step * width / 4
        view = (x0, cy - height / 2, x0 + width, cy + height / 2)
        keys = grid.tiles_meeting(view, ring=1, reach=reach or 0.0)
        level = keys[0][0]
        big = grid.big_limit(level) if reach is not None else float("inf")
        start = time.perf_counter()
        for key in keys:
            if key not in read:
                features += read_tile(layer, grid.tile_box(key), big=big).rows.size
                read.add(key)
                tiles += 1
        region = big_region(grid, view)
        if reach is not None and reach / 2 > big and region != big_read:
            features += read_big_features(layer, region[1], big=big).rows.size
            big_read = region  # as the map: again when the view meets other tiles
            bigs += 1
        seconds += time.perf_counter() - start
    return {"tiles": tiles, "big reads": bigs, "features": features, "seconds": seconds}


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roads", default="200k", help="synthetic road segments, e.g. 50k")
    parser.add_argument("--long", type=int, default=20, help="roads 10-20 km long added")
    parser.add_argument("--steps", type=int, default=20, help="pan steps of a quarter view")
    parser.add_argument("--load", action="store_true", help="one CPU-bound process beside it")
    parser.add_argument("--reach-tiles", type=int, default=None, help="REACH_TILES to try")
    args = parser.parse_args()
    if args.reach_tiles is not None:
        lazy_reads.REACH_TILES = args.reach_tiles
    count = int(float(args.roads.lower().replace("k", "e3").replace("m", "e6")))
    started = time.perf_counter()
    burner = None
    if args.load:
        burner = multiprocessing.Process(target=_burn, daemon=True)
        burner.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "roads.gpkg"
            write_roads(path, count, args.long)
            layer = LazyVectorLayer.open(path, "roads", "roads")
            start = time.perf_counter()
            half = layer.feature_half_size()
            half_seconds = time.perf_counter() - start
            print(f"{count} roads + {args.long} long ones; largest box half-size {half:.0f} m")
            print(f"R-tree query of it: {half_seconds * 1000:.1f} ms (once per layer, worker)")
            print(f"pan: 500 m view, {args.steps} steps of 125 m east; reads in one thread")
            print(f"REACH_TILES = {lazy_reads.REACH_TILES}")
            for name, reach in (("ring 1 (before)", None), ("reach (now)", 2 * half)):
                result = pan(layer, args.steps, reach)
                figures = ", ".join(
                    f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                    for k, v in result.items()
                )
                print(f"  {name:16s} {figures}")
    finally:
        if burner is not None:
            burner.terminate()
    print(f"whole process: {time.perf_counter() - started:.1f} s (load: {bool(args.load)})")


if __name__ == "__main__":
    sys.exit(main())
