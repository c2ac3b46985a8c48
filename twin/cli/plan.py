"""``twin plan``: where to build new mobile sites under a budget, phase by phase.

    twin plan [PROJECT] --budget EUR [--phases 2026:2e6,2027:3e6] [--candidates LAYER]
              [--targets FILE] [--spacing M] [--refine] [--costs FILE] --out DIR

Candidates are the features of ``--candidates`` (supports, rooftops, town halls...) or a
grid over the coverage gaps (``--spacing`` metres, default 1 000). Writes to DIR:
``scenario.json`` (the chosen sites as a scenario file: ``twin simulate --scenario-file``
and the app reproduce the figures; with ``--save-scenarios FILE.twin`` the project is also
saved with one cumulative scenario per phase, "Rollout <year>", for the app's timeline),
``plan.json`` (totals: capex_eur, persons_gained, premises_gained; per phase the same;
targets; ROI), ``phases.csv``, ``candidates.gpkg``
(every candidate with its costs and gains, chosen or not) and ``marginal_curve.png``
(persons gained against euros spent, in the order the sites are built).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from twin.errors import DataError
from twin.layers.io_common import existing_file


def register(subparsers) -> None:
    """Add the ``plan`` subcommand."""
    parser = subparsers.add_parser(
        "plan", help="budgeted placement of new mobile sites, phased, with ROI"
    )
    parser.add_argument("project", nargs="?", help="a .twin project (default: the sample)")
    parser.add_argument("--budget", type=float, help="total budget, EUR (one phase)")
    parser.add_argument("--phases", help="YEAR:EUR,... e.g. 2026:2e6,2027:3e6")
    parser.add_argument("--candidates", help="layer of candidate places (default: gap grid)")
    parser.add_argument("--spacing", type=float, default=1000.0, help="gap grid spacing, m")
    parser.add_argument("--targets", help='JSON {"persons_good_share": {"2028": 0.99}}')
    parser.add_argument("--costs", help="cost model JSON (default: the bundled one)")
    parser.add_argument("--refine", action="store_true", help="local search after greedy")
    parser.add_argument(
        "--save-scenarios",
        metavar="PROJECT.twin",
        help="also write the project with one scenario per phase ('Rollout <year>')",
    )
    parser.add_argument("--out", required=True, help="output folder")
    parser.set_defaults(func=run)


def _phases(args) -> list:
    from twin.sim.optimise.plan import Phase, parse_phases

    if args.phases and args.budget is not None:
        raise DataError("give --budget or --phases, not both")
    if args.phases:
        return parse_phases(args.phases)
    if args.budget is None:
        raise DataError("give a budget: --budget EUR or --phases YEAR:EUR,...")
    import datetime as dt

    if not (args.budget == args.budget and args.budget > 0 and args.budget != float("inf")):
        raise DataError(f"--budget {args.budget}: give a positive amount of EUR")
    return [Phase(dt.date.today().year, float(args.budget))]


def _targets(path: str | None) -> dict[int, float]:
    if not path:
        return {}
    try:
        data = json.loads(existing_file(path).read_text(encoding="utf-8"))
        shares = data["persons_good_share"]
        targets = {int(year): float(share) for year, share in shares.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise DataError(
            f'--targets {path}: expected JSON like {{"persons_good_share": {{"2028": 0.99}}}}'
            f" ({error})"
        ) from None
    for year, share in targets.items():
        if not 0 <= share <= 1:
            raise DataError(f"--targets {path}: share {share} for {year} is not within 0-1")
    return targets


def run(args: argparse.Namespace) -> int:
    """Plan and write the files; returns 0."""
    import twin
    from twin.sim.optimise.plan import CostModel
    from twin.sim.optimise.report import write_plan
    from twin.sim.optimise.study import plan_project

    phases = _phases(args)
    targets = _targets(args.targets)
    costs = CostModel.load(args.costs)
    if not (args.spacing > 0):
        raise DataError(f"--spacing {args.spacing}: give a positive number of metres")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    project = twin.open_project(args.project)
    study = plan_project(
        project, phases, args.candidates, args.spacing, targets, costs, args.refine
    )
    write_plan(study, out)
    from twin.cli.plan_chart import write_marginal_curve

    boundaries, spent = [], 0.0
    for phase in phases[:-1]:
        spent += phase.budget_eur
        boundaries.append(spent)
    write_marginal_curve(study.plan.curve, out / "marginal_curve.png", boundaries)
    if args.save_scenarios:
        from twin.sim.optimise.report import ROLLOUT_PREFIX, phase_scenarios

        kept = [
            s for s in project.scenarios if not str(s.get("name", "")).startswith(ROLLOUT_PREFIX)
        ]
        project.scenarios = kept + [s.to_dict() for s in phase_scenarios(study)]
        project.save(args.save_scenarios)
    totals = study.plan.totals
    print(
        f"{totals['sites']} sites, {totals['capex_eur']:,.0f} EUR, "
        f"{totals['persons_gained']:,.0f} persons gain good coverage; wrote {out}"
    )
    return 0
