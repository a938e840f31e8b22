"""The RAG agreement report and the generated sections of data/README.md."""

from harrow_kpi import checks, dataset, queries


def test_the_rule_agrees_with_the_reported_rag_on_the_large_majority(db):
    table = checks.rag_agreement(db)
    assert len(table) >= 140
    assert table["agrees"].mean() >= 0.9


def test_every_disagreement_is_listed_and_explained_in_the_data_readme(db):
    readme = (dataset.DATA_DIR / "README.md").read_text(encoding="utf-8")
    table = checks.rag_agreement(db)
    for row in table[~table["agrees"]].to_dict("records"):
        assert f"`{row['indicator_id']}`" in readme
    assert "Reading the differences" in readme


def test_the_data_readme_is_up_to_date(db):
    """Run `python -m harrow_kpi data-readme` after changing data/*.csv."""
    readme = (dataset.DATA_DIR / "README.md").read_text(encoding="utf-8")
    assert checks.refresh_readme(db, readme) == readme


def test_a_known_disagreement_is_found_with_its_reason(db):
    table = checks.rag_agreement(db)
    row = table[(table["indicator_id"] == "homelessness-prevented") & (table["period"] == "2019/20 Q2")].iloc[0]
    assert (row["rag_reported"], row["rag_computed"], row["agrees"]) == ("A", "LR", False)
    assert checks.reason(row) == "5.0% worse than target; the printed RAG is 1 band kinder than the rule"


def test_empty_cells_are_listed_with_why(db):
    table = queries.empty_cells(db)
    sickness = table[(table["id"] == "sickness-absence") & (table["period"] == "2002/03")].iloc[0]
    assert sickness["printed"] == "XXX"
    assert "placeholder" in sickness["note"]
