""" "Why this number": a non-modal panel explaining one KPI figure from its lineage.

The KPI dock and the compare table open it when a figure is clicked
(:class:`~twin.ui.panels.kpi_table.FigureTable`). It shows the engine and model with the
standard they follow and their validity range, the parameters, the input layers with their
provenance, the scenario's interventions and the privacy masking applied, as built by
:mod:`twin.sim.whatif.lineage`.
"""

from __future__ import annotations

import html
import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from twin.i18n import tr


def _value_text(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_value_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_value_text(v) for v in value)
    if value is None:
        return "–"
    return value if isinstance(value, str) else json.dumps(value)


def lineage_html(lineage: dict[str, Any], label: str = "") -> str:
    """The lineage as HTML for a text browser (every text escaped)."""

    def esc(text: Any) -> str:
        return html.escape(str(text))

    parts = [f"<h3>{esc(label or lineage.get('figure', ''))}</h3>"]
    parts.append(f"<p><i>{esc(tr('Scenario'))}:</i> {esc(lineage.get('scenario', ''))}</p>")
    rows = [
        (tr("Engine"), lineage.get("engine", "")),
        (tr("Model"), lineage.get("model", "")),
        (tr("Standard"), lineage.get("standard", "")),
        (tr("Validity range"), lineage.get("validity", "")),
    ]
    parts.append("<table>")
    for name, text in rows:
        parts.append(f"<tr><td><b>{esc(name)}</b></td><td>{esc(text)}</td></tr>")
    parts.append("</table>")
    parameters = lineage.get("parameters", {})
    parts.append(f"<h4>{esc(tr('Parameters'))}</h4><ul>")
    for key, value in parameters.items():
        parts.append(f"<li>{esc(key)}: {esc(_value_text(value))}</li>")
    if not parameters:
        parts.append(f"<li>{esc(tr('none'))}</li>")
    parts.append(f"</ul><h4>{esc(tr('Input layers'))}</h4><ul>")
    for item in lineage.get("inputs", []):
        details = " · ".join(
            str(item.get(k)) for k in ("source", "licence", "attribution", "date") if item.get(k)
        )
        parts.append(f"<li><b>{esc(item.get('name', ''))}</b>: {esc(details)}</li>")
    parts.append(f"</ul><h4>{esc(tr('Interventions'))}</h4><ul>")
    interventions = lineage.get("interventions", [])
    for item in interventions:
        name = item.get("name") or item.get("site_id") or ""
        parts.append(f"<li>{esc(item.get('type', ''))} {esc(name)}</li>")
    if not interventions:
        parts.append(f"<li>{esc(tr('none: this figure is the baseline’s'))}</li>")
    privacy = lineage.get("privacy", {})
    masked = ", ".join(privacy.get("masked", [])) or tr("nothing")
    parts.append(f"</ul><h4>{esc(tr('Privacy'))}</h4><p>")
    parts.append(esc(tr("Rule: no people figure from fewer than 11 households (INSEE).")))
    parts.append(f"<br>{esc(tr('Masked'))}: {esc(masked)}")
    if privacy.get("households"):
        band = tr("Rests on {band} households").format(band=privacy["households"])
        parts.append(f"<br>{esc(band)}")
    if privacy.get("note"):  # e.g. a count of citizen reports: never per place
        parts.append(f"<br>{esc(tr(privacy['note']))}")
    parts.append("</p>")
    return "".join(parts)


class LineagePanel(QWidget):
    """A floating, non-modal window explaining one figure ("why this number")."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Tool)
        self.setWindowTitle(tr("Why this number"))
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.browser)
        self.resize(460, 520)

    def show_lineage(self, lineage: dict[str, Any], label: str = "") -> None:
        """Show the explanation of a figure and bring the panel up (it does not block)."""
        self.setWindowTitle(tr("Why this number") + (f" — {label}" if label else ""))
        self.browser.setHtml(lineage_html(lineage, label))
        self.show()
        self.raise_()

    def text(self) -> str:
        """The explanation as the user reads it (plain text)."""
        return self.browser.toPlainText()
