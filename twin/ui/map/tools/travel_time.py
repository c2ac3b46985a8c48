"""Travel time from a point: click or drag on the map, the isochrone bands follow."""

from __future__ import annotations

from collections.abc import Callable

from twin.i18n import N_
from twin.ui.map.tools.base import MapEvent, MapTool


class TravelTimeTool(MapTool):
    """Sends the clicked (or dragged) point to ``on_origin(x, y)``, which computes the
    door-to-door travel times from it (walk + transit) in the background."""

    name = "travel_time"
    status_message = N_(
        "Travel time: click or drag the starting point (walk + transit, departures 07:00-09:00)."
    )

    def __init__(self, on_origin: Callable[[float, float], None]) -> None:
        super().__init__()
        self.on_origin = on_origin
        self._dragging = False

    def press(self, event: MapEvent) -> bool:
        if event.button != "left":
            return False
        self._dragging = True
        self.on_origin(event.x, event.y)
        return True

    def move(self, event: MapEvent) -> bool:
        if not self._dragging:
            return False
        self.on_origin(event.x, event.y)
        return True

    def release(self, event: MapEvent) -> bool:
        if not self._dragging:
            return False
        self._dragging = False
        self.on_origin(event.x, event.y)
        return True

    def cancel(self) -> None:
        self._dragging = False
