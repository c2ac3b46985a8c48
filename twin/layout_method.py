"""The "how computed" line printed under the KPI cards of an exported page, Qt-free.

:func:`how_computed` turns a figure's lineage (:mod:`twin.sim.whatif.lineage`) into one short
line in the current language: the engine and the standard it follows (for a citizen
reports figure, what "improves" means), the input layers grouped by source and date, and
the privacy masking when the disclosure rule masked something. :func:`method_lines` groups
the cards of a page that share a line, so a page prints each method once. The painter
(:mod:`twin.ui.export.painter`) and the page regions (:mod:`twin.layout_regions`) both read
:func:`method_lines`, so the space reserved is the space drawn.
"""

from __future__ import annotations

from typing import Any

from twin.i18n import N_, format_date, tr, tr_label

#: Which numbers of a figure the privacy gate may mask, as printed.
MASKED_PARTS = {"value": N_("value"), "baseline": N_("baseline"), "delta": N_("change")}


def _date(text: str) -> str:
    try:
        return format_date(text)
    except (ValueError, TypeError):
        return text


def _inputs(inputs: list[dict[str, Any]]) -> str:
    """Input layers grouped by (source, date): ``"Roads, Buildings (source, 1 Jan 2026)"``."""
    groups: dict[tuple[str, str], list[str]] = {}
    for item in inputs:
        key = (str(item.get("source") or ""), str(item.get("date") or ""))
        groups.setdefault(key, []).append(tr_label(str(item.get("name") or item.get("id"))))
    parts = []
    for (source, date), names in groups.items():
        if source and all(source in name for name in names):
            source = ""  # already in the name ("GTFS feed rennes_gtfs.zip")
        details = ", ".join(p for p in (source, _date(date) if date else "") if p)
        parts.append(f"{', '.join(names)} ({details})" if details else ", ".join(names))
    return "; ".join(parts)


def how_computed(lineage: dict[str, Any] | None) -> str:
    """One line saying how a figure was computed, from its ``lineage`` ("" without one):
    engine · standard (a citizen reports figure: engine, then what it counts), inputs with
    source and date, and what the privacy gate masked (if anything)."""
    if not lineage:
        return ""
    engine = " · ".join(tr_label(p) for p in (lineage.get("engine"), lineage.get("standard")) if p)
    if lineage.get("domain") == "reports" and lineage.get("model"):
        engine = f"{engine}. " + tr("Counts: {what}").format(what=tr_label(lineage["model"]))
    parts = [engine] if engine else []
    inputs = _inputs(list(lineage.get("inputs") or ()))
    if inputs:
        parts.append(tr("Inputs: {inputs}").format(inputs=inputs))
    masked = list((lineage.get("privacy") or {}).get("masked") or ())
    if masked:
        what = ", ".join(tr(MASKED_PARTS.get(name, name)) for name in masked)
        parts.append(tr("Masked: {what} (fewer than 11 households, INSEE rule)").format(what=what))
    return ". ".join(parts)


def method_lines(cards) -> list[str]:
    """The "how computed" lines of a page's KPI ``cards`` (each with ``label`` and
    ``method``): cards with the same method share one line ``"Label A, Label B: method"``,
    in the order of the cards; cards without a method print nothing."""
    grouped: dict[str, list[str]] = {}
    for card in cards:
        if card.method:
            grouped.setdefault(card.method, []).append(card.label)
    line = tr("{name}: {detail}")
    return [
        line.format(name=", ".join(labels), detail=method) for method, labels in grouped.items()
    ]
