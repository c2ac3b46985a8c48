"""``twin batch coverage``: the coverage grid cut into tiles with a halo of the range and
computed on a Dask cluster equals the single-process ``twin coverage``, raster for raster
(bit for bit) and person for person; bad input is refused in one line."""

from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio
from affine import Affine

from twin.cli import main
from twin.errors import DataError
from twin.sim.batch.cluster import check_scheduler_address, dask_client
from twin.sim.batch.coverage import batch_coverage
from twin.sim.batch.tiles import split_grid, tile_layout
from twin.sim.radio.coverage import CoverageParameters, Grid
from twin.sim.radio.model import CoverageModel
from twin.sim.radio.project_coverage import find_layer, project_sites
from twin.sim.radio.terrain import Terrain

# a coarser grid and a shorter range than the defaults keep each run to a few seconds
FAST = ["--pixel-m", "200", "--range-m", "3000"]


@pytest.fixture(scope="module")
def sample():
    import twin

    return twin.open_project(None)


@pytest.mark.parametrize(("shape", "tiles"), [((927, 825), 4), ((10, 7), 6), ((9, 3), 7)])
def test_tiles_partition_the_grid_in_whole_pixels(shape, tiles):
    windows = split_grid(shape, tiles)
    assert len(windows) == tiles
    count = np.zeros(shape, int)
    for r0, r1, c0, c1 in windows:
        assert r1 > r0 and c1 > c0
        count[r0:r1, c0:c1] += 1
    assert (count == 1).all()


def test_tile_layout_is_close_to_square_and_refuses_bad_counts():
    assert tile_layout((1000, 1000), 4) == (2, 2)
    assert tile_layout((1000, 250), 4) == (4, 1)
    with pytest.raises(DataError, match="at least 1"):
        tile_layout((10, 10), 0)
    with pytest.raises(DataError, match="finer than a pixel"):
        tile_layout((3, 3), 11)  # 11 is prime: 1 x 11 or 11 x 1, neither fits 3 x 3


def test_tiles_on_an_odd_grid_equal_one_model_bit_for_bit(sample):
    # origin and pixel size not round numbers: tile origins are moved by whole pixels
    # in floating point, yet every pixel keeps its value
    sites = project_sites(sample)
    terrain = Terrain.from_layer(find_layer(sample, "terrain"))
    params = CoverageParameters(max_range_m=2500)
    grid = Grid(Affine(170.3, 0, 330123.456, 0, -170.3, 6811987.654), (160, 140), sample.crs)
    whole = CoverageModel(grid, sites, params, terrain).compute()
    with dask_client(None, 2, processes=False) as client:
        tiled = batch_coverage(client, grid, sites, params, terrain, None, 6).result
    assert np.array_equal(tiled.level, whole.level)
    assert np.array_equal(tiled.best_server, whole.best_server)
    assert (whole.best_server >= 0).sum() > 10_000  # most of the grid is served
    for name in ("best_rsrp", "sinr"):
        a, b = getattr(tiled, name), getattr(whole, name)
        assert np.array_equal(a.view(np.uint32), b.view(np.uint32)), name  # float32 bits
    assert tiled.cell_ids == whole.cell_ids
    assert tiled.parameters == whole.parameters


def _read(path):
    with rasterio.open(path) as dataset:
        return dataset.read(1), dataset.transform, dataset.crs, dataset.nodata


def test_batch_cli_writes_the_files_of_twin_coverage(tmp_path, capsys):
    single, batch = tmp_path / "single", tmp_path / "batch"
    assert main(["coverage", "--out", str(single), *FAST]) == 0
    single_lines = capsys.readouterr().out.splitlines()
    tiles = ["--tiles", "5", "--workers", "2", "--threads"]
    status = main(["batch", "coverage", *tiles, "--out", str(batch), *FAST])
    assert status == 0
    batch_lines = capsys.readouterr().out.splitlines()
    # the persons per level printed (through the privacy gate) are the same
    assert single_lines[0].startswith("persons per level")
    assert batch_lines[0] == single_lines[0]
    for name in ("best_rsrp", "best_server", "sinr", "level"):
        a, a_transform, a_crs, a_nodata = _read(single / f"{name}.tif")
        b, b_transform, b_crs, b_nodata = _read(batch / f"{name}.tif")
        assert (a_transform, a_crs) == (b_transform, b_crs)
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a_nodata == b_nodata or (np.isnan(a_nodata) and np.isnan(b_nodata))
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), name
    level = _read(single / "level.tif")[0]
    assert len(np.unique(level)) == 4  # every level occurs: the comparison means something
    one = json.loads((single / "coverage.json").read_text())
    tiled = json.loads((batch / "coverage.json").read_text())
    one.pop("date")
    tiled.pop("date")
    assert tiled == one  # cells, parameters, people per level and per commune, to the unit
    assert one["people"]["persons"]["very good"] > 100_000


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--tiles", "0"], "--tiles must be at least 1"),
        (["--tiles", "100000"], "finer than a pixel"),
        (["--tiles", "2", "--workers", "0"], "--workers must be at least 1"),
        (["--tiles", "2", "--scheduler", "not an address"], "tcp://HOST:PORT"),
        (["--tiles", "2", "--scheduler", "tcp://127.0.0.1:9"], "cannot reach the Dask"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, arguments, message):
    status = main(["batch", "coverage", *arguments, "--out", str(tmp_path / "out"), *FAST])
    err = capsys.readouterr().err
    assert status == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "out").exists()


def test_scheduler_addresses():
    assert check_scheduler_address("tcp://10.0.0.5:8786") == "tcp://10.0.0.5:8786"
    assert check_scheduler_address("localhost:8786") == "localhost:8786"
    for bad in ("tcp://host", "host:port", "tcp://host:70000", ""):
        with pytest.raises(DataError):
            check_scheduler_address(bad)
