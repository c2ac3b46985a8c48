"""The KPI dock: the current scenario against the baseline, every figure with its unit and
its change, grouped by domain, with bar charts of persons per coverage level and per PTAL
band; it follows the scenario controller live and can copy or export its table as CSV."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from twin.errors import TwinError
from twin.i18n import N_, tr
from twin.kpi import Figure
from twin.ui.panels.kpi_headline import NEUTRAL_COLOR, KpiHeadline
from twin.ui.panels.kpi_table import (
    FigureTable,
    baseline_row,
    change_color,
    row_texts,
    rows_from_figures,
)

if TYPE_CHECKING:  # (pyqtgraph's plots load with the charts: _build_charts)
    from twin.ui.panels.kpi_charts import CoverageChart, PtalChart

BUSY_DELAY_MS = 250  # "updating…" shows when engines run longer than this
FRAME_MS = 16  # one frame at 60 Hz: live figures are shown at most once per frame
#: ms: while a site is dragged, figures are shown at most this often (12 a second, still
#: read as live; the map shows every frame): each showing costs the UI thread a few ms
#: that the map's frames need under load
DRAG_FRAME_MS = 80
#: px: below this the dock scrolls. Small enough that a dock sharing its column with the
#: site editor (about 400 px) shows the headline and the whole chart; the table then
#: scrolls inside its own frame.
MIN_CONTENT_HEIGHT = 420
#: Figures summed up in the headline above the charts (when present), with short names.
HEADLINE = {
    "radio.4g_5g.persons.good_or_better": N_("Good 4G/5G coverage"),
    # a new 5G mast where 4G is already good changes only this line: show it too
    "radio.5g.persons.good_or_better": N_("Good 5G coverage"),
    "fiber.premises_eligible": N_("Fiber-eligible premises"),
    "transit.persons.ptal_3_or_better": N_("PTAL 3 or better"),
    "energy.violations": N_("Grid violations"),
    "capex.total": N_("Capex"),
    "cost.radio_per_person": N_("Capex per person gained"),
}


#: A figure's text ending in a unit word after any space ("+1 219 habitants", with a
#: no-break space in French): (number, unit word).
_UNIT_WORD = re.compile(r"^(.*\S)\s+([^\W\d_]+)$")


def _without_unit(change: str, value: str) -> str:
    """``change`` without its unit word when ``value`` beside it ends with one ("+1 219
    habitants" next to "416 132 habitants" reads "+1 219"): the headline fits a narrow dock."""
    match = _UNIT_WORD.match(change)
    return match.group(1) if match and _UNIT_WORD.match(value) else change


class KpiDock(QWidget):
    """Figures of the current scenario vs the baseline (table + charts), updated by
    :meth:`set_figures` (or live through :meth:`bind` to a ScenarioController).

    Signal: ``figures_shown(list[Figure])`` once the table, charts and headline show new
    figures (``twin --startup-time`` times the baseline KPIs by it)."""

    figures_shown = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.figures: list[Figure] = []
        self.controller = None
        self._pending: list[Figure] | None = None
        self._frame_timer = QTimer(self)
        self._frame_timer.setSingleShot(True)
        self._frame_timer.timeout.connect(self._show_pending)
        self._since_shown = QElapsedTimer()
        self.title_label = QLabel()
        self.title_label.setWordWrap(True)
        self.busy_label = QLabel(tr("updating…"))
        self.busy_label.setStyleSheet("color: #777777; font-weight: normal;")
        self.busy_label.hide()
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.setFlat(True)
        self.cancel_button.setToolTip(
            tr("Stop the fiber, transit and energy simulation (radio figures stay live)")
        )
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.cancel_button.hide()
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BUSY_DELAY_MS)
        self._busy_timer.timeout.connect(self.busy_label.show)
        self.headline_label = KpiHeadline()  # plain labels: redrawn on every drag update
        self._coverage_chart: CoverageChart | None = None  # built when first shown or used
        #: ``defer(callback)`` runs the charts' first build later (the main window passes
        #: "after the first map frame"); None: built at once when the dock is first shown
        self.defer_charts: Callable[[Callable[[], None]], None] | None = None
        self._ptal_chart: PtalChart | None = None
        self._chart_figures: dict[str, Figure] = {}
        self.table = FigureTable(tr("Baseline"), tr("Scenario"))
        self.table.compact_below_px = 460
        self.table.preferred_height = 150
        self.copy_button = QPushButton(tr("Copy"))
        self.copy_button.setToolTip(tr("Copy the table (tab-separated, for a spreadsheet)"))
        self.export_button = QPushButton(tr("Export CSV…"))
        self.copy_button.clicked.connect(self.table.copy_to_clipboard)
        self.export_button.clicked.connect(self._ask_export)

        title_row = QHBoxLayout()
        title_row.addWidget(self.title_label, 1)
        title_row.addWidget(self.busy_label)
        title_row.addWidget(self.cancel_button)
        charts = QTabWidget()
        charts.setDocumentMode(True)
        self._chart_pages = []
        for title in (tr("Coverage"), tr("PTAL")):
            page = QWidget()
            page_layout = QVBoxLayout(page)
            page_layout.setContentsMargins(0, 0, 0, 0)
            charts.addTab(page, title)
            self._chart_pages.append(page_layout)
        self.charts = charts
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.table)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.export_button)
        table_layout.addLayout(buttons)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(charts)
        self.splitter.addWidget(table_box)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        # in a short dock the content scrolls rather than squashing charts and table
        content = QWidget()
        content.setMinimumHeight(MIN_CONTENT_HEIGHT)
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.addWidget(self.headline_label)
        content_layout.addWidget(self.splitter, 1)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(title_row)
        layout.addWidget(self.scroll_area, 1)
        self.set_scenario_name(None)
        self.set_figures([])

    # --- charts ------------------------------------------------------------------------------
    @property
    def coverage_chart(self) -> CoverageChart:
        """Bar chart of persons per coverage level, baseline against scenario."""
        self._build_charts()
        return self._coverage_chart  # type: ignore[return-value]

    @property
    def ptal_chart(self) -> PtalChart:
        """Bar chart of persons per PTAL band, baseline against scenario."""
        self._build_charts()
        return self._ptal_chart  # type: ignore[return-value]

    def _build_charts(self) -> None:
        """Build the two charts (pyqtgraph plots, 0.05-0.1 s of the UI thread) the first
        time the dock is shown or they are used: the dock is a hidden tab when the app
        starts, and that time then goes to the first map frame."""
        if self._coverage_chart is not None:
            return
        from twin.ui.panels.kpi_charts import CoverageChart, PtalChart

        self._coverage_chart, self._ptal_chart = CoverageChart(), PtalChart()
        self._chart_pages[0].addWidget(self._coverage_chart)
        self._chart_pages[1].addWidget(self._ptal_chart)
        self._coverage_chart.set_figures(self._chart_figures)
        self._ptal_chart.set_figures(self._chart_figures)

    def showEvent(self, event) -> None:
        """Shown for the first time: the charts are built now, or when :attr:`defer_charts`
        says (see :meth:`_build_charts`)."""
        if self._coverage_chart is None and self.defer_charts is not None:
            defer, self.defer_charts = self.defer_charts, None
            defer(self._build_charts)
        else:
            self._build_charts()
        super().showEvent(event)

    # --- data --------------------------------------------------------------------------------
    def set_scenario_name(self, name: str | None) -> None:
        """Say which scenario the figures are for (None: the baseline alone)."""
        self.scenario_name = name
        title = (
            tr("<b>{name}</b> against the baseline").format(name=name)
            if name
            else f"<b>{tr('Baseline')}</b>"
        )
        self.title_label.setText(title)
        self.table.set_titles(tr("Baseline"), name or tr("Scenario"))

    def set_figures(self, figures: list[Figure]) -> None:
        """Show ``figures`` (value, baseline, unit) in the table and charts now. Only what
        changed is redrawn: the table's changed cells, the charts whose bars moved, the
        headline when its text changed; nothing when the figures are the same."""
        self._pending = None
        self._frame_timer.stop()
        self._since_shown.start()
        figures = list(figures)
        if figures == self.figures and self.table.rows:
            return
        self.figures = figures
        by_key = {f.key: f for f in self.figures}
        self.table.set_rows(rows_from_figures(self.figures))
        self._chart_figures = by_key
        if self._coverage_chart is not None and self._ptal_chart is not None:
            self._coverage_chart.set_figures(by_key)
            self._ptal_chart.set_figures(by_key)
        self._set_headline(by_key)
        self.figures_shown.emit(list(self.figures))

    def schedule_figures(self, figures: list[Figure]) -> None:
        """Show ``figures`` at the next frame: live updates arriving faster than one per
        frame (:data:`FRAME_MS` ms; :data:`DRAG_FRAME_MS` while a site is dragged) are
        coalesced and only the newest is drawn."""
        self._pending = list(figures)
        if self._frame_timer.isActive():
            return
        frame = DRAG_FRAME_MS if getattr(self.controller, "dragging", False) else FRAME_MS
        elapsed = self._since_shown.elapsed() if self._since_shown.isValid() else frame
        self._frame_timer.start(max(0, frame - int(elapsed)))

    def _show_pending(self) -> None:
        if self._pending is not None:
            self.set_figures(self._pending)

    def _set_headline(self, by_key: dict[str, Figure]) -> None:
        rows = []
        for key, short_label in HEADLINE.items():
            figure = by_key.get(key)
            if figure is None:
                continue
            row = baseline_row(figure)  # through the privacy gate
            color = change_color(row) or NEUTRAL_COLOR
            _label, _a, value_text, change = row_texts(row)
            change = _without_unit(change, value_text) if figure.baseline is not None else ""
            rows.append((tr(short_label), figure.label, value_text, change, color))
        self.headline_label.set_rows(rows, tr("No figures yet."))

    def set_busy(self, busy: bool) -> None:
        """Show "updating…" while engines run, from :data:`BUSY_DELAY_MS` on: a drag's
        updates (each a few tens of ms) do not make it blink."""
        if busy:
            if not self.busy_label.isVisible() and not self._busy_timer.isActive():
                self._busy_timer.start()
        else:
            self._busy_timer.stop()
            self.busy_label.hide()

    def set_slow_running(self, running: bool) -> None:
        """Offer Cancel while the fiber/transit/energy engines run."""
        self.cancel_button.setVisible(bool(running))

    def _on_cancel_clicked(self) -> None:
        if self.controller is not None and hasattr(self.controller, "cancel_slow"):
            self.controller.cancel_slow()

    def bind(self, controller) -> None:
        """Follow a ScenarioController: its figures, current scenario and busy state."""
        self.controller = controller
        self.table.explainer = getattr(controller, "lineage", None)  # "why this number"
        controller.figures_changed.connect(self.schedule_figures)
        controller.current_changed.connect(self.set_scenario_name)
        controller.busy_changed.connect(self.set_busy)
        slow_running_changed = getattr(controller, "slow_running_changed", None)
        if slow_running_changed is not None:
            slow_running_changed.connect(self.set_slow_running)
        current = controller.current_scenario()
        self.set_scenario_name(getattr(current, "name", None))
        self.set_figures(controller.figures())

    # --- export ------------------------------------------------------------------------------
    def csv_text(self) -> str:
        """The table as CSV (plain numbers with their unit column)."""
        return self.table.csv_text()

    def export_csv(self, path) -> None:
        """Write the table as CSV to ``path``."""
        self.table.export_csv(path)

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, tr("Export figures as CSV"), "figures.csv", tr("CSV (*.csv)")
        )
        if not path:
            return
        try:
            self.export_csv(path)
        except (OSError, TwinError) as error:
            QMessageBox.warning(self, tr("Export figures"), str(error))
