"""Bounds ("over 1,000") and bases (an annual total against a quarter's figure).

Expected values written by hand: a bound keeps its number and its direction through the RAG,
the promises ledger and every figure's text; figures on two bases never share a trend line, a
direction of travel or a ledger verdict.
"""

import datetime as dt

import pandas as pd
import pytest

from harrow_kpi import charts, dataset, display, promises, queries, rag
from harrow_kpi.figures import figure_text
from tests.helpers import copy_data


@pytest.mark.parametrize("actual,target,polarity,qualifier,expected", [
    (1000, 1000, "higher", None, "LG"),
    (1000, 1000, "higher", "over", "LG"),        # "over 1,000" against 1,000: met, by how much unknown
    (1000, 1000, "higher", "at least", "LG"),
    (1050, 1000, "higher", "over", "HG"),        # at least 5% better for sure
    (1040, 1000, "higher", "about", "LG"),       # about reads as the number
    (950, 1000, "higher", "over", "A"),          # just past 5% short: Amber, not Low Red
    (950, 1000, "higher", "at least", "LR"),     # could be exactly 5% short: Low Red at worst
    (950, 1000, "higher", None, "LR"),
    (949, 1000, "higher", "over", "LR"),
    (1000, 1000, "higher", "under", None),       # under the target: a miss, but of how much?
    (800, 1000, "higher", "under", "HR"),        # under 800 is more than 10% off for sure
    (900, 1000, "higher", "under", "HR"),        # below 900: more than 10% off
    (900, 1000, "higher", "at most", None),      # could be exactly 10% off (Low Red)
    (1200, 1000, "higher", "under", None),       # could be anything below 1,200
    (9, 10, "lower", "under", "HG"),             # lower is better: under 9 against 10 beats it by 10%+
    (10, 10, "lower", "under", "LG"),
    (12, 10, "lower", "over", "HR"),
    (10.5, 10, "lower", "over", None),           # worse than 10.5: more than 5% off, Low or High Red
    (11.1, 10, "lower", "at least", "HR"),       # 11.1 or worse: more than 10% off
    (1, None, "higher", "over", None),           # no target
    (None, 10, "higher", "over", None),          # no figure
    (1.2, None, "range", "over", None),          # a bound against a range says nothing
    (1.5, None, "range", "over", None),
    (0.95, None, "range", "under", None),
    (1.0, None, "range", None, "LG"),
    (5, 0, "lower", "over", "HR"),               # over 5 against a zero target: a full miss
    (0, 0, "lower", "under", "LG"),              # just under a zero target: met, by how much unknown
])
def test_the_rag_of_a_bound_is_the_band_it_is_sure_of(actual, target, polarity, qualifier, expected):
    low, high = (0.9, 1.1) if polarity == "range" else (None, None)
    assert rag.compute(actual, target, polarity, low, high, qualifier) == expected


@pytest.mark.parametrize("actual,target,polarity,qualifier,expected", [
    (1000, 1000, "higher", "over", True),
    (999, 1000, "higher", "over", None),
    (1000, 1000, "higher", "at least", True),
    (999, 1000, "higher", "at least", None),
    (1000, 1000, "higher", "under", False),      # below 1,000 misses 1,000
    (1000, 1000, "higher", "at most", None),     # could be exactly 1,000
    (999, 1000, "higher", "at most", False),
    (1001, 1000, "higher", "under", None),
    (1001, 1000, "higher", "at most", None),
    (10, 10, "lower", "under", True),
    (10, 10, "lower", "at most", True),
    (11, 10, "lower", "under", None),
    (10, 10, "lower", "over", False),
    (10, 10, "lower", "at least", None),
    (11, 10, "lower", "at least", False),
    (9, 10, "lower", "over", None),
    (1000, 1000, "higher", "about", True),
    (999, 1000, "higher", None, False),
    (10, 10, "lower", None, True),
    (11, 10, "lower", None, False),
    (1, 1, "range", None, None),
    (1, 1, None, "over", None),
])
def test_a_bound_meets_a_target_only_when_it_must(actual, target, polarity, qualifier, expected):
    assert promises.meets(actual, target, polarity, qualifier) is expected


@pytest.mark.parametrize("printed,value,unit,qualifier,expected", [
    ("1,000", 1000, "count", "over", "over 1,000"),
    ("More than 1,000", 1000, "count", "over", "More than 1,000"),   # the words are printed already
    (None, 97, "percent", "at least", "at least 97%"),
    (None, 97, "percent", None, "97%"),
    ("£1.1m", 1.1, "gbp_millions", "about", "about £1.1m"),
    (None, None, "count", "over", ""),
    ("650", 650, "count", float("nan"), "650"),                      # no qualifier read from pandas
])
def test_a_figure_reads_with_its_bound(printed, value, unit, qualifier, expected):
    assert figure_text(printed, value, unit, qualifier) == expected


def _commitment(**overrides):
    return {"commitment_id": "x/c001", "plan_id": "x", "indicator_id": "m", "target_value": 1000.0,
            "target_as_printed": "1,000", "target_kind": "level", "deadline": "2018-03-31", **overrides}


def _evidence(*rows):
    return pd.DataFrame(
        [{"period": p, "period_end": end, "actual": a, "actual_as_printed": None, "source": "src", "qualifier": q}
         for p, end, a, q in rows],
        columns=["period", "period_end", "actual", "actual_as_printed", "source", "qualifier"])


AS_OF = dt.date(2020, 9, 30)


def test_over_a_thousand_achieves_a_thousand():
    verdict = promises.judge(_commitment(), _evidence(("2018/19", "2019-03-31", 1000.0, "over")), "higher", "count",
                             "2020-03-31", AS_OF)
    assert verdict["status"] == "achieved"
    assert verdict["detail"] == ("Achieved: over 1,000 in 2018/19 against the target of 1,000, by an amount not "
                                 "printed (the figure is over 1,000).")


def test_a_bound_that_cannot_say_is_not_comparable():
    verdict = promises.judge(_commitment(), _evidence(("2018/19", "2019-03-31", 900.0, "over")), "higher", "count",
                             "2020-03-31", AS_OF)
    assert verdict["status"] == "not comparable"
    assert verdict["detail"] == ("over 900 in 2018/19 is printed as a bound that cannot say whether the target "
                                 "of 1,000 was met.")
    running = promises.judge(_commitment(deadline="2021-03-31"), _evidence(("2018/19", "2019-03-31", 900.0, "over")),
                             "higher", "count", "2022-03-31", AS_OF)
    assert running["status"] == "not comparable"


def test_under_a_thousand_misses_a_thousand_and_is_behind_before_the_deadline():
    missed = promises.judge(_commitment(), _evidence(("2018/19", "2019-03-31", 1000.0, "under")), "higher", "count",
                            "2020-03-31", AS_OF)
    assert missed["status"] == "missed"
    running = promises.judge(_commitment(deadline="2021-03-31"),
                             _evidence(("2018/19", "2019-03-31", 1000.0, "under")), "higher", "count",
                             "2022-03-31", AS_OF)
    assert (running["status"], running["on_track"]) == ("in progress", False)
    assert running["detail"].startswith("In progress (by March 2021): under 1,000 in 2018/19 against the target "
                                        "of 1,000, behind: by an amount not printed")


def test_a_target_of_over_a_thousand_is_not_met_by_exactly_a_thousand():
    exact = _evidence(("2018/19", "2019-03-31", 1000.0, None))
    assert promises.judge(_commitment(qualifier="over"), exact, "higher", "count", "2020-03-31", AS_OF)[
        "status"] == "missed"
    assert promises.judge(_commitment(qualifier="at least"), exact, "higher", "count", "2020-03-31", AS_OF)[
        "status"] == "achieved"
    above = _evidence(("2018/19", "2019-03-31", 1000.0, "over"))
    assert promises.judge(_commitment(qualifier="over"), above, "higher", "count", "2020-03-31", AS_OF)[
        "status"] == "achieved"
    lower = _evidence(("2018/19", "2019-03-31", 10.0, None))
    assert promises.judge(_commitment(qualifier="under", target_value=10.0, target_as_printed="10"), lower,
                          "lower", "days", "2020-03-31", AS_OF)["status"] == "missed"
    assert promises.judge(_commitment(qualifier="over", target_value=10.0, target_as_printed="10"), lower,
                          "lower", "days", "2020-03-31", AS_OF)["status"] == "achieved"


def test_the_target_of_a_commitment_reads_with_its_bound():
    verdict = promises.judge(_commitment(qualifier="at least", target_as_printed="97%", target_value=97.0),
                             _evidence(("2018/19", "2019-03-31", 98.0, None)), "higher", "percent", "2020-03-31",
                             AS_OF)
    assert verdict["detail"] == "Achieved: 98 in 2018/19 against the target of at least 97%, 1.0 points (1%) " \
                                "better than target."


def test_history_sentences_say_when_a_bound_cannot_tell():
    history = pd.DataFrame([
        {"period": "2016/17", "actual": 650.0, "target": 700.0, "qualifier": "over", "actual_as_printed": "650",
         "target_as_printed": "700", "plan_id": "p", "plan_title": "Plan"},
        {"period": "2017/18", "actual": 720.0, "target": 700.0, "qualifier": "over", "actual_as_printed": "720",
         "target_as_printed": "700", "plan_id": "p", "plan_title": "Plan"},
    ])
    assert promises.history_statements(history, "higher", "count") == [
        "2016/17: over 650 against a target of 700: cannot say, by an amount not printed (the figure is over 650) "
        "(Plan).",
        "2017/18: over 720 against a target of 700: met, by an amount not printed (the figure is over 720) (Plan).",
    ]


# ---- bases ----

@pytest.mark.parametrize("now,before,expected", [
    ({"actual": 219200, "basis": None}, {"actual": 187880, "basis": None}, "improving"),
    ({"actual": 219200, "basis": None}, {"actual": 755637, "basis": "year"}, None),
    ({"actual": 219200, "basis": "year"}, {"actual": 187880, "basis": "year"}, "improving"),
    ({"actual": 219200, "basis": "year"}, {"actual": 187880, "basis": "quarter"}, None),
    ({"actual": 219200}, {"actual": 187880, "basis": float("nan")}, "improving"),   # no basis read from pandas
    ({"actual": 700, "qualifier": "over"}, {"actual": 650}, None),
    ({"actual": 700}, {"actual": 650, "qualifier": "at most"}, None),
    ({"actual": 700, "qualifier": "about"}, {"actual": 650}, "improving"),
])
def test_direction_of_travel_only_within_one_basis_and_never_from_a_bound(now, before, expected):
    assert queries.direction(now, before, "higher") == expected


def _lines(figure):
    """The values of each line trace (lines join points; markers alone do not)."""
    return {trace.name: [y for y in trace.y if y == y and y is not None] for trace in figure.data
            if "lines" in (trace.mode or "") and trace.name and trace.name.startswith("Actual")}


@pytest.mark.parametrize("indicator_id,annual,quarters", [
    # seed 000 line 154 (2016/17 totals) against seed 001 lines 135, 137, 138 (the scorecard's quarters).
    ("book-issues", [755637], [181242, 187880, 219200]),
    ("library-visits", [799856], [268920]),
    ("arts-centre-visits", [158183], [44037, 71434, 49661]),
])
def test_annual_totals_and_quarterly_figures_are_two_lines(db, indicator_id, annual, quarters):
    history = queries.history(db, indicator_id)
    lines = _lines(charts.trend_figure(history, indicator_id, "count"))
    assert lines == {"Actual": quarters, "Actual (whole year)": annual}


def test_first_time_entrants_count_and_rates_are_three_series(db):
    def actuals(indicator_id):
        return queries.history(db, indicator_id)["actual"].tolist()

    assert actuals("youth-justice-first-time-entrants") == [61, 42, 36]          # 001 line 302, leading figures
    assert actuals("youth-justice-first-time-entrants-rate") == [260, 179, 151]  # the bracketed rates
    assert actuals("youth-justice-first-time-offenders-rate") == [83, 72]        # 000 line 468, per 100,000
    units = queries.indicators(db).set_index("indicator_id")["unit"]
    assert (units["youth-justice-first-time-entrants"], units["youth-justice-first-time-entrants-rate"],
            units["youth-justice-first-time-offenders-rate"]) == ("count", "rate", "rate")
    promised = queries.commitments(db).set_index("commitment_id").loc["hap-2020/c104"]
    assert promised["indicator_id"] == "youth-justice-first-time-offenders-rate"


def test_the_ledger_judges_a_promise_only_on_figures_of_its_basis():
    plans = pd.DataFrame([{"plan_id": "old", "period_end": "2018-03-31"}, {"plan_id": "new", "period_end": "2020"}])
    indicators = pd.DataFrame([{"indicator_id": "m", "polarity": "higher", "unit": "count"}])
    observations = pd.DataFrame([
        {"indicator_id": "m", "plan_id": "new", "period": "2018/19", "period_end": "2019-03-31", "ward_code": None,
         "actual": 800000.0, "actual_as_printed": "800,000", "basis": "year", "qualifier": None, "source": "a"},
        {"indicator_id": "m", "plan_id": "new", "period": "2018/19 Q2", "period_end": "2018-09-30",
         "ward_code": None, "actual": 200000.0, "actual_as_printed": "200,000", "basis": None, "qualifier": None,
         "source": "q"},
    ])
    commitments = pd.DataFrame([
        {"commitment_id": "old/c1", "plan_id": "old", "indicator_id": "m", "target_value": 750000.0,
         "target_as_printed": "750,000", "target_kind": "level", "deadline": "2018-03-31", "basis": "year",
         "qualifier": None, "status": None},
        {"commitment_id": "old/c2", "plan_id": "old", "indicator_id": "m", "target_value": 250000.0,
         "target_as_printed": "250,000", "target_kind": "level", "deadline": "2018-03-31", "basis": None,
         "qualifier": None, "status": None},
    ])
    table = promises.ledger(commitments, observations, indicators, plans, AS_OF).set_index("commitment_id")
    assert (table.loc["old/c1", "status"], table.loc["old/c1", "evidence_source"]) == ("achieved", "a")
    assert (table.loc["old/c2", "status"], table.loc["old/c2", "evidence_source"]) == ("missed", "q")


@pytest.mark.parametrize("basis,expected", [("year", "whole year"), ("year-to-date", "year to date"),
                                            ("rolling-year", "rolling 12 months"), (None, ""), ("weekly", ""),
                                            (float("nan"), "")])
def test_a_basis_reads_in_a_few_words(basis, expected):
    assert display.basis_text(basis) == expected


def test_a_qualifier_or_basis_outside_the_vocabulary_is_refused(tmp_path):
    data = copy_data(tmp_path)
    path = data / "observations.csv"
    text = path.read_text(encoding="utf-8")
    # net-new-homes-completed 2016/17 is printed "over 650" (seed 000 line 343).
    row = next(line for line in text.split("\n") if line.startswith("net-new-homes-completed,2016/17"))
    assert ",650,,over 650,over,," in row
    bad = row.replace(",650,,over 650,over,,", ",650,,over 650,more than,weekly,")
    empty = row.replace(",650,,over 650,over,,", ",,,over 650,over,,")
    path.write_text(text.replace(row, bad + "\n" + empty.replace("2016/17", "2015/16")), encoding="utf-8")
    with pytest.raises(dataset.DataError) as error:
        dataset.load_tables(data)
    found = [p for p in error.value.problems if "qualifier" in p or "basis" in p]
    number = text.split("\n").index(row) + 1
    assert found == [
        f"observations.csv row {number}, column qualifier: 'more than' is not one of "
        "('over', 'under', 'about', 'at least', 'at most')",
        f"observations.csv row {number}, column basis: 'weekly' is not one of ('quarter', 'year-to-date', 'year', "
        "'month', 'rolling-year', 'cumulative', 'point-in-time')",
        f"observations.csv row {number + 1}, column qualifier: 'over' bounds no number (column actual is empty)",
    ]


def test_the_built_rag_takes_the_bound_into_account(db):
    row = queries.history(db, "net-new-homes-completed").iloc[0]
    assert (row["period"], row["actual"], row["qualifier"]) == ("2016/17", 650, "over")


def test_the_champions_series_has_its_2011_outcome_as_a_bound(db):
    # Seed 002 line 32: "There are more than 670 fully trained Neighbourhood Champions".
    row = queries.history(db, "trained-community-champions").iloc[0]
    assert (row["period"], row["actual"], row["qualifier"], row["actual_as_printed"]) == (
        "2010/11", 670, "over", "more than 670")


def test_the_equality_of_service_range_of_the_equality_objectives_is_a_range(db):
    # Seed 004 line 58: "between a score of 0.9 and 1.1".
    row = queries.history(db, "adult-social-care-equality-of-service").iloc[0]
    assert (row["period"], row["target_low"], row["target_high"], row["target"]) == ("2016/17", 0.9, 1.1, None)


def test_every_figure_and_every_commitment_with_a_number_has_a_unit():
    tables = dataset.load_tables()
    assert [r["indicator_id"] for r in tables["indicators"] if not r["unit"]] == []
    assert [r["commitment_id"] for r in tables["commitments"]
            if (r["target_value"] is not None or r["baseline_value"] is not None) and not r["unit"]] == []
    assert [r["service"] for r in tables["budget_lines"] if r["amount"] is not None and not r["unit"]] == []


def test_every_basis_has_its_few_words():
    from harrow_kpi.schema import BASES

    assert set(display.BASIS_LABELS) == set(BASES)


def test_a_bound_that_cannot_say_keeps_the_figure_it_judged_by():
    verdict = promises.judge(_commitment(), _evidence(("2018/19", "2019-03-31", 900.0, "over")), "higher", "count",
                             "2020-03-31", AS_OF)
    assert (verdict["evidence"]["period"], verdict["evidence"]["actual"]) == ("2018/19", 900.0)


def test_a_one_character_figure_reads_with_its_bound():
    assert figure_text("5", 5, None, "under") == "under 5"


def test_the_build_gives_a_bounded_figure_the_band_it_is_sure_of():
    """'under 202,000' against a target of 202,000, more being better: short of it, by an amount not
    printed, so no band; read as 202,000 itself it would be Low Green (met)."""
    def book_issues(rows):
        key = ("book-issues", "2019/20 Q2", None)
        return next(r for r in rows if (r["indicator_id"], r["period"], r["ward_code"]) == key)

    tables = dataset.load_tables()
    book_issues(tables["observations"]).update(actual=202000.0, qualifier="under")
    assert book_issues(dataset.prepare(tables)["observations"])["rag_computed"] is None
    book_issues(tables["observations"]).update(qualifier=None)
    assert book_issues(dataset.prepare(tables)["observations"])["rag_computed"] == "LG"
