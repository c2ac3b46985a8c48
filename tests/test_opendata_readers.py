"""The open-data readers (twin.layers.opendata) on fixtures in each published schema.

Fixtures: tests/data/opendata/ (written by make_fixtures.py there). Expected values are
computed here from the fixture rows and the published conventions (DMS to degrees, INSPIRE
cell ids, Arcep states), not from the readers' previous output.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from twin.errors import DataError
from twin.layers.opendata import anfr, arcep, bdtopo, enedis, insee, read_open_data, recognise
from twin.layers.opendata.tables import dms_to_degrees, numbers, read_table

DATA = Path(__file__).parent / "data" / "opendata"
TERRITORY = DATA / "becherel"
TO_L93 = Transformer.from_crs(4326, 2154, always_xy=True)


# --- shared helpers -------------------------------------------------------------------------
def test_latin1_table_with_decimal_commas_is_read():
    raw = "SUP_ID;ADR_LB_LIEU;SUP_NM_HAUT\n1;Château d'eau;32,5\n".encode("latin-1")
    table = read_table(raw, "SUP_SUPPORT.txt")
    assert table.loc[0, "ADR_LB_LIEU"] == "Château d'eau"
    assert numbers(table["SUP_NM_HAUT"], "SUP_SUPPORT.txt", "SUP_NM_HAUT")[0] == 32.5


def test_bad_number_names_file_line_and_column():
    table = read_table(b"A;B\n1;2\n3;x\n", "t.csv")
    with pytest.raises(DataError, match=r"^t\.csv, line 3: B 'x' is not a valid number$"):
        numbers(table["B"], "t.csv", "B")


def test_dms_to_degrees_west_and_south_are_negative():
    value = dms_to_degrees(
        np.array([1.0, 48.0]),
        np.array([56.0, 17.0]),
        np.array([30.8, 48.7]),
        np.array([True, False]),
    )
    assert value == pytest.approx([-(1 + 56 / 60 + 30.8 / 3600), 48 + 17 / 60 + 48.7 / 3600])


# --- ANFR -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def anfr_sites():
    return anfr.read_anfr(TERRITORY / "anfr", "EPSG:2154")


def test_anfr_is_recognised_as_folder_table_or_zip(tmp_path):
    import zipfile

    archive = tmp_path / "tables.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for file in (TERRITORY / "anfr").iterdir():
            out.write(file, f"export/{file.name}")
    for path in (TERRITORY / "anfr", TERRITORY / "anfr" / "SUP_ANTENNE.txt", archive):
        assert recognise(path).key == "anfr"
    sites, _ = anfr.read_anfr(archive)
    assert len(sites) == 4


def test_anfr_supports_operators_and_systems_become_sites_and_cells(anfr_sites):
    sites, report = anfr_sites
    by_id = {site.site_id: site for site in sites}
    assert sorted(by_id) == ["ANFR-1001-1", "ANFR-1001-2", "ANFR-1002-3", "ANFR-1003-4"]
    orange = by_id["ANFR-1001-1"]
    assert orange.operator == "ORANGE"
    bands = sorted((c.technology, int(c.band_mhz)) for c in orange.cells)
    assert bands == [("4G", 800)] * 3 + [("4G", 1800)] * 3 + [("5G", 3500)]
    assert sorted({c.azimuth_deg for c in orange.cells}) == [0.0, 120.0, 240.0]
    assert orange.height_m == 28.5  # AER_NB_ALT_BAS "28,5"
    sfr = by_id["ANFR-1001-2"]
    assert [int(c.band_mhz) for c in sfr.cells] == [700, 700, 700]  # UMTS 2100 left out
    assert report["skipped_systems"] == {"GSM 900": 1, "UMTS 2100": 3}


def test_anfr_position_is_the_dms_of_the_support(anfr_sites):
    sites, _ = anfr_sites
    site = next(s for s in sites if s.site_id == "ANFR-1001-1")
    lat = 48 + 17 / 60 + 48.7 / 3600  # 48°17'48,7" N in SUP_SUPPORT.txt
    lon = -(1 + 56 / 60 + 30.8 / 3600)  # 1°56'30,8" W
    x, y = TO_L93.transform(lon, lat)
    assert (site.x, site.y) == pytest.approx((x, y), abs=0.01)


def test_anfr_unpublished_values_are_defaults_flagged_as_assumed(anfr_sites):
    sites, report = anfr_sites
    free = next(s for s in sites if s.site_id == "ANFR-1003-4")
    assert free.height_m == anfr.DEFAULT_HEIGHT_M  # no antenna height, no support height
    assert free.cells[0].azimuth_deg == 0.0  # omnidirectional: no azimuth
    assert report["cells_without_azimuth"] == 1
    orange = next(s for s in sites if s.site_id == "ANFR-1001-1")
    nr = next(c for c in orange.cells if c.technology == "5G")
    lte = next(c for c in orange.cells if c.band_mhz == 800)
    assert (nr.tx_power_dbm, nr.bandwidth_mhz) == (49.0, 80.0)
    assert (lte.tx_power_dbm, lte.bandwidth_mhz) == (46.0, 10.0)
    layer = anfr.read_anfr_layer(TERRITORY / "anfr")
    assert layer.id == "mobile_cells"
    assert "ASSUMED" in layer.provenance.method
    assert anfr.DOC_URL in layer.provenance.source
    assert set(layer.provenance.parameters["assumed"]) >= {"tx_power_dbm", "tilt", "height"}


def test_anfr_system_labels():
    assert anfr.system_band("LTE 800") == ("4G", 800)
    assert anfr.system_band("5G NR 3500") == ("5G", 3500)
    assert anfr.system_band("5G NR 700") == ("5G", 700)
    assert anfr.system_band("GSM 900") is None
    assert anfr.system_band("5G NR 26000") is None  # not one of twin's bands


def test_anfr_broken_schema_is_one_line():
    with pytest.raises(DataError) as error:
        read_open_data(DATA / "broken" / "anfr" / "SUP_SUPPORT.txt")
    assert "COR_NB_DG_LAT" in str(error.value) and "\n" not in str(error.value)


def test_anfr_bad_hemisphere_is_refused(tmp_path):
    for file in (TERRITORY / "anfr").iterdir():
        data = file.read_bytes()
        if file.name == "SUP_SUPPORT.txt":
            data = data.replace(b";N;", b";X;", 1)
        (tmp_path / file.name).write_bytes(data)
    with pytest.raises(DataError, match="COR_CD_NS_LAT 'X' is not N or S"):
        anfr.read_anfr(tmp_path)


# --- INSEE ----------------------------------------------------------------------------------
def test_insee_cells_are_200_m_squares_from_their_ids():
    layer = insee.read_insee_grid(TERRITORY / "carreaux_200m_35.csv")
    frame = layer.frame
    assert layer.id == "population_grid"
    row = frame[frame["cell_id"] == "CRS3035RES200mN2869400E3438600"].iloc[0]
    assert row["population"] == 4.5  # "4,5"
    assert row["households"] == 2
    corner = gpd.GeoSeries([shapely.Point(3438600 + 100, 2869400 + 100)], crs=3035)
    assert row.geometry.contains(corner.to_crs(2154).iloc[0])
    assert frame.to_crs(3035).area.to_numpy() == pytest.approx(40000.0, rel=1e-6)
    assert "INSEE" in layer.provenance.attribution
    assert set(frame["insee"]) == {"35022", "35238"}


def test_insee_later_editions_in_lower_case_with_commas_and_points(tmp_path):
    # Filosofi 2017 and 2019 (carreaux_200m_met.csv): lower-case names, comma-separated,
    # UTF-8, decimal points; the same cells as the 2015-style fixture (semicolons, commas)
    path = tmp_path / "carreaux_200m_met.csv"
    path.write_text(
        "idcar_200m,idcar_1km,idcar_nat,i_est_200,i_est_1km,lcog_geo,ind,men,men_pauv\n"
        "CRS3035RES200mN2869400E3438600,CRS3035RES1000mN2869000E3438000,"
        "CRS3035RES32000mN2880000E3424000,1,0,35022,4.5,2,1.5\n",
        encoding="utf-8",
    )
    assert recognise(path).key == "insee_filosofi"
    (row,) = read_open_data(path)[0].frame.itertuples()
    assert (row.cell_id, row.population, row.households) == (
        "CRS3035RES200mN2869400E3438600",
        4.5,
        2,
    )


def test_insee_broken_id_is_one_line():
    with pytest.raises(DataError, match=r"line 2: Idcar_200m 'N2869800E3438800' is not"):
        read_open_data(DATA / "broken" / "carreaux_broken.csv")


def test_people_spread_to_buildings_add_up_per_cell():
    grid = insee.read_insee_grid(TERRITORY / "carreaux_200m_35.csv").frame
    buildings = bdtopo.read_bdtopo(TERRITORY / "BDTOPO_3-3_TOUSTHEMES_GPKG_LAMB93_D035.gpkg")[0]
    frame, report = insee.spread_to_buildings(buildings.frame, grid)
    placed = grid["households"].sum() - report["households_not_placed"]
    assert frame["households"].sum() == pytest.approx(placed, abs=0.05)
    assert frame.loc[frame["usage"] != "residential", "population"].sum() == 0
    # cell N2869600E3438800: 34 households (Men) over 4 houses of 1 dwelling and blocks of
    # 18 and 12 dwellings (NB_LOGTS): shares in proportion to dwellings
    by_dwellings = frame[frame["usage"] == "residential"].set_index("dwellings")
    assert by_dwellings.loc[18, "households"] == pytest.approx(34 * 18 / 34)
    assert by_dwellings.loc[12, "households"] == pytest.approx(34 * 12 / 34)
    # cell N2869600E3438600: 4 households; 3 houses of 1 dwelling (80 m2 each by rule) and
    # one 12 x 10 m one-floor house without NB_LOGTS, weighted by its floor area (120 m2)
    unknown = frame[(frame["usage"] == "residential") & (frame["dwellings"] == 0)].iloc[0]
    assert unknown["households"] == pytest.approx(4 * 120 / (3 * 80 + 120), abs=0.01)


# --- BD TOPO --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def topo():
    return bdtopo.read_bdtopo(TERRITORY / "BDTOPO_3-3_TOUSTHEMES_GPKG_LAMB93_D035.gpkg")


def test_bdtopo_buildings_heights_usage_premises(topo):
    buildings = topo[0].frame
    assert topo[0].id == "buildings" and len(buildings) == 35
    assert not buildings.geometry.has_z.any()
    by_dwellings = buildings.set_index("dwellings")
    assert by_dwellings.loc[18, "height_m"] == 15.2  # HAUTEUR given
    houses = buildings[(buildings["usage"] == "residential") & (buildings["dwellings"] <= 1)]
    # 28 houses of 2 floors (6 m), one of 1 floor (3 m), one without height or floors (6 m)
    assert sorted(houses["height_m"].value_counts().items()) == [(3.0, 1), (6.0, 29)]
    shop = buildings[buildings["usage"] == "commercial"].iloc[0]
    assert (shop["height_m"], shop["premises"]) == (4.5, 1)
    annex = buildings[buildings["usage"] == "annex"].iloc[0]
    assert (annex["height_m"], annex["premises"]) == (5.0, 0)
    assert topo[0].provenance.parameters["heights_assumed"] == 2


def test_bdtopo_roads_classes_and_ferries(topo):
    roads = topo[1].frame
    assert topo[1].id == "roads"
    assert "Bac fictif" not in set(roads["name"])
    main = roads[roads["name"] == "Route de Rennes"].iloc[0]
    assert (main["highway"], main["maxspeed_kmh"]) == ("primary", 70)
    street = roads[roads["name"] == "Rue 1"].iloc[0]
    assert (street["highway"], street["maxspeed_kmh"]) == ("residential", 30)
    assert street["length_m"] == pytest.approx(520.0)


def test_bdtopo_missing_height_field_is_refused(tmp_path):
    path = tmp_path / "bdtopo.gpkg"
    gpd.GeoDataFrame(
        {"cleabs": ["B1"], "usage_1": ["Résidentiel"]},
        geometry=[shapely.box(0, 0, 10, 10)],
        crs=2154,
    ).to_file(path, layer="batiment")
    assert recognise(path).key == "bdtopo"
    with pytest.raises(DataError, match="hauteur/HAUTEUR missing"):
        read_open_data(path)


def test_bdtopo_text_in_a_number_field_is_refused_and_decimal_commas_read(tmp_path):
    path = tmp_path / "bdtopo.gpkg"
    frame = gpd.GeoDataFrame(
        {"cleabs": ["B1", "B2"], "usage_1": ["Résidentiel"] * 2, "hauteur": ["7,5", "haut"]},
        geometry=[shapely.box(0, 0, 10, 10), shapely.box(20, 0, 30, 10)],
        crs=2154,
    )
    frame.to_file(path, layer="batiment")
    with pytest.raises(DataError, match=r"feature 2: hauteur 'haut' is not a number"):
        read_open_data(path)
    frame.loc[1, "hauteur"] = ""
    frame.to_file(path, layer="batiment")
    heights = read_open_data(path)[0].frame["height_m"].tolist()
    assert heights == [7.5, 6.0]  # the empty height is the documented house default


# --- Arcep ----------------------------------------------------------------------------------
def test_arcep_fiber_states_coordinates_and_premises():
    layer = arcep.read_arcep_fiber(TERRITORY / "immeubles_35.csv")
    frame = layer.frame.set_index("imb_id")
    assert layer.id == "fiber_premises"
    assert frame.loc["IMB/35022/X/0000", "fiber_status"] == "eligible"  # deploye
    assert frame.loc["IMB/35022/X/0002", "fiber_status"] == "not-eligible"  # cible
    assert frame.loc["IMB/35022/X/0030", "fiber_status"] == "eligible"  # raccordable demande
    assert frame.loc["IMB/35022/X/0004", "premises"] == 1  # empty catg_loc_imb: 1 assumed
    assert frame.loc["IMB/35022/X/0030", "premises"] == 23  # "entre 12 et 35": midpoint
    assert frame.loc["IMB/35022/X/0000", "premises"] == 1  # "individuel"
    assert frame["premises_assumed"].all()
    assert "ASSUMED from catg_loc_imb" in layer.provenance.method
    x, y = TO_L93.transform(-1.945654, 48.294668)  # "-1,945654";"48,294668"
    point = frame.loc["IMB/35022/X/0000", "geometry"]
    assert (point.x, point.y) == pytest.approx((x, y), abs=0.01)


def test_arcep_fiber_unknown_state_is_one_line():
    with pytest.raises(DataError) as error:
        read_open_data(DATA / "broken" / "immeubles_broken.csv")
    assert "imb_etat 'raccordé au réseau'" in str(error.value)
    assert "\n" not in str(error.value)


def test_arcep_coverage_levels_and_reference_at_points():
    (layer,) = read_open_data(TERRITORY / "arcep_couverture_20801_4G.gpkg")
    assert layer.id == "coverage_reference"
    assert list(layer.frame["level"]) == [3, 2, 1]
    assert set(layer.frame["operator"]) == {"Orange"}
    site = (333690.0 + 50, 6811049.0 + 30)
    x = np.array([site[0], site[0] + 450, site[0] + 750, site[0] + 2000])
    y = np.full(4, site[1])
    assert list(arcep.reference_levels(x, y, layer.frame, "4G")) == [3, 2, 1, 0]
    assert list(arcep.reference_levels(x, y, layer.frame, "5G")) == [0, 0, 0, 0]


def test_arcep_coverage_names_the_commercial_operator_and_refuses_a_7z(tmp_path):
    frame = gpd.GeoDataFrame(
        {
            "operateur": ["20815", "20815"],
            "operateur_commercial": ["Free Mobile", ""],
            "operateur_infra": ["Free Mobile", "Free Mobile"],
            "date": ["2026-03-31"] * 2,
            "techno": ["4G", "4G"],
            "usage": ["data", "data"],
            "niveau": ["BC", "CL"],
            "dept": ["35", "35"],
        },
        geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)],
        crs=2154,
    )
    layer = arcep.mobile_coverage_layer(frame, "couv.gpkg")
    assert list(layer.frame["operator"]) == ["Free Mobile", "Free Mobile"]  # code 20815 named
    archive = tmp_path / "2026_T1_couv_Metropole_FREE_4G_data.gpkg.7z"
    archive.write_bytes(b"7z\xbc\xaf\x27\x1c")
    with pytest.raises(DataError, match=r"7-Zip archive .*extract it first"):
        read_open_data(archive)


def test_level_agreement_masks_small_zones():
    predicted = np.array([3, 2, 1, 3])
    reference = np.array([3, 3, 1, 0])
    persons = np.array([20.0, 10.0, 5.0, 2.0])
    households = np.array([8.0, 4.0, 2.0, 1.0])
    rows = arcep.level_agreement(
        predicted, reference, persons, households, np.array(["A", "A", "A", "B"])
    )
    a, b = rows
    assert a["households"] == 14.0  # the commune is published; its parts rest on < 11 each
    assert a["persons_same_level"].startswith("masked")
    assert a["persons_twin_lower"].startswith("masked")
    assert b["persons_twin_higher"].startswith("masked")  # one household: not published


def test_level_agreement_masks_a_level_resting_on_few_households_and_one_more():
    # one commune of 68 households: 3 of them get a higher level from twin than from Arcep
    predicted = np.array([3, 3, 2, 1])
    reference = np.array([3, 2, 2, 1])
    persons = np.array([60.0, 7.0, 40.0, 30.0])
    households = np.array([30.0, 3.0, 20.0, 15.0])
    (row,) = arcep.level_agreement(predicted, reference, persons, households, np.array(["A"] * 4))
    assert row["households"] == 68.0 and row["persons_twin_lower"] == 0.0
    # 7 persons in 3 households are not published, nor the figure that would give them by
    # subtraction from the commune's total (the next smallest of the same/higher/lower group)
    assert row["persons_twin_higher"].startswith("masked")
    assert row["persons_same_level"].startswith("masked")
    arcep_levels = [row[f"persons_arcep_level_{k}"] for k in range(4)]
    assert arcep_levels == [0.0, 30.0, 47.0, 60.0]  # each rests on 15 households or more


def test_arcep_level_values():
    assert arcep.coverage_level("TBC") == 3
    assert arcep.coverage_level("Bonne couverture") == 2
    assert arcep.coverage_level("couverture limitée") == 1
    assert arcep.coverage_level("4G") == 2  # binary map: good, assumed
    assert arcep.coverage_level("excellent") is None


# --- Enedis ---------------------------------------------------------------------------------
def test_enedis_exports_are_recognised_and_read():
    folder = TERRITORY / "enedis"
    (sources,) = read_open_data(folder / "poste-source.csv")
    assert recognise(folder / "reseau-souterrain-hta.csv").key == "enedis"
    assert enedis.dataset_of(folder / "reseau-souterrain-hta.csv") == "reseau-souterrain-hta"
    assert sources.feature_count == 2
    x, y = TO_L93.transform(-1.9289089, 48.2808990)  # Geo Point "48.2808990, -1.9289089"
    first = sources.frame.geometry.iloc[0]
    assert (first.x, first.y) == pytest.approx((x, y), abs=0.01)


def test_enedis_points_file_with_lines_is_refused(tmp_path):
    source = (TERRITORY / "enedis" / "reseau-hta.csv").read_bytes()
    (tmp_path / "poste-electrique.csv").write_bytes(source.replace(b"Geo Point", b"Geo Pnt"))
    with pytest.raises(DataError, match="holds points, this file has LineString"):
        read_open_data(tmp_path / "poste-electrique.csv")


def test_minimum_spanning_tree_of_points_on_a_line():
    xy = np.array([[0.0, 0.0], [300.0, 0.0], [100.0, 0.0], [1000.0, 0.0]])
    edges = enedis._minimum_spanning_tree(xy)
    length = sum(np.hypot(*(xy[a] - xy[b])) for a, b in edges)
    assert len(edges) == 3 and length == pytest.approx(1000.0)


def test_enedis_grid_runs_a_power_flow():
    import pandapower as pp

    from twin.sim.energy.grid_build import frames_to_net
    from twin.sim.energy.grid_io import GridFrames

    _, sources = enedis.read_enedis_frame(TERRITORY / "enedis" / "poste-source.csv")
    _, stations = enedis.read_enedis_frame(TERRITORY / "enedis" / "poste-electrique.csv")
    built = enedis.build_grid(sources.iloc[:1], stations.iloc[:3], None, "EPSG:2154")
    built.pop("_counts")
    assert len(built["grid_transformers"]) == 2 + 3
    assert len(built["grid_lines"]) == 3  # spanning tree of the source and 3 substations
    net = frames_to_net(
        GridFrames(built["grid_buses"], built["grid_lines"], built["grid_transformers"])
    )
    pp.create_load(net, int(net.bus.index[net.bus.vn_kv == 0.4][0]), p_mw=0.1)
    pp.runpp(net)
    assert net.converged
    assert 0.95 < net.res_bus.vm_pu.min() <= 1.0


# --- recognition ------------------------------------------------------------------------------
def test_every_fixture_is_recognised():
    expected = {
        "anfr": "anfr",
        "BDTOPO_3-3_TOUSTHEMES_GPKG_LAMB93_D035.gpkg": "bdtopo",
        "immeubles_35.csv": "arcep_fiber",
        "carreaux_200m_35.csv": "insee_filosofi",
        "arcep_couverture_20801_4G.gpkg": "arcep_mobile",
        "gtfs_becherel.zip": "gtfs",
        "enedis/poste-source.csv": "enedis",
    }
    for name, key in expected.items():
        assert recognise(TERRITORY / name).key == key, name
    assert recognise(Path(__file__)) is None


def test_national_tables_are_cut_to_the_area_before_joining():
    becherel = shapely.box(332000, 6809000, 336000, 6813000)  # Lambert-93 (m)
    sites, report = anfr.read_anfr(TERRITORY / "anfr", "EPSG:2154", area=becherel)
    assert sorted(s.site_id for s in sites) == ["ANFR-1001-1", "ANFR-1001-2", "ANFR-1003-4"]
    assert report["supports"] == 2  # the Rennes support (1002) is dropped first
    grid = insee.read_insee_grid(TERRITORY / "carreaux_200m_35.csv", area=becherel).frame
    assert "35238" not in set(grid["insee"]) and len(grid) == 11


def test_osm_buildings_and_roads():
    buildings, roads = read_open_data(DATA / "becherel_osm" / "becherel.osm")
    assert recognise(DATA / "becherel_osm" / "becherel.osm").key == "osm"
    frame = buildings.frame.set_index("source_id")
    assert frame.loc["100", "height_m"] == 6.0  # building:levels=2 x 3 m
    flats = frame.loc["102"]  # apartments 30 x 20 m, height 15 m: 5 floors x 600 m2 / 65 m2
    assert (flats["height_m"], flats["dwellings"]) == (15.0, 3000 // 65)
    assert (frame.loc["103", "usage"], frame.loc["103", "premises"]) == ("commercial", 1)
    speeds = dict(zip(roads.frame["name"], roads.frame["maxspeed_kmh"], strict=True))
    assert speeds == {"Rue des Écoles": 30, "Route": 50}  # maxspeed tag, else class default
    assert buildings.provenance.licence == "ODbL" and "ASSUMED" in buildings.provenance.method


def test_arcep_rows_of_other_communes_are_left_out_and_lines_still_named(tmp_path):
    layer = arcep.read_arcep_fiber(TERRITORY / "immeubles_35.csv", communes=["35022"])
    assert set(layer.frame["insee"]) == {"35022"} and len(layer.frame) == 19
    assert set(layer.frame["pm_ref"]) == {"FI-35022-0001"}
    path = tmp_path / "immeubles.csv"
    path.write_text(
        "imb_id;x;y;imb_etat;code_insee\nA;-1,94;48,29;deploye;35022\n"
        "B;-1,67;48,11;deploye;35238\nC;-1,94;48,29;raccordé;35022\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"^immeubles\.csv, line 4: imb_etat 'raccordé'"):
        arcep.read_arcep_fiber(path, communes=["35022"])


def test_arcep_fiber_older_files_with_etat_imm_and_a_premises_count(tmp_path):
    path = tmp_path / "immeubles.csv"
    path.write_text(
        "imb_id;x;y;etat_imm;code_insee;nb_logement\nA;-1,94;48,29;deploye;35022;7\n",
        encoding="utf-8",
    )
    layer = arcep.read_arcep_fiber(path)
    row = layer.frame.iloc[0]
    assert (row["fiber_status"], row["premises"], row["premises_assumed"]) == ("eligible", 7, False)
    assert "premises from nb_logement" in layer.provenance.method


def test_bdtopo_shapefile_edition_with_short_field_names():
    path = DATA / "bdtopo_shp" / "BATIMENT.shp"
    assert recognise(path).key == "bdtopo"
    (layer,) = read_open_data(path)
    frame = layer.frame.set_index("source_id")
    house = frame.loc["BATIMENT0000000000000001"]  # HAUTEUR empty, NB_ETAGES 3, NB_LOGTS 6
    assert (house["usage"], house["height_m"], house["dwellings"]) == ("residential", 9.0, 6)
    shop = frame.loc["BATIMENT0000000000000002"]
    assert (shop["usage"], shop["height_m"], shop["premises"]) == ("commercial", 7.5, 1)


def test_enedis_export_with_field_names_instead_of_labels(tmp_path):
    # Opendatasoft's export with use_labels_for_header=false names the columns by field
    path = tmp_path / "poste-source.csv"
    path.write_text(
        "geo_point_2d;geo_shape;code_commune;nom_commune\n"
        '48.2808990, -1.9289089;"{""type"": ""Point"", ""coordinates"": [-1.9289089, 48.280899]}";'
        "35022;Bécherel\n",
        encoding="utf-8",
    )
    dataset, frame = enedis.read_enedis_frame(path)
    x, y = TO_L93.transform(-1.9289089, 48.280899)
    assert dataset == "poste-source"
    assert (frame.geometry.iloc[0].x, frame.geometry.iloc[0].y) == pytest.approx((x, y), abs=0.01)


# --- Arcep Ma connexion internet ------------------------------------------------------------
MCI = DATA / "mci"


def test_mci_buildings_with_their_eligibility_table():
    (layer,) = read_open_data(MCI / "base_imb_35.csv.gz")
    frame = layer.frame.set_index("imb_id")
    assert layer.id == "fiber_premises"
    # every third building has FO from two operators; the others copper only
    assert frame.loc["IMB/35022/M/0000", "fiber_status"] == "eligible"
    assert frame.loc["IMB/35022/M/0001", "fiber_status"] == "not-eligible"
    assert frame.loc["IMB/35022/M/0003", "fiber_status"] == "eligible"
    assert (frame["fiber_status"] == "eligible").sum() == len(frame[::3])
    assert frame.loc["IMB/35022/M/0004", "premises"] == 1  # empty imb_nbr_logloc
    assert bool(frame.loc["IMB/35022/M/0004", "premises_assumed"])
    assert not bool(frame.loc["IMB/35022/M/0000", "premises_assumed"])
    assert "imb_nbr_logloc" in layer.provenance.method and "actuel_35" in layer.provenance.source
    # imb_x/imb_y are Web Mercator: the point lands on the building it names
    to_mercator = Transformer.from_crs(3857, 2154, always_xy=True)
    x, y = to_mercator.transform(-216589.20, 6156017.91)
    point = frame.loc["IMB/35022/M/0000", "geometry"]
    assert (point.x, point.y) == pytest.approx((x, y), abs=0.01)


def test_mci_keeps_the_chosen_communes_and_needs_its_eligibility_table(tmp_path):
    layer = arcep.read_arcep_fiber(MCI / "base_imb_35.csv.gz", communes=["35238"])
    assert set(layer.frame["insee"]) == {"35238"} and len(layer.frame) == 1
    alone = tmp_path / "base_imb_35.csv.gz"
    alone.write_bytes((MCI / "base_imb_35.csv.gz").read_bytes())
    with pytest.raises(DataError, match=r"^base_imb_35\.csv\.gz: the eligibility table") as error:
        read_open_data(alone)
    assert "\n" not in str(error.value)
    with pytest.raises(DataError, match="give twin the base_imb file beside it"):
        read_open_data(MCI / "actuel_35.csv.gz")


def test_a_truncated_gzip_table_is_one_line(tmp_path):
    broken = tmp_path / "base_imb_35.csv.gz"
    broken.write_bytes((MCI / "base_imb_35.csv.gz").read_bytes()[:-40])
    (tmp_path / "actuel_35.csv.gz").write_bytes((MCI / "actuel_35.csv.gz").read_bytes())
    with pytest.raises(DataError, match=r"^base_imb_35\.csv\.gz: the gzip file is truncated$"):
        arcep.read_arcep_fiber(broken)
