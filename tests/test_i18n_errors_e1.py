"""The model layer's errors reach a French user in French (issue 12): the one-line CLI error
of `twin --lang fr` and the exception text under set_language("fr"), for common mistakes
with data files, scenarios and projects."""

from __future__ import annotations

import pytest

from twin.cli import main
from twin.errors import DataError
from twin.i18n import set_language
from twin.scenario import Scenario


@pytest.fixture
def french_cli(monkeypatch):
    """`twin --lang fr` sets TWIN_LANG for worker processes; put it and the language back."""
    monkeypatch.setenv("TWIN_LANG", "fr")
    try:
        yield
    finally:
        set_language("en")


def test_an_unknown_file_format_is_refused_in_french_on_the_command_line(
    french_cli, tmp_path, capsys
):
    path = tmp_path / "relevé.xyz"
    path.write_bytes(b"not a map at all\n")
    assert main(["--lang", "fr", "info", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1  # one line, no traceback
    assert "relevé.xyz : format inconnu (fichiers '.xyz') ; twin lit GeoPackage (.gpkg)" in err
    assert "unknown format" not in err


def test_a_csv_without_coordinates_is_refused_in_french_on_the_command_line(
    french_cli, tmp_path, capsys
):
    path = tmp_path / "compteurs.csv"
    path.write_text("nom,valeur\nMairie,12\n", encoding="utf-8")
    assert main(["--lang", "fr", "info", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "compteurs.csv n'a pas de colonnes de coordonnées : attendu lon/lat" in err
    assert "has no coordinate columns" not in err


def test_a_scenario_with_an_unknown_intervention_says_so_in_french_then_in_english():
    data = {"name": "Nord", "interventions": [{"type": "téléporteur"}]}
    set_language("fr")
    try:
        with pytest.raises(DataError) as french:
            Scenario.from_dict(data)
    finally:
        set_language("en")
    assert str(french.value).startswith(
        "scénario 'Nord', intervention 1 : type d'intervention inconnu 'téléporteur' ; connus : "
    )
    with pytest.raises(DataError) as english:
        Scenario.from_dict(data)
    assert str(english.value).startswith(
        "scenario 'Nord', intervention 1: unknown intervention type 'téléporteur'; known: "
    )
