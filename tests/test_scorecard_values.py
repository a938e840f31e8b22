"""Spot checks: figures of the Corporate Scorecard 2019/20 as printed in seed 001."""

import pandas as pd
import pytest

from harrow_kpi import queries

# indicator_id, period, target, actual, reported RAG — read by hand from the document.
PRINTED = [
    ("council-tax-collected", "2018/19 Q2", 57, 56.2, "A"),
    ("council-tax-collected", "2019/20 Q1", 30.25, 29.79, "A"),
    ("council-tax-collected", "2019/20 Q2", 57, 55.76, "A"),
    ("business-rates-collected", "2019/20 Q2", 59, 59.21, "LG"),
    ("council-homes-started", "2019/20 Q2", 42, 27, "HR"),
    ("council-homes-completed", "2018/19 Q2", 30, 76, "HG"),
    ("rp-affordable-homes-completed", "2019/20 Q2", 149, 76, "HR"),
    ("land-below-litter-standard", "2019/20 Q2", 10, 7, "HG"),
    ("street-cleaning-got-better", "2019/20 Q2", 30, 23, "HR"),
    ("household-waste-recycled", "2019/20 Q1", 50, 42, "HR"),
    ("book-issues", "2018/19 Q2", 200000, 181242, "LR"),
    ("library-visits", "2019/20 Q2", 246793, 268920, "HG"),
    ("museum-visits", "2019/20 Q2", 14000, 27263, "HG"),
    ("leisure-facility-users", "2019/20 Q2", 340000, 368616, "HG"),
    ("homelessness-duty-accepted", "2018/19 Q2", 320, 199, "HG"),
    ("homelessness-duty-accepted", "2019/20 Q2", 210, 242, "HR"),
    ("homelessness-prevented", "2019/20 Q2", 120, 114, "A"),
    ("hiv-testing-offered", "2019/20 Q1", 97, 98, "LG"),
    ("mental-health-clients-in-employment", "2018/19 Q2", 7.0, 8, "HG"),
    ("looked-after-children-emotional-health", "2019/20 Q1", 14, 15.5, "HR"),
    ("looked-after-placement-stability-long-term", "2019/20 Q2", 70, 63.9, "LR"),
    ("thirty-hours-funding-take-up", "2019/20 Q2", 718, 787, "HG"),
    ("families-in-bed-and-breakfast", "2018/19 Q2", 10, 15, "HR"),
    ("families-in-bed-and-breakfast", "2019/20 Q1", 0, 2, "HR"),
    ("new-service-users-hospital-referrals", "2019/20 Q2", 8.9, 8.7, "LG"),
    ("schools-good-or-outstanding", "2019/20 Q1", 96, 90, "LR"),
    ("violence-with-injury", "2019/20 Q1", 916, 1018, "HR"),
    ("knife-crime-with-injury", "2019/20 Q2", 48, 26, "HG"),
    ("youth-reoffending", "2019/20 Q2", 33.3, 44.7, "HR"),
    ("domestic-abuse-offences", "2018/19 Q2", 1582, 1797, "HR"),
    ("trained-community-champions", "2019/20 Q2", 1100, 1080, "A"),
    ("social-worker-turnover", "2019/20 Q1", 4.5, 8.5, "HR"),
    ("spend-with-local-providers", "2018/19 Q2", 15, 27, "HG"),
    ("young-people-in-education-employment-training", "2019/20 Q2", 98, 98.8, "LG"),
    ("customer-calls-answered-60-secs", "2018/19 Q2", 80, 88, "HG"),
    ("disabled-employees", "2019/20 Q2", 3, 1.86, "HR"),
    ("top-earners-bame", "2019/20 Q1", 25, 26.9, "HG"),
    ("sickness-absence", "2018/19 Q2", 9, 10.42, "HR"),
    ("leisure-users-60-plus", "2019/20 Q1", 15, 14.7, "A"),
    ("data-breaches", "2019/20 Q2", 9, 10, "HR"),
    ("it-critical-system-availability", "2019/20 Q2", 100, 99.82, "A"),
]


@pytest.fixture(scope="module")
def scorecard_rows(db_file):
    from harrow_kpi import store

    with store.opened(db_file) as db:
        frame = queries.observations(db, "scorecard-2019")
    return {(r["indicator_id"], r["period"]): r for r in frame.to_dict("records") if pd.isna(r["ward_code"])}


@pytest.mark.parametrize("indicator_id,period,target,actual,printed_rag", PRINTED)
def test_scorecard_figures_match_the_document(scorecard_rows, indicator_id, period, target, actual, printed_rag):
    row = scorecard_rows[(indicator_id, period)]
    assert row["target"] == pytest.approx(target)
    assert row["actual"] == pytest.approx(actual)
    assert row["rag_reported"] == printed_rag


def test_range_target_is_kept_as_a_range(scorecard_rows):
    row = scorecard_rows[("adult-social-care-equality-of-service", "2019/20 Q2")]
    assert (row["target_low"], row["target_high"], row["actual"]) == (0.9, 1.1, 0.87)
    assert row["rag_reported"] == "HR"
    assert row["polarity"] == "range"


@pytest.mark.parametrize(
    "indicator_id,period,status",
    [
        ("empty-properties-back-in-use", "2019/20 Q2", "Reports Q4 Only"),
        ("sexual-offences", "2019/20 Q2", "Data not yet available"),
        ("total-crime-rate", "2019/20 Q2", "MI only"),
        ("carers-social-contact", "2019/20 Q1", "No survey this quarter"),
    ],
)
def test_status_notes_stand_where_there_is_no_figure(scorecard_rows, indicator_id, period, status):
    row = scorecard_rows[(indicator_id, period)]
    assert row["status_note"] == status
    assert pd.isna(row["rag_reported"])


def test_mi_only_rows_keep_their_figures(scorecard_rows):
    row = scorecard_rows[("total-crime-rate", "2019/20 Q2")]
    assert row["actual"] == 66.32 and pd.isna(row["target"])
