"""The KPIs of two scenarios side by side, with copy and CSV export."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from twin.errors import TwinError
from twin.i18n import tr
from twin.kpi import Figure
from twin.ui.panels.kpi_table import FigureTable, rows_from_two


class CompareTable(QWidget):
    """Figure | scenario A | scenario B | B − A, every number with its unit, grouped by
    domain; Copy (tab-separated) and Export CSV (plain numbers)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = FigureTable("A", "B")
        self.copy_button = QPushButton(tr("Copy"))
        self.copy_button.setToolTip(tr("Copy the table (tab-separated, for a spreadsheet)"))
        self.export_button = QPushButton(tr("Export CSV…"))
        self.copy_button.clicked.connect(self.table.copy_to_clipboard)
        self.export_button.clicked.connect(self._ask_export)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def set_figures(
        self,
        figures_a: list[Figure],
        figures_b: list[Figure],
        name_a: str,
        name_b: str,
        a_is_baseline: bool = False,
    ) -> None:
        """Show scenario A's and B's figures (matched by key). With ``a_is_baseline`` A's
        values are the baselines carried by B's figures."""
        self.table.set_titles(name_a, name_b)
        self.table.set_rows(rows_from_two(figures_a, figures_b, a_is_baseline))

    def csv_text(self) -> str:
        """The table as CSV: domain, key, label, unit, A, B, change (plain numbers)."""
        return self.table.csv_text()

    def copy_to_clipboard(self) -> str:
        """Copy the table as shown (tab-separated); returns the text."""
        return self.table.copy_to_clipboard()

    def export_csv(self, path) -> None:
        """Write :meth:`csv_text` to ``path``."""
        self.table.export_csv(path)

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, tr("Export comparison as CSV"), "comparison.csv", tr("CSV (*.csv)")
        )
        if not path:
            return
        try:
            self.export_csv(path)
        except (OSError, TwinError) as error:
            QMessageBox.warning(self, tr("Export comparison"), str(error))
