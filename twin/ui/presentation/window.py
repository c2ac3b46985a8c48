"""The presentation window: a story shown full screen, step by step, for a council.

Keys are those a presentation clicker sends: next = Right, Down, PageDown, Space; previous
= Left, Up, PageUp; Home/End the first/last step; B blanks the screen (B again, or moving,
brings it back); digits then Enter jump to that step; Esc leaves. Between steps the camera
eases to the next extent in :data:`TRANSITION_MS` (ease-in-out) on the event loop, and a
swipe divider slides to its new position. Scenario results and figures come from
``data_source`` (scenario name -> :class:`~twin.ui.compare.window.ScenarioData`), which may
run engines: it is called in a worker, never on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QEasingCurve, Qt, QTimer, QVariantAnimation, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QScreen
from PySide6.QtWidgets import QLabel, QWidget

from twin.i18n import tr
from twin.kpi import Figure
from twin.layout import KpiCard
from twin.project import Project
from twin.story import StoryStep
from twin.ui.compare.maps import is_result_layer
from twin.ui.compare.window import ScenarioData
from twin.ui.presentation.camera import CameraView
from twin.ui.presentation.overlays import (
    BlankOverlay,
    CaptionOverlay,
    CounterOverlay,
    KpiCardsOverlay,
    LegendOverlay,
)
from twin.ui.presentation.stage import BBox, MapStage, ease_bbox

TRANSITION_MS = 800  # camera move between two steps (issue 11: about 0.8 s)
PRERENDER_MS = 400  # after a step settles, picture its maps for the next move
NEXT_KEYS = {Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_PageDown, Qt.Key.Key_Space}
PREVIOUS_KEYS = {Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_PageUp, Qt.Key.Key_Backspace}
ENTER_KEYS = {Qt.Key.Key_Return, Qt.Key.Key_Enter}
LEGEND_GROUPS = 3  # at most this many layers in the legend overlay
DataSource = Callable[[str | None], ScenarioData]


def presentation_screen(preferred: int | None = None) -> QScreen:
    """The screen to present on: screen ``preferred`` (index in
    ``QGuiApplication.screens()``) when it exists, else the second screen when there is
    one (the projector), else the primary screen."""
    screens = QGuiApplication.screens()
    if preferred is not None and 0 <= preferred < len(screens):
        return screens[preferred]
    return screens[1] if len(screens) > 1 else QGuiApplication.primaryScreen()


def step_names(step: StoryStep) -> list[str | None]:
    """The scenarios a step shows (None = the baseline), left first."""
    if step.show == "baseline":
        return [None]
    if step.show == "scenario":
        return [step.scenario]
    return [step.compare_with, step.scenario]


class PresentationWindow(QWidget):
    """A story's steps over one map, full screen (see the module docstring for keys).

    Signals: ``step_shown(index)`` when a step is put up, ``transition_finished(index)``
    when its camera move has ended, ``closed()`` when the presenter leaves (Esc)."""

    step_shown = Signal(int)
    transition_finished = Signal(int)
    closed = Signal()

    def __init__(
        self,
        project: Project,
        steps: list[StoryStep],
        data_source: DataSource | None = None,
        start: int = 0,
        title: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(f"{title or tr('Story')} — twin")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setStyleSheet("PresentationWindow { background: #FFFFFF; }")
        self.project = project
        self.steps = list(steps)
        self.data_source = data_source
        self.data: dict[str | None, ScenarioData] = {}
        self.index = -1
        self.typed = ""
        self.jobs: dict[str | None, object] = {}
        self.errors: dict[str | None, str] = {}  # scenario -> why it cannot be shown
        self.stage = MapStage(project, self)
        self.camera_view = CameraView(self)  # draws the maps while the camera moves
        self.caption = CaptionOverlay(self)
        self.cards = KpiCardsOverlay(self)
        self.legend = LegendOverlay(self)
        self.counter = CounterOverlay(self)
        self.message = QLabel(self)
        self.message.setStyleSheet("color: #B03A00; background: rgba(255,255,255,220);")
        self.message.hide()
        self.blank = BlankOverlay(self)
        self._from: tuple[BBox, float | None] | None = None
        self.camera: tuple[BBox | None, float | None] = (None, None)  # as drawn now
        self._to: tuple[BBox, float] | None = None
        self.animation = QVariantAnimation(self)
        self.animation.setStartValue(0.0)
        self.animation.setEndValue(1.0)
        self.animation.setDuration(TRANSITION_MS)
        self.animation.setEasingCurve(QEasingCurve.Type.InOutCubic)
        self.animation.valueChanged.connect(self._on_tick)
        self.animation.finished.connect(self._on_transition_end)
        self._prerender_timer = QTimer(self)
        self._prerender_timer.setSingleShot(True)
        self._prerender_timer.setInterval(PRERENDER_MS)
        self._prerender_timer.timeout.connect(self._prerender)
        self.resize(1280, 720)
        if self.steps:
            self.go_to(start, animate=False)

    # --- showing -------------------------------------------------------------------------
    def present_on(self, screen: QScreen) -> None:
        """Show the window full screen on ``screen``."""
        self.setScreen(screen)
        self.setGeometry(screen.geometry())
        self.showFullScreen()
        self.activateWindow()
        self.setFocus()

    def is_blank(self) -> bool:
        """True while the screen is black (key B)."""
        return self.blank.isVisible()

    def set_blank(self, blank: bool) -> None:
        """Black the screen out (or bring the story back)."""
        self.blank.setGeometry(self.rect())
        self.blank.setVisible(blank)
        if blank:
            self.blank.raise_()

    def animating(self) -> bool:
        """True while the camera moves between two steps."""
        return self.animation.state() == QVariantAnimation.State.Running

    def current_step(self) -> StoryStep | None:
        """The step shown (None for an empty story)."""
        return self.steps[self.index] if 0 <= self.index < len(self.steps) else None

    def target_bbox(self, step: StoryStep) -> BBox:
        """Where the camera goes for ``step``: its extent, else the whole territory."""
        if step.extent is not None:
            return step.extent
        return tuple(self.project.extent)  # type: ignore[return-value]

    def go_to(self, index: int, animate: bool = True) -> None:
        """Show step ``index`` (0-based, clamped), easing the camera there if ``animate``."""
        if not self.steps:
            return
        index = max(0, min(index, len(self.steps) - 1))
        if index == self.index:
            return
        self.index = index
        step = self.steps[index]
        for name in step_names(step):
            self._request(name)
        if self.animating():  # a new step during a move: go on from where the camera is
            start = self.camera
        else:
            start = (self.stage.current_bbox(), self.stage.divider())
        self.animation.stop()
        self.camera_view.end()
        self.stage.show_step(step, self.data)
        self._show_overlays(step)
        self.step_shown.emit(index)
        for name in step_names(self.steps[min(index + 1, len(self.steps) - 1)]):
            self._request(name)  # the next step's results, while this one is talked over
        target = (self.target_bbox(step), step.divider)
        if animate and start[0] is not None and self.stage.canvases():
            self._from, self._to = (start[0], start[1]), target
            self.camera_view.begin(self.stage, start[0], target[0], target[1])
            self.camera_view.stackUnder(self.caption)
            self._on_tick(0.0)
            self.animation.start()
        else:
            self._from, self._to = None, target
            self._on_transition_end()

    def next(self) -> None:
        """The following step."""
        self.go_to(self.index + 1)

    def previous(self) -> None:
        """The step before."""
        self.go_to(self.index - 1)

    def _on_tick(self, value) -> None:
        if self._from is None or self._to is None:
            return
        t = float(value)
        (bbox0, divider0), (bbox1, divider1) = self._from, self._to
        divider = None
        if self.stage.divider() is not None:
            start = divider0 if divider0 is not None else divider1
            divider = start + (divider1 - start) * t
        self.camera = (ease_bbox(bbox0, bbox1, t), divider)
        self.camera_view.set_camera(*self.camera)

    def _on_transition_end(self) -> None:
        self.camera_view.end()
        if self._to is not None:
            self.stage.set_bbox(self._to[0])
            self.stage.set_divider(self._to[1])
        self.camera = (self.stage.current_bbox(), self.stage.divider())
        self._from = None
        self._prerender_timer.start()
        self.transition_finished.emit(self.index)

    def _prerender(self) -> None:
        """While the step is talked over, render the pictures the next move starts from
        and build the next step's map view (a move then starts at once)."""
        if self.animating() or not self.isVisible():
            return
        for canvas in self.stage.canvases():
            self.camera_view.picture(canvas)
        following = self.steps[min(self.index + 1, len(self.steps) - 1)]
        if all(name in self.data for name in step_names(following)):
            self.stage.prepare(following, self.data)

    # --- data ----------------------------------------------------------------------------
    def _request(self, name: str | None) -> None:
        """Fetch scenario ``name``'s results and figures in a worker (once)."""
        if self.data_source is None or name in self.data or name in self.jobs:
            return
        from twin.ui.workers import run_job

        source = self.data_source
        self.jobs[name] = run_job(
            lambda _feedback: source(name),
            title=tr("Preparing the story"),
            parent=self,
            on_result=lambda data, n=name: self._on_data(n, data),
            on_error=lambda error, n=name: self._on_data_error(n, error),
            show_progress=False,
        )

    def _on_data(self, name: str | None, data: ScenarioData) -> None:
        self.data[name] = data
        if not self.animating():
            self._prerender_timer.start()  # the next step's view may be built now
        step = self.current_step()
        if step is not None and name in step_names(step):
            bbox = self._to[0] if self._to is not None and not self.animating() else None
            self.stage.show_step(step, self.data)
            if bbox is not None:
                self.stage.set_bbox(bbox)
                self.stage.set_divider(step.divider)
            self._show_overlays(step)

    def _on_data_error(self, name: str | None, error: BaseException) -> None:
        self.errors[name] = f"{name or tr('Baseline')}: {error}"
        step = self.current_step()
        if step is not None:
            self._show_overlays(step)

    # --- overlays --------------------------------------------------------------------------
    def cards_for(self, step: StoryStep) -> list[KpiCard]:
        """The step's KPI cards: value, change against the baseline and unit, through the
        privacy gate (:meth:`KpiCard.from_figure`); "…" while its scenario is computed."""
        names = step_names(step)
        data = self.data.get(names[-1])
        figures: dict[str, Figure] = {f.key: f for f in (data.figures if data else [])}
        cards = []
        for key in step.kpis:
            figure = figures.get(key)
            if figure is None:
                cards.append(KpiCard(key, "…"))
                continue
            card = KpiCard.from_figure(figure)
            if step.show == "baseline":
                card = replace(card, delta="", tone="")
            cards.append(card)
        return cards

    def _show_overlays(self, step: StoryStep) -> None:
        height = max(1, self.height())
        self.stage.set_scale(height)
        self.caption.set_caption(step.title, step.text)
        self.caption.set_scale(height)
        self.cards.set_cards(self.cards_for(step), height)
        shown = self.stage.shown_layers()
        # the step's results first (what the step is about), then base layers with classes
        results = [layer for layer in shown if is_result_layer(layer)]
        classed = [
            layer
            for layer in shown
            if not is_result_layer(layer) and len(layer.legend_entries()) > 1
        ]
        legend_layers = (results + classed)[:LEGEND_GROUPS]
        self.legend.set_layers(legend_layers, height)
        self.counter.show_position(self.index, len(self.steps), self.typed, height)
        errors = [self.errors[name] for name in step_names(step) if name in self.errors]
        self.message.setText("\n".join(errors))
        self.message.setFont(self.counter.font())
        self.message.adjustSize()
        self.message.setVisible(bool(errors))
        self._place_overlays()

    def _place_overlays(self) -> None:
        width, height = self.width(), self.height()
        margin = round(height / 40)
        self.stage.setGeometry(self.rect())
        self.camera_view.setGeometry(self.rect())
        self.blank.setGeometry(self.rect())
        caption_width = min(round(width * 0.44), round(height * 0.85))
        caption_height = self.caption.heightForWidth(caption_width)
        if caption_height <= 0:
            caption_height = self.caption.sizeHint().height()
        self.caption.setGeometry(margin, margin + round(height / 22), caption_width, caption_height)
        legend_w, legend_h = self.legend.preferred_size(round(height * 0.45))
        self.legend.setGeometry(
            width - margin - legend_w, height - margin - legend_h, legend_w, legend_h
        )
        cards_right = width - 2 * margin - (legend_w if self.legend.isVisible() else 0)
        self.cards.place(margin, height - round(height / 14), cards_right - margin, height)
        self.counter.move((width - self.counter.width()) // 2, margin // 2)
        self.message.move(margin, height - margin - self.message.height())
        for overlay in (self.caption, self.cards, self.legend, self.counter, self.message):
            overlay.raise_()
        self.blank.raise_()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        step = self.current_step()
        if step is not None:
            self._show_overlays(step)
            if self._to is not None and not self.animating():
                self.stage.set_bbox(self._to[0])

    # --- keys ------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.close()
        elif key == Qt.Key.Key_B:
            self.set_blank(not self.is_blank())
        elif Qt.Key.Key_0 <= key <= Qt.Key.Key_9:
            self.typed = (self.typed + chr(key))[-3:]
            self._update_counter()
        elif key in ENTER_KEYS:
            if self.typed:
                number, self.typed = int(self.typed), ""
                self.set_blank(False)
                self._update_counter()
                if number >= 1:
                    self.go_to(number - 1)
        elif key in NEXT_KEYS:
            self._move(self.next)
        elif key in PREVIOUS_KEYS:
            self._move(self.previous)
        elif key == Qt.Key.Key_Home:
            self._move(lambda: self.go_to(0))
        elif key == Qt.Key.Key_End:
            self._move(lambda: self.go_to(len(self.steps) - 1))
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _move(self, move) -> None:
        self.typed = ""
        self.set_blank(False)
        move()
        self._update_counter()

    def _update_counter(self) -> None:
        self.counter.show_position(self.index, len(self.steps), self.typed, max(1, self.height()))
        self.counter.move((self.width() - self.counter.width()) // 2, round(self.height() / 80))

    def closeEvent(self, event) -> None:
        """Stop the camera and the workers' updates, detach the maps, say it is over."""
        self.animation.stop()
        self._prerender_timer.stop()
        for job in self.jobs.values():
            if not job.done:
                job.cancel()
        self.stage.release()
        super().closeEvent(event)
        self.closed.emit()
