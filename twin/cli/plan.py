"""``twin plan``: a rollout of mobile sites, fibre areas and grid reinforcements under a
budget, phase by phase.

    twin plan [PROJECT] --budget EUR [--phases 2026:2e6,2027:3e6] [--candidates LAYER]
              [--targets FILE] [--spacing M] [--fibre-cell M] [--programme FILE]
              [--no-grid] [--refine] [--objective persons|premises] [--costs FILE]
              [--quiet] --out DIR

Candidates are the features of ``--candidates`` (supports, rooftops, town halls...) or a
grid over the coverage gaps (``--spacing`` metres, default 1 000). ``--targets`` sets the
shares wanted by a year: ``{"persons_good_share": {"2028": 0.99},
"premises_eligible_share": {"2030": 1.0}}``; a fibre target makes each phase pass the
premises of fibre areas (``--fibre-cell`` metre squares, default 2 000) on a straight
course to it, before sites. When the project has a grid, each phase's loads (the sites'
supply and the EV chargers, PV and heat pumps ``--programme`` commits that year:
``{"2027": [{"type": "add_ev_chargers", ...}]}``) are run through the energy engine and
the grid reinforcements they need are planned and paid in that phase (``--no-grid``: not
checked). Writes to DIR:
``scenario.json`` (the chosen sites as a scenario file: ``twin simulate --scenario-file``
and the app reproduce the figures; with ``--save-scenarios FILE.twin`` the project is also
saved with one cumulative scenario per phase, "Rollout <year>", for the app's timeline),
``plan.json`` (totals: capex_eur and by domain, persons_gained, premises_gained,
premises_passed_fibre; per phase the same with cumulative shares; targets; ROI),
``phases.csv``, ``candidates.gpkg`` (every candidate with its costs and gains, chosen or
not; the fibre areas) and ``marginal_curve.png``
(persons, or premises with ``--objective premises``, gained against euros spent, in the
order the sites are built). ``--refine`` improves each phase's greedy choice by local
search (single additions and swaps). Progress lines go to stderr (``--quiet``: none).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from twin.errors import DataError
from twin.i18n import format_money, format_number, masked_label, tr
from twin.layers.io_common import existing_file

TARGET_KEYS = ("persons_good_share", "premises_eligible_share")


def register(subparsers) -> None:
    """Add the ``plan`` subcommand."""
    parser = subparsers.add_parser(
        "plan",
        # the same text as twin.cli's COMMANDS table (listed without importing this module)
        help=tr("budgeted placement of new mobile sites, phased, with ROI"),
    )
    parser.add_argument("project", nargs="?", help=tr("a .twin project (default: the sample)"))
    parser.add_argument("--budget", type=float, help=tr("total budget, EUR (one phase)"))
    parser.add_argument("--phases", help=tr("YEAR:EUR,... e.g. 2026:2e6,2027:3e6"))
    parser.add_argument("--candidates", help=tr("layer of candidate places (default: gap grid)"))
    parser.add_argument("--spacing", type=float, default=1000.0, help=tr("gap grid spacing, m"))
    parser.add_argument(
        "--targets",
        help=tr(
            'JSON {"persons_good_share": {"2028": 0.99}, "premises_eligible_share": {"2030": 1.0}}'
        ),
    )
    parser.add_argument(
        "--fibre-cell", type=float, default=2000.0, help=tr("side of a fibre area, m")
    )
    parser.add_argument(
        "--programme",
        help=tr('JSON {"2027": [energy interventions committed that year]}'),
    )
    parser.add_argument(
        "--no-grid", action="store_true", help=tr("do not check the grid for each phase")
    )
    parser.add_argument("--costs", help=tr("cost model JSON (default: the bundled one)"))
    parser.add_argument("--refine", action="store_true", help=tr("local search after greedy"))
    parser.add_argument(
        "--objective",
        choices=("persons", "premises"),
        default="persons",
        help=tr("choose the sites for the persons or the premises they bring to good coverage"),
    )
    parser.add_argument(
        "--save-scenarios",
        metavar="PROJECT.twin",
        help=tr("also write the project with one scenario per phase ('Rollout <year>')"),
    )
    parser.add_argument("--quiet", action="store_true", help=tr("no progress lines on stderr"))
    parser.add_argument("--out", required=True, help=tr("output folder"))
    parser.set_defaults(func=run)


def _phases(args) -> list:
    from twin.sim.optimise.plan import Phase, parse_phases

    if args.phases and args.budget is not None:
        raise DataError(tr("give --budget or --phases, not both"))
    if args.phases:
        return parse_phases(args.phases)
    if args.budget is None:
        raise DataError(tr("give a budget: --budget EUR or --phases YEAR:EUR,..."))
    import datetime as dt

    if not (args.budget == args.budget and args.budget > 0 and args.budget != float("inf")):
        raise DataError(
            tr("--budget {budget}: give a positive amount of EUR").format(budget=args.budget)
        )
    return [Phase(dt.date.today().year, float(args.budget))]


def _targets(path: str | None) -> dict[str, dict[int, float]]:
    """{indicator: {year: share}} from the --targets file (both indicators optional)."""
    if not path:
        return {key: {} for key in TARGET_KEYS}
    example = '{"persons_good_share": {"2028": 0.99}, "premises_eligible_share": {"2030": 1}}'
    try:
        data = json.loads(existing_file(path).read_text(encoding="utf-8"))
        unknown = set(data) - set(TARGET_KEYS)
        if unknown:
            raise ValueError(tr("unknown key(s) {keys}").format(keys=", ".join(sorted(unknown))))
        targets = {
            key: {int(year): float(share) for year, share in data.get(key, {}).items()}
            for key in TARGET_KEYS
        }
    except (OSError, ValueError, TypeError, AttributeError) as error:
        raise DataError(
            tr("--targets {path}: expected JSON like {example} ({error})").format(
                path=path, example=example, error=error
            )
        ) from None
    for shares in targets.values():
        for year, share in shares.items():
            if not 0 <= share <= 1:
                raise DataError(
                    tr("--targets {path}: share {share} for {year} is not within 0-1").format(
                        path=path, share=share, year=year
                    )
                )
    return targets


def _programme(path: str | None) -> dict[int, list]:
    """{year: [energy interventions]} from the --programme file."""
    from twin.scenario import intervention_from_dict

    if not path:
        return {}
    try:
        data = json.loads(existing_file(path).read_text(encoding="utf-8"))
        programme = {int(year): list(items) for year, items in data.items()}
    except (OSError, ValueError, TypeError, AttributeError) as error:
        raise DataError(
            tr(
                '--programme {path}: expected JSON like {{"2027": [{{"type": '
                '"add_ev_chargers", ...}}]}} ({error})'
            ).format(path=path, error=error)
        ) from None
    result = {}
    for year, items in programme.items():
        interventions = [intervention_from_dict(item) for item in items]
        for intervention in interventions:
            if intervention.domain != "energy":
                raise DataError(
                    tr(
                        "--programme {path}: {what} is not an energy intervention (EV "
                        "chargers, PV, heat pumps, grid lines or transformers)"
                    ).format(path=path, what=intervention.where)
                )
        result[year] = interventions
    return result


class _ProgressLines:
    """Progress lines on stderr: each step of the plan (radio baseline, candidate coverage,
    candidate costs, fibre areas...) reports 0-100 % of itself, so a line ("candidate
    coverage:  40 %") is printed when the step changes and every 10 % within it."""

    def __init__(self) -> None:
        self._last: tuple[str, float] | None = None

    def __call__(self, percent: float, message: str) -> None:
        if self._last and self._last[0] == message and 0 <= percent - self._last[1] < 10:
            return
        self._last = (message, percent)
        print(f"{message}: {percent:3.0f} %", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    """Plan and write the files; returns 0."""
    import twin
    from twin.sim.optimise.plan import CostModel
    from twin.sim.optimise.report import write_plan
    from twin.sim.optimise.study import plan_project

    phases = _phases(args)
    targets = _targets(args.targets)
    programme = _programme(args.programme)
    costs = CostModel.load(args.costs)
    for option, value in (("--spacing", args.spacing), ("--fibre-cell", args.fibre_cell)):
        if not (value > 0 and value != float("inf")):
            raise DataError(
                tr("{option} {value}: give a positive number of metres").format(
                    option=option, value=value
                )
            )
    years = {p.year for p in phases}
    stray = sorted(set(programme) - years)
    if stray:
        raise DataError(
            tr("--programme: year {year} is not one of the phases").format(year=stray[0])
        )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    project = twin.open_project(args.project)
    from twin.feedback import Feedback

    study = plan_project(
        project,
        phases,
        args.candidates,
        args.spacing,
        targets["persons_good_share"],
        costs,
        args.refine,
        fibre_targets=targets["premises_eligible_share"],
        fibre_cell_m=args.fibre_cell,
        programme=programme,
        check_grid=not args.no_grid,
        objective=args.objective,
        feedback=Feedback(None if args.quiet else _ProgressLines()),
    )
    write_plan(study, out)
    from twin.cli.plan_chart import write_marginal_curve

    boundaries, spent = [], 0.0  # the curve's x is the sites' capex, in build order
    for phase in study.plan.phases[:-1]:
        spent += phase.figures["capex_by_domain_eur"]["radio"]
        boundaries.append((spent, phase.phase.year))
    other = sum(study.plan.totals["capex_by_domain_eur"][d] for d in ("fibre", "grid"))
    from twin.sim.optimise.plan_privacy import published_curve, published_figures

    write_marginal_curve(
        published_curve(study),
        out / "marginal_curve.png",
        boundaries,
        args.objective,
        sum(p.budget_eur for p in phases) - other,
    )
    if args.save_scenarios:
        from twin.sim.optimise.report import ROLLOUT_PREFIX, phase_scenarios

        kept = [
            s for s in project.scenarios if not str(s.get("name", "")).startswith(ROLLOUT_PREFIX)
        ]
        project.scenarios = kept + [s.to_dict() for s in phase_scenarios(study)]
        project.save(args.save_scenarios)
    totals = published_figures(study)[1]
    gained = totals["persons_gained"]
    print(
        tr(
            "{sites} sites, {areas} fibre areas, {reinforcements} grid reinforcements, "
            "{capex}; {persons} persons gain good coverage, {premises} premises passed by "
            "fibre; wrote {out}"
        ).format(
            sites=format_number(totals["sites"]),
            areas=format_number(totals["fibre_areas"]),
            reinforcements=format_number(totals["grid_reinforcements"]),
            capex=format_money(totals["capex_eur"]),
            persons=masked_label() if isinstance(gained, dict) else format_number(gained),
            premises=format_number(study.plan.totals["premises_passed_fibre"]),
            out=out,
        )
    )
    return 0
