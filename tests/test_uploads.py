"""Officers' quarter uploads: every rejection changes nothing; accepted uploads are audited
and can be rolled back exactly."""

import io
import json
import re
import threading

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harrow_kpi import ingest, queries, rebuild, store, uploads
from tests.helpers import copy_data, private_store

HEADER = "indicator_id,period,actual,target,rag,status_note,commentary,ward_code\n"
GOOD = (HEADER
        + "council-tax-collected,2019/20 Q3,84.1%,85%,A,,Collection recovering.,\n"
        + "sickness-absence,2019/20 Q3,9.8,9,,,,\n"
        + "book-issues,2019/20 Q3,\"301,200\",300000,LG,,,\n")


@pytest.fixture()
def path(db_file, tmp_path):
    return private_store(db_file, tmp_path)


def observations_dump(path) -> list:
    with store.opened(path) as db:
        return [tuple(row) for row in db.execute("SELECT * FROM observations ORDER BY observation_id")]


def check(path, text, filename="q3.csv", encoding="utf-8"):
    with store.opened(path) as db:
        context = uploads.context(db)
    data = text if isinstance(text, bytes) else text.encode(encoding)
    return ingest.check(data, filename, context)


REJECTIONS = [
    ("indicator_id,actual\ncouncil-tax-collected,5\n", "missing required column period"),
    (HEADER + "no-such-measure,2019/20 Q3,5,,,,,\n", "row 2, column indicator_id: 'no-such-measure' is not a known"),
    (HEADER + "book-issues,2019-20 Q3,5,,,,,\n", "row 2, column period: '2019-20 Q3' is not a period"),
    (HEADER + "book-issues,2031/32 Q1,5,,,,,\n", "row 2, column period: '2031/32 Q1' is outside the years covered"),
    (HEADER + "book-issues,0000/01 Q1,5,,,,,\n", "row 2, column period: '0000/01 Q1' is outside the years covered"),
    (HEADER + "book-issues,9999/00 Q4,5,,,,,\n", "row 2, column period: '9999/00 Q4' is outside the years covered"),
    (HEADER + "book-issues,0001/02 Q1,5,,,,,\n", "row 2, column period: '0001/02 Q1' is outside the years covered"),
    (HEADER + "book-issues,2019/20 Q3,lots,,,,,\n", "row 2, column actual: 'lots' is not a number"),
    (HEADER + "book-issues,2019/20 Q3,5%,,,,,\n", "row 2, column actual: '5%' has a % sign, but this measure"),
    (HEADER + "book-issues,2019/20 Q3,£1.1m,,,,,\n", "row 2, column actual: '£1.1m' is money"),
    (HEADER + "council-tax-collected,2019/20 Q3,156%,,,,,\n", "row 2, column actual: '156%' is a percentage outside"),
    (HEADER + "adult-social-care-equality-of-service,2019/20 Q3,0.95,1.1-0.9,,,,\n",
     "row 2, column target: '1.1-0.9' is not a range low-high"),
    (HEADER + "book-issues,2019/20 Q3,5,,GREEN,,,\n", "row 2, column rag: 'GREEN' is not a RAG band"),
    (HEADER + "book-issues,2019/20 Q3,5,,,,,E05099999\n", "row 2, column ward_code: 'E05099999' is not a Harrow"),
    (HEADER + "book-issues,2023/24 Q1,5,,,,,E05000304\n",
     "row 2, column ward_code: 'E05000304' is not a Harrow ward in 2023/24 Q1"),
    (HEADER + "book-issues,2019/20 Q3,5,,,,,\nbook-issues,2019/20 Q3,6,,,,,\n", "row 3, column indicator_id"),
    (HEADER + "book-issues,2019/20 Q3,,,,,Good quarter.,\n", "row 2, column actual: is required unless status_note"),
    (HEADER + "book-issues,2019/20 Q3,5,,,,=HYPERLINK(\"http://x\"),\n",
     "row 2, column commentary: '=HYPERLINK(\"http://x\")' starts like a spreadsheet formula"),
    (HEADER + "book-issues,2019/20 Q3,5,,,@SUM(A1),,\n", "row 2, column status_note: '@SUM(A1)' starts like"),
    ("", "the file is empty"),
    (HEADER, "the file has no figures"),
    ("indicator_id;period;actual\nbook-issues;2019/20 Q3;5\n", "separated by semicolons"),
    (b"\x81\x8d\x8f\x90\x9d", "neither UTF-8 nor Windows-1252"),
]


@pytest.mark.parametrize("text,message", REJECTIONS)
def test_each_rejection_names_the_problem_and_changes_nothing(path, text, message):
    before = observations_dump(path)
    checked = check(path, text)
    assert not checked.ok
    assert any(message in str(problem) for problem in checked.problems), [str(p) for p in checked.problems]
    with pytest.raises(ValueError):
        uploads.commit(path, checked, "officer")
    uploads.reject(path, checked, "officer")
    assert observations_dump(path) == before
    with store.opened(path) as db:
        assert uploads.list_uploads(db).iloc[0]["status"] == "rejected"


def test_every_problem_is_reported_at_once(path):
    text = HEADER + "nope,2019/20 Q3,5,,,,,\nbook-issues,2019/20 Q9,x,,ZZ,,,\n"
    problems = [str(p) for p in check(path, text).problems]
    assert len(problems) == 4
    assert [p.split(":")[0] for p in problems] == [
        "row 2, column indicator_id", "row 3, column period", "row 3, column actual", "row 3, column rag"]


def test_a_huge_file_is_refused(path):
    with store.opened(path) as db:
        context = uploads.context(db)
    checked = ingest.check(b"x" * 2000, "big.csv", context, max_bytes=1000)
    assert "the limit is" in str(checked.problems[0])


@pytest.mark.parametrize("encoding,prefix", [("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""), ("utf-8", b"")])
def test_excel_encodings_are_accepted(path, encoding, prefix):
    text = HEADER + "book-issues,2019/20 Q3,5,,,,Café reopened – visits up,\n"
    checked = check(path, prefix + text.encode(encoding))
    assert checked.ok, [str(p) for p in checked.problems]
    assert checked.rows[0]["commentary"] == "Café reopened – visits up"


def test_blank_template_rows_are_skipped(path):
    with store.opened(path) as db:
        template = uploads.template(db, "2019/20 Q3")
    template.loc[template["indicator_id"] == "book-issues", "actual"] = "301,200"
    checked = check(path, template.to_csv(index=False))
    assert checked.ok and [r["indicator_id"] for r in checked.rows] == ["book-issues"]


def test_xlsx_uploads_are_read(path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["indicator_id", "period", "actual", "target"])
    sheet.append(["council-tax-collected", "2019/20 Q3", "84.1%", 85])
    sheet.append(["book-issues", "2019/20 Q3", 301200, 300000])
    buffer = io.BytesIO()
    book.save(buffer)
    checked = check(path, buffer.getvalue(), filename="q3.xlsx")
    assert checked.ok, [str(p) for p in checked.problems]
    assert [r["actual"] for r in checked.rows] == [84.1, 301200.0]


def test_the_accepted_path_adds_values_rag_audit_and_history(path):
    checked = check(path, GOOD)
    assert checked.ok
    with store.opened(path) as db:
        preview = uploads.preview(db, checked.rows)
    assert list(preview["outcome"]) == ["new", "new", "new"]
    assert list(preview["rag_computed"]) == ["A", "LR", "LG"]
    upload_id, counts = uploads.commit(path, checked, "jsmith")
    assert counts == {"added": 3, "changed": 0, "unchanged": 0}
    with store.opened(path) as db:
        rows = queries.observations(db)
        new = rows[rows["period"] == "2019/20 Q3"].set_index("indicator_id")
        audit = uploads.list_uploads(db).iloc[0]
        history = list(db.query("SELECT * FROM observation_history WHERE upload_id = ?", (upload_id,)))
        # A loaded quarter is a draft: readers keep 2019/20 Q2 until an officer publishes it.
        assert queries.latest_quarter(db) == "2019/20 Q2"
        assert queries.latest_quarter(db, drafts=True) == "2019/20 Q3"
    assert new.loc["council-tax-collected", "actual"] == 84.1
    assert new.loc["sickness-absence", "rag_computed"] == "LR"
    assert "Quarter upload #1: q3.csv, row 3, by jsmith" in new.loc["sickness-absence", "source"]
    assert (audit["user"], audit["filename"], audit["status"], audit["added"]) == ("jsmith", "q3.csv", "accepted", 3)
    assert len(audit["sha256"]) == 64
    assert {h["action"] for h in history} == {"insert"}


def test_a_changed_figure_keeps_its_previous_value_in_history(path):
    text = HEADER + "sickness-absence,2019/20 Q2,10.0,9,,,,\n"
    checked = check(path, text)
    with store.opened(path) as db:
        preview = uploads.preview(db, checked.rows)
    assert preview.iloc[0]["outcome"] == "changed" and "actual: 10.15 → 10" in preview.iloc[0]["changes"]
    upload_id, counts = uploads.commit(path, checked, "jsmith")
    assert counts["changed"] == 1
    with store.opened(path) as db:
        entry = next(db.query("SELECT * FROM observation_history WHERE upload_id = ?", (upload_id,)))
    assert entry["action"] == "update" and '"actual": 10.15' in entry["previous_json"]


def test_roll_back_restores_the_store_exactly(path):
    before = observations_dump(path)
    upload_id, _ = uploads.commit(path, check(path, GOOD + "sickness-absence,2019/20 Q2,10.0,9,,,,\n"), "jsmith")
    assert observations_dump(path) != before
    assert uploads.rollback(path, upload_id, "jsmith") == 4
    assert observations_dump(path) == before
    with store.opened(path) as db:
        assert uploads.list_uploads(db).iloc[0]["status"] == "rolled back"
    with pytest.raises(uploads.RollbackError):
        uploads.rollback(path, upload_id, "jsmith")


def test_an_earlier_upload_cannot_be_rolled_back_under_a_later_one(path):
    first, _ = uploads.commit(path, check(path, HEADER + "book-issues,2019/20 Q3,5,,,,,\n"), "a")
    uploads.commit(path, check(path, HEADER + "book-issues,2019/20 Q3,6,,,,,\n"), "b")
    with pytest.raises(uploads.RollbackError, match="roll those back first"):
        uploads.rollback(path, first, "a")


def test_a_rebuild_from_csv_replays_accepted_uploads(path):
    upload_id, _ = uploads.commit(path, check(path, GOOD), "jsmith")
    rebuild.rebuild(path)
    with store.opened(path) as db:
        rows = queries.observations(db)
        assert (rows["upload_id"] == upload_id).sum() == 3
    assert uploads.rollback(path, upload_id, "jsmith") == 3


def test_two_uploads_at_once_both_land_consistently(path):
    files = [HEADER + "book-issues,2019/20 Q3,5,,,,,\n", HEADER + "museum-visits,2019/20 Q3,7,,,,,\n"]
    checked = [check(path, text) for text in files]
    errors = []

    def commit(item):
        try:
            uploads.commit(path, item, "officer")
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=commit, args=(item,)) for item in checked]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with store.opened(path) as db:
        landed = set(queries.observations(db).query("upload_id.notna()")["indicator_id"])
        audit = uploads.list_uploads(db)
        history = db.execute("SELECT count(*) FROM observation_history").fetchone()[0]
    assert landed == {"book-issues", "museum-visits"}
    assert list(audit["status"]) == ["accepted", "accepted"] and history == 2


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_random_bytes_never_crash_the_checks(path, data):
    checked = check(path, data)
    assert checked.ok is (not checked.problems)


CELL = st.one_of(st.sampled_from(["book-issues", "council-tax-collected", "2019/20 Q3", "2019/20", "5", "5%",
                                  "1,080", "£2m", "HG", "x", "", "E05000304", "=1+1", "0.9-1.1"]),
                 st.text(max_size=8))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL, min_size=8, max_size=8), max_size=6))
def test_random_csvs_never_crash_and_never_change_the_store_unless_valid(path, rows):
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER.strip().split(","))
    writer.writerows(rows)
    before = observations_dump(path)
    checked = check(path, buffer.getvalue())
    if checked.ok:
        upload_id, _ = uploads.commit(path, checked, "fuzz")
        uploads.rollback(path, upload_id, "fuzz")
    else:
        uploads.reject(path, checked, "fuzz")
    assert observations_dump(path) == before


AT = "2020-01-15T09:30:00+00:00"
LATER = "2020-01-16T14:00:00+00:00"


@pytest.fixture()
def clock(monkeypatch):
    """Uploads stamped at a known time."""
    monkeypatch.setattr(uploads, "_now", lambda: AT)
    return monkeypatch


def store_dump(path) -> list[str]:
    with store.opened(path) as db:
        return list(db.conn.iterdump())


def test_a_preview_says_what_each_row_will_do(path):
    text = (HEADER
            + "sickness-absence,2019/20 Q3,9.8,9,,,,\n"
            # seed 001 line 112: no survey in Q1 2019/20; now a survey result arrives
            + "residents-influence-local-decisions,2019/20 Q1,23%,22%,,,,\n"
            # seed 001 line 117: 57.0% target, 56.2% collected, A - exactly as already held
            + "council-tax-collected,2018/19 Q2,56.2%,57.0%,A,,,\n"
            + "adult-social-care-equality-of-service,2019/20 Q3,0.95,0.9-1.1,HR,,,\n"
            + "book-issues,2019/20 Q2,5,,LG,,,E05000285\n"
            + "properties-recovered-tenancy-fraud,2019/20 Q3,,,,Reports Q4 Only,,\n")
    with store.opened(path) as db:
        preview = uploads.preview(db, check(path, text).rows)
    assert preview.to_dict("records") == [
        {"row": 2, "outcome": "new", "indicator_id": "sickness-absence", "period": "2019/20 Q3", "ward_code": "",
         "target": "9", "actual": "9.8", "rag_reported": "", "rag_computed": "LR", "rag_differs": False,
         "changes": ""},
        {"row": 3, "outcome": "changed", "indicator_id": "residents-influence-local-decisions",
         "period": "2019/20 Q1", "ward_code": "", "target": "22", "actual": "23", "rag_reported": "",
         "rag_computed": "LG", "rag_differs": False,
         "changes": "target:  → 22; actual:  → 23; status_note: No survey this quarter → "},
        {"row": 4, "outcome": "unchanged", "indicator_id": "council-tax-collected", "period": "2018/19 Q2",
         "ward_code": "", "target": "57", "actual": "56.2", "rag_reported": "A", "rag_computed": "A",
         "rag_differs": False, "changes": ""},
        {"row": 5, "outcome": "new", "indicator_id": "adult-social-care-equality-of-service", "period": "2019/20 Q3",
         "ward_code": "", "target": "0.9-1.1", "actual": "0.95", "rag_reported": "HR", "rag_computed": "LG",
         "rag_differs": True, "changes": ""},
        {"row": 6, "outcome": "new", "indicator_id": "book-issues", "period": "2019/20 Q2", "ward_code": "E05000285",
         "target": "", "actual": "5", "rag_reported": "LG", "rag_computed": "", "rag_differs": False,
         "changes": ""},
        {"row": 7, "outcome": "new", "indicator_id": "properties-recovered-tenancy-fraud", "period": "2019/20 Q3",
         "ward_code": "", "target": "", "actual": "", "rag_reported": "", "rag_computed": "", "rag_differs": False,
         "changes": ""},
    ]


def test_a_preview_of_a_measure_the_store_does_not_know_has_no_computed_rag(db):
    row = {"indicator_id": "retired-measure", "period": "2019/20 Q3", "actual": 5.0, "target": 4.0, "row": 2}
    preview = uploads.preview(db, [row])
    assert preview.iloc[0]["outcome"] == "new" and preview.iloc[0]["rag_computed"] == ""


def test_an_empty_preview_still_has_its_columns(db):
    assert list(uploads.preview(db, []).columns) == [
        "row", "outcome", "indicator_id", "period", "ward_code", "target", "actual", "rag_reported", "rag_computed",
        "rag_differs", "changes"]


def test_the_same_file_uploaded_twice_changes_nothing_the_second_time(path, clock):
    first, counts = uploads.commit(path, check(path, GOOD), "jsmith")
    assert counts == {"added": 3, "changed": 0, "unchanged": 0}
    after_first = observations_dump(path)
    checked = check(path, GOOD)
    with store.opened(path) as db:
        assert list(uploads.preview(db, checked.rows)["outcome"]) == ["unchanged", "unchanged", "unchanged"]
    second, counts = uploads.commit(path, checked, "jsmith")
    assert (second, counts) == (first + 1, {"added": 0, "changed": 0, "unchanged": 3})
    assert observations_dump(path) == after_first
    with store.opened(path) as db:
        audit = uploads.list_uploads(db)
        history = db.execute("SELECT count(*) FROM observation_history WHERE upload_id = ?", (second,)).fetchone()
    assert audit[["upload_id", "added", "changed", "unchanged"]].values.tolist() == [[2, 0, 0, 3], [1, 3, 0, 0]]
    assert history[0] == 0
    assert uploads.rollback(path, second, "jsmith") == 0
    assert observations_dump(path) == after_first


def test_a_figure_printed_differently_is_a_change(path):
    # seed 001 line 117: 57.0% and 56.2% in Q2 2018/19; the same numbers written as 57.00% and 56.20%
    # seed 001 line 467: 9 days and 10.42 in Q2 2018/19, written as 9.0 and 10.420
    checked = check(path, HEADER + "council-tax-collected,2018/19 Q2,56.20%,57.00%,A,,,\n"
                    + "sickness-absence,2018/19 Q2,10.420,9.0,HR,,,\n")
    with store.opened(path) as db:
        preview = uploads.preview(db, checked.rows)
    assert list(preview["outcome"]) == ["changed", "changed"]  # the preview says what the commit will do
    assert preview.iloc[0]["changes"] == "target as printed: 57.0% → 57.00%; actual as printed: 56.2% → 56.20%"
    _, counts = uploads.commit(path, checked, "jsmith")
    assert counts == {"added": 0, "changed": 2, "unchanged": 0}


def test_an_uploaded_figure_is_stored_with_its_period_rag_and_source(path, clock):
    upload_id, _ = uploads.commit(path, check(path, GOOD), "jsmith")
    with store.opened(path) as db:
        row = next(db.query("SELECT * FROM observations WHERE indicator_id = 'sickness-absence' "
                            "AND period = '2019/20 Q3'"))
    assert {k: v for k, v in row.items() if k != "observation_id"} == {
        "indicator_id": "sickness-absence", "period": "2019/20 Q3", "ward_code": None, "as_at": None,
        "target": 9.0, "target_low": None, "target_high": None, "actual": 9.8, "target_as_printed": "9",
        "actual_as_printed": "9.8", "qualifier": None, "basis": None, "rag_reported": None, "status_note": None,
        "commentary": None, "seed": "upload", "line": 3, "section": "quarter upload #1 (q3.csv)", "note": None,
        "source": "Quarter upload #1: q3.csv, row 3, by jsmith on 2020-01-15", "plan_id": "scorecard-2019",
        "period_start": "2019-10-01", "period_end": "2019-12-31", "period_order": 20193, "rag_computed": "LR",
        "upload_id": upload_id,
    }


def test_a_changed_figure_keeps_its_row_and_takes_the_uploads_values(path, clock):
    checked = check(path, HEADER + "residents-influence-local-decisions,2019/20 Q1,23%,22%,,,Survey run.,\n")
    upload_id, _ = uploads.commit(path, checked, "officer")
    with store.opened(path) as db:
        row = next(db.query("SELECT * FROM observations WHERE indicator_id = 'residents-influence-local-decisions' "
                            "AND period = '2019/20 Q1'"))
        entry = next(db.query("SELECT * FROM observation_history WHERE upload_id = ?", (upload_id,)))
    assert (row["actual"], row["target"], row["status_note"], row["commentary"]) == (23.0, 22.0, None, "Survey run.")
    assert (row["rag_computed"], row["upload_id"], row["plan_id"]) == ("LG", upload_id, "scorecard-2019")
    assert row["source"] == "Quarter upload #1: q3.csv, row 2, by officer on 2020-01-15"
    assert (entry["indicator_id"], entry["period"], entry["ward_code"], entry["action"]) == (
        "residents-influence-local-decisions", "2019/20 Q1", None, "update")
    assert '"status_note": "No survey this quarter"' in entry["previous_json"]


def test_an_upload_that_fails_half_way_leaves_the_store_exactly_as_it_was(path, monkeypatch):
    before = store_dump(path)
    apply = uploads._apply

    def fails_after_two_rows(db, upload_id, meta, rows):
        apply(db, upload_id, meta, rows[:2])
        raise RuntimeError("disk full")

    monkeypatch.setattr(uploads, "_apply", fails_after_two_rows)
    with pytest.raises(RuntimeError, match="disk full"):
        uploads.commit(path, check(path, GOOD), "jsmith")
    assert store_dump(path) == before
    with store.opened(path) as db:
        assert uploads.list_uploads(db).empty


def test_an_upload_with_problems_cannot_be_committed(path):
    checked = check(path, HEADER + "book-issues,2019/20 Q3,lots,,,,,\n")
    with pytest.raises(ValueError) as error:
        uploads.commit(path, checked, "officer")
    assert str(error.value) == "only a checked upload with no problems can be committed"


def test_a_rejected_upload_is_logged_with_its_problems(path, clock):
    checked = check(path, HEADER + "nope,2019/20 Q3,5,,,,,\nbook-issues,2019/20 Q3,lots,,,,,\n", filename="bad.csv")
    upload_id = uploads.reject(path, checked, "jsmith")
    with store.opened(path) as db:
        audit = uploads.list_uploads(db).iloc[0].to_dict()
    assert audit["upload_id"] == upload_id == 1
    assert (audit["at"], audit["user"], audit["filename"], audit["status"]) == (AT, "jsmith", "bad.csv", "rejected")
    assert audit["kind"] == "quarter"  # a quarter file unless the caller says otherwise
    assert audit["sha256"] == checked.sha256
    assert json.loads(audit["errors"]) == [str(p) for p in checked.problems]
    assert (audit["added"], audit["changed"], audit["unchanged"]) == (0, 0, 0)


def test_many_problems_list_the_first_100_and_the_count_in_the_audit_log(path):
    checked = check(path, HEADER + "nope,2019/20 Q3,5,,,,,\n" * 501)
    # each row repeats row 2: row 3 names rows 2 and 3, each later row itself, so row 101 brings the 100th
    assert [str(p) for p in checked.problems[:2]] == [
        "row 2, column indicator_id: 'nope' appears twice (the same indicator, period and ward)",
        "row 3, column indicator_id: 'nope' appears twice (the same indicator, period and ward)"]
    assert len(checked.problems) == 101
    assert str(checked.problems[-1]) == ("checking stopped at row 101 after 100 problems; the first 100 are listed. "
                                         "Fix them and upload the file again")
    uploads.reject(path, checked, "officer")
    with store.opened(path) as db:
        errors = json.loads(uploads.list_uploads(db).iloc[0]["errors"])
    assert len(errors) == 101


def test_a_file_of_unknown_measures_lists_the_first_100_and_the_count(path):
    checked = check(path, HEADER + "".join(f"nope,{2004 + n}/{(5 + n) % 100:02d},5,,,,,\n" for n in range(16)) * 1
                    + "".join(f"nope-{n},2019/20 Q3,5,,,,,\n" for n in range(100)))
    assert str(checked.problems[0]) == "row 2, column indicator_id: 'nope' is not a known indicator_id (see export " \
                                       "indicators)"
    assert str(checked.problems[-1]) == ("the file has 116 problems; the first 100 are listed. "
                                         "Fix them and upload the file again")


def test_a_roll_back_records_who_and_when(path, clock):
    upload_id, _ = uploads.commit(path, check(path, GOOD), "jsmith")
    clock.setattr(uploads, "_now", lambda: LATER)
    uploads.rollback(path, upload_id, "supervisor")
    with store.opened(path) as db:
        audit = uploads.list_uploads(db).iloc[0].to_dict()
    assert (audit["status"], audit["at"], audit["user"]) == ("rolled back", AT, "jsmith")
    assert (audit["rolled_back_at"], audit["rolled_back_by"]) == (LATER, "supervisor")


def test_a_roll_back_that_fails_half_way_changes_nothing(path, monkeypatch):
    upload_id, _ = uploads.commit(path, check(path, GOOD + "sickness-absence,2019/20 Q2,10.0,9,,,,\n"), "jsmith")
    before = store_dump(path)

    def clock_broken():
        raise RuntimeError("clock broken")

    monkeypatch.setattr(uploads, "_now", clock_broken)
    with pytest.raises(RuntimeError, match="clock broken"):
        uploads.rollback(path, upload_id, "jsmith")
    assert store_dump(path) == before


@pytest.mark.parametrize("upload_id", [1, 99])
def test_only_an_accepted_upload_can_be_rolled_back(path, upload_id):
    uploads.reject(path, check(path, HEADER + "nope,2019/20 Q3,5,,,,,\n"), "officer")
    with pytest.raises(uploads.RollbackError) as error:
        uploads.rollback(path, upload_id, "officer")
    assert str(error.value) == f"upload {upload_id} is not an accepted upload that can be rolled back"


def test_the_later_uploads_in_the_way_are_named(path):
    first, _ = uploads.commit(path, check(path, HEADER + "book-issues,2019/20 Q3,5,,,,,\n"), "a")
    uploads.commit(path, check(path, HEADER + "museum-visits,2019/20 Q3,7,,,,,\n"), "b")
    uploads.commit(path, check(path, HEADER + "book-issues,2019/20 Q3,6,,,,,\n"), "c")
    uploads.commit(path, check(path, HEADER + "book-issues,2019/20 Q3,7,,,,,\n"), "d")
    with pytest.raises(uploads.RollbackError) as error:
        uploads.rollback(path, first, "a")
    assert str(error.value) == "later upload(s) 3, 4 changed the same figures; roll those back first"


def test_uploads_are_rolled_back_newest_first(path):
    before = observations_dump(path)
    first, _ = uploads.commit(path, check(path, HEADER + "book-issues,2019/20 Q3,5,,,,,\n"), "a")
    other, _ = uploads.commit(path, check(path, HEADER + "museum-visits,2019/20 Q3,7,,,,,\n"), "b")
    both = HEADER + "book-issues,2019/20 Q3,6,,,,,\nbook-issues,2019/20 Q4,1,,,,,\n"
    second, _ = uploads.commit(path, check(path, both), "c")
    assert uploads.rollback(path, second, "c") == 2
    assert uploads.rollback(path, first, "a") == 1
    assert uploads.rollback(path, other, "b") == 1
    assert observations_dump(path) == before


def test_a_ward_figure_is_rolled_back(path):
    before = observations_dump(path)
    upload_id, _ = uploads.commit(path, check(path, HEADER + "book-issues,2019/20 Q3,5,,,,,E05000285\n"), "a")
    with store.opened(path) as db:
        entry = next(db.query("SELECT ward_code, action, previous_json FROM observation_history WHERE upload_id = ?",
                              (upload_id,)))
    assert dict(entry) == {"ward_code": "E05000285", "action": "insert", "previous_json": None}
    assert uploads.rollback(path, upload_id, "a") == 1
    assert observations_dump(path) == before


def test_a_rebuild_does_not_replay_a_rolled_back_upload(path):
    kept, _ = uploads.commit(path, check(path, HEADER + "museum-visits,2019/20 Q3,7,,,,,\n"), "a")
    undone, _ = uploads.commit(path, check(path, HEADER + "book-issues,2019/20 Q3,5,,,,,\n"), "b")
    uploads.rollback(path, undone, "b")
    rebuild.rebuild(path)
    with store.opened(path) as db:
        uploaded = list(db.query("SELECT indicator_id, upload_id FROM observations WHERE upload_id IS NOT NULL"))
        statuses = uploads.list_uploads(db)["status"].tolist()
    assert [dict(r) for r in uploaded] == [{"indicator_id": "museum-visits", "upload_id": kept}]
    assert statuses == ["rolled back", "accepted"]


def test_a_rebuild_replays_uploads_oldest_first_with_their_own_source(path, clock):
    uploads.commit(path, check(path, HEADER + "book-issues,2019/20 Q3,5,,,,,\n", filename="first.csv"), "a")
    clock.setattr(uploads, "_now", lambda: LATER)
    second, _ = uploads.commit(path, check(path, HEADER + "book-issues,2019/20 Q3,6,,,,,\n", filename="second.csv"),
                               "b")
    rebuild.rebuild(path)
    with store.opened(path) as db:
        row = next(db.query("SELECT * FROM observations WHERE indicator_id = 'book-issues' AND period = '2019/20 Q3'"))
    assert (row["actual"], row["upload_id"]) == (6.0, second)
    assert row["source"] == "Quarter upload #2: second.csv, row 2, by b on 2020-01-16"
    assert row["section"] == "quarter upload #2 (second.csv)"
    with pytest.raises(uploads.RollbackError, match="later upload"):
        uploads.rollback(path, 1, "a")
    assert uploads.rollback(path, second, "b") == 1


def test_a_rebuild_skips_uploaded_figures_of_a_measure_no_longer_in_the_csv_files(tmp_path):
    import csv

    data = copy_data(tmp_path)
    path = tmp_path / "kpi.db"
    store.build(path, data)
    text = HEADER + "council-tax-collected,2019/20 Q3,84.1%,85%,,,,\nbook-issues,2019/20 Q3,5,,,,,\n"
    upload_id, _ = uploads.commit(path, check(path, text), "a")
    for name in ("indicators", "observations"):
        with open(data / f"{name}.csv", newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            header, rows = reader.fieldnames, [r for r in reader if r["indicator_id"] != "council-tax-collected"]
        with open(data / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=header)
            writer.writeheader()
            writer.writerows(rows)
    rebuild.rebuild(path, data)
    with store.opened(path) as db:
        uploaded = [r["indicator_id"] for r in db.query("SELECT indicator_id FROM observations WHERE upload_id = ?",
                                                        (upload_id,))]
    assert uploaded == ["book-issues"]


def test_rolling_back_after_a_rebuild_restores_the_figure_the_csv_files_now_hold(tmp_path):
    """A curator corrects a printed figure that an upload had replaced: the upload's undo record is
    rewritten on the rebuild, so rolling it back gives the corrected figure, not the one before it."""
    import csv

    data = copy_data(tmp_path)
    path = tmp_path / "kpi.db"
    store.build(path, data)
    upload_id, _ = uploads.commit(path, check(path, HEADER + "book-issues,2019/20 Q2,\"230,000\",,,,,\n"), "a")
    with open(data / "observations.csv", newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header, rows = reader.fieldnames, list(reader)
    for row in rows:
        if (row["indicator_id"], row["period"], row["ward_code"]) == ("book-issues", "2019/20 Q2", ""):
            row.update(actual="219300", actual_as_printed="219,300")  # 219,200 as printed, corrected
    with open(data / "observations.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    rebuild.rebuild(path, data)
    assert uploads.rollback(path, upload_id, "a") == 1
    with store.opened(path) as db:
        assert db.execute("SELECT actual, actual_as_printed FROM observations WHERE indicator_id = 'book-issues' "
                          "AND period = '2019/20 Q2' AND ward_code IS NULL").fetchall() == [(219300.0, "219,300")]


def test_replay_into_a_database_without_uploads_does_nothing(tmp_path):
    with store.opened(tmp_path / "empty.db") as db:
        uploads.replay(db)
        assert db.table_names() == []


def test_the_audit_log_lists_newest_first(path, clock):
    uploads.commit(path, check(path, GOOD), "jsmith")
    uploads.reject(path, check(path, HEADER + "nope,2019/20 Q3,5,,,,,\n"), "officer")
    with store.opened(path) as db:
        audit = uploads.list_uploads(db)
    assert list(audit.columns) == ["upload_id", "kind", "period", "at", "user", "filename", "sha256", "status",
                                   "added", "changed", "unchanged", "errors", "rolled_back_at", "rolled_back_by"]
    assert audit[["upload_id", "status", "user"]].values.tolist() == [[2, "rejected", "officer"],
                                                                      [1, "accepted", "jsmith"]]


def test_the_checks_know_each_measure_and_each_wards_years(db):
    context = uploads.context(db)
    # seed 001 line 467: staff sickness absence, lower is better, in days
    assert context.indicators["sickness-absence"] == {
        "unit": "days", "polarity": "lower",
        "name": "Staff sickness absence - average days per FTE (excluding schools staff)"}
    assert context.wards["E05000285"] == ("2002-05-02", "2022-05-05")


def test_a_ward_with_open_dates_is_valid_from_the_start_to_the_end(tmp_path):

    data = copy_data(tmp_path)
    text = (data / "wards.csv").read_text(encoding="utf-8")
    (data / "wards.csv").write_text(text.replace("E05000285,Belmont,2002-05-02,2022-05-05,",
                                                 "E05000285,Belmont,,,", 1), encoding="utf-8")
    store.build(tmp_path / "kpi.db", data)
    with store.opened(tmp_path / "kpi.db") as db:
        assert uploads.context(db).wards["E05000285"] == ("0000", "9999")


TEMPLATE_COLUMNS = ["indicator_id", "period", "actual", "target", "rag", "status_note", "commentary", "ward_code",
                    "name", "unit", "polarity"]


@pytest.mark.parametrize("indicator_id,target,name,unit,polarity", [
    # seed 001 line 117: Q2 2019/20 target 57%
    ("council-tax-collected", "57", "Percentage of Council Tax collected (cumulative)", "percent", "higher"),
    # seed 001 line 467: Q2 2019/20 target 9 days
    ("sickness-absence", "9", "Staff sickness absence - average days per FTE (excluding schools staff)", "days",
     "lower"),
    # seed 001 line 135: Q2 2019/20 target 202,000
    ("book-issues", "202000", "Number of book issues", "count", "higher"),
    # seed 001 line 471: in range 0.9-1.1
    ("adult-social-care-equality-of-service", "0.9-1.1",
     "Adult Social Care - Equality of Service Provision (equalities measure)", "ratio", "range"),
    # seed 001 line 112: 22% in Q2 2019/20, the only quarter with a survey target
    ("residents-influence-local-decisions", "22", "% of residents who feel able to influence local decisions",
     "percent", "higher"),
    # seed 001 line 123: reports Q4 only, no target printed
    ("properties-recovered-tenancy-fraud", "",
     "Number of properties recovered via housing tenancy & RTB fraud (cumulative)", "count", "higher"),
])
def test_the_template_offers_each_scorecard_measure_with_its_current_target(db, indicator_id, target, name, unit,
                                                                             polarity):
    template = uploads.template(db, "2019/20 Q3")
    assert list(template.columns) == TEMPLATE_COLUMNS
    row = template[template["indicator_id"] == indicator_id].to_dict("records")
    assert row == [{"indicator_id": indicator_id, "period": "2019/20 Q3", "actual": "", "target": target, "rag": "",
                    "status_note": "", "commentary": "", "ward_code": "", "name": name, "unit": unit,
                    "polarity": polarity}]


def test_the_template_leaves_out_measures_not_on_the_scorecard(db):
    template = uploads.template(db, "2019/20 Q3")
    assert "graffiti-removal-targets-met-area-1" not in set(template["indicator_id"])
    assert "book-issues" in set(template["indicator_id"])


def test_the_template_takes_the_latest_borough_target(path):
    text = (HEADER + "sickness-absence,2019/20 Q3,9.8,8.5,,,,\n"
            + "book-issues,2019/20 Q3,5,1000,,,,E05000285\n")
    uploads.commit(path, check(path, text), "officer")
    with store.opened(path) as db:
        template = uploads.template(db, "2019/20 Q4").set_index("indicator_id")
    assert template.loc["sickness-absence", "target"] == "8.5"
    assert template.loc["book-issues", "target"] == "202000"


def test_the_template_leaves_an_unknown_unit_and_polarity_blank(tmp_path):

    data = copy_data(tmp_path)
    text = (data / "indicators.csv").read_text(encoding="utf-8")
    (data / "indicators.csv").write_text(text.replace("book-issues,Number of book issues,scorecard-2019/build-a-better-"
                                                      "harrow,higher,count,", "book-issues,Number of book issues,"
                                                      "scorecard-2019/build-a-better-harrow,,,", 1), encoding="utf-8")
    store.build(tmp_path / "kpi.db", data)
    with store.opened(tmp_path / "kpi.db") as db:
        template = uploads.template(db, "2019/20 Q3").set_index("indicator_id")
    assert (template.loc["book-issues", "unit"], template.loc["book-issues", "polarity"]) == ("", "")


def test_uploads_are_stamped_in_utc_to_the_second(path):
    uploads.commit(path, check(path, GOOD), "jsmith")
    with store.opened(path) as db:
        stamp = uploads.list_uploads(db).iloc[0]["at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", stamp)


def test_an_uploaded_figure_replaces_a_printed_bound_and_a_roll_back_restores_it(path, clock):
    """An officer's figure is exact: the bound printed for the figure it replaces goes with it."""
    with store.opened(path) as db:
        db.execute("UPDATE observations SET qualifier = 'over' WHERE indicator_id = 'sickness-absence' "
                   "AND period = '2019/20 Q2'")
        db.conn.commit()
    upload_id, _ = uploads.commit(path, check(path, HEADER + "sickness-absence,2019/20 Q2,10.2,9,,,,\n"), "jsmith")

    def bound():
        with store.opened(path) as db:
            return db.execute("SELECT actual, qualifier FROM observations WHERE indicator_id = 'sickness-absence' "
                              "AND period = '2019/20 Q2'").fetchone()

    assert bound() == (10.2, None)
    uploads.rollback(path, upload_id, "jsmith")
    assert bound() == (10.15, "over")


def test_a_rebuild_replays_each_ward_s_figure_of_one_measure_and_quarter(path):
    text = HEADER + "book-issues,2019/20 Q3,5,,,,,E05000285\nbook-issues,2019/20 Q3,8,,,,,E05000286\n"
    upload_id, _ = uploads.commit(path, check(path, text), "a")
    rebuild.rebuild(path)
    with store.opened(path) as db:
        rows = db.execute("SELECT ward_code, actual FROM observations WHERE upload_id = ? ORDER BY ward_code",
                          (upload_id,)).fetchall()
    assert rows == [("E05000285", 5.0), ("E05000286", 8.0)]
