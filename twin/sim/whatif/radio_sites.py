"""Radio what-if pieces shared by the incremental models (:mod:`twin.sim.whatif.radio`) and
the new-sites merge (:mod:`twin.sim.whatif.radio_added`): unit costs, the sites after a
scenario's site interventions, and the persons/premises per coverage level figures."""

from __future__ import annotations

import functools
import json
from dataclasses import fields
from pathlib import Path

import numpy as np

from twin.errors import DataError
from twin.i18n import tr
from twin.kpi import Figure
from twin.layers.radio_sites import Cell, Site
from twin.scenario import (
    AddMobileSite,
    EditMobileCell,
    Intervention,
    MoveMobileSite,
    RemoveMobileSite,
)
from twin.sim.radio.coverage import LEVEL_LABELS
from twin.sim.radio.population import PeopleCounter

ENGINE = "radio"
TECHNOLOGIES = ("4G", "5G")
LEVEL_KEYS = ("none", "limited", "good", "very_good")
LEVEL_BETTER = ("down", "", "up", "up")
# Persons are fractional (population shares per building): figures are rounded to 1/1000 so
# that float summation noise never shows as a gain (a 1e-11 "gain" would divide a capex).
DECIMALS = 3
DEFAULTS_PATH = Path(__file__).with_name("defaults.json")
_CELL_FIELDS = {f.name for f in fields(Cell)}


def radio_costs() -> dict[str, float]:
    """Default radio unit costs (EUR) from defaults.json (see its notes)."""
    return dict(_read_costs())


@functools.lru_cache(maxsize=1)
def _read_costs() -> dict[str, float]:
    return json.loads(DEFAULTS_PATH.read_text(encoding="utf-8"))["radio"]


def _split(site: Site, technology: str) -> Site | None:
    """The site with only its cells of ``technology`` (None when it has none)."""
    cells = tuple(c for c in site.cells if c.technology == technology)
    return site.with_changes(cells=cells) if cells else None


def new_site(intervention: AddMobileSite) -> Site:
    """The engine's :class:`Site` for an :class:`AddMobileSite` (cells ``<site_id>-<k>``)."""
    cells = tuple(
        Cell(
            f"{intervention.site_id}-{k + 1}",
            azimuth_deg=float(spec.azimuth_deg),
            band_mhz=float(spec.band_mhz),
            technology=spec.technology,
            mechanical_tilt_deg=float(spec.mechanical_tilt_deg),
            electrical_tilt_deg=float(spec.electrical_tilt_deg),
            tx_power_dbm=float(spec.tx_power_dbm),
            bandwidth_mhz=float(spec.bandwidth_mhz),
            antenna_gain_dbi=float(spec.antenna_gain_dbi),
            model=intervention.model,
        )
        for k, spec in enumerate(intervention.cells)
    )
    if not cells:
        raise DataError(tr("new site '{name}' has no cell").format(name=intervention.name))
    return Site(
        intervention.site_id,
        float(intervention.x),
        float(intervention.y),
        float(intervention.height_m),
        cells,
        name=intervention.name,
        operator="scenario",
    )


def _edit_cell(site: Site, edit: EditMobileCell) -> Site:
    changes = dict(edit.changes)
    height = changes.pop("height_m", None)
    unknown = set(changes) - _CELL_FIELDS - {"cell_id"}
    if unknown:
        raise DataError(
            tr("cell '{cell_id}': cannot change {fields}").format(
                cell_id=edit.cell_id, fields=", ".join(sorted(unknown))
            )
        )
    cells = list(site.cells)
    for index, cell in enumerate(cells):
        if cell.cell_id == edit.cell_id:
            values = {
                k: (v if k in ("technology", "model", "model_params") else float(v))
                for k, v in changes.items()
            }
            cells[index] = cell.with_changes(**values)
            break
    else:
        raise DataError(
            tr("site '{site_id}' has no cell '{cell_id}'").format(
                site_id=site.site_id, cell_id=edit.cell_id
            )
        )
    result = site.with_changes(cells=cells)
    return result.with_changes(height_m=float(height)) if height is not None else result


def apply_site_interventions(
    sites: dict[str, Site], interventions: list[Intervention]
) -> tuple[dict[str, Site], float]:
    """The sites after the radio interventions (in order) and their capex (EUR, defaults.json;
    a new site's own ``connection_eur`` added).
    ``sites`` (site_id -> Site) is not modified."""
    costs = radio_costs()
    result = dict(sites)
    added: set[str] = set()
    capex = 0.0
    for item in interventions:
        if isinstance(item, AddMobileSite):
            if item.site_id in result:
                raise DataError(
                    tr("a site '{site_id}' already exists: give a new site_id").format(
                        site_id=item.site_id
                    )
                )
            result[item.site_id] = new_site(item)
            added.add(item.site_id)
            capex += costs["new_site_eur"] + float(item.connection_eur)
            continue
        if item.domain != ENGINE:
            continue
        site_id = item.site_id  # type: ignore[attr-defined]
        if site_id not in result:
            raise DataError(tr("no mobile site '{site_id}' to change").format(site_id=site_id))
        if isinstance(item, MoveMobileSite):
            result[site_id] = result[site_id].moved(item.x, item.y)
            capex += 0.0 if site_id in added else costs["move_site_eur"]
            if site_id not in added:
                added.add(site_id)  # moving it again costs nothing more
        elif isinstance(item, RemoveMobileSite):
            del result[site_id]
            capex += costs["remove_site_eur"]
        elif isinstance(item, EditMobileCell):
            result[site_id] = _edit_cell(result[site_id], item)
            capex += 0.0 if site_id in added else costs["edit_cell_eur"]
    return result, capex


def level_figures(
    counter: PeopleCounter,
    levels: dict[str, np.ndarray],
    baseline: dict[str, float],
    point_levels: dict[str, np.ndarray] | None = None,
) -> list[Figure]:
    """Persons and premises per coverage level of each level raster ("4G", "5G", "4G+5G")
    and with good or better coverage (persons, premises), with ``baseline`` values by key.
    ``point_levels``: the population points' levels per technology, when already read
    (:meth:`PeopleCounter.point_levels`)."""
    out: list[Figure] = []
    for technology, level in levels.items():
        tag = technology.lower().replace("+", "_")
        if point_levels is not None:
            persons, premises = counter.totals(point_levels[technology])
        else:
            summary = counter.count(level)
            persons, premises = summary.persons, summary.premises
        for what, values in (("persons", persons), ("premises", premises)):
            for index, key in enumerate(LEVEL_KEYS):
                fkey = f"radio.{tag}.{what}.{key}"
                out.append(
                    Figure(
                        fkey,
                        f"{technology} {what}: {LEVEL_LABELS[index]}",
                        round(float(values[index]), DECIMALS),
                        what,
                        ENGINE,
                        baseline.get(fkey),
                        LEVEL_BETTER[index],
                    )
                )
            fkey = f"radio.{tag}.{what}.good_or_better"
            out.append(
                Figure(
                    fkey,
                    f"{technology} {what}: good or very good",
                    round(float(values[2] + values[3]), DECIMALS),
                    what,
                    ENGINE,
                    baseline.get(fkey),
                    "up",
                )
            )
    return out
