"""Scrutiny filters over a scorecard table, and their form in a URL query string.

Kept apart from Streamlit so that the same filtering serves the pages, the
downloads and the tests, and so that a bookmarked URL always means one view.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from harrow_kpi import periods, rag

DIFFERS = "differs"  # the reported RAG differs from Harrow's rule
NO_RAG = "none"  # no RAG reported this quarter
RAG_CHOICES = (*rag.BANDS, DIFFERS, NO_RAG)
DIRECTIONS = ("improving", "unchanged", "worsening", NO_RAG)

# URL parameter for each field; lists are comma-separated.
PARAMS = {
    "quarter": "quarter",
    "headline": "headline",
    "rag": "rag",
    "portfolio_holder": "ph",
    "director": "director",
    "direction": "direction",
    "search": "q",
    "drafts": "drafts",
}


@dataclass(frozen=True)
class Filters:
    quarter: str | None = None
    headline: bool = False
    rag: tuple[str, ...] = ()
    portfolio_holder: tuple[str, ...] = ()
    director: tuple[str, ...] = ()
    direction: tuple[str, ...] = ()
    search: str = ""
    drafts: bool = False  # draft quarters offered too (officers, or a reader who asks)
    ignored: tuple[str, ...] = field(default=(), compare=False)

    @property
    def active(self) -> bool:
        """Whether anything beyond the quarter narrows the view."""
        return bool(
            self.headline or self.rag or self.portfolio_holder or self.director or self.direction or self.search
        )

    def to_query(self) -> dict[str, str]:
        query = {}
        for name, param in PARAMS.items():
            value = getattr(self, name)
            if isinstance(value, tuple):
                value = ",".join(value)
            elif isinstance(value, bool):
                value = "1" if value else ""
            if value:
                query[param] = value
        return query

    def describe(self) -> str:
        """The filters in words, for captions and downloads."""
        parts = []
        if self.headline:
            parts.append("headline measures only")
        if self.rag:
            parts.append("RAG: " + ", ".join(_rag_word(code) for code in self.rag))
        if self.portfolio_holder:
            parts.append("portfolio holder: " + ", ".join(self.portfolio_holder))
        if self.director:
            parts.append("director: " + ", ".join(self.director))
        if self.direction:
            parts.append("direction: " + ", ".join(d if d != NO_RAG else "no comparison" for d in self.direction))
        if self.search:
            parts.append(f'name contains "{self.search}"')
        return "; ".join(parts) or "no filters"


def _rag_word(code: str) -> str:
    if code == DIFFERS:
        return "reported RAG differs from the rule"
    if code == NO_RAG:
        return "no RAG this quarter"
    return f"{code} {rag.LABELS[code]}"


def _values(raw, split: bool = True) -> list[str]:
    if raw is None:
        return []
    items = raw if isinstance(raw, list | tuple) else [raw]
    parts = (part for item in items for part in (str(item).split(",") if split else [str(item)]))
    return [part.strip() for part in parts if part.strip()]


def _flag(params: Mapping, param: str) -> bool:
    return (_values(params.get(param)) or [""])[0] in ("1", "true", "yes")  # pragma: no mutate


def from_query(params: Mapping, quarters=(), holders=(), directors=(), drafts=()) -> Filters:
    """Read filters from URL parameters, dropping (and reporting) what does not fit.

    A hand-edited or stale URL must never break the page: unknown values are
    ignored and listed in ``ignored`` so the page can say so. A draft quarter
    (``drafts``) is offered only with ``drafts=1`` in the link.
    """
    ignored: list[str] = []
    with_drafts = _flag(params, "drafts")
    quarters = (*quarters, *drafts) if with_drafts and quarters else tuple(quarters)

    def pick(param, allowed):
        chosen = []
        for value in _values(params.get(param)):
            if value in allowed and value not in chosen:
                chosen.append(value)
            else:
                ignored.append(f"{param}={value}")
        return tuple(chosen)

    quarter = (_values(params.get("quarter")) or [None])[0]
    if quarter is not None:
        try:
            quarter = str(periods.parse(quarter))
        except periods.PeriodError:
            ignored.append(f"quarter={quarter}")
            quarter = None
        if quarter is not None and quarters and quarter not in quarters:
            ignored.append(f"quarter={quarter}")
            quarter = None
    # Measure names have commas ("per 1,000 residents"): the search is one value, not a list.
    search = " ".join(_values(params.get("q"), split=False))[:100]  # pragma: no mutate
    return Filters(
        quarter=quarter,
        headline=_flag(params, "headline"),
        rag=pick("rag", RAG_CHOICES),
        portfolio_holder=pick("ph", holders),
        director=pick("director", directors),
        direction=pick("direction", DIRECTIONS),
        search=search,
        drafts=with_drafts,
        ignored=tuple(ignored),
    )


def apply(table: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The rows of a scorecard table (queries.scorecard) that pass the filters."""
    keep = pd.Series(True, index=table.index)
    if filters.headline:
        keep &= table["headline"] == 1  # pragma: no mutate
    if filters.rag:
        wanted = table["rag_reported"].isin([code for code in filters.rag if code in rag.BANDS])
        if DIFFERS in filters.rag:
            wanted |= table["rag_differs"]
        if NO_RAG in filters.rag:
            wanted |= table["rag_reported"].isna()
        keep &= wanted
    if filters.portfolio_holder:
        keep &= table["portfolio_holder"].isin(filters.portfolio_holder)
    if filters.director:
        keep &= table["director"].isin(filters.director)
    if filters.direction:
        direction = table["direction"].fillna(NO_RAG)
        keep &= direction.isin(filters.direction)
    if filters.search:
        keep &= table["name"].str.contains(filters.search, case=False, regex=False, na=False)  # pragma: no mutate
    return table[keep]


def summary(table: pd.DataFrame) -> dict:
    """The overall picture of a set of measures: counts per RAG band and direction."""
    directions = table["direction"].value_counts()
    compared = int(directions.sum())
    return {
        "measures": len(table),
        "bands": {band: int((table["rag_reported"] == band).sum()) for band in rag.BANDS},
        "no_rag": int(table["rag_reported"].isna().sum()),
        "differs": int(table["rag_differs"].sum()),
        "compared": compared,
        "improving": int(directions.get("improving", 0)),
        "unchanged": int(directions.get("unchanged", 0)),
        "worsening": int(directions.get("worsening", 0)),
    }


