"""Map tools: one small class per tool, fed plain :class:`MapEvent` objects by the canvas."""

from twin.ui.map.tools.base import MapEvent, MapTool

__all__ = ["MapEvent", "MapTool"]
