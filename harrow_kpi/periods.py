"""UK local-government financial periods: the year runs April to March.

Every figure in the dataset is dated by a period written ``2019/20`` (the whole
financial year) or ``2019/20 Q2`` (a quarter; Q1 is April–June).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import total_ordering

_PATTERN = re.compile(r"^\s*(\d{4})/(\d{2})(?:\s+Q([1-4]))?\s*$", re.IGNORECASE)


FIRST_YEAR = 2000  # 2000/01: before the earliest plan (2004), so never a real figure's year


class PeriodError(ValueError):
    """A period that is not written like ``2019/20`` or ``2019/20 Q2``, or outside the years covered."""


def last_year(today: dt.date | None = None) -> int:
    """The latest financial year a period may name: the one after today's, so next year's
    scorecard and template can be made, and no date arithmetic ever leaves the calendar."""
    return containing(today or dt.date.today()).year + 1


@total_ordering
@dataclass(frozen=True, order=False)
class Period:
    year: int  # the calendar year in which the financial year starts
    quarter: int | None = None

    def __post_init__(self):
        if self.quarter is not None and self.quarter not in (1, 2, 3, 4):
            raise PeriodError(f"quarter must be 1 to 4, not {self.quarter}")

    def __str__(self) -> str:
        label = f"{self.year}/{(self.year + 1) % 100:02d}"
        return f"{label} Q{self.quarter}" if self.quarter else label

    @property
    def financial_year(self) -> str:
        return str(Period(self.year))

    @property
    def is_quarter(self) -> bool:
        return self.quarter is not None

    @property
    def start(self) -> dt.date:
        if self.quarter is None:
            return dt.date(self.year, 4, 1)
        month = 4 + 3 * (self.quarter - 1)
        return dt.date(self.year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> dt.date:
        if self.quarter is None:
            return dt.date(self.year + 1, 3, 31)
        nxt = Period(self.year + (self.quarter == 4), self.quarter % 4 + 1)
        return nxt.start - dt.timedelta(days=1)

    @property
    def order(self) -> int:
        """A number that sorts periods in time: 20192 for 2019/20 Q2, 20195 for the
        whole year 2019/20, which sorts after its own Q4 (both end on 31 March).
        Stored beside each figure as ``period_order``."""
        return self.year * 10 + (self.quarter or 5)

    def __lt__(self, other: Period) -> bool:
        return self.order < other.order

    def previous(self) -> Period:
        """The period before: the previous quarter, or the previous year."""
        if self.quarter is None:
            return Period(self.year - 1)
        if self.quarter == 1:
            return Period(self.year - 1, 4)
        return Period(self.year, self.quarter - 1)

    def next(self) -> Period:
        if self.quarter is None:
            return Period(self.year + 1)
        if self.quarter == 4:
            return Period(self.year + 1, 1)
        return Period(self.year, self.quarter + 1)

    def year_earlier(self) -> Period:
        return Period(self.year - 1, self.quarter)


def parse(text: str, today: dt.date | None = None) -> Period:
    """Read ``2019/20`` or ``2019/20 Q2``; reject anything else with a reason. The one parser of
    periods (check, preview, commit, URLs, data/), so a period accepted once is accepted everywhere;
    years run from 2000/01 to the year after ``today``'s."""
    if not isinstance(text, str):
        raise PeriodError(f"period must be text like '2019/20 Q2', not {text!r}")
    match = _PATTERN.match(text)
    if not match:
        raise PeriodError(
            f"'{text}' is not a period: write the financial year as '2019/20' "
            "or a quarter as '2019/20 Q2'"
        )
    year, short, quarter = int(match[1]), int(match[2]), match[3]
    if (year + 1) % 100 != short:
        raise PeriodError(
            f"'{text}' is not a financial year: after {year} comes "
            f"{(year + 1) % 100:02d}, so write '{year}/{(year + 1) % 100:02d}'"
        )
    latest = last_year(today)
    if not FIRST_YEAR <= year <= latest:
        raise PeriodError(
            f"'{text}' is outside the years covered: from {Period(FIRST_YEAR)} to {Period(latest)}"
        )
    return Period(year, int(quarter) if quarter else None)


def containing(day: dt.date) -> Period:
    """The quarter a date falls in."""
    year = day.year if day.month >= 4 else day.year - 1
    quarter = (day.month - 4) % 12 // 3 + 1
    return Period(year, quarter)


def sort_periods(texts) -> list[str]:
    return sorted(set(texts), key=lambda t: parse(t).order)
