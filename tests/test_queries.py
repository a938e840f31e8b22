"""Queries over the real store: the numbers the pages show.

Expected figures are read by hand from the Q2 2019/20 scorecard tables in
../shared/seeds/001_efe026106ea22757.txt (cited by line below).
"""

import math

import pandas as pd
import pytest

from harrow_kpi import ingest, queries, store, uploads

SEED = "001_efe026106ea22757.txt"


@pytest.fixture()
def q2(db):
    return queries.scorecard(db, "2019/20 Q2").set_index("indicator_id")


def test_reported_quarters_are_the_scorecard_columns(db):
    # The three column headings of every scorecard table (seed 001 line 110). 2018/19 Q3 is only
    # quoted in a commentary (line 293), 2018/19 is a whole year: neither is a column.
    assert queries.reported_quarters(db) == ["2018/19 Q2", "2019/20 Q1", "2019/20 Q2"]
    assert queries.latest_quarter(db) == "2019/20 Q2"


def test_a_plan_without_scorecard_columns_has_no_latest_quarter(db):
    assert queries.reported_quarters(db, "no-such-plan") == []
    assert queries.latest_quarter(db, "no-such-plan") is None


def _upload(path, text):
    with store.opened(path) as database:
        context = uploads.context(database)
    checked = ingest.check(text.encode(), "q3.csv", context)
    assert checked.ok, checked.problems
    return uploads.commit(path, checked, "officer")


def test_an_uploaded_quarter_is_a_column_but_ward_figures_alone_are_not(tmp_path):
    path = tmp_path / "x.db"
    store.build(path)
    header = "indicator_id,period,actual,target,rag,status_note,commentary,ward_code\n"
    _upload(path, header + "sickness-absence,2019/20 Q3,9.8,9,,,,\n"
            + "council-homes-started,2019/20 Q3,30,,,,,\n" + "book-issues,2019/20 Q3,\"230,000\",,,,,\n")
    _upload(path, header + "book-issues,2019/20 Q4,5,,,,,E05000285\n")
    with store.opened(path) as database:
        assert queries.reported_quarters(database, drafts=True) == [
            "2018/19 Q2", "2019/20 Q1", "2019/20 Q2", "2019/20 Q3"]
        assert queries.latest_quarter(database, drafts=True) == "2019/20 Q3"
        q3 = queries.scorecard(database, "2019/20 Q3").set_index("indicator_id")
        wards = queries.ward_observations(database)
    assert len(q3) == 114  # every measure, with or without an uploaded figure
    assert set(q3["period"]) == {"2019/20 Q3"}
    # Against Q2 (line 467 10.15 days, line 135 219,200 issues, line 113 27 homes started against 42):
    assert q3.loc["sickness-absence", "direction"] == "improving"
    assert q3.loc["book-issues", "direction"] == "improving"  # no target now: the figures compared
    assert pd.isna(q3.loc["council-homes-started", "direction"])  # cumulative without a target: not comparable
    assert wards[["indicator_id", "period", "ward_code", "actual"]].values.tolist() == [
        ["book-issues", "2019/20 Q4", "E05000285", 5.0]]
    assert wards.loc[0, "indicator_name"] == "Number of book issues"


def test_scorecard_has_one_row_per_measure_in_document_order(q2):
    assert len(q2) == 114
    assert q2.index.is_unique
    assert q2["priority_name"].notna().all()
    assert set(q2["period"]) == {"2019/20 Q2"}
    # Build a Better Harrow first, its headline measures before the others (lines 113, 114, 116).
    assert list(q2.index[:3]) == ["council-homes-started", "council-homes-completed", "grange-farm-homes-completed"]
    assert list(q2.index[-2:]) == ["leisure-users-60-plus", "leisure-users-bame"]  # lines 475, 476


def test_scorecard_carries_the_previous_and_year_earlier_figures(q2):
    sickness = q2.loc["sickness-absence"]  # line 467: 9 10.42 HR | 9 10.25 HR | 9 10.15 HR
    assert (sickness["actual"], sickness["target"]) == (10.15, 9)
    assert (sickness["previous_actual"], sickness["previous_target"]) == (10.25, 9)
    assert sickness["year_earlier_actual"] == 10.42
    assert (sickness["rag_reported"], sickness["rag_computed"]) == ("HR", "HR")
    equality = q2.loc["adult-social-care-equality-of-service"]  # line 471: 0.9-1.1 - A in Q1
    assert (equality["previous_target_low"], equality["previous_target_high"]) == (0.9, 1.1)
    assert pd.isna(equality["previous_actual"])
    assert pd.isna(q2.loc["book-issues", "previous_target_low"])


@pytest.mark.parametrize(
    "indicator_id,against_last_quarter,against_a_year_earlier",
    [
        # line 138: 49,000 44,037 | 50,000 71,434 | 49,000 49,661 (+42.9% -> +1.3%, a year ago -10.1%)
        ("arts-centre-visits", "worsening", "improving"),
        # line 139: 14,000 38,550 | 14,000 15,185 | 14000 27,263
        ("museum-visits", "improving", "worsening"),
        # line 135: 200,000 181,242 | 170,000 187,880 | 202,000 219,200 (+10.5% -> +8.5%, a year ago -9.4%)
        ("book-issues", "worsening", "improving"),
        # line 114: 30 76 | 85 75 | 86 85 (-11.8% -> -1.2%, a year ago +153%)
        ("council-homes-completed", "improving", "worsening"),
        # line 460: 80% 88% | 80% 83% | 80% 85%
        ("customer-calls-answered-60-secs", "improving", "worsening"),
        # line 461: 90% 88% | 90% 91% | 90% 91%
        ("customer-contact-self-service", "unchanged", "improving"),
        # line 463: 50% 52.81% | 50% 55.56% | 50% 54.72%
        ("top-earners-women", "worsening", "improving"),
        # line 466: 3% 1.96% | 3% 2.11% | 3% 2.06%
        ("employees-under-25", "worsening", "improving"),
        # line 467: lower is better, 10.42 | 10.25 | 10.15 days
        ("sickness-absence", "improving", "improving"),
        # line 117: 57.0% 56.2% | 30.25% 29.79% | 57% 55.76% - further from target each time
        ("council-tax-collected", "worsening", "worsening"),
        # line 192: target 0, 2 families then 1; a year earlier 15 against 10
        ("families-in-bed-and-breakfast", "improving", "worsening"),
        # line 471: range 0.9-1.1, no Q1 figure; 0.97 a year earlier, 0.87 now
        ("adult-social-care-equality-of-service", None, "worsening"),
        # line 124: Reports Q4 Only in every column
        ("net-new-homes-completed", None, None),
    ],
)
def test_direction_of_travel_against_last_quarter_and_a_year_earlier(
        q2, indicator_id, against_last_quarter, against_a_year_earlier):
    row = q2.loc[indicator_id]
    assert (row["direction"] if pd.notna(row["direction"]) else None) == against_last_quarter
    assert (row["direction_year"] if pd.notna(row["direction_year"]) else None) == against_a_year_earlier


def test_the_reported_rag_differs_from_the_rule_for_four_measures(q2):
    # line 112 24% against 22% printed A; line 163 114 against 120 printed A; line 310 77% against 77% printed A;
    # line 471 0.87 against 0.9-1.1 printed HR (Amber by the rule).
    assert set(q2.index[q2["rag_differs"]]) == {
        "residents-influence-local-decisions", "homelessness-prevented",
        "people-get-on-well-together", "adult-social-care-equality-of-service"}
    assert q2.loc["adult-social-care-equality-of-service", "rag_computed"] == "A"


def test_rag_counts_per_priority_add_up_to_the_measures(db):
    table = queries.scorecard(db, "2019/20 Q2")
    counts = queries.rag_counts(table)
    assert list(counts.columns) == ["HG", "LG", "A", "LR", "HR", "none"]
    assert counts.loc["Modernising Harrow Council", "HR"] == 5
    assert counts.loc["Build a Better Harrow", "HG"] == 6
    assert counts.loc["Build a Better Harrow"].sum() == 24  # measures 1-24, lines 112-141
    assert counts.loc["A Strong Local Economy For All"].tolist() == [1, 1, 0, 0, 0, 6]  # lines 368-375
    computed = queries.rag_counts(table, "rag_computed")
    # 0.87 in 0.9-1.1 is Amber by the rule (line 471); the EYFS gap, 10.25 against 9 and lower is better, has no
    # printed RAG but is High Red by the rule (line 472).
    assert computed.loc["Modernising Harrow Council", ["A", "HR", "none"]].tolist() == [3, 5, 2]


def test_rag_counts_show_every_band_even_when_none_has_it():
    table = pd.DataFrame({"priority_name": ["P", "P", "Q"], "rag_reported": ["HG", None, "HG"]})
    assert queries.rag_counts(table).to_dict("index") == {
        "P": {"HG": 1, "LG": 0, "A": 0, "LR": 0, "HR": 0, "none": 1},
        "Q": {"HG": 1, "LG": 0, "A": 0, "LR": 0, "HR": 0, "none": 0}}


@pytest.mark.parametrize(
    "now,before,polarity,cumulative,expected",
    [
        ({"actual": 10, "target": 9}, {"actual": 11, "target": 9}, "lower", False, "improving"),
        ({"actual": 55.76, "target": 57}, {"actual": 29.79, "target": 30.25}, "higher", True, "worsening"),
        ({"actual": 5}, {"actual": 4}, "higher", False, "improving"),
        ({"actual": 5}, {"actual": 4}, "lower", False, "worsening"),
        ({"actual": 5}, {"actual": 5}, "higher", False, "unchanged"),
        ({"actual": 5.0000000001}, {"actual": 5}, "higher", False, "unchanged"),
        ({"actual": 5.00001}, {"actual": 5}, "higher", False, "improving"),
        ({"actual": 10.00000001, "target": 10}, {"actual": 10, "target": 10}, "higher", False, "improving"),  # 1e-9
        ({"actual": 60}, {"actual": 30}, "higher", True, None),  # cumulative, no targets: not comparable
        ({"actual": 1.2}, {"actual": 1.0}, "range", False, None),  # a range without its bounds
        ({"actual": 1.0, "target_low": 0.9, "target_high": 1.1},
         {"actual": 1.2, "target_low": 0.9, "target_high": 1.1}, "range", False, "improving"),
        ({"actual": 1, "target": 0}, {"actual": 2, "target": 0}, "lower", False, "improving"),  # two full misses
        ({"actual": 2, "target": 0}, {"actual": 0, "target": 0}, "lower", False, "worsening"),
        ({"actual": None}, {"actual": 4}, "higher", False, None),
        ({"actual": 4}, {"actual": float("nan")}, "higher", False, None),
        ({"actual": 4}, {}, "higher", False, None),
        ({"actual": 1}, {"actual": 2}, None, False, None),
        ({"actual": 1}, {"actual": 2}, "sideways", False, None),
    ],
)
def test_direction_rule(now, before, polarity, cumulative, expected):
    assert queries.direction(now, before, polarity, cumulative) == expected


def test_direction_is_not_cumulative_unless_told():
    assert queries.direction({"actual": 60}, {"actual": 30}, "higher") == "improving"


@pytest.mark.parametrize(
    "row,polarity,expected",
    [
        ({"actual": 10.15, "target": 9}, "lower", -0.127777778),
        ({"actual": 2, "target": 0}, "lower", -1e6),  # a zero target missed: capped so it can be subtracted
        ({"actual": 2, "target": 0}, "higher", 1e6),
        ({"actual": 0.87, "target_low": 0.9, "target_high": 1.1}, "range", -0.033333333),
        ({"actual": 5, "target": None}, "higher", None),
        ({"actual": 5, "target": float("nan")}, "higher", None),
        ({"target": 5}, "higher", None),
        ({"actual": 5, "target": pd.NA}, "higher", None),
    ],
)
def test_deviation_from_target(row, polarity, expected):
    result = queries.deviation_from_target(row, polarity)
    assert result == expected if expected is None else math.isclose(result, expected)


def test_measures_named_cumulative_or_year_to_date_are_cumulative():
    assert queries._cumulative("Number of new Council homes started on site (cumulative)")
    assert queries._cumulative("Number of cases where positive action is taken to prevent homelessness (Year To Date)")
    assert not queries._cumulative("Number of book issues")


def test_exported_observations_follow_the_contract(db):
    frame = queries.export_observations(db)
    assert list(frame.columns) == [
        "indicator_id", "indicator_name", "priority", "period", "ward_code", "target", "actual",
        "rag_reported", "rag_computed", "status_note", "source", "plan_id", "as_at", "unit",
        "polarity", "target_low", "target_high", "commentary", "quarter_state", "qualifier", "basis"]
    assert set(frame["quarter_state"]) == {"published"}
    rows = frame[frame["period"] == "2019/20 Q2"].set_index("indicator_id")
    tax = rows.loc["council-tax-collected"]  # line 117: 57% 55.76% A - percentages on a 0-100 scale
    assert (tax["target"], tax["actual"], tax["rag_reported"], tax["unit"]) == ("57", "55.76", "A", "percent")
    assert tax["indicator_name"] == "Percentage of Council Tax collected (cumulative)"
    assert tax["priority"] == "Build a Better Harrow"
    assert tax["source"].endswith(f"{SEED} line 117")
    homes = rows.loc["council-homes-started"]  # line 113: 42 27 HR, whole numbers without ".0"
    assert (homes["target"], homes["actual"], homes["target_low"]) == ("42", "27", "")
    equality = rows.loc["adult-social-care-equality-of-service"]  # line 471: 0.9-1.1 0.87 HR
    assert (equality["target"], equality["target_low"], equality["target_high"], equality["actual"]) == (
        "0.9-1.1", "0.9", "1.1", "0.87")
    assert (equality["polarity"], equality["plan_id"]) == ("range", "scorecard-2019")
    note = rows.loc["net-new-homes-completed"]  # line 124: Reports Q4 Only
    assert (note["actual"], note["target"], note["status_note"]) == ("", "", "Reports Q4 Only")
    assert {"2018/19", "2018/19 Q2"} <= set(frame["period"])
    assert len(frame) == len(queries.observations(db))


def test_exported_indicators_follow_the_contract(db):
    frame = queries.export_indicators(db).set_index("indicator_id")
    assert list(frame.reset_index().columns) == ["indicator_id", "name", "priority", "polarity", "unit", "headline"]
    assert frame.loc["sickness-absence"].tolist() == [
        "Staff sickness absence - average days per FTE (excluding schools staff)",  # line 467, headline YES
        "Modernising Harrow Council", "lower", "days", 1]
    assert frame.loc["council-tax-collected", "headline"] == 0  # line 117: no YES
    assert set(frame["headline"].astype(str)) == {"0", "1"}


def test_observations_of_one_plan_or_all(db):
    every = queries.observations(db)
    scorecard = queries.observations(db, "scorecard-2019")
    assert set(scorecard["plan_id"]) == {"scorecard-2019"}
    assert len(every) > len(scorecard)
    sickness = scorecard[scorecard["indicator_id"] == "sickness-absence"]
    assert sickness["period"].tolist() == ["2018/19 Q2", "2019/20 Q1", "2019/20 Q2"]  # oldest first


def test_plans_in_the_order_they_were_published(db):
    # DESIGN.md: 2004/05 BVPP, 2011/12 priorities, equality objectives to 2016, HAP 2020, 2019/20 scorecard.
    assert queries.plans(db)["plan_id"].tolist() == [
        "bvpp-2004", "priorities-2011", "equality-2016", "hap-2020", "scorecard-2019"]


def test_priorities_objectives_and_actions_of_the_scorecard(db):
    # The five priorities of seed 001 (lines 9-37) and Build a Better Harrow's objectives (lines 53-57).
    assert queries.priorities(db)["name"].tolist() == [
        "Build a Better Harrow", "Supporting Those Most in Need", "Preserving Vital Public Services",
        "A Strong Local Economy For All", "Modernising Harrow Council"]
    assert queries.priorities(db, "no-such-plan").empty
    better = "scorecard-2019/build-a-better-harrow"
    objectives = queries.objectives(db, better)["name"].tolist()
    assert objectives[0] == (
        "Create a thriving, modern, inclusive and vibrant Harrow that people can be proud to call home")
    assert objectives[-1].startswith("More people are actively engaged in sporting")
    actions = queries.actions(db, better)
    assert actions.iloc[0]["objective"].startswith("Commence Procurement Process for a Harrow Strategic")  # line 91
    assert actions.iloc[0]["rag_status"] == "AMBER"


def test_one_indicator_with_its_priority_and_plan(db):
    sickness = queries.indicator(db, "sickness-absence")
    assert sickness["priority_name"] == "Modernising Harrow Council"
    assert sickness["plan_title"] == "STRATEGIC PERFORMANCE REPORT – QUARTER 2 2019/20"
    assert sickness["line"] == 467
    assert queries.indicator(db, "no-such-measure") is None
    assert queries.indicators(db)["indicator_id"].is_unique


def test_history_of_a_measure_across_plans(db):
    history = queries.history(db, "sickness-absence")
    assert history["period"].tolist() == ["2001/02", "2002/03", "2018/19 Q2", "2019/20 Q1", "2019/20 Q2"]
    # 9.98 is printed as the figure before 2002-03 (seed 003 line 903); 10.42, 10.25, 10.15 on 001 line 467.
    assert history["actual"].tolist()[0] == 9.98 and "before 2002-03" in history["note"].iloc[0]
    assert history["actual"].tolist()[2:] == [10.42, 10.25, 10.15]
    assert history["plan_title"].iloc[0] == "BEST VALUE PERFORMANCE PLAN 2004/05"
    both = queries.histories(db, ["sickness-absence", "council-tax-collected"])
    assert sorted(both) == ["council-tax-collected", "sickness-absence"]
    assert both["council-tax-collected"]["actual"].tolist() == [56.2, 29.79, 55.76]  # line 117
    assert both["council-tax-collected"].index.tolist() == [0, 1, 2]
    assert "index" not in both["council-tax-collected"].columns
    assert queries.histories(db, []) == {}
    assert queries.history(db, "no-such-measure").empty


def test_what_the_plans_promised_for_a_measure(db):
    promised = queries.commitments_for(db, "sickness-absence")
    assert promised["plan_title"].tolist() == [
        "Draft Harrow Ambition Plan 2020", "Draft Harrow Ambition Plan 2020",
        "STRATEGIC PERFORMANCE REPORT – QUARTER 2 2019/20"]
    # Seed 000's last line (721, no trailing newline) prints the London-mean ambition.
    assert promised["text"].iloc[1] == "Sickness absence is better than London Boroughs' mean."
    assert promised["text"].iloc[2] == "Start to see reductions in sickness absence during 2020/21."  # line 37
    evidence = queries.promised_observations(db)
    assert "sickness-absence" in set(evidence["indicator_id"])
    assert "book-issues" not in set(evidence["indicator_id"])


def test_the_other_tables_read_whole(db):
    assert queries.themes(db)["theme_id"].iloc[0] == "bvpp-2004/environmental-priorities"
    assert queries.theme_links(db)["link_id"].tolist()[:3] == [1, 2, 3]
    commitments = queries.commitments(db)
    assert commitments["commitment_id"].iloc[0] == "bvpp-2004/c001"
    assert commitments["plan_title"].iloc[0] == "BEST VALUE PERFORMANCE PLAN 2004/05"
    budget = queries.budget_lines(db)
    assert budget["plan_title"].iloc[0] == "BEST VALUE PERFORMANCE PLAN 2004/05"
    assert budget["budget_line_id"].iloc[0] == 1
    wards = queries.wards(db)
    assert wards["name"].iloc[0] == "Belmont" and len(wards) == 21
    assert queries.places(db)["place_id"].iloc[0] == "grange-farm"


def test_measures_that_recur_across_plans(db):
    recurring = queries.recurring_measures(db).set_index("indicator_id")
    assert recurring.loc["household-waste-recycled", "plans"] == 4
    assert recurring.loc["household-waste-recycled", "plan_ids"].split(",") == [
        "bvpp-2004", "hap-2020", "priorities-2011", "scorecard-2019"]
    assert (recurring["plans"] > 1).all()
    assert "e-book-issues" not in recurring.index  # line 136: new in 2019/20


def test_every_action_in_document_order(db):
    actions = queries.all_actions(db)
    assert len(actions) == 62  # the Harrow Ambition Plan actions of the Q2 2019/20 report (seed 001)
    assert actions["action_id"].tolist()[:2] == ["scorecard-2019/a001", "scorecard-2019/a002"]
    assert actions["action_id"].is_monotonic_increasing
    assert {"objective", "action", "rag_status", "source"} <= set(actions.columns)


def test_ward_boundaries_before_and_after_an_import(tmp_path, db):
    assert list(queries.boundaries(db).columns) == [
        "ward_code", "geometry", "filename", "sha256", "imported_at", "imported_by"]
    assert queries.boundaries(db).empty
    path = tmp_path / "x.db"
    store.build(path)
    with store.opened(path) as database:
        database["ward_boundaries"].insert_all([
            {"ward_code": "E05000286", "geometry": "{}", "filename": "b.geojson", "sha256": "x",
             "imported_at": "2020-01-01", "imported_by": "gis"},
            {"ward_code": "E05000285", "geometry": "{}", "filename": "b.geojson", "sha256": "x",
             "imported_at": "2020-01-01", "imported_by": "gis"}])
        assert queries.boundaries(database)["ward_code"].tolist() == ["E05000285", "E05000286"]


def test_a_measure_without_a_headline_flag_exports_as_not_headline(tmp_path):
    path = tmp_path / "x.db"
    store.build(path)
    with store.opened(path) as database:
        database["indicators"].insert({"indicator_id": "new-measure", "name": "A new measure", "headline": None,
                                        "seed": "x.txt", "line": 1})
        frame = queries.export_indicators(database).set_index("indicator_id")
    assert frame.loc["new-measure", "headline"] == 0
    assert frame.loc["sickness-absence", "headline"] == 1


def test_the_promises_evidence_leaves_out_hidden_quarters(db):
    everything = queries.promised_observations(db)
    reader = queries.promised_observations(db, hidden=("2019/20 Q2", "2018/19 Q2"))
    assert set(everything["period"]) - set(reader["period"]) == {"2019/20 Q2", "2018/19 Q2"}
    kept = everything[~everything["period"].isin(["2019/20 Q2", "2018/19 Q2"])]
    assert list(reader["observation_id"]) == list(kept["observation_id"])
