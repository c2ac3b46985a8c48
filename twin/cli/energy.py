"""``twin energy [PROJECT] [--net FILE] --out DIR [--scenario NAME]``: grid power flow,
what-ifs, hosting capacity and KPIs, written as GeoPackage layers (energy.gpkg, a twin
project QGIS also opens), energy.json and the studied network as pandapower JSON
(grid.json). Loads resting on fewer than 11 households are pooled per substation in both
(:mod:`twin.sim.energy.disclosure`), and results of lines, transformers and buses serving
fewer than 11 households are masked in every output (:mod:`twin.sim.energy.published`),
unless ``--raw``."""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

from twin.errors import DataError
from twin.i18n import format_number, tr


def register(subparsers) -> None:
    """Add the ``energy`` subcommand."""
    parser = subparsers.add_parser(
        "energy", help=tr("power flow, EV/PV what-ifs and hosting capacity of the grid")
    )
    parser.add_argument("project", nargs="?", help=tr("a .twin project (default: the sample)"))
    parser.add_argument("--net", help=tr("a pandapower network JSON file to study instead"))
    parser.add_argument("--out", required=True, help=tr("output folder"))
    parser.add_argument("--scenario", help=tr("name of a project scenario to apply"))
    parser.add_argument(
        "--hosting-capacity",
        action="store_true",
        help=tr("also compute PV and EV hosting capacity of every MV/LV bus"),
    )
    parser.add_argument(
        "--hosting-buses",
        default="all",
        help=tr("buses for --hosting-capacity: all (default), mv, lv or comma-separated bus ids"),
    )
    parser.add_argument(
        "--household-kw",
        type=float,
        default=None,
        help=tr("peak demand per household (ADMD, kW) instead of the documented default"),
    )
    parser.add_argument(
        "--no-daily", action="store_true", help=tr("skip the 24-hour design-day profile")
    )
    parser.add_argument(
        "--raw",
        action="store_true",
        help=tr(
            "write raw loads and results (otherwise loads on fewer than 11 households are "
            "pooled per substation and results of lines, transformers and buses serving "
            "fewer than 11 households are masked: INSEE's disclosure rule)"
        ),
    )
    parser.set_defaults(func=run)


def _scenario_interventions(project, name: str | None) -> list:
    from twin.sim.energy.interventions import energy_interventions

    if name is None:
        return []
    if project is None:
        raise DataError(tr("--scenario needs a project (the scenarios live in the project)"))
    for scenario in project.scenarios or []:
        if isinstance(scenario, dict) and scenario.get("name") == name:
            try:
                return energy_interventions(list(scenario.get("interventions", [])))
            except DataError as error:  # a value out of range: say which scenario
                raise DataError(
                    tr("scenario {name!r}: {error}").format(name=name, error=error)
                ) from None
    names = [str(s.get("name")) for s in project.scenarios or [] if isinstance(s, dict)]
    raise DataError(
        tr("no scenario named {name!r} in the project").format(name=name)
        + (tr(" (it has: {0})").format(", ".join(names)) if names else tr(" (it has none)"))
    )


def run(args: argparse.Namespace) -> int:
    """Run the study and write ``energy.gpkg`` and ``energy.json`` into ``--out``."""
    import pandapower

    import twin
    from twin.project import Project
    from twin.sim.energy import (
        default_settings,
        hosting_capacity,
        prepare_grid,
        run_study,
        study_summary,
    )
    from twin.sim.energy.disclosure import published_net
    from twin.sim.energy.published import published_hosting, served_of
    from twin.sim.energy.result_layers import study_layers

    started = time.perf_counter()
    project = None
    if args.project is not None or args.net is None:
        project = twin.open_project(args.project)
    settings = default_settings()
    if args.household_kw is not None:
        if not args.household_kw > 0:
            raise DataError(tr("--household-kw must be a positive number of kW"))
        settings = settings.with_changes(household_admd_kw=float(args.household_kw))
    interventions = _scenario_interventions(project, args.scenario)
    grid = prepare_grid(project, args.net, settings)
    study = run_study(
        grid.net,
        interventions,
        grid.frames.buses,
        grid.buildings,
        settings,
        daily=not args.no_daily,
    )
    hosting = None
    if args.hosting_capacity:
        buses = _hosting_buses(study.final.net, args.hosting_buses)
        hosting = hosting_capacity(study.final.net, buses=buses, settings=settings)
        if not args.raw:  # no capacity of a bus serving fewer than 11 households
            hosting = published_hosting(hosting, served_of(study.final, settings.household_admd_kw))
    crs = project.crs if project is not None else "EPSG:2154"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    result_project = Project(crs=crs)
    layers = study_layers(study, crs, grid.source, hosting, raw=args.raw)
    for layer in reversed(layers):
        result_project.add_layer(layer)
    gpkg = result_project.save(out / "energy.gpkg")
    network_json = out / "grid.json"
    written_net = (
        study.final.net
        if args.raw
        else published_net(study.final.net, study.settings.household_admd_kw)
    )
    pandapower.to_json(written_net, str(network_json))
    summary: dict[str, Any] = {
        "source": grid.source,
        "scenario": args.scenario,
        "notes": grid.notes,
        **study_summary(study, raw=args.raw),
        "layers": [layer.id for layer in layers],
        "geopackage": gpkg.name,
        "pandapower_json": network_json.name,
        "raw_loads": bool(args.raw),
        "elapsed_s": round(time.perf_counter() - started, 3),
    }
    if hosting is not None:
        summary["hosting_capacity"] = {
            "power_flows": hosting.power_flows,
            "buses": _records(hosting.frame),
        }
    (out / "energy.json").write_text(
        json.dumps(_jsonable(summary), indent=1, ensure_ascii=False), encoding="utf-8"
    )
    final = summary
    print(
        tr("energy: {0}; max line loading {1} %, voltage {2}-{3} pu, {4} violations -> {5}").format(
            tr(grid.source),  # "project grid layers" (N_), or a file name
            _rounded(final["max_line_loading_percent"], ".1f"),
            _rounded(final["min_bus_voltage_pu"], ".3f"),
            _rounded(final["max_bus_voltage_pu"], ".3f"),
            len(final["violations"]),
            out / "energy.json",
        )
    )
    return 0


def _rounded(value, spec: str) -> str:
    """``value`` formatted for people in their language (``.1f`` for %, ``.3f`` for pu:
    "52.1" / "52,1"); "n/a" when None."""
    return tr("n/a") if value is None else format_number(float(value), int(spec.strip(".f")))


def _hosting_buses(net, text: str) -> list[int] | None:
    """Bus ids for hosting capacity from "all", "mv", "lv" or "3,5,8" (None = all)."""
    text = (text or "all").strip().lower()
    slack = set(net.ext_grid.bus)
    if text == "all":
        return None
    if text in ("mv", "lv"):
        mask = (
            (net.bus.vn_kv <= 1.0)
            if text == "lv"
            else (net.bus.vn_kv > 1.0) & (net.bus.vn_kv <= 30.0)
        )
        return [int(b) for b in net.bus.index[mask] if b not in slack]
    try:
        buses = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise DataError(
            tr("--hosting-buses: expected all, mv, lv or bus ids, not {text!r}").format(text=text)
        ) from None
    missing = [b for b in buses if b not in net.bus.index]
    if missing:
        raise DataError(tr("--hosting-buses: no bus {0} in the grid").format(missing[0]))
    return buses


def _records(frame) -> list[dict[str, Any]]:
    return frame.round(4).to_dict(orient="records")


def _jsonable(value: Any) -> Any:
    """Plain JSON values (numpy scalars to Python, NaN/inf to null)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
