"""The two step views of the story dock (:mod:`twin.ui.panels.story`): the list of a
story's steps, reordered by dragging (:class:`StoryStepList`), and the editor of the
selected step's title, text and KPI cards (:class:`StoryStepEditor`). They show what the
dock gives them and announce what the user did; the dock turns that into undoable edits."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from twin.i18n import tr
from twin.kpi import Figure
from twin.story import MAX_KPI_CARDS, StoryStep
from twin.ui.presentation.kpi_chooser import KpiChooser

INDEX_ROLE = Qt.ItemDataRole.UserRole  # a step item's index in the story
SHOW_TEXT = {
    "baseline": "baseline",
    "scenario": "{scenario}",
    "swipe": "swipe {compare_with} | {scenario}",
    "side_by_side": "{compare_with} | {scenario}",
}


def step_summary(index: int, step: StoryStep) -> str:
    """The list text of a step: number, title and what it shows."""
    shown = SHOW_TEXT[step.show].format(
        scenario=step.scenario or "", compare_with=step.compare_with or tr("Baseline")
    )
    return f"{index + 1}. {step.title}  ({shown})"


class StoryStepList(QListWidget):
    """A story's steps, one row each (:func:`step_summary`, the text as tooltip).

    Signals: ``reordered(order)`` when the user drags a step to a new place (``order``: the
    steps' former indices in their new order), ``step_activated(index)`` on a
    double-click."""

    reordered = Signal(list)
    step_activated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("step_list")
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self._filling = False
        self.itemDoubleClicked.connect(self._on_double_clicked)
        self.model().rowsMoved.connect(self._on_rows_moved)

    def show_steps(self, steps: list[StoryStep], index: int) -> None:
        """Show ``steps`` and select row ``index`` (clamped to the rows there are)."""
        self._filling = True
        try:
            self.clear()
            for number, step in enumerate(steps):
                item = QListWidgetItem(step_summary(number, step))
                item.setData(INDEX_ROLE, number)
                item.setToolTip(step.text)
                self.addItem(item)
            if self.count():
                self.setCurrentRow(max(0, min(index, self.count() - 1)))
        finally:
            self._filling = False

    def _on_double_clicked(self, item: QListWidgetItem) -> None:
        index = item.data(INDEX_ROLE)
        if isinstance(index, int):
            self.step_activated.emit(index)

    def _on_rows_moved(self, *_args) -> None:
        if not self._filling:
            self.reordered.emit([self.item(row).data(INDEX_ROLE) for row in range(self.count())])


class StoryStepEditor(QWidget):
    """The selected step's title, text and KPI cards (up to :data:`MAX_KPI_CARDS`).

    Signals: ``caption_edited(title, text)`` when the title is confirmed or the text loses
    focus, ``kpis_chosen(keys)`` when a card is checked or unchecked, ``refused(message)``
    when a card cannot be added."""

    caption_edited = Signal(str, str)
    kpis_chosen = Signal(tuple)
    refused = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("step_title")
        self.title_edit.editingFinished.connect(self._on_caption_edited)
        self.text_edit = QPlainTextEdit()
        self.text_edit.setObjectName("step_text")
        self.text_edit.setPlaceholderText(tr("What the council should see on this step"))
        self.text_edit.setMaximumHeight(110)
        self.text_edit.installEventFilter(self)
        self.kpi_list = KpiChooser()
        self.kpi_list.chosen.connect(self.kpis_chosen)
        self.kpi_list.refused.connect(self.refused)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        form.addRow(tr("Title:"), self.title_edit)
        form.addRow(tr("Text:"), self.text_edit)
        layout.addLayout(form)
        layout.addWidget(QLabel(tr("KPI cards (up to {count}):").format(count=MAX_KPI_CARDS)))
        layout.addWidget(self.kpi_list)

    def show_step(self, step: StoryStep | None, figures: list[Figure]) -> None:
        """Show ``step``'s caption and cards (``figures``' keys offered); None: empty and
        disabled."""
        for widget in (self.title_edit, self.text_edit, self.kpi_list):
            widget.setEnabled(step is not None)
        self.title_edit.setText(step.title if step else "")
        if self.text_edit.toPlainText() != (step.text if step else ""):
            self.text_edit.setPlainText(step.text if step else "")
        self.kpi_list.set_choices(figures, step.kpis if step else ())

    def _on_caption_edited(self) -> None:
        self.caption_edited.emit(self.title_edit.text(), self.text_edit.toPlainText())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The step text is committed when its editor loses focus."""
        if watched is self.text_edit and event.type() == QEvent.Type.FocusOut:
            self._on_caption_edited()
        return super().eventFilter(watched, event)
