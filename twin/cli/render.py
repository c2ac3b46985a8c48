"""``twin render [PATH] --out map.png [--size WxH] [--bbox minx,miny,maxx,maxy]
[--title TEXT] [--subtitle TEXT] [--dpi N]``.

Draws a project (or any data file twin reads) offscreen as a page layout (:mod:`twin.layout`:
title, subtitle, map drawn by the window's canvas code, legend of the visible layers, scale
bar, north arrow, attribution from the layers' provenance) and writes it as PNG, JPEG, PDF or
SVG by the file extension. Without PATH the bundled sample territory is drawn; without
--bbox its full extent.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING

import twin
from twin.errors import DataError
from twin.i18n import tr

if TYPE_CHECKING:  # imported when needed: a big GeoPackage is drawn without the model
    from twin.project import Project

MAX_SIDE_PIXELS = 8192


def register(subparsers) -> None:
    """Add the ``render`` subcommand."""
    parser = subparsers.add_parser(
        "render", help=tr("draw a project or data file to an image, headless")
    )
    parser.add_argument(
        "path", nargs="?", help=tr("a .twin project or a data file (default: the sample territory)")
    )
    parser.add_argument(
        "--out", required=True, help=tr("file to write: map.png, map.jpg, map.pdf or map.svg")
    )
    parser.add_argument("--title", help=tr("page title (default: the project's file name)"))
    parser.add_argument("--subtitle", help=tr("page subtitle (default: 'Baseline · <date>')"))
    parser.add_argument("--dpi", type=float, default=150.0, help=tr("page resolution (dots/inch)"))
    parser.add_argument("--size", default="1600x1000", help=tr("image size WxH in pixels"))
    parser.add_argument(
        "--bbox",
        default=None,
        help=tr("area to show, minx,miny,maxx,maxy in project units (metres); default: all"),
    )
    parser.set_defaults(func=run)


def parse_size(text: str) -> tuple[int, int]:
    """``"1920x1080"`` -> (1920, 1080); DataError when malformed or out of range."""
    parts = str(text).lower().replace(" ", "").split("x")
    try:
        width, height = (int(p) for p in parts)
    except ValueError:
        raise DataError(
            tr("--size must be WIDTHxHEIGHT in pixels, e.g. 1920x1080, not {text!r}").format(
                text=text
            )
        ) from None
    if not (0 < width <= MAX_SIDE_PIXELS and 0 < height <= MAX_SIDE_PIXELS):
        raise DataError(
            tr("--size {text}: each side must be 1 to {MAX_SIDE_PIXELS} pixels").format(
                text=text, MAX_SIDE_PIXELS=MAX_SIDE_PIXELS
            )
        )
    return width, height


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``"minx,miny,maxx,maxy"`` (metres) -> tuple; DataError when malformed or empty."""
    try:
        values = tuple(float(v) for v in str(text).split(","))
    except ValueError:
        values = ()
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise DataError(
            tr("--bbox must be four numbers minx,miny,maxx,maxy, not {text!r}").format(text=text)
        )
    minx, miny, maxx, maxy = values
    if maxx <= minx or maxy <= miny:
        raise DataError(
            tr("--bbox {text}: maxx must exceed minx and maxy must exceed miny").format(text=text)
        )
    return values  # type: ignore[return-value]


def load_for_render(path: str | None) -> Project:
    """The project to draw: a ``.twin`` file, any readable data file, or the sample."""
    if path is None:
        sample = twin.sample_project_path()
        if not sample.exists():
            raise DataError(
                tr("the sample territory {sample} is missing; give a PATH").format(sample=sample)
            )
        return twin.open_project(sample)
    from twin.project import Project

    file = Path(path)
    if not file.exists():
        raise DataError(tr("{path}: no such file").format(path=path))
    if file.suffix.lower() == ".twin":
        return twin.open_project(file)
    from twin.layers.io import read_layers

    layers = read_layers(file)
    crs = next((layer.crs for layer in layers if layer.crs is not None), None)
    if crs is None:
        raise DataError(tr("{0}: no layer has a coordinate reference system").format(file.name))
    if any(layer.crs is not None and not layer.crs.equals(crs) for layer in layers):
        layers = read_layers(file, crs=crs)
    project = Project(crs=crs)
    for layer in reversed(layers):
        project.add_layer(layer)
    return project


def run(args: argparse.Namespace) -> int:
    """Render and write the image; returns 0 (errors a user can fix raise DataError)."""
    size = parse_size(args.size)
    bbox = parse_bbox(args.bbox) if args.bbox else None
    out = Path(args.out)
    if not out.parent.exists():
        raise DataError(
            tr("--out {out}: folder {0} does not exist").format(out.parent, out=args.out)
        )
    if out.suffix.lower() not in (".png", ".jpg", ".jpeg", ".pdf", ".svg"):
        raise DataError(
            tr("--out {out}: give a .png, .jpg, .pdf or .svg name").format(out=args.out)
        )
    if not (10 <= args.dpi <= 1200):
        raise DataError(tr("--dpi {dpi:g}: give 10 to 1200 dots per inch").format(dpi=args.dpi))
    title = args.title if args.title is not None else default_title(args.path)
    if args.path is not None and Path(args.path).is_file():
        from twin.cli.render_lean import render_lean

        if render_lean(Path(args.path), out, size, bbox, title, args.subtitle, args.dpi):
            print(
                tr("wrote {path} ({width}x{height} px)").format(
                    path=out, width=size[0], height=size[1]
                )
            )
            return 0
    project = load_for_render(args.path)
    from twin.layout import Page, build_layout
    from twin.ui.export.painter import export_layout

    layout = build_layout(
        project, title, args.subtitle, extent=bbox, page=Page(size[0], size[1], args.dpi)
    )
    export_layout(layout, project, out)
    print(tr("wrote {path} ({width}x{height} px)").format(path=out, width=size[0], height=size[1]))
    return 0


def default_title(path: str | None) -> str:
    """The page title when none is given: the sample's territory name or the file's name."""
    if path is None:
        return "Rennes Métropole"
    return Path(path).stem.replace("_", " ")
