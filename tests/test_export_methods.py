"""Exported pages say how each figure shown was computed: under the KPI cards, one line per
method (engine · standard, inputs with source and date, privacy masking) in the current
language, never cut. Checked through the written PNG (pixels) and PDF (text)."""

from __future__ import annotations

import unicodedata

import numpy as np
import pypdf
import pytest
from map_helpers import BLUE, X0, Y0, box_layer, project_of
from PySide6 import QtGui

from twin import i18n
from twin.kpi import Figure
from twin.layout import Page, build_layout, regions
from twin.layout_method import how_computed, method_lines
from twin.ui.export.painter import export_layout

RADIO = {
    "figure": "radio.4g.persons.good",
    "domain": "radio",
    "engine": "twin radio engine (twin.sim.radio)",
    "model": "RSRP per cell",
    "standard": "3GPP TR 38.901",
    "inputs": [
        {"id": "mobile_cells", "name": "Mobile cells", "source": "ANFR", "date": "2026-01-15"},
        {"id": "terrain", "name": "Terrain (DEM)", "source": "IGN RGE ALTI", "date": "2025-06-01"},
        {"id": "buildings", "name": "Buildings", "source": "ANFR", "date": "2026-01-15"},
    ],
    "privacy": {"people_figure": True, "masked": ["value", "delta"]},
}
COST = {
    "figure": "capex.radio",
    "domain": "cost",
    "engine": "twin what-if costs (twin.sim.whatif)",
    "standard": "unit costs",
    "inputs": [{"id": "mobile_cells", "name": "Mobile cells", "source": "ANFR", "date": ""}],
    "privacy": {"people_figure": False, "masked": []},
}
REPORTS = {
    "figure": "reports.transit_improved",
    "domain": "reports",
    "engine": "twin citizen reports",
    "model": "transit reports within 300 m of a place whose PTAL rises",
    "standard": "TfL PTAL",
    "inputs": [],
    "privacy": {"people_figure": False, "masked": []},
}


@pytest.fixture
def english():
    previous = i18n.language()
    i18n.set_language("en")
    yield
    i18n.set_language(previous)


@pytest.fixture
def french():
    previous = i18n.language()
    i18n.set_language("fr")
    yield
    i18n.set_language(previous)


def test_how_computed_names_engine_standard_inputs_dates_and_masking(english):
    assert how_computed(RADIO) == (
        "twin radio engine (twin.sim.radio) · 3GPP TR 38.901. "
        "Inputs: Mobile cells, Buildings (ANFR, 15 Jan 2026); "
        "Terrain (DEM) (IGN RGE ALTI, 1 Jun 2025). "
        "Masked: value, change (fewer than 11 households, INSEE rule)"
    )
    assert how_computed(COST) == (
        "twin what-if costs (twin.sim.whatif) · unit costs. Inputs: Mobile cells (ANFR)"
    )
    assert how_computed(REPORTS) == (
        "twin citizen reports · TfL PTAL. "
        "Counts: transit reports within 300 m of a place whose PTAL rises"
    )
    assert how_computed(None) == ""


def test_how_computed_in_french(french):
    text = how_computed(RADIO)
    assert "Données d'entrée : Cellules mobiles, Bâtiments (ANFR, 15 janv. 2026)" in text
    assert text.endswith("Masqué : valeur, variation (moins de 11 ménages, règle de l'INSEE)")


def _figures() -> list[Figure]:
    """Four cards: two radio figures (one masked), a cost, a reports figure."""
    return [
        Figure("radio.a", "Persons with good 4G", 5000.0, "persons", "radio", 4000.0,
               households=2000.0, baseline_households=1600.0, lineage=RADIO),
        Figure("radio.b", "Persons without 4G", 7.0, "persons", "radio", 9.0,
               households=3.0, baseline_households=4.0, lineage=RADIO),
        Figure("capex.radio", "Capex radio", 150_000.0, "EUR", "cost", 0.0, "down",
               lineage=COST),
        Figure("reports.transit_improved", "Transit reports in areas the scenario improves",
               3.0, "reports", "reports", 0.0, lineage=REPORTS),
    ]  # fmt: skip


def _layout(page: Page):
    project = project_of(box_layer("Land", [(0, 0, 1000, 600)], BLUE))
    layout = build_layout(
        project, "Plan", "Plan A", extent=(X0, Y0, X0 + 1000, Y0 + 600), page=page,
        figures=_figures(),
    )  # fmt: skip
    return project, layout


def test_cards_sharing_a_method_share_its_line(english):
    _, layout = _layout(Page(1200, 800, 96))
    lines = method_lines(layout.kpis)
    assert len(lines) == 3  # the two radio cards print their method once
    assert lines[0].startswith("Persons with good 4G, Persons without 4G: twin radio engine")
    assert lines[1].startswith("Capex radio: twin what-if costs")
    assert lines[2].startswith("Transit reports in areas the scenario improves: twin citizen")


def _pixels(path) -> np.ndarray:
    image = QtGui.QImage(str(path)).convertToFormat(QtGui.QImage.Format.Format_RGB888)
    stride, width, height = image.bytesPerLine(), image.width(), image.height()
    rows = np.frombuffer(bytes(image.constBits()), np.uint8, count=stride * height)
    return rows.reshape(height, stride)[:, : width * 3].reshape(height, width, 3).copy()


def _dark_rows(array: np.ndarray, rect) -> np.ndarray:
    """Rows (page y) of ``rect`` holding text-dark pixels."""
    left, top, width, height = (round(v) for v in rect)
    part = array[top : top + height, left : left + width].astype(int)
    return top + np.flatnonzero((part.mean(axis=2) < 160).any(axis=1))


@pytest.mark.parametrize("size", [(1600, 1000), (800, 600)])
def test_png_prints_the_lines_between_the_cards_and_the_credits_uncut(qtbot, tmp_path, size,
                                                                      english):  # fmt: skip
    project, layout = _layout(Page(*size, 96))
    parts = regions(layout)
    kpis, methods, footer = parts.kpis, parts.methods, parts.footer
    assert kpis[1] + kpis[3] <= methods[1] and methods[1] + methods[3] <= footer[1]
    array = _pixels(export_layout(layout, project, tmp_path / "page.png"))
    width = array.shape[1]
    rows = _dark_rows(array, methods)
    assert len(rows) > 0.3 * methods[3]  # the heading and the lines are drawn
    # nothing drawn below the block down to the credits: no line spills out of it
    gap = (0, methods[1] + methods[3], width, footer[1] - methods[1] - methods[3])
    assert len(_dark_rows(array, gap)) == 0
    # the last line ends inside the block: the bottom text row leaves the block's edge clear
    assert rows.max() < methods[1] + methods[3] - 1


def test_pdf_holds_every_line_as_text_in_french(qtbot, tmp_path, french):
    project, layout = _layout(Page(1100, 700, 96))
    path = export_layout(layout, project, tmp_path / "page.pdf")
    raw = pypdf.PdfReader(str(path)).pages[0].extract_text()
    text = " ".join(unicodedata.normalize("NFKC", raw).split())
    assert "Comment ces chiffres sont calculés" in text
    assert "Données d'entrée : Cellules mobiles, Bâtiments (ANFR, 15 janv. 2026)" in text
    assert "Masqué : valeur, variation (moins de 11 ménages, règle de l'INSEE)" in text
    assert "Compte : transit reports within 300 m of a place whose PTAL rises" in text
