"""French and English without Qt: the catalogue, language choice, locale formatting and
the command line's --lang."""

from __future__ import annotations

import datetime
import functools
import importlib.util
import json
from pathlib import Path

import pytest
from test_fiber_cli import tiny_project  # noqa: F401 (a fixture: a small fiber project)

from twin import i18n
from twin.cli import main
from twin.i18n import (
    format_date,
    format_figure,
    format_money,
    format_number,
    format_percent,
    language_from_environment,
    set_language,
    tr,
    tr_label,
)

ROOT = Path(__file__).resolve().parent.parent


def _plain(text: str) -> str:
    """``text`` with no-break spaces as plain spaces (French puts them in figures)."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.fixture
def french():
    set_language("fr")
    yield
    set_language("en")


@pytest.fixture(scope="module")
def script():
    """scripts/update_translations.py loaded once; the code under twin/ does not change
    while the tests run, so it is parsed once for every check (each parse of ~580 files
    took several seconds)."""
    spec = importlib.util.spec_from_file_location(
        "update_translations", ROOT / "scripts" / "update_translations.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.extract_code = functools.cache(module.extract_code)
    module.untranslatable_calls = functools.cache(module.untranslatable_calls)
    return module


def test_catalogue_is_compiled_up_to_date_and_translates_every_string_of_the_code(capsys, script):
    # every tr()/N_() literal of twin/ and every data term has a French entry, and the
    # shipped .po/.mo are what the script would write now (exit 1 and a list otherwise)
    assert script.main(["--check"]) == 0, capsys.readouterr()
    extracted = script.extract_code()
    assert "&File" in extracted and "Coverage by &commune…" in extracted
    assert len(extracted) > 400
    assert script.untranslatable_calls() == []  # no tr(f"...") that could never match


def test_the_catalogue_check_fails_on_a_new_string_or_a_stale_mo(
    capsys, monkeypatch, tmp_path, script
):
    terms = script.read_terms()
    monkeypatch.setattr(script, "read_terms", lambda: [*terms, "A string nobody translated"])
    assert script.main(["--check"]) == 1
    assert "no translation for 'A string nobody translated'" in capsys.readouterr().err
    monkeypatch.setattr(script, "read_terms", lambda: terms)
    po = tmp_path / "twin.po"
    po.write_bytes(script.po_path("fr").read_bytes())
    po.with_suffix(".mo").write_bytes(script.po_path("fr").with_suffix(".mo").read_bytes()[:-8])
    monkeypatch.setattr(script, "po_path", lambda _language: po)
    assert script.main(["--check"]) == 1
    assert "twin.mo is not twin.po compiled" in capsys.readouterr().out


def test_the_language_follows_the_locale_unless_told():
    assert language_from_environment({"LANG": "fr_FR.UTF-8"}) == "fr"
    assert language_from_environment({"LANG": "en_GB.UTF-8"}) == "en"
    assert language_from_environment({"LANG": "C.UTF-8"}) == "en"
    assert language_from_environment({}) == "en"
    # LC_ALL wins over LANG, as in POSIX; TWIN_LANG (set by --lang) wins over both
    assert language_from_environment({"LC_ALL": "fr_CA.UTF-8", "LANG": "en_US"}) == "fr"
    assert language_from_environment({"LC_ALL": "en_US", "LANG": "fr_FR"}) == "en"
    assert language_from_environment({"TWIN_LANG": "fr", "LANG": "en_US"}) == "fr"
    assert language_from_environment({"TWIN_LANG": "de", "LANG": "fr_FR"}) == "fr"


def test_french_catalogue_translates_menus_and_territory_vocabulary(french):
    assert tr("&File") == "&Fichier"
    assert tr("Coverage") == "Couverture"
    assert tr("households") == "ménages"
    assert tr("Fiber-eligible premises") == "Locaux raccordables"
    assert tr("persons") == "habitants"
    assert tr("a text twin never had") == "a text twin never had"  # unknown: unchanged
    set_language("en")
    assert tr("&File") == "&File"


def test_numbers_money_percent_and_dates_per_locale(french):
    assert _plain(format_number(447429)) == "447 429"
    assert _plain(format_figure(447429, "persons")) == "447 429 habitants"
    assert _plain(format_money(150_000)) == "150 k€"
    assert _plain(format_money(1_250_000)) == "1,2 M€"
    assert _plain(format_percent(12.5)) == "12,5 %"
    assert _plain(format_number(2.5, 1)) == "2,5"
    assert format_date(datetime.date(2026, 11, 30)) == "30 nov. 2026"
    set_language("en")
    assert format_number(447429) == "447,429"
    assert _plain(format_figure(447429, "persons")) == "447,429 people"
    assert format_money(150_000) == "€150k"
    assert format_money(850) == "€850"
    assert format_percent(12.5) == "12.5%"
    assert format_date("2026-11-30") == "30 Nov 2026"


def test_unit_words_agree_with_their_number_in_both_languages():
    from twin.kpi import format_value

    english = [
        format_value(v, u) for v, u in ((1, "violations"), (3, "violations"), (1, "persons"))
    ]
    assert english == ["1 violation", "3 violations", "1 person"]
    assert format_value(1, "reports") == "1 report"
    assert format_value(2_500, "persons") == "2 500 people"
    assert format_value(17.16, "t/yr") == "17.16 t/year" and format_value(4, "count") == "4"
    set_language("fr")
    try:
        french = [
            _plain(format_figure(v, u))
            for v, u in ((1, "violations"), (3, "violations"), (0, "persons"), (2, "premises"))
        ]
        money = _plain(format_figure(123.0, "EUR/person"))
        per_year = _plain(format_figure(330, "MWh/yr"))
    finally:
        set_language("en")
    assert french == ["1 contrainte", "3 contraintes", "0 habitant", "2 locaux"]
    assert money == "123 € par habitant" and per_year == "330 MWh/an"


def test_plural_entries_are_extracted_with_their_context(script):
    plurals = script.extract_plurals()
    assert ("violation", "violations", "unit") in plurals
    catalog = script.template()
    assert catalog.get("violation", context="unit").id == ("violation", "violations")


def test_data_labels_are_translated_with_local_numbers(french):
    assert tr_label("Buildings") == "Bâtiments"
    assert _plain(tr_label("24.31 – 33.21 people")) == "24,31 – 33,21 habitants"
    assert _plain(tr_label("good: -105 to -95 dBm")) == "bonne : -105 à -95 dBm"
    assert _plain(tr_label("no coverage: below -115 dBm")) == "pas de couverture : sous -115 dBm"
    assert _plain(tr_label("4G+5G persons: very good")) == "Habitants 4G+5G : très bonne"
    assert tr_label("Rue de la Motte") == "Rue de la Motte"  # a name people typed
    set_language("en")
    assert tr_label("24.31 – 33.21 people") == "24.31 – 33.21 people"


def test_kpi_figures_in_french_keep_the_privacy_mask_in_french(french):
    from twin.kpi import format_published, format_value
    from twin.layers.privacy import publish

    assert _plain(format_value(12345, "persons")) == "12 345 habitants"
    assert _plain(format_value(1_500_000, "EUR")) == "1,5 M€"
    assert format_published(publish(40.0, 3.0), "persons") == "< 11 ménages"


def test_cli_help_and_errors_in_french_with_lang(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--lang", "fr", "fiber", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("utilisation : twin fiber")
    assert "un nom de commune ou un code INSEE" in out
    assert "afficher cette aide et quitter" in out
    # --lang also after the command, as --lang=fr; argparse's errors are French too
    with pytest.raises(SystemExit) as exit_info:
        main(["fiber", "--zone", "pace", "--lang=fr"])
    assert exit_info.value.code == 2
    assert "les arguments suivants sont requis : --out" in capsys.readouterr().err


def test_cli_refuses_an_unknown_language_in_one_line(capsys):
    assert main(["--lang", "de", "info"]) == 2
    err = capsys.readouterr().err
    assert err == "twin: --lang 'de': choose one of en, fr\n"
    assert i18n.language() == "en"


def test_cli_human_output_in_french_and_json_stays_plain(tiny_project, tmp_path, capsys):  # noqa: F811
    out = tmp_path / "out"
    argv = ["--lang", "fr", "fiber", str(tiny_project), "--zone", "testville", "--out", str(out)]
    assert main(argv) == 0
    line = _plain(capsys.readouterr().out)
    assert line.startswith("5 locaux desservis, 250 m de tracé, investissement ")
    assert "k€ par local) ; écrit " in line
    kpis = json.loads((out / "fiber_kpis.json").read_text(encoding="utf-8"))
    assert kpis["premises_passed"] == 5  # JSON: plain numbers, whatever the language


def test_page_legend_and_kpi_cards_are_french_in_french():
    from twin.kpi import Figure
    from twin.layers.style import Category, Style
    from twin.layout import KpiCard, legend_of

    class _Layer:
        name = "Roads"
        style = Style(
            kind="categorized", column="kind", categories=(Category("primary", "#000", "Primary"),)
        )

        def legend_entries(self):
            return self.style.legend_entries("line")

    figure = Figure(
        "radio.x", "4G persons: good or very good", 447429.0, "persons", "radio", households=2e5
    )
    i18n.set_language("fr")
    try:
        legend = legend_of([_Layer()])
        card = KpiCard.from_figure(figure)
    finally:
        i18n.set_language("en")
    assert legend.groups[0].layer == "Routes"
    assert card.value == "447\u00a0429" and card.unit == "habitants"


def test_exported_pages_print_figures_engines_and_credits_in_french(french):
    """The cost figures' labels, the "how computed" line under the KPI cards and the
    credits of a layer an engine computed are French in a French export."""
    from types import SimpleNamespace

    from twin.kpi import Figure
    from twin.layers.provenance import Provenance
    from twin.layout import attribution_text
    from twin.layout_method import how_computed
    from twin.sim.whatif.figures import cost_figures
    from twin.sim.whatif.lineage import COST_ENGINE, ENGINES

    results = {d: SimpleNamespace(capex_eur=1000.0) for d in ("radio", "fiber", "energy")}
    paired = {
        key: Figure(key, key, 10.0, "persons", "radio", 0.0, "up")
        for key in (
            "radio.4g_5g.persons.good_or_better",
            "radio.4g.persons.good_or_better",
            "radio.5g.persons.good_or_better",
        )
    }
    paired["fiber.premises_eligible"] = Figure(
        "fiber.premises_eligible", "x", 10.0, "premises", "fiber", 0.0, "up"
    )
    labels = [f.label for f in cost_figures(results, paired)]
    assert len(labels) == 8
    assert [label for label in labels if tr_label(label) == label] == []
    for engine in [*ENGINES.values(), COST_ENGINE]:
        line = how_computed({"engine": engine["engine"], "standard": engine["standard"]})
        assert "twin radio engine" not in line and tr_label(engine["engine"]) in line
        assert tr_label(engine["standard"]) != engine["standard"]
    assert how_computed({"engine": ENGINES["fiber"]["engine"]}).startswith("planificateur fibre")
    computed = SimpleNamespace(provenance=Provenance(source="engine:fiber"))
    assert attribution_text([computed]) == "twin"
    assert _plain(format_figure(1978.0, "EUR/premise")).endswith("par local")
    set_language("en")
    assert format_figure(1978.0, "EUR/premise").endswith("per premise")


def test_a_fiber_areas_result_layers_and_route_kinds_are_french(french):
    assert tr_label("Langan fiber route") == "Langan : tracé fibre"
    assert tr_label("Langan premises passed") == "Langan : locaux desservis"
    assert [tr_label(k) for k in ("existing duct", "aerial (poles)", "new trench")] == [
        "fourreau existant",
        "aérien (poteaux)",
        "nouvelle tranchée",
    ]


def _untranslated_cli_texts() -> list[str]:
    """English text literals of twin/cli that reach a person without tr(): argparse help,
    descriptions and titles, printed lines, error messages (f-strings and plain strings;
    a tr(...) call or a name is fine)."""
    import ast

    found = []
    for path in sorted((Path(i18n.__file__).parent / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            called = getattr(node.func, "attr", getattr(node.func, "id", ""))
            texts = []
            if called == "print" or called.endswith("Error"):
                texts = node.args[:1]
            if called in ("add_parser", "add_argument", "add_subparsers", "ArgumentParser"):
                texts = [k.value for k in node.keywords if k.arg in ("help", "description")]
            for text in texts:
                words = ""
                if isinstance(text, ast.Constant) and isinstance(text.value, str):
                    words = text.value
                elif isinstance(text, ast.JoinedStr):
                    words = "".join(
                        part.value for part in text.values if isinstance(part, ast.Constant)
                    )
                if sum(c.isalpha() for c in words.replace("twin", "")) > 3:
                    found.append(f"{path.name}:{node.lineno}: {words[:60]!r}")
    return found


def test_every_cli_help_line_and_message_goes_through_tr(capsys):
    assert _untranslated_cli_texts() == []
    with pytest.raises(SystemExit):
        main(["--lang", "fr", "present", "--help"])
    out = capsys.readouterr().out
    assert "nom d'un récit enregistré dans le projet" in out
    assert "name of a story" not in out


def test_file_errors_are_one_french_line_in_french(capsys, tmp_path):
    assert main(["--lang", "fr", "info", str(tmp_path / "absent.twin")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"twin info : Aucun fichier à {tmp_path / 'absent.twin'} : vérifiez le chemin et le "
        "nom du fichier"
    )
    assert main(["--lang", "fr", "info", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"twin info : {tmp_path} est un dossier, pas un fichier de données"
    )


def test_interventions_are_described_in_french_as_the_scenario_panel_lists_them(french):
    from twin.interventions import AddMobileSite, AddTransitLine, CellSpec, ExtendFiber

    cells = tuple(CellSpec(azimuth_deg=a, band_mhz=800, technology="4G") for a in (0, 120, 240))
    site = AddMobileSite(site_id="S1", name="Langan", x=0.0, y=0.0, cells=cells)
    assert site.describe() == "Ajouter le site 4G « Langan », 3 cellules, 800 MHz, 30 m"
    fiber = ExtendFiber(name="Langan", polygon=((0.0, 0.0), (1.0, 0.0), (1.0, 1.0)))
    assert fiber.describe() == "Étendre la fibre à la zone « Langan »"
    line = AddTransitLine(name="B", mode="bus", stops=((0.0, 0.0), (1.0, 1.0)), headway_min=7.5)
    assert line.describe() == "Ajouter la ligne de bus « B », 2 arrêts, toutes les 7,5 min"
