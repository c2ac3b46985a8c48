"""The KPI dock: figures with units and deltas grouped by domain, live charts, CSV and
clipboard."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest
from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QGuiApplication

from twin import i18n
from twin.kpi import Figure, format_value
from twin.ui.panels.kpi import KpiDock
from twin.ui.panels.kpi_table import BETTER_COLOR, WORSE_COLOR


def radio_figures(good_5g: float) -> list[Figure]:
    """5G persons per level for a scenario whose "good" count is ``good_5g``."""
    base = {"none": 4000.0, "limited": 3000.0, "good": 2000.0, "very_good": 1000.0}
    values = dict(base, good=good_5g, none=base["none"] - (good_5g - base["good"]))
    return [
        Figure(
            f"radio.5g.persons.{level}",
            f"5G persons: {level}",
            values[level],
            "persons",
            "radio",
            base[level],
            "down" if level == "none" else "up",
        )
        for level in base
    ]


def all_figures(good_5g: float = 3200.0) -> list[Figure]:
    return [
        *radio_figures(good_5g),
        Figure(
            "fiber.premises_eligible",
            "Premises eligible to fiber",
            10_500.0,
            "premises",
            "fiber",
            10_000.0,
        ),
        Figure(
            "transit.persons.ptal_1a", "Persons in PTAL band 1a", 700.0, "persons", "transit", 900.0
        ),
        Figure(
            "transit.persons.ptal_3", "Persons in PTAL band 3", 1300.0, "persons", "transit", 1100.0
        ),
        Figure("energy.violations", "Grid violations", 3.0, "violations", "energy", 1.0, "down"),
        Figure("energy.peak_line_loading", "Peak line loading", 87.5, "%", "energy", 80.25, "down"),
        Figure("capex.total", "Capex total", 150_000.0, "EUR", "cost", 0.0, "down"),
        Figure(
            "cost.radio_per_person",
            "Radio capex per person",
            125.0,
            "EUR/person",
            "cost",
            None,
            "down",
        ),
        Figure("energy.co2_avoided", "CO2 avoided", 12.5, "t/yr", "energy", 0.0, "up"),
    ]


@pytest.fixture
def dock(qtbot):
    widget = KpiDock()
    qtbot.addWidget(widget)
    widget.resize(420, 760)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_scenario_name("Densify")
    widget.set_figures(all_figures())
    return widget


def test_table_shows_values_units_and_signed_deltas(dock):
    table = dock.table
    # 5G good: baseline 2 000, scenario 3 200 -> +1 200 persons
    assert table.row_texts("radio.5g.persons.good") == [
        "5G persons: good",
        "2 000 people",
        "3 200 people",
        "+1 200 people",
    ]
    # none falls by the same 1 200 (4 000 -> 2 800)
    assert table.row_texts("radio.5g.persons.none")[3] == "−1 200 people"
    assert table.row_texts("energy.peak_line_loading")[1:] == ["80.25 %", "87.50 %", "+7.25 %"]
    assert table.row_texts("capex.total")[1:] == ["0 €", "150.0 k€", "+150.0 k€"]
    assert table.row_texts("cost.radio_per_person")[1:] == ["–", "125 € per person", "–"]
    # people are counted in whole numbers, even when an engine's weighted sum is not
    fraction = Figure("radio.x", "4G persons: good", 43.2, "persons", "radio", 0.6)
    assert format_value(fraction.value, "persons") == "43 people"
    assert format_value(fraction.baseline, "persons") == "1 person"
    # a count of violations reads as violations, one or several (was "1 count")
    assert table.row_texts("energy.violations")[1:] == [
        "1 violation",
        "3 violations",
        "+2 violations",
    ]
    assert table.row_texts("energy.co2_avoided")[1:] == [
        "0 t/year",
        "12.50 t/year",
        "+12.50 t/year",
    ]
    assert table.horizontalHeaderItem(2).text() == "Densify"


def test_rows_are_grouped_under_domain_headers_and_changes_coloured(dock):
    table = dock.table
    first_column = [table.item(r, 0).text() for r in range(table.rowCount())]
    assert first_column[0] == "Mobile coverage"
    assert first_column.index("Fiber") < first_column.index("Public transport")
    assert first_column.index("Energy grid") < first_column.index("Cost")
    assert table.columnSpan(0, 0) == 4
    good = table.item(table._row_of_key["radio.5g.persons.good"], 3)
    violations = table.item(table._row_of_key["energy.violations"], 3)
    assert good.foreground().color().name().upper() == BETTER_COLOR  # more covered: good
    assert violations.foreground().color().name().upper() == WORSE_COLOR  # 1 -> 3 violations


def test_charts_update_when_figures_change(dock):
    baseline, scenario = dock.coverage_chart.chart.heights()
    assert baseline == [4000.0, 3000.0, 2000.0, 1000.0]
    assert scenario == [2800.0, 3000.0, 3200.0, 1000.0]
    assert dock.ptal_chart.chart.categories == ["1a", "3"]
    assert dock.ptal_chart.chart.heights() == ([900.0, 1100.0], [700.0, 1300.0])
    image_before = dock.coverage_chart.grab().toImage()
    rows_before = dock.table.rowCount()

    dock.set_figures(all_figures(good_5g=3900.0))  # a site dragged further

    assert dock.coverage_chart.chart.heights()[1] == [2100.0, 3000.0, 3900.0, 1000.0]
    assert dock.table.row_texts("radio.5g.persons.good")[3] == "+1 900 people"
    assert dock.table.rowCount() == rows_before  # updated in place
    assert dock.coverage_chart.grab().toImage() != image_before


def test_headline_names_capex_with_unit(dock):
    assert "150.0 k€" in dock.headline_label.text()


def test_headline_follows_live_updates_in_place(dock):
    figure = Figure(
        "radio.5g.persons.good_or_better", "5G good", 5200.0, "persons", "radio", 5000.0
    )
    dock.set_figures([*all_figures(), figure])
    assert "Good 5G coverage\t5 200 people\t+200\n" in dock.headline_label.text()
    dock.set_figures([*all_figures(), replace(figure, value=4900.0)])  # dragged further
    assert "Good 5G coverage\t4 900 people\t−100\n" in dock.headline_label.text()
    assert dock.headline_label.text().count("\n") == 4  # 5 figures, one line each


def test_headline_reads_one_grid_violation_in_words_in_english_and_french(qtbot):
    one = [Figure("energy.violations", "Grid violations", 1.0, "violations", "energy")]
    dock = KpiDock()
    qtbot.addWidget(dock)
    dock.set_figures(one)
    assert "\t1 violation\t" in dock.headline_label.text()
    i18n.set_language("fr")
    try:
        french = KpiDock()
        qtbot.addWidget(french)
        french.set_figures([replace(one[0], value=3.0)])
        assert "\t3\u00a0contraintes\t" in french.headline_label.text()
        assert "Contraintes réseau" in french.headline_label.text()
    finally:
        i18n.set_language("en")


def test_csv_export_has_plain_numbers_and_units(dock, tmp_path):
    path = tmp_path / "figures.csv"
    dock.export_csv(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    by_key = {row["key"]: row for row in rows}
    assert by_key["radio.5g.persons.good"] == {
        "domain": "radio",
        "key": "radio.5g.persons.good",
        "label": "5G persons: good",
        "unit": "persons",
        "Baseline": "2000",
        "Densify": "3200",
        "change": "1200",
    }
    assert by_key["energy.peak_line_loading"]["change"] == "7.25"
    assert by_key["cost.radio_per_person"]["Baseline"] == ""
    assert len(rows) == len(all_figures())


def test_copy_puts_the_table_on_the_clipboard(dock, qtbot):
    qtbot.mouseClick(dock.copy_button, __import__("PySide6").QtCore.Qt.MouseButton.LeftButton)
    text = QGuiApplication.clipboard().text()
    lines = text.splitlines()
    assert lines[0] == "Domain\tFigure\tBaseline\tDensify\tChange"
    assert (
        "Fiber\tPremises eligible to fiber\t10 000 premises\t10 500 premises\t+500 premises"
        in lines
    )


class FakeController(QObject):
    """The ScenarioController signals the dock listens to."""

    figures_changed = Signal(list)
    current_changed = Signal(object)
    busy_changed = Signal(bool)

    def current_scenario(self):
        return None

    def figures(self):
        return radio_figures(2500.0)


def test_bind_follows_the_controller(qtbot):
    dock = KpiDock()
    qtbot.addWidget(dock)
    controller = FakeController()
    dock.bind(controller)
    assert dock.table.row_texts("radio.5g.persons.good")[3] == "+500 people"
    controller.current_changed.emit("Tram")
    controller.figures_changed.emit(radio_figures(2600.0))
    controller.busy_changed.emit(True)
    qtbot.waitUntil(
        lambda: dock.table.row_texts("radio.5g.persons.good")[2:] == ["2 600 people", "+600 people"]
    )
    assert "Tram" in dock.title_label.text()
    qtbot.waitUntil(lambda: dock.busy_label.isVisibleTo(dock))


def test_live_updates_are_coalesced_to_the_newest_and_unchanged_cells_stay(qtbot):
    dock = KpiDock()
    qtbot.addWidget(dock)
    controller = FakeController()
    dock.bind(controller)
    changed = []
    dock.table.itemChanged.connect(lambda item: changed.append(item.text()))
    for persons in (2600.0, 2700.0, 2800.0):  # faster than a frame, as during a drag
        controller.figures_changed.emit(radio_figures(persons))
    qtbot.waitUntil(lambda: dock.table.row_texts("radio.5g.persons.good")[2] == "2 800 people")
    assert "2 600 people" not in changed and "2 700 people" not in changed
    count = len(changed)
    controller.figures_changed.emit(radio_figures(2800.0))  # the same figures again
    qtbot.wait(50)
    assert len(changed) == count


def test_cancel_in_the_dock_stops_the_slow_engines(qtbot):
    dock = KpiDock()
    qtbot.addWidget(dock)
    dock.show()
    controller = SlowController()
    dock.bind(controller)
    assert not dock.cancel_button.isVisible()
    controller.slow_running_changed.emit(True)
    assert dock.cancel_button.isVisible()
    qtbot.mouseClick(dock.cancel_button, Qt.MouseButton.LeftButton)
    assert controller.cancelled == 1
    controller.slow_running_changed.emit(False)
    assert not dock.cancel_button.isVisible()


class SlowController(FakeController):
    """A controller whose slow engines can be cancelled."""

    slow_running_changed = Signal(bool)
    cancelled = 0

    def cancel_slow(self):
        self.cancelled += 1


def test_busy_label_waits_before_showing_so_short_updates_do_not_blink(qtbot):
    dock = KpiDock()
    qtbot.addWidget(dock)
    dock.show()
    controller = FakeController()
    dock.bind(controller)
    for _ in range(5):  # a drag: busy for a few ms at a time
        controller.busy_changed.emit(True)
        controller.busy_changed.emit(False)
    qtbot.wait(400)
    assert not dock.busy_label.isVisible()
    controller.busy_changed.emit(True)  # a long computation
    qtbot.waitUntil(dock.busy_label.isVisible)
    controller.busy_changed.emit(False)
    assert not dock.busy_label.isVisible()


def test_in_a_narrow_dock_the_headline_figures_stay_whole_and_names_give_way(dock, qtbot):
    """In the right dock of a 1920 px window (about 360 px) the values were cut
    ("416 132 habitant", "308 k"); now a name is elided (whole in its tooltip) instead."""
    from PySide6.QtWidgets import QLabel

    dock.resize(300, 700)
    dock.show()
    qtbot.waitExposed(dock)
    qtbot.wait(50)
    labels = [label for label in dock.headline_label.findChildren(QLabel) if label.isVisible()]
    figures = [label for label in labels if any(ch.isdigit() for ch in label.text())]
    assert figures
    for label in figures:  # every value and change at its full width, inside the dock
        assert label.width() >= label.sizeHint().width(), label.text()
        assert label.mapTo(dock, QPoint(label.width(), 0)).x() <= dock.width(), label.text()
    assert "Fiber-eligible premises\t10 500 premises" in dock.headline_label.text()  # whole
