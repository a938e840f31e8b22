"""How a figure reads on the dashboard, and what counts as no figure at all."""

import math

import pandas as pd
import pytest

from harrow_kpi import figures


@pytest.mark.parametrize("value", [None, float("nan"), math.nan, pd.NA, pd.NaT])
def test_none_nan_and_pandas_markers_are_missing(value):
    assert figures.missing(value) is True


@pytest.mark.parametrize("value", [0, 0.0, "", "-", 56.2, [1, 2]])
def test_zero_blank_text_and_lists_are_not_missing(value):
    assert figures.missing(value) is False


@pytest.mark.parametrize(
    "value,text",
    [
        (27.0, "27"),
        (27, "27"),
        (0.0, "0"),
        (-3.0, "-3"),
        (56.2, "56.2"),
        (55.76, "55.76"),  # Council Tax collected, Q2 2019/20 (seed 001 line 117)
        (0.1 + 0.2, "0.3"),
        (1 / 3, "0.333333"),
        ("10.15", "10.15"),
        (None, ""),
        (float("nan"), ""),
    ],
)
def test_format_number_writes_plain_figures(value, text):
    assert figures.format_number(value) == text


@pytest.mark.parametrize(
    "row,text",
    [
        # Adult Social Care equality of service, target "0.9-1.1" (seed 001 line 471).
        ({"target": None, "target_low": 0.9, "target_high": 1.1}, "0.9-1.1"),
        ({"target": 57.0, "target_low": None, "target_high": None}, "57"),
        ({"target": 10.0, "target_low": 0.9, "target_high": None}, "10"),
        ({"target": 10.0, "target_low": None, "target_high": 1.1}, "10"),
        ({"target": 9.0}, "9"),
        ({"target": float("nan"), "target_low": float("nan"), "target_high": float("nan")}, ""),
        ({}, ""),
    ],
)
def test_target_text_is_a_number_or_a_range_low_high(row, text):
    assert figures.target_text(row) == text


@pytest.mark.parametrize(
    "printed,value,unit,text",
    [
        ("56.2%", 56.2, "percent", "56.2%"),
        ("£1.2m", 1.2, "number", "£1.2m"),
        ("   ", 56.2, "percent", "56.2%"),
        (None, 56.2, "percent", "56.2%"),
        (float("nan"), 3.0, "number", "3"),
        (None, 27.0, "number", "27"),
        (None, None, "percent", ""),
        ("", float("nan"), "percent", ""),
        # Bare digits read with thousands separators, as most of the documents print them.
        ("14000", 14000.0, "number", "14,000"),
        ("27,263", 27263.0, "number", "27,263"),
        (None, 340000.0, "number", "340,000"),
        (None, -1250.5, "number", "-1,250.5"),
        ("1234.5%", 1234.5, "percent", "1,234.5%"),
        ("999", 999.0, "number", "999"),
        ("2018/19", None, "number", "2018/19"),
        ("10000 visits", None, "number", "10000 visits"),
    ],
)
def test_figure_text_prefers_the_printed_figure(printed, value, unit, text):
    assert figures.figure_text(printed, value, unit) == text


def test_figure_text_without_a_unit_has_no_percent_sign():
    assert figures.figure_text(None, 91.0) == "91"
