"""The style editor: single colour, categories, graduated classes, raster colour map."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from twin.i18n import tr, tr_label
from twin.layers.base import Layer
from twin.layers.lazy import LazyVectorLayer
from twin.layers.raster import RasterLayer
from twin.layers.style import (
    Style,
    categorized_style,
    categorized_style_from_counts,
    graduated_style,
    raster_style,
)
from twin.layers.style_fields import ColumnSummary, summarise_column
from twin.layers.vector import VectorLayer
from twin.ui.panels.style_controls import (
    PREVIEW_MIN_HEIGHT,
    RASTER_KINDS,
    VECTOR_KINDS,
    StyleControls,
)
from twin.ui.panels.swatches import SWATCH_SIZE, swatch_icon
from twin.ui.workers import run_job

if TYPE_CHECKING:
    import pandas as pd


class StyleEditor(StyleControls, QWidget):
    """Edits the style of one layer; nothing changes on the map until Apply.

    Vector layers: single colour (colour-blind safe Okabe-Ito palette, or any colour), a
    category per value of a column, or graduated classes of a numeric column (quantiles or
    equal intervals, 2-9 classes, a colour map). Rasters: a colour map stretched between a
    minimum and maximum in the layer's unit. A preview lists the legend rows to come.
    ``style_applied(layer)`` is emitted after Apply. For a big layer read lazily the chosen
    column is read once in a worker (status bar progress) and summarised (value counts,
    a sample for class breaks); the preview says so meanwhile.
    """

    style_applied = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer: Layer | None = None
        self._loading = False
        # big lazy layers: column summaries read in a worker, and the reads under way
        self._summaries: dict[tuple[int, str], ColumnSummary] = {}
        self._reading: set[tuple[int, str]] = set()
        self.title_label = QLabel(tr("Select a layer to edit its style."))
        self.title_label.setWordWrap(True)
        self.kind_combo = QComboBox()
        self.kind_combo.currentIndexChanged.connect(self._on_kind_changed)
        self.pages = QWidget()
        self._page_widgets = [
            self._build_single_page(),
            self._build_categories_page(),
            self._build_graduated_page(),
            self._build_raster_page(),
        ]
        pages_layout = QVBoxLayout(self.pages)
        pages_layout.setContentsMargins(0, 0, 0, 0)
        for widget in self._page_widgets:
            pages_layout.addWidget(widget)
        self.pages.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.symbol_box = self._build_symbol_box()
        self.symbol_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.labels_box = self._build_labels_box()
        self.labels_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.preview = QListWidget()
        self.preview.setIconSize(SWATCH_SIZE)
        self.preview.setToolTip(tr("The legend this style will give"))
        self.preview.setMinimumHeight(PREVIEW_MIN_HEIGHT)
        self.apply_button = QPushButton(tr("Apply"))
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self.apply)
        self.revert_button = QPushButton(tr("Revert"))
        self.revert_button.setToolTip(tr("Show the layer's current style again"))
        self.revert_button.clicked.connect(lambda: self.set_layer(self.layer))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.apply_button)
        kind_row = QFormLayout()
        kind_row.addRow(tr("Style"), self.kind_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title_label)
        layout.addLayout(kind_row)
        layout.addWidget(self.pages)
        layout.addWidget(self.symbol_box)
        layout.addWidget(self.labels_box)
        layout.addWidget(QLabel(tr("Preview")))
        layout.addWidget(self.preview, 1)
        layout.addLayout(buttons)
        self.set_layer(None)

    # --- layer in, style out ----------------------------------------------------------
    def set_layer(self, layer: Layer | None) -> None:
        """Edit ``layer`` (None: nothing to edit); controls show its current style."""
        if self.layer is not None and self.layer is not layer:
            self.layer.events.style.disconnect(self._on_layer_style_changed)
        if layer is not None and layer is not self.layer:
            layer.events.style.connect(self._on_layer_style_changed)
        self.layer = layer
        self._loading = True
        try:
            self._load_controls(layer)
        finally:
            self._loading = False
        self._update_preview()

    def _load_controls(self, layer: Layer | None) -> None:
        enabled = layer is not None
        for widget in (
            self.kind_combo,
            self.pages,
            self.symbol_box,
            self.labels_box,
            self.apply_button,
            self.revert_button,
            self.preview,
        ):
            widget.setEnabled(enabled)
        self.kind_combo.clear()
        if layer is None:
            self.title_label.setText(tr("Select a layer to edit its style."))
            for i, widget in enumerate(self._page_widgets):
                widget.setVisible(i == 0)
            return
        self.title_label.setText(tr("Style of <b>{name}</b>").format(name=tr_label(layer.name)))
        style = layer.style
        is_raster = isinstance(layer, RasterLayer)
        for kind, label in RASTER_KINDS if is_raster else VECTOR_KINDS:
            label = tr(label)
            self.kind_combo.addItem(label, kind)
        kinds = [self.kind_combo.itemData(i) for i in range(self.kind_combo.count())]
        kind = style.kind if style.kind in kinds else kinds[0]
        self.kind_combo.setCurrentIndex(kinds.index(kind))
        self._select_color(style.fill_color)
        self.outline_spin.setValue(style.stroke_width)
        self.point_size_spin.setValue(style.point_size)
        self.fill_opacity_spin.setValue(round(style.fill_opacity * 100))
        self.symbol_box.setVisible(not is_raster)
        self.labels_box.setVisible(not is_raster)
        is_point = layer.geometry_kind == "point"
        self.point_size_spin.setVisible(is_point)
        self.point_size_label.setVisible(is_point)
        if isinstance(layer, VectorLayer):
            self._load_columns(layer, style)
        if is_raster:
            self._select_data(self.raster_colormap_combo, style.colormap)
            suffix = f" {layer.unit}" if layer.unit else ""
            for spin in (self.minimum_spin, self.maximum_spin):
                spin.setSuffix(suffix)
            self.minimum_spin.setValue(style.value_min if style.value_min is not None else 0.0)
            self.maximum_spin.setValue(style.value_max if style.value_max is not None else 1.0)
        self._on_kind_changed()

    def _load_columns(self, layer: VectorLayer, style: Style) -> None:
        columns = layer.attribute_columns
        if isinstance(layer, LazyVectorLayer):  # the field types, not the values
            numeric = [c for c in columns if layer.column_is_numeric(c)]
        else:
            numeric = [c for c in columns if _is_numeric(layer.frame[c])]
        for combo, names in (
            (self.category_column_combo, columns),
            (self.graduated_column_combo, numeric),
        ):
            combo.clear()
            combo.addItems(names)
            if style.column in names:
                combo.setCurrentText(style.column)
        self._load_labels(columns, numeric, style.labels)
        if style.kind == "graduated":
            self._select_data(self.method_combo, style.method)
            self.class_count_spin.setValue(max(2, min(9, len(style.classes) or 5)))
            self._select_data(self.graduated_colormap_combo, style.colormap)
            self.unit_edit.setText(style.unit)

    def candidate_style(self) -> Style | None:
        """The style the controls describe (None when it cannot be built)."""
        layer = self.layer
        if layer is None:
            return None
        kind = self.kind_combo.currentData()
        if isinstance(layer, RasterLayer):
            return layer.style.with_changes(
                kind="raster",
                colormap=self.raster_colormap_combo.currentData(),
                value_min=self.minimum_spin.value(),
                value_max=self.maximum_spin.value(),
                unit=layer.unit,
            )
        base = layer.style.with_changes(
            fill_color=self.color_combo.currentData() or layer.style.fill_color,
            stroke_width=self.outline_spin.value(),
            point_size=self.point_size_spin.value(),
            fill_opacity=self.fill_opacity_spin.value() / 100.0,
            labels=self._label_style(layer.style.labels),
        )
        if kind == "categorized":
            column = self.category_column_combo.currentText()
            values = self._values_of(layer, column) if column else None
            if isinstance(values, ColumnSummary):
                return categorized_style_from_counts(values.counts, column, base=base)
            return categorized_style(values, column, base=base) if values is not None else None
        if kind == "graduated":
            column = self.graduated_column_combo.currentText()
            values = self._values_of(layer, column) if column else None
            if values is None:
                return None
            if isinstance(values, ColumnSummary):
                values = values.sample
            try:
                return graduated_style(
                    values,
                    column,
                    count=self.class_count_spin.value(),
                    method=self.method_combo.currentData(),
                    colormap=self.graduated_colormap_combo.currentData(),
                    base=base,
                    unit=self.unit_edit.text().strip(),
                )
            except ValueError:
                return None
        return base.with_changes(kind="single", column=None)

    def _values_of(self, layer: VectorLayer, column: str):
        """The values of ``column`` to classify: the column of a layer in memory; for a big
        lazy layer its :class:`ColumnSummary`, or None while a worker reads it (started
        here the first time)."""
        if not isinstance(layer, LazyVectorLayer) or layer.is_loaded:
            return layer.frame[column]
        key = (id(layer), column)
        if key in self._summaries:
            return self._summaries[key]
        if key not in self._reading:
            self._reading.add(key)
            run_job(
                lambda feedback: _summarise(layer, column, feedback),
                title=tr("Reading the values of {column}").format(column=column),
                parent=self,
                on_result=lambda summary: self._on_summary(key, summary),
                on_error=lambda error: self._on_summary(key, None),
            )
        return None

    def _on_summary(self, key: tuple[int, str], summary: ColumnSummary | None) -> None:
        self._reading.discard(key)
        if summary is not None:
            self._summaries[key] = summary
        with contextlib.suppress(RuntimeError):  # the editor was closed meanwhile
            self._update_preview()

    def reading_values(self) -> bool:
        """Whether a column of a big layer is being read for the preview."""
        return bool(self._reading)

    def apply(self) -> None:
        """Give the layer the style the controls describe."""
        style = self.candidate_style()
        if self.layer is None or style is None:
            return
        self.layer.style = style
        self.style_applied.emit(self.layer)

    # --- control events -----------------------------------------------------------------
    def _on_kind_changed(self, *_args) -> None:
        page = {"single": 0, "categorized": 1, "graduated": 2, "raster": 3}
        current = page.get(self.kind_combo.currentData(), 0)
        for i, widget in enumerate(self._page_widgets):  # hidden pages take no room
            widget.setVisible(i == current)
        self._update_preview()

    def _update_preview(self, *_args) -> None:
        if self._loading:
            return
        self.preview.clear()
        style = self.candidate_style()
        if style is None or self.layer is None:
            self.apply_button.setEnabled(False)
            if self.layer is not None and self._reading:
                self.preview.addItem(tr("Reading the values of the column…"))
            elif self.layer is not None:
                self.preview.addItem(tr("Choose a column with values to classify."))
            return
        self.apply_button.setEnabled(True)
        for entry in style.legend_entries(self.layer.geometry_kind):
            icon = swatch_icon(entry, point_symbol=style.point_symbol)
            item = QListWidgetItem(icon, tr_label(entry.label or self.layer.name))
            self.preview.addItem(item)

    def _stretch_to_data(self) -> None:
        if isinstance(self.layer, RasterLayer):
            stretched = raster_style(self.layer.array, nodata=self.layer.nodata)
            self.minimum_spin.setValue(stretched.value_min)
            self.maximum_spin.setValue(stretched.value_max)

    def _on_layer_style_changed(self, *_args) -> None:
        with contextlib.suppress(RuntimeError):  # the editor was deleted before the layer
            self.set_layer(self.layer)


def _summarise(layer: LazyVectorLayer, column: str, feedback) -> ColumnSummary:
    """Worker: read one column of a big layer and summarise it for the style editor."""
    feedback.set_progress(0.0, tr("Reading the values of {column}").format(column=column))
    values = layer.read_columns([column])[column]
    feedback.set_progress(80.0, tr("Reading the values of {column}").format(column=column))
    return summarise_column(column, values)


def _is_numeric(series: pd.Series) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
