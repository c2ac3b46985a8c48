"""Status bar widgets: cursor coordinates (project CRS and WGS84), the map scale, and the
running jobs (progress and Cancel, in place of any progress dialog)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from twin.i18n import tr
from twin.ui.workers import JobHandle, job_board

if TYPE_CHECKING:
    from pyproj import CRS

INCH_IN_METRES = 0.0254


def _group(value: float) -> str:
    """``351912`` -> ``"351 912"`` (space-grouped thousands, no decimals)."""
    return f"{round(value):,}".replace(",", " ")


class CoordinateFormatter:
    """Formats a point given in the project CRS, e.g.
    ``X 351 912 m  Y 6 789 123 m  |  48.1113° N 1.6794° W`` (WGS84 to 4 decimals, ~10 m).
    """

    def __init__(self, crs: CRS | str | int) -> None:
        from pyproj import CRS, Transformer

        self.crs = CRS.from_user_input(crs)
        self._to_wgs84 = Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
        axis = self.crs.axis_info[0] if self.crs.axis_info else None
        unit = (axis.unit_name if axis else "").lower()
        self.geographic = self.crs.is_geographic
        self.unit = "m" if unit in ("metre", "meter", "m") else ("ft" if "foot" in unit else unit)

    def project_text(self, x: float, y: float) -> str:
        """The point in project units (metres for a projected CRS)."""
        if self.geographic:
            return f"Lon {x:.5f}°  Lat {y:.5f}°"
        return f"X {_group(x)} {self.unit}  Y {_group(y)} {self.unit}"

    def wgs84_text(self, x: float, y: float) -> str:
        """The point in WGS84 degrees with hemispheres (empty if it cannot be transformed)."""
        lon, lat = self._to_wgs84.transform(x, y)
        if not (math.isfinite(lon) and math.isfinite(lat)):
            return ""
        north_south = "N" if lat >= 0 else "S"
        east_west = "E" if lon >= 0 else "W"
        return f"{abs(lat):.4f}° {north_south} {abs(lon):.4f}° {east_west}"

    def text(self, x: float, y: float) -> str:
        """Both: project coordinates, then WGS84."""
        wgs84 = self.wgs84_text(x, y)
        return f"{self.project_text(x, y)}  |  {wgs84}" if wgs84 else self.project_text(x, y)


def scale_denominator(view_width_metres: float, widget_width_pixels: float, dpi: float) -> float:
    """The map scale 1:N for a view ``view_width_metres`` wide shown on ``widget_width_pixels``
    screen pixels at ``dpi`` dots per inch (N = metres per pixel / metres per screen dot).
    """
    if widget_width_pixels <= 0 or dpi <= 0:
        return math.nan
    metres_per_pixel = view_width_metres / widget_width_pixels
    return metres_per_pixel / (INCH_IN_METRES / dpi)


def format_scale(denominator: float) -> str:
    """``25012.3`` -> ``"Scale 1:25 000"`` (rounded to 2 significant figures)."""
    if not math.isfinite(denominator) or denominator <= 0:
        return tr("Scale –")
    magnitude = 10 ** max(0, math.floor(math.log10(denominator)) - 1)
    return tr("Scale 1:{denominator}").format(
        denominator=_group(round(denominator / magnitude) * magnitude)
    )


class CoordinateLabel(QLabel):
    """Shows the cursor position: project CRS with units, then WGS84 degrees."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.formatter: CoordinateFormatter | None = None
        widest = "X 351 912 m  Y 6 789 123 m  |  48.1113° N 11.6794° W"  # (no jitter)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance(widest) + 8)
        self.setToolTip(tr("Cursor position: project CRS (metres) and WGS84 (degrees)"))

    def set_crs(self, crs: CRS | str | int | None) -> None:
        """Use the project's CRS."""
        self.formatter = CoordinateFormatter(crs) if crs is not None else None
        self.setText(tr("Move the cursor over the map") if crs is not None else "")

    def show_position(self, x: float, y: float) -> None:
        """Show the cursor at (x, y) in project coordinates."""
        if self.formatter is not None:
            self.setText(self.formatter.text(x, y))


class ScaleLabel(QLabel):
    """Shows the map scale 1:N for the current view."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("Scale –"), parent)
        self.setMinimumWidth(130)
        self.setToolTip(tr("Map scale at this screen's resolution"))

    def show_view(
        self, bbox: tuple[float, float, float, float], width_pixels: float, dpi: float
    ) -> None:
        """Show the scale of a view box (project metres) drawn ``width_pixels`` wide."""
        self.setText(format_scale(scale_denominator(bbox[2] - bbox[0], width_pixels, dpi)))


class ElidedLabel(QLabel):
    """A one-line label that shows as much of its text as its width allows, elided in the
    middle with "…" (a squeezed status bar cuts no word in half); the whole text is its
    tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.full_text = ""

    def set_full_text(self, text: str) -> None:
        """Show ``text``, elided to the label's current width."""
        changed = text != self.full_text
        self.full_text = text
        self.setToolTip(text)
        if changed:
            self.updateGeometry()  # the layout asks the new size hint
        self._elide()

    def resizeEvent(self, event) -> None:
        """Elide again for the new width."""
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = min(self.width(), self.maximumWidth())
        shown = self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideMiddle, width)
        if shown != self.text():
            self.setText(shown)

    def minimumSizeHint(self):
        """As narrow as the minimum width: the text elides rather than widening the bar."""
        hint = super().minimumSizeHint()
        hint.setWidth(self.minimumWidth())
        return hint

    def sizeHint(self):
        """Wide enough for the whole text, up to the maximum width."""
        hint = super().sizeHint()
        needed = self.fontMetrics().horizontalAdvance(self.full_text) + 4
        hint.setWidth(min(self.maximumWidth(), max(self.minimumWidth(), needed)))
        return hint


class JobProgress(QWidget):
    """The running jobs in the status bar: the newest one's title and message, a small
    progress bar (%) and a Cancel button, and "+N more" (its tooltip lists them all) when
    several run at once. Hidden when nothing runs. Nothing is modal: the map stays usable.
    """

    MESSAGE_WIDTH = 380  # pixels; longer messages (or a narrower bar) elide in the middle

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message_label = ElidedLabel()
        self.message_label.setMinimumWidth(120)
        self.message_label.setMaximumWidth(self.MESSAGE_WIDTH)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setFormat("%p %")
        self.progress_bar.setFixedWidth(120)
        self.progress_bar.setMaximumHeight(16)
        self.cancel_button = QToolButton()
        self.cancel_button.setText(tr("Cancel"))
        self.cancel_button.setToolTip(tr("Stop this job"))
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.more_label = QLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.setSpacing(6)
        layout.addWidget(self.message_label)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.more_label)
        board = job_board()
        board.job_shown.connect(self._on_board_changed)
        board.job_changed.connect(self._on_board_changed)
        board.job_ended.connect(self._on_board_changed)
        self._refresh()

    def current_job(self) -> JobHandle | None:
        """The job shown (the newest running one), or None."""
        shown = job_board().shown
        return shown[-1] if shown else None

    def _on_board_changed(self, _handle: JobHandle) -> None:
        self._refresh()

    def _refresh(self) -> None:
        shown = list(job_board().shown)
        if not shown:
            self.hide()
            return
        job = shown[-1]
        text = (
            tr("{title}: {message}").format(title=job.title, message=job.message)
            if job.message
            else f"{job.title}…"
        )
        self.message_label.set_full_text(text)
        self.progress_bar.setValue(round(job.percent))
        self.cancel_button.setEnabled(not job.cancel_requested)
        self.cancel_button.setText(tr("Cancelling…") if job.cancel_requested else tr("Cancel"))
        self.more_label.setVisible(len(shown) > 1)
        self.more_label.setText(tr("+{0} more").format(len(shown) - 1))
        self.more_label.setToolTip(
            "\n".join(f"{other.title}: {round(other.percent)} %" for other in shown)
        )
        self.show()

    def _on_cancel_clicked(self) -> None:
        job = self.current_job()
        if job is not None:
            job.cancel()
