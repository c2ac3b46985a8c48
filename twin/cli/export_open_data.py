"""write a scenario's results as an open data package (GeoPackage, GeoJSON, CSV, datapackage)

``twin export-open-data [PROJECT] [--scenario NAME] --out DIR`` simulates the scenario (the
baseline without ``--scenario``; stored results are reused) and writes to DIR a package an
open data portal accepts: ``results.gpkg`` (one table per result, project CRS) and one
GeoJSON per result (WGS 84, RFC 7946): 4G+5G coverage levels, PTAL bands and fiber
eligibility per commune (persons and premises), the grid's line loading; the same tables
as CSV; ``kpis.csv`` (every KPI with its lineage: engine, model, standard, inputs,
interventions, masking); ``datapackage.json`` (Frictionless Data Package: name, title,
licences, sources from the layers' provenance, created date, resources with schemas); and
``README.md`` in French and English. The privacy rule applies everywhere: no people figure
resting on fewer than 11 households, no per-building people figure.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from twin.errors import DataError
from twin.i18n import tr

LICENCES = {
    "etalab-2.0": {
        "name": "etalab-2.0",
        "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
        "title": "Licence Ouverte / Open Licence 2.0",
    },
    "ODbL-1.0": {
        "name": "ODbL-1.0",
        "path": "https://opendatacommons.org/licenses/odbl/1-0/",
        "title": "Open Data Commons Open Database License 1.0",
    },
    "CC-BY-4.0": {
        "name": "CC-BY-4.0",
        "path": "https://creativecommons.org/licenses/by/4.0/",
        "title": "Creative Commons Attribution 4.0",
    },
}
KPI_COLUMNS = (
    ("domain", "string"),
    ("key", "string"),
    ("label", "string"),
    ("unit", "string"),
    ("value", "number"),
    ("baseline", "number"),
    ("delta", "number"),
    ("masked", "string"),
    ("engine", "string"),
    ("model", "string"),
    ("standard", "string"),
    ("validity", "string"),
    ("inputs", "string"),
    ("interventions", "string"),
    ("households_band", "string"),
)


def register(subparsers) -> None:
    """Add the ``export-open-data`` subcommand."""
    parser = subparsers.add_parser("export-open-data", help=__doc__.strip().splitlines()[0])
    parser.add_argument("project", nargs="?", help=tr("a .twin project (default: the sample)"))
    parser.add_argument(
        "--scenario", help=tr("name of a scenario saved in the project (default: the baseline)")
    )
    parser.add_argument("--out", required=True, help=tr("output folder"))
    parser.add_argument(
        "--licence",
        default="etalab-2.0",
        choices=sorted(LICENCES),
        help=tr("licence of the package (default: Licence Ouverte 2.0)"),
    )
    parser.set_defaults(func=run)


def slug(text: str) -> str:
    """A Data Package name: lower case letters, digits, '-', '.' and '_'."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9._-]+", "-", ascii_text.lower()).strip("-") or "twin"


def _field_type(series) -> str:
    import pandas as pd

    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_float_dtype(series):
        return "number"
    return "string"


def _number(value: Any) -> str:
    return "" if value is None else repr(float(value))


def kpi_rows(result) -> list[dict[str, str]]:
    """One CSV row per KPI: the published numbers (empty when masked) and the lineage."""
    rows = []
    for row in result.kpis():
        lineage = row.get("lineage") or {}
        inputs = "; ".join(
            f"{i['name']} ({i['source']}, {i['licence']}, {i['date']})".replace(", , ", ", ")
            for i in lineage.get("inputs", [])
        )
        interventions = "; ".join(
            f"{i.get('type', '')} {i.get('name') or i.get('site_id') or ''}".strip()
            for i in lineage.get("interventions", [])
        )
        rows.append(
            {
                "domain": row["domain"],
                "key": row["key"],
                "label": row["label"],
                "unit": row["unit"],
                "value": _number(row["value"]),
                "baseline": _number(row["baseline"]),
                "delta": _number(row["delta"]),
                "masked": ";".join(row["masked"]),
                "engine": lineage.get("engine", ""),
                "model": lineage.get("model", ""),
                "standard": lineage.get("standard", ""),
                "validity": lineage.get("validity", ""),
                "inputs": inputs,
                "interventions": interventions,
                "households_band": (lineage.get("privacy") or {}).get("households") or "",
            }
        )
    return rows


def write_kpis(result, path: Path) -> dict[str, Any]:
    """Write kpis.csv; returns its Data Package resource."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=[name for name, _ in KPI_COLUMNS])
        writer.writeheader()
        writer.writerows(kpi_rows(result))
    return _table_resource(
        "kpis",
        path.name,
        tr("Key figures of the scenario and the baseline, with their lineage"),
        [{"name": name, "type": kind} for name, kind in KPI_COLUMNS],
    )


def _table_resource(name: str, path: str, title: str, fields: list[dict]) -> dict[str, Any]:
    return {
        "name": name,
        "path": path,
        "title": title,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {"fields": fields},
    }


def write_tables(tables, crs, out: Path) -> list[dict[str, Any]]:
    """Write each table as GeoPackage layer, GeoJSON (WGS 84) and CSV; their resources."""
    import geopandas as gpd

    resources: list[dict[str, Any]] = []
    gpkg = out / "results.gpkg"
    for name, (table, geometry) in tables.items():
        frame = gpd.GeoDataFrame(table.copy(), geometry=list(geometry), crs=crs)
        frame.to_file(gpkg, layer=name, driver="GPKG")
        frame.to_crs(4326).to_file(out / f"{name}.geojson", driver="GeoJSON")
        table.to_csv(out / f"{name}.csv", index=False, encoding="utf-8")
        fields = [{"name": str(c), "type": _field_type(table[c])} for c in table.columns]
        title = TABLE_TITLES.get(name, name)
        resources.append(_table_resource(name.replace("_", "-"), f"{name}.csv", title, fields))
        resources.append(
            {
                "name": f"{name.replace('_', '-')}-geojson",
                "path": f"{name}.geojson",
                "title": f"{title} (GeoJSON, WGS 84)",
                "type": "file",
                "format": "geojson",
                "mediatype": "application/geo+json",
            }
        )
    if tables:
        resources.append(
            {
                "name": "results-gpkg",
                "path": gpkg.name,
                "title": tr("Every result table with its geometry (GeoPackage, project CRS)"),
                "type": "file",
                "format": "gpkg",
                "mediatype": "application/geopackage+sqlite3",
            }
        )
    return resources


TABLE_TITLES = {
    "coverage_by_commune": "Persons and premises per 4G+5G coverage level, per commune",
    "ptal_by_commune": "Persons and premises per PTAL group (low 0-1b, medium 2-3, high 4-6b), "
    "per commune",
    "fiber_by_commune": "Persons and premises eligible or not to fiber (FTTH), per commune",
    "line_loading": "Loading of each line of the electricity grid (%, worst case)",
}


def sources(project) -> list[dict[str, str]]:
    """Data Package sources: one per distinct input layer provenance."""
    seen, out = set(), []
    for layer in project.layers:
        p = layer.provenance
        title = f"{layer.name}: {p.source}" + (f" ({p.attribution})" if p.attribution else "")
        if title in seen:
            continue
        seen.add(title)
        out.append({"title": title, "licence": p.licence, "date": p.date})
    return [{"title": f"{s['title']} — {s['licence']}, {s['date']}"} for s in out]


def run(args: argparse.Namespace) -> int:
    """Simulate and write the package; returns 0."""
    import twin
    from twin.scenario import find_scenario
    from twin.sim.whatif import simulate
    from twin.sim.whatif.open_data import result_tables

    project = twin.open_project(args.project)
    scenario = find_scenario(project.scenarios, args.scenario) if args.scenario else None
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        message = tr("cannot create the folder {out}: {error}").format(out=out, error=error)
        raise DataError(message) from error
    result = simulate(project, scenario)
    resources = [write_kpis(result, out / "kpis.csv")]
    if any(layer.id == "communes" for layer in project.layers):
        resources += write_tables(result_tables(project, result), project.crs, out)
    name = scenario.name if scenario is not None else "baseline"
    title = project.metadata.get("title") or (project.path.stem if project.path else "twin")
    created = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    from twin.cli.open_data_readme import readme_text

    (out / "README.md").write_text(
        readme_text(project, result, name, title, LICENCES[args.licence], created),
        encoding="utf-8",
    )
    package = {
        "name": slug(f"twin-{title}-{name}"),
        "title": f"{title} — {name} (twin)",
        "description": tr(
            "Results of the scenario {name} computed by twin (digital twin of the territory): "
            "mobile coverage, fiber eligibility, public transport accessibility (PTAL) and "
            "grid loading. People figures resting on fewer than 11 households are withheld."
        ).format(name=name),
        "created": created,
        "licenses": [LICENCES[args.licence]],
        "sources": sources(project),
        "resources": [
            *resources,
            {
                "name": "readme",
                "path": "README.md",
                "title": "README (FR/EN)",
                "type": "file",
                "format": "md",
                "mediatype": "text/markdown",
            },
        ],
    }
    (out / "datapackage.json").write_text(
        json.dumps(package, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    print(
        tr("wrote an open data package of {count} resources in {out}").format(
            count=len(package["resources"]), out=out
        )
    )
    return 0
