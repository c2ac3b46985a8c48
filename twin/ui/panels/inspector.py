"""The inspector: attributes of the identified feature(s) and where their layer comes from."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from twin.i18n import N_, format_date, format_number, masked_label, tr, tr_label
from twin.layers.base import Layer
from twin.layers.privacy import MASKED_TEXT, masked_record
from twin.ui.map.tools.identify import IdentifyResult

PROVENANCE_HEIGHT = 120  # pixels; longer method texts scroll
_HINT = N_("Click a feature on the map (Identify tool, key I) to see its attributes.")


def is_identifier(field_name: str) -> bool:
    """True for fields holding codes or ids (shown without thousands separators)."""
    name = field_name.lower()
    return name in ("id", "fid", "code", "insee", "osm_id") or name.endswith(("_id", "_code"))


def format_value(value: Any, field_name: str = "") -> str:
    """A readable cell in the current language: grouped thousands ("447 429" / "447,429"),
    at most 2 decimals (4 below 1), "—" for missing, yes/no and the privacy mask translated;
    ids and codes (see :func:`is_identifier`) as written.
    """
    if value is None:
        return "—"
    if isinstance(value, bool):
        return tr("yes") if value else tr("no")
    if is_identifier(field_name) and isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, int):
        return format_number(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        if value.is_integer() and abs(value) < 1e15:
            return format_number(value)
        return format_number(value, 4 if abs(value) < 1 else 2)
    if value == MASKED_TEXT:
        return tr("masked ({label})").format(label=masked_label())
    return str(value)


class InspectorPanel(QWidget):
    """Shows the identify results: a chooser when several features were hit, a two-column
    table (field, value) of the chosen one, and its layer's provenance (source, licence,
    attribution, date, method).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._results: list[IdentifyResult] = []
        self.title_label = QLabel(tr(_HINT))
        self.title_label.setWordWrap(True)
        self.feature_combo = QComboBox()
        self.feature_combo.setToolTip(tr("Features under the click, top layer first"))
        self.feature_combo.currentIndexChanged.connect(self._show_result)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels([tr("Field"), tr("Value")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.provenance_view = QTextBrowser()
        self.provenance_view.setObjectName("provenance")
        self.provenance_view.setMaximumHeight(PROVENANCE_HEIGHT)
        self.provenance_view.setToolTip(tr("Where this layer comes from"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title_label)
        layout.addWidget(self.feature_combo)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.provenance_view)
        self.feature_combo.hide()

    def show_results(self, results: list[IdentifyResult]) -> None:
        """Show what a click found (replaces the previous results)."""
        self._results = list(results)
        self.feature_combo.blockSignals(True)
        self.feature_combo.clear()
        for result in self._results:
            self.feature_combo.addItem(_result_label(result))
        self.feature_combo.blockSignals(False)
        self.feature_combo.setVisible(len(self._results) > 1)
        if not self._results:
            self.title_label.setText(tr("Nothing here. Click on a feature of a visible layer."))
            self.table.setRowCount(0)
            return
        self.feature_combo.setCurrentIndex(0)
        self._show_result(0)

    def show_layer(self, layer: Layer | None) -> None:
        """Show the provenance of ``layer`` (the layer selected in the layer panel)."""
        if not self._results:
            self.provenance_view.setHtml(provenance_html(layer) if layer is not None else "")

    def clear(self) -> None:
        """Forget the results (e.g. when another project is opened)."""
        self._results = []
        self.feature_combo.clear()
        self.feature_combo.hide()
        self.table.setRowCount(0)
        self.title_label.setText(tr(_HINT))
        self.provenance_view.clear()

    def _show_result(self, index: int) -> None:
        if not 0 <= index < len(self._results):
            return
        result = self._results[index]
        count = len(self._results)
        more = tr(" — {number} of {count} found").format(number=index + 1, count=count)
        more = more if count > 1 else ""
        self.title_label.setText(f"<b>{tr_label(result.layer.name)}</b>{more}")
        if result.attributes or result.value is None:
            rows = [
                (str(name), format_value(value, str(name)))
                for name, value in masked_record(result.attributes).items()
            ]
        else:
            unit = f" {result.unit}" if result.unit else ""
            rows = [(tr("Value"), f"{format_value(result.value)}{unit}")]
        rows.append(
            (
                tr("Clicked at"),
                f"X {format_value(round(result.x))} m, Y {format_value(round(result.y))} m",
            )
        )
        self.table.setRowCount(len(rows))
        for row, (name, text) in enumerate(rows):
            name_item = QTableWidgetItem(name)
            value_item = QTableWidgetItem(text)
            value_item.setToolTip(text)
            self.table.setItem(row, 0, name_item)
            self.table.setItem(row, 1, value_item)
        self.provenance_view.setHtml(provenance_html(result.layer))

    def cell_text(self, field_name: str) -> str | None:
        """The value shown for ``field_name`` in the table (None if not shown)."""
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).text() == field_name:
                return self.table.item(row, 1).text()
        return None


def _result_label(result: IdentifyResult) -> str:
    """E.g. "Buildings — building_id 18164" (the first attribute names the feature)."""
    if result.feature_id is None:
        return tr("{layer} — pixel").format(layer=tr_label(result.layer.name))
    if result.attributes:
        name, value = next(iter(result.attributes.items()))
        return f"{tr_label(result.layer.name)} — {name} {format_value(value, str(name))}"
    return tr("{layer} — feature {number}").format(
        layer=tr_label(result.layer.name), number=result.feature_id
    )


def provenance_html(layer: Layer) -> str:
    """The layer's provenance as a few short HTML lines for a label."""
    provenance = layer.provenance
    unknown = tr("unknown")
    lines = [_line(tr("Source"), provenance.source or unknown)]
    if provenance.attribution:
        lines.append(_line(tr("Attribution"), provenance.attribution))
    if provenance.licence:
        lines.append(_line(tr("Licence"), provenance.licence))
    if provenance.date:
        lines.append(_line(tr("Date"), _date_text(provenance.date)))
    if provenance.method:
        lines.append(_line(tr("Method"), provenance.method))
    if provenance.repaired_geometries:
        lines.append(
            tr("{0} invalid geometries repaired on load").format(provenance.repaired_geometries)
        )
    return "<br>".join(lines)


def _line(label: str, text: str) -> str:
    return tr("<b>{label}</b>: {text}").format(label=_escape(label), text=_escape(text))


def _date_text(text: str) -> str:
    """An ISO date ("2026-01-01") as the language writes it ("1 janv. 2026"); other text
    as it is."""
    try:
        return format_date(text)
    except ValueError:
        return text


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
