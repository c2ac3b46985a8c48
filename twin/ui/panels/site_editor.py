"""The site editor (cells inspector): the selected site's height, model and cells (band,
power, azimuth, tilts), each change an undoable intervention of the current scenario.

A site added by the scenario is edited by changing its AddMobileSite; a baseline site gets
an EditMobileCell intervention (the baseline layer itself is never changed).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from twin.errors import TwinError
from twin.i18n import N_, tr
from twin.layers.radio_sites import BANDS_MHZ
from twin.scenario import AddMobileSite, EditMobileCell
from twin.sim.radio.propagation import MODELS

# (column title, Cell field, CellSpec field, low, high)
CELL_COLUMNS = (
    (N_("Band\nMHz"), "band_mhz", "band_mhz", 700, 3500),
    (N_("Power\ndBm"), "tx_power_dbm", "tx_power_dbm", 0, 60),
    (N_("Azimuth\n°"), "azimuth_deg", "azimuth_deg", 0, 360),
    (N_("Mech.\ntilt °"), "mechanical_tilt_deg", "mechanical_tilt_deg", -10, 20),
    (N_("Elec.\ntilt °"), "electrical_tilt_deg", "electrical_tilt_deg", 0, 20),
)


class SiteEditor(QWidget):
    """Edits one site of the current scenario through the controller."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = None
        self.site_id: str | None = None
        self._filling = False
        self.title = QLabel(tr("Select a site with the Move site tool to edit its cells."))
        self.title.setWordWrap(True)
        self.height_box = QDoubleSpinBox()
        self.height_box.setRange(1.0, 200.0)
        self.height_box.setSuffix(" m")
        self.height_box.setKeyboardTracking(False)
        self.height_box.valueChanged.connect(self._on_height_changed)
        self.model_box = QComboBox()
        self.model_box.addItems(sorted(MODELS))
        self.model_box.currentTextChanged.connect(self._on_model_changed)
        self.table = QTableWidget(0, len(CELL_COLUMNS) + 1)
        self.table.setHorizontalHeaderLabels([tr("Cell")] + [tr(c[0]) for c in CELL_COLUMNS])
        self.table.verticalHeader().setVisible(False)
        self.table.cellChanged.connect(self._on_cell_changed)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow(tr("Antenna height"), self.height_box)
        form.addRow(tr("Propagation model"), self.model_box)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        self._set_enabled(False)

    def bind(self, controller) -> None:
        """Edit sites of ``controller``'s current scenario."""
        self.controller = controller
        controller.scenarios_changed.connect(self.refresh)
        controller.current_changed.connect(lambda _name: self.refresh())

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.height_box, self.model_box, self.table):
            widget.setEnabled(enabled)

    # --- display --------------------------------------------------------------------------
    def show_site(self, site_id: str | None) -> None:
        """Show ``site_id``'s cells (None: nothing)."""
        self.site_id = site_id
        self.refresh()

    def site(self):
        """The engine Site as the current scenario has it (None if unknown)."""
        if self.controller is None or self.site_id is None:
            return None
        return self.controller.sites.sites(self.controller.current_interventions()).get(
            self.site_id
        )

    def refresh(self) -> None:
        """Redraw from the current scenario."""
        site = self.site()
        self._filling = True
        try:
            self._set_enabled(site is not None)
            # with no site the box shows a dash (Qt shows the special text at the minimum)
            self.height_box.setMinimum(0.0 if site is None else 1.0)
            self.height_box.setSpecialValueText("–" if site is None else "")
            if site is None:
                self.height_box.setValue(0.0)
                self.table.setRowCount(0)
                self.title.setText(tr("Select a site with the Move site tool to edit its cells."))
                return
            self.title.setText(
                tr("<b>Site '{0}'</b> ({1})").format(site.name or site.site_id, site.site_id)
            )
            self.height_box.setValue(site.height_m)
            self.model_box.setCurrentText(site.cells[0].model if site.cells else "3gpp-uma")
            self.table.setRowCount(len(site.cells))
            for row, cell in enumerate(site.cells):
                self.table.setItem(row, 0, QTableWidgetItem(f"{cell.cell_id} ({cell.technology})"))
                for column, (_title, field, _spec, _low, _high) in enumerate(CELL_COLUMNS, 1):
                    value = getattr(cell, field)
                    self.table.setItem(row, column, QTableWidgetItem(f"{value:g}"))
            self.table.resizeColumnsToContents()
        finally:
            self._filling = False

    # --- edits ------------------------------------------------------------------------------
    def _added_index(self) -> int | None:
        scenario = self.controller.current_scenario()
        if scenario is None:
            return None
        for index, item in enumerate(scenario.interventions):
            if isinstance(item, AddMobileSite) and item.site_id == self.site_id:
                return index
        return None

    def _apply(self, cell_index: int | None, changes: dict) -> None:
        """Record ``changes`` (Cell field -> value) of one cell (None: every cell)."""
        site = self.site()
        if site is None or self.controller is None:
            return
        try:
            index = self._added_index()
            if index is not None:
                added = self.controller.current_scenario().interventions[index]
                height = changes.pop("height_m", added.height_m)
                model = changes.pop("model", added.model)
                cells = list(added.cells)
                for k, spec in enumerate(cells):
                    if cell_index is None or k == cell_index:
                        cells[k] = replace(spec, **changes)
                updated = replace(added, height_m=height, model=model, cells=tuple(cells))
                self.controller.modify_intervention(index, updated)
            else:
                targets = site.cells if cell_index is None else [site.cells[cell_index]]
                self.controller.undo_stack.beginMacro(tr("Edit site '{0}'").format(site.site_id))
                try:
                    for cell in targets:
                        self.controller.add_intervention(
                            EditMobileCell(site.site_id, cell.cell_id, dict(changes))
                        )
                finally:
                    self.controller.undo_stack.endMacro()
            self.message.setText("")
        except (TwinError, TypeError, ValueError) as error:
            self.message.setText(str(error))
        self.refresh()

    def set_cell_value(self, row: int, field: str, value: float) -> None:
        """Change ``field`` of the cell in ``row`` (as an edit in the table does)."""
        if field == "band_mhz" and round(value) not in BANDS_MHZ:
            self.message.setText(
                tr("{value:g} MHz is not a band: use one of {BANDS_MHZ}").format(
                    value=value, BANDS_MHZ=BANDS_MHZ
                )
            )
            self.refresh()
            return
        low, high = next((c[3], c[4]) for c in CELL_COLUMNS if c[1] == field)
        if not low <= value <= high:
            self.message.setText(
                tr("{value:g} is outside {low}..{high}").format(value=value, low=low, high=high)
            )
            self.refresh()
            return
        changes: dict = {field: int(value) if field == "band_mhz" else float(value)}
        if field == "band_mhz":
            changes["technology"] = "5G" if value >= 3000 else "4G"
        self._apply(row, changes)

    def _on_cell_changed(self, row: int, column: int) -> None:
        if self._filling or column == 0:
            return
        text = self.table.item(row, column).text().replace(",", ".").strip()
        try:
            value = float(text)
        except ValueError:
            self.message.setText(tr("'{text}' is not a number").format(text=text))
            self.refresh()
            return
        self.set_cell_value(row, CELL_COLUMNS[column - 1][1], value)

    def _on_height_changed(self, value: float) -> None:
        site = self.site()
        if not self._filling and site is not None and abs(value - site.height_m) > 1e-9:
            self._apply(None if self._added_index() is not None else 0, {"height_m": value})

    def _on_model_changed(self, model: str) -> None:
        site = self.site()
        if not self._filling and site is not None and site.cells and model != site.cells[0].model:
            self._apply(None, {"model": model})
