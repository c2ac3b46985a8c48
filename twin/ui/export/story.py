"""Exports of a story (issue 11): a PDF deck (one page per step), a PNG per step and an MP4
video (:mod:`twin.ui.export.story_video`). Each page is a story step drawn through the one
layout painter (:func:`twin.ui.export.painter.paint_layout`): title, caption, map of the
step's extent and layers in its show mode (scenario, swipe halves at the divider, side by
side), legend, scale bar, north arrow, up to four KPI cards (value, delta against the
baseline, unit; privacy gate), attribution, date and page number "n / N".

Sizes are page pixels; the default PDF page is A4 landscape at 300 dpi (3508 x 2480 px),
whose lines and symbols are widened to keep their size in points
(:func:`twin.ui.export.painter.line_scale`). Runs on the thread of the QApplication.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6 import QtCore, QtGui

from twin.errors import DataError
from twin.i18n import tr
from twin.layout import Layout, Page, regions
from twin.project import Project
from twin.ui.export.painter import page_image, paint_layout
from twin.ui.export.story_maps import StepMap
from twin.ui.export.story_scene import BBox, ResultCache, StepScene, step_scene, story_steps
from twin.ui.map.render import ensure_qt_application

#: A4 landscape at print resolution
PRINT_PAGE = Page.from_mm(297.0, 210.0, 300.0)
#: A screen page: PNG per step and video frames
SCREEN_PAGE = Page(1920, 1080, 96.0)

Progress = Callable[[int, int], None]  # (steps done, steps in all)


def story_scenes(
    project: Project, story: str, page: Page, date: str | None = None
) -> list[StepScene]:
    """Every step of ``story`` resolved on ``page`` (DataError when there is no such
    story); results are computed at most once per scenario, or read from the project."""
    steps = story_steps(project, story)
    results = ResultCache(project)
    return [step_scene(project, story, steps, i, page, results, date) for i in range(len(steps))]


def map_size(layout: Layout) -> tuple[int, int]:
    """The pixel size of ``layout``'s map frame."""
    _, _, width, height = regions(layout).map
    return round(width), round(height)


def step_map(scene: StepScene) -> tuple[QtGui.QImage, BBox]:
    """The map image of one step at its frame's size, and the box it shows (metres)."""
    drawer = StepMap(scene, map_size(scene.layout), regions(scene.layout).unit)
    try:
        return drawer.render()
    finally:
        drawer.close()


def story_pages(
    project: Project,
    story: str,
    page: Page,
    progress: Progress | None = None,
    date: str | None = None,
) -> Iterator[tuple[Layout, QtGui.QImage, BBox]]:
    """(layout, map image, box shown) of each step of ``story``, in order."""
    ensure_qt_application()
    scenes = story_scenes(project, story, page, date)
    for index, scene in enumerate(scenes):
        image, shown = step_map(scene)
        yield scene.layout, image, shown
        if progress is not None:
            progress(index + 1, len(scenes))


def step_image(project: Project, story: str, index: int, page: Page = SCREEN_PAGE) -> QtGui.QImage:
    """The page of step ``index`` (0-based) of ``story`` as an image."""
    ensure_qt_application()
    scenes = story_scenes(project, story, page)
    if not 0 <= index < len(scenes):
        raise DataError(tr("story {name!r} has no step {n}").format(name=story, n=index + 1))
    image, shown = step_map(scenes[index])
    return page_image(scenes[index].layout, image, shown)


def check_output_file(path: str | Path, suffix: str) -> Path:
    """``path`` when a ``suffix`` file can be written there; DataError (one line) if not."""
    path = Path(path)
    if path.suffix.lower() != suffix:
        raise DataError(tr("{path}: give a {suffix} file name").format(path=path, suffix=suffix))
    if not path.parent.is_dir():
        raise DataError(
            tr("{path}: folder {folder} does not exist").format(path=path, folder=path.parent)
        )
    if path.is_dir():
        raise DataError(tr("{path} is a folder, not a file").format(path=path))
    _probe_write(path)
    return path


def _probe_write(path: Path) -> None:
    """DataError (one line) unless a file can be written at ``path``; the check leaves
    no file behind (an existing file is opened for appending, not changed)."""
    existed = path.exists()
    try:
        with open(path, "ab"):
            pass
    except OSError:
        raise DataError(tr("could not write {path}").format(path=path)) from None
    if not existed:
        path.unlink(missing_ok=True)


def check_output_folder(folder: str | Path) -> Path:
    """``folder`` when step images can be written into it (it may not exist yet if its
    parent does); DataError (one line) if not. The check leaves nothing behind."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise DataError(tr("{path} is a file, not a folder").format(path=folder))
    created = False
    if not folder.exists():
        if not folder.parent.is_dir():
            raise DataError(
                tr("{path}: folder {folder} does not exist").format(
                    path=folder, folder=folder.parent
                )
            )
        try:
            folder.mkdir()
        except OSError:
            raise DataError(tr("could not write {path}").format(path=folder)) from None
        created = True
    try:
        _probe_write(folder / ".twin-write-check")
    except DataError:
        raise DataError(tr("could not write {path}").format(path=folder)) from None
    finally:
        if created:
            folder.rmdir()
    return folder


def export_story_pdf(
    project: Project,
    story: str,
    path: str | Path,
    page: Page = PRINT_PAGE,
    progress: Progress | None = None,
) -> Path:
    """Write ``story`` as a PDF deck to ``path``: one page per step, text kept as text."""
    path = check_output_file(path, ".pdf")
    ensure_qt_application()
    scenes = story_scenes(project, story, page)
    writer = QtGui.QPdfWriter(str(path))
    writer.setResolution(round(page.dpi))
    width_mm, height_mm = page.size_mm
    writer.setPageSize(
        QtGui.QPageSize(QtCore.QSizeF(width_mm, height_mm), QtGui.QPageSize.Unit.Millimeter)
    )
    writer.setPageMargins(QtCore.QMarginsF(0, 0, 0, 0))
    writer.setTitle(story)
    writer.setCreator("twin")
    painter = QtGui.QPainter()
    if not painter.begin(writer):
        raise DataError(tr("could not write {path}").format(path=path))
    try:
        scale = min(writer.width() / page.width_px, writer.height() / page.height_px)
        for index, scene in enumerate(scenes):
            if index:
                writer.newPage()
            image, shown = step_map(scene)
            painter.save()
            painter.scale(scale, scale)
            paint_layout(painter, scene.layout, image, shown)
            painter.restore()
            if progress is not None:
                progress(index + 1, len(scenes))
    finally:
        painter.end()
    if not path.exists():
        raise DataError(tr("could not write {path}").format(path=path))
    return path


def export_story_png(
    project: Project,
    story: str,
    folder: str | Path,
    page: Page = SCREEN_PAGE,
    progress: Progress | None = None,
) -> list[Path]:
    """Write one PNG per step of ``story`` into ``folder`` (created if its parent exists):
    ``step-01.png``, ``step-02.png``...; returns the paths."""
    folder = check_output_folder(folder)
    try:
        folder.mkdir(exist_ok=True)
    except OSError:
        raise DataError(tr("could not write {path}").format(path=folder)) from None
    written = []
    for index, (layout, image, shown) in enumerate(
        story_pages(project, story, page, progress), start=1
    ):
        path = folder / f"step-{index:02d}.png"
        if not page_image(layout, image, shown).save(str(path)):
            raise DataError(tr("could not write {path}").format(path=path))
        written.append(path)
    return written
