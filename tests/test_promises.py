"""The promises ledger: a commitment judged from figures printed in later documents.

Hand-made commitments and figures, so that every deadline boundary and every sentence
a councillor reads is written out here.
"""

import datetime as dt
import math

import pandas as pd
import pytest

from harrow_kpi import promises

AS_OF = dt.date(2020, 9, 30)


def commitment(**overrides):
    base = {"commitment_id": "x/c001", "plan_id": "x", "indicator_id": "m", "target_value": 50.0,
            "target_as_printed": "50%", "target_kind": "level", "deadline": "2018-03-31"}
    return {**base, **overrides}


def evidence(*rows):
    return pd.DataFrame([{"period": p, "period_end": end, "actual": a, "actual_as_printed": None, "source": "src"}
                         for p, end, a in rows],
                        columns=["period", "period_end", "actual", "actual_as_printed", "source"])


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2018-03-31", dt.date(2018, 3, 31)),
        (" 2018-03-31 ", dt.date(2018, 3, 31)),
        ("2020", dt.date(2020, 12, 31)),  # a bare year means its last day
        ("2020 ", dt.date(2020, 12, 31)),
        ("March 2020", None),
        ("20201", None),
        ("2018-03-31T00:00", None),
        ("18-03-31", None),
        ("", None),
        ("   ", None),
        (None, None),
        (2020, None),
        (math.nan, None),
    ],
)
def test_a_deadline_is_an_iso_date_or_a_bare_year(text, expected):
    assert promises.parse_date(text) == expected


@pytest.mark.parametrize(
    "deadline,plan_end,expected",
    [
        ("2018-03-31", "2020-03-31", (dt.date(2018, 3, 31), "printed")),
        ("2019", "2020-03-31", (dt.date(2019, 12, 31), "printed")),
        (None, "2020-03-31", (dt.date(2020, 3, 31), "plan end")),
        (None, "2020", (dt.date(2020, 12, 31), "plan end")),
        ("by the end of the plan", "2021-03-31", (dt.date(2021, 3, 31), "plan end")),
        (None, None, (None, "")),
        ("", "", (None, "")),
    ],
)
def test_the_effective_deadline_is_the_printed_one_else_the_plan_end(deadline, plan_end, expected):
    assert promises.effective_deadline(commitment(deadline=deadline), plan_end) == expected


@pytest.mark.parametrize(
    "actual,target,polarity,expected",
    [
        (50, 50, "higher", True),
        (51, 50, "higher", True),
        (49, 50, "higher", False),
        (50, 50, "lower", True),
        (49, 50, "lower", True),
        (51, 50, "lower", False),
        (50, 50, "range", None),
        (50, 50, None, None),
    ],
)
def test_meeting_a_target_exactly_counts_as_meeting_it(actual, target, polarity, expected):
    assert promises.meets(actual, target, polarity) is expected


@pytest.mark.parametrize(
    "actual,target,polarity,unit,expected",
    [
        (42.0, 50.0, "higher", "percent", "8.0 points (16%) short of target"),
        (52.0, 50.0, "higher", "percent", "2.0 points (4%) better than target"),
        (50.0, 50.0, "higher", "percent", "0.0 points (0%) better than target"),
        (45.0, 50.0, "lower", "percent", "5.0 points (10%) better than target"),
        (1089, 1500, "higher", "count", "411 (27%) short of target"),
        (3234, 2000, "higher", "count", "1,234 (62%) better than target"),
        (3234, 2000, "higher", None, "1,234 (62%) better than target"),
        (2.5, 2, "lower", "days", "0.5 (25%) short of target"),
        (3, 0, "higher", "count", "3 better than a zero target"),
        (3, 0, "lower", "count", "3 off a zero target"),
        (3.0, 0.0, "lower", "percent", "3.0 points off a zero target"),
        (0, 0, "lower", "count", "0 (0%) better than target"),
        (math.nan, 50.0, "higher", "percent", ""),
        (42.0, None, "higher", "percent", ""),
    ],
)
def test_the_gap_to_a_target_in_points_or_in_the_measure_s_own_units(actual, target, polarity, unit, expected):
    assert promises.gap_text(actual, target, polarity, unit) == expected


def test_without_a_figure_there_is_no_later_evidence():
    verdict = promises.judge(commitment(), evidence(), "higher", "percent", None, AS_OF)
    assert verdict == {"status": "no later evidence", "deadline": dt.date(2018, 3, 31), "deadline_source": "printed",
                       "evidence": None, "detail": "No later document prints a figure for this measure."}


def test_rows_without_an_actual_are_not_figures():
    rows = evidence(("2017/18 Q4", "2018-03-31", math.nan), ("2018/19 Q1", "2018-06-30", None))
    verdict = promises.judge(commitment(), rows, "higher", "percent", None, AS_OF)
    assert verdict["status"] == "no later evidence"
    assert verdict["detail"] == "No later document prints a figure for this measure."


def test_a_commitment_tied_to_no_measure_has_no_later_evidence():
    rows = evidence(("2017/18 Q4", "2018-03-31", 52.0))
    verdict = promises.judge(commitment(indicator_id=None), rows, "higher", "percent", None, AS_OF)
    assert verdict["status"] == "no later evidence" and verdict["evidence"] is None


@pytest.mark.parametrize(
    "overrides,polarity",
    [
        ({"target_kind": "change"}, "higher"),
        ({"target_kind": "programme total"}, "higher"),
        ({"target_value": math.nan}, "higher"),
        ({"target_value": None}, "higher"),
        ({}, "range"),
        ({}, None),
    ],
)
def test_a_target_that_is_not_a_level_is_not_comparable_with_the_latest_figure(overrides, polarity):
    rows = evidence(("2019/20 Q1", "2019-06-30", 99.0), ("2017/18 Q4", "2018-03-31", 52.0))
    verdict = promises.judge(commitment(**overrides), rows, polarity, "percent", None, AS_OF)
    assert verdict["status"] == "not comparable"
    assert verdict["evidence"]["period"] == "2019/20 Q1"
    assert verdict["detail"] == ("Later figures exist (latest 2019/20 Q1: 99), but the promise is not a level "
                                 "on the same basis as the measure.")


@pytest.mark.parametrize(
    "period_end,status",
    [
        ("2018-03-30", "no later evidence"),  # the day before the deadline says nothing
        ("2018-03-31", "achieved"),  # a figure exactly on the deadline judges it
        ("2019-03-31", "achieved"),
        ("2020-03-31", "achieved"),  # exactly 731 days (two years, one of them leap) after the deadline
        ("2020-04-01", "no later evidence"),  # one day later is too late
    ],
)
def test_a_passed_deadline_is_judged_within_two_years_of_it(period_end, status):
    rows = evidence(("the period", period_end, 52.0))
    verdict = promises.judge(commitment(), rows, "higher", "percent", None, AS_OF)
    assert verdict["status"] == status


def test_a_deadline_on_the_day_of_the_latest_data_has_passed():
    rows = evidence(("2020/21 Q2", "2020-09-30", 48.0))
    verdict = promises.judge(commitment(deadline="2020-09-30"), rows, "higher", "percent", None, AS_OF)
    assert verdict["status"] == "missed"


def test_the_first_figure_after_the_deadline_judges_it_whatever_the_row_order():
    rows = evidence(("2018/19 Q2", "2018-09-30", 60.0), ("2017/18 Q3", "2017-12-31", 60.0),
                    ("2018/19 Q1", "2018-06-30", 48.0))
    verdict = promises.judge(commitment(), rows, "higher", "percent", None, AS_OF)
    assert verdict["status"] == "missed" and verdict["evidence"]["period"] == "2018/19 Q1"
    assert verdict["detail"] == "Missed: 48 in 2018/19 Q1 against the target of 50%, 2.0 points (4%) short of target."


def test_an_achieved_promise_says_by_how_much():
    rows = evidence(("2017/18 Q4", "2018-03-31", 52.0))
    rows["actual_as_printed"] = "52%"
    verdict = promises.judge(commitment(), rows, "higher", "percent", None, AS_OF)
    assert verdict["status"] == "achieved"
    assert verdict["detail"] == ("Achieved: 52% in 2017/18 Q4 against the target of 50%, "
                                 "2.0 points (4%) better than target.")
    assert (verdict["deadline"], verdict["deadline_source"]) == (dt.date(2018, 3, 31), "printed")


@pytest.mark.parametrize("printed", [None, ""])
def test_a_target_not_printed_as_text_is_just_the_target(printed):
    rows = evidence(("2017/18 Q4", "2018-03-31", 1200))
    verdict = promises.judge(commitment(target_value=1000, target_as_printed=printed), rows, "lower", "count",
                             None, AS_OF)
    assert verdict["detail"] == "Missed: 1,200 in 2017/18 Q4 against the target, 200 (20%) short of target."


def test_a_figure_years_after_the_deadline_is_named_but_does_not_judge_it():
    rows = evidence(("2020/21 Q1", "2020-06-30", 10.0), ("2019/20 Q1", "2019-06-30", 99.0),
                    ("2011/12 Q3", "2011-12-31", 30.0))
    verdict = promises.judge(commitment(deadline="2012-03-31"), rows, "higher", "percent", None, AS_OF)
    assert verdict["status"] == "no later evidence" and verdict["evidence"] is None
    assert verdict["detail"] == ("No figure within two years after the deadline (March 2012). "
                                 "The next figure is 99 in 2019/20 Q1, too long after to judge it.")


def test_figures_only_before_a_passed_deadline_leave_it_unjudged():
    rows = evidence(("2017/18 Q3", "2017-12-31", 52.0))
    verdict = promises.judge(commitment(), rows, "higher", "percent", None, AS_OF)
    assert verdict["status"] == "no later evidence"
    assert verdict["detail"] == "No figure within two years after the deadline (March 2018)."


def test_a_future_deadline_is_in_progress_and_behind_on_the_latest_figure():
    rows = evidence(("2019/20 Q1", "2019-06-30", 42.0), ("2018/19 Q2", "2018-09-30", 55.0))
    verdict = promises.judge(commitment(deadline=None), rows, "higher", "percent", "2021", AS_OF)
    assert verdict["status"] == "in progress" and verdict["on_track"] is False
    assert verdict["evidence"]["period"] == "2019/20 Q1"
    assert (verdict["deadline"], verdict["deadline_source"]) == (dt.date(2021, 12, 31), "plan end")
    assert verdict["detail"] == ("In progress (by December 2021): 42 in 2019/20 Q1 against the target of 50%, "
                                 "behind: 8.0 points (16%) short of target.")


def test_a_promise_met_so_far_is_on_track():
    rows = evidence(("2020/21 Q1", "2020-06-30", 50.0))
    verdict = promises.judge(commitment(deadline="2020-10-01"), rows, "higher", "percent", None, AS_OF)
    assert verdict["status"] == "in progress" and verdict["on_track"] is True
    assert verdict["detail"] == ("In progress (by October 2020): 50 in 2020/21 Q1 against the target of 50%, "
                                 "on track: 0.0 points (0%) better than target.")


def test_a_promise_with_no_deadline_at_all_is_in_progress():
    rows = evidence(("2019/20 Q1", "2019-06-30", 40.0))
    verdict = promises.judge(commitment(deadline=None), rows, "lower", "percent", None, AS_OF)
    assert (verdict["status"], verdict["on_track"], verdict["deadline"]) == ("in progress", True, None)
    assert verdict["detail"] == ("In progress (with no deadline): 40 in 2019/20 Q1 against the target of 50%, "
                                 "on track: 10.0 points (20%) better than target.")


PLANS = pd.DataFrame({"plan_id": ["old", "mid", "new"], "period_end": ["2016-03-31", "2019", None]})
INDICATORS = pd.DataFrame({"indicator_id": ["recycling", "homes"], "polarity": ["higher", "lower"],
                           "unit": ["percent", "count"]})


def observations(*rows):
    columns = ["indicator_id", "plan_id", "ward_code", "period", "period_end", "actual", "actual_as_printed",
               "source"]
    return pd.DataFrame([dict(zip(columns, row)) for row in rows], columns=columns)


def commitments(*rows):
    columns = ["commitment_id", "plan_id", "indicator_id", "target_value", "target_as_printed", "target_kind",
               "deadline", "status"]
    return pd.DataFrame([dict(zip(columns, row)) for row in rows], columns=columns)


def test_the_ledger_judges_a_promise_on_figures_printed_in_later_plans_only():
    obs = observations(
        ("recycling", "old", None, "2015/16 Q4", "2016-03-31", 60.0, "60%", "old line 9"),  # its own plan
        ("recycling", "mid", "E05000304", "2016/17 Q1", "2016-06-30", 70.0, "70%", "mid line 3"),  # a ward's
        ("recycling", "mid", None, "2016/17 Q2", "2016-09-30", 45.0, "45%", "mid line 4"),
    )
    promise = ("old/c001", "old", "recycling", 50.0, "50%", "level", None, "On track")
    ledger = promises.ledger(commitments(promise), obs, INDICATORS, PLANS, AS_OF)
    assert ledger.to_dict("records") == [{
        "commitment_id": "old/c001", "plan_id": "old", "indicator_id": "recycling", "target_value": 50.0,
        "target_as_printed": "50%", "target_kind": "level", "deadline": None, "status": "missed",
        "printed_status": "On track", "effective_deadline": "2016-03-31", "deadline_source": "plan end",
        "detail": "Missed: 45% in 2016/17 Q2 against the target of 50%, 5.0 points (10%) short of target.",
        "evidence_period": "2016/17 Q2", "evidence_actual": 45.0, "evidence_source": "mid line 4",
    }]


def test_the_ledger_ignores_figures_from_the_same_or_an_earlier_plan():
    obs = observations(
        ("homes", "old", None, "2015/16 Q4", "2016-03-31", 10.0, None, "old line 9"),
        ("homes", "mid", None, "2018/19 Q4", "2019-03-31", 10.0, None, "mid line 9"),
    )
    promise = ("mid/c001", "mid", "homes", 20.0, "20", "level", "2019-03-31", None)
    row = promises.ledger(commitments(promise), obs, INDICATORS, PLANS, AS_OF).iloc[0]
    assert row["status"] == "no later evidence" and row["evidence_period"] is None
    assert row["detail"] == "No later document prints a figure for this measure."


def test_the_ledger_uses_each_measure_s_own_polarity_and_figures():
    obs = observations(
        ("homes", "new", None, "2019/20 Q4", "2020-03-31", 15.0, None, "new line 2"),
        ("recycling", "new", None, "2019/20 Q4", "2020-03-31", 10.0, None, "new line 1"),
    )
    rows = commitments(("mid/c001", "mid", "homes", 20.0, "20", "level", "2020-03-31", None),
                       ("mid/c002", "mid", "waste", 20.0, "20", "level", "2020-03-31", None))
    ledger = promises.ledger(rows, obs, INDICATORS, PLANS, AS_OF).set_index("commitment_id")
    homes = ledger.loc["mid/c001"]
    assert (homes["status"], homes["evidence_actual"], homes["evidence_source"]) == ("achieved", 15.0, "new line 2")
    assert homes["detail"] == "Achieved: 15 in 2019/20 Q4 against the target of 20, 5 (25%) better than target."
    assert ledger.loc["mid/c002", "status"] == "no later evidence"  # a measure with no figures at all


def test_the_ledger_leaves_out_promises_with_no_deadline_at_all():
    obs = observations(("homes", "new", None, "2019/20 Q4", "2020-03-31", 15.0, None, "new line 2"))
    rows = commitments(("new/c001", "new", "homes", 20.0, "20", "level", None, None),
                       ("new/c002", "new", "homes", 20.0, "20", "level", "2022", None))
    ledger = promises.ledger(rows, obs, INDICATORS, PLANS, AS_OF)
    assert list(ledger["commitment_id"]) == ["new/c002"]
    assert list(ledger["effective_deadline"]) == ["2022-12-31"]


def test_a_promise_from_a_plan_not_in_the_list_is_judged_on_every_figure():
    obs = observations(("homes", "old", None, "2015/16 Q4", "2016-03-31", 25.0, None, "old line 9"))
    promise = ("other/c001", "other", "homes", 20.0, "20", "level", "2016-03-31", None)
    row = promises.ledger(commitments(promise), obs, INDICATORS, PLANS, AS_OF).iloc[0]
    assert (row["status"], row["evidence_source"]) == ("missed", "old line 9")


def history(*rows, titles=True):
    frame = pd.DataFrame([{"period": p, "actual": a, "actual_as_printed": ap, "target": t, "target_as_printed": tp,
                           "plan_id": "hap-2020", "plan_title": "Harrow Ambition Plan 2020"}
                          for p, a, ap, t, tp in rows], dtype=object)  # None stays None, as SQLite gives it
    return frame if titles else frame.drop(columns="plan_title")


def test_history_statements_are_plain_sentences():
    rows = history(("2019/20 Q1", 42.0, "42%", 50.0, "50%"), ("2018/19 Q4", 51.0, None, 50.0, None),
                   ("2018/19 Q3", None, None, 50.0, "50%"), ("2018/19 Q2", 40.0, "40%", None, None))
    assert promises.history_statements(rows, "higher", "percent") == [
        "2019/20 Q1: 42% against a target of 50%: missed, 8.0 points (16%) short of target "
        "(Harrow Ambition Plan 2020).",
        "2018/19 Q4: 51 against a target of 50: met, 1.0 points (2%) better than target (Harrow Ambition Plan 2020).",
    ]


def test_history_statements_name_the_plan_by_its_id_without_a_title():
    rows = history(("2019/20 Q1", 12.5, None, 12.5, None), titles=False)
    assert promises.history_statements(rows, "lower", "days") == [
        "2019/20 Q1: 12.5 against a target of 12.5: met, 0 (0%) better than target (hap-2020).",
    ]


@pytest.mark.parametrize(
    "rows,polarity",
    [(None, "higher"), (history(), "higher"), (history(("2019/20 Q1", 42.0, "42%", 50.0, "50%")), "range"),
     (history(("2019/20 Q1", 42.0, "42%", 50.0, "50%")), None)],
)
def test_no_history_statements_without_figures_or_a_direction(rows, polarity):
    assert promises.history_statements(rows, polarity, "percent") == []
