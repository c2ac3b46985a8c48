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


def test_render_draws_a_page_with_title_legend_and_credits(tmp_path):
    from twin.cli.render import load_for_render
    from twin.layout import Page, build_layout, regions

    data = write_gpkg(tmp_path / "buildings.gpkg")
    out = tmp_path / "page.png"
    args = ["render", str(data), "--out", str(out), "--size", "800x500", "--dpi", "96"]
    assert main([*args, "--title", "Bâtiments"]) == 0
    image = QtGui.QImage(str(out))
    assert main([*args, "--title", " ", "--subtitle", " "]) == 0
    untitled = QtGui.QImage(str(out))
    # the regions of the page the CLI drew: the same layout built from the same file
    layout = build_layout(load_for_render(str(data)), "Bâtiments", page=Page(800, 500, 96))
    parts = regions(layout)

    def ink(picture, rect) -> int:
        left, top, width, height = (int(v) for v in rect)
        return sum(
            1
            for x in range(left, left + width, 2)
            for y in range(top, top + height, 2)
            if picture.pixelColor(x, y).name() != "#ffffff"
        )

    title_box = (parts.header[0], parts.header[1], parts.header[2] / 2, parts.header[3])
    assert ink(image, title_box) > 60 and ink(untitled, title_box) == 0
    footer = parts.footer
    assert ink(image, footer) > 40  # "Sources: buildings.gpkg"
    legend = parts.legend
    assert ink(image, (legend[0], legend[1], legend[2], 40)) > 40  # the layer's legend row


def test_render_says_what_it_wrote_in_the_language_asked(tmp_path, capsys):
    data = write_gpkg(tmp_path / "buildings.gpkg")
    out = tmp_path / "carte.png"
    assert main(["--lang", "fr", "render", str(data), "--out", str(out), "--size", "200x100"]) == 0
    assert capsys.readouterr().out.strip() == f"{out} écrit (200x100 px)"
