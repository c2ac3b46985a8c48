"""Citizen reports: incidents people report (no signal here, a broken stop, a power cut).

A project holds its reports in one vector layer (id :data:`LAYER_ID`), points in the project
CRS, one row per report with the columns of :data:`COLUMNS`:

- ``report_id``: the source's identifier (``service_request_id`` in Open311), text;
- ``source_format``: ``open311``, ``geojson``, ``csv`` or ``arcep``;
- ``category``: one of :data:`CATEGORIES` (mobile, fiber, transit, energy, other), from the
  source's service code/name and keywords (:func:`category_of`);
- ``status``: ``open`` or ``closed`` (Open311's two values; other words are mapped);
- ``date``: when the report was made, ISO 8601 UTC text (``2026-03-01T08:15:30Z``);
- ``service_code`` / ``service_name``: the source's own service, kept as given;
- ``description``: the report's text with emails, phone numbers and the reporter's own
  name replaced by ``[email]``, ``[phone]``, ``[name]`` (:mod:`twin.layers.reports_gdpr`);
- ``pseudonym``: keyed hash of the reporter's identity (empty when the report names nobody).

Names, emails, phones and addresses never enter this layer (see
:mod:`twin.layers.reports_gdpr`). Maps that leave twin show reports at 100 m precision at
best (:func:`export_view`). Qt-free.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from typing import TYPE_CHECKING

import numpy as np

from twin.layers.base import Layer
from twin.layers.provenance import Provenance
from twin.layers.style import Category, Style
from twin.layers.vector import VectorLayer

if TYPE_CHECKING:
    import geopandas as gpd

LAYER_ID = "citizen_reports"
LAYER_NAME = "Citizen reports"
#: Marks a reports layer in its provenance parameters (``{"kind": REPORTS_KIND}``).
REPORTS_KIND = "citizen-reports"
CATEGORIES = ("mobile", "fiber", "transit", "energy", "other")
STATUSES = ("open", "closed")
COLUMNS = (
    "report_id",
    "source_format",
    "category",
    "status",
    "date",
    "service_code",
    "service_name",
    "description",
    "pseudonym",
)
#: Grid (metres) that exported maps snap reports to: never finer than this.
EXPORT_GRID_M = 100.0

# Keywords (accents removed, lower case) that put a report in a category, checked in this
# order on the service code, then the service name, then the description; the first hit
# wins. English and French words of 311/FixMyStreet services and of J'alerte l'Arcep.
CATEGORY_KEYWORDS: dict[str, tuple[str, ...]] = {
    "mobile": (
        "mobile",
        "cellular",
        "cell phone",
        "no signal",
        "no service",
        "signal",
        "4g",
        "5g",
        "3g",
        "antenna",
        "antenne",
        "reseau mobile",
        "pas de reseau",
        "zone blanche",
        "couverture",
        "coverage",
    ),
    "fiber": (
        "fiber",
        "fibre",
        "ftth",
        "broadband",
        "internet fixe",
        "adsl",
        "vdsl",
        "raccordement",
        "internet",
        "debit",
    ),
    "transit": (
        "transit",
        "transport",
        "bus",
        "tram",
        "metro",
        "train",
        "arret",
        "stop",
        "abribus",
        "shelter",
        "timetable",
        "horaire",
    ),
    "energy": (
        "power cut",
        "power outage",
        "outage",
        "blackout",
        "electric",
        "electricite",
        "coupure de courant",
        "courant",
        "ev charger",
        "charging",
        "borne de recharge",
        "recharge",
        "solar",
        "photovolta",
        "energy",
        "energie",
    ),
}

_STATUS_WORDS = {
    "open": ("open", "ouvert", "new", "nouveau", "en cours", "in progress", "acknowledged"),
    "closed": ("closed", "ferme", "clos", "resolved", "resolu", "fixed", "traite", "done"),
}


def plain_text(text: object) -> str:
    """Lower case without accents (``"Électricité"`` -> ``"electricite"``)."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


_CATEGORY_PATTERNS = {
    category: re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(k) for k in keywords) + ")")
    for category, keywords in CATEGORY_KEYWORDS.items()
}


def category_of(*texts: object) -> str:
    """The category of a report from its texts, most specific first (service code, service
    name, description): the first text holding a keyword of :data:`CATEGORY_KEYWORDS`
    decides (categories tried in that order); ``other`` when none does. An exact category
    name wins."""
    for text in texts:
        plain = plain_text(text).strip()
        if plain in CATEGORIES:
            return plain
        for category, pattern in _CATEGORY_PATTERNS.items():
            if pattern.search(plain):
                return category
    return "other"


def status_of(text: object) -> str:
    """``open`` or ``closed`` from a source's status word (unknown words: ``open``)."""
    plain = plain_text(text).strip()
    for status, words in _STATUS_WORDS.items():
        if any(plain.startswith(word) for word in words):
            return status
    return "open"


_DAY_FIRST = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)


def date_of(value: object) -> str:
    """A report date as ISO 8601 UTC text (``YYYY-MM-DDTHH:MM:SSZ``), empty when unknown.
    Dates without a time zone are taken as UTC; ``01/03/2026`` is day first (French)."""
    import pandas as pd

    if value is None or (isinstance(value, float) and np.isnan(value)) or str(value) == "":
        return ""
    text = str(value).strip()
    stamp = _fast_date(text)
    if stamp is None:
        try:
            parsed = pd.Timestamp(pd.to_datetime(text, utc=True))
        except (ValueError, TypeError, OverflowError):
            return ""
        if pd.isna(parsed):
            return ""
        stamp = parsed.to_pydatetime()
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _fast_date(text: str) -> _dt.datetime | None:
    """ISO 8601 or French day-first dates without pandas (the common cases), in UTC."""
    match = _DAY_FIRST.match(text)
    try:
        if match:
            day, month, year, hour, minute, second = match.groups()
            stamp = _dt.datetime(
                int(year),
                int(month),
                int(day),
                int(hour or 0),
                int(minute or 0),
                int(second or 0),
            )
        else:
            stamp = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if stamp.tzinfo is None:
        return stamp.replace(tzinfo=_dt.UTC)
    return stamp.astimezone(_dt.UTC)


def empty_frame(crs) -> gpd.GeoDataFrame:
    """A reports frame with no row (the columns of :data:`COLUMNS`), in ``crs``."""
    import geopandas as gpd
    import pandas as pd

    data = {column: pd.Series([], dtype=object) for column in COLUMNS}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def reports_style() -> Style:
    """Points coloured by category (the legend a planner reads)."""
    colours = {
        "mobile": "#d7301f",
        "fiber": "#6a51a3",
        "transit": "#2171b5",
        "energy": "#fd8d3c",
        "other": "#737373",
    }
    return Style(
        kind="categorized",
        column="category",
        categories=tuple(Category(name, colour, name) for name, colour in colours.items()),
        stroke_color="#ffffff",
        point_size=6.0,
    )


def is_reports_layer(layer: Layer) -> bool:
    """True when ``layer`` is a citizen reports layer (by its provenance mark)."""
    return (
        isinstance(layer, VectorLayer) and layer.provenance.parameters.get("kind") == REPORTS_KIND
    )


def reports_layer(project) -> VectorLayer | None:
    """The project's citizen reports layer, or None."""
    for layer in project.layers:
        if is_reports_layer(layer):
            return layer  # type: ignore[return-value]
    return None


def new_reports_layer(crs, frame: gpd.GeoDataFrame | None = None) -> VectorLayer:
    """An (empty) reports layer in ``crs`` with its style and provenance mark."""
    provenance = Provenance(
        source="citizen reports",
        licence="personal data (GDPR): pseudonymised; not for publication as points",
        attribution="citizen reports imported into this project",
        method=(
            "reports imported from Open311/GeoJSON/CSV/J'alerte l'Arcep files; contact data "
            "separated on import; reporters pseudonymised with a keyed hash"
        ),
        parameters={"kind": REPORTS_KIND, "sources": []},
    )
    return VectorLayer(
        LAYER_NAME,
        frame if frame is not None else empty_frame(crs),
        style=reports_style(),
        provenance=provenance,
        crs=crs,
        layer_id=LAYER_ID,
    )


def snap_to_grid(frame: gpd.GeoDataFrame, cell_m: float = EXPORT_GRID_M) -> gpd.GeoDataFrame:
    """A copy of a point frame with each point moved to the centre of its ``cell_m`` grid
    cell (metres, project CRS): what an exported map may show of a report."""
    import geopandas as gpd

    result = frame.copy()
    if len(result) == 0:
        return result
    x = np.floor(result.geometry.x.to_numpy() / cell_m) * cell_m + cell_m / 2
    y = np.floor(result.geometry.y.to_numpy() / cell_m) * cell_m + cell_m / 2
    result = result.set_geometry(gpd.points_from_xy(x, y, crs=frame.crs))
    return result


def export_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """What a file export of reports holds: points snapped to :data:`EXPORT_GRID_M`, no
    pseudonym (pseudonymised data is still personal data) and no free text."""
    snapped = snap_to_grid(frame)
    return snapped.drop(columns=[c for c in ("pseudonym", "description") if c in snapped])


def export_view(layer: Layer) -> Layer:
    """The layer as a map leaving twin may show it: a reports layer becomes a copy with
    points snapped to the 100 m grid (:func:`export_frame`); other layers are returned as
    they are."""
    if not is_reports_layer(layer):
        return layer
    copy = VectorLayer(
        layer.name,
        export_frame(layer.frame),  # type: ignore[attr-defined]
        style=layer.style,
        provenance=layer.provenance,
        crs=layer.crs,
        visible=layer.visible,
        opacity=layer.opacity,
        layer_id=layer.id,
    )
    return copy


def reports_records(project) -> list[dict]:
    """The project's reports as JSON-ready records (columns + ``x``/``y`` in project
    metres), for the recovery file; empty when the project has no reports layer."""
    layer = reports_layer(project)
    if layer is None:
        return []
    frame = layer.frame
    records = []
    for row, point in zip(
        frame[list(COLUMNS)].astype(object).itertuples(index=False), frame.geometry, strict=True
    ):
        record = {
            c: (None if v is None or v != v else str(v)) for c, v in zip(COLUMNS, row, strict=True)
        }
        record["x"], record["y"] = float(point.x), float(point.y)
        records.append(record)
    return records


def restore_reports(project, records: list[dict]) -> None:
    """Put reports saved by :func:`reports_records` back into the project's reports layer
    (created when missing). ValueError/KeyError when a record is damaged."""
    import geopandas as gpd

    data = {
        column: [None if r.get(column) is None else str(r[column]) for r in records]
        for column in COLUMNS
    }
    points = gpd.points_from_xy(
        [float(r["x"]) for r in records], [float(r["y"]) for r in records], crs=project.crs
    )
    frame = gpd.GeoDataFrame(data, geometry=points, crs=project.crs)
    layer = reports_layer(project)
    if layer is None:
        project.add_layer(new_reports_layer(project.crs, frame))
    else:
        layer.set_frame(frame)
