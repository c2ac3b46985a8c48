"""The sample's council story: three scenarios and the French story "Conseil municipal".

Usage (on an existing sample, about a minute; ``scripts/make_sample.py`` runs it last)::

    python scripts/sample/story.py [PROJECT]      # default: resources/sample/rennes.twin

What it adds to the project, replacing any earlier copy:

- scenarios "Nouveau site Saint-Sulpice" (a 4G site, three 800 MHz sectors on a 30 m mast
  at the town hall of Saint-Sulpice-la-Forêt, the commune whose town hall is furthest from
  any mobile site: 4.2 km), "Extension fibre Langan" (FTTH to the buildings of Langan not
  yet eligible; the commune's polygon simplified to 150 m, as in
  ``docs/scenario-example.json``) and "Plan du conseil 2027" (both, plus 300 kWp of
  rooftop PV at Cleunay, Rennes);
- the story "Conseil municipal" (six steps, captions in French): the territory and its 4G
  coverage, the communes without good 4G, the new site (swipe baseline | scenario), the
  fiber extension, the rooftop PV (side by side) and the council's figures;
- the results of the three scenarios (default options, like ``twin simulate``), stored in
  the file so story exports (``twin present``) and the app show them without computing.

Step layers name project layers (id or name) or result layers without their
"<scenario>: " prefix (e.g. "4G coverage level"), drawn for the side the step shows.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from twin.scenario import (  # noqa: E402
    AddMobileSite,
    AddPhotovoltaics,
    CellSpec,
    ExtendFiber,
    Scenario,
)
from twin.story import StoryStep  # noqa: E402

STORY_NAME = "Conseil municipal"
SITE_SCENARIO = "Nouveau site Saint-Sulpice"
FIBER_SCENARIO = "Extension fibre Langan"
PLAN_SCENARIO = "Plan du conseil 2027"

# Town hall of Saint-Sulpice-la-Forêt (35315), Lambert-93 metres (town_halls layer)
SITE_XY = (360121.0, 6800750.0)
# Commune of Langan (35144), exterior ring simplified to 150 m (docs/scenario-example.json)
LANGAN_POLYGON = (
    (340701, 6805488), (341571, 6804695), (341209, 6804316), (341223, 6803837),
    (341557, 6803762), (341589, 6803380), (341875, 6803406), (342341, 6802813),
    (342242, 6802254), (341760, 6801708), (340252, 6802093), (339871, 6802845),
    (340135, 6803578), (339659, 6804715), (338654, 6804918), (338229, 6805477),
    (338256, 6805910), (338537, 6806381), (339313, 6805671),
)  # fmt: skip
PV_XY = (349500.0, 6787600.0)  # Cleunay, Rennes (as in docs/scenario-example.json)

BASE = ("communes", "roads", "town_halls", "mobile_cells")


def scenarios() -> list[Scenario]:
    """The three scenarios the story shows."""
    site = AddMobileSite(
        site_id="new-4g-ssf",
        name="Saint-Sulpice-la-Forêt",
        x=SITE_XY[0],
        y=SITE_XY[1],
        height_m=30.0,
        cells=tuple(
            CellSpec(
                azimuth_deg=azimuth,
                band_mhz=800,
                technology="4G",
                tx_power_dbm=46.0,
                bandwidth_mhz=10.0,
            )
            for azimuth in (0.0, 120.0, 240.0)
        ),
    )
    fiber = ExtendFiber(
        name="Langan", polygon=tuple((float(x), float(y)) for x, y in LANGAN_POLYGON)
    )
    solar = AddPhotovoltaics(name="Toitures de Cleunay", x=PV_XY[0], y=PV_XY[1], peak_kw=300.0)
    return [
        Scenario(SITE_SCENARIO, (site,), "Un site 4G (800 MHz, 3 secteurs) à Saint-Sulpice"),
        Scenario(FIBER_SCENARIO, (fiber,), "La fibre (FTTH) jusqu'aux bâtiments de Langan"),
        Scenario(PLAN_SCENARIO, (site, fiber, solar), "Le site, la fibre et 300 kWp de PV"),
    ]


def story_steps() -> list[StoryStep]:
    """The six steps of "Conseil municipal" (extents in Lambert-93 metres)."""
    return [
        StoryStep(
            title="Rennes Métropole : 43 communes et leur couverture 4G",
            text=(
                "Couverture 4G prédite aujourd'hui, tous opérateurs. La grande majorité des "
                "habitants a une bonne couverture ; les manques sont en lisière du territoire."
            ),
            extent=None,
            visible_layers=(*BASE, "4G coverage level"),
            kpis=("radio.4g.persons.good_or_better", "radio.4g.persons.none"),
        ),
        StoryStep(
            title="Les communes sans bonne 4G",
            text=(
                "Au nord-ouest et au nord-est, des communes restent loin de tout site : la "
                "mairie de Saint-Sulpice-la-Forêt est à 4,2 km du site le plus proche."
            ),
            extent=(331000.0, 6794000.0, 366000.0, 6812000.0),
            visible_layers=(*BASE, "4G coverage level"),
            kpis=("radio.4g.persons.none", "radio.4g.premises.none"),
        ),
        StoryStep(
            title="Un nouveau site 4G à Saint-Sulpice-la-Forêt",
            text=(
                "Trois secteurs à 800 MHz sur un mât de 30 m près de la mairie. À gauche "
                "aujourd'hui, à droite avec le nouveau site."
            ),
            extent=(353500.0, 6795500.0, 367000.0, 6806000.0),
            visible_layers=(*BASE, "4G coverage level"),
            show="swipe",
            scenario=SITE_SCENARIO,
            divider=0.3,
            kpis=(
                "radio.4g.persons.good_or_better",
                "radio.4g.persons.none",
                "capex.radio",
                "cost.radio_per_person",
            ),
        ),
        StoryStep(
            title="La fibre jusqu'à Langan",
            text=(
                "Extension du réseau FTTH aux bâtiments de Langan qui ne sont pas encore "
                "éligibles : tracé dans les fourreaux et le long des routes."
            ),
            extent=(336500.0, 6800500.0, 344000.0, 6807500.0),
            visible_layers=(
                "communes",
                "roads",
                "buildings",
                "fiber_cables",
                "fiber route",
                "premises passed",
            ),
            show="scenario",
            scenario=FIBER_SCENARIO,
            kpis=(
                "fiber.premises_passed",
                "fiber.route_m",
                "capex.fiber",
                "cost.fiber_per_premise",
            ),
        ),
        StoryStep(
            title="Énergie : 300 kWp de toitures solaires à Cleunay",
            text=(
                "Charge des lignes du réseau de distribution, à gauche aujourd'hui, à droite "
                "avec le plan du conseil : le réseau accueille la production sans contrainte."
            ),
            extent=(347000.0, 6786000.0, 352000.0, 6789200.0),
            visible_layers=("communes", "Line loading", "Transformer loading"),
            show="side_by_side",
            scenario=PLAN_SCENARIO,
            kpis=("energy.pv_added", "energy.co2_avoided", "energy.peak_line_loading"),
        ),
        StoryStep(
            title="Les chiffres du plan du conseil 2027",
            text=(
                "Un site 4G, la fibre à Langan et 300 kWp de photovoltaïque : habitants "
                "couverts, locaux raccordables, coût total et coût par habitant gagné."
            ),
            extent=None,
            visible_layers=(*BASE, "fiber_cables", "4G coverage level", "fiber route"),
            show="scenario",
            scenario=PLAN_SCENARIO,
            kpis=(
                "radio.4g_5g.persons.good_or_better",
                "fiber.premises_passed",
                "capex.total",
                "cost.radio_per_person",
            ),
        ),
    ]


def add_story(path: Path, log=print) -> Path:
    """Add the scenarios and the story to the project at ``path``, compute the scenarios'
    results (stored ones are reused) and save the project with them; returns the path."""
    import twin
    from twin.sim.whatif import WhatIfOptions, simulate

    started = time.perf_counter()
    project = twin.open_project(path)
    names = {scenario.name for scenario in scenarios()}
    project.scenarios = [s for s in project.scenarios if s.get("name") not in names] + [
        scenario.to_dict() for scenario in scenarios()
    ]
    project.set_story(STORY_NAME, story_steps())
    for scenario in scenarios():
        result = simulate(project, scenario, options=WhatIfOptions())
        for warning in result.warnings:
            log(f"  {scenario.name}: warning: {warning}")
        log(f"  {scenario.name}: {len(result.figures)} figures")
    project.save(path)
    log(
        f"story {STORY_NAME!r} ({len(story_steps())} steps) and {len(names)} scenarios with "
        f"their results in {path} ({path.stat().st_size / 1e6:.2f} MB) in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return path


def main(argv: list[str] | None = None) -> int:
    """Add the story to PROJECT (default: the bundled sample)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "project",
        nargs="?",
        type=Path,
        default=ROOT / "resources" / "sample" / "rennes.twin",
        help="project file (default: resources/sample/rennes.twin)",
    )
    args = parser.parse_args(argv)
    add_story(args.project)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
