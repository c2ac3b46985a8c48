"""The map tool contract: plain events in map coordinates, Qt-free so tools test without Qt.

The canvas turns Qt mouse and key events into :class:`MapEvent` objects and forwards them
to the active :class:`MapTool` (one small class per tool, one file each, as QGIS's
``QgsMapTool``). With no active tool the canvas navigates (drag pans, wheel zooms).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class MapEvent:
    """A mouse event in map coordinates.

    ``x``, ``y``: project coordinates (metres) under the mouse; ``button``: "left", "right",
    "middle" or "" (a move with no button pressed); ``modifiers``: a subset of
    {"shift", "ctrl", "alt", "meta"}; ``screen_x``, ``screen_y``: widget pixels of the
    canvas; ``map_units_per_pixel``: metres per screen pixel (for click tolerances).
    """

    x: float
    y: float
    button: str = "left"
    modifiers: frozenset[str] = field(default_factory=frozenset)
    screen_x: float = 0.0
    screen_y: float = 0.0
    map_units_per_pixel: float = 1.0


class MapTool:
    """Base class of map tools (identify, measure, add site...).

    Subclasses override the handlers they need. ``press``, ``move`` and ``release`` return
    True when the tool consumed the event: a consumed press means the canvas does not pan
    for that press and the drag that follows. ``key`` gets Qt key names ("Delete", "Return",
    "A", ...) and returns True when handled; the canvas calls :meth:`cancel` on Esc.
    ``canvas`` is the :class:`~twin.ui.map.canvas.MapCanvas` between activate/deactivate.
    """

    name: str = "tool"
    status_message: str = ""

    def __init__(self) -> None:
        self.canvas: Any = None

    def activate(self, canvas: Any) -> None:
        """Called when the tool becomes the canvas's active tool."""
        self.canvas = canvas

    def deactivate(self) -> None:
        """Called when another tool (or navigation) replaces this one."""
        self.cancel()
        self.canvas = None

    def press(self, event: MapEvent) -> bool:
        """A mouse button went down; return True to consume it (no panning)."""
        return False

    def move(self, event: MapEvent) -> bool:
        """The mouse moved (``event.button`` is the held button or "")."""
        return False

    def release(self, event: MapEvent) -> bool:
        """A mouse button went up."""
        return False

    def key(self, key_name: str) -> bool:
        """A key was pressed while the canvas had focus; return True when handled."""
        return False

    def cancel(self) -> None:
        """Abandon the operation in progress (Esc)."""
