"""Where a layer's data came from: the record every layer carries."""

from __future__ import annotations

import datetime as _dt
from dataclasses import asdict, dataclass, field, replace
from typing import Any


def today_iso() -> str:
    """Today's date as ISO 8601 (YYYY-MM-DD), the default date of a provenance."""
    return _dt.date.today().isoformat()


@dataclass(frozen=True)
class Provenance:
    """Frozen record of a layer's origin.

    ``source`` is a file path, a URL-free dataset name or ``engine:<name>`` for computed
    layers; ``licence`` and ``attribution`` must be shown wherever the layer is;
    ``method`` says in words how the data was made (what is real, what is generated);
    ``parameters`` holds the engine or reader parameters (JSON-serialisable);
    ``repaired_geometries`` counts invalid geometries repaired with ``make_valid`` on load.
    """

    source: str = ""
    licence: str = ""
    attribution: str = ""
    date: str = field(default_factory=today_iso)
    method: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    repaired_geometries: int = 0

    def with_changes(self, **changes: Any) -> Provenance:
        """Return a copy with some fields replaced."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Provenance:
        """Build from a dict read from a project file; unknown keys are ignored."""
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        if "parameters" in known and not isinstance(known["parameters"], dict):
            known["parameters"] = {}
        for key in ("source", "licence", "attribution", "date", "method"):
            if key in known:
                known[key] = str(known[key])
        if "repaired_geometries" in known:
            known["repaired_geometries"] = int(known["repaired_geometries"])
        return cls(**known)

    def summary(self) -> str:
        """One line for a status bar or `twin info`."""
        parts = [self.source or "unknown source"]
        if self.attribution:
            parts.append(self.attribution)
        if self.licence:
            parts.append(self.licence)
        if self.date:
            parts.append(self.date)
        if self.repaired_geometries:
            parts.append(f"{self.repaired_geometries} geometries repaired")
        return " · ".join(parts)
