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


def svg_texts(svg: str) -> list[str]:
    import re

    return re.findall(r"<text [^>]*>([^<]*)</text>", svg)


def test_recent_points_keep_to_quarters_up_to_the_one_shown(db):
    history = queries.history(db, "arts-centre-visits")
    points = charts.recent_points(history, "2019/20 Q1")
    # seed 001 line 138: 44,037 against 49,000 (HR) in 2018/19 Q2, 71,434 against 50,000 (HG) in Q1;
    # the 2016/17 annual figure (another scale) and 2019/20 Q2 (after the quarter) are left out
    assert points.to_dict("list") == {"period": ["2018/19 Q2", "2019/20 Q1"], "actual": [44037.0, 71434.0],
                                      "target": [49000.0, 50000.0], "band": ["HR", "HG"]}


def test_the_svg_trend_labels_every_period_and_point_and_escapes_the_name():
    points = pd.DataFrame({"period": ["2019/20 Q1", "2019/20 Q2", "2019/20 Q3"], "actual": [9.0, None, 10.0],
                           "target": [9.0, 9.0, None], "band": ["LG", None, "HR"]}, dtype=object)
    svg = charts.trend_svg(points, "<b>Data & breaches</b>", width=560, height=190, font=20)
    texts = svg_texts(svg)
    assert texts[-2:] == ["LG", "HR"]  # each point's RAG code
    assert ["Q1", "2019/20", "Q2", "2019/20", "Q3", "2019/20"] == [t for t in texts if t.startswith(("Q", "20"))]
    assert "<title>&lt;b&gt;Data &amp; breaches&lt;/b&gt;. 2019/20 Q1: actual 9, target 9, LG; " \
        "2019/20 Q2: actual none, target 9; 2019/20 Q3: actual 10, target none, HR</title>" in svg
    assert 'viewBox="0 0 560 190"' in svg and svg.count('font-size="20"') == len(texts)
    assert svg.count("<polyline") == 1  # the target line; the actual has a gap in Q2, so no line joins 9 and 10
    assert "-0" not in "".join(texts)


def test_svg_ticks_never_crowd_and_never_read_minus_zero():
    assert charts._nice_ticks(3.3, 6.2, 3) == [2.5, 5.0, 7.5]
    assert charts._nice_ticks(0, 0, 3) == [0.0, 0.5, 1.0]
    assert charts._tick_text(-1e-17, 0.5, None) == "0.0" and charts._tick_text(55.0, 10, "percent") == "55%"
    points = pd.DataFrame({"period": ["2019/20 Q1", "2019/20 Q2"], "actual": [3.3, 6.2], "target": [5.0, 5.0],
                           "band": [None, None]}, dtype=object)
    ticks = [t for t in svg_texts(charts.trend_svg(points, "m", "percent", height=190, font=20)) if t.endswith("%")]
    assert len(ticks) <= 4  # 102 units of plot for 20-unit type: at most four ticks, each 1.6 lines apart


def test_an_empty_trend_says_so():
    empty = pd.DataFrame({"period": [], "actual": [], "target": [], "band": []})
    assert svg_texts(charts.trend_svg(empty, "m")) == ["No figures to chart"]
