"""A scroll cache of one layer's drawing: an image of the viewport on the world pixel grid.

The grid at resolution ``r`` metres per pixel has column ``gx`` covering x in
[gx r, (gx + 1) r) and row ``gy`` covering y in (-(gy + 1) r, -gy r]. A pan at the same
resolution moves the old image by whole pixels and renders only the strips that came into
view; a zoom or a style/data change renders the whole image again.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6 import QtCore, QtGui

RegionRenderer = Callable[[np.ndarray, QtGui.QImage, int, int, float], None]


def new_image(width: int, height: int) -> tuple[np.ndarray, QtGui.QImage]:
    """A transparent premultiplied ARGB image sharing memory with a (height, width) uint32
    array (keep the array alive as long as the image)."""
    array = np.zeros((height, width), dtype=np.uint32)
    image = QtGui.QImage(
        array.data, width, height, 4 * width, QtGui.QImage.Format.Format_ARGB32_Premultiplied
    )
    return array, image


class FrameBuffer:
    """The last rendered viewport image of a layer, reused across pans."""

    def __init__(self) -> None:
        self.array: np.ndarray | None = None
        self.image: QtGui.QImage | None = None
        self.resolution = 0.0
        self.origin = (0, 0)
        self.full_renders = 0
        self.partial_renders = 0

    def invalidate(self) -> None:
        """Forget the image (after a style or data change)."""
        self.array = None
        self.image = None

    def matches_resolution(self, resolution: float) -> bool:
        """Whether the cached image was drawn at this resolution (m/pixel)."""
        return self.image is not None and abs(self.resolution - resolution) <= 1e-9 * resolution

    def frame(
        self,
        resolution: float,
        gx0: int,
        gy0: int,
        width: int,
        height: int,
        render: RegionRenderer,
    ) -> QtGui.QImage:
        """The image of grid columns gx0..gx0+width and rows gy0..gy0+height at
        ``resolution`` m/pixel; ``render(array, image, gx, gy, resolution)`` draws a region."""
        if self.matches_resolution(resolution) and self.image is not None:
            old_x, old_y = self.origin
            old_w, old_h = self.image.width(), self.image.height()
            if (old_x, old_y, old_w, old_h) == (gx0, gy0, width, height):
                return self.image
            left, right = max(gx0, old_x), min(gx0 + width, old_x + old_w)
            top, bottom = max(gy0, old_y), min(gy0 + height, old_y + old_h)
            if right - left > 0 and bottom - top > 0:
                return self._scroll(
                    resolution, gx0, gy0, width, height, render, (left, top, right, bottom)
                )
        array, image = new_image(width, height)
        render(array, image, gx0, gy0, resolution)
        self._store(array, image, resolution, gx0, gy0)
        self.full_renders += 1
        return image

    def _scroll(self, resolution, gx0, gy0, width, height, render, overlap) -> QtGui.QImage:
        left, top, right, bottom = overlap
        array, image = new_image(width, height)
        old_x, old_y = self.origin
        array[top - gy0 : bottom - gy0, left - gx0 : right - gx0] = self.array[
            top - old_y : bottom - old_y, left - old_x : right - old_x
        ]
        strips = [
            (gx0, gy0, width, top - gy0),  # above the overlap
            (gx0, bottom, width, gy0 + height - bottom),  # below
            (gx0, top, left - gx0, bottom - top),  # left of it
            (right, top, gx0 + width - right, bottom - top),  # right of it
        ]
        for sx, sy, sw, sh in strips:
            if sw <= 0 or sh <= 0:
                continue
            strip_array, strip_image = new_image(sw, sh)
            render(strip_array, strip_image, sx, sy, resolution)
            array[sy - gy0 : sy - gy0 + sh, sx - gx0 : sx - gx0 + sw] = strip_array
        self._store(array, image, resolution, gx0, gy0)
        self.partial_renders += 1
        return image

    def _store(self, array, image, resolution, gx0, gy0) -> None:
        self.array, self.image = array, image
        self.resolution = resolution
        self.origin = (gx0, gy0)

    def draw_scaled(self, painter: QtGui.QPainter, transform: QtGui.QTransform) -> bool:
        """Draw the cached image, whatever its resolution, at its place under ``transform``
        (item -> device); used as a quick preview while zooming. False if nothing cached."""
        if self.image is None:
            return False
        r = self.resolution
        gx, gy = self.origin
        target = QtCore.QRectF(
            gx * r,
            -(gy + self.image.height()) * r,
            self.image.width() * r,
            self.image.height() * r,
        )
        device = transform.mapRect(target)
        painter.save()
        painter.resetTransform()
        painter.drawImage(device, self.image)
        painter.restore()
        return True
