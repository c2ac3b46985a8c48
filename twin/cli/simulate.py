"""``twin simulate [PROJECT] --scenario NAME | --scenario-file FILE --out DIR``: run every
engine on a scenario against the baseline, headless.

Writes to DIR: ``layers.gpkg`` (vector result layers, one table each), one GeoTIFF per
raster result layer, ``kpis.json`` (every figure: key, label, value, unit, baseline, delta,
domain) and ``map.png`` (a page layout, :mod:`twin.layout`: the results over the project's
visible base layers, legend, scale bar, a KPI card per engine, attribution; skipped with a
warning when the map renderer is not available). Progress goes to stderr, one line per
step ("radio:  12 % 4G baseline coverage"). Results stored in the project file are reused
(nothing is recomputed when their inputs are unchanged); what is computed is written back
into the project file only with ``--save-results``. The figures are those of
:func:`twin.sim.whatif.simulate`, as the KPI dock shows them. A scenario file is JSON:
``{"name": ..., "interventions": [{"type": ..., ...}]}`` (see docs/scenario-example.json).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from twin.errors import DataError
from twin.i18n import tr

MAP_RESULTS = ("4G+5G coverage level", "fiber route", "new lines", "new stops", "Line loading")


def register(subparsers) -> None:
    """Add the ``simulate`` subcommand."""
    parser = subparsers.add_parser(
        "simulate", help=tr("run a scenario in every engine: layers, KPIs (JSON) and a map (PNG)")
    )
    parser.add_argument("project", nargs="?", help=tr("a .twin project (default: the sample)"))
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--scenario", help=tr("name of a scenario saved in the project"))
    source.add_argument("--scenario-file", help=tr("a scenario JSON file (see the README)"))
    parser.add_argument("--out", required=True, help=tr("output folder"))
    parser.add_argument(
        "--domains",
        default="radio,fiber,transit,energy",
        help=tr("engines to run, comma-separated"),
    )
    parser.add_argument("--radio-pixel-m", type=float, help=tr("coverage pixel (m; default DEM's)"))
    parser.add_argument(
        "--radio-bbox", help=tr("coverage extent xmin,ymin,xmax,ymax (m; default the terrain's)")
    )
    parser.add_argument("--radio-range-m", type=float, default=5000.0, help=tr("cell range (m)"))
    parser.add_argument("--no-daily", action="store_true", help=tr("energy: skip the design day"))
    parser.add_argument(
        "--save-results",
        action="store_true",
        help=tr(
            "write the results computed into the project file (reused by later runs and the app)"
        ),
    )
    parser.add_argument("--quiet", action="store_true", help=tr("no progress lines on stderr"))
    parser.set_defaults(func=run)


class ProgressLines:
    """Prints a feedback's progress as lines on a stream ("radio:  40 % 5G baseline
    coverage"): a line when the step (the text before the first colon) changes, or every
    ``step_percent`` % within one step, so a long step shows it is alive without flooding."""

    def __init__(self, stream=None, step_percent: float = 10.0) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.step_percent = step_percent
        self._last: tuple[str, float] | None = None

    def __call__(self, percent: float, message: str) -> None:
        """Feedback callback: ``percent`` of the whole run, ``message`` "domain: step"."""
        domain, _, rest = message.partition(": ")
        if not rest:
            domain, rest = "", message
        if self._last is not None:
            last_domain, last_percent = self._last
            if domain == last_domain and percent - last_percent < self.step_percent:
                return
        self._last = (domain, percent)
        prefix = f"{domain}: " if domain else ""
        print(f"{prefix}{percent:3.0f} % {rest}".rstrip(), file=self.stream, flush=True)


def read_scenario_file(path: str):
    """A :class:`twin.scenario.Scenario` from a JSON file; DataError naming the file."""
    from twin.layers.io_common import existing_file
    from twin.scenario import Scenario

    try:
        data = json.loads(existing_file(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(tr("{path}: no such scenario file").format(path=path)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(
            tr("{path}: not a JSON scenario file ({error})").format(path=path, error=error)
        ) from None
    try:
        return Scenario.from_dict(data)
    except DataError as error:
        raise DataError(tr("{path}: {error}").format(path=path, error=error)) from None


def options_from_args(args: argparse.Namespace):
    """:class:`WhatIfOptions` from the command line."""
    from twin.sim.whatif import WhatIfOptions

    bbox = None
    if args.radio_bbox:
        try:
            bbox = tuple(float(v) for v in args.radio_bbox.split(","))
        except ValueError:
            bbox = ()
        if len(bbox) != 4:
            raise DataError(tr("--radio-bbox needs four numbers in metres: xmin,ymin,xmax,ymax"))
    return WhatIfOptions(
        radio_pixel_m=args.radio_pixel_m,
        radio_bbox=bbox,
        radio_max_range_m=args.radio_range_m,
        energy_daily=not args.no_daily,
    )


def _slug(text: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower() or "layer"


def write_layers(layers, out: Path) -> dict[str, str]:
    """Vector layers into ``layers.gpkg`` and rasters as GeoTIFFs; layer name -> file/table."""
    from twin.layers.io_raster import write_geotiff
    from twin.layers.io_write import exportable_frame
    from twin.layers.raster import RasterLayer

    gpkg = out / "layers.gpkg"
    if gpkg.exists():
        gpkg.unlink()
    written: dict[str, str] = {}
    for layer in layers:
        slug = _slug(layer.name)
        if isinstance(layer, RasterLayer):
            path = out / f"{slug}.tif"
            write_geotiff(layer, path)
            written[layer.name] = path.name
        elif len(layer.frame):
            exportable_frame(layer).to_file(gpkg, layer=slug, driver="GPKG")  # privacy gate
            written[layer.name] = f"layers.gpkg:{slug}"
    return written


def _write_layers_child(sender, layers, out: Path) -> None:
    """In a forked child: write the layers, send back what was written, leave at once."""
    status = 0
    try:
        sender.send(("ok", write_layers(layers, out)))
    except BaseException as error:  # the parent writes them itself and reports the error
        status = 1
        with contextlib.suppress(Exception):
            sender.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        sender.close()
        os._exit(status)


def write_layers_beside(layers, out: Path):
    """Start writing ``layers`` into ``out`` (:func:`write_layers`) in a forked process
    where that is safe (Linux, one thread, Qt not loaded), so that the map is drawn
    meanwhile; returns a function that waits and gives the written files (layer name ->
    file/table). If the child fails, that function writes the layers in this process (so
    errors read the same); where forking is unsafe, the layers are written at once."""
    import multiprocessing

    from twin.sim.whatif.parallel import fork_is_safe

    if not fork_is_safe():
        files = write_layers(layers, out)
        return lambda: files
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_write_layers_child, args=(sender, layers, out), daemon=True)
    process.start()
    sender.close()

    def written() -> dict[str, str]:
        try:
            kind, payload = receiver.recv()
        except (EOFError, OSError):
            kind, payload = "error", "the process stopped"
        finally:
            receiver.close()
            process.join(timeout=30.0)
        return payload if kind == "ok" else write_layers(layers, out)

    return written


def write_map(project, result, path: Path, scenario_name: str = "") -> str | None:
    """Draw the scenario map page into ``path``: the result layers over every visible base
    layer of ``project``; returns a warning instead of failing."""
    try:
        from twin.layout import Page, build_layout, headline_figures
        from twin.project import Project
        from twin.ui.export.painter import export_layout

        scene = Project(crs=project.crs)
        for layer in map_stack(result.layers, project.layers):
            scene.add_layer(layer, index=len(scene.layers))
        layout = build_layout(
            scene,
            tr("Scenario: {name}").format(name=scenario_name) if scenario_name else tr("Scenario"),
            scenario=scenario_name,
            page=Page(1600, 1000, 150.0),
            figures=headline_figures(result.figures),
        )
        export_layout(layout, scene, path)
    except Exception as error:
        return tr("map.png not written ({0}: {error})").format(type(error).__name__, error=error)
    return None


def map_stack(result_layers, base_layers) -> list:
    """The layers of the scenario map, top first: result vectors, the visible base vectors
    (so buildings, roads and communes show through), result rasters, then base rasters
    (the terrain only when no result raster covers it)."""
    from twin.layers.raster import RasterLayer

    results = [layer for layer in result_layers if layer.name.endswith(MAP_RESULTS)]
    base = [layer for layer in base_layers if layer.visible]
    result_rasters = [layer for layer in results if isinstance(layer, RasterLayer)]
    base_rasters = [layer for layer in base if isinstance(layer, RasterLayer)]
    return [
        *(layer for layer in results if not isinstance(layer, RasterLayer)),
        *(layer for layer in base if not isinstance(layer, RasterLayer)),
        *result_rasters,
        *([] if result_rasters else base_rasters),
    ]


def run(args: argparse.Namespace) -> int:
    """Simulate and write the outputs; returns 0."""
    import twin
    from twin.feedback import Feedback
    from twin.scenario import find_scenario
    from twin.sim.whatif import simulate

    if args.save_results and args.project is None:
        raise DataError(
            tr("--save-results needs a PROJECT file (the bundled sample is not changed)")
        )
    domains = [d.strip() for d in args.domains.split(",") if d.strip()]
    options = options_from_args(args)
    if args.scenario_file:
        scenario = read_scenario_file(args.scenario_file)
    project = twin.open_project(args.project)
    if not args.scenario_file:
        scenario = find_scenario(project.scenarios, args.scenario)
    feedback = Feedback(None if args.quiet else ProgressLines())
    # energy and transit each in a forked process beside radio and fiber (2+ cores)
    processes = 3 if (os.cpu_count() or 1) >= 2 else 1
    result = simulate(
        project, scenario, domains, feedback=feedback, options=options, processes=processes
    )
    if args.save_results:
        from twin.project_save import save_results

        saved = save_results(project)
        if not args.quiet:
            print(tr("results saved in {saved}").format(saved=saved), file=sys.stderr)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = write_layers_beside(result.layers, out)  # while this process draws the map
    warning = write_map(project, result, out / "map.png", scenario.name)
    files = written()
    warnings = list(result.warnings) + ([warning] if warning else [])
    report: dict[str, Any] = {
        "project": str(project.path) if project.path else None,
        "scenario": scenario.to_dict(),
        "domains": list(result.domains),
        "options": json.loads(options.key()),
        "figures": result.kpis(),
        "layers": files,
        "warnings": warnings,
    }
    (out / "kpis.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    if warning:
        print(tr("twin simulate: warning: {warning}").format(warning=warning), file=sys.stderr)
    print(
        tr("scenario {name!r}: {figures} figures, {layers} layers; wrote {path}").format(
            name=scenario.name,
            figures=len(result.figures),
            layers=len(files),
            path=out / "kpis.json",
        )
    )
    return 0
