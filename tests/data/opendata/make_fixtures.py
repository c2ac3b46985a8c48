"""Write the open-data fixtures of tests/test_opendata*.py (run once; the files are committed).

Each file follows the published schema of its dataset (see twin/layers/opendata/*.py for the
documentation URLs) with a few rows in Bécherel (INSEE 35022, Ille-et-Vilaine) and one or two
rows in Rennes (35238), 22 km away, that clipping to Bécherel must drop. Awkward parts on
purpose: Latin-1 ANFR tables with degrees-minutes-seconds and decimal commas, an omnidirectional
antenna without azimuth or height, BD TOPO 3D geometries with missing heights, INSEE values with
decimal commas, Arcep coordinates with decimal commas. ``broken/`` holds files that claim a
schema but break it. Usage: ``python tests/data/opendata/make_fixtures.py``.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

HERE = Path(__file__).resolve().parent
TO_WGS84 = Transformer.from_crs(2154, 4326, always_xy=True)
TO_LAEA = Transformer.from_crs(2154, 3035, always_xy=True)
CENTRE = (333690.0, 6811049.0)  # Bécherel, Lambert-93 (m)
RENNES = (351800.0, 6789300.0)  # Rennes centre, Lambert-93 (m)


def write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))


def dms(value: float) -> tuple[int, int, str]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return degrees, minutes, f"{seconds:.1f}".replace(".", ",")


def support_row(sup_id, station, x, y, height, address, insee) -> str:
    lon, lat = TO_WGS84.transform(x, y)
    dlat, mlat, slat = dms(lat)
    dlon, mlon, slon = dms(lon)
    return (
        f"{sup_id};{station};4;{dlat};{mlat};{slat};N;{dlon};{mlon};{slon};"
        f"{'W' if lon < 0 else 'E'};{height};1;{address};;;;35190;{insee}"
    )


def anfr(folder: Path) -> None:
    cx, cy = CENTRE
    supports = [
        support_row(1001, "0352290001", cx + 50, cy + 30, "32,5", "Château d'eau", "35022"),
        support_row(1001, "0352290002", cx + 50, cy + 30, "32,5", "Château d'eau", "35022"),
        support_row(1003, "0352290004", cx - 300, cy - 250, "", "Lieu-dit Béchet", "35022"),
        support_row(1002, "0352380003", *RENNES, "25", "Immeuble République", "35238"),
    ]
    write_text(
        folder / "SUP_SUPPORT.txt",
        "SUP_ID;STA_NM_ANFR;NAT_ID;COR_NB_DG_LAT;COR_NB_MN_LAT;COR_NB_SC_LAT;COR_CD_NS_LAT;"
        "COR_NB_DG_LON;COR_NB_MN_LON;COR_NB_SC_LON;COR_CD_EW_LON;SUP_NM_HAUT;TPO_ID;"
        "ADR_LB_LIEU;ADR_LB_ADD1;ADR_LB_ADD2;ADR_LB_ADD3;ADR_NM_CP;COM_CD_INSEE\n"
        + "\n".join(supports)
        + "\n",
        "latin-1",
    )
    write_text(
        folder / "SUP_STATION.txt",
        "STA_NM_ANFR;ADM_ID;DEM_NM_COMSIS;DTE_IMPLANTATION;DTE_MODIF;DTE_EN_SERVICE\n"
        "0352290001;1;1234567;12/03/2009;05/01/2024;20/06/2009\n"
        "0352290002;2;1234568;01/02/2012;01/02/2023;01/06/2012\n"
        "0352380003;3;1234569;15/09/2010;10/10/2022;01/12/2010\n"
        "0352290004;4;1234570;03/03/2021;03/03/2021;01/09/2021\n",
        "latin-1",
    )
    write_text(
        folder / "SUP_EXPLOITANT.txt",
        "ADM_ID;ADM_LB_NOM\n1;ORANGE\n2;SFR\n3;BOUYGUES TELECOM\n4;FREE MOBILE\n",
        "latin-1",
    )
    antennas = [
        "STA_NM_ANFR;AER_ID;TAE_ID;AER_NB_DIMENSION;AER_FG_RAYON;AER_NB_AZIMUT;"
        "AER_NB_ALT_BAS;SUP_ID"
    ]
    for number, azimuth in enumerate((0, 120, 240), start=1):
        antennas.append(f"0352290001;{100 + number};12;2,6;N;{azimuth};28,5;1001")
    for number, azimuth in enumerate((30, 150, 270), start=1):
        antennas.append(f"0352290002;{200 + number};12;2,6;N;{azimuth};27;1001")
    antennas.append("0352380003;301;12;2,6;N;90;22,3;1002")
    antennas.append("0352290004;401;5;1,2;O;;;1003")  # omnidirectional: no azimuth, no height
    write_text(folder / "SUP_ANTENNE.txt", "\n".join(antennas) + "\n", "latin-1")
    emitters = ["EMR_ID;EMR_LB_SYSTEME;STA_NM_ANFR;AER_ID;EMR_DT_SERVICE"]
    bands = ["STA_NM_ANFR;BAN_ID;EMR_ID;BAN_NB_F_DEB;BAN_NB_F_FIN;BAN_FG_UNITE"]
    emitter_id = 5000

    def emit(system, station, antenna, low, high):
        nonlocal emitter_id
        emitter_id += 1
        emitters.append(f"{emitter_id};{system};{station};{antenna};01/06/2015")
        bands.append(f"{station};{emitter_id + 90000};{emitter_id};{low};{high};M")

    for antenna in (101, 102, 103):
        emit("LTE 800", "0352290001", antenna, "791", "801")
        emit("LTE 1800", "0352290001", antenna, "1805", "1825")
    emit("5G NR 3500", "0352290001", 101, "3710", "3800")
    emit("GSM 900", "0352290001", 101, "935", "945")
    for antenna in (201, 202, 203):
        emit("LTE 700", "0352290002", antenna, "758", "768")
        emit("UMTS 2100", "0352290002", antenna, "2110", "2125")
    emit("LTE 2600", "0352380003", 301, "2630", "2650")
    emit("LTE 800", "0352290004", 401, "811", "821")
    write_text(folder / "SUP_EMETTEUR.txt", "\n".join(emitters) + "\n", "latin-1")
    write_text(folder / "SUP_BANDE.txt", "\n".join(bands) + "\n", "latin-1")


def building_polygons():
    """Footprints (Lambert-93) around Bécherel's centre: a 6 x 5 grid of houses, 2 blocks,
    a shop, an annex; plus one building in Rennes."""
    cx, cy = CENTRE
    rows = []
    for i in range(6):
        for j in range(5):
            x, y = cx - 250 + 100 * i, cy - 200 + 100 * j
            rows.append((shapely.box(x, y, x + 12, y + 10), "Résidentiel", 1, 2, None))
    rows[3] = (rows[3][0], "Résidentiel", 1, None, None)  # no height, no floors
    rows[7] = (rows[7][0], "Résidentiel", None, 1, None)  # no dwellings count
    rows.append((shapely.box(cx + 10, cy + 60, cx + 40, cy + 80), "Résidentiel", 18, 5, 15.2))
    rows.append((shapely.box(cx - 40, cy - 80, cx - 10, cy - 60), "Résidentiel", 12, 4, 12.0))
    rows.append((shapely.box(cx + 60, cy - 20, cx + 80, cy), "Commercial et services", 0, 1, 4.5))
    rows.append((shapely.box(cx - 90, cy + 20, cx - 84, cy + 26), "Annexe", 0, None, None))
    rows.append(
        (
            shapely.box(RENNES[0], RENNES[1], RENNES[0] + 20, RENNES[1] + 20),
            "Résidentiel",
            30,
            8,
            24.0,
        )
    )
    return rows


def bdtopo(path: Path) -> None:
    rows = building_polygons()
    buildings = gpd.GeoDataFrame(
        {
            "cleabs": [f"BATIMENT00000022{k:08d}" for k in range(len(rows))],
            "nature": ["Indifférenciée"] * len(rows),
            "usage_1": [r[1] for r in rows],
            "usage_2": [None] * len(rows),
            "construction_legere": [False] * len(rows),
            "etat_de_l_objet": ["En service"] * len(rows),
            "nombre_de_logements": [r[2] for r in rows],
            "nombre_d_etages": [r[3] for r in rows],
            "hauteur": [r[4] for r in rows],
        },
        geometry=[shapely.force_3d(shapely.MultiPolygon([r[0]]), 95.0) for r in rows],
        crs="EPSG:2154",
    )
    cx, cy = CENTRE
    lines, natures, importance, names, speeds = [], [], [], [], []
    for i in range(7):  # north-south streets between the house columns
        x = cx - 270 + 100 * i
        lines.append(shapely.LineString([(x, cy - 260), (x, cy + 260)]))
        natures.append("Route à 1 chaussée"), importance.append(5)
        names.append(f"Rue {i + 1}"), speeds.append(None)
    for j in range(6):
        y = cy - 220 + 100 * j
        lines.append(shapely.LineString([(cx - 270, y), (cx + 330, y)]))
        natures.append("Route à 1 chaussée"), importance.append(4 if j == 2 else 5)
        names.append(f"Rue de la Libération {j + 1}" if j == 2 else f"Impasse {j + 1}")
        speeds.append(40.0 if j == 2 else None)
    lines.append(shapely.LineString([(cx - 270, cy - 260), (cx - 1800, cy - 1500)]))
    natures.append("Route à 2 chaussées"), importance.append(2)
    names.append("Route de Rennes"), speeds.append(70.0)
    lines.append(shapely.LineString([(cx + 330, cy + 260), (cx + 400, cy + 400)]))
    natures.append("Bac ou liaison maritime"), importance.append(5)
    names.append("Bac fictif"), speeds.append(None)
    lines.append(shapely.LineString([RENNES, (RENNES[0] + 300, RENNES[1])]))
    natures.append("Route à 1 chaussée"), importance.append(5)
    names.append("Rue de Rennes"), speeds.append(None)
    roads = gpd.GeoDataFrame(
        {
            "cleabs": [f"TRONROUT00000022{k:08d}" for k in range(len(lines))],
            "nature": natures,
            "nom_collaboratif_gauche": names,
            "importance": [str(v) for v in importance],
            "vitesse_moyenne_vl": speeds,
            "sens_de_circulation": ["Double sens"] * len(lines),
        },
        geometry=[shapely.force_3d(line, 95.0) for line in lines],
        crs="EPSG:2154",
    )
    if path.exists():
        path.unlink()
    buildings.to_file(path, layer="batiment", driver="GPKG")
    roads.to_file(path, layer="troncon_de_route", driver="GPKG", mode="a")


def arcep_fiber(path: Path) -> None:
    """Arcep's buildings file in its published header order (x/y are WGS84 degrees), in
    Windows-1252 (accents in street and commune names), premises as ``catg_loc_imb``
    classes, one row with an empty class."""
    rows = building_polygons()
    lines = [
        "x;y;imb_id;num_voie;cp_no_voie;type_voie;nom_voie;batiment;code_insee;code_poste;"
        "nom_com;catg_loc_imb;imb_etat;pm_ref;pm_etat;code_l331;geom_mod;type_imb"
    ]
    states = ["deploye", "en cours de deploiement", "cible", "raccordable demande", "signe"]
    for k, (polygon, _usage, dwellings, _, _) in enumerate(rows):
        if k % 2 and k < 30:
            continue  # half the houses are not in the file
        point = polygon.centroid
        lon, lat = TO_WGS84.transform(point.x, point.y)
        insee = "35238" if k == len(rows) - 1 else "35022"
        state = states[k % len(states)]
        category = "" if k == 4 else _premises_class(max(dwellings or 1, 1))
        kind = "PA" if category == "individuel" else "IM"
        lines.append(
            f"{lon:.6f};{lat:.6f};IMB/35022/X/{k:04d};{k + 1};;RUE;DES ÉCOLES;;{insee};35190;"
            f"{'RENNES' if insee == '35238' else 'BÉCHEREL'};{category};{state};FI-35022-0001;"
            f"deploye;FTEL;;{kind}"
        )
    # Arcep publishes UTF-8 with a comma decimal in some exports: use it for the coordinates
    text = "\n".join(line if k == 0 else _comma_coordinates(line) for k, line in enumerate(lines))
    write_text(path, text + "\n", "cp1252")


def arcep_mci(folder: Path) -> None:
    """Ma connexion internet's pair for the same buildings: base_imb (Web Mercator, premises
    counted) and the eligibility table (one row per building x operator x technology), both
    gzip-compressed UTF-8 as published; the last building lies in Rennes."""
    import gzip

    to_mercator = Transformer.from_crs(2154, 3857, always_xy=True)
    rows = building_polygons()
    base = [
        "imb_id;imb_x;imb_y;imb_code;imb_code_insee;imb_nbr_logloc;imb_source;imb_type;"
        "addr_code;imb_num;addr_numero;addr_rep;addr_nom_voie;addr_nom_ld;addr_code_insee;"
        "addr_nom_commune;addr_id_fantoir;addr_source"
    ]
    eligibility = [
        "imb_id;addr_code;imb_code;code_operateur;code_techno;classe_debit_montant;"
        "classe_debit_descendant;limitation;saturation"
    ]
    for k, (polygon, _usage, dwellings, _, _) in enumerate(rows):
        point = polygon.centroid
        x, y = to_mercator.transform(point.x, point.y)
        insee = "35238" if k == len(rows) - 1 else "35022"
        count = "" if k == 4 else str(max(dwellings or 1, 1))
        kind = "IM" if (dwellings or 1) > 1 else "PA"
        imb = f"IMB/35022/M/{k:04d}"
        base.append(
            f"{imb};{x:.2f};{y:.2f};{k};{insee};{count};fo;{kind};{insee}_0100_{k:05d};{k};"
            f"{k + 1};;rue des Écoles;;{insee};{'Rennes' if insee == '35238' else 'Bécherel'};"
            f"0100;ban"
        )
        eligibility.append(f"{imb};{insee}_0100_{k:05d};{k};FRTE;CU;HD05;HD3;;false")
        if k % 3 == 0:  # every third building has FTTH from two operators
            for operator in ("FRTE", "SFR0"):
                eligibility.append(
                    f"{imb};{insee}_0100_{k:05d};{k};{operator};FO;THD100;THD1G;;false"
                )
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in (("base_imb_35.csv.gz", base), ("actuel_35.csv.gz", eligibility)):
        data = ("\n".join(lines) + "\n").encode("utf-8")
        (folder / name).write_bytes(gzip.compress(data, mtime=0))


def _premises_class(dwellings: int) -> str:
    if dwellings <= 1:
        return "individuel"
    if dwellings <= 11:
        return "entre 2 et 11"
    if dwellings <= 35:
        return "entre 12 et 35"
    return "entre 36 et 99" if dwellings <= 99 else "100 et plus"


def _comma_coordinates(line: str) -> str:
    fields = line.split(";")
    fields[0], fields[1] = fields[0].replace(".", ","), fields[1].replace(".", ",")
    return ";".join(fields)


def insee_grid(path: Path) -> list[str]:
    cells: dict[str, list[float]] = {}
    for polygon, usage, dwellings, _, _ in building_polygons():
        if usage != "Résidentiel":
            continue
        point = polygon.centroid
        east, north = TO_LAEA.transform(point.x, point.y)
        east, north = int(east // 200 * 200), int(north // 200 * 200)
        cell = f"CRS3035RES200mN{north}E{east}"
        total = cells.setdefault(cell, [0.0, 0.0])
        total[1] += max(dwellings or 1, 1)
    lines = [
        "Idcar_200m;Idcar_1km;Idcar_nat;I_est_200;I_est_1km;lcog_geo;Ind;Men;Men_pauv;"
        "Men_1ind;Men_5ind;Men_prop;Men_fmp;Ind_snv;Men_surf;Men_coll;Men_mais"
    ]
    for cell, (_, households) in sorted(cells.items()):
        north = cell.split("mN")[1].split("E")[0]
        east = cell.split("E")[-1]
        persons = round(households * 2.25, 1)
        km = f"CRS3035RES1000mN{int(north) // 1000 * 1000}E{int(east) // 1000 * 1000}"
        imputed = 1 if households < 11 else 0
        lcog = "35238" if int(north) < 2860000 else "35022"  # Rennes lies 22 km south-east
        lines.append(
            f"{cell};{km};CRS3035RES32000mN2880000E3424000;{imputed};0;{lcog};"
            f"{str(persons).replace('.', ',')};{households:g};1,5;3;1;5;1;"
            f"{persons * 21000:.0f};{households * 92:.0f};{households // 3};"
            f"{households - households // 3}"
        )
    write_text(path, "\n".join(lines) + "\n", "utf-8")
    return list(cells)


def enedis(folder: Path) -> None:
    cx, cy = CENTRE
    header = (
        "Geo Point;Geo Shape;Code commune;Nom commune;Code EPCI;Nom EPCI;"
        "Code département;Nom département;Code région;Nom région"
    )

    def point_row(x, y, insee, name):
        lon, lat = TO_WGS84.transform(x, y)
        shape = json.dumps({"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]})
        shape = '"' + shape.replace('"', '""') + '"'
        return (
            f"{lat:.7f}, {lon:.7f};{shape};{insee};{name};243500139;"
            "CC Val d'Ille-Aubigné;35;Ille-et-Vilaine;53;Bretagne"
        )

    def line_row(coords, insee, name):
        lonlat = [list(map(lambda v: round(v, 7), TO_WGS84.transform(x, y))) for x, y in coords]
        shape = json.dumps({"type": "LineString", "coordinates": lonlat})
        shape = '"' + shape.replace('"', '""') + '"'
        mid = lonlat[len(lonlat) // 2]
        return (
            f"{mid[1]}, {mid[0]};{shape};{insee};{name};243500139;"
            "CC Val d'Ille-Aubigné;35;Ille-et-Vilaine;53;Bretagne"
        )

    write_text(
        folder / "poste-source.csv",
        header
        + "\n"
        + "\n".join(
            [
                point_row(cx + 900, cy - 1800, "35022", "Bécherel"),
                point_row(RENNES[0] + 2000, RENNES[1], "35238", "Rennes"),
            ]
        )
        + "\n",
    )
    stations = [
        (cx - 150, cy - 100),
        (cx + 150, cy + 120),
        (cx + 20, cy - 180),
        (RENNES[0] + 100, RENNES[1] + 100),
    ]
    write_text(
        folder / "poste-electrique.csv",
        header
        + "\n"
        + "\n".join(
            point_row(x, y, "35238" if k == 3 else "35022", "Rennes" if k == 3 else "Bécherel")
            for k, (x, y) in enumerate(stations)
        )
        + "\n",
    )
    write_text(
        folder / "reseau-hta.csv",
        header
        + "\n"
        + "\n".join(
            [
                line_row(
                    [(cx + 900, cy - 1800), (cx + 500, cy - 900), (cx + 20, cy - 180)],
                    "35022",
                    "Bécherel",
                ),
            ]
        )
        + "\n",
    )
    write_text(
        folder / "reseau-souterrain-hta.csv",
        header
        + "\n"
        + "\n".join(
            [
                line_row([(cx + 20, cy - 180), (cx - 150, cy - 100)], "35022", "Bécherel"),
                line_row([(cx + 20, cy - 180), (cx + 150, cy + 120)], "35022", "Bécherel"),
            ]
        )
        + "\n",
    )


def arcep_mobile(path: Path) -> None:
    cx, cy = CENTRE
    site = shapely.Point(cx + 50, cy + 30)
    frame = gpd.GeoDataFrame(
        {
            "id": [1, 2, 3],
            "operateur": ["20801", "20801", "20801"],
            "operateur_commercial": ["Orange"] * 3,
            "operateur_infra": ["Orange"] * 3,
            "date": ["2024-01-01"] * 3,
            "techno": ["4G", "4G", "4G"],
            "usage": ["data", "data", "data"],
            "niveau": ["TBC", "BC", "CL"],
            "dept": ["35", "35", "35"],
        },
        geometry=[
            site.buffer(300),
            site.buffer(600).difference(site.buffer(300)),
            site.buffer(900).difference(site.buffer(600)),
        ],
        crs="EPSG:2154",
    )
    if path.exists():
        path.unlink()
    frame.to_file(path, layer="couverture_4g", driver="GPKG")


def gtfs(path: Path) -> None:
    cx, cy = CENTRE
    stops = [
        ("BEC1", "Bécherel Mairie", cx, cy),
        ("BEC2", "Bécherel Sud", cx, cy - 200),
        ("BEC3", "Bécherel Ouest", cx - 250, cy - 200),
    ]
    files = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
        "BEC,Réseau fictif de Bécherel,https://example.invalid,Europe/Paris\n",
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n"
        + "".join(
            "{},{},{:.6f},{:.6f}\n".format(i, n, *TO_WGS84.transform(x, y)[::-1])
            for i, n, x, y in stops
        ),
        "routes.txt": "route_id,agency_id,route_short_name,route_long_name,route_type\n"
        "L1,BEC,1,Bécherel - Ouest,3\n",
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
        "start_date,end_date\nWK,1,1,1,1,1,0,0,20240101,20301231\n",
    }
    trips, times = (
        ["route_id,service_id,trip_id"],
        ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"],
    )
    for k in range(12):
        trip = f"T{k:02d}"
        trips.append(f"L1,WK,{trip}")
        start = 7 * 3600 + k * 1800
        for seq, (stop_id, *_rest) in enumerate(stops):
            t = start + seq * 120
            clock = f"{t // 3600:02d}:{t % 3600 // 60:02d}:00"
            times.append(f"{trip},{clock},{clock},{stop_id},{seq + 1}")
    files["trips.txt"] = "\n".join(trips) + "\n"
    files["stop_times.txt"] = "\n".join(times) + "\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0))
            archive.writestr(info, text)
    path.write_bytes(buffer.getvalue())


def osm_extract(path: Path) -> None:
    """An OpenStreetMap XML extract (what GDAL's OSM driver reads) of a few Bécherel
    buildings and streets, in the OSM schema (nodes, ways, tags)."""
    cx, cy = CENTRE
    nodes, ways = [], []

    def node(x, y) -> int:
        lon, lat = TO_WGS84.transform(x, y)
        nodes.append(f'  <node id="{len(nodes) + 1}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
        return len(nodes)

    def way(points, tags, closed=False):
        refs = [node(x, y) for x, y in points]
        if closed:
            refs.append(refs[0])
        body = "".join(f'<nd ref="{r}"/>' for r in refs)
        body += "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        ways.append(f'  <way id="{100 + len(ways)}" version="1">{body}</way>')

    def square(x, y, w, h):
        return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]

    way(square(cx - 200, cy - 150, 12, 10), {"building": "house", "building:levels": "2"}, True)
    way(square(cx - 100, cy - 150, 12, 10), {"building": "detached"}, True)
    way(square(cx + 10, cy + 60, 30, 20), {"building": "apartments", "height": "15"}, True)
    way(square(cx + 60, cy - 20, 20, 20), {"building": "retail", "building:levels": "1"}, True)
    way(
        [(cx - 270, cy - 200), (cx + 330, cy - 200)],
        {"highway": "residential", "name": "Rue des Écoles", "maxspeed": "30"},
    )
    way([(cx - 270, cy - 200), (cx - 270, cy + 260)], {"highway": "tertiary", "name": "Route"})
    text = (
        "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\" generator=\"twin\">\n"
        + "\n".join(nodes + ways)
        + "\n</osm>\n"
    )
    write_text(path, text)


def bdtopo_shapefile(folder: Path) -> None:
    """BD TOPO's Shapefile edition: BATIMENT.shp with the short upper-case field names."""
    folder.mkdir(parents=True, exist_ok=True)
    cx, cy = CENTRE
    frame = gpd.GeoDataFrame(
        {
            "ID": ["BATIMENT0000000000000001", "BATIMENT0000000000000002"],
            "NATURE": ["Indifférenciée", "Indifférenciée"],
            "USAGE1": ["Résidentiel", "Commercial et services"],
            "NB_LOGTS": [6, 0],
            "NB_ETAGES": [3, None],
            "HAUTEUR": [None, 7.5],
        },
        geometry=[
            shapely.box(cx, cy, cx + 20, cy + 15),
            shapely.box(cx + 40, cy, cx + 60, cy + 20),
        ],
        crs="EPSG:2154",
    )
    frame.to_file(folder / "BATIMENT.shp", encoding="utf-8")


def broken(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    anfr(folder / "anfr")
    support = folder / "anfr" / "SUP_SUPPORT.txt"
    support.write_bytes(support.read_bytes().replace(b"COR_NB_DG_LAT", b"COR_DG_LAT"))
    write_text(
        folder / "immeubles_broken.csv",
        "x;y;imb_id;code_insee;catg_loc_imb;imb_etat\n"
        "-1,94;48,29;IMB/35022/X/0001;35022;individuel;raccordé au réseau\n",
    )
    write_text(
        folder / "carreaux_broken.csv",
        "Idcar_200m;I_est_200;lcog_geo;Ind;Men\nN2869800E3438800;0;35022;12,5;5\n",
    )


def main() -> None:
    territory = HERE / "becherel"
    anfr(territory / "anfr")
    bdtopo(territory / "BDTOPO_3-3_TOUSTHEMES_GPKG_LAMB93_D035.gpkg")
    arcep_fiber(territory / "immeubles_35.csv")
    arcep_mci(HERE / "mci")
    insee_grid(territory / "carreaux_200m_35.csv")
    enedis(territory / "enedis")
    arcep_mobile(territory / "arcep_couverture_20801_4G.gpkg")
    gtfs(territory / "gtfs_becherel.zip")
    osm_extract(HERE / "becherel_osm" / "becherel.osm")
    bdtopo_shapefile(HERE / "bdtopo_shp")
    broken(HERE / "broken")
    print(f"wrote fixtures under {HERE}")


if __name__ == "__main__":
    np.random.seed(0)
    main()
