"""A French run shows the engines' (twin/sim) errors and warnings in French (issue 12)."""

from __future__ import annotations

import warnings

import pytest

from twin.cli import main
from twin.errors import DataError
from twin.i18n import set_language
from twin.sim.fiber import load_costs
from twin.sim.radio.propagation import ValidityWarning, free_space, path_loss
from twin.sim.transit.service import parse_date


@pytest.fixture
def french(monkeypatch):
    """French for the test, English again after it (``twin --lang`` also sets TWIN_LANG)."""
    monkeypatch.setenv("TWIN_LANG", "en")
    set_language("fr")
    try:
        yield
    finally:
        set_language("en")


def test_cli_energy_refuses_a_bad_network_file_in_one_french_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TWIN_LANG", "en")
    bad = tmp_path / "feeder.json"
    bad.write_text("this is not JSON", encoding="utf-8")
    try:
        status = main(["--lang", "fr", "energy", "--net", str(bad), "--out", str(tmp_path / "o")])
    finally:
        set_language("en")
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1
    assert "feeder.json n'est pas un réseau pandapower JSON" in err
    assert "is not a pandapower" not in err


def test_model_errors_read_french_and_english_again_after(tmp_path, french):
    with pytest.raises(DataError) as error:
        load_costs(tmp_path / "costs.json")
    assert str(error.value) == f"{tmp_path / 'costs.json'} : fichier de coûts introuvable"
    with pytest.raises(DataError) as error:
        parse_date("30/11/2026")
    assert str(error.value) == "« 30/11/2026 » n'est pas une date AAAA-MM-JJ"
    with pytest.raises(ValueError) as error:
        path_loss("no-such-model", [100.0], 1800.0, 30.0, 1.5)
    assert str(error.value).startswith("modèle de propagation 'no-such-model' inconnu ; attendu")
    set_language("en")
    with pytest.raises(DataError, match="is not a date YYYY-MM-DD"):
        parse_date("30/11/2026")


def test_validity_warning_of_a_propagation_model_in_french(french):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        free_space([0.1], 1800.0)
    texts = [str(w.message) for w in caught if issubclass(w.category, ValidityWarning)]
    assert texts == ["free-space : 3-D distance 0.1-0.1 m hors du domaine de validité 1-inf m"]
