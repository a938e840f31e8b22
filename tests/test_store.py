import csv
import hashlib
import json
import re
import sqlite3
import sys
import threading
import tomllib
from pathlib import Path

import pytest

from harrow_kpi import dataset, geography, queries, rebuild, store
from harrow_kpi.schema import BUILD_ORDER, TABLES
from tests import helpers
from tests.helpers import ROOT, as_bytes, copy_data, geojson_from_schematic

PLANS = {"bvpp-2004", "priorities-2011", "equality-2016", "hap-2020", "scorecard-2019"}


def test_build_loads_every_table(db):
    counts = {name: db[name].count for name in BUILD_ORDER}
    assert counts["plans"] == 5
    assert counts["themes"] >= 25
    assert counts["indicators"] >= 114
    assert counts["observations"] >= 342
    assert counts["commitments"] >= 50
    assert counts["actions"] >= 60
    assert counts["budget_lines"] >= 10
    assert counts["theme_links"] >= 25


def test_all_five_plans_are_present_with_their_themes(db):
    assert {row["plan_id"] for row in db["plans"].rows} == PLANS
    themed = {row[0] for row in db.execute("SELECT DISTINCT plan_id FROM themes")}
    assert themed == PLANS


def test_observations_come_from_every_document(db):
    plans_with_figures = {row[0] for row in db.execute("SELECT DISTINCT plan_id FROM observations")}
    assert plans_with_figures == PLANS


def test_the_scorecard_has_five_priorities_in_order(db):
    names = queries.priorities(db)["name"].tolist()
    assert [n.lower() for n in names] == [
        "build a better harrow",
        "supporting those most in need",
        "preserving vital public services",
        "a strong local economy for all",
        "modernising harrow council",
    ]


def test_no_orphan_foreign_keys(db):
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    orphans = db.execute(
        "SELECT count(*) FROM themes WHERE parent_id IS NOT NULL "
        "AND parent_id NOT IN (SELECT theme_id FROM themes)"
    ).fetchone()[0]
    assert orphans == 0


@pytest.mark.parametrize("table", BUILD_ORDER)
def test_every_row_has_a_source(db, table):
    cited = "seed" in TABLES[table]["columns"]
    condition = "seed IS NULL OR line IS NULL OR " if cited else ""
    missing = db.execute(f"SELECT count(*) FROM [{table}] WHERE {condition}source IS NULL OR source = ''").fetchone()[0]
    assert missing == 0


def test_foreign_keys_and_indexes_are_declared(db):
    assert db["observations"].foreign_keys
    indexed = {tuple(index.columns) for index in db["observations"].indexes}
    assert ("period_order",) in indexed
    assert any(index.unique for index in db["observations"].indexes)


def test_every_scorecard_measure_has_all_three_periods(db):
    missing = db.execute(
        """
        SELECT i.indicator_id, count(o.period) FROM indicators i
        LEFT JOIN observations o ON o.indicator_id = i.indicator_id
          AND o.period IN ('2018/19 Q2', '2019/20 Q1', '2019/20 Q2') AND o.ward_code IS NULL
        WHERE i.on_scorecard
        GROUP BY i.indicator_id HAVING count(o.period) != 3
        """
    ).fetchall()
    assert missing == []


def test_recycling_can_be_followed_from_2003_to_2019(db):
    rows = queries.observations(db)
    recycling = rows[rows["indicator_id"] == "household-waste-recycled"]
    assert {"bvpp-2004", "scorecard-2019"} <= set(recycling["plan_id"])
    assert recycling["period_order"].min() < 20040


def test_build_is_deterministic(tmp_path):
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    store.build(first)
    store.build(second)
    with store.opened(first) as a, store.opened(second) as b:
        assert list(a.conn.iterdump()) == list(b.conn.iterdump())


def test_a_bad_csv_is_rejected_naming_row_and_column_and_leaves_the_store_alone(tmp_path):
    data = copy_data(tmp_path)
    path = tmp_path / "kpi.db"
    store.build(path, data)
    with store.opened(path) as db:
        before = db["observations"].count
    text = (data / "observations.csv").read_text(encoding="utf-8").split("\n")
    header = text[0].split(",")
    cells = text[1].split(",")
    cells[header.index("period")] = "2019-20 Q2"
    text[1] = ",".join(cells)
    (data / "observations.csv").write_text("\n".join(text), encoding="utf-8")
    with pytest.raises(dataset.DataError) as error:
        store.build(path, data)
    assert "observations.csv row 2, column period" in str(error.value)
    with store.opened(path) as db:
        assert db["observations"].count == before


def test_a_failure_inside_the_build_rolls_back_to_the_previous_database(tmp_path, monkeypatch):
    data = copy_data(tmp_path)
    path = tmp_path / "kpi.db"
    store.build(path, data)
    with store.opened(path) as db:
        before = list(db.conn.iterdump())

    def broken_index(db):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_index", broken_index)
    with pytest.raises(RuntimeError):
        store.build(path, data)
    with store.opened(path) as db:
        assert list(db.conn.iterdump()) == before


def test_missing_columns_and_duplicates_are_reported(tmp_path):
    data = copy_data(tmp_path)
    lines = (data / "indicators.csv").read_text(encoding="utf-8").split("\n")
    lines.insert(2, lines[1])
    (data / "indicators.csv").write_text("\n".join(lines), encoding="utf-8")
    (data / "plans.csv").write_text("plan_id,title\nx,y\n", encoding="utf-8")
    with pytest.raises(dataset.DataError) as error:
        store.build(tmp_path / "kpi.db", data)
    message = str(error.value)
    assert "plans.csv: missing columns" in message
    assert "indicators.csv row 3, column indicator_id: duplicate" in message


def test_ensure_built_rebuilds_only_when_the_csv_files_change(tmp_path):
    data = copy_data(tmp_path)
    path = tmp_path / "kpi.db"
    assert not store.is_current(path, data)
    rebuild.ensure_current(path, data)
    assert store.is_current(path, data)
    built = path.stat().st_mtime_ns
    rebuild.ensure_current(path, data)
    assert path.stat().st_mtime_ns == built
    (data / "plans.csv").write_text(
        (data / "plans.csv").read_text(encoding="utf-8").replace("Harrow", "Harrow ", 1), encoding="utf-8"
    )
    assert not store.is_current(path, data)
    rebuild.ensure_current(path, data)
    assert store.is_current(path, data)


def test_readers_in_many_threads_while_the_store_is_rebuilt(tmp_path):
    path = tmp_path / "kpi.db"
    store.build(path)
    errors, counts = [], []

    def read():
        try:
            for _ in range(5):
                with store.opened(path) as db:
                    counts.append(len(queries.scorecard(db, "2019/20 Q2")))
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    store.build(path)
    for thread in threads:
        thread.join()
    assert errors == []
    assert set(counts) == {counts[0]} and counts[0] >= 114


def test_wal_mode_is_on(db):
    assert db.journal_mode == "wal"


@pytest.fixture()
def built(tmp_path):
    """A database built inside the test itself, so that mutation testing sees the build run under each test."""
    store.build(tmp_path / "kpi.db")
    with store.opened(tmp_path / "kpi.db") as db:
        yield db


def _rewrite(data, name, change):
    """Corrupt a copied CSV file: change(rows) edits the list of row dicts in place."""
    path = data / f"{name}.csv"
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header, rows = reader.fieldnames, list(reader)
    change(rows)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def _set(row_index, column, value):
    def change(rows):
        rows[row_index][column] = value
    return change


def _duplicate_first(rows):
    rows.insert(1, dict(rows[0]))


# (file, change, the one problem reported); CSV row 2 is the first data row.
CURATOR_MISTAKES = [
    ("indicators", _set(0, "polarity", "upwards"),
     "indicators.csv row 2, column polarity: 'upwards' is not one of ('higher', 'lower', 'range')"),
    ("indicators", _set(0, "unit", "percentage"),
     "indicators.csv row 2, column unit: 'percentage' is not one of ('percent', 'count', 'rate', 'days', 'weeks', "
     "'score', 'ratio', 'gbp', 'gbp_thousands', 'gbp_millions', 'index', 'years')"),
    ("indicators", _set(0, "latest_rag", "G"), "indicators.csv row 2, column latest_rag: 'G' is not a RAG band"),
    ("indicators", _set(0, "headline", "yes"), "indicators.csv row 2, column headline: 'yes' is not a int"),
    ("indicators", _set(0, "name", " "), "indicators.csv row 2, column name: required"),
    ("observations", _set(0, "rag_reported", "GREEN"),
     "observations.csv row 2, column rag_reported: 'GREEN' is not a RAG band"),
    ("observations", _set(0, "period", "2003-04 Q1"),
     "observations.csv row 2, column period: '2003-04 Q1' is not a period: "
     "write the financial year as '2019/20' or a quarter as '2019/20 Q2'"),
    ("observations", _set(0, "target", "ten"), "observations.csv row 2, column target: 'ten' is not a float"),
    ("observations", _set(0, "line", "495a"), "observations.csv row 2, column line: '495a' is not a int"),
    ("observations", _duplicate_first,
     "observations.csv row 3: a second row for household-waste-recycled in 2003/04 Q1"),
    ("observations", _set(0, "indicator_id", "no-such-measure"),
     "observations.csv row 2, column indicator_id: 'no-such-measure' is not in indicators.csv"),
    ("observations", _set(0, "ward_code", "E05999999"),
     "observations.csv row 2, column ward_code: 'E05999999' is not in wards.csv"),
    ("commitments", _set(0, "target_kind", "target"),
     "commitments.csv row 2, column target_kind: 'target' is not one of ('level', 'change', 'total', 'other')"),
    ("theme_links", _set(0, "relation", "follows"),
     "theme_links.csv row 2, column relation: 'follows' is not one of ('continues', 'splits', 'merges', 'partly')"),
    ("places", _set(0, "kind", "castle"),
     "places.csv row 2, column kind: 'castle' is not one of ('regeneration', 'library', 'leisure', 'park', "
     "'school', 'town-centre', 'civic', 'station', 'area', 'other')"),
    ("places", _set(0, "ward_confidence", "certain"),
     "places.csv row 2, column ward_confidence: 'certain' is not one of ('printed', 'likely', 'unsure')"),
    ("places", _set(0, "ward_code", "E05999999"),
     "places.csv row 2, column ward_code: 'E05999999' is not in wards.csv"),
    ("places", _set(0, "commitment_ids", "hap-2020/c007; hap-2020/c999"),
     "places.csv row 2, column commitment_ids: 'hap-2020/c999' is not in commitments.csv"),
    ("places", _set(0, "action_ids", "scorecard-2019/a999"),
     "places.csv row 2, column action_ids: 'scorecard-2019/a999' is not in actions.csv"),
    ("places", _set(0, "indicator_ids", "grange-farm-homes-started;no-such-measure;"),
     "places.csv row 2, column indicator_ids: 'no-such-measure' is not in indicators.csv"),
    ("actions", _set(0, "rag_status", "Red"),
     "actions.csv row 2, column rag_status: 'Red' is not one of ('RED', 'AMBER', 'Not started', 'GREEN', "
     "'COMPLETE', 'CLOSED')"),
    ("plans", _set(0, "title", ""), "plans.csv row 2, column title: required"),
    ("themes", _set(0, "parent_id", "bvpp-2004/no-such-theme"),
     "themes.csv row 2, column parent_id: 'bvpp-2004/no-such-theme' is not in themes.csv"),
    ("wards", _set(0, "hex_q", "1.5"), "wards.csv row 2, column hex_q: '1.5' is not a int"),
]


@pytest.mark.parametrize("name,change,problem", CURATOR_MISTAKES)
def test_a_curator_mistake_is_named_by_file_row_and_column(tmp_path, name, change, problem):
    data = copy_data(tmp_path)
    _rewrite(data, name, change)
    with pytest.raises(dataset.DataError) as error:
        dataset.load_tables(data)
    assert error.value.problems == [problem]
    assert str(error.value) == problem


def test_every_problem_is_listed_one_a_line(tmp_path):
    data = copy_data(tmp_path)
    _rewrite(data, "actions", _set(1, "rag_status", "Red"))
    _rewrite(data, "plans", _set(0, "title", ""))
    with pytest.raises(dataset.DataError) as error:
        store.build(tmp_path / "kpi.db", data)
    assert str(error.value) == (
        "plans.csv row 2, column title: required\n"
        "actions.csv row 3, column rag_status: 'Red' is not one of ('RED', 'AMBER', 'Not started', 'GREEN', "
        "'COMPLETE', 'CLOSED')"
    )


def test_a_file_without_its_columns_names_every_missing_column(tmp_path):
    data = copy_data(tmp_path)
    (data / "plans.csv").write_text("plan_id,title\nx,y\n", encoding="utf-8")
    with pytest.raises(dataset.DataError) as error:
        dataset.load_tables(data)
    assert error.value.problems[0] == (
        "plans.csv: missing columns published, period_start, period_end, seed, line, section, note")


def test_a_duplicate_key_is_named(tmp_path):
    data = copy_data(tmp_path)
    _rewrite(data, "indicators", _duplicate_first)
    with pytest.raises(dataset.DataError) as error:
        dataset.load_tables(data)
    assert error.value.problems == [
        "indicators.csv row 3, column indicator_id: duplicate 'graffiti-removal-targets-met-area-1'"]


def test_cells_are_trimmed_and_typed(tmp_path):
    data = copy_data(tmp_path)
    _rewrite(data, "observations", _set(0, "actual", " 11.9 "))
    _rewrite(data, "observations", _set(0, "line", " 495 "))
    first = dataset.load_tables(data)["observations"][0]
    assert (first["actual"], first["line"], first["target"], first["period"]) == (11.9, 495, None, "2003/04 Q1")


def test_a_missing_csv_file_builds_an_empty_table(tmp_path):
    data = copy_data(tmp_path)
    (data / "budget_lines.csv").unlink()
    counts = store.build(tmp_path / "kpi.db", data)
    assert counts["budget_lines"] == 0
    assert counts["plans"] == 5


def test_a_csv_file_saved_with_a_byte_order_mark_is_read(tmp_path):
    data = copy_data(tmp_path)
    text = (data / "plans.csv").read_text(encoding="utf-8")
    (data / "plans.csv").write_text("\ufeff" + text, encoding="utf-8")
    assert dataset.load_tables(data)["plans"][0]["plan_id"] == "bvpp-2004"


def test_a_scorecard_observation_carries_its_derived_columns(built):
    db = built
    # data/observations.csv row 160: council tax collected, Q2 2019/20, 55.76% against 57% (seed 001 line 117).
    row = next(db.query("SELECT * FROM observations WHERE indicator_id = 'council-tax-collected' "
                        "AND period = '2019/20 Q2'"))
    assert row["observation_id"] == 159
    assert row["source"] == ("STRATEGIC PERFORMANCE REPORT – QUARTER 2 2019/20; Corporate Scorecard 2019/20 – "
                             "Build a Better Harrow; 001_efe026106ea22757.txt line 117")
    assert row["plan_id"] == "scorecard-2019"
    assert (row["period_start"], row["period_end"], row["period_order"]) == ("2019-07-01", "2019-09-30", 20192)
    assert (row["rag_reported"], row["rag_computed"], row["upload_id"]) == ("A", "A", None)


def test_a_figure_without_a_target_has_no_computed_rag(built):
    db = built
    # data/observations.csv row 2: recycling 11.9% in June 2003, no target printed (seed 003 line 495).
    row = next(db.query("SELECT * FROM observations WHERE observation_id = 1"))
    assert (row["indicator_id"], row["period"], row["rag_computed"]) == ("household-waste-recycled", "2003/04 Q1",
                                                                         None)
    assert row["plan_id"] == "bvpp-2004"


def test_indicators_know_whether_they_are_on_the_scorecard(built):
    db = built
    flags = {row["indicator_id"]: row["on_scorecard"] for row in db.query(
        "SELECT indicator_id, on_scorecard FROM indicators WHERE indicator_id IN "
        "('book-issues', 'graffiti-removal-targets-met-area-1')")}
    assert flags == {"book-issues": 1, "graffiti-removal-targets-met-area-1": 0}
    book = next(db.query("SELECT plan_id, source FROM indicators WHERE indicator_id = 'book-issues'"))
    assert book["plan_id"] == "scorecard-2019"
    assert book["source"].endswith("001_efe026106ea22757.txt line 135")


def test_rows_without_their_own_key_are_numbered_from_one(built):
    db = built
    first_budget = next(db.query("SELECT budget_line_id, amount_as_printed FROM budget_lines ORDER BY budget_line_id"))
    first_link = next(db.query("SELECT link_id, relation FROM theme_links ORDER BY link_id"))
    assert dict(first_budget) == {"budget_line_id": 1, "amount_as_printed": "£7.5m"}
    assert dict(first_link) == {"link_id": 1, "relation": "continues"}


def test_wards_keep_their_own_source(built):
    db = built
    belmont = next(db.query("SELECT source FROM wards WHERE ward_code = 'E05000285'"))
    assert belmont["source"] == "ONS generalised clipped ward boundaries 2013 (Open Government Licence v3.0)"


def test_columns_have_their_declared_types(built):
    db = built
    types = {column.name: column.type for column in db["observations"].columns}
    assert (types["observation_id"], types["actual"], types["line"], types["period"]) == (
        "INTEGER", "REAL", "INTEGER", "TEXT")
    assert (types["period_order"], types["upload_id"], types["rag_computed"], types["plan_id"]) == (
        "INTEGER", "INTEGER", "TEXT", "TEXT")
    assert {c.name: c.type for c in db["indicators"].columns}["on_scorecard"] == "INTEGER"
    assert {c.name: c.type for c in db["budget_lines"].columns}["budget_line_id"] == "INTEGER"


def test_required_columns_are_not_null_in_the_store(built):
    db = built
    with pytest.raises(sqlite3.IntegrityError):
        db["plans"].insert({"plan_id": "x", "title": None, "seed": "s"})


def test_an_observation_key_is_unique_in_the_store(built):
    db = built
    with pytest.raises(sqlite3.IntegrityError):
        db["observations"].insert({"indicator_id": "book-issues", "period": "2019/20 Q2", "seed": "s", "line": 1})


def test_the_store_indexes_its_lookups(built):
    db = built
    def indexed(table):
        return {tuple(index.columns) for index in db[table].indexes}
    assert {("period_order",), ("plan_id",)} <= indexed("observations")
    assert ("priority",) in indexed("indicators")
    assert ("plan_id",) in indexed("themes") and ("plan_id",) in indexed("commitments")
    assert ("theme_id",) in indexed("actions")


def test_the_store_records_what_it_was_built_from(tmp_path):
    data = copy_data(tmp_path)
    path = tmp_path / "kpi.db"
    store.build(path, data)
    with store.opened(path) as db:
        meta = {row["key"]: row["value"] for row in db["meta"].rows}
    assert meta == {"fingerprint": dataset.fingerprint(data), "schema_version": "5", "data_version": "1"}


def test_build_makes_the_folder_for_the_database(tmp_path):
    path = tmp_path / "new" / "folder" / "kpi.db"
    store.build(path)
    assert path.exists()


def test_connections_enforce_foreign_keys_and_wait_for_writers(db_file):
    with store.opened(db_file) as db:
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 30000


def test_the_database_path_comes_from_the_argument_else_the_environment_else_data(monkeypatch, tmp_path):
    monkeypatch.delenv("HARROW_KPI_DB", raising=False)
    assert store.db_path() == dataset.ROOT / "data" / "harrow_kpi.db"
    monkeypatch.setenv("HARROW_KPI_DB", str(tmp_path / "env.db"))
    assert store.db_path() == tmp_path / "env.db"
    assert store.db_path(tmp_path / "mine.db") == tmp_path / "mine.db"


def test_the_data_folder_comes_from_the_argument_else_the_environment_else_data(monkeypatch, tmp_path):
    monkeypatch.delenv("HARROW_KPI_DATA", raising=False)
    assert dataset.data_dir() == dataset.ROOT / "data"
    monkeypatch.setenv("HARROW_KPI_DATA", str(tmp_path))
    assert dataset.data_dir() == tmp_path
    assert dataset.data_dir(tmp_path / "mine") == tmp_path / "mine"


def test_the_fingerprint_follows_every_csv_file(tmp_path):
    data = copy_data(tmp_path)
    first = dataset.fingerprint(data)
    assert dataset.fingerprint(data) == first and len(first) == 64
    (data / "budget_lines.csv").unlink()
    assert dataset.fingerprint(data) != first


@pytest.mark.parametrize("content", [b"", b"this is not a database" * 100])
def test_a_database_that_is_not_ours_is_not_current(tmp_path, content):
    path = tmp_path / "kpi.db"
    path.write_bytes(content)
    assert not store.is_current(path)


def test_a_database_built_by_someone_else_is_not_current(tmp_path):
    path = tmp_path / "kpi.db"
    with store.opened(path) as db:
        db["meta"].insert({"key": "fingerprint", "value": "elsewhere"}, pk="key")
    assert not store.is_current(path)
    with store.opened(path) as db:
        db["meta"].delete("fingerprint")
    assert not store.is_current(path)


def test_imported_boundaries_replace_the_earlier_ones_and_survive_a_rebuild(tmp_path):
    data = copy_data(tmp_path)
    with open(data / "wards.csv", "a", encoding="utf-8") as handle:
        handle.write("E05013999,New Ward,2022-05-05,,51.6,-0.33,1,1,,boundary review,\n")
    path = tmp_path / "kpi.db"
    store.build(path, data)
    with store.opened(path) as db:
        document = geojson_from_schematic(queries.wards(db))
    geography.import_boundaries(path, as_bytes(document), "first.geojson", "officer")
    data = as_bytes(document) + b"\n"
    assert geography.import_boundaries(path, data, "second.geojson", "gis team") == 22
    store.build(path, tmp_path / "data")
    with store.opened(path) as db:
        rows = list(db.query("SELECT * FROM ward_boundaries ORDER BY ward_code"))
        assert db["ward_boundaries"].pks == ["ward_code"]
    assert len(rows) == 22
    belmont = rows[0]
    assert (belmont["ward_code"], belmont["filename"], belmont["imported_by"]) == (
        "E05000285", "second.geojson", "gis team")
    assert belmont["sha256"] == hashlib.sha256(data).hexdigest()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", belmont["imported_at"])
    assert json.loads(belmont["geometry"]) == document["features"][0]["geometry"]


def test_ensure_built_returns_the_database_it_built(tmp_path):
    data = copy_data(tmp_path)
    assert rebuild.ensure_current(tmp_path / "kpi.db", data) == tmp_path / "kpi.db"


def test_a_csv_file_with_only_its_header_builds_an_empty_table(tmp_path):
    data = copy_data(tmp_path)
    header = (data / "budget_lines.csv").read_text(encoding="utf-8").split("\n")[0]
    (data / "budget_lines.csv").write_text(header + "\n", encoding="utf-8")
    assert dataset.load_tables(data)["budget_lines"] == []


@pytest.fixture()
def own_build(tmp_path):
    """A database this test builds itself, so the build is exercised inside the test."""
    path = tmp_path / "own.db"
    store.build(path)
    return path


def test_the_build_declares_the_foreign_keys_and_required_columns(own_build):
    with store.opened(own_build) as db:
        observation_keys = {(fk.column, fk.other_table) for fk in db["observations"].foreign_keys}
        assert observation_keys == {("indicator_id", "indicators"), ("ward_code", "wards")}
        required = {row[1] for row in db.execute("PRAGMA table_info(uploads)") if row[3]}
        assert required == {"status", "kind"}


def test_a_range_target_gets_its_rag_by_the_rule(own_build):
    # seed 001 line 471: 0.87 against the range 0.9-1.1 is 3.3% below its lower bound: Amber by the rule
    # (the report prints HR).
    with store.opened(own_build) as db:
        row = db.execute("SELECT rag_reported, rag_computed FROM observations WHERE indicator_id = "
                         "'adult-social-care-equality-of-service' AND period = '2019/20 Q2'").fetchone()
    assert tuple(row) == ("HR", "A")


def test_a_missing_csv_file_leaves_the_others_loaded(tmp_path):
    data = copy_data(tmp_path)
    (data / "theme_links.csv").unlink()
    tables = dataset.load_tables(data)
    assert tables["theme_links"] == []
    assert len(tables["budget_lines"]) > 0 and len(tables["places"]) > 0


def test_the_build_runs_only_the_modules_the_mutation_run_builds_again_for(tmp_path):
    """tests/helpers.BUILT_BY: a mutant outside these modules reuses one database built without it."""
    mutated = {Path(name).stem for name in tomllib.loads((ROOT / "pyproject.toml").read_text())
               ["tool"]["mutmut"]["only_mutate"]}
    ran = set()

    def note(frame, event, arg):
        if event == "call" and "harrow_kpi" in frame.f_code.co_filename:
            ran.add(Path(frame.f_code.co_filename).stem)

    sys.setprofile(note)
    try:
        store.build(tmp_path / "kpi.db")
    finally:
        sys.setprofile(None)
    assert ran & mutated == helpers.BUILT_BY


def test_a_row_whose_seed_no_plan_names_cites_the_seed_file_itself():
    plan_titles = {"hap-2020": "Harrow Ambition Plan 2020"}
    seed_plans = {"000_hap.txt": "hap-2020"}
    assert dataset._source({"seed": "000_hap.txt", "section": "Priorities", "line": 12}, plan_titles, seed_plans) == \
        "Harrow Ambition Plan 2020; Priorities; 000_hap.txt line 12"
    assert dataset._source({"seed": "999_other.txt", "section": None, "line": 3}, plan_titles, seed_plans) == \
        "999_other.txt; 999_other.txt line 3"


def test_a_read_only_node_never_builds_its_database(tmp_path, monkeypatch):
    monkeypatch.setenv("HARROW_KPI_READ_ONLY", "1")
    with pytest.raises(store.StoreError, match="read-only node"):
        rebuild.ensure_current(tmp_path / "reader.db")
    assert not (tmp_path / "reader.db").exists()


def bumped(path, times=1) -> None:
    with store.opened(path) as db:
        with db.conn:
            for _ in range(times):
                store.bump_version(db)


def test_the_data_version_follows_commits_from_other_connections(db_file, tmp_path):
    path = tmp_path / "kpi.db"
    helpers.copy_database(db_file, path)
    assert store.data_version(path) == 1  # a fresh build
    bumped(path)
    assert store.data_version(path) == 2  # another connection's commit, seen at once
    assert store.data_version(path) == 2  # reads do not move it
    bumped(path, 3)
    assert store.data_version(path) == 5


def test_a_read_only_nodes_data_version_follows_each_restore_swapped_in(db_file, tmp_path):
    # deploy/follow.py restores the writer's replica beside the reader's file, in rollback-journal
    # mode, and swaps it in with os.replace: the watched file is a new one each time.
    path = tmp_path / "kpi.db"
    for version, bumps in ((1, 0), (3, 2), (7, 6)):
        fresh = tmp_path / ".kpi.db.restoring"
        helpers.copy_database(db_file, fresh)
        bumped(fresh, bumps)
        with sqlite3.connect(fresh) as db:
            db.execute("PRAGMA journal_mode = DELETE")
        db.close()
        fresh.replace(path)
        assert store.data_version(path) == version
    path.unlink()
    assert store.data_version(path) == 0


def test_the_data_version_keeps_a_connection_to_a_few_files_only(db_file, tmp_path):
    paths = []
    for number in range(store.WATCHED_FILES + 3):
        paths.append(tmp_path / f"kpi-{number}.db")
        helpers.copy_database(db_file, paths[-1])
        assert store.data_version(paths[-1]) == 1
    assert len(store._WATCHED) == store.WATCHED_FILES
    assert str(paths[-1]) in store._WATCHED and str(paths[0]) not in store._WATCHED
    bumped(paths[0])
    assert store.data_version(paths[0]) == 2  # let go, then watched afresh


def test_a_file_that_is_not_a_database_has_data_version_0(tmp_path):
    path = tmp_path / "kpi.db"
    path.write_bytes(b"not a database at all, " * 100)
    assert store.data_version(path) == 0
    with sqlite3.connect(path.with_name("empty.db")) as connection:
        connection.execute("CREATE TABLE other (x)")
    assert store.data_version(path.with_name("empty.db")) == 0  # no meta table
