"""The pan tool: drag the map with any mouse button (navigation as an explicit tool)."""

from __future__ import annotations

from twin.i18n import N_
from twin.ui.map.tools.base import MapEvent, MapTool


class PanTool(MapTool):
    """Drag to move the map; the map follows the mouse pixel for pixel."""

    name = "pan"
    status_message = N_("Drag to move the map; wheel to zoom.")

    def __init__(self) -> None:
        super().__init__()
        self._last: tuple[float, float] | None = None

    def press(self, event: MapEvent) -> bool:
        """Start dragging at the event's screen position."""
        self._last = (event.screen_x, event.screen_y)
        return True

    def move(self, event: MapEvent) -> bool:
        """Move the view by the screen distance dragged since the last move."""
        if self._last is None or self.canvas is None:
            return False
        dx_pixels = event.screen_x - self._last[0]
        dy_pixels = event.screen_y - self._last[1]
        self._last = (event.screen_x, event.screen_y)
        metres = event.map_units_per_pixel
        self.canvas.move_view_by(-dx_pixels * metres, dy_pixels * metres)
        return True

    def release(self, event: MapEvent) -> bool:
        """Stop dragging."""
        handled = self._last is not None
        self._last = None
        return handled

    def cancel(self) -> None:
        """Stop dragging without further moves."""
        self._last = None
