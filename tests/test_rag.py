import math

import pytest

from harrow_kpi import rag


@pytest.mark.parametrize(
    "actual,target,expected",
    [
        (105, 100, "HG"),  # exceeded by exactly 5%
        (120, 100, "HG"),
        (104.9, 100, "LG"),
        (100, 100, "LG"),  # met
        (99.9, 100, "A"),
        (95.1, 100, "A"),
        (95, 100, "LR"),  # exactly 5% off
        (90, 100, "LR"),  # exactly 10% off
        (89.9, 100, "HR"),
    ],
)
def test_every_band_when_higher_is_better(actual, target, expected):
    assert rag.compute(actual, target, "higher") == expected


@pytest.mark.parametrize(
    "actual,target,expected",
    [
        (95, 100, "HG"),
        (96, 100, "LG"),
        (100, 100, "LG"),
        (104, 100, "A"),
        (105, 100, "LR"),
        (110, 100, "LR"),
        (111, 100, "HR"),
    ],
)
def test_every_band_when_lower_is_better(actual, target, expected):
    assert rag.compute(actual, target, "lower") == expected


@pytest.mark.parametrize(
    "actual,expected",
    [(0.9, "LG"), (1.0, "LG"), (1.1, "LG"), (0.87, "A"), (0.85, "LR"), (0.8, "HR"), (1.2, "LR"), (1.3, "HR")],
)
def test_range_targets_are_green_inside_and_measured_from_the_nearest_bound(actual, expected):
    assert rag.compute(actual, polarity="range", target_low=0.9, target_high=1.1) == expected


def test_zero_target_lower_is_better_any_actual_above_zero_is_off_target():
    assert rag.compute(0, 0, "lower") == "LG"
    assert rag.compute(1, 0, "lower") == "HR"
    assert rag.deviation(2, 0, "lower") == -math.inf


def test_zero_target_higher_is_better():
    assert rag.compute(0, 0, "higher") == "LG"
    assert rag.compute(3, 0, "higher") == "HG"


def test_nothing_to_compare_gives_no_rag():
    assert rag.compute(None, 100, "higher") is None
    assert rag.compute(50, None, "higher") is None
    assert rag.compute(float("nan"), 100, "lower") is None
    assert rag.compute(1.0, polarity="range") is None


def test_unknown_polarity_is_an_error():
    with pytest.raises(ValueError, match="polarity"):
        rag.compute(1, 2, "sideways")


@pytest.mark.parametrize(
    "actual,target,polarity,printed",
    [
        # Rows of the Corporate Scorecard 2019/20 (seed 001), as printed.
        (55.76, 57, "higher", "A"),  # Council Tax collected, Q2 2019/20
        (59.21, 59, "higher", "LG"),  # non-domestic rates, Q2 2019/20
        (27, 42, "higher", "HR"),  # new Council homes started, Q2 2019/20
        (242, 210, "lower", "HR"),  # homelessness duty accepted, Q2 2019/20
        (2, 0, "lower", "HR"),  # families in B&B over six weeks, Q1 2019/20
        (10.15, 9, "lower", "HR"),  # sickness absence days, Q2 2019/20
        (4.4, 5, "lower", "HG"),  # placement stability, Q2 2019/20
        (1011, 945, "lower", "LR"),  # violence with injury, Q2 2019/20
        (91, 90, "higher", "LG"),  # self-service contact, Q2 2019/20
    ],
)
def test_the_documents_own_examples(actual, target, polarity, printed):
    assert rag.compute(actual, target, polarity) == printed


def test_higher_is_better_unless_told_otherwise():
    assert rag.compute(105, 100) == "HG"
    assert rag.deviation(95, 100) == -0.05


@pytest.mark.parametrize(
    "actual,target,polarity,expected",
    [
        (105, 100, "higher", 0.05),
        (100, 100, "higher", 0.0),
        (90, 100, "higher", -0.1),
        (95, 100, "lower", 0.05),
        (110, 100, "lower", -0.1),
        (-5, -10, "higher", 0.5),  # a negative target: relative to its size
    ],
)
def test_deviation_is_relative_to_the_target_and_positive_is_better(actual, target, polarity, expected):
    assert rag.deviation(actual, target, polarity) == expected


@pytest.mark.parametrize(
    "dev,expected",
    [(0.05, "HG"), (0.0499, "LG"), (0.0, "LG"), (-0.0001, "A"), (-0.0499, "A"), (-0.05, "LR"),
     (-0.1, "LR"), (-0.1001, "HR"), (math.inf, "HG"), (-math.inf, "HR"), (None, None)],
)
def test_band_boundaries(dev, expected):
    assert rag.band(dev) == expected


def test_range_deviation_is_measured_from_the_nearest_bound():
    assert rag.deviation(1.0, polarity="range", target_low=0.9, target_high=1.1) == 0.0
    assert rag.deviation(0.81, polarity="range", target_low=0.9, target_high=1.1) == -0.1
    assert rag.deviation(1.21, polarity="range", target_low=0.9, target_high=1.1) == -0.1


def test_a_range_needs_both_bounds():
    assert rag.compute(1.0, polarity="range", target_low=0.9) is None
    assert rag.compute(1.0, polarity="range", target_high=1.1) is None


def test_zero_target_higher_is_better_any_actual_above_zero_exceeds_it():
    assert rag.deviation(0.5, 0, "higher") == math.inf
    assert rag.compute(0.5, 0, "higher") == "HG"
    assert rag.compute(0.5, 0, "lower") == "HR"


def test_unknown_polarity_message_lists_the_choices():
    with pytest.raises(ValueError) as error:
        rag.compute(1, 2, "sideways")
    assert str(error.value) == "polarity must be one of ('higher', 'lower', 'range'), not 'sideways'"

