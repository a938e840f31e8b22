"""The quarter in plain English, on the real 2019/20 Q2 data and on small hand-made scorecards.

Expected counts and names are read by hand from the Q1 and Q2 2019/20 columns of the scorecard
tables in ../shared/seeds/001_efe026106ea22757.txt (cited by line below).
"""

import pandas as pd
import pytest

from harrow_kpi import briefing, filters, narrative, queries, store


@pytest.fixture(scope="module")
def quarter(db_file):
    """Read once for the module (a tenth of a second): the tests only read it."""
    with store.opened(db_file) as db:
        table = queries.scorecard(db, "2019/20 Q2")
        return table, queries.scorecard(db, "2019/20 Q1"), queries.histories(db, table["indicator_id"])


@pytest.fixture()
def sentences(quarter):
    table, previous, _ = quarter
    return {s.key: s for s in narrative.quarter_summary(table, previous)}


def measure(indicator_id, **values):
    row = {"indicator_id": indicator_id, "name": indicator_id.replace("-", " ").capitalize(), "period": "2019/20 Q3",
           "polarity": "higher", "direction": None, "rag_reported": None, "rag_computed": None, "rag_differs": False,
           "actual": None, "actual_as_printed": None, "target": None, "target_low": None, "target_high": None,
           "previous_actual": None, "previous_target": None, "previous_target_low": None,
           "previous_target_high": None}
    return {**row, **values}


def scorecard(*rows):
    return pd.DataFrame(list(rows))


def test_direction_sentence_counts_measures_with_figures_in_both_quarters(sentences):
    # 61 measures have a figure in both Q1 and Q2 columns; each compared by its distance from target
    # (or its figure, without targets): 24 closer, 12 as close (e.g. line 461 91% and 91%), 25 further.
    sentence = sentences["direction"]
    assert sentence.text == ("In 2019/20 Q2, of the 61 measures with figures in this quarter and the last, "
                             "24 improved, 12 unchanged and 25 worsened.")
    assert len(sentence.rows) == 61
    assert "net-new-homes-completed" not in set(sentence.rows["indicator_id"])  # line 124: Reports Q4 Only


def test_the_biggest_improvement_and_the_biggest_fall_are_named(sentences):
    # line 312: 8.5% against 4.5% (89% off, lower is better) to 3.7% (18% better): the largest change of distance.
    # line 166: 3 rough sleepers then 7, no target: 133% worse, the largest fall.
    sentence = sentences["moved"]
    assert sentence.text == (
        "Against their targets, the biggest improvement was "
        "“NEW Staff turnover in Children and Young People Services (social workers)” (now 3.7%) and the biggest "
        "fall was “New Number of rough sleepers provided with new supported accommodation” (now 7).")
    assert sentence.rows["indicator_id"].tolist() == [
        "social-worker-turnover", "rough-sleepers-supported-accommodation"]


def test_new_high_reds_are_those_not_high_red_last_quarter(sentences):
    sentence = sentences["new_high_red"]
    # HR in Q2 but not in Q1: lines 113 (LG), 130 (no survey), 162 (A), 297 (A), 305 (A), 477 (LG), 471 (A).
    assert set(sentence.rows["indicator_id"]) == {
        "council-homes-started", "street-cleaning-got-better", "homelessness-duty-accepted", "youth-reoffending",
        "domestic-abuse-offences", "data-breaches", "adult-social-care-equality-of-service"}
    assert sentence.text == (
        "7 measures are newly High Red: “Number of new Council homes started on site (cumulative)”, "
        "“% who agree that street cleaning services have got better in last 12 months (survey)”, "
        "“Total number of households to whom we have accepted a full homelessness duty in the previous 12 months” "
        "and 4 more.")


def test_newly_met_targets(sentences):
    sentence = sentences["newly_met"]
    # Off target in Q1, on it in Q2: lines 174 (15.5 -> 13.4 against 14), 298 (9 -> 8 against 8),
    # 312 (8.5% -> 3.7% against 4.5%), 465 (4.63% -> 5.66% against 5%), 475 (14.7% -> 15% against 15%).
    assert set(sentence.rows["indicator_id"]) == {
        "looked-after-children-emotional-health", "youth-custodial-sentences", "social-worker-turnover",
        "top-earners-disabled", "leisure-users-60-plus"}
    assert sentence.text.startswith("5 measures newly met their target: “The emotional health of children looked")
    assert sentence.text.endswith(" and 2 more.")


def test_high_reds_in_all_and_rag_differences(sentences):
    assert sentences["high_red"].text == "13 measures are High Red in all."
    assert len(sentences["high_red"].rows) == 13
    # lines 112, 163, 310 and 471 print a RAG that Harrow's rule does not give.
    assert sentences["differs"].rows["indicator_id"].tolist() == [
        "residents-influence-local-decisions", "homelessness-prevented", "people-get-on-well-together",
        "adult-social-care-equality-of-service"]
    assert sentences["differs"].text == (
        "For 4 measures the reported RAG differs from Harrow's rule: "
        "“% of residents who feel able to influence local decisions”, "
        "“Number of cases where positive action is taken to prevent homelessness (year to date)”, "
        "“Percentage of residents who agree that people from different backgrounds get on well together in their "
        "local area (survey) (equalities measure)” and 1 more.")
    assert list(sentences) == ["direction", "moved", "new_high_red", "newly_met", "high_red", "differs"]


def test_what_needs_attention_in_2019_20_q2(quarter):
    table, _, histories = quarter
    attention = narrative.needs_attention(table, histories).set_index("indicator_id")["reason"].to_dict()
    worse = "worse in each of 2019/20 Q1 and 2019/20 Q2"
    assert attention == {
        # printed High Red in Q2
        "council-homes-started": "High Red", "rp-affordable-homes-completed": "High Red",
        "street-cleaning-got-better": "High Red", "families-in-bed-and-breakfast": "High Red",
        "anti-social-behaviour-incidents": "High Red", "youth-reoffending": "High Red",
        "domestic-abuse-offences": "High Red", "sickness-absence": "High Red", "data-breaches": "High Red",
        "employees-under-25": "High Red", "adult-social-care-equality-of-service": "High Red",
        "homelessness-duty-accepted": f"High Red; {worse}",  # line 162: 199 v 320, 218 v 210, 242 v 210
        "disabled-employees": f"High Red; {worse}",  # line 462: 1.99%, 1.91%, 1.86% against 3%
        # further from target (or worse, without one) at each step
        "council-tax-collected": worse,  # line 117: -1.4%, -1.5%, -2.2%
        "land-below-litter-standard": worse,  # line 129: 5%, 6%, 7% against 10%, lower is better
        "total-crime-incidents": worse,  # line 303: 14,283, 16,343, 16,896
        "total-crime-rate": worse,  # line 304: 56.07, 64.2, 66.32
        "domestic-incidents": worse,  # line 306: 2976 v 2985, 3101 v 3065, 3141 v 2975
        # 78% in 2009/10 (seed 004 line 119), 77% against 70% in 2017/18 Q2 (seed 000 line 380), 77% against 77%
        "people-get-on-well-together": "worse in each of 2017/18 Q2 and 2019/20 Q2",
    }
    # line 118: 60.16% v 59.5%, 34.88% v 34%, 59.21% v 59% - closer then further: only one step worse.
    assert "business-rates-collected" not in attention


def history(*figures):
    """Periods 2019/20 Q1, Q2, Q3 and so on, each (actual, target)."""
    labels = ["2018/19 Q4", "2019/20 Q1", "2019/20 Q2", "2019/20 Q3", "2019/20 Q4"]
    orders = [20184, 20191, 20192, 20193, 20194]
    return pd.DataFrame([{"period": labels[i], "period_order": orders[i], "actual": actual, "target": target}
                         for i, (actual, target) in enumerate(figures)])


@pytest.mark.parametrize(
    "figures,polarity,rag,reason",
    [
        ([(50, 40), (45, 40), (42, 40)], "higher", "LG", "worse in each of 2019/20 Q1 and 2019/20 Q2"),
        ([(50, 40), (45, 40), (46, 40)], "higher", "LG", None),  # worse, then better: only one step
        ([(45, 40), (46, 40), (42, 40)], "higher", "LG", None),  # better, then worse
        ([(45, 40), (45, 40), (42, 40)], "higher", "LG", None),  # unchanged, then worse
        ([(5, None), (6, None), (7, None)], "lower", None, "worse in each of 2019/20 Q1 and 2019/20 Q2"),
        ([(5, None), (6, None), (7, None)], "higher", "HR", "High Red"),
        ([(7, None), (6, None), (5, None)], "higher", "HR", "High Red; worse in each of 2019/20 Q1 and 2019/20 Q2"),
        ([(1.3, None), (1.2, None), (1.1, None)], "range", "A", None),  # no worse or better outside a target
        ([(45, 40), (42, 40)], "higher", "LG", None),  # two figures are one step
        ([(40, 40), (50, 40), (45, 40), (42, 40)], "higher", "LG",
         "worse in each of 2019/20 Q2 and 2019/20 Q3"),  # only the three latest figures count
        ([(50, 40), (45, 40), (None, 40), (42, 40)], "higher", "LG",
         "worse in each of 2019/20 Q1 and 2019/20 Q3"),  # a quarter without a figure is skipped
    ],
)
def test_needs_attention_when_high_red_or_worse_in_each_of_the_last_two_steps(figures, polarity, rag, reason):
    last = history(*figures)["period"].iloc[-1]
    table = scorecard(measure("m", period=last, polarity=polarity, rag_reported=rag))
    attention = narrative.needs_attention(table, {"m": history(*figures)})
    assert attention["reason"].tolist() == ([reason] if reason else [])


def test_needs_attention_ignores_figures_after_the_quarter_and_measures_without_history():
    table = scorecard(measure("m", period="2019/20 Q2"), measure("n", period="2019/20 Q2"))
    later = history((50, 40), (45, 40), (42, 40), (30, 40))  # the fall to 2019/20 Q3 is after the quarter shown
    attention = narrative.needs_attention(table, {"m": later, "n": history()})
    assert attention["indicator_id"].tolist() == ["m"]
    assert attention["reason"].tolist() == ["worse in each of 2019/20 Q1 and 2019/20 Q2"]
    nothing = narrative.needs_attention(table, {})
    assert nothing.empty and list(nothing.columns) == [*table.columns, "reason"]


def test_one_of_each_reads_in_the_singular():
    table = scorecard(
        measure("a", name="Alpha", direction="improving", rag_reported="HR", rag_computed="HG", rag_differs=True,
                actual=12, target=10, previous_actual=8, previous_target=10),
        measure("b", name="Beta", direction="unchanged", actual=5, previous_actual=5),
        measure("c", name="Gamma"),
    )
    previous = scorecard(measure("a", rag_reported="A", rag_computed="LR"), measure("b", rag_computed="HG"))
    texts = [s.text for s in narrative.quarter_summary(table, previous)]
    assert texts == [
        "In 2019/20 Q3, of the 2 measures with figures in this quarter and the last, "
        "1 improved, 1 unchanged and 0 worsened.",
        "Against their targets, the biggest improvement was “Alpha” (now 12).",
        "1 measure is newly High Red: “Alpha”.",
        "1 measure newly met its target: “Alpha”.",
        "1 measure is High Red in all.",
        "For 1 measure the reported RAG differs from Harrow's rule: “Alpha”.",
    ]


def test_nothing_new_and_only_a_fall():
    table = scorecard(
        measure("a", name="Alpha", direction="worsening", rag_reported="HR", rag_computed="HG",
                actual=8, actual_as_printed="8%", previous_actual=10),
        measure("b", name="Beta", direction="worsening", actual=5, previous_actual=5.5, polarity="lower"),
    )
    previous = scorecard(measure("a", rag_reported="HR", rag_computed="HG"))
    sentences = {s.key: s for s in narrative.quarter_summary(table, previous)}
    assert sentences["direction"].text == ("In 2019/20 Q3, of the 2 measures with figures in this quarter and "
                                           "the last, 0 improved, 0 unchanged and 2 worsened.")
    # Alpha fell 20%; Beta, lower is better, improved 9%.
    assert sentences["moved"].text == ("Against their targets, the biggest improvement was “Beta” (now 5) and "
                                       "the biggest fall was “Alpha” (now 8%).")
    assert sentences["new_high_red"].text == "No measure is newly High Red."
    assert sentences["new_high_red"].rows.empty
    assert sentences["newly_met"].text == "No measure newly met its target."
    assert "differs" not in sentences


def test_only_a_fall_is_named_alone():
    table = scorecard(measure("a", name="Alpha", direction="worsening", actual=8, previous_actual=10))
    sentences = {s.key: s for s in narrative.quarter_summary(table)}
    assert sentences["moved"].text == "Against their targets, the biggest fall was “Alpha” (now 8)."
    assert sentences["moved"].rows["indicator_id"].tolist() == ["a"]
    assert list(sentences) == ["direction", "moved"]  # no previous scorecard: nothing "new"


def test_no_movement_no_comparison_no_sentences():
    still = scorecard(measure("a", direction="unchanged", actual=5, previous_actual=5))
    assert [s.key for s in narrative.quarter_summary(still, scorecard())] == ["direction"]
    assert narrative.quarter_summary(scorecard(measure("a")), None) == []
    assert narrative.quarter_summary(pd.DataFrame(columns=list(measure("a"))), None) == []  # a quarter with no rows


def test_names_are_listed_up_to_the_limit_then_counted():
    four = scorecard(*(measure(key, name=name, rag_reported="HR") for key, name in
                       [("a", "Alpha"), ("b", "Beta"), ("c", "Gamma"), ("d", "Delta")]))
    previous = scorecard(measure("z"))
    text = {s.key: s.text for s in narrative.quarter_summary(four, previous)}["new_high_red"]
    assert text == "4 measures are newly High Red: “Alpha”, “Beta”, “Gamma” and 1 more."
    text = {s.key: s.text for s in narrative.quarter_summary(four, previous, names=4)}["new_high_red"]
    assert text == "4 measures are newly High Red: “Alpha”, “Beta”, “Gamma” and “Delta”."
    both = four.assign(rag_computed="HG", rag_differs=True)
    was_off = scorecard(*(measure(key, rag_computed="A") for key in "abcd"))
    texts = {s.key: s.text for s in narrative.quarter_summary(both, was_off, names=4)}
    assert texts["newly_met"] == "4 measures newly met their target: “Alpha”, “Beta”, “Gamma” and “Delta”."
    assert texts["differs"] == ("For 4 measures the reported RAG differs from Harrow's rule: "
                                "“Alpha”, “Beta”, “Gamma” and “Delta”.")
    text = {s.key: s.text for s in narrative.quarter_summary(four.head(2), previous)}["new_high_red"]
    assert text == "2 measures are newly High Red: “Alpha” and “Beta”."


def test_newly_met_counts_only_measures_off_target_last_quarter():
    table = scorecard(measure("a", name="Alpha", rag_computed="LG"), measure("b", name="Beta", rag_computed="HG"),
                      measure("c", name="Gamma", rag_computed="HG"), measure("d", name="Delta", rag_computed="A"))
    previous = scorecard(measure("a", rag_computed="HR"), measure("b", rag_computed="A"),
                         measure("c", rag_computed="LG"), measure("d", rag_computed="HR"))
    sentence = {s.key: s for s in narrative.quarter_summary(table, previous)}["newly_met"]
    assert sentence.text == "2 measures newly met their target: “Alpha” and “Beta”."


@pytest.mark.parametrize(
    "row,expected",
    [
        (measure("a", actual=12, target=10, previous_actual=8, previous_target=10), 0.4),  # +20% from -20%
        (measure("a", polarity="lower", actual=9, target=10, previous_actual=11, previous_target=10), 0.2),
        (measure("a", polarity="range", actual=1.0, target_low=0.9, target_high=1.1, previous_actual=1.2,
                 previous_target_low=0.9, previous_target_high=1.1), 0.090909091),
        (measure("a", actual=12, previous_actual=10), 0.2),  # no targets: relative change
        (measure("a", polarity="lower", actual=12, previous_actual=10), -0.2),
        (measure("a", actual=12, target=10, previous_actual=-10), 2.2),  # one target only; |previous| as base
        (measure("a", polarity="range", actual=1.2, previous_actual=1.0), None),
        (measure("a", polarity=None, actual=12, previous_actual=10), None),
        (measure("a", polarity=None, actual=12, target=10, previous_actual=10, previous_target=10), None),
        (measure("a", actual=12, previous_actual=0), None),
        (measure("a", actual=12), None),
        (measure("a", previous_actual=12), None),
    ],
)
def test_movement_against_the_previous_quarter(row, expected):
    value = narrative.movement(scorecard(row)).iloc[0]
    assert pd.isna(value) if expected is None else value == pytest.approx(expected)


def test_movement_keeps_the_table_index_and_is_numeric_even_when_nothing_moved():
    table = scorecard(measure("a", actual=12, previous_actual=10), measure("b")).set_index(pd.Index([7, 9]))
    assert narrative.movement(table).index.tolist() == [7, 9]
    assert narrative.movement(scorecard(measure("a"), measure("b"))).dtype == "float64"


def test_the_briefing_pack_is_self_contained_escaped_and_prints_a_page_per_priority(quarter):
    table, previous, histories = quarter
    chosen = filters.Filters(quarter="2019/20 Q2", headline=True)
    text = briefing.build(table, previous, chosen, histories)
    assert text.startswith("<!DOCTYPE html>")
    assert "<script" not in text and "<link" not in text and "@import" not in text
    # the first priority follows the summary on page 1; each later one starts a page
    assert text.count("<section class='priority first'>") == 1 and text.count("<section class='priority'>") == 4
    assert "page-break-before: always" in text and "print-color-adjust: exact" in text
    assert len(text.encode("utf-8")) < 100_000  # no plotly.js: static SVG charts
    assert "headline measures only" in text
    assert "Staff sickness absence - average days per FTE (excluding schools staff)" in text
    assert "Percentage of Council Tax collected" not in text  # not a headline measure
    assert text.count('<svg class="trend"') >= 5


def test_the_briefing_pack_escapes_text_from_the_data(quarter):
    table, previous, histories = quarter
    table = table.copy()
    table.loc[table.index[0], "name"] = "<script>alert(1)</script>"
    text = briefing.build(table, previous, filters.Filters(quarter="2019/20 Q2"), histories)
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_the_biggest_movers_read_with_their_printed_bound():
    table = scorecard(measure("a", name="Alpha", direction="improving", actual=1200, actual_as_printed="1,200",
                              qualifier="over", target=1000, previous_actual=900, previous_target=1000))
    sentences = {s.key: s for s in narrative.quarter_summary(table)}
    assert sentences["moved"].text == "Against their targets, the biggest improvement was “Alpha” (now over 1,200)."
