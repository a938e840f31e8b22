"""Next year's scorecard: a 2020/21 definition loads, drives the pages, takes a quarter's figures,
rolls back exactly and survives a rebuild; a bad one lists every problem and changes nothing.

Expected values are written by hand: the 2019/20 scorecard has 114 measures (data/README.md)."""

import csv
import io
import json
import re

import pytest

from harrow_kpi import ingest, queries, rebuild, scorecards, store, uploads
from tests.helpers import private_store, run_cli

RETIRED = "grange-farm-homes-started"
NEW_HOLDER = "Natasha Proctor"
NEW_MEASURES = [
    {"year": "2020/21", "indicator_id": "food-bank-referrals", "name": "Number of food bank referrals",
     "priority": "Supporting Those Most in Need", "polarity": "lower", "unit": "count", "headline": "yes",
     "portfolio_holder": "Natasha Proctor", "director": "Paul Hewitt", "frequency": "quarterly", "target": "500",
     "target_q1": "120", "target_q2": "250", "target_q3": "380", "target_q4": "500"},
    {"year": "2020/21", "indicator_id": "digital-transactions", "name": "% of transactions made online",
     "priority": "scorecard-2019/modernising-harrow-council", "polarity": "higher", "unit": "percent",
     "headline": "no", "portfolio_holder": "Adam Swersky", "director": "Charlie Stewart", "frequency": "quarterly",
     "target": "60%", "target_q1": "", "target_q2": "", "target_q3": "", "target_q4": ""},
]
QUARTER = ("indicator_id,period,actual,target,rag,status_note,commentary,ward_code\n"
           "food-bank-referrals,2020/21 Q1,130,,,,,\n"
           "digital-transactions,2020/21 Q1,58%,,,,,\n")
# The audit log keeps every entry and every history row by design; meta holds the data version.
AUDIT = ("uploads", "observation_history", "meta")


@pytest.fixture()
def path(db_file, tmp_path):
    return private_store(db_file, tmp_path)


def tables(path) -> dict:
    with store.opened(path) as db:
        return {name: sorted(map(repr, db.execute(f"SELECT * FROM [{name}]").fetchall()))
                for name in db.table_names() if name not in AUDIT and not name.startswith("sqlite_")}


def definition_file(path, **polarities) -> bytes:
    """The 2020/21 definition of the "Done when" case, edited from the template as an officer would
    (and any measure given a new polarity)."""
    ran = run_cli("scorecard-template", "--year", "2020/21", db=path)
    assert ran.returncode == 0, ran.stderr
    rows = [row for row in csv.DictReader(io.StringIO(ran.stdout)) if row["indicator_id"] != RETIRED]
    for row in rows:
        if row["indicator_id"] == "council-tax-collected":
            row["portfolio_holder"] = NEW_HOLDER
        row["polarity"] = polarities.get(row["indicator_id"].replace("-", "_"), row["polarity"])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(scorecards.COLUMNS))
    writer.writeheader()
    writer.writerows([*rows, *NEW_MEASURES])
    return buffer.getvalue().encode("utf-8")


def check_definition(path, data, filename="scorecard-2020-21.csv"):
    with store.opened(path) as db:
        return scorecards.check(data, filename, *uploads.scorecard_context(db))


def load_definition(path):
    checked = check_definition(path, definition_file(path))
    assert checked.ok, [str(p) for p in checked.problems]
    return uploads.commit_scorecard(path, checked, "jsmith")


def load_quarter(path):
    with store.opened(path) as db:
        checked = ingest.check(QUARTER.encode(), "q1.csv", uploads.context(db))
    assert checked.ok, [str(p) for p in checked.problems]
    return uploads.commit(path, checked, "jsmith")


def test_the_preview_says_two_new_one_changed_holder_and_one_retiring(path):
    checked = check_definition(path, definition_file(path))
    assert checked.ok, [str(p) for p in checked.problems]
    with store.opened(path) as db:
        preview = uploads.scorecard_preview(db, checked.rows)
    assert preview["outcome"].value_counts().to_dict() == {"unchanged": 112, "new": 2, "changed": 1, "retiring": 1}
    assert list(preview.loc[preview["outcome"] == "new", "indicator_id"]) == ["food-bank-referrals",
                                                                              "digital-transactions"]
    changed = preview[preview["outcome"] == "changed"].iloc[0]
    assert (changed["indicator_id"], changed["changes"]) == ("council-tax-collected",
                                                             "portfolio holder: Adam Swersky → Natasha Proctor")
    assert list(preview.loc[preview["outcome"] == "retiring", "indicator_id"]) == [RETIRED]


def test_a_definition_then_a_quarter_make_the_2020_21_scorecard(path):
    upload_id, counts = load_definition(path)
    assert counts == {"added": 2, "changed": 1, "unchanged": 112, "retiring": 1}
    quarter_id, quarter_counts = load_quarter(path)
    assert quarter_counts == {"added": 2, "changed": 0, "unchanged": 0}
    with store.opened(path) as db:
        table = queries.scorecard(db, "2020/21 Q1").set_index("indicator_id")
        audit = uploads.list_uploads(db).set_index("upload_id")
        created = queries.indicator(db, "food-bank-referrals")
        states = queries.quarter_states(db)
        assert queries.latest_quarter(db) == "2019/20 Q2"
    assert len(table) == 115
    assert RETIRED not in table.index
    assert table.loc["council-tax-collected", "portfolio_holder"] == NEW_HOLDER
    food, online = table.loc["food-bank-referrals"], table.loc["digital-transactions"]
    # Blank targets take the definition's: Q1's profile 120 (130 is 8.3% over: Low Red), else the year's 60.
    assert (food["actual"], food["target"], food["rag_computed"], food["priority_name"], food["headline"]) == (
        130, 120, "LR", "Supporting Those Most in Need", 1)
    assert (online["actual"], online["target"], online["rag_computed"], online["priority_name"]) == (
        58, 60, "A", "Modernising Harrow Council")
    assert states["2020/21 Q1"].label == "Draft: 2 of 115 measures reported"
    assert (audit.loc[upload_id, "kind"], audit.loc[upload_id, "period"], audit.loc[upload_id, "status"]) == (
        "scorecard", "2020/21", "accepted")
    assert created["on_scorecard"] == 0 and created["plan_id"] == "scorecard-2019" and created["seed"] == "upload"
    assert created["source"].startswith(f"Scorecard upload #{upload_id}: scorecard-2020-21.csv, row 115, by jsmith")
    # The measure keeps every field its definition row gives (NEW_MEASURES[0], written above).
    assert {name: created[name] for name in ("name", "priority", "polarity", "unit", "headline", "portfolio_holder",
                                             "director", "frequency", "section")} == {
        "name": "Number of food bank referrals", "priority": "scorecard-2019/supporting-those-most-in-need",
        "polarity": "lower", "unit": "count", "headline": 1, "portfolio_holder": "Natasha Proctor",
        "director": "Paul Hewitt", "frequency": "quarterly",
        "section": f"scorecard upload #{upload_id} (scorecard-2020-21.csv)"}
    # The 2019/20 pages keep the holder as printed.
    with store.opened(path) as db:
        before = queries.scorecard(db, "2019/20 Q2").set_index("indicator_id")
    assert before.loc["council-tax-collected", "portfolio_holder"] == "Adam Swersky" and RETIRED in before.index
    assert len(before) == 114
    uploads.publish(path, "2020/21 Q1", "jsmith")
    with store.opened(path) as db:
        assert queries.latest_quarter(db) == "2020/21 Q1"
    assert quarter_id > upload_id


def test_rolling_back_the_quarter_then_the_definition_restores_the_store_exactly(path):
    before = tables(path)
    upload_id, _ = load_definition(path)
    quarter_id, _ = load_quarter(path)
    with pytest.raises(uploads.RollbackError, match="later upload.* 2 have figures for 2020/21; roll those back"):
        uploads.rollback(path, upload_id, "jsmith")
    assert uploads.rollback(path, quarter_id, "jsmith") == 2
    assert uploads.rollback(path, upload_id, "jsmith") == 115
    assert tables(path) == before
    with store.opened(path) as db:
        assert list(uploads.list_uploads(db)["status"]) == ["rolled back", "rolled back"]


def test_a_definition_is_not_rolled_back_while_a_measure_it_created_has_figures(path):
    upload_id, _ = load_definition(path)
    load_quarter(path)
    # Leave the year check aside: the figure's upload was before the definition in this case.
    with store.opened(path) as db, store.writing(db):
        db.execute("UPDATE observation_history SET upload_id = 0")
    with pytest.raises(uploads.RollbackError, match=r"food-bank-referrals\); roll those back first"):
        uploads.rollback(path, upload_id, "jsmith")


def test_a_figure_of_a_defined_year_gets_its_rag_by_that_years_polarity(path):
    checked = check_definition(path, definition_file(path, book_issues="lower"))
    uploads.commit_scorecard(path, checked, "jsmith")
    text = "indicator_id,period,actual,target\nbook-issues,2020/21 Q1,\"320,000\",300000\n"
    with store.opened(path) as db:
        figure = ingest.check(text.encode(), "q1.csv", uploads.context(db))
    uploads.commit(path, figure, "jsmith")
    with store.opened(path) as db:
        row = queries.scorecard(db, "2020/21 Q1").set_index("indicator_id").loc["book-issues"]
    # 320,000 against 300,000 is 6.7% over: High Green if higher is better, Low Red now lower is.
    assert (row["polarity"], row["rag_computed"]) == ("lower", "LR")


def test_a_rebuild_keeps_the_definition_and_the_quarter(path):
    upload_id, _ = load_definition(path)
    load_quarter(path)
    rebuild.rebuild(path)
    with store.opened(path) as db:
        table = queries.scorecard(db, "2020/21 Q1").set_index("indicator_id")
        created = queries.indicator(db, "digital-transactions")
    assert len(table) == 115 and RETIRED not in table.index
    assert (table.loc["food-bank-referrals", "actual"], table.loc["food-bank-referrals", "rag_computed"]) == (130, "LR")
    assert table.loc["council-tax-collected", "portfolio_holder"] == NEW_HOLDER
    assert created["source"].startswith(f"Scorecard upload #{upload_id}:")


def test_the_next_years_template_and_quarter_template_follow_the_definition(path):
    load_definition(path)
    with store.opened(path) as db:
        quarter = uploads.template(db, "2020/21 Q2").set_index("indicator_id")
        year = uploads.scorecard_template(db, "2021/22").set_index("indicator_id")
        people = queries.people_on_scorecards(db)
    assert len(quarter) == 115 and RETIRED not in quarter.index
    assert quarter.loc["food-bank-referrals", "target"] == "250"
    assert quarter.loc["digital-transactions", "target"] == "60"
    assert year.loc["council-tax-collected", "portfolio_holder"] == NEW_HOLDER
    assert (year.loc["food-bank-referrals", "target_q3"], year.loc["food-bank-referrals", "headline"]) == ("380", "yes")
    assert {"Natasha Proctor", "Adam Swersky"} <= set(people["portfolio_holder"])
    assert "Paul Hewitt" in set(people["director"])


BAD = ("year,indicator_id,name,priority,polarity,unit,headline,portfolio_holder,director,frequency,target\n"
       "2020/21,food-bank-referrals,Food bank referrals,Feeding Harrow,lower,count,yes,,,quarterly,500\n"
       "2020/21,digital-transactions,Online,Modernising Harrow Council,upwards,percent,no,,,,60\n"
       "2020/21,council-tax-collected,Council tax,Build a Better Harrow,higher,percentage,no,,,,97\n"
       "2020/21,council-tax-collected,Council tax,Build a Better Harrow,higher,percent,no,,,,97\n"
       "2020/21,adult-social-care-equality-of-service,Equality,Supporting Those Most in Need,range,ratio,,,,,1.1-0.9\n"
       "2021/22,book-issues,Book issues,Build a Better Harrow,higher,count,no,,,,300000\n")
BAD_PROBLEMS = [
    "row 2, column priority: 'Feeding Harrow' is not one of the five corporate priorities",
    "row 3, column polarity: 'upwards' is not a polarity: use higher, lower or range",
    "row 4, column unit: 'percentage' is not a unit",
    "row 5, column indicator_id: 'council-tax-collected' appears twice (first on row 4)",
    "row 6, column target: '1.1-0.9' is not a range low-high",
    "row 7, column year: '2021/22' is another year: a file defines one year's scorecard, and row 2 says 2020/21",
]


def test_a_bad_definition_lists_every_problem_and_changes_nothing(path):
    before = tables(path)
    checked = check_definition(path, BAD.encode())
    problems = [str(p) for p in checked.problems]
    assert len(problems) == len(BAD_PROBLEMS), problems
    for found, expected in zip(problems, BAD_PROBLEMS):
        assert found.startswith(expected), (found, expected)
    with pytest.raises(ValueError):
        uploads.commit_scorecard(path, checked, "jsmith")
    uploads.reject(path, checked, "jsmith", kind="scorecard")
    assert tables(path) == before
    with store.opened(path) as db:
        entry = uploads.list_uploads(db).iloc[0]
    assert (entry["kind"], entry["status"]) == ("scorecard", "rejected")


@pytest.mark.parametrize("line,expected", [
    ("2020/21,New Measure,A name,Build a Better Harrow,higher,count,,,,,", "row 2, column indicator_id: 'New Measure'"),
    ("2020/21 Q1,x,A name,Build a Better Harrow,higher,count,,,,,", "row 2, column year: '2020/21 Q1' is a quarter"),
    ("2020/21,x,,Build a Better Harrow,higher,count,maybe,,,,", "row 2, column name: is required"),
    ("2020/21,x,A name,Build a Better Harrow,higher,count,maybe,,,,", "row 2, column headline: 'maybe' is not yes"),
    ("2020/21,x,=cmd(),Build a Better Harrow,higher,count,,,,,", "row 2, column name: '=cmd()' starts like"),
    ("2020/21,x,A name,Build a Better Harrow,higher,count,,,,,5%", "row 2, column target: '5%' has a % sign"),
])
def test_each_definition_problem_names_its_row_and_column(path, line, expected):
    header = "year,indicator_id,name,priority,polarity,unit,headline,portfolio_holder,director,frequency,target\n"
    problems = [str(p) for p in check_definition(path, (header + line + "\n").encode()).problems]
    assert any(problem.startswith(expected) for problem in problems), problems


def test_the_cli_dry_run_previews_and_writes_nothing(path, tmp_path):
    file = tmp_path / "scorecard-2020-21.csv"
    file.write_bytes(definition_file(path))
    before = tables(path)
    ran = run_cli("import-scorecard", file, "--dry-run", db=path)
    assert ran.returncode == 0, ran.stderr
    assert "new: food-bank-referrals Number of food bank referrals" in ran.stdout
    assert "changed: council-tax-collected Percentage of Council Tax collected (cumulative) " \
           "(portfolio holder: Adam Swersky → Natasha Proctor)" in ran.stdout
    assert f"retiring: {RETIRED} Number of new Grange Farm council homes started on site" in ran.stdout
    assert ran.stdout.strip().endswith(
        "Dry run: the 2020/21 scorecard would have 2 new, 1 changed, 112 unchanged, 1 retiring. Nothing written.")
    assert tables(path) == before


def test_the_cli_loads_a_valid_definition(path, tmp_path):
    file = tmp_path / "scorecard-2020-21.csv"
    file.write_bytes(definition_file(path))
    ran = run_cli("import-scorecard", file, "--user", "jsmith", db=path)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip().endswith(
        "Upload 1: the 2020/21 scorecard is loaded: 2 new, 1 changed, 112 unchanged, 1 retiring.")
    with store.opened(path) as db:
        assert len(queries.scorecard(db, "2020/21 Q1")) == 115
        assert uploads.list_uploads(db).iloc[0]["user"] == "jsmith"
    rolled = run_cli("rollback", "1", db=path)
    assert rolled.stdout.strip() == "Rolled back upload 1: 115 measures of its scorecard removed."


def test_the_cli_refuses_an_invalid_definition_one_line_per_problem(path, tmp_path):
    file = tmp_path / "bad.csv"
    file.write_text(BAD, encoding="utf-8")
    before = tables(path)
    ran = run_cli("import-scorecard", file, db=path)
    assert ran.returncode == 1
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 6
    assert all(line.startswith(f"{file}: {expected}") for line, expected in zip(lines, BAD_PROBLEMS)), lines
    assert tables(path) == before


def test_the_cli_template_wants_a_year(path):
    ran = run_cli("scorecard-template", "--year", "2020/21 Q1", db=path)
    assert ran.returncode == 1 and "is a quarter" in ran.stderr
    ran = run_cli("scorecard-template", "--year", "2020/21", db=path)
    assert ran.stdout.splitlines()[0] == ("year,indicator_id,name,priority,polarity,unit,headline,portfolio_holder,"
                                          "director,frequency,target,target_q1,target_q2,target_q3,target_q4")
    assert len(ran.stdout.splitlines()) == 115


def test_an_officer_previews_and_commits_next_years_scorecard_on_the_upload_page(path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.helpers import ROOT

    data = definition_file(path)
    monkeypatch.setenv("HARROW_KPI_DB", str(path))
    from harrow_kpi import auth

    stored = auth.hash_password("correct horse battery", iterations=1000)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["officers"] = {"jsmith": stored}  # the right is checked against the secrets on every run
    at.run()
    signed_in = {"officer": "jsmith", "officer_mode": "password", "officer_hash": auth.fingerprint(stored)}
    for key, value in signed_in.items():
        at.session_state[key] = value
    at.switch_page("pages/upload.py").run()
    assert "5. Next year's scorecard" in [h.value for h in at.header]
    assert at.selectbox(key="scorecard_year").value == "2020/21"
    uploader = next(u for u in at.get("file_uploader") if u.proto.id.endswith("scorecard_file"))
    uploader.set_value(("scorecard-2020-21.csv", data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["New measures"], metrics["Changed"], metrics["Unchanged"], metrics["Retiring"]) == (
        "2", "1", "112", "1")
    preview = at.dataframe[-1].value
    assert list(preview.columns) == ["Outcome", "Measure (id)", "Measure", "What changes"]
    assert preview.iloc[-1]["Outcome"] == "Retiring (on last year's scorecard, not this one)"
    at.button(key="scorecard_commit").click().run()
    assert any("the 2020/21 scorecard is loaded: 2 new, 1 changed, 112 unchanged, 1 retiring" in s.value
               for s in at.success)
    with store.opened(path) as db:
        assert len(queries.scorecard(db, "2020/21 Q1")) == 115


def test_an_xlsx_definition_is_read_like_a_csv_one(path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["year", "indicator_id", "name", "priority", "polarity", "unit", "headline", "target"])
    sheet.append(["2020/21", "book-issues", "Library book issues", "Build a Better Harrow", "higher", "count", 1,
                  300000])
    buffer = io.BytesIO()
    book.save(buffer)
    checked = check_definition(path, buffer.getvalue(), filename="scorecard.xlsx")
    assert checked.ok, [str(p) for p in checked.problems]
    row = checked.rows[0]
    assert (row["headline"], row["target"], row["priority"]) == (1, 300000.0, "scorecard-2019/build-a-better-harrow")


def test_a_later_year_keeps_the_latest_definition_and_holds_its_measures(path):
    first, _ = load_definition(path)
    with store.opened(path) as db:
        assert queries.definition_in_effect(db, "2021/22") == first
        assert queries.definition_in_effect(db, "2019/20") is None
        later = uploads.scorecard_template(db, "2021/22").assign(year="2021/22")
    checked = check_definition(path, later.to_csv(index=False).encode(), filename="scorecard-2021-22.csv")
    with store.opened(path) as db:
        preview = uploads.scorecard_preview(db, checked.rows)
    # Against 2020/21's definition, nothing changes.
    assert preview["outcome"].value_counts().to_dict() == {"unchanged": 115}
    second, _ = uploads.commit_scorecard(path, checked, "jsmith")
    with store.opened(path) as db:
        assert (queries.definition_in_effect(db, "2020/21"), queries.definition_in_effect(db, "2022/23")) == (
            first, second)
    with pytest.raises(uploads.RollbackError, match=f"later scorecard definition.* {second} list measures"):
        uploads.rollback(path, first, "jsmith")


def test_a_definition_rollback_names_every_later_upload_and_measure_in_its_way(path):
    upload_id, _ = load_definition(path)
    load_quarter(path)
    with store.opened(path) as db:
        checked = ingest.check(QUARTER.replace("2020/21 Q1", "2020/21 Q2").encode(), "q2.csv", uploads.context(db))
    uploads.commit(path, checked, "jsmith")
    with pytest.raises(uploads.RollbackError) as error:
        uploads.rollback(path, upload_id, "jsmith")
    assert str(error.value) == "later upload(s) 2, 3 have figures for 2020/21; roll those back first"
    with store.opened(path) as db, store.writing(db):
        db.execute("UPDATE observation_history SET upload_id = 0")  # as if the figures came first
    with pytest.raises(uploads.RollbackError) as error:
        uploads.rollback(path, upload_id, "jsmith")
    assert str(error.value) == ("figures exist for measure(s) this definition created (digital-transactions, "
                                "food-bank-referrals); roll those back first")


def test_a_definition_rollback_names_every_later_definition_in_its_way(path):
    first, _ = load_definition(path)
    later = []
    for year in ("2021/22", "2022/23"):
        with store.opened(path) as db:
            template = uploads.scorecard_template(db, year).assign(year=year)
        checked = check_definition(path, template.to_csv(index=False).encode(), filename=f"scorecard-{year}.csv")
        later.append(uploads.commit_scorecard(path, checked, "jsmith")[0])
    with pytest.raises(uploads.RollbackError) as error:
        uploads.rollback(path, first, "jsmith")
    assert str(error.value) == (f"later scorecard definition(s) {later[0]}, {later[1]} list measures this one "
                                "created; roll those back first")


def test_the_printed_scorecard_s_members_carry_targets_only_when_asked(db):
    with_targets = queries.scorecard_members(db, "2019/20")
    without = queries.scorecard_members(db, "2019/20", targets=False)
    assert len(with_targets) == len(without) == 114
    council_tax = with_targets.set_index("indicator_id").loc["council-tax-collected"]
    assert council_tax["target"] == 57  # seed 001, line 117: the latest (2019/20 Q2) target, 57%
    assert without["target"].isna().all()
    assert with_targets["target_as_printed"].isna().all()  # the printed scorecard's targets live on its rows
    assert list(with_targets["quarter_targets"]) == [{}] * 114


def test_with_no_year_the_members_are_the_printed_scorecard_s_even_after_a_definition(path):
    load_definition(path)
    with store.opened(path) as db:
        assert len(queries.scorecard_members(db)) == 114
        assert len(queries.scorecard_members(db, "2020/21")) == 115


def test_a_definition_with_nothing_new_counts_only_what_it_keeps_and_the_log_keeps_its_rows(path):
    with store.opened(path) as db:
        template = uploads.scorecard_template(db, "2020/21").assign(year="2020/21")
    checked = check_definition(path, template.to_csv(index=False).encode())
    upload_id, counts = uploads.commit_scorecard(path, checked, "jsmith")
    assert counts == {"added": 0, "changed": 0, "unchanged": 114, "retiring": 0}
    with store.opened(path) as db:
        period, rows_json, added, changed, unchanged = db.execute(
            "SELECT period, rows_json, added, changed, unchanged FROM uploads WHERE upload_id = ?",
            (upload_id,)).fetchone()
    assert (period, added, changed, unchanged) == ("2020/21", 0, 0, 114)
    assert [row["indicator_id"] for row in json.loads(rows_json)] == list(template["indicator_id"])


def test_only_a_checked_definition_is_committed(path):
    checked = check_definition(path, b"year,indicator_id\n2020/21,nope\n")
    with pytest.raises(ValueError) as error:
        uploads.commit_scorecard(path, checked, "jsmith")
    assert str(error.value) == "only a checked scorecard definition with no problems can be committed"


def test_a_definition_waits_for_another_writer_and_says_so(path):
    from tests.test_quarters import hold_the_write_lock

    checked = check_definition(path, definition_file(path))
    told = []
    other = hold_the_write_lock(path, 0.5)
    uploads.commit_scorecard(path, checked, "jsmith", on_wait=told.append)
    other.join()
    assert len(told) == 1


def test_a_definition_of_new_measures_only_retires_the_rest_and_files_them_under_their_priority(path):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(scorecards.COLUMNS))
    writer.writeheader()
    writer.writerows(NEW_MEASURES[:1])
    checked = check_definition(path, buffer.getvalue().encode())
    with store.opened(path) as db:
        preview = uploads.scorecard_preview(db, checked.rows)
    assert list(preview.columns) == ["outcome", "indicator_id", "name", "changes"]
    upload_id, counts = uploads.commit_scorecard(path, checked, "jsmith")
    assert counts == {"added": 1, "changed": 0, "unchanged": 0, "retiring": 114}
    with store.opened(path) as db:
        priority, source = db.execute("SELECT priority, source FROM indicators WHERE indicator_id = ?",
                                      ("food-bank-referrals",)).fetchone()
    assert priority == "scorecard-2019/supporting-those-most-in-need"
    assert re.fullmatch(rf"Scorecard upload #{upload_id}: scorecard-2020-21.csv, row 2, by jsmith on "
                        r"\d{4}-\d\d-\d\d", source), source


def test_an_empty_preview_has_its_columns_and_an_empty_definition_is_not_committed(db):
    assert list(uploads.scorecard_preview(db, []).columns) == ["outcome", "indicator_id", "name", "changes"]
    with pytest.raises(ValueError, match="only a checked scorecard definition"):
        uploads.commit_scorecard("unused.db", ingest.Checked(filename="empty.csv", sha256="0"), "jsmith")


def test_the_upload_preview_gives_a_defined_year_s_figure_its_rag_by_that_year_s_polarity(path):
    uploads.commit_scorecard(path, check_definition(path, definition_file(path, book_issues="lower")), "jsmith")
    text = "indicator_id,period,actual,target\nbook-issues,2020/21 Q1,\"320,000\",300000\n"
    with store.opened(path) as db:
        checked = ingest.check(text.encode(), "q1.csv", uploads.context(db))
        preview = uploads.preview(db, checked.rows).set_index("indicator_id")
    assert preview.loc["book-issues", "rag_computed"] == "LR"  # 6.7% over a target now meant as a ceiling


def test_a_definition_is_compared_with_the_year_before_not_the_latest(path):
    load_definition(path)  # 2020/21: 115 measures
    with store.opened(path) as db:
        later = uploads.scorecard_template(db, "2022/23").assign(year="2022/23")
    later = later[later["indicator_id"] != "digital-transactions"]  # 2022/23 retires one
    uploads.commit_scorecard(path, check_definition(path, later.to_csv(index=False).encode(),
                                                    filename="scorecard-2022-23.csv"), "jsmith")
    with store.opened(path) as db:
        between = uploads.scorecard_template(db, "2021/22").assign(year="2021/22")
        checked = check_definition(path, between.to_csv(index=False).encode(), filename="scorecard-2021-22.csv")
        preview = uploads.scorecard_preview(db, checked.rows)
    assert preview["outcome"].value_counts().to_dict() == {"unchanged": 115}  # against 2020/21, not 2022/23


def test_a_definition_keeps_a_range_target(path):
    # Seed 001 line 471: the equality of service ratio's target is printed 0.9-1.1.
    load_definition(path)
    with store.opened(path) as db:
        members = queries.scorecard_members(db, "2020/21").set_index("indicator_id")
    ratio = members.loc["adult-social-care-equality-of-service"]
    assert (ratio["target_low"], ratio["target_high"], ratio["target_as_printed"]) == (0.9, 1.1, "0.9-1.1")


def test_a_ward_figure_of_a_defined_year_keeps_its_blank_target(path):
    """The definition's quarter target is the borough's: a ward's figure with no target keeps none."""
    load_definition(path)
    row = {"indicator_id": "food-bank-referrals", "period": "2020/21 Q1", "actual": 12.0, "target": None,
           "target_low": None, "target_high": None}
    with store.opened(path) as db:
        ward, borough = uploads.with_year_targets(db, [{**row, "ward_code": "E05000304"}, {**row, "ward_code": ""}])
    assert (ward["target"], ward["polarity"]) == (None, "lower")
    assert (borough["target"], borough["polarity"]) == (120, "lower")  # NEW_MEASURES[0]'s Q1 target
