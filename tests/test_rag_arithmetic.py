"""The RAG arithmetic sentence, checked against the documents' own figures (seed 001, the Q2
2019/20 Corporate Scorecard) and against hand-worked cases at every band's edge."""

import pytest

from harrow_kpi import rag_arithmetic as ra


def test_a_low_red_from_the_scorecard():
    # Seed 001 line 182: long-term placement stability, target 70%, Q2 actual 63.9%, printed LR.
    # (70 - 63.9) / 70 = 8.71% below.
    assert ra.explain(63.9, 70, "higher", "percent", "LR", actual_as_printed="63.9%", target_as_printed="70%") == (
        "63.9% against 70% is 8.7% below target; Low Red is 5–10% off; reported Low Red ✔")


def test_a_high_green_from_the_scorecard_with_thousands_separators():
    # Seed 001 line 141: leisure facility users, target printed 340000, Q2 actual 368,616, printed HG.
    # (368616 - 340000) / 340000 = 8.42% above.
    assert ra.explain(368616, 340000, "higher", "count", "HG", actual_as_printed="368,616",
                      target_as_printed="340000") == (
        "368,616 against 340,000 is 8.4% above target; High Green is 5% or more better than target; "
        "reported High Green ✔")


def test_lower_is_better_says_so_and_a_differing_report_is_flagged():
    # Seed 001 line 295: violence with injury, 1011 against 945, printed LR; (1011 - 945) / 945 = 6.98%.
    assert ra.explain(1011, 945, "lower", "count", "LR") == (
        "1,011 against 945 is 7.0% above target (lower is better); Low Red is 5–10% off; reported Low Red ✔")
    assert ra.explain(1011, 945, "lower", "count", "A") == (
        "1,011 against 945 is 7.0% above target (lower is better); Low Red is 5–10% off; "
        "reported Amber ✖, the rule gives Low Red")


def test_a_range_target():
    # Seed 001 line 471: equality of service ratio 0.87 against 0.9-1.1, printed HR; (0.9 - 0.87) / 0.9 = 3.33%.
    assert ra.explain(0.87, None, "range", "ratio", "HR", target_low=0.9, target_high=1.1) == (
        "0.87 against the target range 0.9–1.1 is 3.3% below the range; Amber is under 5% off; "
        "reported High Red ✖, the rule gives Amber")
    assert ra.explain(1.2, None, "range", "ratio", None, target_low=0.9, target_high=1.1) == (
        "1.2 against the target range 0.9–1.1 is 9.1% above the range; Low Red is 5–10% off; no RAG reported")
    assert ra.explain(1.0, None, "range", "ratio", "LG", target_low=0.9, target_high=1.1) == (
        "1 is inside the target range 0.9–1.1; inside the range is Low Green; reported Low Green ✔")


@pytest.mark.parametrize("actual,expected", [
    (105, "105 against 100 is 5.0% above target; High Green is 5% or more better than target; no RAG reported"),
    (104.9, "104.9 against 100 is 4.9% above target; Low Green is on target or under 5% better; no RAG reported"),
    (100, "100 against 100 is exactly on target; Low Green is on target or under 5% better; no RAG reported"),
    (95.01, "95.01 against 100 is 4.99% below target; Amber is under 5% off; no RAG reported"),
    (95, "95 against 100 is 5.0% below target; Low Red is 5–10% off; no RAG reported"),
    (90, "90 against 100 is 10.0% below target; Low Red is 5–10% off; no RAG reported"),
    (89.99, "89.99 against 100 is 10.01% below target; High Red is more than 10% off; no RAG reported"),
])
def test_every_band_edge_reads_with_its_band(actual, expected):
    assert ra.explain(actual, 100, "higher", "count") == expected


def test_a_zero_target_and_nothing_to_compare():
    assert ra.explain(3, 0, "lower", "count", "HR") == (
        "3 against a target of 0 is off target: any figure the wrong side of zero is a full miss; "
        "High Red is more than 10% off; reported High Red ✔")
    assert ra.explain(None, 70, "higher", "percent") is None
    assert ra.explain(63.9, None, "higher", "percent") is None


def test_the_thresholds_are_the_corporate_keys():
    assert list(ra.THRESHOLDS) == ["HG", "LG", "A", "LR", "HR"]
    assert ra.THRESHOLDS["LR"] == "Low Red is 5–10% off"


@pytest.mark.parametrize("printed,value,unit,expected", [
    ("340000", 340000, "count", "340,000"),      # seed 001 line 141, printed without separators
    ("368,616", 368616, "count", "368,616"),
    ("1011", 1011, "count", "1,011"),
    ("999", 999, "count", "999"),
    ("12345.5", 12345.5, "gbp", "12,345.5"),
    ("63.9%", 63.9, "percent", "63.9%"),
    ("Reports Q4 Only", None, "count", "Reports Q4 Only"),
    (None, 202000, "count", "202,000"),
    (None, 56.2, "percent", "56.2%"),
])
def test_figures_read_with_thousands_separators(printed, value, unit, expected):
    from harrow_kpi.display import figure_shown

    assert figure_shown(printed, value, unit) == expected


def test_the_printed_figures_are_quoted_as_printed():
    # Seed 001 line 117: council tax collected, target printed 57.0%, Q2 actual 56.2%, printed A;
    # (57 - 56.2) / 57 = 1.40% below.
    assert ra.explain(56.2, 57.0, "higher", "percent", "A", actual_as_printed="56.2%", target_as_printed="57.0%") == (
        "56.2% against 57.0% is 1.4% below target; Amber is under 5% off; reported Amber ✔")
    # Seed 001 line 302: first-time entrants printed "36 (151)" against 60, lower is better, printed HG;
    # (60 - 36) / 60 = 40% better.
    assert ra.explain(36, 60, "lower", "count", "HG", actual_as_printed="36 (151)", target_as_printed="60") == (
        "36 (151) against 60 is 40.0% below target (lower is better); High Green is 5% or more better than target; "
        "reported High Green ✔")


def test_without_printed_figures_both_take_the_unit():
    # Seed 001 line 473: female leisure users 50.4 against 50 (percent), printed LG; 0.4 / 50 = 0.8%.
    assert ra.explain(50.4, 50, "higher", "percent", "LG") == (
        "50.4% against 50% is 0.8% above target; Low Green is on target or under 5% better; reported Low Green ✔")


def test_higher_is_better_unless_told():
    assert ra.explain(63.9, 70, unit="percent") == (
        "63.9% against 70% is 8.7% below target; Low Red is 5–10% off; no RAG reported")


def test_a_code_outside_the_key_is_no_reported_rag():
    assert ra.explain(63.9, 70, "higher", "percent", "Red") == (
        "63.9% against 70% is 8.7% below target; Low Red is 5–10% off; no RAG reported")


def test_one_against_a_zero_target_is_a_full_miss():
    assert ra.explain(1, 0, "lower", "count", "HR") == (
        "1 against a target of 0 is off target: any figure the wrong side of zero is a full miss; "
        "High Red is more than 10% off; reported High Red ✔")
