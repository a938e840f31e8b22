"""Trend charts: titled, labelled axes, RAG by shape and text, gaps where data stops."""

import math

import pandas as pd

from harrow_kpi import charts, queries


def test_recycling_from_2003_to_2019_with_gaps_between_the_plans(db):
    history = queries.history(db, "household-waste-recycled")
    frame = charts.with_gaps(history)
    periods = frame["period"].tolist()
    # A gap (no period) between 2004/05 and 2017/18 Q1, so no line bridges 13 silent years.
    gap_after = periods.index("2004/05") + 1
    assert periods[gap_after] is None or (isinstance(periods[gap_after], float) and math.isnan(periods[gap_after]))
    assert periods[gap_after + 1] == "2017/18 Q1"
    # Consecutive periods (Q4 2003/04, then the year 2004/05) are not split.
    assert periods[periods.index("2003/04 Q4") + 1] == "2004/05"


def test_trend_figure_has_a_title_axes_and_labelled_rag_points(db):
    history = queries.history(db, "household-waste-recycled")
    figure = charts.trend_figure(history, "% of household waste recycled and composted", "percent")
    layout = figure.layout
    assert "household waste" in layout.title.text
    assert layout.xaxis.title.text == "Period (end date)" and layout.yaxis.title.text == "%"
    names = [trace.name for trace in figure.data]
    assert "Target" in names and "HR High Red" in names
    red = next(t for t in figure.data if t.name == "HR High Red")
    assert list(red.text) == ["HR", "HR"] and red.marker.symbol == "x"
    assert list(red.y) == [40.0, 42.0]


def test_range_targets_draw_a_band(db):
    history = queries.history(db, "adult-social-care-equality-of-service")
    figure = charts.trend_figure(history, "Adult Social Care - Equality of Service Provision", "ratio")
    assert "Target range" in [t.name for t in figure.data]


def test_points_without_a_reported_rag_use_the_rule_and_say_so():
    history = pd.DataFrame([
        {"period": "2019/20 Q1", "actual": 10.0, "target": 9.0, "rag_reported": None, "rag_computed": "HG",
         "status_note": None, "target_low": None, "target_high": None},
    ])
    assert charts.point_band(history.iloc[0].to_dict()) == ("HG", "by the rule")
    figure = charts.trend_figure(history, "A measure", "count")
    assert "HG High Green" in [t.name for t in figure.data]


def test_a_measure_name_is_a_chart_title_as_text_never_plotly_markup(db):
    # plotly reads <a href>, <b> and <br> in titles: a name from a scorecard definition is escaped
    figure = charts.trend_figure(queries.history(db, "household-waste-recycled"), '<a href="https://evil.example">x</a>')
    assert figure.layout.title.text == "&lt;a href=&quot;https://evil.example&quot;&gt;x&lt;/a&gt;"


def test_the_sankey_keeps_full_names_and_no_rag_colours():
    from harrow_kpi import charts

    nodes = [{"theme_id": "a/x", "name": "Priorities in developing a customer focused organisation",
              "plan_id": "a", "plan_index": 0},
             {"theme_id": "b/y", "name": "Build a Better Harrow", "plan_id": "b", "plan_index": 1}]
    edges = [{"source": 0, "target": 1, "relation": "continues", "rationale": "same aim",
              "from_theme_id": "a/x", "to_theme_id": "b/y"}]
    spec = charts.sankey_spec(nodes, edges)
    series = spec["series"][0]
    assert [d["label"]["formatter"] for d in series["data"]] == [
        "Priorities in developing a customer focused organisation", "Build a Better Harrow"]  # whole
    assert series["label"]["overflow"] == "break"  # wrapped at word boundaries, never cut
    assert [d["depth"] for d in series["data"]] == [0, 1]
    assert series["links"][0]["tooltip"]["formatter"] == "continues: same aim"
    assert not {"#00703C", "#B10E1E", "#B35900", "#FFDD00", "#D4351C"} & set(charts.PLAN_COLOURS)
    followed = charts.sankey_spec(nodes, edges, highlight={"b/y"})["series"][0]
    assert [d["itemStyle"]["color"] for d in followed["data"]] == ["#D9D9D9", charts.PLAN_COLOURS[1]]


def test_the_plans_timeline_shows_only_moments_with_something_and_labels_the_gaps():
    import datetime as dt

    from harrow_kpi import charts

    history = pd.DataFrame({"period": ["2003/04 Q4", "2004/05", "2017/18 Q1"], "actual": [14.5, 20.0, 42.0],
                            "target": [16.0, 24.0, None], "rag_reported": ["LR", None, None],
                            "rag_computed": ["LR", "HR", None], "status_note": [None] * 3})
    promised = pd.DataFrame({"target_kind": ["level", "level", "level", "other"],
                             "status": ["missed", "in progress", "in progress", "not comparable"],
                             "effective_deadline": ["2005-03-31", "2020-12-31", "2020-12-31", "2012-12-31"],
                             "target_value": [25.2, 50.0, 50.0, 52.0], "plan_title": ["A", "B", "B", "C"],
                             "text": ["a", "b", "b2", "c"]})
    spec = charts.timeline_spec(history, "Recycling", "percent", promised,
                                [(dt.date(2011, 1, 1), "Council priorities 2011/12")])
    assert spec["xAxis"]["data"] == [
        "2003/04 Q4", "2004/05", "due Mar 2005", "no figures printed, 2005–2011",
        "Council priorities 2011/12 (Jan 2011)", "no figures printed, 2011–2017", "2017/18 Q1",
        "no figures printed, 2017–2020", "due Dec 2020"]
    named = {s["name"]: s for s in spec["series"]}
    assert named["Target"]["data"] == [16.0, 24.0, None, None, None, None, None, None, None]
    assert named["LR Low Red"]["data"] == [["2003/04 Q4", 14.5]]
    assert named["HR High Red"]["data"] == [["2004/05", 20.0]]  # the rule's band where none was printed
    assert named["Promise missed"]["data"] == [["due Mar 2005", 25.2]]
    assert named["Promise in progress"]["data"] == [["due Dec 2020", 50.0], ["due Dec 2020", 50.0]]
    assert named["Actual"]["markLine"]["data"] == [{"xAxis": "Council priorities 2011/12 (Jan 2011)",
                                                    "name": "Council priorities 2011/12"}]
    assert [pair[0]["name"] for pair in named["Actual"]["markArea"]["data"]] == [
        "no figures printed, 2005–2011", "no figures printed, 2011–2017", "no figures printed, 2017–2020"]
    assert spec["yAxis"]["min"] == 0 and spec["yAxis"]["name"] == "%"
