"""``twin fiber [PROJECT] --area FILE|--zone NAME --out DIR``: plan an FTTH extension.

Reads the project's ``roads``, ``buildings``, ``fiber_nodes`` and (when present)
``fiber_cables``, ``ducts`` and ``communes``; routes new fiber from the existing network to
the not-yet-eligible premises of the target; writes to DIR:

- ``fiber.gpkg``: ``fiber_route`` (lines, kind duct/aerial/trench, length_m, cost_eur,
  year), ``pbos``, ``premises_passed`` (building points), ``new_pms`` (if any);
- ``fiber_kpis.json``: premises passed (count and building ids), metres by kind, capex by
  item (EUR), cost per premise, PM loads, eligibility per zone baseline vs plan, phasing.
"""

from __future__ import annotations

import argparse
import json
import unicodedata
from pathlib import Path

import numpy as np
import shapely

import twin
from twin.errors import DataError
from twin.i18n import format_money, format_number, format_quantity, tr
from twin.layers.fiber import plan_layers, read_fiber_inputs
from twin.sim.fiber import PlanParameters, load_costs, plan_extension, prepare_network


def register(subparsers) -> None:
    """Add the ``fiber`` subcommand."""
    parser = subparsers.add_parser(
        "fiber", help=tr("plan a fiber (FTTH) extension: route, PBOs, capex (GeoPackage + JSON)")
    )
    parser.add_argument("project", nargs="?", help=tr("a .twin project (default: the sample)"))
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--area", help=tr("a polygon file (GeoPackage, GeoJSON...) of the target"))
    target.add_argument("--zone", help=tr("a commune name or INSEE code (communes layer)"))
    parser.add_argument("--out", required=True, help=tr("output folder"))
    parser.add_argument("--costs", help=tr("unit costs JSON (default: the bundled defaults)"))
    parser.add_argument("--budget", type=float, help=tr("yearly budget in EUR: phase the build"))
    defaults = PlanParameters()
    parser.add_argument(
        "--max-drop",
        type=float,
        default=defaults.max_drop_m,
        help=tr("maximum building-to-road drop in m (default {0:g})").format(defaults.max_drop_m),
    )
    parser.add_argument(
        "--pbo-capacity",
        type=int,
        default=defaults.pbo_capacity,
        help=tr("premises per PBO (default {0})").format(defaults.pbo_capacity),
    )
    parser.add_argument(
        "--take-up",
        type=float,
        default=defaults.take_up_rate,
        help=tr("share of premises passed that get connected (default 1.0)"),
    )
    parser.set_defaults(func=run)


def _area_from_file(path: str, crs):
    frame = twin.read_layer(path, crs=crs).frame
    geometry = frame.geometry.values
    polygons = geometry[np.isin(shapely.get_type_id(geometry), [3, 6])]
    polygons = polygons[~shapely.is_empty(polygons)] if len(polygons) else polygons
    if len(polygons) == 0:
        raise DataError(tr("{path}: no polygon to use as the target area").format(path=path))
    return shapely.union_all(shapely.make_valid(polygons))


def match_key(text: str) -> str:
    """A place name folded for matching: no accents, case, hyphens or extra spaces
    ("Pacé" and "pace", "Saint-Grégoire" and "saint gregoire" give the same key)."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.casefold().replace("-", " ").replace("'", " ").replace("’", " ")
    return " ".join(plain.split())


def _zone_target(inputs, name: str):
    """(area polygon or None, building ids or None, label) for a commune name or code."""
    wanted = match_key(name)
    communes = inputs.communes
    if communes is not None and len(communes):
        match = None
        for column in ("insee", "name"):
            if column in communes.columns:
                hit = communes[communes[column].astype(str).map(match_key) == wanted]
                if len(hit):
                    match = hit
                    break
        if match is not None:
            return (
                shapely.union_all(match.geometry.values),
                None,
                str(match.iloc[0].get("name", name)),
            )
    buildings = inputs.buildings
    for column in ("insee", "commune"):
        if column in buildings.columns:
            hit = buildings[buildings[column].astype(str).map(match_key) == wanted]
            if len(hit):
                return None, hit["building_id"].tolist(), name
    names = []
    if communes is not None and "name" in communes.columns:
        names = sorted(set(communes["name"].astype(str)))
    close = close_names(name, names)
    if close:
        hint = tr("did you mean {names}?").format(names=", ".join(close))
    elif names:
        hint = tr("the communes layer has {count} communes, e.g. {names}").format(
            count=len(names), names=", ".join(names[:5])
        )
    else:
        hint = tr("the project has no communes layer; give --area FILE instead")
    raise DataError(tr("no commune named or coded {name!r}; {hint}").format(name=name, hint=hint))


def close_names(typed: str, names: list[str], limit: int = 5) -> list[str]:
    """The commune ``names`` closest to what was ``typed`` (compared without accents,
    case or hyphens), best first, at most ``limit``: names that start with or contain it,
    then names that differ by a few letters ("st gregoire" -> Saint-Grégoire)."""
    import difflib

    wanted = match_key(typed)
    keys = {match_key(name): name for name in names}
    if not wanted:
        return []
    found = [keys[key] for key in keys if key.startswith(wanted)]
    found += [keys[key] for key in keys if wanted in key and keys[key] not in found]
    for key in difflib.get_close_matches(wanted, list(keys), n=limit, cutoff=0.6):
        if keys[key] not in found:
            found.append(keys[key])
    if len(found) < limit:  # "st gregoire": compare word by word, last words first
        words = wanted.split()
        for key in keys:
            if keys[key] not in found and words and key.split()[-1:] == words[-1:]:
                found.append(keys[key])
    return found[:limit]


def run(args: argparse.Namespace) -> int:
    """Plan the extension and write the layers and KPIs; returns 0."""
    project = twin.open_project(args.project)
    inputs = read_fiber_inputs(project)
    if args.area:
        area, building_ids, label = _area_from_file(args.area, project.crs), None, args.area
    else:
        area, building_ids, label = _zone_target(inputs, args.zone)
    costs = load_costs(args.costs)
    parameters = PlanParameters(
        max_drop_m=args.max_drop,
        pbo_capacity=args.pbo_capacity,
        take_up_rate=args.take_up,
        yearly_budget_eur=args.budget,
    )
    if (
        parameters.pbo_capacity < 1
        or parameters.max_drop_m < 0
        or not (0.0 <= parameters.take_up_rate <= 1.0)
    ):
        raise DataError(tr("--pbo-capacity must be >= 1, --max-drop >= 0, --take-up in 0..1"))
    network = prepare_network(inputs.roads, inputs.fiber_nodes, inputs.fiber_cables, inputs.ducts)
    try:
        plan = plan_extension(
            network,
            inputs.buildings,
            area=area,
            building_ids=building_ids,
            costs=costs,
            parameters=parameters,
        )
    except DataError as error:  # say which zone was matched ("Saint-Grégoire: ...")
        raise DataError(tr("{zone}: {error}").format(zone=label, error=error)) from None
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    gpkg = out / "fiber.gpkg"
    if gpkg.exists():
        gpkg.unlink()
    written = []
    for layer in plan_layers(plan, {"target": label}):
        if len(layer.frame):
            layer.frame.to_file(gpkg, layer=layer.id, driver="GPKG")
            written.append(layer.id)
    kpis = {"target": label, "layers_written": written, **plan.kpis()}
    (out / "fiber_kpis.json").write_text(json.dumps(kpis, indent=2, ensure_ascii=False))
    print(
        tr(
            "{premises} premises passed, {route} of route, capex {capex} ({per_premise} "
            "per premise); wrote {gpkg} and {json}"
        ).format(
            premises=format_number(plan.premises_passed),
            route=format_quantity(sum(plan.metres_by_kind.values()), "m"),
            capex=format_money(plan.capex["total"]),
            per_premise=format_money(plan.cost_per_premise),
            gpkg=gpkg,
            json=out / "fiber_kpis.json",
        )
    )
    return 0
