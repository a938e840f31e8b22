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


def test_long_stretches_with_no_figures_are_cut_from_a_timeline_and_labelled():
    import datetime as dt

    from harrow_kpi import charts

    # Recycling (household-waste-recycled): figures for 2003/04 Q1 and Q4 and 2004/05, then 2017/18 Q1.
    history = pd.DataFrame({"period": ["2003/04 Q1", "2003/04 Q4", "2004/05", "2017/18 Q1"],
                            "actual": [18.0, 19.0, 20.0, 34.0], "target": [None, None, 24.0, 40.0],
                            "rag_reported": [None] * 4, "rag_computed": [None] * 4})
    # 31 March 2005 + 120 days = 29 July 2005; 30 June 2017 - 120 days = 2 March 2017.
    assert charts.figure_gaps(history) == [(dt.date(2005, 7, 29), dt.date(2017, 3, 2))]
    # A promise due on 31 March 2012 splits the stretch in two (2 December 2011 is 120 days before it).
    assert charts.figure_gaps(history, [dt.date(2012, 3, 31)]) == [
        (dt.date(2005, 7, 29), dt.date(2011, 12, 2)), (dt.date(2012, 7, 29), dt.date(2017, 3, 2))]
    promised = pd.DataFrame({"target_kind": ["level", "level"], "status": ["missed", "achieved"],
                             "effective_deadline": ["2017-06-30", "2005-03-31"], "target_value": [50.0, 20.0],
                             "plan_title": ["A", "B"], "text": ["50% by 2017", "20% by 2005"]})
    figure = charts.timeline_figure(history, "Recycling", "percent", promised,
                                    [(dt.date(2011, 4, 1), "Council priorities 2011/12"),
                                     (dt.date(2004, 4, 7), "Best Value Performance Plan 2004/05")])
    texts = [a.text for a in figure.layout.annotations]
    assert "no figures printed, 2005–2017<br>(Council priorities 2011/12 published)" in texts
    assert "Best Value Performance Plan 2004/05" in texts
    verdicts = {trace.name: list(trace.text) for trace in figure.data if trace.name.startswith("Promise")}
    assert verdicts == {"Promise met": ["met"], "Promise missed": ["missed"]}
    assert figure.layout.xaxis.rangebreaks[0].bounds == ("2005-07-29", "2017-03-02")


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
