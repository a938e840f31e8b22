"""The quarter in plain English, on the real 2019/20 Q2 data: sentences, numbers, rows behind."""

import pytest

from harrow_kpi import briefing, filters, narrative, queries


@pytest.fixture()
def quarter(db):
    table = queries.scorecard(db, "2019/20 Q2")
    previous = queries.scorecard(db, "2019/20 Q1")
    return table, previous, queries.histories(db, table["indicator_id"])


def by_key(sentences):
    return {s.key: s for s in sentences}


def test_direction_sentence_counts_from_the_rows(quarter):
    table, previous, _ = quarter
    sentence = by_key(narrative.quarter_summary(table, previous))["direction"]
    counts = table["direction"].value_counts()
    assert sentence.text == (
        f"In 2019/20 Q2, of the {int(counts.sum())} measures with figures in this quarter and the last, "
        f"{counts['improving']} improved, {counts['unchanged']} held steady and {counts['worsening']} worsened."
    )
    assert len(sentence.rows) == int(counts.sum())


def test_new_high_reds_are_those_not_high_red_last_quarter(quarter):
    table, previous, _ = quarter
    sentence = by_key(narrative.quarter_summary(table, previous))["new_high_red"]
    ids = set(sentence.rows["indicator_id"])
    assert "council-homes-started" in ids  # LG in Q1, HR in Q2
    assert "sickness-absence" not in ids  # High Red in both quarters
    assert sentence.text.startswith(f"{len(ids)} measures are newly High Red: “Number of new Council homes")


def test_newly_met_targets_and_rag_differences(quarter):
    table, previous, _ = quarter
    sentences = by_key(narrative.quarter_summary(table, previous))
    met = set(sentences["newly_met"].rows["indicator_id"])
    assert "looked-after-children-emotional-health" in met  # 15.5 against 14 in Q1, 13.4 in Q2
    assert set(sentences["differs"].rows["indicator_id"]) == {
        "adult-social-care-equality-of-service", "homelessness-prevented",
        "people-get-on-well-together", "residents-influence-local-decisions"}
    assert sentences["differs"].text.startswith("For 4 measures the reported RAG differs from Harrow's rule")


def test_biggest_movers_are_named(quarter):
    table, previous, _ = quarter
    sentence = by_key(narrative.quarter_summary(table, previous))["moved"]
    assert "the biggest improvement was" in sentence.text and "the biggest fall was" in sentence.text
    assert len(sentence.rows) == 2


def test_what_needs_attention(quarter):
    table, _, histories = quarter
    attention = narrative.needs_attention(table, histories).set_index("indicator_id")
    assert attention.loc["homelessness-duty-accepted", "reason"] == \
        "High Red; worse in each of 2019/20 Q1 and 2019/20 Q2"
    assert attention.loc["land-below-litter-standard", "reason"] == "worse in each of 2019/20 Q1 and 2019/20 Q2"
    assert set(table.loc[table["rag_reported"] == "HR", "indicator_id"]) <= set(attention.index)


def test_the_briefing_pack_is_self_contained_escaped_and_prints_a_page_per_priority(quarter):
    table, previous, histories = quarter
    chosen = filters.Filters(quarter="2019/20 Q2", headline=True)
    text = briefing.build(table, previous, chosen, histories)
    assert text.startswith("<!DOCTYPE html>")
    assert "<script src" not in text and "<link" not in text and "@import" not in text
    assert text.count("<section class='priority'>") == 5
    assert "page-break-before: always" in text
    assert "headline measures only" in text
    assert "Staff sickness absence - average days per FTE (excluding schools staff)" in text
    assert "Percentage of Council Tax collected" not in text  # not a headline measure
    assert text.count("plotly-graph-div") >= 5


def test_the_briefing_pack_escapes_text_from_the_data(quarter):
    table, previous, histories = quarter
    table = table.copy()
    table.loc[table.index[0], "name"] = "<script>alert(1)</script>"
    text = briefing.build(table, previous, filters.Filters(quarter="2019/20 Q2"), histories)
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
