"""Unit costs (EUR) of a fiber extension and the bill of materials / capex arithmetic.

The defaults live in ``default_costs.json`` next to this module (documented, editable);
:func:`load_costs` reads that file or any file with the same keys.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.io_common import existing_file

DEFAULT_COSTS_PATH = Path(__file__).resolve().parent / "default_costs.json"

#: Route kinds, in the order reports list them: existing duct, poles, new trench.
ROUTE_KINDS = ("duct", "aerial", "trench")


@dataclass(frozen=True)
class FiberCosts:
    """Unit costs in EUR: per metre of route by kind, per PM, per PBO, per connection."""

    trench_eur_per_m: float = 90.0
    duct_eur_per_m: float = 12.0
    aerial_eur_per_m: float = 18.0
    pm_eur: float = 20000.0
    pbo_eur: float = 450.0
    connection_eur: float = 350.0
    source: str = "defaults"

    def per_metre(self, kind: str) -> float:
        """EUR per metre of route for ``kind`` ("trench", "duct", "aerial"; "fiber" is 0)."""
        return {
            "trench": self.trench_eur_per_m,
            "duct": self.duct_eur_per_m,
            "aerial": self.aerial_eur_per_m,
            "fiber": 0.0,
        }[kind]

    def to_dict(self) -> dict[str, float | str]:
        """JSON-ready unit costs (EUR)."""
        return {
            "route_eur_per_m": {
                "trench": self.trench_eur_per_m,
                "duct": self.duct_eur_per_m,
                "aerial": self.aerial_eur_per_m,
            },
            "pm_eur": self.pm_eur,
            "pbo_eur": self.pbo_eur,
            "connection_eur": self.connection_eur,
            "source": self.source,
        }


def load_costs(path: str | Path | None = None) -> FiberCosts:
    """Read unit costs (EUR) from ``path`` (default: the bundled ``default_costs.json``)."""
    path = Path(path) if path is not None else DEFAULT_COSTS_PATH
    if not path.exists():
        raise DataError(tr("{path}: cost file not found").format(path=path))
    path = existing_file(path)  # a folder, a pipe or a device: one line at once
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(tr("{path}: cost file not found").format(path=path)) from None
    except (OSError, json.JSONDecodeError) as error:
        raise DataError(
            tr("{path}: not a readable JSON cost file ({error})").format(path=path, error=error)
        ) from None
    try:
        route = data["route_eur_per_m"]
        values = {
            "trench_eur_per_m": route["trench"],
            "duct_eur_per_m": route["duct"],
            "aerial_eur_per_m": route["aerial"],
            "pm_eur": data["pm_eur"],
            "pbo_eur": data["pbo_eur"],
            "connection_eur": data["connection_eur"],
        }
    except (KeyError, TypeError) as error:
        raise DataError(
            tr("{path}: missing cost {error} (see default_costs.json)").format(
                path=path, error=error
            )
        ) from None
    for key, value in values.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise DataError(
                tr("{path}: cost {key} must be a number >= 0 EUR, got {value!r}").format(
                    path=path, key=key, value=value
                )
            )
    return FiberCosts(**{k: float(v) for k, v in values.items()}, source=str(path.name))


@dataclass(frozen=True)
class BillOfMaterials:
    """Quantities of a plan: metres of route by kind, new PMs, PBOs, connections."""

    metres: dict[str, float]
    pm_count: int
    pbo_count: int
    connection_count: float

    def capex(self, costs: FiberCosts) -> dict[str, float]:
        """Capex in EUR by item (``route_trench``, ``route_duct``, ``route_aerial``, ``pm``,
        ``pbo``, ``connections``) and ``total``."""
        items = {
            f"route_{kind}": self.metres.get(kind, 0.0) * costs.per_metre(kind)
            for kind in ROUTE_KINDS
        }
        items["pm"] = self.pm_count * costs.pm_eur
        items["pbo"] = self.pbo_count * costs.pbo_eur
        items["connections"] = self.connection_count * costs.connection_eur
        items["total"] = sum(items.values())
        return items
