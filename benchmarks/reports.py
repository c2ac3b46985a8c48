"""What citizen reports cost: importing an Open311 file, and redrawing the heat map when a
date slider moves.

Writes a synthetic Open311 GeoReport v2 file of ``--count`` reports (random points in the
sample territory's box, dates over one year, an email and a phone number in a third of the
descriptions and in contact columns) to a temporary folder, then times on an empty
Lambert-93 project:

- ``import_reports()``: parse JSON, separate and redact contact data, pseudonymise (HMAC),
  reproject to Lambert-93, add to the layer (contact data dropped: the default);
- ``update_heat_layer()`` for ``--moves`` time windows (what one slider step in the
  Citizen reports dock computes, without drawing);
- ``check`` of the hand-made comparison: :func:`twin.sim.reports.mobile_check` against a
  synthetic 4-level coverage grid of 50 m pixels over the box.

Prints median and max, the whole process time beside them, and the machine's load (the
machine may be shared: figures under load are upper bounds; ``--load`` adds one busy
process to measure under a known load).

    python benchmarks/reports.py [--count 20000] [--moves 20] [--load]
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
sys.path.insert(0, str(Path(__file__).parent))  # background_load
PROCESS_START = time.perf_counter()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from affine import Affine  # noqa: E402
from background_load import cpu_load, machine_line  # noqa: E402

from twin.layers.reports import reports_layer  # noqa: E402
from twin.layers.reports_heat import update_heat_layer  # noqa: E402
from twin.layers.reports_io import import_reports  # noqa: E402
from twin.project import Project  # noqa: E402
from twin.sim.reports import mobile_check  # noqa: E402

# The sample territory's box (Rennes Métropole) in WGS84 and Lambert-93.
LON, LAT = (-1.85, -1.50), (48.02, 48.20)
L93 = (340_000.0, 6_775_000.0, 370_000.0, 6_800_000.0)
SERVICES = [
    ("MOBILE-NOSIG", "Mobile network: no signal"),
    ("FTTH", "Fibre: raccordement impossible"),
    ("TRANSIT-STOP", "Bus stop shelter broken"),
    ("ENERGY-OUT", "Power outage"),
    ("ROAD-01", "Pothole"),
]


def synthetic_file(folder: Path, count: int, seed: int = 7) -> Path:
    """An Open311 JSON file of ``count`` reports."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-01-01T00:00:00Z")
    reports = []
    for number in range(count):
        code, name = SERVICES[number % len(SERVICES)]
        person = f"person{number % (count // 3 + 1)}"
        text = "Rien ne marche ici depuis lundi"
        if number % 3 == 0:
            text += f", écrivez à {person}@example.org ou 06 {number % 100:02d} 12 34 56"
        reports.append(
            {
                "service_request_id": str(number),
                "status": "open" if number % 2 else "closed",
                "service_code": code,
                "service_name": name,
                "description": text,
                "requested_datetime": (
                    start + pd.Timedelta(minutes=int(rng.integers(0, 525_600)))
                ).isoformat(),
                "lat": float(rng.uniform(*LAT)),
                "long": float(rng.uniform(*LON)),
                "email": f"{person}@example.org",
                "first_name": "Prénom",
                "last_name": f"Nom{number % 97}",
            }
        )
    path = folder / "reports.json"
    path.write_text(json.dumps(reports), encoding="utf-8")
    return path


def _ms(values: list[float]) -> str:
    return f"median {statistics.median(values):.1f} ms, max {max(values):.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--moves", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="imports timed")
    parser.add_argument("--load", action="store_true", help="one busy process beside it")
    args = parser.parse_args()
    print(machine_line(args.load))
    with tempfile.TemporaryDirectory() as folder, cpu_load(args.load):
        path = synthetic_file(Path(folder), args.count)
        imports = []
        for _ in range(args.repeat):
            project = Project()
            started = time.perf_counter()
            import_reports(project, path)
            imports.append(1000 * (time.perf_counter() - started))
        frame = reports_layer(project).frame
        print(
            f"import_reports() of {args.count} Open311 reports ({path.stat().st_size / 1e6:.1f}"
            f" MB, parse + contact separation + HMAC + reprojection + layer): {_ms(imports)}"
        )
        days = pd.date_range("2025-01-01", "2025-12-31", periods=args.moves + 1, tz="UTC")
        windows = []
        for first, last in itertools.pairwise(days):
            started = time.perf_counter()
            update_heat_layer(project, first, last)
            windows.append(1000 * (time.perf_counter() - started))
        heat = project.layer("citizen_reports_heat")
        print(
            f"update_heat_layer() per date window ({heat.array.shape[0]} x "
            f"{heat.array.shape[1]} cells of 100 m, no drawing): {_ms(windows)}"
        )
        xmin, ymin, xmax, ymax = L93
        shape = (int((ymax - ymin) / 50), int((xmax - xmin) / 50))
        level = np.random.default_rng(3).integers(0, 4, shape).astype(np.uint8)
        started = time.perf_counter()
        check = mobile_check(frame, level, Affine(50.0, 0.0, xmin, 0.0, -50.0, ymax))
        print(
            f"mobile_check() of {sum(check.by_level.values())} mobile reports on a "
            f"{shape[0]} x {shape[1]} grid: {1000 * (time.perf_counter() - started):.1f} ms"
        )
    print(f"whole process: {time.perf_counter() - PROCESS_START:.1f} s")


if __name__ == "__main__":
    main()
