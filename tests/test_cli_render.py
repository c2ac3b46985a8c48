"""``twin render``: writes an image of the requested size; bad arguments exit 2 with one line."""

from __future__ import annotations

import geopandas as gpd
import shapely
from PySide6 import QtGui

from twin.cli import main


def write_gpkg(path):
    frame = gpd.GeoDataFrame(
        {"name": ["a", "b"]},
        geometry=[
            shapely.box(300_000, 6_800_000, 300_500, 6_800_300),
            shapely.box(300_600, 6_800_100, 300_900, 6_800_400),
        ],
        crs="EPSG:2154",
    )
    frame.to_file(path, driver="GPKG", layer="buildings")
    return path


def test_render_writes_a_png_of_the_requested_size(tmp_path, capsys):
    data = write_gpkg(tmp_path / "buildings.gpkg")
    out = tmp_path / "map.png"
    status = main(
        [
            "render",
            str(data),
            "--out",
            str(out),
            "--size",
            "321x123",
            "--bbox",
            "300000,6800000,300900,6800400",
        ]
    )
    assert status == 0
    image = QtGui.QImage(str(out))
    assert (image.width(), image.height()) == (321, 123)
    assert "map.png" in capsys.readouterr().out


def test_bad_bbox_or_size_exit_2_with_one_line(tmp_path, capsys):
    data = write_gpkg(tmp_path / "buildings.gpkg")
    out = tmp_path / "map.png"
    for bad in (
        ["--bbox", "1,2,3"],
        ["--bbox", "5,0,1,1"],
        ["--size", "12y40"],
        ["--size", "0x10"],
    ):
        assert main(["render", str(data), "--out", str(out), *bad]) == 2
        error = capsys.readouterr().err.strip()
        assert error.startswith("twin render:") and "\n" not in error
    assert not out.exists()
    assert main(["render", str(tmp_path / "missing.twin"), "--out", str(out)]) == 2
    assert "no such file" in capsys.readouterr().err
