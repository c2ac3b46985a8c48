"""Record SPLAT!'s point-to-point report on the terrain of tests/test_radio_splat.py.

The test checks that SPLAT! reads twin's exported SDF tile at the right place by comparing
the ground elevations SPLAT! reports with twin's terrain. SPLAT! is a Debian package
(`apt-get install splat`), not something pip installs, so its report is recorded here once
and kept in tests/data/splat/ with the SHA-256 of the SDF tile it read: the test fails if
the exporter changes, and this script must then be run again.

    python scripts/record_splat_reference.py
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from splat_scene import RX, TX, scene_files  # noqa: E402

OUT = ROOT / "tests" / "data" / "splat"


def main() -> int:
    """Run SPLAT! on the exported scene and store its report and the tile's hash."""
    if shutil.which("splat") is None:
        print("splat is not installed: apt-get install splat", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        tile = scene_files(work)
        subprocess.run(
            ["splat", "-t", "tx.qth", "-r", "rx.qth", "-d", "./", "-metric"],
            cwd=work,
            capture_output=True,
            check=True,
            timeout=120,
        )
        OUT.mkdir(parents=True, exist_ok=True)
        shutil.copy(work / "tx-to-rx.txt", OUT / "tx-to-rx.txt")
        digest = hashlib.sha256(tile.read_bytes()).hexdigest()
        version = subprocess.run(["splat"], capture_output=True, text=True).stdout
        found = re.search(r"SPLAT! v[\d.]+", version)
        version_line = found.group(0) if found else "SPLAT!"
        (OUT / "README.md").write_text(
            "SPLAT!'s report (`splat -t tx.qth -r rx.qth -d ./ -metric`) for the scene of\n"
            "tests/splat_scene.py, recorded by scripts/record_splat_reference.py with\n"
            f"{version_line} (Debian package splat).\n\n"
            f"SDF tile read by SPLAT!: {tile.name}, sha256 {digest}\n"
            f"Transmitter {TX}, receiver {RX} (EPSG:2154, metres).\n",
            encoding="utf-8",
        )
        print(f"recorded {OUT / 'tx-to-rx.txt'} (tile sha256 {digest})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
