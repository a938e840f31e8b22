"""The Cabinet slides as data and as a PowerPoint deck, opened again with python-pptx.

Expected titles, figures and RAG codes are read by hand from the Corporate Scorecard 2019/20
in seed 001 (line numbers given), never from the code under test.
"""

import datetime as dt
import io

import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE

from harrow_kpi import deck, filters, queries, slides
from tests.helpers import run_cli

TITLES = [
    "Harrow's performance, 2019/20 Q2 (July–September 2019)",
    "Build a Better Harrow", "Supporting Those Most in Need", "Preserving Vital Public Services",
    "A Strong Local Economy For All", "Modernising Harrow Council",
    "What needs attention (1 of 4)", "What needs attention (2 of 4)", "What needs attention (3 of 4)",
    "What needs attention (4 of 4)",
]


@pytest.fixture(scope="module")
def q2(db_file):
    from harrow_kpi import store

    with store.opened(db_file) as db:
        table = queries.scorecard(db, "2019/20 Q2")
        return (table, queries.scorecard(db, "2019/20 Q1"), queries.histories(db, table["indicator_id"]),
                queries.priorities(db))


@pytest.fixture(scope="module")
def made(q2):
    return slides.build(*q2)


@pytest.fixture(scope="module")
def pptx(made):
    return Presentation(io.BytesIO(deck.build(made, made=dt.date(2026, 12, 2))))


def test_the_slides_in_order(made):
    assert [s.title for s in made] == TITLES
    assert [s.kind for s in made] == ["summary", *["priority"] * 5, *["attention"] * 4]


def test_a_priority_slide_says_which_headline_measures_it_shows(made):
    better = made[1]
    # Build a Better Harrow: 9 headline measures (seed 001 lines 112-141), the first four with a Q2 figure
    assert better.lead == "4 of 9 headline measures: the first 4 with a figure this quarter"
    assert better.table["Measure"].iloc[0] == "Number of new Council homes started on site (cumulative)"
    assert (better.table["Target"].iloc[0], better.table["Actual"].iloc[0], better.table["RAG"].iloc[0]) == \
        ("42", "27", "HR")  # line 113
    assert better.chips == {"HG": 6, "LG": 3, "A": 4, "LR": 0, "HR": 3, None: 8}
    assert made[5].lead == "4 of 4 headline measures"
    assert made[4].lead == "1 headline measure, with no figure this quarter"
    assert made[4].empty == "No headline measure has a figure this quarter."


def test_needs_attention_pages_through_all_19_with_a_reason_each(made):
    rows = [row for s in made[6:] for row in s.table.to_dict("records")]
    assert [len(s.table) for s in made[6:]] == [5, 5, 5, 4]
    assert len(rows) == 19 and all(row["Why"] for row in rows)
    assert made[7].lead == "19 measures are High Red, or worse in each of their last two periods: 6 to 10 of 19"
    why = {row["Measure"]: row["Why"] for row in rows}
    # line 117: 56.2% against 57.0%, 29.79% against 30.25%, 55.76% against 57%; printed Amber
    assert why["Percentage of Council Tax collected (cumulative)"] == (
        "Worse against its target in each of 2019/20 Q1 and 2019/20 Q2 "
        "(56.2% against 57.0%; 29.79% against 30.25%; 55.76% against 57%)")
    assert why["Data breaches"] == "High Red this quarter"  # line 477


def test_reason_says_worse_without_a_target_with_the_three_figures():
    import pandas as pd

    history = pd.DataFrame({"period": ["2019/20 Q1", "2019/20 Q2", "2019/20 Q3"], "period_order": [20191, 20192, 20193],
                            "actual": [5.0, 6.0, 7.0], "actual_as_printed": ["5", None, "7.0"],
                            "target": [None, 4.0, 4.0], "target_as_printed": [None, "4", "4"]})
    row = {"rag_reported": "LR", "period": "2019/20 Q3", "unit": "count",
           "reason": "worse in each of 2019/20 Q2 and 2019/20 Q3"}
    assert slides.reason(row, history) == "Worse in each of 2019/20 Q2 and 2019/20 Q3 (5 → 6 → 7.0)"
    assert slides.reason({**row, "rag_reported": "HR", "reason": "High Red"}, history) == "High Red this quarter"


def test_the_deck_has_the_same_slides_with_source_date_and_numbers(pptx):
    assert len(pptx.slides) == 10
    for number, (slide, title) in enumerate(zip(pptx.slides, TITLES), start=1):
        texts = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
        assert texts[0] == title
        assert f"{number} of 10" in texts
        footer = next(t for t in texts if "Made 2 December 2026" in t)
        assert footer.startswith("Source: STRATEGIC PERFORMANCE REPORT – QUARTER 2 2019/20")


def test_the_summary_slide_has_the_sentences_and_notes_with_the_measures_behind_them(pptx):
    summary = pptx.slides[0]
    texts = "\n".join(shape.text_frame.text for shape in summary.shapes if shape.has_text_frame)
    assert "5 measures newly met their target: “The emotional health of children looked after for one year plus " \
        "aged 4–16” and 4 more." in texts
    notes = summary.notes_slide.notes_text_frame.text
    # the measures behind "newly High Red", with their figures: line 113 (42 target, 27 actual, HR)
    assert "- Number of new Council homes started on site (cumulative): 27 against a target of 42, ✖✖ HR High Red" \
        in notes
    numbers = {shape.name: shape.text_frame.text for shape in summary.shapes if shape.name.startswith("Number: ")}
    # tests/test_narrative.py: 24 improved, 12 unchanged, 25 worsened; 13 High Red and 4 RAGs off the rule in Q2
    assert numbers == {"Number: improved": "24\nimproved", "Number: unchanged": "12\nunchanged",
                       "Number: worsened": "25\nworsened", "Number: High Red": "13\nHigh Red",
                       "Number: reported RAG differs from the rule": "4\nreported RAG differs from the rule"}
    table = next(shape.table for shape in summary.shapes if shape.has_table)
    header = [table.cell(0, c).text for c in range(7)]
    assert header == ["Priority", "✔✔ HG", "✔ LG", "! A", "✖ LR", "✖✖ HR", "– no RAG"]
    assert [table.cell(1, c).text for c in range(7)] == ["Build a Better Harrow", "6", "3", "4", "0", "3", "8"]


def charts(slide):
    return [shape.chart for shape in slide.shapes if shape.has_chart]


def series(chart) -> dict:
    return {s.name: list(s.values) for s in chart.plots[0].series}


def test_priority_slides_have_native_line_charts_holding_their_figures(pptx):
    better = charts(pptx.slides[1])
    assert [c.chart_type for c in better] == [XL_CHART_TYPE.LINE_MARKERS] * 2
    museum, arts = better
    assert museum.chart_title.text_frame.text == "Number of visits to Museum. Now 27,263 against a target of 14,000"
    assert list(museum.plots[0].categories) == ["2018/19 Q2", "2019/20 Q1", "2019/20 Q2"]
    assert series(museum) == {"Actual": [38550, 15185, 27263], "Target": [14000, 14000, 14000]}  # line 139
    assert series(arts) == {"Actual": [44037, 71434, 49661], "Target": [49000, 50000, 49000]}  # line 138
    # each point carries its RAG code as a data label: HR, HG, LG (line 138)
    assert [arts.plots[0].series[0].points[i].data_label.text_frame.text for i in range(3)] == ["HR", "HG", "LG"]
    # the figures live in the deck: each chart has its own embedded workbook
    assert all(c.part.chart_workbook.xlsx_part is not None for c in better)
    modernising = charts(pptx.slides[5])
    assert [c.chart_title.text_frame.text.split(".")[0] for c in modernising] == [
        "% top 5% of earners who are disabled (equalities measure)", "Data breaches"]
    assert series(modernising[0]) == {"Actual": [5.62, 4.63, 5.66], "Target": [5.0, 5.0, 5.0]}  # line 465
    assert list(modernising[1].plots[0].categories) == ["2019/20 Q1", "2019/20 Q2"]  # new in 2019/20, line 477
    assert series(modernising[1]) == {"Actual": [9, 10], "Target": [9, 9]}


def test_rag_shows_as_a_coloured_cell_with_its_code(pptx):
    table = next(shape.table for shape in pptx.slides[1].shapes if shape.has_table)
    assert [table.cell(0, c).text for c in range(5)] == ["Measure", "Target", "Actual", "RAG", "Direction"]
    cell = table.cell(1, 3)
    assert cell.text == "✖✖ HR" and str(cell.fill.fore_color.rgb) == "B10E1E"
    assert str(cell.text_frame.paragraphs[0].font.color.rgb) == "FFFFFF"
    chips = [shape for shape in pptx.slides[1].shapes if shape.name.startswith("RAG chip")]
    assert [c.text_frame.text for c in chips] == ["6 ✔✔ HG", "3 ✔ LG", "4 ! A", "0 ✖ LR", "3 ✖✖ HR", "8 – no RAG"]
    assert str(chips[3].fill.fore_color.rgb) == "FFFFFF"  # a zero is muted


def test_a_draft_quarter_is_marked_on_every_slide(made):
    marked = Presentation(io.BytesIO(deck.build(made, draft="Draft: 3 of 114 measures reported")))
    for slide in marked.slides:
        assert any(shape.text_frame.text.startswith("Draft: 3 of 114 measures reported: not yet published.")
                   for shape in slide.shapes if shape.has_text_frame)


def test_filters_narrow_the_priority_and_attention_slides(q2):
    table, previous, histories, priorities = q2
    made = slides.build(table, previous, histories, priorities, filters.Filters(quarter="2019/20 Q2", rag=("HR",)))
    assert made[1].table["RAG"].tolist() == ["HR"]  # Build a Better Harrow's only HR headline measure with a figure
    assert made[1].chips["HR"] == 3 and made[1].chips["HG"] == 6  # the counts stay the whole priority's
    assert sum(len(s.table) for s in made if s.kind == "attention") == 13  # the 13 High Reds of Q2


def test_the_deck_command_writes_a_deck(db_file, tmp_path):
    out = tmp_path / "deck.pptx"
    ran = run_cli("deck", "--period", "2019/20 Q2", "-o", out, db=db_file)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == f"Wrote {out}: 10 slides for 2019/20 Q2 (no filters)."
    assert len(Presentation(str(out)).slides) == 10
    ran = run_cli("deck", "--period", "2019/20 Q1", "--headline", "--rag", "HR", "--search", "homes", "-o", out,
                  db=db_file)
    assert ran.returncode == 0, ran.stderr
    shown = Presentation(str(out))
    assert shown.slides[0].shapes[0].text_frame.text == "Harrow's performance, 2019/20 Q1 (April–June 2019)"
    assert "Measures shown: headline measures only; RAG: HR High Red; name contains \"homes\"." in \
        shown.slides[1].shapes[1].text_frame.text


def test_the_deck_command_refuses_what_it_does_not_know(db_file, tmp_path):
    out = tmp_path / "deck.pptx"
    ran = run_cli("deck", "--period", "2030/31 Q1", "-o", out, db=db_file)
    assert ran.returncode == 1 and "Not understood: quarter=2030/31 Q1" in ran.stderr
    ran = run_cli("deck", "--director", "Nobody", "--rag", "XX", "-o", out, db=db_file)
    assert ran.returncode == 1 and "rag=XX" in ran.stderr and "director=Nobody" in ran.stderr
    assert not out.exists()


def test_every_text_in_the_deck_reads_from_the_back_of_the_room(pptx):
    """At least 14 pt on a 13.33-inch slide: 18 px or more when it is shown 1280 pixels wide."""
    smallest = {}

    def note(where, font):
        if font.size is not None:
            smallest[where] = min(smallest.get(where, 99), font.size.pt)

    for number, slide in enumerate(pptx.slides, start=1):
        for shape in slide.shapes:
            frames = []
            if shape.has_text_frame:
                frames.append(shape.text_frame)
            if shape.has_table:
                frames += [cell.text_frame for row in shape.table.rows for cell in row.cells]
            for frame in frames:
                for paragraph in frame.paragraphs:
                    note(number, paragraph.font)
                    for run in paragraph.runs:
                        note(number, run.font)
            if shape.has_chart:
                chart = shape.chart
                for font in (chart.legend.font, chart.category_axis.tick_labels.font,
                             chart.value_axis.tick_labels.font):
                    note(number, font)
    assert smallest and min(smallest.values()) >= 14, smallest
