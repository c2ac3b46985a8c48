"""Citizen reports import: Open311 GeoReport v2, GeoJSON, CSV and J'alerte l'Arcep files
become one reports layer with category, status, UTC date and a Lambert-93 point; the
project file keeps none of the reporters' emails, phone numbers, names or addresses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Transformer
from shapely.geometry import box

from twin.errors import DataError
from twin.layers.io_write import write_layer
from twin.layers.reports import (
    EXPORT_GRID_M,
    LAYER_ID,
    category_of,
    date_of,
    export_view,
    reports_layer,
)
from twin.layers.reports_formats import detect_format
from twin.layers.reports_io import import_reports
from twin.layers.vector import VectorLayer
from twin.project import Project

DATA = Path(__file__).parent / "data" / "reports"
GEOREPORT = DATA / "georeport_v2.json"
EMAIL = re.compile(rb"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Every phone number of the fixtures, as written and as bare digits.
PHONES = (
    b"06 12 34 56 78",
    b"+33 6 12 34 56 78",
    b"0612345678",
    b"0698765432",
    b"02.99.12.34.56",
    b"0299123456",
    b"07 11 22 33 44",
    b"0711223344",
    b"0611223344",
)
NAMES = (b"Dupont", b"Marie", b"Leroy", b"Durand", b"rue de la Monnaie", b"u-77812")


def _project() -> Project:
    """A project in Lambert-93 with two hand-made communes of Rennes (INSEE 35238 Rennes
    and 35051 Cesson-Sévigné), for reports placed by commune."""
    project = Project()
    communes = gpd.GeoDataFrame(
        {"insee": ["35238", "35051"], "name": ["Rennes", "Cesson-Sévigné"]},
        geometry=[
            box(348_000, 6_785_000, 356_000, 6_793_000),
            box(356_000, 6_785_000, 362_000, 6_793_000),
        ],
        crs=project.crs,
    )
    project.add_layer(VectorLayer("Communes", communes, layer_id="communes"))
    return project


def test_a_georeport_v2_file_keeps_every_report_with_its_fields():
    project = _project()
    result = import_reports(project, GEOREPORT)
    source = json.loads(GEOREPORT.read_text(encoding="utf-8"))
    frame = reports_layer(project).frame
    assert result.format == "open311" and result.imported == len(source) and result.skipped == 0
    assert list(frame["report_id"]) == [r["service_request_id"] for r in source]
    assert list(frame["category"]) == ["mobile", "transit", "energy", "fiber", "other"]
    assert list(frame["status"]) == ["open", "closed", "open", "open", "open"]
    # 08:15:30 at +01:00 is 07:15:30 UTC
    assert frame["date"][0] == "2026-03-01T07:15:30Z"
    to_l93 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
    for record, point in zip(source, frame.geometry, strict=True):
        x, y = to_l93.transform(record["long"], record["lat"])
        assert point.x == pytest.approx(x, abs=0.01) and point.y == pytest.approx(y, abs=0.01)
    assert reports_layer(project).provenance.parameters["sources"][0]["format"] == "open311"


def test_no_email_phone_name_or_address_is_in_the_saved_project(tmp_path):
    project = _project()
    import_reports(project, GEOREPORT)
    import_reports(project, DATA / "reports.csv")
    import_reports(project, DATA / "jalerte_arcep.csv")
    path = project.save(tmp_path / "reports.twin")
    data = path.read_bytes()
    assert EMAIL.findall(data) == []
    for secret in PHONES + NAMES:
        assert secret not in data, secret
    reopened = Project.open(path)
    texts = " ".join(reopened.layer(LAYER_ID).frame["description"])
    assert "[phone]" in texts and "[email]" in texts and "[name]" in texts


def test_kept_contacts_are_encrypted_and_read_back_with_the_passphrase(tmp_path):
    from twin.layers.reports_gdpr import subject_access

    project = _project()
    result = import_reports(project, GEOREPORT, passphrase="correct horse")
    assert result.kept_contacts == 3  # Marie (two reports, one pseudonym), Jean, u-77812
    path = project.save(tmp_path / "kept.twin")
    data = path.read_bytes()
    assert EMAIL.findall(data) == []
    for secret in PHONES + NAMES:
        assert secret not in data, secret
    reopened = Project.open(path)
    pseudonym = reopened.layer(LAYER_ID).frame["pseudonym"][0]
    held = subject_access(reopened, pseudonym, passphrase="correct horse")
    assert held["contact"]["data"]["email"].lower() == "marie.dupont@example.org"
    assert {r["report_id"] for r in held["reports"]} == {"638344", "638347"}
    with pytest.raises(DataError, match="wrong passphrase"):
        subject_access(reopened, pseudonym, passphrase="wrong")


def test_pseudonyms_are_keyed_per_project_and_ignore_email_case():
    first, second = _project(), _project()
    import_reports(first, GEOREPORT)
    import_reports(second, GEOREPORT)
    a = list(reports_layer(first).frame["pseudonym"])
    b = list(reports_layer(second).frame["pseudonym"])
    assert a[0] == a[3]  # marie.dupont@ and MARIE.DUPONT@
    assert a[4] == ""  # the pothole names nobody
    assert a[0] != b[0]  # another project's secret, another pseudonym
    assert all(re.fullmatch(r"[0-9a-f]{20}", p) for p in a[:4])


def test_geojson_csv_and_arcep_files():
    project = _project()
    geojson = import_reports(project, DATA / "reports.geojson")
    csv = import_reports(project, DATA / "reports.csv")
    arcep = import_reports(project, DATA / "jalerte_arcep.csv")
    assert (geojson.format, geojson.imported) == ("geojson", 2)
    assert (csv.format, csv.imported, csv.skipped) == ("csv", 1, 1)
    assert (arcep.format, arcep.imported) == ("arcep", 2)
    frame = reports_layer(project).frame.set_index("report_id")
    assert frame.loc["g1", "category"] == "mobile" and frame.loc["g2", "category"] == "energy"
    assert frame.loc["g2", "status"] == "closed"
    assert frame.loc["g1", "date"] == "2026-03-01T00:00:00Z"  # 01/03/2026 is day first
    assert frame.loc["c1", "category"] == "transit"
    arcep_rows = frame[frame["source_format"] == "arcep"]
    assert list(arcep_rows["category"]) == ["mobile", "fiber"]
    # placed in their communes (no coordinates in the file)
    communes = project.layer("communes").frame.set_index("insee")
    assert communes.geometry["35238"].contains(arcep_rows.geometry.iloc[0])
    assert communes.geometry["35051"].contains(arcep_rows.geometry.iloc[1])
    assert detect_format(DATA / "jalerte_arcep.csv") == "arcep"


def test_importing_a_file_again_replaces_its_reports():
    project = _project()
    import_reports(project, GEOREPORT)
    import_reports(project, GEOREPORT)
    assert len(reports_layer(project).frame) == 5
    log = project.metadata["reports_log"]
    assert [entry["action"] for entry in log] == ["import", "import"]
    assert log[0]["count"] == 5 and log[0]["file"] == "georeport_v2.json"


@pytest.mark.parametrize(
    ("texts", "category"),
    [
        (("MOBILE-NOSIG",), "mobile"),
        (("", "Pas de réseau"), "mobile"),
        (("", "", "Coupure de courant"), "energy"),
        (("FTTH",), "fiber"),
        (("", "Arrêt de bus"), "transit"),
        (("ROAD-01", "Pothole"), "other"),
    ],
)
def test_category_from_service_code_name_and_keywords(texts, category):
    assert category_of(*texts) == category


def test_dates():
    assert date_of("2026-03-01T08:15:30-05:00") == "2026-03-01T13:15:30Z"
    assert date_of("05/01/2026") == "2026-01-05T00:00:00Z"
    assert date_of("not a date") == ""


def test_bad_files_are_one_line_errors(tmp_path):
    project = _project()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match="not valid JSON"):
        import_reports(project, bad)
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(DataError, match="neither Open311"):
        import_reports(project, other)
    with pytest.raises(DataError, match="no such file"):
        import_reports(project, tmp_path / "missing.csv")


def test_exports_never_place_a_report_finer_than_100_m(tmp_path):
    project = _project()
    import_reports(project, GEOREPORT)
    layer = reports_layer(project)
    shown = export_view(layer).frame
    for frame in (shown, gpd.read_file(write_layer(layer, tmp_path / "reports.gpkg"))):
        offsets_x = np.mod(frame.geometry.x.to_numpy(), EXPORT_GRID_M)
        offsets_y = np.mod(frame.geometry.y.to_numpy(), EXPORT_GRID_M)
        assert np.allclose(offsets_x, EXPORT_GRID_M / 2) and np.allclose(offsets_y, 50.0)
        assert "pseudonym" not in frame.columns and "description" not in frame.columns
    moved = np.hypot(
        shown.geometry.x - layer.frame.geometry.x, shown.geometry.y - layer.frame.geometry.y
    )
    assert (moved <= EXPORT_GRID_M / np.sqrt(2) + 1e-6).all()


def test_the_heat_map_is_a_density_that_keeps_every_report():
    from twin.layers.reports_heat import heat_grid, heat_values

    project = _project()
    import_reports(project, GEOREPORT)
    frame = reports_layer(project).frame
    transform, shape = heat_grid(frame)
    values = heat_values(frame, transform, shape)
    cell_km2 = 0.01  # 100 m x 100 m
    # padded by three bandwidths: the Gaussian tails lose under 0.3 % of each report
    assert values.sum() * cell_km2 == pytest.approx(len(frame), rel=0.01)
    # one report alone: peak of a 250 m Gaussian, 1 / (2 pi sigma^2) per km², on its cell
    single = heat_values(frame.iloc[[4]], transform, shape)
    assert single.max() == pytest.approx(1 / (2 * np.pi * 0.25**2), rel=0.1)
    assert np.unravel_index(single.argmax(), shape) == tuple(
        int(v) for v in np.floor((~transform @ (frame.geometry.x[4], frame.geometry.y[4]))[::-1])
    )
