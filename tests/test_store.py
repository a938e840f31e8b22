import threading

import pytest

from harrow_kpi import dataset, queries, rebuild, store
from harrow_kpi.schema import BUILD_ORDER, TABLES
from tests.helpers import copy_data

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
