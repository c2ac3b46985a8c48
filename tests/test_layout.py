"""The Qt-free page layout: JSON round trip, privacy-gated KPI cards, legend, credits, regions."""

from __future__ import annotations

import pytest
from map_helpers import BLUE, RED, box_layer, project_of

from twin.errors import DataError
from twin.kpi import Figure
from twin.layers.privacy import MASKED_LABEL
from twin.layers.provenance import Provenance
from twin.layout import (
    KpiCard,
    Layout,
    Page,
    attribution_text,
    build_layout,
    legend_item_cap,
    legend_rows,
    regions,
)


def two_layer_project():
    top = box_layer("Sites", [(0, 0, 10, 10)], RED)
    top.provenance = Provenance(source="a.gpkg", attribution="ANFR", licence="Licence Ouverte")
    bottom = box_layer("Communes", [(0, 0, 100, 100)], BLUE)
    bottom.provenance = Provenance(source="b.gpkg", attribution="IGN", licence="Licence Ouverte")
    hidden = box_layer("Hidden", [(0, 0, 5, 5)], BLUE)
    hidden.visible = False
    return project_of(top, hidden, bottom)


def test_layout_of_a_project_round_trips_through_json():
    figures = [Figure("p", "People covered", 12_345, "persons", "radio", baseline=10_000)]
    layout = build_layout(
        two_layer_project(),
        "Coverage",
        "Plan 2027 · 2026-11-30",
        extent=(1.0, 2.0, 3.0, 4.0),
        page=Page.from_mm(297, 210, 150),
        figures=figures,
        page_number=2,
        page_count=6,
    )
    assert layout.map.layers == ("Sites", "Communes")  # visible only, top first
    assert [g.layer for g in layout.legend.groups] == ["Sites", "Communes"]
    assert layout.legend.groups[0].items[0].fill_color == RED
    assert layout.attribution.text == "ANFR (Licence Ouverte); IGN (Licence Ouverte)"
    assert (layout.page.width_px, layout.page.height_px) == (1754, 1240)  # A4 at 150 dpi
    again = Layout.from_json(layout.to_json())
    assert again == layout
    with pytest.raises(DataError, match="not a layout"):
        Layout.from_json('{"map": 3}')


def test_people_cards_pass_the_privacy_gate():
    small = KpiCard.from_figure(Figure("p", "Premises passed", 7, "premises", "fiber", 3))
    assert small.value == MASKED_LABEL and small.delta == MASKED_LABEL and small.unit == ""
    big = KpiCard.from_figure(Figure("c", "People covered", 12_345, "persons", "radio", 10_000))
    assert big.value == "12\u202f345" and big.unit == "people" and big.delta_unit == "people"
    assert big.delta == "+2\u202f345" and big.tone == "better"
    # a difference of fewer than 11 persons between two large figures is masked too
    near = KpiCard.from_value("People covered", 12_345, "persons", baseline=12_340)
    assert near.value == "12\u202f345" and near.delta == MASKED_LABEL
    one = KpiCard.from_figure(Figure("e", "Grid violations", 1, "violations", "energy", 3, "down"))
    assert (one.value, one.unit, one.delta, one.delta_unit) == (
        "1",
        "violation",
        "−2",
        "violations",
    )
    assert one.tone == "better"
    cost = KpiCard.from_value("Cost", 250_000, "EUR", baseline=0, better="down")
    assert cost.delta == "+250\u202f000" and cost.tone == "worse"


def test_regions_tile_the_page_without_overlap():
    layout = build_layout(
        two_layer_project(),
        "T",
        "S",
        figures=[Figure("c", "Cost", 5, "EUR", "cost")],
        page_number=1,
    )
    parts = regions(layout)
    header, map_, legend, kpis, footer = (
        parts.header,
        parts.map,
        parts.legend,
        parts.kpis,
        parts.footer,
    )
    assert header[1] + header[3] <= map_[1]
    assert map_[0] + map_[2] <= legend[0]
    assert map_[1] + map_[3] <= kpis[1] and kpis[1] + kpis[3] <= footer[1]
    assert footer[1] + footer[3] <= layout.page.height_px
    assert legend[0] + legend[2] <= layout.page.width_px
    tiny = regions(build_layout(two_layer_project(), "T", page=Page(40, 20)))
    assert tiny.map[2] >= 1 and tiny.map[3] >= 1


def test_legend_cap_keeps_the_legend_within_its_rows():
    layers = [box_layer(f"L{i}", [(0, 0, 1, 1)], RED) for i in range(3)]
    layout = build_layout(project_of(*layers), "T")
    many = tuple(
        type(layout.legend.groups[0].items[0])(f"class {k}", RED, None, "polygon")
        for k in range(10)
    )
    groups = tuple(type(g)(g.layer, many) for g in layout.legend.groups)
    layout = Layout(legend=type(layout.legend)(groups))
    assert legend_rows(layout, 10) == 33
    cap = legend_item_cap(layout, 20)
    assert legend_rows(layout, cap) <= 20 and legend_rows(layout, cap + 1) > 20


def test_headline_figures_take_the_first_of_each_domain():
    from twin.layout import headline_figures

    figures = [
        Figure("r1", "Covered", 100, "persons", "radio"),
        Figure("r2", "Covered 5G", 50, "persons", "radio"),
        Figure("f1", "Premises", 30, "premises", "fiber"),
        Figure("t1", "PTAL", 3, "", "transit"),
        Figure("e1", "Violations", 1, "count", "energy"),
        Figure("c1", "Capex", 9, "EUR", "cost"),
    ]
    assert [f.key for f in headline_figures(figures)] == ["r1", "f1", "t1", "e1"]


def test_credits_name_sources_not_engine_identifiers():
    """A result layer computed by an engine (source "engine:fiber", no attribution) is
    credited as twin, once; the story's fiber page printed "engine:fiber" before."""
    route = box_layer("Fiber route", [(0, 0, 10, 10)], RED)
    route.provenance = Provenance(source="engine:fiber")
    coverage = box_layer("Coverage", [(0, 0, 10, 10)], BLUE)
    coverage.provenance = Provenance(source="engine:twin.sim.radio")
    sites = box_layer("Sites", [(0, 0, 10, 10)], RED)
    sites.provenance = Provenance(source="data/sites.gpkg", attribution="ANFR")
    assert attribution_text([route, sites, coverage]) == "twin; ANFR"


def test_the_story_cards_and_fiber_legend_read_french_in_a_french_run():
    """The sample story's cost cards and fiber route classes were English on French
    pages (their labels were not in the catalogue)."""
    from twin import i18n

    i18n.set_language("fr")
    try:
        card = KpiCard.from_value(
            "Radio capex per person gaining good coverage (4G or 5G)", 123.0, "EUR/person"
        )
        capex = KpiCard.from_value("Capex fiber", 158_203.0, "EUR")
        classes = [i18n.tr_label(t) for t in ("existing duct", "aerial (poles)", "new trench")]
    finally:
        i18n.set_language("en")
    assert card.label == "Coût radio par habitant nouvellement bien couvert (4G ou 5G)"
    assert capex.label == "Investissement fibre"
    assert classes == ["fourreau existant", "aérien (poteaux)", "nouvelle tranchée"]
