"""The layer model: data + CRS + style + provenance, each change announced by a signal."""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING

from psygnal import Signal, SignalGroup

from twin.layers.provenance import Provenance
from twin.layers.style import LegendEntry, Style

if TYPE_CHECKING:
    from pyproj import CRS

_ids = itertools.count(1)


class LayerEvents(SignalGroup):
    """One psygnal signal per property a view can show (no catch-all)."""

    name = Signal(str)
    visible = Signal(bool)
    opacity = Signal(float)
    style = Signal(object)
    data = Signal()


def slugify(text: str) -> str:
    """A table-safe identifier from a layer name (lowercase ASCII, digits, underscores)."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    return slug or "layer"


class Layer:
    """Base class of map layers. Subclasses hold the data (:class:`VectorLayer`,
    :class:`RasterLayer`); the UI draws them through a view chosen by layer type.

    ``opacity`` is 0-1; ``crs`` is a :class:`pyproj.CRS`; ``bounds`` are in CRS units.
    """

    kind = "layer"

    def __init__(
        self,
        name: str,
        crs: CRS | str | int | None,
        style: Style | None = None,
        provenance: Provenance | None = None,
        visible: bool = True,
        opacity: float = 1.0,
        layer_id: str | None = None,
    ) -> None:
        from pyproj import CRS

        self.events = LayerEvents()
        self._name = str(name)
        self.crs: CRS | None = CRS.from_user_input(crs) if crs is not None else None
        self._style = style if style is not None else Style()
        self.provenance = provenance if provenance is not None else Provenance()
        self._visible = bool(visible)
        self._opacity = _clamp_opacity(opacity)
        self.id = layer_id or f"{slugify(name)}_{next(_ids)}"

    # --- evented properties ----------------------------------------------------------
    @property
    def name(self) -> str:
        """The name shown in the layer panel and legend."""
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        if value != self._name:
            self._name = str(value)
            self.events.name.emit(self._name)

    @property
    def visible(self) -> bool:
        """Whether the layer is drawn."""
        return self._visible

    @visible.setter
    def visible(self, value: bool) -> None:
        if bool(value) != self._visible:
            self._visible = bool(value)
            self.events.visible.emit(self._visible)

    @property
    def opacity(self) -> float:
        """Opacity of the whole layer, 0 (transparent) to 1 (opaque)."""
        return self._opacity

    @opacity.setter
    def opacity(self, value: float) -> None:
        value = _clamp_opacity(value)
        if value != self._opacity:
            self._opacity = value
            self.events.opacity.emit(self._opacity)

    @property
    def style(self) -> Style:
        """The drawing rules; assign a new :class:`Style` to restyle."""
        return self._style

    @style.setter
    def style(self, value: Style) -> None:
        if value != self._style:
            self._style = value
            self.events.style.emit(self._style)

    # --- to be provided by subclasses --------------------------------------------------
    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) in the layer's CRS units."""
        raise NotImplementedError

    @property
    def feature_count(self) -> int:
        """Number of features (vectors) or valid pixels (rasters)."""
        raise NotImplementedError

    @property
    def geometry_kind(self) -> str:
        """ "polygon", "line", "point" or "raster"."""
        raise NotImplementedError

    def legend_entries(self) -> list[LegendEntry]:
        """Legend rows from the style."""
        return self.style.legend_entries(self.geometry_kind)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} ({self.feature_count} features)>"


def _clamp_opacity(value: float) -> float:
    return min(1.0, max(0.0, float(value)))
