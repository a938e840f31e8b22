"""Scrutiny filters: what they keep, and their round trip through a URL."""

import pandas as pd
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


def hand_table():
    """Six measures written out by hand, one per line: id, headline, reported RAG, differs, holder,
    director, direction of travel, name."""
    rows = [
        ("a", 1, "HR", False, "Adam Swersky", "Charlie Stewart", "worsening",
         "Percentage of Council Tax collected (cumulative)"),
        ("b", 0, "LR", True, "Phillip O'Dell", "Paul Walker", "improving", "ASB calls per 1,000 residents"),
        ("c", 1, None, False, "Phillip O'Dell", "Paul Walker", None, "Net new homes completed"),
        ("d", 0, "LG", False, "Adam Swersky", "Paul Walker", "unchanged", None),
        ("e", 1, "A", True, "Adam Swersky", "Charlie Stewart", None, "Council homes started"),
        ("f", 0, "HG", False, "Phillip O'Dell", "Paul Walker", "improving", "Council homes completed"),
    ]
    columns = ["indicator_id", "headline", "rag_reported", "rag_differs", "portfolio_holder", "director",
               "direction", "name"]
    return pd.DataFrame(rows, columns=columns)


@pytest.mark.parametrize(
    "chosen,kept",
    [
        (flt.Filters(), "abcdef"),
        (flt.Filters(headline=True), "ace"),
        (flt.Filters(rag=("HR",)), "a"),
        (flt.Filters(rag=("HR", "HG")), "af"),
        (flt.Filters(rag=(flt.DIFFERS,)), "be"),
        (flt.Filters(rag=("HR", flt.DIFFERS)), "abe"),
        (flt.Filters(rag=(flt.NO_RAG,)), "c"),
        (flt.Filters(rag=("HR", flt.NO_RAG)), "ac"),
        (flt.Filters(headline=True, portfolio_holder=("Phillip O'Dell",)), "c"),
        (flt.Filters(portfolio_holder=HOLDERS), "abcdef"),
        (flt.Filters(headline=True, director=("Paul Walker",)), "c"),
        (flt.Filters(direction=(flt.NO_RAG,)), "ce"),
        (flt.Filters(direction=("improving", "unchanged")), "bdf"),
        (flt.Filters(headline=True, direction=("improving",)), ""),
        (flt.Filters(search="HOMES"), "cef"),
        (flt.Filters(headline=True, search="homes"), "ce"),
        (flt.Filters(search="1,000"), "b"),
        (flt.Filters(search="(cumulative)"), "a"),
        (flt.Filters(search=".*"), ""),
        (flt.Filters(rag=("LG", "HG"), director=("Paul Walker",), search="homes"), "f"),
    ],
)
def test_what_each_filter_keeps(chosen, kept):
    assert "".join(flt.apply(hand_table(), chosen)["indicator_id"]) == kept


def test_summary_of_a_hand_made_table():
    assert flt.summary(hand_table()) == {
        "measures": 6,
        "bands": {"HG": 1, "LG": 1, "A": 1, "LR": 1, "HR": 1},
        "no_rag": 1,
        "differs": 2,
        "compared": 4,
        "improving": 2,
        "unchanged": 1,
        "worsening": 1,
    }


def test_summary_with_no_direction_of_travel_counts_zero():
    picture = flt.summary(hand_table().iloc[[2, 4]])
    assert (picture["compared"], picture["improving"], picture["unchanged"], picture["worsening"]) == (0, 0, 0, 0)


def test_describe_every_filter_in_words():
    chosen = flt.Filters(quarter="2019/20 Q2", headline=True, rag=("HR", flt.DIFFERS, flt.NO_RAG),
                         portfolio_holder=HOLDERS, director=("Paul Walker", "Charlie Stewart"),
                         direction=("worsening", flt.NO_RAG), search="homes")
    assert chosen.describe() == (
        "headline measures only; "
        "RAG: HR High Red, reported RAG differs from the rule, no RAG this quarter; "
        "portfolio holder: Phillip O'Dell, Adam Swersky; "
        "director: Paul Walker, Charlie Stewart; "
        "direction: worsening, no comparison; "
        'name contains "homes"'
    )


def test_a_quarter_alone_is_no_filter():
    chosen = flt.Filters(quarter="2019/20 Q2")
    assert chosen.describe() == "no filters"
    assert chosen.active is False
    assert chosen.to_query() == {"quarter": "2019/20 Q2"}
    assert flt.Filters().to_query() == {}


@pytest.mark.parametrize(
    "chosen",
    [flt.Filters(headline=True), flt.Filters(rag=("A",)), flt.Filters(portfolio_holder=HOLDERS),
     flt.Filters(director=("Paul Walker",)), flt.Filters(direction=("improving",)), flt.Filters(search="homes")],
)
def test_any_other_filter_is_active(chosen):
    assert chosen.active is True


def test_every_field_survives_the_url_round_trip():
    chosen = flt.Filters(quarter="2019/20 Q2", headline=True, rag=("LR", flt.NO_RAG),
                         portfolio_holder=("Adam Swersky",), director=("Paul Walker", "Charlie Stewart"),
                         direction=("improving", flt.NO_RAG),
                         search="ASB calls per 1,000 residents")
    query = chosen.to_query()
    assert query == {"quarter": "2019/20 Q2", "headline": "1", "rag": "LR,none", "ph": "Adam Swersky",
                     "director": "Paul Walker,Charlie Stewart", "direction": "improving,none",
                     "q": "ASB calls per 1,000 residents"}
    read = flt.from_query(query, ["2019/20 Q2"], HOLDERS, ("Charlie Stewart", "Paul Walker"))
    assert read == chosen
    assert read.ignored == ()


def test_every_dropped_value_is_reported_in_order():
    read = flt.from_query(
        {"quarter": "2004/05", "rag": "HR,purple", "ph": "Nobody", "director": "Paul Walker,Nobody",
         "direction": "sideways,worsening"},
        ["2019/20 Q2"], HOLDERS, ("Paul Walker",),
    )
    assert read == flt.Filters(rag=("HR",), director=("Paul Walker",), direction=("worsening",))
    assert read.ignored == ("quarter=2004/05", "rag=purple", "ph=Nobody", "director=Nobody", "direction=sideways")


def test_an_unreadable_quarter_is_reported_as_written():
    read = flt.from_query({"quarter": "Q2 2019"}, ["2019/20 Q2"])
    assert (read.quarter, read.ignored) == (None, ("quarter=Q2 2019",))


def test_quarter_is_normalised_and_any_valid_quarter_is_kept_without_a_list():
    assert flt.from_query({"quarter": " 2019/20 q2 "}).quarter == "2019/20 Q2"
    assert flt.from_query({"quarter": "2004/05"}).quarter == "2004/05"
    assert flt.from_query({}) == flt.Filters()


@pytest.mark.parametrize(
    "value,headline",
    [("1", True), ("true", True), ("yes", True), ("0", False), ("maybe", False), ("", False), (None, False)],
)
def test_headline_reads_1_true_or_yes(value, headline):
    assert flt.from_query({"headline": value}).headline is headline


def test_lists_of_values_as_a_query_string_parser_gives_them():
    read = flt.from_query({"rag": ["HR", "LR,A"], "q": ["council", "tax"]})
    assert (read.rag, read.search) == (("HR", "LR", "A"), "council tax")


def test_a_long_search_is_cut_to_100_characters():
    assert flt.from_query({"q": "x" * 150}).search == "x" * 100


def test_a_draft_quarter_is_chosen_only_when_the_link_asks_for_drafts():
    published, drafts = ("2019/20 Q1", "2019/20 Q2"), ("2019/20 Q3",)
    asked = flt.from_query({"quarter": "2019/20 Q3", "drafts": "1"}, quarters=published, drafts=drafts)
    assert (asked.quarter, asked.drafts, asked.ignored) == ("2019/20 Q3", True, ())
    plain = flt.from_query({"quarter": "2019/20 Q3"}, quarters=published, drafts=drafts)
    assert (plain.quarter, plain.drafts, plain.ignored) == (None, False, ("quarter=2019/20 Q3",))
    assert flt.from_query({"quarter": "2019/20 Q2", "drafts": "yes"}, quarters=published, drafts=drafts).quarter == \
        "2019/20 Q2"
    assert flt.from_query({"drafts": "0"}, quarters=published, drafts=drafts).drafts is False
