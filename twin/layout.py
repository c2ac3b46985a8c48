"""Map layouts: the Qt-free description of a page that shows a map outside the app.

A :class:`Layout` is what every exported map draws (File > Export map, ``twin render``,
``twin simulate``'s ``map.png``, later story pages and video frames): a title and subtitle,
the map frame, the legend of the visible layers, a scale bar, a north arrow, KPI cards,
the attribution taken from the layers' provenance and a page number. One Qt painter
(``twin.ui.export``) draws it. A layout round-trips through JSON so stories can store it.

Sizes are page pixels (``Page.width_px`` x ``Page.height_px`` at ``Page.dpi`` dots per inch);
extents are project metres. People figures on KPI cards pass the privacy gate
(:func:`twin.layers.privacy.publish`) when the card is built: a card never holds a number
the gate masked, only :data:`~twin.layers.privacy.MASKED_LABEL`.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import PurePath
from typing import Any

from twin.errors import DataError
from twin.i18n import format_date, language, masked_label, tr, tr_label, unit_text
from twin.i18n import format_number as local_number
from twin.layers.privacy import Published, publish, publish_delta

BBox = tuple[float, float, float, float]

MM_PER_INCH = 25.4
MAX_KPI_CARDS = 4


@dataclass(frozen=True)
class Page:
    """The page: ``width_px`` x ``height_px`` pixels at ``dpi`` dots per inch."""

    width_px: int = 1600
    height_px: int = 1000
    dpi: float = 150.0

    def __post_init__(self) -> None:
        if self.width_px <= 0 or self.height_px <= 0 or not self.dpi > 0:
            raise DataError(
                tr("page size {width_px}x{height_px} px at {dpi} dpi").format(
                    width_px=self.width_px, height_px=self.height_px, dpi=self.dpi
                )
            )

    @classmethod
    def from_mm(cls, width_mm: float, height_mm: float, dpi: float = 300.0) -> Page:
        """A page of ``width_mm`` x ``height_mm`` millimetres at ``dpi`` (A4 landscape: 297 x
        210)."""
        return cls(round(width_mm / MM_PER_INCH * dpi), round(height_mm / MM_PER_INCH * dpi), dpi)

    @property
    def size_mm(self) -> tuple[float, float]:
        """Page width and height in millimetres."""
        return (self.width_px / self.dpi * MM_PER_INCH, self.height_px / self.dpi * MM_PER_INCH)


@dataclass(frozen=True)
class Title:
    """The page heading: ``text`` and a ``subtitle`` (typically scenario and date)."""

    text: str = ""
    subtitle: str = ""


@dataclass(frozen=True)
class MapFrame:
    """What the map shows: ``extent`` (minx, miny, maxx, maxy metres; None = all layers;
    the frame's aspect may widen it) and ``layers``, the names of the layers drawn, top
    first."""

    extent: BBox | None = None
    layers: tuple[str, ...] = ()


@dataclass(frozen=True)
class LegendItem:
    """One legend row: a swatch (fill, stroke, shape polygon/line/point/ramp) and a label."""

    label: str
    fill_color: str | None
    stroke_color: str | None
    shape: str
    ramp: tuple[str, ...] = ()


@dataclass(frozen=True)
class LegendGroup:
    """The legend rows of one layer, under its name (``point_symbol``: pyqtgraph marker)."""

    layer: str
    items: tuple[LegendItem, ...]
    point_symbol: str = "o"


@dataclass(frozen=True)
class Legend:
    """The legend of the visible layers, top layer first."""

    groups: tuple[LegendGroup, ...] = ()
    visible: bool = True


@dataclass(frozen=True)
class ScaleBar:
    """A metric scale bar in the map's bottom-left corner."""

    visible: bool = True


@dataclass(frozen=True)
class NorthArrow:
    """A north arrow in the map's top-right corner (project y axis = north)."""

    visible: bool = True


@dataclass(frozen=True)
class KpiCard:
    """One figure as shown on a page: ``label``, ``value`` and ``delta`` already formatted
    (through the privacy gate), the ``unit`` read after the value and ``delta_unit`` after
    the delta (unit words agree with their number: "1 violation", "+2 violations"; ""
    after a masked delta), ``tone`` of the delta ("better", "worse" or ""); ``method``
    says how the figure was computed (engine · standard, inputs with source and date,
    privacy masking: :func:`twin.layout_method.how_computed` of its lineage; ""
    when unknown), printed under the cards of an exported page."""

    label: str
    value: str
    unit: str = ""
    delta: str = ""
    tone: str = ""
    method: str = ""
    delta_unit: str = ""

    @classmethod
    def from_figure(cls, figure: Any) -> KpiCard:
        """A card from a :class:`twin.kpi.Figure` (its published value and delta)."""
        value = figure.published_value()
        delta = figure.published_delta() if figure.baseline is not None else Published(None)
        card = cls._of(figure.label, value, delta, figure.unit, getattr(figure, "better", ""))
        from twin.layout_method import how_computed  # engine, standard, inputs, masking

        method = how_computed(getattr(figure, "lineage", None))
        return replace(card, method=method) if method else card

    @classmethod
    def from_value(
        cls,
        label: str,
        value: float | None,
        unit: str = "",
        households: float | None = None,
        baseline: float | None = None,
        better: str = "up",
    ) -> KpiCard:
        """A card from a bare number in ``unit``; people figures pass :func:`publish`."""
        published = publish(value, households, unit)
        delta = (
            publish_delta(value, baseline, households, unit=unit)
            if baseline is not None
            else Published(None)
        )
        return cls._of(label, published, delta, unit, better)

    @classmethod
    def _of(cls, label: str, value: Published, delta: Published, unit: str, better: str):
        tone = ""
        if delta.value is not None and delta.value != 0 and better in ("up", "down"):
            tone = "better" if (delta.value > 0) == (better == "up") else "worse"
        delta_text, delta_unit = "", ""
        if delta.masked:
            delta_text = masked_label()
        elif delta.value is not None:
            delta_text = ("+" if delta.value >= 0 else "−") + format_number(abs(delta.value))
            delta_unit = unit_text(unit, abs(delta.value))
        shown = masked_label() if value.masked else format_number(value.value)
        shown_unit = "" if value.masked else unit_text(unit, value.value)
        return cls(tr_label(label), shown, shown_unit, delta_text, tone, delta_unit=delta_unit)


@dataclass(frozen=True)
class Attribution:
    """The credits line: sources, licences, from the layers' provenance."""

    text: str = ""


@dataclass(frozen=True)
class Layout:
    """A whole page: everything an exported map shows. ``page_number`` of ``page_count``
    (None: no page number drawn); ``caption`` a paragraph under the title (a story step's
    text; "" = none)."""

    page: Page = field(default_factory=Page)
    title: Title = field(default_factory=Title)
    map: MapFrame = field(default_factory=MapFrame)
    legend: Legend = field(default_factory=Legend)
    scale_bar: ScaleBar = field(default_factory=ScaleBar)
    north_arrow: NorthArrow = field(default_factory=NorthArrow)
    kpis: tuple[KpiCard, ...] = ()
    attribution: Attribution = field(default_factory=Attribution)
    page_number: int | None = None
    page_count: int | None = None
    caption: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (see :meth:`from_dict`)."""
        return asdict(self)

    def to_json(self) -> str:
        """The layout as a JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Layout:
        """Read :meth:`to_json`'s text; DataError when it is not a layout."""
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as error:
            raise DataError(tr("not a layout: {error}").format(error=error)) from None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Layout:
        """Build from :meth:`to_dict`'s dict; DataError naming what is wrong."""
        try:
            extent = data["map"].get("extent")
            legend = data.get("legend", {})
            groups = tuple(
                LegendGroup(
                    str(g["layer"]),
                    tuple(
                        LegendItem(
                            str(i["label"]),
                            i.get("fill_color"),
                            i.get("stroke_color"),
                            str(i["shape"]),
                            tuple(i.get("ramp", ())),
                        )
                        for i in g["items"]
                    ),
                    str(g.get("point_symbol", "o")),
                )
                for g in legend.get("groups", ())
            )
            return cls(
                page=Page(**data.get("page", {})),
                title=Title(**data.get("title", {})),
                map=MapFrame(
                    tuple(float(v) for v in extent) if extent is not None else None,  # type: ignore[arg-type]
                    tuple(str(name) for name in data["map"].get("layers", ())),
                ),
                legend=Legend(groups, bool(legend.get("visible", True))),
                scale_bar=ScaleBar(**data.get("scale_bar", {})),
                north_arrow=NorthArrow(**data.get("north_arrow", {})),
                kpis=tuple(KpiCard(**card) for card in data.get("kpis", ())),
                attribution=Attribution(**data.get("attribution", {})),
                page_number=data.get("page_number"),
                page_count=data.get("page_count"),
                caption=str(data.get("caption", "")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise DataError(
                tr("not a layout: {name} {error}").format(name=type(error).__name__, error=error)
            ) from None


def format_number(value: float | None) -> str:
    """A figure for a card: thousands separated by a thin space, at most 3 significant
    decimals below 10 ("12 345", "3.27", "0.5"; in French a decimal comma)."""
    if value is None or not math.isfinite(value):
        return "–"
    if language() == "fr":  # the locale's own grouping and decimal comma
        magnitude = abs(value)
        digits = 0 if magnitude >= 100 or float(value).is_integer() else 1 if magnitude >= 10 else 2
        return local_number(value, decimals=digits)
    magnitude = abs(value)
    if magnitude >= 100 or float(value).is_integer():
        return f"{value:,.0f}".replace(",", "\u202f")
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def attribution_text(layers: Iterable[Any]) -> str:
    """One credits line from the layers' provenance: each distinct attribution (with its
    licence) once, in layer order, joined by "; ". A layer with neither is credited by its
    source's file name, or as "twin" when one of twin's engines computed it."""
    seen: list[str] = []
    for layer in layers:
        provenance = layer.provenance
        credit = provenance.attribution.strip()
        if provenance.licence.strip():
            credit = f"{credit} ({provenance.licence.strip()})" if credit else provenance.licence
        source = provenance.source.strip()
        if not credit and source.startswith("engine:"):
            credit = "twin"  # computed by one of twin's engines ("engine:fiber" is no credit)
        elif not credit and source:
            credit = PurePath(source).name
        if credit and credit not in seen:
            seen.append(credit)
    return "; ".join(seen)


def legend_of(layers: Iterable[Any], strip_prefix: str = "") -> Legend:
    """The legend of ``layers`` (top first) from each layer's ``legend_entries()``; layer
    names lose ``strip_prefix`` (e.g. the scenario name that result layers start with)."""
    groups = []
    for layer in layers:
        items = tuple(
            LegendItem(tr_label(e.label), e.fill_color, e.stroke_color, e.shape, tuple(e.ramp))
            for e in layer.legend_entries()
        )
        name = layer.name
        if strip_prefix and name.startswith(strip_prefix):
            name = name[len(strip_prefix) :]
        groups.append(LegendGroup(tr_label(name), items, layer.style.point_symbol))
    return Legend(tuple(groups))


def headline_figures(figures: Iterable[Any]) -> list[Any]:
    """The first figure of each domain, at most :data:`MAX_KPI_CARDS`, for a page's cards."""
    chosen: dict[str, Any] = {}
    for figure in figures:
        chosen.setdefault(figure.domain, figure)
    return list(chosen.values())[:MAX_KPI_CARDS]


def build_layout(
    project: Any,
    title: str = "",
    subtitle: str | None = None,
    extent: BBox | None = None,
    page: Page | None = None,
    figures: Sequence[Any] = (),
    layers: Sequence[Any] | None = None,
    scenario: str = "",
    page_number: int | None = None,
    page_count: int | None = None,
    caption: str = "",
) -> Layout:
    """The layout of ``project``'s visible layers (or of ``layers``, top first) showing
    ``extent`` (metres; None = everything). ``subtitle`` None means "<scenario or Baseline>
    · <today>"; ``figures`` (:class:`twin.kpi.Figure`, at most four shown) become KPI cards;
    ``caption`` a paragraph under the title."""
    shown = [layer for layer in (project.layers if layers is None else layers) if layer.visible]
    if subtitle is None:
        subtitle = f"{scenario or tr('Baseline')} · {format_date(_dt.date.today())}"
    return Layout(
        page=page or Page(),
        title=Title(title, subtitle),
        map=MapFrame(
            tuple(float(v) for v in extent) if extent is not None else None,  # type: ignore[arg-type]
            tuple(layer.name for layer in shown),
        ),
        legend=legend_of(shown, strip_prefix=f"{scenario}: " if scenario else ""),
        kpis=tuple(KpiCard.from_figure(f) for f in list(figures)[:MAX_KPI_CARDS]),
        attribution=Attribution(attribution_text(shown)),
        page_number=page_number,
        page_count=page_count,
        caption=caption,
    )


# where the parts go on the page (twin/layout_regions.py), re-exported for the painters
from twin.layout_regions import (  # noqa: E402
    FOOTER_TEXT_UNITS,
    LEGEND_TWO_COLUMNS_UNITS,
    Rect,
    Regions,
    legend_item_cap,
    legend_rows,
    legend_rows_per_column,
    regions,
)

__all__ = [
    "FOOTER_TEXT_UNITS",
    "LEGEND_TWO_COLUMNS_UNITS",
    "Attribution",
    "KpiCard",
    "Layout",
    "Legend",
    "LegendGroup",
    "LegendItem",
    "MapFrame",
    "NorthArrow",
    "Page",
    "Rect",
    "Regions",
    "ScaleBar",
    "Title",
    "attribution_text",
    "build_layout",
    "format_number",
    "headline_figures",
    "legend_item_cap",
    "legend_of",
    "legend_rows",
    "legend_rows_per_column",
    "regions",
]
