"""Long features of a big lazy layer: how far the tiles drawn must reach, and the features
longer than :data:`REACH_TILES` tiles read with the view (a mixin of
:class:`LazyVectorLayerView`).

A feature belongs to the tile holding its first vertex, so a long road crossing the view may
belong to a tile far from it. The layer's largest feature box
(:meth:`LazyVectorLayer.feature_half_size`, one R-tree query, asked once in a worker) says
how far: the view draws the tiles that far around it, up to :data:`REACH_TILES`; features
larger than that belong to no tile and are read, picked by the R-tree, for the tiles meeting
the view and a ring around ("big features"), drawn once per frame. Units: project metres.
"""

from __future__ import annotations

import concurrent.futures
import contextlib

import numpy as np

from twin.layers.style import Style
from twin.ui.map.views.chunk_painter import ChunkPainter
from twin.ui.map.views.lazy_reads import REACH_TILES, read_big_features

__all__ = ["REACH_TILES", "LongFeatures"]


class LongFeatures:
    """What :class:`LazyVectorLayerView` needs for long features (mixin: the view holds
    the signals ``half_size_ready`` and ``big_ready``, ``grid``, ``layer``, ``_submit``)."""

    @property
    def reach(self) -> float:
        """How far (metres) a feature meeting the view may have its first vertex beyond
        it: the largest feature box side (0 until it is known)."""
        return 2.0 * self._half_size if self._half_size is not None else 0.0

    def _read_half_size(self, generation: int):
        """Worker: the largest feature box half-size of the layer (one R-tree query)."""
        try:
            result = self.layer.feature_half_size()
        except Exception as error:  # unknown: tiles of one ring only, as before
            result = error
        if generation == self._generation:
            with contextlib.suppress(RuntimeError):
                self.half_size_ready.emit(generation, result)
        return result

    def _on_half_size_ready(self, generation: int, result) -> None:
        if generation != self._generation or not self._alive():
            return
        if isinstance(result, Exception) or self._half_size is not None:
            return
        self._half_size = float(result)
        if self._half_size > 0:
            self.buffer.invalidate()
            self.update()  # paint asks for the tiles the long features come from

    # --- big features: longer than REACH_TILES tiles, read with the view -----------------
    def _forget_big(self) -> None:
        """Drop the big features read and the read under way (new data or classes)."""
        future = getattr(self, "_big_future", None)
        if future is not None:
            future.cancel()
        self._big: ChunkPainter | None = None
        self._big_region: tuple | None = None  # (level, box) the big features were read for
        self._big_future: concurrent.futures.Future | None = None
        self._big_asked: tuple | None = None

    def _big_region_for(self, bbox) -> tuple | None:
        """(level, box metres) of the big features read for view ``bbox``: the tiles in
        view and one ring around; None when the layer has no feature that big."""
        if self._half_size is None:
            return None
        keys = self.tiles_meeting(bbox, ring=1)
        if not keys:
            return None
        level = keys[0][0]
        if self._half_size <= self.grid.big_limit(level):
            return None
        boxes = np.array([self.tile_box(key) for key in keys])
        box = (boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max())
        return level, tuple(float(v) for v in box)

    def _request_big(self, bbox) -> None:
        """Ask a worker for the big features around view ``bbox`` unless they are read or
        being read."""
        region = self._big_region_for(bbox)
        if region is None or region == self._big_region or region == self._big_asked:
            return
        if self._big_future is not None:
            self._big_future.cancel()
        self._big_asked = region
        self._big_future = self._submit(self._read_big, region, self._generation, self._style)

    def _read_big(self, region: tuple, generation: int, style: Style):
        """Worker: read the big features of ``region`` and hand them to the UI thread."""
        level, box = region
        try:
            result = read_big_features(self.layer, box, style, self.grid.big_limit(level))
        except Exception as error:  # shown as missing features, never a crash
            result = error
        if generation == self._generation:
            with contextlib.suppress(RuntimeError):
                self.big_ready.emit(generation, region, result)
        return result

    def _on_big_ready(self, generation: int, region: tuple, result) -> None:
        if generation != self._generation or region != self._big_asked or not self._alive():
            return
        self._big_future = None
        self._big_asked = None
        if isinstance(result, Exception):
            return
        brushes, pens, dots, stroke = self._colors
        self._big = ChunkPainter(
            result, brushes, pens, dots, stroke, filled=self.layer.geometry_kind == "polygon"
        )
        self._big_region = region
        self.update()
