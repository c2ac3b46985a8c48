"""The identify tool: click the map to see the attributes of the features under the cursor."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from twin.i18n import N_
from twin.layers.base import Layer
from twin.layers.raster import RasterLayer
from twin.layers.vector import VectorLayer
from twin.ui.map.tools.base import MapEvent, MapTool

CLICK_TOLERANCE_PIXELS = 3.0  # screen pixels around the click that count as "on" a feature
MAX_HITS_PER_LAYER = 20
_CLICK_SLOP_PIXELS = 4.0  # a press and release further apart than this is a drag, not a click


@dataclass(frozen=True)
class IdentifyResult:
    """One identified feature (vector) or pixel (raster).

    ``attributes``: column -> value for a feature; for a raster, ``value`` in ``unit`` (None
    on nodata). ``x``, ``y``: the clicked point in project metres.
    """

    layer: Layer
    x: float
    y: float
    attributes: dict[str, Any] = field(default_factory=dict)
    feature_id: Any = None
    value: float | None = None
    unit: str = ""


def identify_at(
    layers: Sequence[Layer], x: float, y: float, tolerance: float
) -> list[IdentifyResult]:
    """Features and pixels at (x, y) in visible ``layers`` (top first), nearest first within a
    layer; ``tolerance`` in project metres.
    """
    results: list[IdentifyResult] = []
    for layer in layers:
        if not layer.visible:
            continue
        if isinstance(layer, VectorLayer):
            hits = layer.features_at(x, y, tolerance)
            columns = layer.attribute_columns
            for feature_id, row in hits.head(MAX_HITS_PER_LAYER)[columns].iterrows():
                attributes = {column: _plain(row[column]) for column in columns}
                results.append(IdentifyResult(layer, x, y, attributes, _plain(feature_id)))
        elif isinstance(layer, RasterLayer):
            value = layer.value_at(x, y)
            if value is not None:
                results.append(IdentifyResult(layer, x, y, value=value, unit=layer.unit))
    return results


class IdentifyTool(MapTool):
    """Click (press and release without dragging) to identify; dragging still pans the map.

    ``layers`` returns the project's layers top first; ``on_results(list[IdentifyResult])``
    receives the hits of each click (an empty list when the click hit nothing).
    The search radius is :data:`CLICK_TOLERANCE_PIXELS` screen pixels, in metres
    ``3 * event.map_units_per_pixel``.
    """

    name = "identify"
    status_message = N_("Identify: click a feature to see its attributes; drag to pan.")

    def __init__(
        self,
        layers: Callable[[], Sequence[Layer]],
        on_results: Callable[[list[IdentifyResult]], None],
    ) -> None:
        super().__init__()
        self._layers = layers
        self._on_results = on_results
        self._press: tuple[float, float] | None = None

    def press(self, event: MapEvent) -> bool:
        """Remember where a left click started; never consume it (dragging pans)."""
        self._press = (event.screen_x, event.screen_y) if event.button == "left" else None
        return False

    def release(self, event: MapEvent) -> bool:
        """Identify at the click if the mouse did not travel (else it was a pan)."""
        if event.button != "left" or self._press is None:
            return False
        travelled = math.hypot(event.screen_x - self._press[0], event.screen_y - self._press[1])
        self._press = None
        if travelled > _CLICK_SLOP_PIXELS:
            return False
        self.identify(event)
        return True

    def identify(self, event: MapEvent) -> list[IdentifyResult]:
        """Find what lies under ``event`` and hand it to ``on_results``."""
        tolerance = CLICK_TOLERANCE_PIXELS * max(0.0, event.map_units_per_pixel)
        results = identify_at(list(self._layers()), event.x, event.y, tolerance)
        self._on_results(results)
        return results

    def cancel(self) -> None:
        """Forget a click in progress."""
        self._press = None


def _plain(value: Any) -> Any:
    """A plain Python value (numpy scalars unwrapped) for display."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return value
    return value
