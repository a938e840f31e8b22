"""Wards: the schematic layout, boundary files checked before use, derived counts."""

import json

import pandas as pd
import pytest

from harrow_kpi import geography, queries, rebuild, store
from tests.helpers import SHARED
from tests.helpers import run_cli as run

OFFICIAL = SHARED / "geo" / "harrow_wards_2002-2022.geojson"


@pytest.fixture()
def wards(db):
    return queries.wards(db)


def geojson_from_schematic(wards: pd.DataFrame, **overrides) -> dict:
    """A boundary file of our own: each ward's hexagon as a GeoJSON polygon."""
    features = [
        {"type": "Feature", "properties": {"WD13CD": w.ward_code, "WD13NM": w.name},
         "geometry": {"type": "Polygon", "coordinates": [geography.hex_ring(int(w.hex_q), int(w.hex_r))]}}
        for w in wards.itertuples()
    ]
    return {"type": "FeatureCollection", "features": features, **overrides}


def as_bytes(document) -> bytes:
    return json.dumps(document).encode()


def test_the_schematic_has_21_wards_on_distinct_tiles(wards):
    assert len(wards) == 21
    assert set(wards["ward_code"]) == {f"E05000{n}" for n in range(285, 306)}
    tiles = list(zip(wards["hex_q"], wards["hex_r"]))
    assert len(set(tiles)) == 21  # one ward per tile, so no two hexagons overlap


def test_every_tile_touches_a_real_neighbour(wards):
    tile = {w.ward_code: (int(w.hex_q), int(w.hex_r)) for w in wards.itertuples()}
    for ward in wards.itertuples():
        neighbours = geography.split_ids(ward.neighbours)
        assert neighbours, ward.name
        assert any(tile[n] in geography.hex_neighbours(*tile[ward.ward_code]) for n in neighbours), ward.name


def test_the_hexagons_do_not_overlap(wards):
    centres = [geography.hex_centre(int(w.hex_q), int(w.hex_r)) for w in wards.itertuples()]
    for i, (lon1, lat1) in enumerate(centres):
        for lon2, lat2 in centres[i + 1:]:
            distance = ((lon1 - lon2) * 0.62) ** 2 + (lat1 - lat2) ** 2
            assert distance ** 0.5 >= geography.HEX_SIZE * 1.7  # centres a tile apart


def test_a_good_boundary_file_is_accepted(wards):
    found = geography.validate_boundaries(as_bytes(geojson_from_schematic(wards)), wards)
    assert set(found) == set(wards["ward_code"])


def test_wards_can_be_matched_by_name_alone(wards):
    document = geojson_from_schematic(wards)
    for feature in document["features"]:
        feature["properties"] = {"ward": feature["properties"]["WD13NM"].upper()}
    assert len(geography.validate_boundaries(as_bytes(document), wards)) == 21


@pytest.mark.parametrize(
    "change,message",
    [
        (lambda d: d["features"][0]["properties"].update(WD13CD="E05009999", WD13NM="Nowhere"),
         "feature 1: no ward code or name"),
        (lambda d: d["features"][1].update(geometry={"type": "Point", "coordinates": [-0.3, 51.6]}),
         "feature 2: geometry is Point"),
        (lambda d: d.update(crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}),
         "does not reproject"),
        (lambda d: d["features"][2]["geometry"].update(coordinates=[[[515000, 188000], [516000, 188000],
                                                                     [516000, 189000], [515000, 188000]]]),
         "British National Grid"),
        (lambda d: d["features"].pop(), "the file lacks wards"),
    ],
)
def test_a_bad_boundary_file_is_refused_with_reasons(wards, change, message):
    document = geojson_from_schematic(wards)
    change(document)
    with pytest.raises(geography.BoundaryError) as error:
        geography.validate_boundaries(as_bytes(document), wards)
    assert message in str(error.value)


@pytest.mark.parametrize(
    "data,message",
    [(b"", "empty"), (b"not json at all", "not GeoJSON"), (b'{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
     (b'{"type": "FeatureCollection", "features": []}', "no features")],
)
def test_files_that_are_not_geojson_are_refused(wards, data, message):
    with pytest.raises(geography.BoundaryError, match=message):
        geography.validate_boundaries(data, wards)


def test_a_huge_file_is_refused_before_it_is_read(wards):
    with pytest.raises(geography.BoundaryError, match="limit"):
        geography.validate_boundaries(b" " * 2000, wards, max_bytes=1000)


def test_importing_boundaries_stores_them_and_a_rebuild_keeps_them(tmp_path, wards):
    path = tmp_path / "kpi.db"
    store.build(path)
    count = geography.import_boundaries(path, as_bytes(geojson_from_schematic(wards)), "mine.geojson", "officer")
    assert count == 21
    rebuild.rebuild(path)
    with store.opened(path) as db:
        stored = queries.boundaries(db)
    assert len(stored) == 21 and set(stored["imported_by"]) == {"officer"}


def test_a_refused_import_changes_nothing(tmp_path, wards):
    path = tmp_path / "kpi.db"
    store.build(path)
    geography.import_boundaries(path, as_bytes(geojson_from_schematic(wards)), "first.geojson", "officer")
    with pytest.raises(geography.BoundaryError):
        geography.import_boundaries(path, b"not json", "bad.geojson", "officer")
    with store.opened(path) as db:
        assert set(queries.boundaries(db)["filename"]) == {"first.geojson"}


@pytest.mark.skipif(not OFFICIAL.exists(), reason="the official ONS file is not beside the repository")
def test_the_official_ons_file_is_accepted_and_agrees_with_our_wards(tmp_path, wards):
    data = OFFICIAL.read_bytes()
    found = geography.validate_boundaries(data, wards)
    assert len(found) == 21
    names = {f["properties"]["WD13CD"]: f["properties"]["WD13NM"] for f in json.loads(data)["features"]}
    assert names == dict(zip(wards["ward_code"], wards["name"]))


def test_cli_imports_boundaries_and_refuses_bad_files(tmp_path, wards):
    path = tmp_path / "kpi.db"
    good = tmp_path / "wards.geojson"
    good.write_text(json.dumps(geojson_from_schematic(wards)), encoding="utf-8")
    bad = tmp_path / "points.geojson"
    document = geojson_from_schematic(wards)
    document["features"][0]["geometry"] = {"type": "Point", "coordinates": [-0.3, 51.6]}
    bad.write_text(json.dumps(document), encoding="utf-8")
    assert run("build", db=path).returncode == 0
    refused = run("import-boundaries", str(bad), db=path)
    assert refused.returncode == 1 and "feature 1: geometry is Point" in refused.stderr
    accepted = run("import-boundaries", str(good), db=path)
    assert accepted.returncode == 0 and "21 wards" in accepted.stdout


def test_ward_counts_follow_the_places(db, wards):
    counts = geography.ward_counts(queries.places(db), queries.query(db, "SELECT * FROM actions"), wards)
    places = queries.places(db)
    wealdstone = counts.set_index("ward_code").loc["E05000304"]
    assert wealdstone["places"] == int((places["ward_code"] == "E05000304").sum()) > 0
    assert wealdstone["actions"] >= 3
    assert counts["places"].sum() == places["ward_code"].notna().sum()


def test_colour_bins_and_legend_values():
    edges = geography.bins([0, 2, 4, 6, 8, 10])
    assert edges == [2, 4, 6, 8, 10]
    assert geography.colour_for(0, edges) == list(geography.RAMP[0])
    assert geography.colour_for(10, edges) == list(geography.RAMP[-1])
    assert geography.colour_for(None, edges) == [243, 242, 241]


def test_tooltip_fields_are_flat(wards):
    frame = geography.ward_shapes_frame(geography.schematic_shapes(wards), wards, {"E05000304": {"value_text": "7"}})
    row = frame[frame["ward_code"] == "E05000304"].iloc[0]
    assert row["ward_name"] == "Wealdstone" and row["value_text"] == "7"
