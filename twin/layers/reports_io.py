"""Importing citizen reports into a project: a file read in any of the formats of
:mod:`twin.layers.reports_formats` (chosen from the content), each report placed (WGS84,
project CRS or inside its commune), pseudonymised and stripped of contact data
(:mod:`twin.layers.reports_gdpr`), then added to the project's reports layer
(:func:`prepare_import` off the UI thread, :func:`apply_import` on it). Rows without a
usable position are skipped and counted. Qt-free.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from pyproj import CRS, Transformer
from shapely.geometry import Point

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.reports import (
    COLUMNS,
    category_of,
    date_of,
    new_reports_layer,
    reports_layer,
    status_of,
)
from twin.layers.reports_formats import (
    ARCEP_COLUMNS,
    CATEGORY_COLUMNS,
    CODE_COLUMNS,
    DATE_COLUMNS,
    FORMATS,
    ID_COLUMNS,
    NAME_COLUMNS,
    STATUS_COLUMNS,
    TEXT_COLUMNS,
    arcep_category,
    commune_points,
    first_value,
    parse_file,
    position_of,
)
from twin.layers.reports_gdpr import (
    SECRET_KEY,
    keep_contacts,
    log_event,
    merge_contact,
    project_secret,
    pseudonym_of,
    separate_contacts,
)


@dataclass
class ImportResult:
    """What :func:`import_reports` did: reports ``imported``, rows ``skipped`` (no usable
    position, with the reasons counted), people whose contact data was ``kept`` encrypted
    (0: dropped), the source ``format``."""

    imported: int
    skipped: int
    kept_contacts: int
    format: str
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass
class PreparedImport:
    """Reports read from a file and ready to join a project (:func:`apply_import`): the
    file's ``name``, its ``format``, the reports ``frame`` (project CRS, pseudonymised,
    redacted), each pseudonym's separated ``contacts`` and the skipped rows' ``reasons``."""

    name: str
    format: str
    frame: gpd.GeoDataFrame
    contacts: dict[str, dict[str, str]]
    reasons: dict[str, int]


def import_reports(
    project,
    path: str | os.PathLike,
    passphrase: str | None = None,
    format: str | None = None,
) -> ImportResult:
    """Read the reports of ``path`` into the project's reports layer (created when missing;
    reports already there with the same format and id are replaced).

    Contact data is separated from each report (:func:`twin.layers.reports_gdpr.
    separate_contacts`): dropped, or kept encrypted under ``passphrase`` when one is given.
    The import is logged (format, file name, counts) in the project."""
    project_secret(project)
    return apply_import(project, prepare_import(project, path, format), passphrase)


def prepare_import(
    project, path: str | os.PathLike, format: str | None = None, feedback=None
) -> PreparedImport:
    """Read and pseudonymise the reports of ``path`` for ``project`` without changing the
    project (so it may run in a worker thread; the project must already have its secret,
    :func:`twin.layers.reports_gdpr.project_secret`). ``feedback`` (optional) gets progress
    and may cancel."""
    path = Path(path)
    if feedback is not None:
        feedback.set_progress(0.0, tr("reading {name}").format(name=path.name))
    detected, records, source_crs = parse_file(path)
    kind = format or detected
    if kind not in FORMATS:
        raise DataError(
            tr("format {kind!r}: choose one of {choices}").format(
                kind=kind, choices=", ".join(FORMATS)
            )
        )
    secret = bytes(project.private[SECRET_KEY])
    communes = commune_points(project) if kind in ("arcep", "csv") else None
    rows: list[dict[str, Any]] = []
    points: list[tuple[float, float, CRS]] = []
    contacts: dict[str, dict[str, str]] = {}
    reasons: dict[str, int] = {}
    for number, record in enumerate(records, start=1):
        if feedback is not None and number % 1000 == 0:
            feedback.set_progress(90.0 * number / len(records), tr("separating contact data"))
        where = position_of(record, source_crs, project, communes)
        if isinstance(where, str):
            reasons[where] = reasons.get(where, 0) + 1
            continue
        parts = [first_value(record, TEXT_COLUMNS)]
        if kind == "arcep":
            parts = [
                first_value(record, ARCEP_COLUMNS["diagnosis"]),
                first_value(record, TEXT_COLUMNS),
                first_value(record, ARCEP_COLUMNS["operator"]),
            ]
        description = " — ".join(str(p) for p in parts if p is not None)
        separated = separate_contacts(record, description)
        pseudonym = pseudonym_of(secret, separated.identity)
        if pseudonym and separated.contact:
            merge_contact(contacts.setdefault(pseudonym, {}), separated.contact)
        code = first_value(record, CODE_COLUMNS)
        name = first_value(record, NAME_COLUMNS)
        if kind == "arcep":
            category = arcep_category(record)
            name = name or first_value(record, ARCEP_COLUMNS["subject"])
        else:
            category = category_of(first_value(record, CATEGORY_COLUMNS), code, name, description)
        rows.append(
            {
                "report_id": str(first_value(record, ID_COLUMNS) or f"{path.stem}-{number}"),
                "source_format": kind,
                "category": category,
                "status": status_of(first_value(record, STATUS_COLUMNS)),
                "date": date_of(first_value(record, DATE_COLUMNS)),
                "service_code": "" if code is None else str(code),
                "service_name": "" if name is None else str(name),
                "description": separated.description,
                "pseudonym": pseudonym,
            }
        )
        points.append(where)
    return PreparedImport(path.name, kind, _frame(project, rows, points), contacts, reasons)


def apply_import(project, prepared: PreparedImport, passphrase: str | None = None) -> ImportResult:
    """Add prepared reports to the project's reports layer (same format and id: replaced),
    keep the contact data encrypted under ``passphrase`` (else drop it) and log the import.
    Runs on the thread that owns the project (the UI thread in the app)."""
    frame, kind = prepared.frame, prepared.format
    layer = reports_layer(project)
    if layer is None:
        layer = new_reports_layer(project.crs)
        project.add_layer(layer)
    old = layer.frame
    replaced = old["source_format"].astype(str).isin([kind]) & old["report_id"].astype(str).isin(
        frame["report_id"]
    )
    merged = pd.concat([old[~replaced], frame], ignore_index=True)
    layer.set_frame(gpd.GeoDataFrame(merged, geometry="geometry", crs=project.crs))
    sources = list(layer.provenance.parameters.get("sources", []))
    sources.append(
        {"file": prepared.name, "format": kind, "date": date_of(pd.Timestamp.now("UTC"))}
    )
    layer.provenance = layer.provenance.with_changes(
        parameters={**layer.provenance.parameters, "sources": sources}
    )
    contacts = prepared.contacts
    kept = keep_contacts(project, contacts, passphrase) if passphrase and contacts else 0
    skipped = sum(prepared.reasons.values())
    log_event(
        project,
        "import",
        len(frame),
        format=kind,
        file=prepared.name,
        skipped=skipped,
        contact_data="kept encrypted" if kept else "dropped",
    )
    return ImportResult(len(frame), skipped, kept, kind, dict(prepared.reasons))


def _frame(project, rows: list[dict[str, Any]], points: list[tuple[float, float, CRS]]):
    """The imported rows as a GeoDataFrame in the project CRS."""
    xs, ys = [], []
    transformers: dict[int, Transformer] = {}
    same: dict[int, bool] = {}
    for x, y, crs in points:
        key = id(crs)  # a few CRS objects shared by many points
        if key not in same:
            same[key] = crs.equals(project.crs)
        if same[key]:
            xs.append(x)
            ys.append(y)
            continue
        if key not in transformers:
            transformers[key] = Transformer.from_crs(crs, project.crs, always_xy=True)
        px, py = transformers[key].transform(x, y)
        xs.append(px)
        ys.append(py)
    data = {column: [row[column] for row in rows] for column in COLUMNS}
    geometry = [Point(x, y) for x, y in zip(xs, ys, strict=True)]
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geometry, crs=project.crs))
