"""Wards: the schematic layout, boundary files checked before use, derived counts."""

import json

import pandas as pd
import pytest

from harrow_kpi import geography, queries, rebuild, store
from tests.helpers import SHARED, as_bytes, geojson_from_schematic
from tests.helpers import run_cli as run

OFFICIAL = SHARED / "geo" / "harrow_wards_2002-2022.geojson"


@pytest.fixture()
def wards(db):
    return queries.wards(db)




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


def test_a_boundary_error_keeps_every_reason():
    error = geography.BoundaryError(["feature 1: geometry is Point, not a Polygon or MultiPolygon", "the file lacks"])
    assert error.problems == ["feature 1: geometry is Point, not a Polygon or MultiPolygon", "the file lacks"]
    assert str(error) == "feature 1: geometry is Point, not a Polygon or MultiPolygon\nthe file lacks"


# The schematic: 0.0125 degrees of latitude from a hexagon's centre to a corner, longitude stretched by
# 1 / cos(51.595 degrees) = 1 / 0.621216 so that the tiles look regular on a map of Harrow.
@pytest.mark.parametrize(
    "q,r,lon,lat",
    [
        (0, 0, -0.335, 51.595),
        (1, 0, -0.300148, 51.595),  # one tile east: 0.0125 * sqrt(3) / 0.621216 further east
        (0, 1, -0.317574, 51.57625),  # south-east: half a tile east, 1.5 * 0.0125 south
        (0, -1, -0.352426, 51.61375),  # north-west
    ],
)
def test_hex_tiles_sit_around_harrow(q, r, lon, lat):
    assert geography.hex_centre(q, r) == pytest.approx((lon, lat), abs=1e-6)


def test_a_hex_tile_is_a_closed_ring_of_six_pointy_top_corners():
    ring = geography.hex_ring(0, 0)
    # corners at -30, 30, 90, ... degrees, 0.96 of the full size: 0.012 degrees of latitude
    expected = [(-0.318271, 51.589), (-0.318271, 51.601), (-0.335, 51.607), (-0.351729, 51.601),
                (-0.351729, 51.589), (-0.335, 51.583), (-0.318271, 51.589)]
    assert len(ring) == 7
    for point, (lon, lat) in zip(ring, expected):
        assert point == pytest.approx([lon, lat], abs=1e-6)
    assert ring[-1] == ring[0]


def test_a_full_size_hex_ring_reaches_the_neighbouring_tiles_corner():
    assert geography.hex_ring(0, 0, shrink=1)[2] == pytest.approx([-0.335, 51.6075], abs=1e-9)


def test_a_hex_tile_has_six_neighbours():
    assert geography.hex_neighbours(2, -1) == {(3, -1), (1, -1), (2, 0), (2, -2), (3, -2), (1, 0)}


def test_the_schematic_shape_of_a_ward_is_its_tile(wards):
    shapes = geography.schematic_shapes(wards)
    assert len(shapes) == 21
    assert shapes["E05000285"] == [geography.hex_ring(1, -1)]  # Belmont: data/wards.csv hex_q=1, hex_r=-1


def test_official_shapes_keep_the_outer_ring_of_every_polygon():
    outer, hole, island = [[0, 0], [1, 0], [1, 1], [0, 0]], [[0.2, 0.2], [0.3, 0.2], [0.3, 0.3], [0.2, 0.2]], \
        [[5, 5], [6, 5], [6, 6], [5, 5]]
    boundaries = pd.DataFrame({
        "ward_code": ["E05000285", "E05000286"],
        "geometry": [json.dumps({"type": "Polygon", "coordinates": [outer, hole]}),
                     json.dumps({"type": "MultiPolygon", "coordinates": [[outer, hole], [island]]})],
    })
    assert geography.official_shapes(boundaries) == {"E05000285": [outer], "E05000286": [outer, island]}


def _refusal(data, wards, **kwargs) -> list[str]:
    with pytest.raises(geography.BoundaryError) as error:
        geography.validate_boundaries(data, wards, **kwargs)
    return error.value.problems


def test_the_size_limit_is_ten_megabytes(wards):
    assert _refusal(b" " * (10 * 1024 * 1024 + 1), wards) == ["the file is 10.5 MB; the limit is 10 MB"]
    assert _refusal(b" " * (10 * 1024 * 1024), wards) == ["the file is empty"]  # at the limit it is read


def test_a_smaller_size_limit_is_reported_in_megabytes(wards):
    assert _refusal(b" " * 2_500_000, wards, max_bytes=2_400_000) == ["the file is 2.5 MB; the limit is 2 MB"]


def test_a_file_exactly_at_the_size_limit_is_read(wards):
    assert _refusal(b"\n " * 1000, wards, max_bytes=2000) == ["the file is empty"]


@pytest.mark.parametrize(
    "data,message",
    [
        (b"not json", "the file is not GeoJSON (not valid JSON: Expecting value: line 1 column 1 (char 0))"),
        (b"\xff\xfe{}", "the file is not GeoJSON (not valid JSON: 'utf-8' codec can't decode byte 0xff in position 0: "
                        "invalid start byte)"),
        (b"[]", "the file is not a GeoJSON FeatureCollection"),
        (b'{"type": "Feature"}', "the file is not a GeoJSON FeatureCollection"),
        (b'{"type": "FeatureCollection"}', "the file has no features"),
        (b'{"type": "FeatureCollection", "features": []}', "the file has no features"),
        (b'{"type": "FeatureCollection", "features": {"a": 1}}', "the file has no features"),
    ],
)
def test_what_is_wrong_with_a_file_that_is_not_geojson(wards, data, message):
    assert _refusal(data, wards) == [message]


def test_a_file_saved_with_a_byte_order_mark_is_read(wards):
    data = "\ufeff".encode() + as_bytes(geojson_from_schematic(wards))
    assert len(geography.validate_boundaries(data, wards)) == 21


@pytest.mark.parametrize(
    "name",
    ["urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326", "urn:ogc:def:crs:EPSG::4326", "WGS 84", "WGS84"],
)
def test_a_file_in_wgs84_longitude_latitude_is_accepted(wards, name):
    document = geojson_from_schematic(wards, crs={"type": "name", "properties": {"name": name}})
    assert len(geography.validate_boundaries(as_bytes(document), wards)) == 21


@pytest.mark.parametrize("crs", [None, {}])
def test_a_file_without_a_coordinate_system_is_taken_as_wgs84(wards, crs):
    assert len(geography.validate_boundaries(as_bytes(geojson_from_schematic(wards, crs=crs)), wards)) == 21


REPROJECT = "; export it as WGS84 longitude/latitude (EPSG:4326 / CRS84): the app does not reproject"


@pytest.mark.parametrize(
    "crs,shown",
    [
        ({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}, "urn:ogc:def:crs:EPSG::27700"),
        ({"type": "EPSG", "properties": {"code": 27700}}, '{"type": "EPSG", "properties": {"code": 27700}}'),
        ("EPSG:27700", '"EPSG:27700"'),
        ({"type": "link", "properties": {"href": "https://example.org/a/very/long/address/of/a/prj/file"}},
         '{"type": "link", "properties": {"href": "https://example.org/a/very/long/address'),  # 80 characters
    ],
)
def test_a_file_in_another_coordinate_system_is_refused_naming_it(wards, crs, shown):
    document = geojson_from_schematic(wards, crs=crs)
    assert _refusal(as_bytes(document), wards) == [f"the file's coordinate system is {shown}{REPROJECT}"]


def test_every_bad_feature_is_named_and_missing_wards_are_not_listed_beside_them(wards):
    document = geojson_from_schematic(wards)
    features = document["features"]
    features[0]["properties"] = {"WD13CD": "E05009999", "WD13NM": "Nowhere", "LAD13NM": "Elsewhere", "FID": "4"}
    features[1]["geometry"] = {"type": "Point", "coordinates": [-0.3, 51.6]}
    features[2] = None
    features[3]["geometry"]["coordinates"] = []
    features[4]["geometry"]["coordinates"] = [[[2.29, 48.81], [2.41, 48.81], [2.41, 48.9], [2.29, 48.81]]]  # Paris
    features.append({"type": "Feature", "properties": {"code": "E05000304"}, "geometry": features[19]["geometry"]})
    features.append({"type": "Feature", "properties": {"code": "E05000305"}, "geometry": features[20]["geometry"]})
    assert _refusal(as_bytes(document), wards) == [
        "feature 1: no ward code or name of a Harrow ward 2002-2022 (WD13CD=E05009999, WD13NM=Nowhere, "
        "LAD13NM=Elsewhere)",
        "feature 2: geometry is Point, not a Polygon or MultiPolygon",
        "feature 3: geometry is missing, not a Polygon or MultiPolygon",
        "feature 4 (Greenhill): polygon has no usable coordinates",
        "feature 5 (Harrow Weald): coordinates are not WGS84 longitude/latitude around Harrow; "
        "the app does not reproject",
        "feature 22: ward E05000304 (Wealdstone) appears twice",
        "feature 23: ward E05000305 (West Harrow) appears twice",
    ]


def test_a_file_lacking_wards_lists_them_by_code_and_name(wards):
    document = geojson_from_schematic(wards)
    del document["features"][19:]
    assert _refusal(as_bytes(document), wards) == ["the file lacks wards: E05000304 Wealdstone, E05000305 West Harrow"]


def test_a_ward_code_is_found_in_any_property(wards):
    document = geojson_from_schematic(wards)
    for feature in document["features"]:
        code = feature["properties"]["WD13CD"]
        feature["properties"] = {"OBJECTID": 7, "name": "not a ward", "ons": code}
    found = geography.validate_boundaries(as_bytes(document), wards)
    assert found["E05000285"] == {"type": "Polygon", "coordinates": [geography.hex_ring(1, -1)]}


def test_wards_are_matched_by_name_ignoring_case_and_spaces(wards):
    document = geojson_from_schematic(wards)
    for feature in document["features"]:
        feature["properties"] = {"id": 3, "ward": f"  {feature['properties']['WD13NM'].lower()} "}
    found = geography.validate_boundaries(as_bytes(document), wards)
    assert set(found) == set(wards["ward_code"])


def test_a_ward_name_with_stray_spaces_in_our_list_still_matches():
    wards = pd.DataFrame({"ward_code": ["E05000285"], "name": [" Belmont "]})
    square = {"type": "Polygon", "coordinates": [[[-0.3, 51.6], [-0.29, 51.6], [-0.29, 51.61], [-0.3, 51.6]]]}
    document = {"type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": {"WD13NM": "BELMONT"}, "geometry": square}]}
    assert geography.validate_boundaries(as_bytes(document), wards) == {"E05000285": square}


def _one_ward_file(geometry) -> bytes:
    return as_bytes({"type": "FeatureCollection",
                     "features": [{"type": "Feature", "properties": {"WD13CD": "E05000285"}, "geometry": geometry}]})


BELMONT = pd.DataFrame({"ward_code": ["E05000285"], "name": ["Belmont"]})


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Polygon", "coordinates": []},
        {"type": "Polygon"},
        {"type": "Polygon", "coordinates": [None]},
        {"type": "Polygon", "coordinates": [[5, 6]]},
        {"type": "Polygon", "coordinates": [[[-0.3, 51.6], [-0.3]]]},
        {"type": "MultiPolygon", "coordinates": [None]},
        {"type": "MultiPolygon", "coordinates": [[[[-0.3, 51.6]]], [[[-0.3]]]]},
    ],
)
def test_a_polygon_without_usable_coordinates_is_refused(geometry):
    assert _refusal(_one_ward_file(geometry), BELMONT) == ["feature 1 (Belmont): polygon has no usable coordinates"]


def _box(west, south, east, north):
    return [[[west, south], [east, south], [east, north], [west, north], [west, south]]]


def test_a_polygon_exactly_on_the_edges_of_harrow_s_box_is_accepted():
    box = {"type": "Polygon", "coordinates": _box(-0.6, 51.4, 0.1, 51.8)}
    assert geography.validate_boundaries(_one_ward_file(box), BELMONT) == {"E05000285": box}


def test_a_multipolygon_inside_harrow_is_accepted():
    shape = {"type": "MultiPolygon", "coordinates": [_box(-0.31, 51.60, -0.30, 51.61), _box(-0.29, 51.6, -0.28, 51.61)]}
    assert geography.validate_boundaries(_one_ward_file(shape), BELMONT) == {"E05000285": shape}


OUTSIDE = ("feature 1 (Belmont): coordinates are not WGS84 longitude/latitude around Harrow{hint}; "
           "the app does not reproject")
GRID = " (they look like British National Grid metres)"


@pytest.mark.parametrize(
    "coordinates,hint",
    [
        (_box(-0.601, 51.4, 0.1, 51.8), ""),
        (_box(-0.6, 51.399, 0.1, 51.8), ""),
        (_box(-0.6, 51.4, 0.101, 51.8), ""),
        (_box(-0.6, 51.4, 0.1, 51.801), ""),
        (_box(2.29, 48.81, 2.41, 48.90), ""),  # Paris
        (_box(-0.3, 51.6, 1000, 51.61), ""),
        (_box(-0.3, 51.6, 1000.5, 51.61), GRID),
        (_box(515000, 188000, 516000, 189000), GRID),
    ],
)
def test_a_polygon_outside_harrow_is_refused(coordinates, hint):
    geometry = {"type": "Polygon", "coordinates": coordinates}
    assert _refusal(_one_ward_file(geometry), BELMONT) == [OUTSIDE.format(hint=hint)]


def test_one_part_of_a_multipolygon_outside_harrow_refuses_it():
    shape = {"type": "MultiPolygon", "coordinates": [_box(-0.31, 51.60, -0.30, 51.61), _box(2.29, 48.81, 2.41, 48.9)]}
    assert _refusal(_one_ward_file(shape), BELMONT) == [OUTSIDE.format(hint="")]


def test_the_fingerprint_of_a_file_is_its_sha256():
    # the SHA-256 test vector for "abc" (FIPS 180-2)
    assert geography.sha256(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_each_ring_is_a_row_named_after_its_ward():
    wards = pd.DataFrame({"ward_code": ["E05000285"], "name": ["Belmont"]})
    shapes = {"E05000285": [["a"], ["b"]], "E09000001": [["c"]]}
    frame = geography.ward_shapes_frame(shapes, wards)
    assert frame.to_dict("records") == [
        {"ward_code": "E05000285", "ward_name": "Belmont", "polygon": ["a"]},
        {"ward_code": "E05000285", "ward_name": "Belmont", "polygon": ["b"]},
        {"ward_code": "E09000001", "ward_name": "E09000001", "polygon": ["c"]},
    ]


@pytest.mark.parametrize(
    "text,ids",
    [("a; b;;c ", ["a", "b", "c"]), ("scorecard-2019/a007", ["scorecard-2019/a007"]), ("", []), (" ; ", []),
     (None, []), (float("nan"), [])],
)
def test_ids_are_split_on_semicolons(text, ids):
    assert geography.split_ids(text) == ids


ACTIONS = pd.DataFrame({
    "action_id": ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"],
    "rag_status": ["GREEN", "AMBER", "RED", "COMPLETE", "Not started", "CLOSED", None, "RED"],
})


@pytest.mark.parametrize(
    "action_ids,status",
    [
        (["a1", "a2"], "AMBER"),
        (["a1", "a2", "a3"], "RED"),
        (["a5", "a1"], "Not started"),
        (["a4", "a1"], "GREEN"),
        (["a6", "a4"], "COMPLETE"),
        (["a6"], "CLOSED"),
        (["a7"], None),
        (["a1", "a7"], "GREEN"),
        (["zz"], None),
        ([], None),
    ],
)
def test_a_place_shows_its_most_pressing_action_status(action_ids, status):
    assert geography.place_status(action_ids, ACTIONS) == status


def test_several_places_in_a_ward_are_spread_around_a_point_below_its_name():
    places = pd.DataFrame({
        "place_id": ["p1", "p2", "p3", "p4", "p5", "p6"],
        "ward_code": ["E05000304", "E05000304", "E05000285", None, "E05000999", "E05000304"],
        "action_ids": ["a1;a3", None, "a2", "a3", "a3", "a4"],
    })
    centres = {"E05000304": (-0.33, 51.6), "E05000285": (-0.31, 51.61)}
    frame = geography.places_frame(places, ACTIONS, centres)
    assert list(frame["place_id"]) == ["p1", "p2", "p3", "p6"]
    assert list(frame["status"].fillna("no status")) == ["RED", "no status", "AMBER", "COMPLETE"]
    # the n-th place of a ward: angle 2.4 n radians, radius 0.0022 sqrt(n) degrees, east-west stretched by 1.6,
    # around a point 0.003 degrees south of the ward's centre
    assert list(frame["lon"]) == pytest.approx([-0.33, -0.33 - 0.0025956, -0.31, -0.33 + 0.0004356], abs=1e-7)
    assert list(frame["lat"]) == pytest.approx([51.597, 51.597 + 0.0014860, 51.607, 51.597 - 0.0030993], abs=1e-7)


def test_ward_counts_of_places_commitments_and_actions_by_status():
    wards = pd.DataFrame({"ward_code": ["E05000285", "E05000304"], "name": ["Belmont", "Wealdstone"]})
    places = pd.DataFrame({
        "ward_code": ["E05000304", "E05000304", None],
        "commitment_ids": ["c1;c2", "c2", "c9"],
        "action_ids": ["a1;a3", "a3;a5;zz", "a2"],
    })
    counts = geography.ward_counts(places, ACTIONS, wards)
    assert counts.to_dict("records") == [
        {"ward_code": "E05000285", "ward_name": "Belmont", "places": 0, "commitments": 0, "actions": 0,
         "actions_red": 0, "actions_amber": 0, "actions_not_started": 0, "actions_green": 0, "actions_complete": 0,
         "actions_closed": 0},
        {"ward_code": "E05000304", "ward_name": "Wealdstone", "places": 2, "commitments": 2, "actions": 3,
         "actions_red": 1, "actions_amber": 0, "actions_not_started": 1, "actions_green": 1, "actions_complete": 0,
         "actions_closed": 0},
    ]


@pytest.mark.parametrize(
    "values,count,edges",
    [
        ([0, 2, 4, 6, 8, 10], 5, [2, 4, 6, 8, 10]),
        ([10, None, 0, float("nan")], 5, [2, 4, 6, 8, 10]),
        ([-5, 5], 5, [-3, -1, 1, 3, 5]),
        ([0, 10], 2, [5, 10]),
        ([3, 3, 3], 5, [3]),  # all equal: one bin
        ([7], 5, [7]),
        ([], 5, []),
        ([None, float("nan")], 5, []),
    ],
)
def test_bins_are_equal_width_up_to_the_maximum(values, count, edges):
    assert geography.bins(values, count) == pytest.approx(edges)


def test_five_bins_by_default():
    assert geography.bins([0, 100]) == pytest.approx([20, 40, 60, 80, 100])


FIVE = [2, 4, 6, 8, 10]


@pytest.mark.parametrize(
    "value,edges,colour",
    [
        (0, FIVE, [222, 235, 247]),
        (2, FIVE, [222, 235, 247]),  # an edge belongs to the bin below it
        (2 + 5e-10, FIVE, [222, 235, 247]),  # rounding noise at an edge does not move a ward up a bin
        (2.001, FIVE, [158, 202, 225]),
        (2.5, FIVE, [158, 202, 225]),
        (6, FIVE, [66, 146, 198]),
        (8, FIVE, [33, 113, 181]),
        (10, FIVE, [8, 48, 107]),
        (11, FIVE, [8, 48, 107]),  # above every edge: the darkest
        (1, [2, 4], [222, 235, 247]),
        (3, [2, 4], [158, 202, 225]),
        (3, [3], [8, 48, 107]),  # one bin (all values equal): the darkest
        (7, [1, 2, 3, 4, 5, 6, 7], [8, 48, 107]),  # more edges than colours: the darkest
        (None, FIVE, [243, 242, 241]),
        (float("nan"), FIVE, [243, 242, 241]),
        (5, [], [243, 242, 241]),
    ],
)
def test_the_colour_of_a_value(value, edges, colour):
    assert geography.colour_for(value, edges) == colour
