"""Where the main window's docks go, for the width it has.

Wide windows (at least :data:`COMPACT_BELOW_PX` pixels) keep two dock columns: layers,
legend, scenarios and timeline on the left; inspector, KPIs, style and site editor on the
right. Narrower windows (a laptop, a projector at 1280x720 or 1024x768) put every dock in
one tab group on the left, :func:`compact_dock_width` pixels wide, so the map keeps at
least :data:`MIN_MAP_SHARE` of the window's width and no dock stacks below another (their
tab bars then never run over the status bar).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QTabBar

COMPACT_BELOW_PX = 1400  # window width (pixels) under which the docks become one tab group
MIN_MAP_SHARE = 0.6  # the map's least share of the window's width in the compact layout
COMPACT_DOCK_PX = 360  # pixels: the tab group's width when the window allows it
LEFT_DOCK_WIDTH = 320  # pixels, wide layout
RIGHT_DOCK_WIDTH = 360  # pixels, wide layout
_LEFT = Qt.DockWidgetArea.LeftDockWidgetArea
_RIGHT = Qt.DockWidgetArea.RightDockWidgetArea


def compact_dock_width(window_width: int) -> int:
    """Width in pixels of the single dock column of a ``window_width`` pixels wide window:
    :data:`COMPACT_DOCK_PX`, less when the map would get under 60 % (with 4 % of slack for
    the splitter and frames)."""
    return max(160, min(COMPACT_DOCK_PX, int(window_width * (1 - MIN_MAP_SHARE - 0.04))))


@dataclass
class DockLayout:
    """The window's docks in groups (each group one tab stack, its first dock on top):
    ``left`` and ``right`` columns of groups, top to bottom, for the wide layout."""

    window: QMainWindow
    left: list[list[QDockWidget]] = field(default_factory=list)
    right: list[list[QDockWidget]] = field(default_factory=list)
    compact: bool | None = None  # None until first arranged

    def docks(self) -> list[QDockWidget]:
        """Every dock, left column first."""
        return [dock for group in self.left + self.right for dock in group]

    def fit(self, width: int) -> bool:
        """Arrange for a window ``width`` pixels wide; True if the arrangement changed."""
        compact = width < COMPACT_BELOW_PX
        if compact == self.compact:
            if compact:
                self._size_compact(width)
            return False
        self.compact = compact
        visible = {dock: not dock.isHidden() for dock in self.docks()}
        for dock in self.docks():  # out of their old tab groups, so no stale tab bar stays
            self.window.removeDockWidget(dock)
        if compact:
            self._place([[dock for dock in self.docks()]], _LEFT)
        else:
            self._place(self.left, _LEFT)
            self._place(self.right, _RIGHT)
        for dock, shown in visible.items():
            dock.setVisible(shown)
        for group in self.left + self.right if not compact else [self.docks()]:
            group[0].raise_()
        if compact:
            self._size_compact(width)
        else:
            self._size_wide()
        self._unelide_tabs()
        return True

    def _unelide_tabs(self) -> None:
        """Dock tabs show whole titles and scroll (eight French titles elided to "C…",
        "Lé…" in a 360 px column could not be told apart)."""
        for bar in self.window.findChildren(QTabBar):
            if bar.parent() is self.window:  # the main window's dock tab bars only
                bar.setElideMode(Qt.TextElideMode.ElideNone)
                bar.setUsesScrollButtons(True)

    def _place(self, groups: list[list[QDockWidget]], area: Qt.DockWidgetArea) -> None:
        window = self.window
        for group in groups:
            first = group[0]
            window.addDockWidget(area, first, Qt.Orientation.Vertical)
            for dock in group[1:]:
                window.tabifyDockWidget(first, dock)

    def _size_compact(self, width: int) -> None:
        first = self.docks()[0]
        self.window.resizeDocks([first], [compact_dock_width(width)], Qt.Orientation.Horizontal)

    def _size_wide(self) -> None:
        window, horizontal, vertical = (
            self.window,
            Qt.Orientation.Horizontal,
            Qt.Orientation.Vertical,
        )
        tops = [self.left[0][0], self.right[0][0]]
        window.resizeDocks(tops, [LEFT_DOCK_WIDTH, RIGHT_DOCK_WIDTH], horizontal)
        for column in (self.left, self.right):
            if len(column) == 2:
                window.resizeDocks([column[0][0], column[1][0]], [470, 470], vertical)
