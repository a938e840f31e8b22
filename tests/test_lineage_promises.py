"""Theme lineage and the promises ledger: walking the curated links, judging promises."""

import datetime as dt

import pandas as pd
import pytest

from harrow_kpi import lineage, promises, queries

ORDER = ["bvpp-2004", "priorities-2011", "equality-2016", "hap-2020", "scorecard-2019"]


def test_environment_in_2004_leads_to_build_a_better_harrow(db):
    links = queries.theme_links(db)
    line = lineage.descendants("bvpp-2004/environmental-priorities", links)
    assert "priorities-2011/keeping-neighbourhoods-clean-green-and-safe" in line
    assert "scorecard-2019/build-a-better-harrow" in line
    assert "bvpp-2004/environmental-priorities" in lineage.ancestors("scorecard-2019/build-a-better-harrow", links)


def test_every_link_joins_consecutive_plans_and_cites_a_line_of_the_later_plan(db):
    from tests.helpers import seed_lines

    links = queries.theme_links(db)
    plans = queries.plans(db).set_index("plan_id")
    for row in links.to_dict("records"):
        earlier, later = row["from_theme_id"].split("/")[0], row["to_theme_id"].split("/")[0]
        assert ORDER.index(later) == ORDER.index(earlier) + 1, row
        assert row["seed"] == plans.loc[later, "seed"]
        assert seed_lines(row["seed"])[row["line"] - 1].strip()
        assert row["rationale"]


def test_every_theme_has_a_predecessor_or_a_successor(db):
    themes, links = queries.themes(db), queries.theme_links(db)
    for theme in lineage.top_themes(themes).to_dict("records"):
        index = ORDER.index(theme["plan_id"])
        if index < len(ORDER) - 1:
            assert (links["from_theme_id"] == theme["theme_id"]).any(), theme["theme_id"]
        if index > 0:
            assert (links["to_theme_id"] == theme["theme_id"]).any(), theme["theme_id"]


def test_subtree_includes_printed_objectives(db):
    tree = lineage.subtree("scorecard-2019/build-a-better-harrow", queries.themes(db))
    assert len(tree) == 6  # the priority and its five objectives


def _commitment(**overrides):
    base = {"commitment_id": "x/c001", "plan_id": "x", "indicator_id": "m", "target_value": 50.0,
            "target_as_printed": "50%", "target_kind": "level", "deadline": "2018-03-31"}
    return {**base, **overrides}


def _evidence(*rows):
    return pd.DataFrame([{"period": p, "period_end": end, "actual": a, "actual_as_printed": None,
                          "source": "src"} for p, end, a in rows])


AS_OF = dt.date(2019, 9, 30)


@pytest.mark.parametrize(
    "polarity,actual,status",
    [("higher", 52.0, "achieved"), ("higher", 48.0, "missed"), ("lower", 48.0, "achieved"), ("lower", 52.0, "missed")],
)
def test_a_passed_deadline_is_judged_on_the_first_figure_after_it(polarity, actual, status):
    evidence = _evidence(("2017/18 Q4", "2018-03-31", actual), ("2018/19 Q2", "2018-09-30", 10.0))
    verdict = promises.judge(_commitment(), evidence, polarity, "percent", None, AS_OF)
    assert verdict["status"] == status
    assert verdict["evidence"]["period"] == "2017/18 Q4"


def test_a_future_deadline_is_in_progress_with_the_latest_figure():
    evidence = _evidence(("2018/19 Q2", "2018-09-30", 40.0), ("2019/20 Q1", "2019-06-30", 42.0))
    verdict = promises.judge(_commitment(deadline="2020-12-31"), evidence, "higher", "percent", None, AS_OF)
    assert verdict["status"] == "in progress" and verdict["on_track"] is False
    assert "42" in verdict["detail"] and "8.0 points" in verdict["detail"]


def test_no_later_figure_means_no_later_evidence():
    verdict = promises.judge(_commitment(), _evidence(), "higher", "percent", None, AS_OF)
    assert verdict["status"] == "no later evidence"


def test_a_figure_years_after_the_deadline_does_not_judge_it():
    evidence = _evidence(("2019/20 Q1", "2019-06-30", 99.0))
    verdict = promises.judge(_commitment(deadline="2012-03-31"), evidence, "higher", "percent", None, AS_OF)
    assert verdict["status"] == "no later evidence"
    assert "too long after" in verdict["detail"]


def test_a_change_target_is_not_comparable_with_levels():
    evidence = _evidence(("2019/20 Q1", "2019-06-30", 99.0))
    verdict = promises.judge(_commitment(target_kind="change"), evidence, "higher", "count", None, AS_OF)
    assert verdict["status"] == "not comparable"


def test_a_missing_deadline_falls_back_to_the_plan_end():
    deadline, source = promises.effective_deadline(_commitment(deadline=None), "2020")
    assert (deadline, source) == (dt.date(2020, 12, 31), "plan end")


def test_the_2020_ambitions_missed_according_to_the_2019_20_data(db):
    ledger = promises.ledger(queries.commitments(db), queries.observations(db), queries.indicators(db),
                             queries.plans(db), AS_OF)
    missed = ledger[(ledger["plan_id"] == "hap-2020") & (ledger["status"] == "missed")]
    assert set(missed["commitment_id"]) == {"hap-2020/c048", "hap-2020/c058"}
    champions = missed.set_index("commitment_id").loc["hap-2020/c058"]
    assert champions["evidence_period"] == "2018/19 Q2" and champions["evidence_actual"] == 1089
    recycling = ledger.set_index("commitment_id").loc["hap-2020/c063"]
    assert recycling["status"] == "in progress"
    assert set(ledger["status"]) <= set(promises.STATUSES)


def test_history_statements_say_met_or_missed_and_by_how_much(db):
    history = queries.history(db, "household-waste-recycled")
    sentences = promises.history_statements(history, "higher", "percent")
    expected = "2019/20 Q1: 42% against a target of 50%: missed, 8.0 points (16%) short"
    assert any(s.startswith(expected) for s in sentences)
    assert any(s.startswith("2003/04 Q4: 14.5% against a target of 16%: missed") for s in sentences)
