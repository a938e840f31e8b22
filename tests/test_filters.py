"""Scrutiny filters: what they keep, and their round trip through a URL."""

import pytest

from harrow_kpi import filters as flt
from harrow_kpi import queries

HOLDERS = ("Phillip O'Dell", "Adam Swersky")


@pytest.fixture()
def table(db):
    return queries.scorecard(db, "2019/20 Q2")


def test_no_filters_keep_everything(table):
    assert len(flt.apply(table, flt.Filters(quarter="2019/20 Q2"))) == len(table) == 114


def test_headline_and_red_measures(table):
    kept = flt.apply(table, flt.Filters(headline=True, rag=("HR", "LR")))
    assert len(kept) > 0
    assert set(kept["headline"]) == {1}
    assert set(kept["rag_reported"]) <= {"HR", "LR"}
    expected = table[(table["headline"] == 1) & table["rag_reported"].isin(["HR", "LR"])]
    assert set(kept["indicator_id"]) == set(expected["indicator_id"])


def test_reported_rag_differs_from_the_rule(table):
    kept = flt.apply(table, flt.Filters(rag=(flt.DIFFERS,)))
    assert set(kept["indicator_id"]) == {
        "adult-social-care-equality-of-service", "homelessness-prevented",
        "people-get-on-well-together", "residents-influence-local-decisions",
    }


def test_no_rag_this_quarter(table):
    kept = flt.apply(table, flt.Filters(rag=(flt.NO_RAG,)))
    assert kept["rag_reported"].isna().all()
    assert "net-new-homes-completed" in set(kept["indicator_id"])


def test_portfolio_holder_director_direction_and_search(table):
    kept = flt.apply(table, flt.Filters(portfolio_holder=("Adam Swersky",), director=("Charlie Stewart",)))
    assert set(kept["portfolio_holder"]) == {"Adam Swersky"} and set(kept["director"]) == {"Charlie Stewart"}
    worse = flt.apply(table, flt.Filters(direction=("worsening",)))
    assert set(worse["direction"]) == {"worsening"}
    none = flt.apply(table, flt.Filters(direction=(flt.NO_RAG,)))
    assert none["direction"].isna().all()
    homeless = flt.apply(table, flt.Filters(search="HOMELESS"))
    assert set(homeless["indicator_id"]) == {"homelessness-duty-accepted", "homelessness-prevented"}


def test_a_filter_can_match_nothing(table):
    assert flt.apply(table, flt.Filters(search="no such measure")).empty


def test_search_is_literal_not_a_regular_expression(table):
    assert len(flt.apply(table, flt.Filters(search="(cumulative)"))) >= 3
    assert flt.apply(table, flt.Filters(search=".*")).empty


def test_round_trip_through_the_url():
    chosen = flt.Filters(quarter="2019/20 Q1", headline=True, rag=("HR", flt.DIFFERS),
                         portfolio_holder=HOLDERS, direction=("worsening",), search="homes")
    query = chosen.to_query()
    assert query == {"quarter": "2019/20 Q1", "headline": "1", "rag": "HR,differs",
                     "ph": "Phillip O'Dell,Adam Swersky", "direction": "worsening", "q": "homes"}
    assert flt.from_query(query, ["2019/20 Q1"], HOLDERS) == chosen


def test_a_bad_link_never_breaks_the_page():
    read = flt.from_query({"quarter": "2019-20", "rag": "HR,purple", "ph": "Nobody", "headline": "maybe"},
                          ["2019/20 Q2"], HOLDERS)
    assert read == flt.Filters(rag=("HR",))
    assert set(read.ignored) == {"quarter=2019-20", "rag=purple", "ph=Nobody"}
    assert flt.from_query({"quarter": "2004/05"}, ["2019/20 Q2"]).quarter is None


def test_summary_counts_and_describes(table):
    picture = flt.summary(table)
    assert sum(picture["bands"].values()) + picture["no_rag"] == 114
    assert picture["differs"] == 4
    assert picture["improving"] + picture["unchanged"] + picture["worsening"] == picture["compared"]
    assert flt.Filters(headline=True, rag=("HR",)).describe() == "headline measures only; RAG: HR High Red"
