"""The camera move between story steps (issue 11, >= 30 frames/s): it is drawn from cached
pictures of the maps, passes through views between the two extents, ends on exactly the
frame the step shows without a move, and never calls an engine on the UI thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from map_helpers import rgb_array
from PySide6.QtCore import Qt
from test_ui_presentation import STEPS
from ui_helpers import make_project

from twin.story import StoryStep
from twin.ui.compare.window import ScenarioData
from twin.ui.presentation.camera import contains, fitted, union
from twin.ui.presentation.window import PresentationWindow

pytestmark = pytest.mark.filterwarnings("ignore:.*non conformant file extension")

SWIPE = dict(show="swipe", scenario="New mast", compare_with=None)
SWIPE_STEPS = [
    StoryStep("Before and after", extent=STEPS[0].extent, divider=0.2, **SWIPE),
    StoryStep("Closer", extent=STEPS[1].extent, divider=0.8, **SWIPE),
]
SIDE_STEPS = [
    StoryStep(step.title, extent=step.extent, show="side_by_side", scenario="New mast")
    for step in SWIPE_STEPS
]
MODES = {"one map": STEPS[:2], "swipe": SWIPE_STEPS, "side by side": SIDE_STEPS}


def _window(qtbot, steps, data_source=None, start: int = 0) -> PresentationWindow:
    window = PresentationWindow(make_project(), steps, data_source=data_source, start=start)
    qtbot.addWidget(window)
    window.resize(960, 540)
    window.show()
    qtbot.waitExposed(window)
    return window


def _source(calls: list[int]):
    def source(name):
        calls.append(threading.get_ident())
        return ScenarioData(name, [], [])

    return source


def _settled(qtbot, window, names: int) -> None:
    qtbot.waitUntil(
        lambda: len(window.data) >= names and all(job.done for job in window.jobs.values()),
        timeout=5000,
    )


@pytest.mark.parametrize("mode", list(MODES))
def test_the_final_frame_equals_the_step_shown_without_a_move(qtbot, mode):
    steps = MODES[mode]
    swipe = mode != "one map"  # two maps, from a data source
    calls: list[int] = []
    source = _source(calls) if swipe else None
    moved = _window(qtbot, steps, source)
    if swipe:
        _settled(qtbot, moved, 2)
    with qtbot.waitSignal(moved.transition_finished, timeout=5000):
        qtbot.keyClick(moved, Qt.Key.Key_PageDown)
    assert not moved.camera_view.isVisible()
    qtbot.wait(50)  # the maps paint the final frame
    on_screen = rgb_array(moved.screen().grabWindow(moved.winId()).toImage())
    assert np.array_equal(on_screen, rgb_array(moved.grab().toImage()))  # what it shows
    still = _window(qtbot, steps, source, start=1)
    if swipe:
        _settled(qtbot, still, 2)
    # shown again once laid out (a side-by-side view sizes its halves when first shown)
    still.go_to(0, animate=False)
    still.go_to(1, animate=False)
    qtbot.wait(50)
    after_move, without_move = rgb_array(moved.grab().toImage()), rgb_array(still.grab().toImage())
    assert after_move.shape == without_move.shape
    assert np.array_equal(after_move, without_move)
    assert (after_move != 255).any()  # something is drawn (not two blank frames)
    assert all(ident != threading.main_thread().ident for ident in calls)


@pytest.mark.parametrize("mode", list(MODES))
def test_the_move_draws_views_between_the_two_extents(qtbot, mode):
    steps = MODES[mode]
    swipe = mode != "one map"  # two maps, from a data source
    window = _window(qtbot, steps, _source([]) if swipe else None)
    if swipe:
        _settled(qtbot, window, 2)
    first = rgb_array(window.stage.grab().toImage())
    cameras, frames = [], []

    def tick(value) -> None:
        cameras.append(window.camera)
        if 0.4 < float(value) < 0.6 and not frames:
            frames.append(rgb_array(window.camera_view.grab().toImage()))

    window.animation.valueChanged.connect(tick)
    with qtbot.waitSignal(window.transition_finished, timeout=5000):
        qtbot.keyClick(window, Qt.Key.Key_PageDown)
    last = rgb_array(window.stage.grab().toImage())
    start, end = fitted(steps[0].extent, 960, 540), fitted(steps[1].extent, 960, 540)
    widths = [bbox[2] - bbox[0] for bbox, _ in cameras]
    low, high = sorted((start[2] - start[0], end[2] - end[0]))
    assert any(low * 1.2 < w < high / 1.2 for w in widths)  # zoomed through, not a jump
    hull = union(cameras[0][0], cameras[-1][0])  # the first view shown, the last
    assert all(contains(hull, bbox, 1e-3) for bbox, _ in cameras)
    if mode == "swipe":
        dividers = [d for _, d in cameras]
        assert any(0.3 < d < 0.7 for d in dividers) and dividers == sorted(dividers)
    # the middle frame is a map (not blank), neither the first nor the last view
    middle = frames[0]
    assert middle.shape == first.shape == last.shape
    assert (middle.reshape(-1, 3) != 255).any(axis=1).mean() > 0.01
    assert np.abs(middle.astype(int) - first).mean() > 1.0
    assert np.abs(middle.astype(int) - last).mean() > 1.0


def test_a_pan_between_disjoint_extents_renders_their_union_once(qtbot):
    window = _window(qtbot, [STEPS[1], STEPS[2]])
    with qtbot.waitSignal(window.step_shown, timeout=5000):
        qtbot.keyClick(window, Qt.Key.Key_PageDown)
    shots = [shot.bbox for shot in window.camera_view.sides[0].snapshots]
    assert len(shots) == 3  # start, end, and the wide view under both
    assert contains(shots[0], union(shots[1], shots[2]), 1e-3)
    with qtbot.waitSignal(window.transition_finished, timeout=5000):
        pass
    assert window.camera_view.sides == []  # the pictures are dropped after the move


def test_moves_back_and_forth_reuse_their_pictures_and_the_next_view_is_built_early(qtbot):
    calls: list[int] = []
    steps = [STEPS[0], SWIPE_STEPS[1], STEPS[0]]
    window = _window(qtbot, steps, _source(calls))
    _settled(qtbot, window, 2)
    # while step 1 is talked over, the swipe of step 2 is built (hidden)
    qtbot.waitUntil(lambda: window.stage.is_built(steps[1], window.data), timeout=5000)
    shown = window.stage.view
    for key in (Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
        with qtbot.waitSignal(window.transition_finished, timeout=5000):
            qtbot.keyClick(window, key)
    rendered = window.camera_view.rendered
    with qtbot.waitSignal(window.transition_finished, timeout=5000):
        qtbot.keyClick(window, Qt.Key.Key_PageDown)
    assert window.camera_view.rendered == rendered  # every picture came from the first moves
    assert window.stage.view is not shown and window.stage.divider() == pytest.approx(0.8)
    assert all(ident != threading.main_thread().ident for ident in calls)


def test_a_picture_is_not_reused_when_a_layer_is_hidden(qtbot):
    window = _window(qtbot, STEPS[:2])
    canvas = window.stage.main_canvas()
    first = window.camera_view.picture(canvas)
    assert window.camera_view.picture(canvas) is first
    layer = next(layer for layer in canvas.project.layers if layer.visible)
    layer.visible = False
    second = window.camera_view.picture(canvas)
    assert second is not first
    assert second.pixmap.toImage() != first.pixmap.toImage()
