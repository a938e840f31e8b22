import datetime as dt

import pytest

from harrow_kpi import periods
from harrow_kpi.periods import Period, PeriodError


def test_parse_and_format_a_quarter():
    period = periods.parse("2019/20 Q2")
    assert period == Period(2019, 2)
    assert str(period) == "2019/20 Q2"
    assert period.financial_year == "2019/20"


def test_parse_and_format_a_whole_year():
    assert str(periods.parse("2004/05")) == "2004/05"
    assert periods.parse(" 2000/01 ") == Period(2000)


@pytest.mark.parametrize(
    "text,start,end",
    [
        ("2019/20 Q1", dt.date(2019, 4, 1), dt.date(2019, 6, 30)),
        ("2019/20 Q2", dt.date(2019, 7, 1), dt.date(2019, 9, 30)),
        ("2019/20 Q3", dt.date(2019, 10, 1), dt.date(2019, 12, 31)),
        ("2019/20 Q4", dt.date(2020, 1, 1), dt.date(2020, 3, 31)),
        ("2019/20", dt.date(2019, 4, 1), dt.date(2020, 3, 31)),
    ],
)
def test_quarters_run_april_to_march(text, start, end):
    period = periods.parse(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize(
    "text,reason",
    [
        ("2019/21", "after 2019 comes 20"),
        ("2019-20 Q2", "is not a period"),
        ("2019/20 Q5", "is not a period"),
        ("Q2 2019/20", "is not a period"),
        ("", "is not a period"),
        ("2019", "is not a period"),
    ],
)
def test_malformed_periods_are_rejected_with_a_reason(text, reason):
    with pytest.raises(PeriodError, match=reason):
        periods.parse(text)


def test_non_text_is_rejected():
    with pytest.raises(PeriodError):
        periods.parse(2019)


def test_ordering_puts_a_whole_year_after_its_last_quarter():
    texts = ["2019/20", "2019/20 Q2", "2018/19 Q2", "2019/20 Q4", "2019/20 Q1", "2003/04 Q1"]
    assert periods.sort_periods(texts) == [
        "2003/04 Q1", "2018/19 Q2", "2019/20 Q1", "2019/20 Q2", "2019/20 Q4", "2019/20",
    ]


def test_previous_next_and_year_earlier():
    assert str(periods.parse("2019/20 Q1").previous()) == "2018/19 Q4"
    assert str(periods.parse("2019/20 Q2").previous()) == "2019/20 Q1"
    assert str(periods.parse("2018/19 Q4").next()) == "2019/20 Q1"
    assert str(periods.parse("2019/20 Q2").year_earlier()) == "2018/19 Q2"
    assert str(periods.parse("2019/20").previous()) == "2018/19"


def test_the_quarter_containing_a_date():
    # The 2004/05 plan's recycling figures: June 2003 and February 2004.
    assert str(periods.containing(dt.date(2003, 6, 1))) == "2003/04 Q1"
    assert str(periods.containing(dt.date(2004, 2, 1))) == "2003/04 Q4"
    assert str(periods.containing(dt.date(2019, 12, 31))) == "2019/20 Q3"


@pytest.mark.parametrize(
    "earlier,later",
    [
        ("2019/20 Q4", "2019/20"),  # the whole year sorts after its own Q4
        ("2019/20 Q1", "2019/20"),  # ... and after its own Q1
        ("2018/19", "2019/20 Q1"),
        ("2019/20", "2020/21 Q1"),
        ("2019/20 Q1", "2019/20 Q2"),
    ],
)
def test_a_whole_year_sorts_after_its_quarters_and_before_the_next_year(earlier, later):
    assert periods.parse(earlier) < periods.parse(later)
    assert not periods.parse(later) < periods.parse(earlier)
    assert periods.sort_periods([later, earlier]) == [earlier, later]
    assert sorted([periods.parse(later), periods.parse(earlier)]) == [periods.parse(earlier), periods.parse(later)]


def test_a_period_is_not_earlier_than_itself():
    assert not Period(2019, 2) < Period(2019, 2)
    assert Period(2019, 2) <= Period(2019, 2)


@pytest.mark.parametrize("text,order", [("2019/20 Q1", 20191), ("2019/20 Q4", 20194), ("2019/20", 20195)])
def test_period_order_is_stored_as_year_then_quarter_with_the_year_as_5(text, order):
    assert periods.parse(text).order == order


def test_sort_periods_drops_duplicates():
    assert periods.sort_periods(["2019/20", "2019/20 Q1", "2019/20"]) == ["2019/20 Q1", "2019/20"]


def test_next_quarter_and_next_year():
    assert str(periods.parse("2019/20 Q2").next()) == "2019/20 Q3"
    assert str(periods.parse("2019/20 Q3").next()) == "2019/20 Q4"
    assert str(periods.parse("2019/20").next()) == "2020/21"
    assert str(periods.parse("2019/20").year_earlier()) == "2018/19"


def test_quarter_5_is_not_a_period():
    with pytest.raises(PeriodError) as error:
        Period(2019, 5)
    assert str(error.value) == "quarter must be 1 to 4, not 5"


def test_the_messages_say_how_to_write_a_period():
    with pytest.raises(PeriodError) as error:
        periods.parse("2019-20")
    assert str(error.value) == (
        "'2019-20' is not a period: write the financial year as '2019/20' or a quarter as '2019/20 Q2'"
    )
    with pytest.raises(PeriodError) as error:
        periods.parse("2019/21 Q2")
    assert str(error.value) == "'2019/21 Q2' is not a financial year: after 2019 comes 20, so write '2019/20'"
    with pytest.raises(PeriodError) as error:
        periods.parse("1999/01")
    assert str(error.value) == "'1999/01' is not a financial year: after 1999 comes 00, so write '1999/00'"
    with pytest.raises(PeriodError) as error:
        periods.parse(2019)
    assert str(error.value) == "period must be text like '2019/20 Q2', not 2019"


def test_lower_case_q_is_read():
    assert periods.parse("2019/20 q3") == Period(2019, 3)


@pytest.mark.parametrize(
    "day,period",
    [
        (dt.date(2019, 4, 1), "2019/20 Q1"),
        (dt.date(2019, 6, 30), "2019/20 Q1"),
        (dt.date(2019, 7, 1), "2019/20 Q2"),
        (dt.date(2020, 1, 1), "2019/20 Q4"),
        (dt.date(2020, 3, 31), "2019/20 Q4"),
    ],
)
def test_the_quarter_containing_the_first_and_last_days_of_quarters(day, period):
    assert str(periods.containing(day)) == period


@pytest.mark.parametrize("text,today,message", [
    ("0000/01 Q1", None, "'0000/01 Q1' is outside the years covered: from 2000/01 to 2020/21"),
    ("9999/00 Q4", None, "'9999/00 Q4' is outside the years covered: from 2000/01 to 2020/21"),
    ("0001/02 Q1", None, "'0001/02 Q1' is outside the years covered: from 2000/01 to 2020/21"),
    ("1999/00", None, "'1999/00' is outside the years covered: from 2000/01 to 2020/21"),
    ("2021/22 Q1", None, "'2021/22 Q1' is outside the years covered: from 2000/01 to 2020/21"),
    ("2022/23 Q1", dt.date(2020, 4, 1), "'2022/23 Q1' is outside the years covered: from 2000/01 to 2021/22"),
])
def test_periods_outside_2000_01_to_next_year_are_refused_with_the_range(text, today, message):
    with pytest.raises(PeriodError) as error:
        periods.parse(text, today=today or dt.date(2020, 3, 31))
    assert str(error.value) == message


@pytest.mark.parametrize("text,today", [("2000/01 Q1", dt.date(2020, 3, 31)), ("2020/21 Q4", dt.date(2020, 3, 31)),
                                        ("2021/22", dt.date(2020, 4, 1))])
def test_the_first_and_last_years_covered_are_read(text, today):
    assert str(periods.parse(text, today=today)) == text
