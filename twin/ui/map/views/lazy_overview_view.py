"""The overview of a big lazy layer on the map: asked for at small scales, loaded or built
in a worker as a status-bar job with progress and Cancel, drawn instead of the features,
and in the boxes of the tiles not read yet (a mixin of :class:`LazyVectorLayerView`).
Units: project metres; pixels.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import threading

from twin.errors import CancelledError
from twin.i18n import tr, tr_label
from twin.layers.style import Style
from twin.ui.map.views.base import pixel_box
from twin.ui.map.views.chunk_painter import ChunkPainter
from twin.ui.map.views.framebuffer import new_image
from twin.ui.map.views.lazy_reads import read_overview
from twin.ui.workers import run_job


class LayerOverview:
    """What :class:`LazyVectorLayerView` needs for the overview (mixin: the view holds the
    signal ``overview_ready``, ``layer``, ``_generation``, ``_style``, ``_colors``,
    ``_guard``, ``read_threads``, ``buffer``, ``tile_box`` and the overview's state set by
    its ``reload``: ``_overview``, ``_overview_future``, ``_overview_current``,
    ``_overview_cancelled``, ``_overview_cell``)."""

    def overview_shown_at(self, resolution: float) -> bool:
        """Whether the overview stands in for the features at ``resolution`` m/pixel (a
        layer already in memory has none: its tiles are cut from the frame)."""
        return not self.layer.is_loaded and resolution >= self._overview_cell / 2

    def request_overview(self) -> None:
        """Ask a worker for the overview (cached beside the file, else built) once: a job
        with progress and Cancel in the status bar (building it is a pass over the file)."""
        if self._overview_current or self._overview_future is not None:
            return
        if self._overview_cancelled:
            return  # the user cancelled it: not again until the layer is reloaded
        future: concurrent.futures.Future = concurrent.futures.Future()
        generation, style = self._generation, self._style
        title = tr("Building the overview of {name}").format(name=tr_label(self.layer.name))
        self._overview_future = future
        run_job(
            lambda feedback: self._read_overview(generation, style, future, feedback, title),
            title=title,
            on_error=lambda _error: None,  # reported through the future (tiles drawn instead)
        )

    def _read_overview(self, generation: int, style: Style, future, feedback, title: str):
        """Worker: load or build the overview, chunk it, hand it to the UI thread."""
        with self._guard:
            self.read_threads.append(threading.current_thread().name)
        try:
            result = read_overview(
                self.layer, style, lambda done: feedback.set_progress(100.0 * done, title)
            )
        except Exception as error:  # cancelled, or no overview: the tiles are drawn instead
            result = error
        with contextlib.suppress(concurrent.futures.InvalidStateError):  # reloaded meanwhile
            future.set_result(result)
        if generation == self._generation:
            with contextlib.suppress(RuntimeError):
                self.overview_ready.emit(generation, result)
        if isinstance(result, CancelledError):
            raise result
        return None

    def _on_overview_ready(self, generation: int, result) -> None:
        if generation != self._generation or self._overview_current or not self._alive():
            return
        if isinstance(result, CancelledError):
            self._overview_cancelled = True
            self._overview_future = None
            return
        if isinstance(result, Exception):
            self._overview_cell = 0.0  # never again: draw the tiles at every scale
            self._overview_future = None
            self.update()
            return
        brushes, pens, dots, stroke = self._colors
        self._overview = ChunkPainter(
            result, brushes, pens, dots, stroke, filled=self.layer.geometry_kind == "polygon"
        )
        self._overview_current = True
        self._overview_future = None
        self.buffer.invalidate()
        self.update()

    @property
    def overview_loaded(self) -> bool:
        """Whether the overview is in memory."""
        return self._overview is not None

    def _render_holes(self, array, gx0: int, gy0: int, resolution: float) -> None:
        """The overview in the boxes of the tiles not read yet (what it draws there only)."""
        height, width = array.shape
        for key in self._drawn_holes:
            pixels = pixel_box(self.tile_box(key), resolution, (gx0, gy0), (width, height))
            if pixels is None:
                continue
            left, top, right, bottom = pixels
            hole_array, hole_image = new_image(right - left, bottom - top)
            self._overview.render(hole_array, hole_image, left, top, resolution)
            target = array[top - gy0 : bottom - gy0, left - gx0 : right - gx0]
            drawn = hole_array != 0
            target[drawn] = hole_array[drawn]
