"""``twin compare-coverage [PROJECT] --out DIR [--operator NAME] [--technology 4G]``.

Compares twin's predicted coverage with the Arcep "Mon réseau mobile" map held in the
project's ``coverage_reference`` layer (``twin new`` adds it from the Arcep files): per
commune, the persons where twin's level equals Arcep's, is higher or lower, and the extra
loss (dB) that brings the two closest (:mod:`twin.sim.radio.reference`). Writes
``coverage_agreement.json`` to DIR; people figures of communes under 11 households are masked.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from twin.errors import DataError
from twin.i18n import tr


def register(subparsers) -> None:
    """Add the ``compare-coverage`` subcommand."""
    parser = subparsers.add_parser(
        "compare-coverage",
        help=tr("twin's predicted coverage against the Arcep map: agreement and extra-loss fit"),
    )
    parser.add_argument("project", nargs="?", help=tr("a .twin project (default: the sample)"))
    parser.add_argument("--out", required=True, help=tr("output folder"))
    parser.add_argument("--operator", help=tr("operator (ANFR or Arcep name, e.g. Orange)"))
    parser.add_argument("--technology", default="4G", choices=("4G", "5G"))
    parser.add_argument("--pixel-m", type=float, help=tr("coverage pixel (m; default the DEM's)"))
    parser.add_argument("--range-m", type=float, default=5000.0, help=tr("cell range (m)"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compute the coverage of the chosen cells, compare, write the JSON; returns 0."""
    import twin
    from twin.layers.opendata.tables import plain
    from twin.sim.radio.coverage import CoverageParameters
    from twin.sim.radio.project_coverage import compute_project_coverage, project_sites
    from twin.sim.radio.reference import agreement_by_commune, calibrate_extra_loss

    project = twin.open_project(args.project)
    sites = project_sites(project)
    if args.operator:
        sites = [s for s in sites if plain(s.operator) == plain(args.operator)]
    sites = [
        s.with_changes(cells=[c for c in s.cells if c.technology == args.technology]) for s in sites
    ]
    sites = [s for s in sites if s.cells]
    if not sites:
        raise DataError(
            tr("no {technology} cell{0} in the project's mobile_cells").format(
                " of " + args.operator if args.operator else "", technology=args.technology
            )
        )
    coverage = compute_project_coverage(
        project, CoverageParameters(max_range_m=args.range_m), sites=sites, pixel_m=args.pixel_m
    )
    rows = agreement_by_commune(project, coverage, args.technology, args.operator)
    fit = calibrate_extra_loss(project, coverage, args.technology, args.operator)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = {
        "project": str(project.path) if project.path else None,
        "technology": args.technology,
        "operator": args.operator,
        "cells": sum(len(s.cells) for s in sites),
        "levels": {"0": "no coverage", "1": "limited", "2": "good", "3": "very good"},
        "units": "persons",
        "communes": rows,
        "extra_loss_fit": fit,
    }
    path = out / "coverage_agreement.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    for row in rows:
        print(
            tr("{0}: same level {1}, twin higher {2}, twin lower {3} (persons)").format(
                row["zone"],
                row["persons_same_level"],
                row["persons_twin_higher"],
                row["persons_twin_lower"],
            )
        )
    print(
        tr("best extra loss: {0:g} dB; wrote {path}").format(fit["best_extra_loss_db"], path=path)
    )
    return 0
