"""The controls of the style editor: palette, colour maps, class and symbol settings."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from twin.i18n import N_, tr
from twin.layers.colors import OKABE_ITO
from twin.layers.style import LabelStyle

PREVIEW_MIN_HEIGHT = 60  # pixels: the preview gives way to the inspector above it
PALETTE_NAMES = dict(
    zip(
        OKABE_ITO,
        (
            N_("Orange"),
            N_("Sky blue"),
            N_("Bluish green"),
            N_("Yellow"),
            N_("Blue"),
            N_("Vermillion"),
            N_("Reddish purple"),
            N_("Grey"),
            N_("Black"),
        ),
        strict=True,
    )
)
COLORMAP_CHOICES = (
    ("viridis", "Viridis"),
    ("cividis", "Cividis"),
    ("magma", "Magma"),
    ("blues", "Blues"),
    ("terrain", "Terrain"),
    ("greys", "Greys"),
)
METHOD_CHOICES = (
    ("quantile", N_("Quantiles (equal counts)")),
    ("equal-interval", N_("Equal intervals")),
)
# Combo entries: (style kind, label)
VECTOR_KINDS = (
    ("single", N_("Single colour")),
    ("categorized", N_("Categories")),
    ("graduated", N_("Graduated classes")),
)
RASTER_KINDS = (("raster", N_("Colour map")),)


def _color_icon(color: str) -> QIcon:
    pixmap = QPixmap(QSize(16, 16))
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


class StyleControls:
    """Builds the editor's pages (single, categories, graduated, raster) and symbol box;
    mixed into :class:`~twin.ui.panels.style_editor.StyleEditor`, which provides
    ``_update_preview`` and ``_stretch_to_data``.
    """

    # --- pages ------------------------------------------------------------------------------
    def _build_single_page(self) -> QWidget:
        page = QWidget()
        self.color_combo = QComboBox()
        for color, name in PALETTE_NAMES.items():
            name = tr(name)
            self.color_combo.addItem(_color_icon(color), name, color)
        self.color_combo.currentIndexChanged.connect(self._update_preview)
        self.custom_color_button = QPushButton(tr("Other…"))
        self.custom_color_button.setToolTip(
            tr("Pick any colour (the palette is colour-blind safe)")
        )
        self.custom_color_button.clicked.connect(self._choose_custom_color)
        row = QHBoxLayout()
        row.addWidget(self.color_combo, 1)
        row.addWidget(self.custom_color_button)
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(tr("Colour"), row)
        return page

    def _build_categories_page(self) -> QWidget:
        page = QWidget()
        self.category_column_combo = QComboBox()
        self.category_column_combo.currentIndexChanged.connect(self._update_preview)
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(tr("Column"), self.category_column_combo)
        form.addRow(QLabel(tr("Up to 12 most frequent values get a colour.")))
        return page

    def _build_graduated_page(self) -> QWidget:
        page = QWidget()
        self.graduated_column_combo = QComboBox()
        self.method_combo = QComboBox()
        for key, label in METHOD_CHOICES:
            label = tr(label)
            self.method_combo.addItem(label, key)
        self.class_count_spin = QSpinBox()
        self.class_count_spin.setRange(2, 9)
        self.class_count_spin.setValue(5)
        self.class_count_spin.setSuffix(tr(" classes"))
        self.graduated_colormap_combo = self._colormap_combo()
        self.unit_edit = QLineEdit()
        self.unit_edit.setPlaceholderText(tr("e.g. persons, m, dBm"))
        for signal in (
            self.graduated_column_combo.currentIndexChanged,
            self.method_combo.currentIndexChanged,
            self.class_count_spin.valueChanged,
            self.graduated_colormap_combo.currentIndexChanged,
            self.unit_edit.editingFinished,
        ):
            signal.connect(self._update_preview)
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(tr("Column"), self.graduated_column_combo)
        form.addRow(tr("Method"), self.method_combo)
        form.addRow(tr("Classes"), self.class_count_spin)
        form.addRow(tr("Colours"), self.graduated_colormap_combo)
        form.addRow(tr("Unit"), self.unit_edit)
        return page

    def _build_raster_page(self) -> QWidget:
        page = QWidget()
        self.raster_colormap_combo = self._colormap_combo()
        self.minimum_spin = self._value_spin()
        self.maximum_spin = self._value_spin()
        self.stretch_button = QPushButton(tr("Stretch to data (2–98 %)"))
        self.stretch_button.clicked.connect(self._stretch_to_data)
        for signal in (
            self.raster_colormap_combo.currentIndexChanged,
            self.minimum_spin.valueChanged,
            self.maximum_spin.valueChanged,
        ):
            signal.connect(self._update_preview)
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(tr("Colour map"), self.raster_colormap_combo)
        form.addRow(tr("Minimum"), self.minimum_spin)
        form.addRow(tr("Maximum"), self.maximum_spin)
        form.addRow(self.stretch_button)
        return page

    def _build_symbol_box(self) -> QWidget:
        box = QWidget()
        self.outline_spin = QDoubleSpinBox()
        self.outline_spin.setRange(0.0, 10.0)
        self.outline_spin.setSingleStep(0.5)
        self.outline_spin.setSuffix(tr(" px"))
        self.point_size_spin = QDoubleSpinBox()
        self.point_size_spin.setRange(1.0, 40.0)
        self.point_size_spin.setSuffix(tr(" px"))
        self.fill_opacity_spin = QSpinBox()
        self.fill_opacity_spin.setRange(0, 100)
        self.fill_opacity_spin.setSuffix(" %")
        for signal in (
            self.outline_spin.valueChanged,
            self.point_size_spin.valueChanged,
            self.fill_opacity_spin.valueChanged,
        ):
            signal.connect(self._update_preview)
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        self.outline_label = QLabel(tr("Outline width"))
        form.addRow(self.outline_label, self.outline_spin)
        self.point_size_label = QLabel(tr("Point size"))
        form.addRow(self.point_size_label, self.point_size_spin)
        form.addRow(tr("Fill opacity"), self.fill_opacity_spin)
        return box

    def _build_labels_box(self) -> QGroupBox:
        """Label controls: the column giving the text, size, colour, halo, priority column
        and the scale range (shown only closer than some metres per pixel)."""
        box = QGroupBox(tr("Labels"))
        self.label_field_combo = QComboBox()
        self.label_field_combo.setToolTip(tr("The column whose values label the features"))
        self.label_size_spin = QDoubleSpinBox()
        self.label_size_spin.setRange(6.0, 48.0)
        self.label_size_spin.setSuffix(tr(" px"))
        self.label_color_combo = QComboBox()
        for color, name in (("#1E1E1E", tr("Near black")), *PALETTE_NAMES.items()):
            self.label_color_combo.addItem(_color_icon(color), tr(name), color)
        self.label_halo_spin = QDoubleSpinBox()
        self.label_halo_spin.setRange(0.0, 6.0)
        self.label_halo_spin.setSingleStep(0.5)
        self.label_halo_spin.setSuffix(tr(" px"))
        self.label_halo_spin.setToolTip(tr("A white outline around the text, 0 for none"))
        self.label_bold_check = QCheckBox(tr("Bold"))
        self.label_priority_combo = QComboBox()
        self.label_priority_combo.setToolTip(
            tr("Features with larger values are labelled first when labels compete for room")
        )
        self.label_max_scale_spin = QDoubleSpinBox()
        self.label_max_scale_spin.setRange(0.0, 10000.0)
        self.label_max_scale_spin.setDecimals(1)
        self.label_max_scale_spin.setSuffix(tr(" m/px"))
        self.label_max_scale_spin.setSpecialValueText(tr("always"))
        self.label_max_scale_spin.setToolTip(
            tr("Show the labels only when zoomed in to this many metres per pixel or closer")
        )
        for signal in (
            self.label_field_combo.currentIndexChanged,
            self.label_size_spin.valueChanged,
            self.label_color_combo.currentIndexChanged,
            self.label_halo_spin.valueChanged,
            self.label_bold_check.toggled,
            self.label_priority_combo.currentIndexChanged,
            self.label_max_scale_spin.valueChanged,
        ):
            signal.connect(self._update_preview)
        form = QFormLayout(box)
        form.setContentsMargins(4, 4, 4, 4)
        form.addRow(tr("Text from"), self.label_field_combo)
        size_row = QHBoxLayout()
        size_row.addWidget(self.label_size_spin, 1)
        size_row.addWidget(self.label_bold_check)
        form.addRow(tr("Size"), size_row)
        form.addRow(tr("Colour"), self.label_color_combo)
        form.addRow(tr("Halo"), self.label_halo_spin)
        form.addRow(tr("First"), self.label_priority_combo)
        form.addRow(tr("Show up to"), self.label_max_scale_spin)
        return box

    def _load_labels(self, columns: list[str], numeric: list[str], labels: LabelStyle) -> None:
        """Show ``labels`` in the label controls (``columns`` to label by, ``numeric`` ones
        to rank by)."""
        none = tr("(no labels)")
        self.label_field_combo.clear()
        self.label_field_combo.addItem(none, None)
        for column in columns:
            self.label_field_combo.addItem(column, column)
        self.label_priority_combo.clear()
        self.label_priority_combo.addItem(tr("(in data order)"), None)
        for column in numeric:
            self.label_priority_combo.addItem(
                tr("largest {column}").replace("{column}", column), column
            )
        self._select_data(self.label_field_combo, labels.field)
        self._select_data(self.label_priority_combo, labels.priority_field)
        self.label_size_spin.setValue(labels.size)
        index = self.label_color_combo.findData(
            labels.color.upper(), flags=Qt.MatchFlag.MatchFixedString
        )
        if index < 0:
            self.label_color_combo.addItem(
                _color_icon(labels.color), labels.color.upper(), labels.color
            )
            index = self.label_color_combo.count() - 1
        self.label_color_combo.setCurrentIndex(index)
        self.label_halo_spin.setValue(labels.halo_width)
        self.label_bold_check.setChecked(labels.bold)
        self.label_max_scale_spin.setValue(labels.max_metres_per_pixel)

    def _label_style(self, current: LabelStyle) -> LabelStyle:
        """The label properties the controls describe (others kept from ``current``)."""
        return LabelStyle(
            field=self.label_field_combo.currentData(),
            size=self.label_size_spin.value(),
            color=self.label_color_combo.currentData() or current.color,
            halo_color=current.halo_color,
            halo_width=self.label_halo_spin.value(),
            priority_field=self.label_priority_combo.currentData(),
            min_metres_per_pixel=current.min_metres_per_pixel,
            max_metres_per_pixel=self.label_max_scale_spin.value(),
            bold=self.label_bold_check.isChecked(),
        )

    @staticmethod
    def _colormap_combo() -> QComboBox:
        combo = QComboBox()
        for key, label in COLORMAP_CHOICES:
            combo.addItem(label, key)
        return combo

    @staticmethod
    def _value_spin() -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setRange(-1e12, 1e12)
        spin.setDecimals(2)
        spin.setGroupSeparatorShown(True)
        return spin

    def _select_color(self, color: str) -> None:
        index = self.color_combo.findData(color.upper(), flags=Qt.MatchFlag.MatchFixedString)
        if index < 0:
            self.color_combo.addItem(_color_icon(color), color.upper(), color.upper())
            index = self.color_combo.count() - 1
        self.color_combo.setCurrentIndex(index)

    def _choose_custom_color(self) -> None:
        current = QColor(self.color_combo.currentData() or "#56B4E9")
        chosen = QColorDialog.getColor(current, self, tr("Fill colour"))
        if chosen.isValid():
            self._select_color(chosen.name())

    @staticmethod
    def _select_data(combo: QComboBox, value) -> None:
        index = combo.findData(value)
        if index >= 0:
            combo.setCurrentIndex(index)
