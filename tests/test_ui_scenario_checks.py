"""Issue 10: the app checks scenarios like the CLI. A site placed or dropped outside the
project extent is refused with one line naming the field, its value and the allowed range;
a project file holding an unusable scenario (a value out of range, a site far away) opens
with that scenario set aside (kept in the file, listed in Data warnings), never failing
inside a Qt slot; the CLI refuses to run it with exit 2 and one line."""

from __future__ import annotations

import pytest
from hardening_helpers import assert_one_line_error, edit_meta, run_cli, saved_project
from PySide6.QtCore import Qt
from ui_scenario_fixtures import make_bench
from ui_scenario_project import SITE_A, SIZE_M, X0, Y0

from twin.project import Project
from twin.ui.main_window import MainWindow
from twin.ui.map.tools.add_site import AddSiteTool
from twin.ui.map.tools.move_site import MoveSiteTool

pytestmark = pytest.mark.filterwarnings("ignore:.*non conformant file extension")

OUTSIDE = (X0 - 1000.0, Y0 + 2000.0)  # 1 km west of the territory
EXTENT_TEXT = f"(allowed: x {X0:.0f} to {X0 + SIZE_M:.0f} m, y {Y0:.0f} to {Y0 + SIZE_M:.0f} m)"


@pytest.fixture
def bench(qtbot):
    bench = make_bench(qtbot)
    half = SIZE_M  # zoom out: the map shows land on either side of the territory
    bench.canvas.zoom_to_bbox((X0 - half, Y0 - half, X0 + SIZE_M + half, Y0 + SIZE_M + half))
    yield bench
    bench.controller.shutdown()


def test_a_site_clicked_outside_the_extent_is_refused_with_its_range(bench):
    messages = []
    bench.controller.message.connect(messages.append)
    tool = bench.tool(AddSiteTool(bench.controller))
    said = []
    tool.on_status = said.append
    bench.click(*OUTSIDE)
    bench.wait_idle()
    assert bench.controller.current_name() is None  # no scenario was made for it
    assert bench.panel.intervention_texts() == []
    assert "x, y = (" in said[-1] and "is outside the project extent" in said[-1]
    # the refusal reaches the status bar too; background engine preparation may report
    # its own progress at any time, so look for the refusal, not at the last message only
    assert said[-1].endswith(EXTENT_TEXT) and said[-1] in messages
    # ... and the silent preparation never replaces it in the status bar
    assert not any(
        m.startswith("Preparing the fiber, transit and energy engines") for m in messages
    )
    bench.click(X0 + 3000.0, Y0 + 2000.0)  # inside: added as before
    bench.wait_idle()
    assert len(bench.panel.intervention_texts()) == 1


def test_a_site_dropped_outside_the_extent_stays_where_it_was(bench):
    baseline = bench.controller.figures()
    messages = []
    bench.controller.message.connect(messages.append)
    bench.tool(MoveSiteTool(bench.controller))
    bench.press(*SITE_A)
    bench.move(SITE_A[0] - 700, SITE_A[1])
    bench.move(*OUTSIDE)
    bench.release(*OUTSIDE)
    bench.wait_idle()
    assert bench.panel.intervention_texts() == []  # no move was recorded
    assert any("is outside the project extent" in m for m in messages)
    assert bench.controller.figures() == baseline  # the figures went back with the site


SITE = {
    "type": "add_mobile_site",
    "site_id": "n1",
    "name": "North",
    "x": 351_100.0,
    "y": 6_789_300.0,
    "height_m": 30.0,
}
CELL = {"azimuth_deg": 0.0, "band_mhz": 800, "technology": "4G", "tx_power_dbm": 43.0}
BAD_CELL = CELL | {"bandwidth_mhz": -10.0}


@pytest.fixture
def odd_project(tmp_path):
    """The small test town holding a usable scenario and two that cannot be used."""
    path = saved_project(tmp_path)

    def scenarios(meta):
        meta["scenarios"] = [
            {"name": "Good", "interventions": [SITE]},
            {"name": "Bad band", "interventions": [dict(SITE, cells=[BAD_CELL])]},
            {"name": "Far", "interventions": [dict(SITE, x=9_000_000.0)]},
        ]  # fmt: skip

    edit_meta(path, scenarios)
    return path


def test_a_project_with_unusable_scenarios_opens_with_them_set_aside(qtbot, odd_project):
    window = MainWindow()
    qtbot.addWidget(window, before_close_func=lambda w: w.set_modified(False))
    window.show()
    with qtbot.waitSignal(window.files.project_opened, timeout=60_000):
        window.open_path(odd_project)
    panel = window.scenario.panel
    listed = [panel.scenario_list.item(i).text() for i in range(panel.scenario_list.count())]
    assert "Good" in listed and "Bad band" not in listed and "Far" not in listed
    qtbot.waitUntil(lambda: len(window.data_warnings.messages) >= 2, timeout=10_000)
    qtbot.mouseClick(window.data_warnings_button, Qt.MouseButton.LeftButton)
    dialog = window.data_warnings_button.dialog
    shown = [dialog.items.item(i).text() for i in range(dialog.items.count())]
    band = next(line for line in shown if "'Bad band'" in line)
    assert "bandwidth_mhz = -10" in band and "allowed: more than 0 to 400 MHz" in band
    far = next(line for line in shown if "'Far'" in line)
    assert "x, y = (9000000, 6789300) m is outside the project extent (allowed: x " in far
    # an edit and a save keep the set-aside scenarios in the file: nothing is lost
    window.scenario.controller.new_scenario("Another")
    handle = window.files.save_to(odd_project)
    with qtbot.waitSignal(handle.finished, timeout=30_000):
        pass
    assert handle.outcome is not None and handle.outcome[0] == "succeeded", handle.outcome
    names = [s["name"] for s in Project.open(odd_project).scenarios]
    assert sorted(names) == ["Another", "Bad band", "Far", "Good"]
    window.set_modified(False)


@pytest.mark.parametrize(
    "name, words",
    [
        ("Bad band", ["scenario 'Bad band', intervention 1", "bandwidth_mhz = -10", "allowed"]),
        ("Far", ["x, y = (9000000, 6789300) m is outside the project extent", "allowed: x"]),
    ],
)
def test_the_cli_refuses_an_unusable_stored_scenario_in_one_line(
    odd_project, tmp_path, capsys, name, words
):
    argv = ["simulate", str(odd_project), "--scenario", name, "--domains", "radio"]
    status, _, err = run_cli(capsys, *argv, "--out", str(tmp_path / "out"))
    assert_one_line_error(status, err, *words)
