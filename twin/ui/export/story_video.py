"""A story as an MP4 video (H.264, yuv420p; ffmpeg from the ``imageio-ffmpeg`` wheel): each
step's page held :data:`HOLD_SECONDS`, and between steps the camera eases from one extent to
the next in :data:`TRANSITION_SECONDS` (ease-in-out; the centre moves linearly, the size
geometrically so a zoom feels even), a swipe step's divider sliding in from the right.
Frames are pages of the one layout painter at the video's size (96 dpi)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PySide6 import QtGui

from twin.errors import DataError
from twin.i18n import tr
from twin.layout import Page, regions
from twin.project import Project
from twin.ui.export.painter import page_image
from twin.ui.export.story import Progress, check_output_file, map_size, story_scenes
from twin.ui.export.story_maps import StepMap
from twin.ui.export.story_scene import BBox
from twin.ui.map.render import ensure_qt_application

HOLD_SECONDS = 3.0
TRANSITION_SECONDS = 0.8
VIDEO_DPI = 96.0


def ease_in_out(t: float) -> float:
    """Cosine ease-in-out of ``t`` in 0..1 (0 -> 0, 1 -> 1, slow at both ends)."""
    t = min(1.0, max(0.0, t))
    return 0.5 - 0.5 * math.cos(math.pi * t)


def camera_box(start: BBox, end: BBox, t: float) -> BBox:
    """The box ``t`` (0..1, already eased) of the way from ``start`` to ``end`` (metres):
    centre linear, width and height geometric."""
    cx0, cy0 = (start[0] + start[2]) / 2, (start[1] + start[3]) / 2
    cx1, cy1 = (end[0] + end[2]) / 2, (end[1] + end[3]) / 2
    w0, h0 = start[2] - start[0], start[3] - start[1]
    w1, h1 = end[2] - end[0], end[3] - end[1]
    cx, cy = cx0 + (cx1 - cx0) * t, cy0 + (cy1 - cy0) * t
    w = w0 * (w1 / w0) ** t
    h = h0 * (h1 / h0) ** t
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def frame_counts(fps: float, hold_s: float, transition_s: float) -> tuple[int, int]:
    """(frames a step is held, frames of a transition) at ``fps``."""
    return max(1, round(hold_s * fps)), max(0, round(transition_s * fps))


def video_frame_count(
    steps: int, fps: float, hold_s: float = HOLD_SECONDS, transition_s: float = TRANSITION_SECONDS
) -> int:
    """Frames of a video of ``steps`` steps: each held, a transition between two."""
    hold, move = frame_counts(fps, hold_s, transition_s)
    return steps * hold + max(0, steps - 1) * move


def check_video_size(size: tuple[int, int]) -> None:
    """DataError unless both sides are even (H.264 in yuv420p) and at least 16 pixels."""
    width, height = size
    if width < 16 or height < 16 or width % 2 or height % 2:
        raise DataError(
            tr("video size {w}x{h}: both sides must be even and at least 16 pixels").format(
                w=width, h=height
            )
        )


def _rgb_bytes(image: QtGui.QImage) -> bytes:
    """The pixels of ``image`` as packed RGB24 rows."""
    rgb = image.convertToFormat(QtGui.QImage.Format.Format_RGB888)
    width, height, stride = rgb.width(), rgb.height(), rgb.bytesPerLine()
    rows = np.frombuffer(rgb.constBits(), dtype=np.uint8, count=stride * height)
    return rows.reshape(height, stride)[:, : width * 3].tobytes()


def export_story_video(
    project: Project,
    story: str,
    path: str | Path,
    size: tuple[int, int] = (1920, 1080),
    fps: float = 30.0,
    hold_s: float = HOLD_SECONDS,
    transition_s: float = TRANSITION_SECONDS,
    progress: Progress | None = None,
) -> Path:
    """Write ``story`` as an MP4 video of ``size`` pixels at ``fps`` frames per second to
    ``path``; returns the path. DataError (one line) for a bad path, size or fps."""
    import imageio_ffmpeg

    path = check_output_file(path, ".mp4")
    check_video_size(size)
    if not (1.0 <= fps <= 120.0):
        raise DataError(tr("--fps {fps:g}: give 1 to 120 frames per second").format(fps=fps))
    ensure_qt_application()
    page = Page(size[0], size[1], VIDEO_DPI)
    scenes = story_scenes(project, story, page)
    hold, move = frame_counts(fps, hold_s, transition_s)
    writer = imageio_ffmpeg.write_frames(
        str(path),
        size,
        fps=fps,
        codec="libx264",
        pix_fmt_in="rgb24",
        pix_fmt_out="yuv420p",
        macro_block_size=1,
        ffmpeg_log_level="quiet",  # a failure is one line of ours (below), not ffmpeg's
    )
    try:
        _write_frames(writer, scenes, hold, move, progress)
    except OSError:  # ffmpeg could not write the file (a full disk, a lost mount...)
        raise DataError(tr("could not write {path}").format(path=path)) from None
    return path


def _write_frames(writer, scenes, hold: int, move: int, progress: Progress | None) -> None:
    """Send every frame of ``scenes`` to the ffmpeg ``writer`` (a started generator)."""
    writer.send(None)
    previous: BBox | None = None
    try:
        for index, scene in enumerate(scenes):
            layout = scene.layout
            drawer = StepMap(scene, map_size(layout), regions(layout).unit)
            try:
                if previous is not None:
                    for k in range(move):
                        t = ease_in_out((k + 1) / (move + 1))
                        divider = None
                        if scene.step.show == "swipe":
                            divider = 1.0 - t * (1.0 - scene.step.divider)
                        image, shown = drawer.render(camera_box(previous, scene.box, t), divider)
                        writer.send(_rgb_bytes(page_image(layout, image, shown)))
                image, shown = drawer.render()
                frame = _rgb_bytes(page_image(layout, image, shown))
                for _ in range(hold):
                    writer.send(frame)
            finally:
                drawer.close()
            previous = scene.box
            if progress is not None:
                progress(index + 1, len(scenes))
    finally:
        writer.close()
