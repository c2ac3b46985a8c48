"""The README.md of an open data package (``twin export-open-data``), in French and English:
what it holds, the method of each engine (from the figures' lineage), the sources, the
licence and the date. Package documentation for both audiences, so it is written in both
languages at once rather than through the UI catalogue."""

from __future__ import annotations

from typing import Any

from twin.layers.privacy import DISCLOSURE_THRESHOLD_HOUSEHOLDS

FILES = {
    "kpis.csv": ("Indicateurs clés et leur lignage", "Key figures and their lineage"),
    "coverage_by_commune": (
        "Personnes et locaux par niveau de couverture 4G+5G, par commune",
        "Persons and premises per 4G+5G coverage level, per commune",
    ),
    "ptal_by_commune": (
        "Personnes et locaux par groupe PTAL (faible 0-1b, moyen 2-3, fort 4-6b), par commune",
        "Persons and premises per PTAL group (low 0-1b, medium 2-3, high 4-6b), per commune",
    ),
    "fiber_by_commune": (
        "Personnes et locaux éligibles ou non à la fibre (FTTH), par commune",
        "Persons and premises eligible or not to fiber (FTTH), per commune",
    ),
    "line_loading": (
        "Charge de chaque ligne du réseau électrique (%, pire cas)",
        "Loading of each line of the electricity grid (%, worst case)",
    ),
}


def _methods(result) -> list[dict[str, Any]]:
    """One lineage per domain (the first figure's), in the order of the figures."""
    seen: dict[str, dict[str, Any]] = {}
    for figure in result.figures:
        if figure.lineage is not None and figure.domain not in seen:
            seen[figure.domain] = figure.lineage
    return list(seen.values())


def readme_text(project, result, scenario: str, title: str, licence: dict, created: str) -> str:
    """The README as Markdown, French first then English."""
    methods = _methods(result)
    inputs: dict[str, dict[str, Any]] = {}
    for lineage in methods:
        for item in lineage.get("inputs", []):
            inputs.setdefault(item["name"], item)
    threshold = DISCLOSURE_THRESHOLD_HOUSEHOLDS
    lines = [f"# {title} — {scenario}", ""]
    lines += [
        "## Français",
        "",
        f"Résultats du scénario « {scenario} » calculés par twin, jumeau numérique du "
        f"territoire, le {created[:10]}.",
        "",
        "### Fichiers",
        "",
    ]
    lines += [f"- `{name}` : {fr}" for name, (fr, _en) in FILES.items()]
    lines += [
        "- `results.gpkg` : toutes les tables avec leur géométrie (Lambert-93) ; les fichiers "
        "GeoJSON sont en WGS 84.",
        "",
        "### Méthode",
        "",
    ]
    lines += [f"- **{m['engine']}** : {m['model']} ({m['standard']})." for m in methods]
    lines += [
        "",
        "### Confidentialité",
        "",
        f"Aucun chiffre de personnes reposant sur moins de {threshold} ménages n'est publié "
        "(secret statistique de l'INSEE) : ces cases sont vides, avec une suppression "
        "secondaire pour qu'aucune ne se déduise des autres. Aucun chiffre par bâtiment.",
        "",
        "### Sources",
        "",
    ]
    lines += _sources(inputs)
    lines += [
        "",
        "### Licence",
        "",
        f"{licence['title']} ({licence['path']}).",
        "",
        "## English",
        "",
        f'Results of the scenario "{scenario}" computed by twin, a digital twin of the '
        f"territory, on {created[:10]}.",
        "",
        "### Files",
        "",
    ]
    lines += [f"- `{name}`: {en}" for name, (_fr, en) in FILES.items()]
    lines += [
        "- `results.gpkg`: every table with its geometry (Lambert-93); the GeoJSON files are "
        "in WGS 84.",
        "",
        "### Method",
        "",
    ]
    lines += [
        f"- **{m['engine']}**: {m['model']} ({m['standard']}; valid for {m['validity']})."
        for m in methods
    ]
    lines += [
        "",
        "### Privacy",
        "",
        f"No people figure resting on fewer than {threshold} households is published "
        "(INSEE's statistical confidentiality rule): such cells are empty, with secondary "
        "suppression so that none can be recovered from the others. No per-building figure.",
        "",
        "### Sources",
        "",
    ]
    lines += _sources(inputs)
    lines += ["", "### Licence", "", f"{licence['title']} ({licence['path']}).", ""]
    return "\n".join(lines)


def _sources(inputs: dict[str, dict[str, Any]]) -> list[str]:
    return [
        f"- {name}: {item['source']}"
        + "".join(f" — {item[k]}" for k in ("attribution", "licence", "date") if item.get(k))
        for name, item in inputs.items()
    ]
