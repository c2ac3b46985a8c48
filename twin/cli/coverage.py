"""``twin coverage [PROJECT] --out DIR``: predict 4G/5G coverage and count people per level.

Writes ``best_rsrp.tif`` (dBm), ``best_server.tif`` (cell code, see coverage.json),
``sinr.tif`` (dB), ``level.tif`` (0 no coverage, 1 limited, 2 good, 3 very good) in the
project CRS, and ``coverage.json`` (persons and premises per level and per zone, model,
parameters, warnings). People figures pass the privacy gate (twin.layers.privacy): one that
rests on fewer than 11 households is ``{"value": null, "masked": true}``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from twin.errors import DataError
from twin.i18n import tr, tr_label


def register(subparsers) -> None:
    """Add the ``coverage`` subcommand."""
    parser = subparsers.add_parser(
        "coverage", help=tr("mobile coverage: GeoTIFFs + people per coverage level")
    )
    parser.add_argument("project", nargs="?", help=tr("a .twin project (default: the sample)"))
    parser.add_argument("--out", required=True, help=tr("output folder"))
    parser.add_argument("--scenario", help=tr("compute the coverage of this scenario"))
    parser.add_argument(
        "--operator",
        help=tr("only this operator's sites (default: all; the level is then the best network)"),
    )
    add_model_arguments(parser)
    parser.set_defaults(func=run)


def add_model_arguments(parser) -> None:
    """The coverage model's options (range, pixel, load, noise figure, thresholds,
    diffraction), shared by ``twin coverage`` and ``twin batch coverage``."""
    parser.add_argument("--range-m", type=float, default=5000.0, help=tr("cell range (m)"))
    parser.add_argument("--pixel-m", type=float, help=tr("pixel size (m; default: the DEM's)"))
    parser.add_argument("--load", type=float, default=0.5, help=tr("cell load 0-1 for SINR"))
    parser.add_argument(
        "--noise-figure-db", type=float, default=7.0, help=tr("terminal noise figure (dB)")
    )
    parser.add_argument(
        "--thresholds",
        default="-115,-105,-95",
        help=tr("RSRP thresholds (dBm) of limited,good,very good coverage"),
    )
    parser.add_argument("--diffraction", choices=("deygout", "bullington"), default="deygout")


def model_parameters(args: argparse.Namespace):
    """The :class:`~twin.sim.radio.coverage.CoverageParameters` of the parsed options
    (:func:`add_model_arguments`); DataError names a bad one."""
    from twin.sim.radio.coverage import CoverageParameters

    if not 0.0 <= args.load <= 1.0:
        raise DataError(tr("--load is a fraction between 0 and 1"))
    return CoverageParameters(
        max_range_m=args.range_m,
        load=args.load,
        noise_figure_db=args.noise_figure_db,
        thresholds_dbm=_thresholds(args.thresholds),
        diffraction=args.diffraction,
    )


def _thresholds(text: str) -> tuple[float, float, float]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise DataError(
            tr("--thresholds {text!r}: give three numbers in dBm, e.g. -115,-105,-95").format(
                text=text
            )
        ) from None
    if len(values) != 3 or list(values) != sorted(values):
        raise DataError(tr("--thresholds needs three increasing RSRP values in dBm"))
    return values  # type: ignore[return-value]


def scenario_sites(project, scenario, operator: str | None = None) -> list:
    """The project's sites after the scenario's radio interventions (baseline untouched)."""
    from twin.sim.radio.project_coverage import project_sites
    from twin.sim.whatif.radio import apply_site_interventions

    baseline = {site.site_id: site for site in project_sites(project, operator)}
    sites, _capex = apply_site_interventions(baseline, scenario.for_domain("radio"))
    return list(sites.values())


def commune_names(project) -> dict[str, str]:
    """INSEE code -> commune name, from the project's ``communes`` layer (empty without)."""
    try:
        frame = project.layer("communes").frame
    except (KeyError, LookupError, ValueError):
        return {}
    if not {"insee", "name"} <= set(frame.columns):
        return {}
    return {str(code): str(name) for code, name in zip(frame.insee, frame.name, strict=True)}


def _round_persons(item):
    """A published persons figure rounded to whole persons (masked/None stay as they are)."""
    return round(item) if isinstance(item, float) else item


def readable_people(people: dict, names: dict[str, str]) -> dict:
    """The people report for readers: persons rounded to whole persons, and each zone keyed
    by its INSEE code with the commune ``name`` beside the figures. Masked figures (fewer
    than 11 households, the privacy gate) stay masked."""
    out = dict(people)
    out["persons"] = {k: _round_persons(v) for k, v in people["persons"].items()}
    out["total_persons"] = _round_persons(people["total_persons"])
    zones = {}
    for code, zone in people.get("zones", {}).items():
        zones[code] = {
            "name": names.get(str(code), str(code)),
            "persons": {k: _round_persons(v) for k, v in zone["persons"].items()},
            "premises": zone["premises"],
        }
    out["zones"] = zones
    return out


def run(args: argparse.Namespace) -> int:
    """Compute the coverage and write the files; returns 0."""
    import twin
    from twin.sim.radio.layers import write_geotiffs
    from twin.sim.radio.project_coverage import compute_project_coverage

    project = twin.open_project(args.project)
    scenario = None
    if args.scenario is not None:
        from twin.scenario import find_scenario

        scenario = find_scenario(project.scenarios, args.scenario)
        scenario.check_extent(project.extent)
    params = model_parameters(args)
    coverage = compute_project_coverage(
        project, params, operator=args.operator, pixel_m=args.pixel_m
    )
    difference = None
    if scenario is not None:
        baseline = coverage
        sites = scenario_sites(project, scenario, args.operator)
        coverage = compute_project_coverage(
            project, params, sites=sites, operator=args.operator, pixel_m=args.pixel_m
        )
        if coverage.people is not None and baseline.people is not None:
            difference = coverage.people.difference(baseline.people)
    out = Path(args.out)
    paths = write_geotiffs(coverage.result, out)
    report = coverage_report(
        project, params, coverage.result, coverage.people, paths, scenario, difference
    )
    (out / "coverage.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    if coverage.people is not None:
        print_people(coverage.people)
    print(tr("wrote {0} GeoTIFFs and coverage.json to {out}").format(len(paths), out=out))
    return 0


def coverage_report(
    project, params, result, people, paths: dict, scenario=None, difference=None
) -> dict:
    """The coverage.json of ``twin coverage`` (and ``twin batch coverage``): grid, model,
    parameters, levels, cells and the people per level and zone through the privacy gate."""
    return {
        "project": str(project.path) if project.path else None,
        "crs": project.crs.to_string(),
        "grid": {"transform": list(result.grid.transform)[:6], "shape": list(result.grid.shape)},
        "engine": "twin.sim.radio",
        "date": result.date,
        "models": result.parameters.get("models", []),
        "parameters": result.parameters,
        "levels": {
            "0": "no coverage",
            "1": "limited",
            "2": "good",
            "3": "very good",
            "thresholds_dbm": list(params.thresholds_dbm),
        },
        "warnings": result.warnings,
        "cells": {str(code): cell_id for code, cell_id in sorted(result.cell_ids.items())},
        "people": readable_people(people.to_dict(), commune_names(project))
        if people is not None
        else None,
        "scenario": scenario.name if scenario is not None else None,
        "difference_vs_baseline": difference,
        "files": {name: path.name for name, path in paths.items()},
    }


def print_people(people) -> None:
    """Print the persons per level, each through the privacy gate."""
    from twin.kpi import format_published
    from twin.layers.privacy import publish

    households = people.households if people.households is not None else people.persons
    print(
        tr("persons per level: ")
        + ", ".join(
            f"{tr_label(label)} " + format_published(publish(float(value), float(count)), "persons")
            for label, value, count in zip(
                ("no coverage", "limited", "good", "very good"),
                people.persons,
                households,
                strict=True,
            )
        )
    )
