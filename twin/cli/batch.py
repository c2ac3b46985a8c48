"""whole-territory runs on a Dask cluster: coverage by tiles, hosting capacity by buses

``twin batch coverage [PROJECT] --tiles N [--scheduler ADDRESS] [--workers K] --out DIR``
cuts the coverage grid into N tiles with a halo of the maximum range, computes them on a
Dask cluster (a local cluster of K worker processes by default, an existing one at
``--scheduler tcp://HOST:PORT``) and writes the same files as ``twin coverage`` (the four
GeoTIFFs and coverage.json, people through the privacy gate once, on the totals), equal to
the single-process run.

``twin batch hosting [PROJECT] [--net FILE] [--scheduler ADDRESS] [--workers K] --out DIR``
computes PV and EV hosting capacity of the grid's buses on the cluster and writes
hosting.json (the same figures as ``twin energy --hosting-capacity``).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from twin.cli.coverage import add_model_arguments
from twin.errors import DataError
from twin.i18n import tr

HELP = __doc__.splitlines()[0]
# imported on every worker before the clock of "compute only" starts
COVERAGE_MODULES = ["twin.sim.batch.coverage", "twin.sim.radio.model", "scipy.ndimage"]
COVERAGE_MODULES += ["twin.sim.radio._edges_compiled"]


def register(subparsers) -> None:
    """Add the ``batch`` subcommand with its ``coverage`` and ``hosting`` jobs."""
    parser = subparsers.add_parser(
        "batch",
        help=HELP,
        description=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(func=lambda args: _usage(parser))
    jobs = parser.add_subparsers(dest="job", metavar="JOB")
    coverage = jobs.add_parser("coverage", help=tr("mobile coverage by tiles (as twin coverage)"))
    coverage.add_argument("project", nargs="?", help=tr("a .twin project (default: the sample)"))
    coverage.add_argument("--tiles", type=int, required=True, help=tr("number of tiles"))
    _cluster_arguments(coverage)
    coverage.add_argument(
        "--operator", help=tr("only this operator's sites (default: all, the best network)")
    )
    add_model_arguments(coverage)
    coverage.set_defaults(func=run_coverage)
    hosting = jobs.add_parser("hosting", help=tr("PV and EV hosting capacity of the grid's buses"))
    hosting.add_argument("project", nargs="?", help=tr("a .twin project (default: the sample)"))
    hosting.add_argument("--net", help=tr("a pandapower JSON grid instead of the project's"))
    hosting.add_argument(
        "--hosting-buses",
        default="all",
        help=tr("buses: all (default), mv, lv or comma-separated bus ids"),
    )
    _cluster_arguments(hosting)
    hosting.set_defaults(func=run_hosting)


def _cluster_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help=tr("output folder"))
    parser.add_argument(
        "--scheduler", help=tr("address of a running Dask scheduler (tcp://HOST:PORT)")
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help=tr("worker processes of the local cluster (default 2; ignored with --scheduler)"),
    )
    parser.add_argument(
        "--threads",
        action="store_true",
        help=tr("local cluster of threads in this process instead of worker processes"),
    )


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _check_cluster(args: argparse.Namespace) -> None:
    from twin.sim.batch.cluster import check_scheduler_address

    if args.scheduler is not None:
        check_scheduler_address(args.scheduler)
    elif args.workers < 1:
        raise DataError(tr("--workers must be at least 1"))


def run_coverage(args: argparse.Namespace) -> int:
    """Compute the coverage by tiles on the cluster and write the files; returns 0."""
    import twin
    from twin.cli.coverage import coverage_report, model_parameters, print_people
    from twin.sim.batch.cluster import dask_client, warm_up
    from twin.sim.batch.coverage import batch_coverage, warm_up_engine
    from twin.sim.batch.tiles import tile_layout
    from twin.sim.radio.layers import write_geotiffs
    from twin.sim.radio.project_coverage import (
        find_layer,
        project_grid,
        project_population,
        project_sites,
    )
    from twin.sim.radio.terrain import Terrain

    if args.tiles < 1:
        raise DataError(tr("--tiles must be at least 1"))
    _check_cluster(args)
    params = model_parameters(args)
    started = time.perf_counter()
    project = twin.open_project(args.project)
    sites = project_sites(project, args.operator)
    terrain_layer = find_layer(project, "terrain")
    if terrain_layer is not None and terrain_layer.kind != "raster":
        terrain_layer = None
    grid = project_grid(project, sites, args.pixel_m, terrain_layer)
    tile_layout(grid.shape, args.tiles)  # bad --tiles fails before a cluster starts
    terrain = Terrain.from_layer(terrain_layer) if terrain_layer is not None else None
    points = project_population(project)
    with dask_client(args.scheduler, args.workers, processes=not args.threads) as client:
        warm_up(client, COVERAGE_MODULES)
        client.run(warm_up_engine)
        computed = time.perf_counter()
        batch = batch_coverage(client, grid, sites, params, terrain, points, args.tiles)
        compute_s = time.perf_counter() - computed
    out = Path(args.out)
    paths = write_geotiffs(batch.result, out)
    report = coverage_report(project, params, batch.result, batch.people, paths)
    (out / "coverage.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    if batch.people is not None:
        print_people(batch.people)
    peak_mb = max(batch.process_peak_bytes, default=0) / 1e6
    print(
        tr(
            "{tiles} tiles in {compute:.1f} s on the cluster ({total:.1f} s in all); "
            "worker peak memory {peak:.0f} MB"
        ).format(
            tiles=len(batch.tiles),
            compute=compute_s,
            total=time.perf_counter() - started,
            peak=peak_mb,
        )
    )
    print(tr("wrote {n} GeoTIFFs and coverage.json to {out}").format(n=len(paths), out=out))
    return 0


def run_hosting(args: argparse.Namespace) -> int:
    """Compute hosting capacity with the searches on the cluster; writes hosting.json."""
    import twin
    from twin.cli.energy import _hosting_buses, _jsonable, _records
    from twin.sim.batch.cluster import dask_client, warm_up
    from twin.sim.batch.hosting import batch_hosting_capacity
    from twin.sim.energy import default_settings, prepare_grid, run_study
    from twin.sim.energy.published import published_hosting, served_of

    _check_cluster(args)
    started = time.perf_counter()
    project = None
    if args.project is not None or args.net is None:
        project = twin.open_project(args.project)
    settings = default_settings()
    grid = prepare_grid(project, args.net, settings)
    study = run_study(grid.net, [], grid.frames.buses, grid.buildings, settings, daily=False)
    net = study.final.net
    buses = _hosting_buses(net, args.hosting_buses)
    with dask_client(args.scheduler, args.workers, processes=not args.threads) as client:
        warm_up(client, ["twin.sim.energy.hosting", "twin.sim.batch.hosting"])
        computed = time.perf_counter()
        hosting = batch_hosting_capacity(client, net, buses=buses, settings=settings)
        compute_s = time.perf_counter() - computed
    # as twin energy publishes it: no capacity of a bus serving fewer than 11 households
    hosting = published_hosting(hosting, served_of(study.final, settings.household_admd_kw))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    summary = {
        "source": grid.source,
        "backend": hosting.backend,
        "workers": hosting.workers,
        "power_flows": hosting.power_flows,
        "buses": _records(hosting.frame),
    }
    (out / "hosting.json").write_text(
        json.dumps(_jsonable(summary), indent=1, ensure_ascii=False), encoding="utf-8"
    )
    print(
        tr(
            "hosting capacity of {n} buses in {compute:.1f} s on the cluster "
            "({total:.1f} s in all) -> {path}"
        ).format(
            n=len(hosting.frame),
            compute=compute_s,
            total=time.perf_counter() - started,
            path=out / "hosting.json",
        )
    )
    return 0
