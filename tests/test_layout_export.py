"""The layout painter: PNG, PDF and SVG pages hold the title, the legend, the map, the
credits; File > Export map… writes the current view."""

from __future__ import annotations

import unicodedata

import pypdf
from map_helpers import BLUE, RED, X0, Y0, box_layer, project_of
from PySide6 import QtCore, QtGui, QtWidgets

from twin.kpi import Figure
from twin.layers.privacy import MASKED_LABEL
from twin.layers.provenance import Provenance
from twin.layout import Page, build_layout, regions
from twin.ui.export.painter import export_layout


def sample_project():
    sites = box_layer("Sites", [(100, 100, 200, 200)], RED)
    sites.provenance = Provenance(source="s.gpkg", attribution="ANFR", licence="Licence Ouverte")
    land = box_layer("Land", [(0, 0, 1000, 600)], BLUE)
    return project_of(sites, land)


WHITE = QtGui.QColor("white")


def ink_pixels(image: QtGui.QImage, rect) -> int:
    """Pixels of ``rect`` (left, top, width, height) that are not white."""
    left, top, width, height = (int(v) for v in rect)
    return sum(
        1
        for x in range(left, left + width, 2)
        for y in range(top, top + height, 2)
        if image.pixelColor(x, y) != WHITE
    )


def colour_count(image: QtGui.QImage, rect, colour: str) -> int:
    left, top, width, height = (int(v) for v in rect)
    return sum(
        1
        for x in range(left, left + width)
        for y in range(top, top + height)
        if image.pixelColor(x, y).name().upper() == colour
    )


def test_png_page_has_title_legend_map_cards_and_credits(qtbot, tmp_path):
    project = sample_project()
    layout = build_layout(
        project,
        "Coverage plan",
        "Baseline · 2026-11-30",
        extent=(X0, Y0, X0 + 1000, Y0 + 600),
        page=Page(900, 600, 96),
        figures=[Figure("p", "Premises passed", 4, "premises", "fiber", baseline=1)],
    )
    path = export_layout(layout, project, tmp_path / "map.png")
    image = QtGui.QImage(str(path))
    assert (image.width(), image.height()) == (900, 600)
    parts = regions(layout)
    header = parts.header
    assert ink_pixels(image, (header[0], header[1], header[2] / 2, header[3])) > 100
    # the legend shows the swatch of each layer in its colour; the map shows both layers
    assert colour_count(image, parts.legend, RED) > 50
    assert colour_count(image, parts.legend, BLUE) > 50
    assert colour_count(image, parts.map, RED) > 200 and colour_count(image, parts.map, BLUE) > 200
    assert ink_pixels(image, parts.kpis) > 100 and ink_pixels(image, parts.footer) > 50
    blank = build_layout(project, " ", " ", extent=layout.map.extent, page=layout.page)
    blank_image = QtGui.QImage(str(export_layout(blank, project, tmp_path / "blank.png")))
    # with blank title and subtitle the same region stays white: the ink above is the text
    assert ink_pixels(blank_image, (header[0], header[1], header[2] / 2, header[3])) == 0


def test_pdf_has_one_page_with_the_title_and_masked_figures_as_text(qtbot, tmp_path):
    project = sample_project()
    layout = build_layout(
        project,
        "Conseil métropolitain",
        page=Page(1200, 800, 150),
        figures=[Figure("p", "Premises passed", 4, "premises", "fiber", baseline=1)],
    )
    path = export_layout(layout, project, tmp_path / "map.pdf")
    reader = pypdf.PdfReader(str(path))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Conseil métropolitain" in text
    assert MASKED_LABEL in text and "Sources: ANFR (Licence Ouverte)" in text
    width_pt, height_pt = (
        float(reader.pages[0].mediabox.width),
        float(reader.pages[0].mediabox.height),
    )
    assert abs(width_pt - 1200 / 150 * 72) < 1 and abs(height_pt - 800 / 150 * 72) < 1


def test_svg_holds_the_title_and_the_map(qtbot, tmp_path):
    project = sample_project()
    layout = build_layout(project, "Réseau fibre", page=Page(800, 500, 96))
    text = export_layout(layout, project, tmp_path / "map.svg").read_text(encoding="utf-8")
    assert text.startswith("<?xml") and "<svg" in text
    assert "Réseau fibre" in text and "<image" in text


def test_export_map_dialog_writes_the_current_view(qtbot, tmp_path):
    from ui_helpers import make_project

    from twin.ui.main_window import MainWindow

    window = MainWindow(make_project())
    qtbot.addWidget(window)
    window.resize(900, 600)
    window.show()
    qtbot.waitExposed(window)
    window.export_map_action.trigger()
    dialog = window._export_dialog
    qtbot.waitExposed(dialog)
    dialog.title_edit.clear()
    qtbot.keyClicks(dialog.title_edit, "Export test")
    dialog.width_box.setValue(640)
    dialog.height_box.setValue(400)
    save = dialog.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Save)
    # a format twin cannot write: one line in the dialog, the dialog stays open, no file
    dialog.path_edit.setText(str(tmp_path / "map.gif"))
    qtbot.mouseClick(save, QtCore.Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and ".png" in dialog.error_label.text()
    assert "\n" not in dialog.error_label.text() and not (tmp_path / "map.gif").exists()
    dialog.path_edit.setText(str(tmp_path / "map.png"))
    qtbot.mouseClick(save, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    image = QtGui.QImage(str(tmp_path / "map.png"))
    assert (image.width(), image.height()) == (640, 400)
    layout = build_layout(window.canvas.project, "Export test", "s", page=Page(640, 400, 150))
    header = regions(layout).header
    assert ink_pixels(image, (header[0], header[1], header[2] / 2, header[3])) > 50
    assert "map.png" in window.statusBar().currentMessage()
    # let the window's own baseline jobs end before it goes (their late signals would
    # reach the next test's event loop)
    qtbot.waitUntil(lambda: not window.scenario.controller.busy, timeout=60_000)
    window.close()


def test_export_map_of_a_scenario_carries_its_headline_figures(qtbot, tmp_path):
    from types import SimpleNamespace

    from ui_scenario_fixtures import make_bench
    from ui_scenario_project import X0 as TOWN_X0
    from ui_scenario_project import Y0 as TOWN_Y0

    from twin.layout import headline_figures
    from twin.scenario import AddEvChargers
    from twin.ui.export.dialog import export_map_action

    bench = make_bench(qtbot)
    try:
        bench.controller.new_scenario("Plan A")
        bench.controller.add_intervention(
            AddEvChargers("Hub", TOWN_X0 + 100, TOWN_Y0 + 100, 2, 22.0)
        )
        bench.wait_idle()
        window = QtWidgets.QMainWindow()
        qtbot.addWidget(window)
        window.canvas = bench.canvas
        window.scenario = SimpleNamespace(controller=bench.controller)
        action = export_map_action(window)
        action.trigger()
        dialog = window._export_dialog
        qtbot.waitExposed(dialog)
        assert dialog.kpi_check.isChecked() and "Plan A" in dialog.subtitle_edit.text()
        dialog.width_box.setValue(1400)
        dialog.height_box.setValue(900)
        dialog.path_edit.setText(str(tmp_path / "plan.pdf"))
        save = dialog.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Save)
        qtbot.mouseClick(save, QtCore.Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20_000)
        text = " ".join(pypdf.PdfReader(str(tmp_path / "plan.pdf")).pages[0].extract_text().split())
        cards = headline_figures(bench.controller.figures())
        assert cards and all(" ".join(card.label.split()) in text for card in cards)
        assert "vs baseline" in text
        # and how each was computed (the live figures' lineage, built for the page)
        text = unicodedata.normalize("NFKC", text)  # the PDF writes "fi" as a ligature
        assert "How these figures are computed" in text
        assert "4G persons: no coverage: twin radio engine (twin.sim.radio) · 3GPP" in text
        assert "Capex radio: twin what-if costs" in text
        assert "Inputs: Mobile cells (tests:synthetic, " in text
    finally:
        bench.controller.shutdown()


def test_long_credits_are_wrapped_never_cut(qtbot, tmp_path):
    project = sample_project()
    credit = "; ".join(f"Producer number {k} of the territory data, 2024 edition" for k in range(6))
    project.layer("Sites").provenance = Provenance(attribution=credit, licence="ODbL")
    layout = build_layout(project, "Credits", page=Page(900, 600, 96))
    path = export_layout(layout, project, tmp_path / "credits.pdf")
    text = " ".join(pypdf.PdfReader(str(path)).pages[0].extract_text().split())
    assert f"{credit} (ODbL)" in text


def test_a_french_page_reads_french_cards_credits_and_counts(tmp_path):
    """A page exported in French: the violation card's unit agrees with its number, the
    change says "par rapport à l'existant", the credits start "Sources :" (all were
    English on the page before)."""
    from twin import i18n

    project = sample_project()
    project.layer("Sites").provenance = Provenance(attribution="ANFR", licence="Licence Ouverte")
    violations = Figure("energy.violations", "Grid violations", 1.0, "violations", "energy", 3.0)
    i18n.set_language("fr")
    try:
        layout = build_layout(project, "Réseau", page=Page(1200, 800, 96), figures=[violations])
        path = export_layout(layout, project, tmp_path / "page.pdf")
    finally:
        i18n.set_language("en")
    text = " ".join(pypdf.PdfReader(str(path)).pages[0].extract_text().split())
    assert "1 contrainte" in text and "−2 contraintes par rapport à l’existant" in text.replace(
        "'", "’"
    )
    assert "Sources : ANFR" in text and "Sources: " not in text


def test_a_legend_label_a_little_too_long_shrinks_instead_of_being_cut(qtbot, tmp_path):
    """A layer name wider than the legend column at full size is printed whole (smaller),
    not elided with "…" (it was: "Arrêt de bus et de …" in twin render)."""
    name = "Arrêts de bus et de tram du réseau STAR"
    stops = box_layer(name, [(100, 100, 200, 200)], RED)
    project = project_of(stops, box_layer("Land", [(0, 0, 1000, 600)], BLUE))
    layout = build_layout(project, "Transports", page=Page(900, 600, 96))
    text = export_layout(layout, project, tmp_path / "map.svg").read_text(encoding="utf-8")
    assert name in text and "…" not in text


def test_long_legend_rows_and_card_lines_are_printed_whole_on_a4_and_a_screen_page(qtbot, tmp_path):
    """Legend rows and KPI card lines as long as the sample story's ("very good: -95 dBm and
    above", "Radio capex per person gaining good coverage (4G or 5G)") are printed whole,
    not elided, on an A4 page at 300 dpi and on a 1920x1080 page with a two-column legend
    (both were cut with "…" before)."""
    from twin.layout import KpiCard, Layout, Legend, LegendGroup, LegendItem, Title
    from twin.ui.export.painter import write_page

    levels = ("no coverage: below -115 dBm", "very good: -95 dBm and above")
    coverage = LegendGroup(
        "4G coverage level", tuple(LegendItem(t, "#2166AC", None, "polygon") for t in levels)
    )
    many = tuple(
        LegendGroup(f"Layer {k}", (LegendItem(f"class {k}", "#888888", None, "line"),) * 4)
        for k in range(5)
    )
    cards = (
        KpiCard("Radio capex per person gaining good coverage (4G or 5G)", "123", "€ per person"),
        KpiCard("Fiber capex per premise made eligible", "1 978", "€ per premises", "+1 978"),
        KpiCard("4G persons: good or very good", "416 132", "people", "+1 219", "better"),
        KpiCard("Premises passed by new fiber", "80", "premises", "+80", "better"),
    )
    blank = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
    blank.fill(WHITE)
    for page, groups in (
        (Page.from_mm(297, 210, 300), (coverage,)),
        (Page(1920, 1080, 96), (*many, coverage)),
    ):
        layout = Layout(page=page, title=Title("Page"), legend=Legend(groups), kpis=cards)
        path = write_page(layout, blank, (0, 0, 1000, 1000), tmp_path / "page.pdf")
        text = pypdf.PdfReader(str(path)).pages[0].extract_text()
        text = " ".join(unicodedata.normalize("NFKC", text).split())  # (the "fi" ligature)
        assert "…" not in text and "..." not in text
        for line in (*levels, *(c.label for c in cards), "1 978 € per premises"):
            assert line in text, (page, line)
