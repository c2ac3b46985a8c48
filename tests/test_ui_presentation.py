"""Presentation mode as a presenter uses it: F5 in the main window, clicker keys, blank,
jump to a step, Esc back to the window as it was (issue 11). The full window is built only
in the first test; the others drive a PresentationWindow on the small synthetic town."""

from __future__ import annotations

import numpy as np
import pytest
from map_helpers import rgb_array
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDockWidget
from ui_helpers import X0, Y0, make_project

from twin.kpi import Figure
from twin.story import StoryStep
from twin.ui.compare.window import ScenarioData
from twin.ui.main_window import MainWindow
from twin.ui.presentation.window import PresentationWindow

pytestmark = pytest.mark.filterwarnings("ignore:.*non conformant file extension")

STEPS = [
    StoryStep(
        "The whole town",
        "Three public buildings along the Rue de Test.",
        (X0 - 200, Y0 - 200, X0 + 600, Y0 + 600),
        ("Buildings", "Roads", "Sites"),
    ),
    StoryStep(
        "The town hall",
        "The Mairie alone: 100 m by 100 m.",
        (X0, Y0, X0 + 100, Y0 + 100),
        ("Buildings",),
    ),
    StoryStep("The gymnasium", "", (X0 + 300, Y0, X0 + 400, Y0 + 100), ("Buildings",)),
]


def _contains(shown, wanted, tolerance: float = 1.0) -> bool:
    return (
        shown[0] <= wanted[0] + tolerance
        and shown[1] <= wanted[1] + tolerance
        and shown[2] >= wanted[2] - tolerance
        and shown[3] >= wanted[3] - tolerance
    )


def _fits(shown, wanted) -> bool:
    """``shown`` holds ``wanted`` and is no bigger than needed on one axis (aspect kept)."""
    width, height = shown[2] - shown[0], shown[3] - shown[1]
    tight_x = abs(width - (wanted[2] - wanted[0])) < 1.0
    tight_y = abs(height - (wanted[3] - wanted[1])) < 1.0
    return _contains(shown, wanted) and (tight_x or tight_y)


def _visible_docks(window: MainWindow) -> list[str]:
    return [d.objectName() for d in window.findChildren(QDockWidget) if d.isVisible()]


def test_f5_presents_full_screen_and_esc_restores_the_window(qtbot):
    project = make_project()
    project.set_story("Tour", STEPS)
    window = MainWindow(project)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    docks_before = _visible_docks(window)
    geometry_before = window.geometry()
    assert docks_before  # the layers, scenarios, inspector... docks
    assert "story_dock" in [d.objectName() for d in window.findChildren(QDockWidget)]
    qtbot.keyClick(window, Qt.Key.Key_F5)
    presentation = window.story.presentation
    assert presentation is not None
    qtbot.waitExposed(presentation)
    assert presentation.isFullScreen()
    assert presentation.geometry() == presentation.screen().geometry()
    assert not window.isVisible() and _visible_docks(window) == []
    assert not presentation.findChildren(QDockWidget)
    # the caption of step 1, readable from the back: text at least 1/30 of the height
    assert presentation.caption.title_label.text() == "The whole town"
    assert presentation.caption.isVisible()
    height = presentation.height()
    assert presentation.caption.text_label.font().pixelSize() >= height / 30
    assert presentation.caption.title_label.font().pixelSize() >= height / 30
    # PageDown: step 2, the camera eases to its extent
    with qtbot.waitSignal(presentation.transition_finished, timeout=5000):
        qtbot.keyClick(presentation, Qt.Key.Key_PageDown)
    assert presentation.caption.title_label.text() == "The town hall"
    assert _fits(presentation.stage.current_bbox(), STEPS[1].extent)
    # Esc: the window comes back as it was, docks and geometry
    qtbot.keyClick(presentation, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.isVisible(), timeout=5000)
    assert window.story.presentation is None
    assert _visible_docks(window) == docks_before
    assert window.geometry() == geometry_before
    assert not window.isWindowModified()  # presenting is not an edit


def _presentation(qtbot, steps=STEPS, data_source=None) -> PresentationWindow:
    presentation = PresentationWindow(make_project(), steps, data_source=data_source)
    qtbot.addWidget(presentation)
    presentation.resize(1280, 720)
    presentation.show()
    qtbot.waitExposed(presentation)
    return presentation


def test_clicker_keys_move_between_steps_with_an_eased_camera(qtbot):
    presentation = _presentation(qtbot)
    assert _fits(presentation.stage.current_bbox(), STEPS[0].extent)
    widths = []
    presentation.animation.valueChanged.connect(lambda _v: widths.append(presentation.camera[0][2]))
    with qtbot.waitSignal(presentation.transition_finished, timeout=5000):
        qtbot.keyClick(presentation, Qt.Key.Key_Space)
    assert presentation.index == 1
    # the camera passed through views between the two extents (not a jump)
    start, end = STEPS[0].extent[2], STEPS[1].extent[2]
    assert any(min(start, end) + 1 < w < max(start, end) - 1 for w in widths[:-1])
    assert _fits(presentation.stage.current_bbox(), STEPS[1].extent)
    for key, expected in (
        (Qt.Key.Key_Right, 2),
        (Qt.Key.Key_Down, 2),  # the last step stays
        (Qt.Key.Key_Left, 1),
        (Qt.Key.Key_PageUp, 0),
        (Qt.Key.Key_Up, 0),
        (Qt.Key.Key_End, 2),
        (Qt.Key.Key_Home, 0),
    ):
        qtbot.keyClick(presentation, key)
        assert presentation.index == expected, key
        assert presentation.caption.title_label.text() == STEPS[expected].title
    qtbot.waitUntil(lambda: not presentation.animating(), timeout=5000)
    assert _fits(presentation.stage.current_bbox(), STEPS[0].extent)
    # an empty text hides its line
    qtbot.keyClick(presentation, Qt.Key.Key_End)
    assert not presentation.caption.text_label.isVisible()


def test_b_blanks_the_screen_and_digits_enter_jump(qtbot):
    presentation = _presentation(qtbot)
    qtbot.keyClick(presentation, Qt.Key.Key_B)
    black = rgb_array(presentation.grab().toImage())
    assert black.max() == 0  # every pixel black
    qtbot.keyClick(presentation, Qt.Key.Key_B)
    shown = rgb_array(presentation.grab().toImage())
    assert shown.mean() > 200  # the white map and caption are back
    qtbot.keyClick(presentation, Qt.Key.Key_3)
    assert "3" in presentation.counter.text() and presentation.index == 0
    with qtbot.waitSignal(presentation.transition_finished, timeout=5000):
        qtbot.keyClick(presentation, Qt.Key.Key_Return)
    assert presentation.index == 2
    assert presentation.caption.title_label.text() == "The gymnasium"
    assert presentation.counter.text() == "3 / 3"
    assert _fits(presentation.stage.current_bbox(), STEPS[2].extent)
    # a number past the end goes to the last step; 0 goes nowhere
    qtbot.keyClick(presentation, Qt.Key.Key_1)
    qtbot.keyClick(presentation, Qt.Key.Key_Enter)
    assert presentation.index == 0
    qtbot.keyClick(presentation, Qt.Key.Key_0)
    qtbot.keyClick(presentation, Qt.Key.Key_Enter)
    assert presentation.index == 0


def _figure(key, label, value, baseline, unit, households):
    return Figure(
        key,
        label,
        value,
        unit,
        baseline=baseline,
        domain="radio",
        better="up",
        households=households,
    )


def test_kpi_cards_show_value_change_and_unit_through_the_privacy_gate(qtbot):
    figures = [
        _figure("radio.persons", "Persons with good 4G", 12_400.0, 11_000.0, "persons", 5_000.0),
        _figure("radio.tiny", "Persons in the hamlet", 18.0, 12.0, "persons", 6.0),
        Figure("capex.total", "Capex", 250_000.0, "EUR", baseline=0.0, domain="cost"),
    ]
    step = StoryStep(
        "Figures",
        extent=STEPS[0].extent,
        show="scenario",
        scenario="New mast",
        kpis=("radio.persons", "radio.tiny", "capex.total"),
    )
    presentation = _presentation(
        qtbot, [step], data_source=lambda name: ScenarioData(name, [], figures)
    )
    qtbot.waitUntil(lambda: "New mast" in presentation.data, timeout=5000)
    cards = [c for c in presentation.cards.cards if c.isVisible()]
    texts = [(c.label.text(), c.value.text(), c.delta.text()) for c in cards]
    assert texts[0] == (
        "Persons with good 4G",
        "12\u202f400 people",
        "+1\u202f400 people vs baseline",
    )
    assert texts[1][1] == "< 11 households" and "18" not in texts[1][2]  # masked by the gate
    assert texts[2] == ("Capex", "250\u202f000 €", "+250\u202f000 € vs baseline")
    # no card is clipped: each lies inside the window
    window_rect = presentation.rect()
    for card in cards:
        rect = card.geometry().translated(presentation.cards.pos())
        assert window_rect.contains(rect)
        assert card.value.sizeHint().width() <= card.value.width() + 1


def test_a_swipe_divider_slides_to_the_next_step(qtbot):
    swipe = dict(show="swipe", scenario="New mast", compare_with=None)
    steps = [
        StoryStep("Before and after", extent=STEPS[0].extent, divider=0.2, **swipe),
        StoryStep("Closer", extent=STEPS[1].extent, divider=0.8, **swipe),
    ]
    presentation = _presentation(qtbot, steps, data_source=lambda name: ScenarioData(name, [], []))
    assert presentation.stage.divider() == pytest.approx(0.2)
    positions = []
    presentation.animation.valueChanged.connect(lambda _v: positions.append(presentation.camera[1]))
    with qtbot.waitSignal(presentation.transition_finished, timeout=5000):
        qtbot.keyClick(presentation, Qt.Key.Key_PageDown)
    assert any(0.25 < p < 0.75 for p in positions)  # it slid, it did not jump
    assert positions == sorted(positions)
    view = presentation.stage.view
    assert presentation.stage.divider() == pytest.approx(0.8)
    assert view.handle.geometry().center().x() == pytest.approx(0.8 * view.width(), abs=2)
    assert [view.label_a.text(), view.label_b.text()] == ["Baseline", "New mast"]


def test_a_scenario_that_cannot_be_shown_is_one_line_not_a_crash(qtbot):
    from twin.errors import DataError

    def source(name):
        if name == "Gone":
            raise DataError("there is no scenario named 'Gone'")
        return ScenarioData(name, [], [])

    step = StoryStep("Removed", extent=STEPS[0].extent, show="scenario", scenario="Gone")
    presentation = _presentation(qtbot, [step, STEPS[1]], data_source=source)
    qtbot.waitUntil(lambda: presentation.message.isVisible(), timeout=5000)
    assert presentation.message.text() == "Gone: there is no scenario named 'Gone'"
    assert presentation.caption.title_label.text() == "Removed"
    with qtbot.waitSignal(presentation.transition_finished, timeout=5000):
        qtbot.keyClick(presentation, Qt.Key.Key_Right)  # the story goes on
    assert presentation.caption.title_label.text() == "The town hall"
    assert not presentation.message.isVisible()  # that step shows the baseline


def _orange_pixels(presentation) -> int:
    """Pixels of the sites' colour (#D55E00) on screen."""
    rgb = rgb_array(presentation.grab().toImage()).astype(int)
    close = (abs(rgb[..., 0] - 0xD5) < 20) & (abs(rgb[..., 1] - 0x5E) < 20) & (rgb[..., 2] < 30)
    return int(close.sum())


def test_a_step_shows_layers_named_by_id_or_in_any_case_as_the_exports_do(qtbot):
    """The sample's story names its layers by id ("communes", "town_halls"): the exports
    drew them, the presentation drew none of them (only exact names were matched)."""
    project = make_project()
    sites_id = project.layer("Sites").id
    extent = STEPS[0].extent
    steps = [
        StoryStep("By name, lower case", extent=extent, visible_layers=("sites", "buildings")),
        StoryStep("By id", extent=extent, visible_layers=(sites_id, "Buildings")),
        StoryStep("Without the sites", extent=extent, visible_layers=("Buildings",)),
    ]
    presentation = PresentationWindow(project, steps)
    qtbot.addWidget(presentation)
    presentation.resize(1280, 720)
    presentation.show()
    qtbot.waitExposed(presentation)
    qtbot.waitUntil(lambda: _orange_pixels(presentation) > 10, timeout=5000)
    with qtbot.waitSignal(presentation.transition_finished, timeout=5000):
        qtbot.keyClick(presentation, Qt.Key.Key_PageDown)
    assert _orange_pixels(presentation) > 10
    with qtbot.waitSignal(presentation.transition_finished, timeout=5000):
        qtbot.keyClick(presentation, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: _orange_pixels(presentation) == 0, timeout=5000)


def test_a_scenario_raster_lies_under_the_roads_and_sites_as_on_the_exported_pages(qtbot):
    """A scenario's coverage raster is drawn under the project's vector layers (as the story
    pages stack them): the sites stay visible over it. It hid them before."""
    from affine import Affine

    from twin.layers import Provenance, RasterLayer

    coverage = RasterLayer(
        "New mast: Coverage",
        np.full((20, 20), 2.0),
        Affine(50.0, 0.0, X0 - 300, 0.0, -50.0, Y0 + 700),
        make_project().crs,
        provenance=Provenance(source="engine:radio", parameters={"scenario": "New mast"}),
    )
    step = StoryStep(
        "Covered",
        extent=STEPS[0].extent,
        visible_layers=("Sites", "Coverage"),
        show="scenario",
        scenario="New mast",
    )
    presentation = _presentation(
        qtbot, [step], data_source=lambda name: ScenarioData(name, [coverage], [])
    )
    qtbot.waitUntil(lambda: "New mast" in presentation.data, timeout=5000)
    grey = rgb_array(presentation.grab().toImage())
    assert (grey.mean(axis=2) < 250).mean() > 0.5  # the raster covers most of the screen
    qtbot.waitUntil(lambda: _orange_pixels(presentation) > 10, timeout=5000)
