"""Reading citizen reports: Open311 GeoReport v2 JSON, GeoJSON, CSV, J'alerte l'Arcep CSV.

Formats (chosen by :func:`detect_format` from the content, not only the extension):

- **Open311 GeoReport v2** (``GET /requests.json``, wiki.open311.org/GeoReport_v2): a JSON
  array of service requests (or ``{"service_requests": [...]}`` /
  ``{"service_requests": {"request": [...]}}`` as some servers wrap it) with
  ``service_request_id``, ``status`` (open/closed), ``status_notes``, ``service_name``,
  ``service_code``, ``description``, ``agency_responsible``, ``requested_datetime``,
  ``updated_datetime``, ``expected_datetime``, ``address``, ``address_id``, ``zipcode``,
  ``lat``, ``long`` (WGS84), ``media_url``; exports of POSTed requests may add the
  reporter's ``email``, ``first_name``, ``last_name``, ``phone``, ``account_id``,
  ``device_id`` (separated, see :mod:`twin.layers.reports_gdpr`).
- **GeoJSON**: a FeatureCollection (RFC 7946, WGS84; a legacy ``crs`` member naming an EPSG
  code is honoured); properties are read like CSV columns; non-point geometries are
  placed at a point inside them.
- **CSV** (comma or semicolon, UTF-8 or Windows-1252): columns ``lat``/``latitude`` and
  ``long``/``lon``/``lng``/``longitude`` (WGS84), or ``x``/``y`` in the project CRS; a
  category from ``category``/``categorie``, ``service_code``, ``service_name``, ``type``,
  ``theme``; ``status``/``statut``; a date from ``requested_datetime``/``date``/
  ``created_at``; an id from ``service_request_id``/``id``/``report_id``.
- **J'alerte l'Arcep** CSV. Arcep publishes no schema of this export (its raw alerts are not
  open data), so the columns are *assumed* from what the jalerte.arcep.fr form asks
  (profile, email, postcode, subject: internet mobile / internet fixe / courrier / presse,
  operator, diagnosis, comment) and are matched loosely: ``Date``/``Date de l'alerte``,
  ``Profil``, ``Email``/``Courriel``, ``Code postal``, ``Commune``/``Code INSEE``,
  ``Objet``/``Thématique``, ``Opérateur``, ``Diagnostic``/``Problème``,
  ``Commentaire``/``Description``, ``Latitude``/``Longitude``. A file with an
  ``Opérateur`` column and an ``Objet``/``Thématique``/``Profil`` column is read as one.
  Without coordinates, a report is placed inside its commune (``Code INSEE`` or
  ``Commune`` matched against the project's ``communes`` layer). Not checked against a
  real export: adjust :data:`ARCEP_COLUMNS` when one is seen.

Rows without a usable position are skipped and counted. Qt-free.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from pyproj import CRS, Transformer
from shapely.geometry import Point, shape

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
from twin.layers.reports_gdpr import (
    SECRET_KEY,
    keep_contacts,
    log_event,
    merge_contact,
    project_secret,
    pseudonym_of,
    separate_contacts,
)

MAX_FILE_BYTES = 200_000_000
WGS84 = CRS.from_epsg(4326)
FORMATS = ("open311", "geojson", "csv", "arcep")

ID_COLUMNS = ("service_request_id", "report_id", "id", "identifiant", "numero", "numéro")
DATE_COLUMNS = (
    "requested_datetime",
    "date",
    "date de l'alerte",
    "date_signalement",
    "created_at",
    "created",
    "datetime",
)
STATUS_COLUMNS = ("status", "statut", "etat", "état")
CATEGORY_COLUMNS = ("category", "categorie", "catégorie")
CODE_COLUMNS = ("service_code", "type", "code")
NAME_COLUMNS = ("service_name", "theme", "thème", "thematique", "thématique")
TEXT_COLUMNS = ("description", "commentaire", "comment", "details", "texte", "message")
LAT_COLUMNS = ("lat", "latitude")
LON_COLUMNS = ("long", "lon", "lng", "longitude")
#: Columns assumed in a J'alerte l'Arcep export (lower case), by role.
ARCEP_COLUMNS = {
    "subject": ("objet", "thématique", "thematique", "objet de l'alerte"),
    "operator": ("opérateur", "operateur"),
    "diagnosis": ("diagnostic", "problème", "probleme", "dysfonctionnement"),
    "profile": ("profil",),
    "insee": ("code insee", "code_insee", "insee"),
    "commune": ("commune", "ville"),
}


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


def _lower_keys(record: dict[str, Any]) -> dict[str, Any]:
    return {str(k).strip().lower(): v for k, v in record.items()}


def _first(record: dict[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = record.get(name)
        if value is not None and str(value).strip() not in ("", "nan", "None"):
            return value
    return None


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise DataError(tr("{path}: no such file").format(path=path))
    if path.stat().st_size > MAX_FILE_BYTES:
        raise DataError(
            tr("{name} is too big for a reports file (over 200 MB)").format(name=path.name)
        )
    return path.read_bytes()


def _text(data: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DataError(tr("{name} is neither UTF-8 nor Windows-1252 text").format(name=name))


def _json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise DataError(
            tr("{name} is nested too deeply to be a reports file").format(name=name)
        ) from None
    except json.JSONDecodeError as error:
        raise DataError(
            tr("{name} is not valid JSON ({error})").format(name=name, error=error)
        ) from None


def _csv_rows(text: str) -> list[dict[str, Any]]:
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    return [dict(row) for row in reader]


def _is_arcep(columns: set[str]) -> bool:
    return bool(columns & set(ARCEP_COLUMNS["operator"])) and bool(
        columns & set(ARCEP_COLUMNS["subject"] + ARCEP_COLUMNS["profile"])
    )


def detect_format(path: str | os.PathLike) -> str:
    """``open311``, ``geojson``, ``csv`` or ``arcep`` for the file at ``path``; DataError
    when it is none of them."""
    path = Path(path)
    return _parse(path)[0]


def _parse(path: Path) -> tuple[str, list[dict[str, Any]], CRS | None]:
    """(format, records as lower-case dicts, CRS of x/y or coordinates)."""
    text = _text(_read_bytes(path), path.name)
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        data = _json(stripped, path.name)
        if isinstance(data, dict) and data.get("type") == "FeatureCollection":
            return "geojson", *_geojson_records(data, path.name)
        if isinstance(data, dict) and "service_requests" in data:
            data = data["service_requests"]
            if isinstance(data, dict):
                data = data.get("request", [])
            if isinstance(data, dict):
                data = [data]
        if isinstance(data, list) and all(isinstance(item, dict) for item in data):
            return "open311", [_lower_keys(item) for item in data], WGS84
        raise DataError(
            tr(
                "{name}: JSON that is neither Open311 GeoReport v2 service requests nor a "
                "GeoJSON FeatureCollection"
            ).format(name=path.name)
        )
    rows = [_lower_keys(row) for row in _csv_rows(text)]
    if not rows:
        raise DataError(
            tr("{name}: no report (an empty or header-only CSV)").format(name=path.name)
        )
    return ("arcep" if _is_arcep(set(rows[0])) else "csv"), rows, None


def _geojson_records(data: dict[str, Any], name: str) -> tuple[list[dict[str, Any]], CRS]:
    crs = WGS84
    declared = ((data.get("crs") or {}).get("properties") or {}).get("name")
    if declared:
        try:
            crs = CRS.from_user_input(str(declared))
        except Exception as error:  # pyproj's CRSError and friends
            raise DataError(
                tr("{name}: unknown crs {crs!r} ({error})").format(
                    name=name, crs=declared, error=error
                )
            ) from None
    records = []
    for feature in data.get("features") or []:
        if not isinstance(feature, dict):
            continue
        record = _lower_keys(feature.get("properties") or {})
        geometry = feature.get("geometry")
        if geometry:
            try:
                point = shape(geometry)
                point = point if point.geom_type == "Point" else point.representative_point()
                record["__x"], record["__y"] = point.x, point.y
            except (ValueError, TypeError, AttributeError, KeyError):
                pass
        records.append(record)
    return records, crs


def _position(
    record: dict[str, Any], source_crs: CRS | None, project, communes: dict[str, Any] | None
) -> tuple[float, float, CRS] | str:
    """(x, y, crs) of a record, or the reason it has none."""
    if "__x" in record:
        return float(record["__x"]), float(record["__y"]), source_crs or WGS84
    lat, lon = _first(record, LAT_COLUMNS), _first(record, LON_COLUMNS)
    try:
        if lat is not None and lon is not None:
            lat_value = float(str(lat).replace(",", "."))
            lon_value = float(str(lon).replace(",", "."))
            if not (-90 <= lat_value <= 90 and -180 <= lon_value <= 180):
                return tr("coordinates out of range")
            return lon_value, lat_value, WGS84
        x, y = record.get("x"), record.get("y")
        if x not in (None, "") and y not in (None, ""):
            return float(str(x).replace(",", ".")), float(str(y).replace(",", ".")), project.crs
    except ValueError:
        return tr("coordinates that are not numbers")
    if communes:
        key = _first(record, ARCEP_COLUMNS["insee"]) or _first(record, ARCEP_COLUMNS["commune"])
        point = communes.get(str(key).strip().casefold()) if key is not None else None
        if point is not None:
            return point.x, point.y, project.crs
    return tr("no position (no lat/long, x/y or known commune)")


def _commune_points(project) -> dict[str, Any]:
    """Commune INSEE code and name (case-folded) -> a point inside it (project CRS)."""
    try:
        frame = project.layer("communes").frame
    except (KeyError, AttributeError):
        return {}
    points: dict[str, Any] = {}
    for _, row in frame.iterrows():
        inside = row.geometry.representative_point()
        for column in ("insee", "name", "nom"):
            if column in frame.columns and row[column] is not None:
                points[str(row[column]).strip().casefold()] = inside
    return points


def _arcep_category(record: dict[str, Any]) -> str:
    subject = str(_first(record, ARCEP_COLUMNS["subject"]) or "").lower()
    if "mobile" in subject:
        return "mobile"
    if "fixe" in subject or "fibre" in subject:
        return "fiber"
    return category_of(subject, _first(record, ARCEP_COLUMNS["diagnosis"]))


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
    detected, records, source_crs = _parse(path)
    kind = format or detected
    if kind not in FORMATS:
        raise DataError(
            tr("format {kind!r}: choose one of {choices}").format(
                kind=kind, choices=", ".join(FORMATS)
            )
        )
    secret = bytes(project.private[SECRET_KEY])
    communes = _commune_points(project) if kind in ("arcep", "csv") else None
    rows: list[dict[str, Any]] = []
    points: list[tuple[float, float, CRS]] = []
    contacts: dict[str, dict[str, str]] = {}
    reasons: dict[str, int] = {}
    for number, record in enumerate(records, start=1):
        if feedback is not None and number % 1000 == 0:
            feedback.set_progress(90.0 * number / len(records), tr("separating contact data"))
        where = _position(record, source_crs, project, communes)
        if isinstance(where, str):
            reasons[where] = reasons.get(where, 0) + 1
            continue
        parts = [_first(record, TEXT_COLUMNS)]
        if kind == "arcep":
            parts = [
                _first(record, ARCEP_COLUMNS["diagnosis"]),
                _first(record, TEXT_COLUMNS),
                _first(record, ARCEP_COLUMNS["operator"]),
            ]
        description = " — ".join(str(p) for p in parts if p is not None)
        separated = separate_contacts(record, description)
        pseudonym = pseudonym_of(secret, separated.identity)
        if pseudonym and separated.contact:
            merge_contact(contacts.setdefault(pseudonym, {}), separated.contact)
        code = _first(record, CODE_COLUMNS)
        name = _first(record, NAME_COLUMNS)
        if kind == "arcep":
            category = _arcep_category(record)
            name = name or _first(record, ARCEP_COLUMNS["subject"])
        else:
            category = category_of(_first(record, CATEGORY_COLUMNS), code, name, description)
        rows.append(
            {
                "report_id": str(_first(record, ID_COLUMNS) or f"{path.stem}-{number}"),
                "source_format": kind,
                "category": category,
                "status": status_of(_first(record, STATUS_COLUMNS)),
                "date": date_of(_first(record, DATE_COLUMNS)),
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
