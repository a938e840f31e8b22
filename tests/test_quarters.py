"""A quarter's life: a draft while officers load it, published by an officer, seen by everyone at
once (the data version), and writes that queue and fail in plain words."""

import json
import sqlite3
import threading

import pytest

from harrow_kpi import ingest, quarters, queries, rebuild, store, uploads
from tests.helpers import private_store, run_cli

HEADER = "indicator_id,period,actual,target,rag,status_note,commentary,ward_code\n"
# Three figures of 2019/20 Q3, as an officer loads a quarter a few measures at a time.
THREE = (HEADER
         + "council-tax-collected,2019/20 Q3,84.1%,85%,A,,,\n"
         + "sickness-absence,2019/20 Q3,9.8,9,,,,\n"
         + "book-issues,2019/20 Q3,\"301,200\",300000,LG,,,\n")


@pytest.fixture()
def path(db_file, tmp_path):
    return private_store(db_file, tmp_path)


def load(path, text, user="jsmith", filename="q3.csv"):
    with store.opened(path) as db:
        checked = ingest.check(text.encode(), filename, uploads.context(db))
    assert checked.ok, checked.problems
    return uploads.commit(path, checked, user)


@pytest.mark.parametrize("seeded,measures,published", [
    (114, 114, True),  # every figure from the report: a printed scorecard column
    (57, 114, True),  # half
    (56, 114, False),  # just under half: loaded by officers
    (1, 3, False),
    (1, 1, True),
    (0, 3, False),  # an uploaded quarter
    (0, 0, False),  # no measures at all
])
def test_a_quarter_starts_published_when_half_its_figures_come_from_the_documents(seeded, measures, published):
    assert quarters.from_the_documents(seeded, measures) is published


@pytest.mark.parametrize("seeded,events,needed,expected", [
    (False, [], 1, ("draft", ())),
    (True, [], 1, ("published", ())),
    (False, [("publish", "asingh")], 1, ("published", ("asingh",))),
    # Publishing a published quarter changes nothing and records no approval.
    (True, [("publish", "asingh")], 1, ("published", ())),
    (True, [("unpublish", "asingh")], 1, ("draft", ())),
    (True, [("unpublish", "asingh"), ("publish", "jsmith")], 1, ("published", ("jsmith",))),
    # Two approvals: the same officer twice is one; a second officer publishes; unpublishing clears them.
    (False, [("publish", "asingh"), ("publish", "asingh")], 2, ("draft", ("asingh",))),
    (False, [("publish", "asingh"), ("publish", "jsmith")], 2, ("published", ("asingh", "jsmith"))),
    (False, [("publish", "asingh"), ("unpublish", "jsmith"), ("publish", "jsmith")], 2, ("draft", ("jsmith",))),
])
def test_a_quarters_state_follows_the_audit_log(seeded, events, needed, expected):
    assert quarters.state(seeded, events, needed) == expected


def test_one_approval_publishes_unless_told_otherwise():
    assert quarters.state(False, [("publish", "asingh")]) == ("published", ("asingh",))


def latest(path, drafts=False):
    with store.opened(path) as db:
        return queries.latest_quarter(db, drafts=drafts)


def state(path, period):
    with store.opened(path) as db:
        return queries.quarter_states(db)[period]


def audit(path) -> list[tuple]:
    with store.opened(path) as db:
        return db.execute("SELECT kind, period, user, status FROM uploads ORDER BY upload_id").fetchall()


def table_rows(path, table) -> list[tuple]:
    with store.opened(path) as db:
        return [tuple(row) for row in db.execute(f"SELECT * FROM {table} ORDER BY 1")]


def test_the_quarters_of_the_published_documents_start_published(path):
    with store.opened(path) as db:
        states = queries.quarter_states(db)
    assert {period: q.state for period, q in states.items()} == {
        "2018/19 Q2": "published", "2019/20 Q1": "published", "2019/20 Q2": "published"}
    assert states["2019/20 Q2"].label == ""


def test_a_three_figure_draft_leaves_readers_on_q2_until_published_and_unpublishing_moves_them_back(path):
    load(path, THREE)
    assert latest(path) == "2019/20 Q2"
    assert latest(path, drafts=True) == "2019/20 Q3"
    # 114 measures on the Corporate Scorecard 2019/20; three of them reported for Q3.
    assert state(path, "2019/20 Q3").label == "Draft: 3 of 114 measures reported"
    with store.opened(path) as db:
        assert queries.draft_quarters(db) == ("2019/20 Q3",)
        exported = queries.export_observations(db)
    assert set(exported[exported["period"] == "2019/20 Q3"]["quarter_state"]) == {"draft"}
    assert set(exported[exported["period"] == "2019/20 Q2"]["quarter_state"]) == {"published"}

    published = uploads.publish(path, "2019/20 Q3", "asingh")
    assert published.published and published.approvals == ("asingh",)
    assert latest(path) == "2019/20 Q3"

    uploads.unpublish(path, "2019/20 Q3", "jsmith")
    assert latest(path) == "2019/20 Q2"
    assert audit(path) == [("quarter", None, "jsmith", "accepted"), ("publish", "2019/20 Q3", "asingh", "accepted"),
                           ("unpublish", "2019/20 Q3", "jsmith", "accepted")]


def test_a_draft_is_left_out_of_readers_histories_and_ward_figures(path):
    load(path, THREE + "book-issues,2019/20 Q3,120,,,,,E05000285\n")
    with store.opened(path) as db:
        hidden = queries.draft_quarters(db)
        reader = queries.history(db, "book-issues", hidden)
        officer = queries.history(db, "book-issues")
        reader_wards = queries.ward_observations(db, hidden)
        officer_wards = queries.ward_observations(db)
    assert "2019/20 Q3" in set(officer["period"]) and "2019/20 Q3" not in set(reader["period"])
    assert len(officer) == len(reader) + 1
    assert "2019/20 Q3" in set(officer_wards["period"]) and "2019/20 Q3" not in set(reader_wards["period"])


def test_with_two_approvals_needed_a_second_different_officer_publishes(path, monkeypatch):
    monkeypatch.setenv("HARROW_KPI_PUBLISH_APPROVALS", "2")
    load(path, THREE)
    first = uploads.publish(path, "2019/20 Q3", "asingh")
    assert not first.published
    assert first.label == "Draft: 3 of 114 measures reported; approved by 1 of 2 officers"
    with pytest.raises(quarters.PublishError, match="asingh has already approved 2019/20 Q3; a second officer"):
        uploads.publish(path, "2019/20 Q3", "asingh")
    with store.opened(path) as db:
        assert queries.latest_quarter(db) == "2019/20 Q2"
    second = uploads.publish(path, "2019/20 Q3", "jsmith")
    assert second.published and second.approvals == ("asingh", "jsmith")


def test_the_number_of_approvals_can_be_given_to_publish_and_unpublish(path):
    load(path, THREE)
    first = uploads.publish(path, "2019/20 Q3", "asingh", needed=2)
    assert (first.published, first.needed, first.approvals) == (False, 2, ("asingh",))
    assert uploads.publish(path, "2019/20 Q3", "jsmith", needed=2).published
    again = uploads.unpublish(path, "2019/20 Q3", "jsmith", needed=2)
    assert (again.published, again.needed, again.approvals) == (False, 2, ())
    assert again.label == "Draft: 3 of 114 measures reported"


def test_the_approvals_setting_is_one_or_two(monkeypatch):
    assert quarters.approvals_needed() == 1
    monkeypatch.setenv("HARROW_KPI_PUBLISH_APPROVALS", "2")
    assert quarters.approvals_needed() == 2
    for bad in ("0", "3", "two", ""):
        with pytest.raises(quarters.PublishError, match="must be 1 or 2"):
            quarters.approvals_needed(bad)


def test_publishing_refuses_what_it_cannot_do_and_changes_nothing(path):
    before = table_rows(path, "uploads")
    with pytest.raises(quarters.PublishError, match="2019/20 Q4 has no scorecard figures to publish"):
        uploads.publish(path, "2019/20 Q4", "asingh")
    with pytest.raises(quarters.PublishError, match="2019/20 Q2 is already published"):
        uploads.publish(path, "2019/20 Q2", "asingh")
    load(path, THREE)
    with pytest.raises(quarters.PublishError, match="2019/20 Q3 is a draft already"):
        uploads.unpublish(path, "2019/20 Q3", "asingh")
    assert len(table_rows(path, "uploads")) == len(before) + 1  # the upload only


def test_a_published_document_quarter_can_be_unpublished_and_the_unpublish_rolled_back(path):
    uploads.unpublish(path, "2019/20 Q2", "asingh")
    assert latest(path) == "2019/20 Q1"
    entry = audit(path).index(("unpublish", "2019/20 Q2", "asingh", "accepted")) + 1
    assert uploads.rollback(path, entry, "jsmith") == 0
    assert latest(path) == "2019/20 Q2"


def test_rolling_back_a_publish_makes_the_quarter_a_draft_again(path):
    load(path, THREE)
    uploads.publish(path, "2019/20 Q3", "asingh")
    uploads.rollback(path, 2, "jsmith")
    assert latest(path) == "2019/20 Q2"
    assert audit(path)[1] == ("publish", "2019/20 Q3", "asingh", "rolled back")


def test_a_rebuild_keeps_the_quarter_states_and_the_audit_log(path):
    load(path, THREE)
    uploads.publish(path, "2019/20 Q3", "asingh")
    uploads.unpublish(path, "2019/20 Q2", "asingh")
    log = table_rows(path, "uploads")
    rebuild.rebuild(path)
    assert table_rows(path, "uploads") == log
    assert state(path, "2019/20 Q3").published and not state(path, "2019/20 Q2").published


def test_every_write_moves_the_data_version_on_and_reads_do_not(path):
    versions = [store.data_version(path)]

    def moved():
        versions.append(store.data_version(path))
        return versions[-1] - versions[-2]

    checked_upload_id, _ = load(path, THREE)
    assert moved() == 1
    uploads.publish(path, "2019/20 Q3", "asingh")
    assert moved() == 1
    uploads.unpublish(path, "2019/20 Q3", "asingh")
    assert moved() == 1
    uploads.rollback(path, checked_upload_id, "asingh")
    assert moved() == 1
    rebuild.rebuild(path)
    assert moved() == 1
    with store.opened(path) as db:
        queries.scorecard(db, "2019/20 Q2")
        uploads.list_uploads(db)
    assert moved() == 0
    with store.opened(path) as db:
        bad = ingest.check(b"indicator_id,period,actual\nnope,2019/20 Q3,5\n", "bad.csv", uploads.context(db))
    uploads.reject(path, bad, "asingh")
    assert moved() == 1  # the audit log changed
    store.save_boundaries(path, {}, "none.geojson", "0" * 64, "asingh")
    assert moved() == 1
    with pytest.raises(quarters.PublishError):
        uploads.publish(path, "2019/20 Q2", "asingh")
    assert moved() == 0  # a refused write is no write


def test_the_same_file_twice_then_the_first_rolled_back_stays_rolled_back_after_a_rebuild(path):
    before = table_rows(path, "observations")
    first, _ = load(path, THREE)
    second, counts = load(path, THREE)
    assert counts == {"added": 0, "changed": 0, "unchanged": 3}
    uploads.rollback(path, first, "jsmith")
    assert table_rows(path, "observations") == before
    rebuild.rebuild(path)
    assert table_rows(path, "observations") == before
    with store.opened(path) as db:
        assert queries.latest_quarter(db, drafts=True) == "2019/20 Q2"


def test_a_rebuild_keeps_every_history_row(path):
    documents = table_rows(path, "observations")
    load(path, THREE)
    load(path, HEADER + "sickness-absence,2019/20 Q3,9.1,9,,,,\n" + "book-issues,2019/20 Q2,1,,,,,\n")
    history = [row[:5] for row in table_rows(path, "observation_history")]
    assert len(history) == 5
    rebuild.rebuild(path)
    assert [row[:5] for row in table_rows(path, "observation_history")] == history
    with store.opened(path) as db:
        q2 = queries.scorecard(db, "2019/20 Q2").set_index("indicator_id")
    assert q2.loc["book-issues", "actual"] == 1
    # ...and what they restore is still exact: roll both back, and the figures are the documents' again.
    uploads.rollback(path, 2, "jsmith")
    uploads.rollback(path, 1, "jsmith")
    assert table_rows(path, "observations") == documents
    with store.opened(path) as db:
        q2 = queries.scorecard(db, "2019/20 Q2").set_index("indicator_id")
    assert q2.loc["book-issues", "actual"] == 219200  # seed 001, line 135: 219,200 book issues in Q2


def test_the_rollback_check_names_every_later_upload_in_the_way(path):
    load(path, THREE)
    load(path, HEADER + "sickness-absence,2019/20 Q3,9.1,9,,,,\n")
    load(path, HEADER + "book-issues,2019/20 Q3,5,,,,,\n")
    load(path, HEADER + "council-homes-started,2019/20 Q3,30,,,,,\n")
    with pytest.raises(uploads.RollbackError, match=r"later upload\(s\) 2, 3 changed the same figures"):
        uploads.rollback(path, 1, "jsmith")


def hold_the_write_lock(path, seconds):
    """Another writer: a connection that holds SQLite's write lock for ``seconds`` or until released."""
    holding, release = threading.Event(), threading.Event()

    def hold():
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        holding.set()
        release.wait(seconds)
        other.execute("ROLLBACK")
        other.close()

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait()
    thread.release = release.set
    return thread


def test_a_second_writer_waits_its_turn_and_says_so(path):
    with store.opened(path) as db:
        checked = ingest.check(THREE.encode(), "q3.csv", uploads.context(db))
    told = []
    other = hold_the_write_lock(path, 0.5)
    upload_id, counts = uploads.commit(path, checked, "jsmith", on_wait=told.append)
    other.join()
    assert told == ["Another upload is being committed; yours will start when it finishes."]
    assert counts["added"] == 3 and upload_id == 1


def test_a_writer_kept_waiting_too_long_is_refused_plainly_and_changes_nothing(path, monkeypatch):
    monkeypatch.setattr(store, "WRITE_WAIT", 0.3)
    before = table_rows(path, "observations"), store.data_version(path)
    with store.opened(path) as db:
        checked = ingest.check(THREE.encode(), "q3.csv", uploads.context(db))
    other = hold_the_write_lock(path, 30)
    with pytest.raises(store.Busy, match="stayed busy with another write for 0 s; nothing was changed"):
        uploads.commit(path, checked, "jsmith")
    with pytest.raises(store.Busy):
        rebuild.rebuild(path)
    other.release()
    other.join()
    assert (table_rows(path, "observations"), store.data_version(path)) == before


def test_two_large_uploads_at_once_both_end_plainly(path):
    with store.opened(path) as db:
        context = uploads.context(db)
        measures = [row[0] for row in db.execute("SELECT indicator_id FROM indicators WHERE on_scorecard LIMIT 40")]
        wards = [row[0] for row in db.execute("SELECT ward_code FROM wards WHERE valid_to IS NULL OR valid_to > "
                                              "'2019-04-01' ORDER BY ward_code")]
    files = []
    for quarter in ("2019/20 Q3", "2019/20 Q4"):
        lines = [f"{m},{quarter},{n % 90 + 1},,,,,{w}"
                 for n, (m, w) in enumerate((m, w) for m in measures for w in wards)]
        files.append(ingest.check((HEADER + "\n".join(lines)).encode(), f"{quarter}.csv", context))
    assert all(f.ok for f in files) and len(files[0].rows) == 40 * 21
    outcomes = []

    def commit(checked):
        try:
            outcomes.append(uploads.commit(path, checked, "jsmith")[1]["added"])
        except store.StoreError as error:
            outcomes.append(str(error))

    threads = [threading.Thread(target=commit, args=(f,)) for f in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == [len(files[0].rows)] * 2


def shrink_disk(monkeypatch):
    """A database that cannot grow, as on a full disk: SQLite's own 'database or disk is full'."""
    connect = store.connect

    def full(path=None):
        db = connect(path)
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")
        return db

    monkeypatch.setattr(store, "connect", full)


def read_only(monkeypatch):
    connect = store.connect

    def opened_read_only(path=None):
        db = connect(path)
        db.execute("PRAGMA query_only = ON")
        return db

    monkeypatch.setattr(store, "connect", opened_read_only)


def test_a_full_disk_gives_one_plain_line_and_changes_nothing(path, monkeypatch):
    before = table_rows(path, "observations"), table_rows(path, "uploads")
    # Three figures with the longest commentary allowed: more than the database's free space.
    long = HEADER + "".join(f"{m},2019/20 Q3,5,,,,{letter * 2000},\n"
                            for m, letter in (("book-issues", "a"), ("sickness-absence", "b"),
                                              ("council-homes-started", "c")))
    with store.opened(path) as db:
        checked = ingest.check(long.encode(), "q3.csv", uploads.context(db))
    assert checked.ok
    shrink_disk(monkeypatch)
    with pytest.raises(store.StoreError, match="The disk holding the database is full or failing; nothing"):
        uploads.commit(path, checked, "jsmith")
    monkeypatch.undo()
    assert (table_rows(path, "observations"), table_rows(path, "uploads")) == before


def test_a_read_only_database_gives_one_plain_line_and_changes_nothing(path, monkeypatch):
    before = table_rows(path, "uploads")
    read_only(monkeypatch)
    with pytest.raises(store.StoreError, match="The database is read-only here; nothing was changed"):
        uploads.unpublish(path, "2019/20 Q2", "asingh")
    ran = run_cli("publish", "2019/20 Q2", db=path)
    monkeypatch.undo()
    assert table_rows(path, "uploads") == before
    assert ran.returncode == 1 and ran.stderr.strip().startswith("The database is read-only here")


def test_the_command_line_publishes_and_unpublishes(path):
    load(path, THREE)
    ran = run_cli("publish", "2019/20 Q3", "--user", "asingh", db=path)
    assert ran.returncode == 0 and ran.stdout == "2019/20 Q3 is now published.\n"
    ran = run_cli("unpublish", "2019/20 Q3", "--user", "asingh", db=path)
    assert ran.returncode == 0
    assert ran.stdout == "2019/20 Q3 is now a draft (Draft: 3 of 114 measures reported).\n"
    ran = run_cli("unpublish", "2019/20 Q3", db=path)
    assert (ran.returncode, ran.stderr) == (1, "2019/20 Q3 is a draft already\n")
    ran = run_cli("publish", "2019/20 Q9", db=path)
    assert ran.returncode == 1 and "2019/20 Q9" in ran.stderr and "Traceback" not in ran.stderr
    assert [row[0] for row in audit(path)] == ["quarter", "publish", "unpublish"]


def test_out_of_range_ids_are_refused_in_one_line(path):
    ran = run_cli("rollback", str(2**70), db=path)
    assert ran.returncode == 2 and "Invalid value" in ran.stderr and "Traceback" not in ran.stderr
    ran = run_cli("rollback", "999", db=path)
    assert ran.returncode == 1
    assert ran.stderr == "upload 999 is not an accepted upload that can be rolled back\n"


def test_an_old_audit_log_gains_the_new_columns(path):
    """A database made before quarters had states: its uploads are quarter uploads."""
    with store.opened(path) as db:
        db["uploads"].drop()
        db.execute("CREATE TABLE uploads (upload_id INTEGER PRIMARY KEY, filename TEXT, sha256 TEXT, user TEXT, "
                   "at TEXT, status TEXT NOT NULL, added INTEGER DEFAULT 0, changed INTEGER DEFAULT 0, "
                   "unchanged INTEGER DEFAULT 0, rows_json TEXT, errors TEXT, rolled_back_at TEXT, "
                   "rolled_back_by TEXT)")
        db.execute("INSERT INTO uploads (filename, user, at, status, rows_json) VALUES "
                   "('old.csv', 'jsmith', '2020-01-10T10:00:00+00:00', 'accepted', ?)", (json.dumps([]),))
        db.conn.commit()
        store.ensure_app_tables(db)
        assert db.execute("SELECT kind, period FROM uploads").fetchall() == [("quarter", None)]


def test_readers_see_published_quarters_unless_they_ask_for_drafts(path):
    load(path, THREE)
    with store.opened(path) as db:
        assert queries.reported_quarters(db) == ["2018/19 Q2", "2019/20 Q1", "2019/20 Q2"]
        assert queries.reported_quarters(db, drafts=True)[-1] == "2019/20 Q3"


def test_approvals_asked_for_in_the_call_override_the_setting(path):
    load(path, THREE)
    assert not uploads.publish(path, "2019/20 Q3", "asingh", needed=2).published
    assert uploads.publish(path, "2019/20 Q3", "jsmith", needed=2).published
    assert uploads.unpublish(path, "2019/20 Q3", "jsmith", needed=2).label.startswith("Draft")


@pytest.mark.parametrize("action", ["publish", "unpublish"])
def test_publishing_waits_for_another_writer_and_says_so(path, action):
    load(path, THREE)
    if action == "unpublish":
        uploads.publish(path, "2019/20 Q3", "asingh")
    told = []
    other = hold_the_write_lock(path, 0.5)
    getattr(uploads, action)(path, "2019/20 Q3", "jsmith", on_wait=told.append)
    other.join()
    assert len(told) == 1


def test_a_rollback_waits_for_another_writer_and_says_so(path):
    upload_id, _ = load(path, THREE)
    told = []
    other = hold_the_write_lock(path, 0.5)
    uploads.rollback(path, upload_id, "asingh", on_wait=told.append)
    other.join()
    assert len(told) == 1
