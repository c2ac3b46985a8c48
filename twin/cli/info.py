"""``twin info [PATH] [--json]``: what a project or data file holds.

Prints the layers (name, kind, geometry, CRS, feature count, extent in CRS units,
provenance with attribution and licence), the project CRS and extent, and the saved views.
PATH may be a ``.twin`` project or any file :mod:`twin.layers.io` reads; without PATH the
bundled sample territory is described.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from pyproj import CRS

import twin
from twin.i18n import format_number, format_percent, language, tr, tr_label
from twin.layers.base import Layer
from twin.layers.io import describe_crs, describe_format, read_layers
from twin.layers.io_common import existing_file
from twin.project_kind import is_twin_geopackage


def register(subparsers) -> None:
    """Add the ``info`` subcommand."""
    parser = subparsers.add_parser(
        "info", help=tr("describe a project or data file: layers, CRS, counts, extent, sources")
    )
    parser.add_argument(
        "path", nargs="?", help=tr("a .twin project or a data file (default: the sample territory)")
    )
    parser.add_argument("--json", action="store_true", help=tr("print machine-readable JSON"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Describe ``args.path`` on standard output; returns 0 (errors raise TwinError)."""
    report = describe(args.path)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2, allow_nan=False))
    else:
        print(format_report(report))
    return 0


def describe(path: str | Path | None) -> dict[str, Any]:
    """A JSON-ready description of a project or data file (``None``: the sample)."""
    if path is None:
        return _describe_project(twin.sample_project_path())
    dataset = _open_dataset(Path(path))  # French open data (twin.layers.opendata)
    path = Path(path) if dataset is not None else existing_file(path)
    if path.suffix.lower() == ".twin" or is_twin_geopackage(path):
        return _describe_project(path)
    layers = dataset.read(path, "EPSG:2154") if dataset is not None else read_layers(path)
    crs_values = {layer_crs_text(layer.crs) for layer in layers}
    common_crs = layers[0].crs if len(crs_values) == 1 else None
    return {
        "path": str(path),
        "type": "file",
        "format": f"{tr(dataset.label)} ({dataset.url})" if dataset else describe_format(path),
        "crs": describe_crs(common_crs) if common_crs is not None else "mixed",
        "extent": _union([layer.bounds for layer in layers]) if common_crs is not None else None,
        "extent_unit": _unit(common_crs),
        "layers": [_describe_layer(layer) for layer in layers],
        "views": [],
        "metadata": {},
    }


def _open_dataset(path: Path):
    """The French open dataset at ``path`` (ANFR folder or file, Arcep, INSEE...) or None."""
    from twin.layers.opendata import recognise

    if path.suffix.lower() == ".twin" or (path.is_file() and is_twin_geopackage(path)):
        return None
    dataset = recognise(path)
    return None if dataset is None or dataset.key == "osm" else dataset  # OSM: GDAL's layers


def _describe_project(path: Path) -> dict[str, Any]:
    project = twin.open_project(path)
    return {
        "path": str(path),
        "type": "project",
        "format": "twin project",
        "crs": describe_crs(project.crs),
        "extent": _finite_box(project.extent),
        "extent_unit": _unit(project.crs),
        "layers": [_describe_layer(layer) for layer in project.layers],
        "views": [view.to_dict() for view in project.views],
        "scenarios": describe_scenarios(list(project.scenarios or []), project.extent),
        "metadata": {key: _plain(value) for key, value in project.metadata.items()},
    }


def describe_scenarios(
    scenarios: list[Any], extent: tuple[float, float, float, float] | None
) -> list[dict[str, Any]]:
    """The stored scenarios in file order: name, number of interventions and whether the
    app uses it; a scenario that fails validation (a value out of range, a place outside
    the project ``extent`` in project metres, a damaged record) is listed as set aside
    with its one-line reason, as the app opens it (:func:`twin.scenario.usable_scenarios`)."""
    from twin.scenario import usable_scenarios

    _usable, refused = usable_scenarios(scenarios, _finite_box(extent) if extent else None)
    reasons = {id(data): reason for data, reason in refused}
    described = []
    for data in scenarios:
        record = data if isinstance(data, dict) else {}
        interventions = record.get("interventions")
        described.append(
            {
                "name": str(record.get("name", "?")),
                "interventions": len(interventions) if isinstance(interventions, list) else 0,
                "set_aside": id(data) in reasons,
                "reason": reasons.get(id(data)),
            }
        )
    return described


def _describe_layer(layer: Layer) -> dict[str, Any]:
    provenance = layer.provenance
    return {
        "name": layer.name,
        "id": layer.id,
        "kind": layer.kind,
        "geometry": layer.geometry_kind,
        "crs": describe_crs(layer.crs),
        "feature_count": int(layer.feature_count),
        "extent": _finite_box(layer.bounds),
        "extent_unit": _unit(layer.crs),
        "visible": layer.visible,
        "opacity": layer.opacity,
        "provenance": {
            "summary": provenance.summary(),
            "source": provenance.source,
            "licence": provenance.licence,
            "attribution": provenance.attribution,
            "date": provenance.date,
            "method": provenance.method,
            "repaired_geometries": provenance.repaired_geometries,
            "parameters": _plain(provenance.parameters),
        },
    }


def format_report(report: dict[str, Any]) -> str:
    """The human-readable text of :func:`describe`'s result."""
    title = tr("Project") if report["type"] == "project" else tr("File")
    unit = report["extent_unit"]
    lines = [
        tr("{title}: {path} ({format})").format(
            title=title, path=report["path"], format=report["format"]
        ),
        tr("CRS: {0}").format(report["crs"]),
        tr("Extent: {0}").format(_box_text(report["extent"], unit)),
        tr("Layers ({0}, top first):").format(len(report["layers"])),
    ]
    method_first_told: dict[str, str] = {}  # method text -> first layer that told it
    for number, layer in enumerate(report["layers"], start=1):
        count_word = tr("pixels with data") if layer["kind"] == "raster" else tr("features")
        shown = "" if layer["visible"] else tr(", hidden")
        if layer["opacity"] < 1:
            shown += tr(", opacity {0}").format(format_percent(100 * layer["opacity"], 0))
        what = (
            tr("raster")
            if layer["kind"] == "raster"
            else f"{tr(layer['kind'])} {tr(str(layer['geometry']))}"
        )
        lines.append(
            f"  {number}. {tr_label(layer['name'])} [{layer['id']}]: {what}, "
            f"{format_number(layer['feature_count'])} {count_word}, {layer['crs']}{shown}"
        )
        box = _box_text(layer["extent"], layer["extent_unit"])
        lines.append(tr("     extent: {0}").format(box))
        lines.append(tr("     source: {0}").format(layer["provenance"]["summary"]))
        method = layer["provenance"]["method"]
        if method and method in method_first_told:
            lines.append(
                tr("     method: same method as layer {0}").format(method_first_told[method])
            )
        elif method:
            method_first_told[method] = f"{number} ({tr_label(layer['name'])})"
            lines.append(tr("     method: {0}").format(_shortened(method, method_first_told)))
    if report["type"] == "project":
        lines.append(tr("Views ({0}):").format(len(report["views"])))
        for view in report["views"]:
            lines.append(f"  {view['name']}: {_box_text(view['bbox'], unit)}")
        scenarios = report.get("scenarios", [])
        lines.append(tr("Scenarios ({0}):").format(len(scenarios)))
        for scenario in scenarios:
            if scenario["set_aside"]:
                lines.append(
                    tr("  {0}: set aside (kept in the file, not used): {1}").format(
                        scenario["name"], scenario["reason"]
                    )
                )
            elif scenario["interventions"] == 1:
                lines.append(tr("  {0}: 1 intervention").format(scenario["name"]))
            else:
                lines.append(
                    tr("  {0}: {1} interventions").format(
                        scenario["name"], format_number(scenario["interventions"])
                    )
                )
    return "\n".join(lines)


def _shortened(method: str, told: dict[str, str]) -> str:
    """``method`` with any long paragraph already told for another layer replaced by a
    reference to it (a population grid's method quotes the buildings' whole method)."""
    for paragraph, where in told.items():
        if paragraph != method and len(paragraph) >= 200 and paragraph in method:
            reference = tr("(the method of layer {0})").format(where)
            method = method.replace(paragraph, reference)
    return method


def layer_crs_text(crs: CRS | None) -> str:
    """A comparable text for a CRS (WKT), "" when None."""
    return crs.to_wkt() if crs is not None else ""


def _unit(crs: CRS | None) -> str:
    if crs is None or not crs.axis_info:
        return ""
    unit = crs.axis_info[0].unit_name
    return {"metre": "m", "degree": "°"}.get(unit, unit)


def _finite_box(box) -> list[float] | None:
    values = [float(v) for v in box]
    return values if all(math.isfinite(v) for v in values) else None


def _union(boxes) -> list[float] | None:
    finite = [b for b in (_finite_box(box) for box in boxes) if b is not None]
    if not finite:
        return None
    return [
        min(b[0] for b in finite),
        min(b[1] for b in finite),
        max(b[2] for b in finite),
        max(b[3] for b in finite),
    ]


def _box_text(box: list[float] | None, unit: str) -> str:
    """A bounding box as a person reads it in the current language: "351000.0, 6789000.0
    – 353000.0, 6791000.0 m (2.0 x 2.0 km)" / "351000,0 ; 6789000,0 – ... (2,0 x 2,0 km)"
    (coordinates ungrouped, the language's decimal mark)."""
    if box is None:
        return tr("none")
    minx, miny, maxx, maxy = box
    digits = 6 if unit == "°" else 1

    group = "," if language() == "en" else "\u00a0"  # format_number's grouping mark

    def coordinate(value: float) -> str:
        return format_number(value, digits).replace(group, "")

    text = tr("{minx}, {miny} – {maxx}, {maxy}").format(
        minx=coordinate(minx), miny=coordinate(miny), maxx=coordinate(maxx), maxy=coordinate(maxy)
    )
    if unit == "m":
        width, height = (format_number((b - a) / 1000, 1) for a, b in ((minx, maxx), (miny, maxy)))
        text += f" m ({width} x {height} km)"
    elif unit:
        text += f" {unit}"
    return text


def _plain(value: Any) -> Any:
    """A JSON-safe copy of a metadata value."""
    try:
        json.dumps(value, allow_nan=False)
        return value
    except (TypeError, ValueError):
        return str(value)
