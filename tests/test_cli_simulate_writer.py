"""twin simulate writes its result layers in a forked process while it draws the map: the
files are the same as written in the process itself. Run in a fresh interpreter (the test
process has Qt loaded, where nothing is forked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CODE = """
import json, sys
from pathlib import Path
import pyogrio
import twin
from twin.cli.simulate import write_layers, write_layers_beside
from twin.sim.whatif.parallel import fork_is_safe

assert fork_is_safe()
project = twin.open_project(None)
layers = [project.layer("communes"), project.layer("town_halls"), project.layer("terrain")]
out_a, out_b = Path(sys.argv[1]) / "a", Path(sys.argv[1]) / "b"
out_a.mkdir(); out_b.mkdir()
forked = write_layers_beside(layers, out_a)()
here = write_layers(layers, out_b)
tables = sorted(name for name, _ in pyogrio.list_layers(out_a / "layers.gpkg"))
same = all(
    pyogrio.read_dataframe(out_a / "layers.gpkg", layer=t).equals(
        pyogrio.read_dataframe(out_b / "layers.gpkg", layer=t))
    for t in tables
)
tifs = sorted(p.name for p in out_a.glob("*.tif"))
same_tifs = all((out_a / t).read_bytes() == (out_b / t).read_bytes() for t in tifs)
print(json.dumps({"forked": forked, "here": here, "tables": tables, "same": same,
                  "tifs": tifs, "same_tifs": same_tifs}))
"""


def test_layers_written_in_a_forked_process_equal_those_written_here(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", CODE, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["forked"] == report["here"]
    assert len(report["tables"]) == 2 and report["same"]
    assert report["tifs"] and report["same_tifs"]
