"""The files citizen reports come in (read for :mod:`twin.layers.reports_io`): Open311
GeoReport v2 JSON, GeoJSON, CSV, J'alerte l'Arcep CSV.

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
from pathlib import Path
from typing import Any

from pyproj import CRS
from shapely.geometry import shape

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.reports import category_of

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


def _lower_keys(record: dict[str, Any]) -> dict[str, Any]:
    return {str(k).strip().lower(): v for k, v in record.items()}


def first_value(record: dict[str, Any], names: tuple[str, ...]) -> Any:
    """The value of the first of ``names`` that the record fills (None when none does)."""
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
    return parse_file(path)[0]


def parse_file(path: Path) -> tuple[str, list[dict[str, Any]], CRS | None]:
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


def position_of(
    record: dict[str, Any], source_crs: CRS | None, project, communes: dict[str, Any] | None
) -> tuple[float, float, CRS] | str:
    """(x, y, crs) of a record, or the reason it has none."""
    if "__x" in record:
        return float(record["__x"]), float(record["__y"]), source_crs or WGS84
    lat, lon = first_value(record, LAT_COLUMNS), first_value(record, LON_COLUMNS)
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
        key = first_value(record, ARCEP_COLUMNS["insee"]) or first_value(
            record, ARCEP_COLUMNS["commune"]
        )
        point = communes.get(str(key).strip().casefold()) if key is not None else None
        if point is not None:
            return point.x, point.y, project.crs
    return tr("no position (no lat/long, x/y or known commune)")


def commune_points(project) -> dict[str, Any]:
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


def arcep_category(record: dict[str, Any]) -> str:
    """The report category of a J'alerte l'Arcep record, from its subject and diagnosis."""
    subject = str(first_value(record, ARCEP_COLUMNS["subject"]) or "").lower()
    if "mobile" in subject:
        return "mobile"
    if "fixe" in subject or "fibre" in subject:
        return "fiber"
    return category_of(subject, first_value(record, ARCEP_COLUMNS["diagnosis"]))
