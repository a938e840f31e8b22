"""Officers' quarter uploads: every rejection changes nothing; accepted uploads are audited
and can be rolled back exactly."""

import io
import threading

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harrow_kpi import ingest, queries, rebuild, store, uploads

HEADER = "indicator_id,period,actual,target,rag,status_note,commentary,ward_code\n"
GOOD = (HEADER
        + "council-tax-collected,2019/20 Q3,84.1%,85%,A,,Collection recovering.,\n"
        + "sickness-absence,2019/20 Q3,9.8,9,,,,\n"
        + "book-issues,2019/20 Q3,\"301,200\",300000,LG,,,\n")


@pytest.fixture()
def path(tmp_path):
    target = tmp_path / "kpi.db"
    store.build(target)
    return target


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
    (HEADER + "book-issues,2031/32 Q1,5,,,,,\n", "row 2, column period: '2031/32 Q1' is in the future"),
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
        assert queries.latest_quarter(db) == "2019/20 Q3"
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
