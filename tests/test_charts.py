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
