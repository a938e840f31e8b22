"""The token ledger: every number the seeds print is a figure in data/, or listed as not one."""

import csv

import pytest

from harrow_kpi import checks, dataset, ledger
from tests.helpers import SEEDS, copy_data, seed_lines


@pytest.mark.parametrize("text,expected", [
    ("61 (260)", ["61", "260"]),
    ("Q2 2019/20", ["2019", "20"]),           # the 2 of Q2 is part of a code
    ("an income of £433,500.", ["433,500"]),
    ("£1.1m and 56.2%", ["1.1", "56.2"]),
    ("CO2 and E05000304", []),
    ("between 0.9-1.1", ["0.9", "1.1"]),
    ("0.87 or .87", ["0.87", ".87"]),
    ("2003,2004 and 1,2345", ["2003", "2004", "1", "2345"]),
    ("3.1.2 Section", ["3.1"]),
    ("the 2nd lowest", ["2"]),
])
def test_number_tokens_as_printed(text, expected):
    assert ledger.tokens(text) == expected


def test_a_token_reads_as_its_number():
    assert ledger.value("1,080") == 1080 and ledger.value(".87") == 0.87 and ledger.value("56.2") == 56.2


def test_the_last_line_without_a_newline_is_kept(tmp_path):
    (tmp_path / "x.txt").write_text("first 1\nlast 22", encoding="utf-8")
    assert ledger.seed_lines("x.txt", tmp_path) == ["first 1", "last 22"]
    found = ledger.classify(copy_data(tmp_path), tmp_path, names=["x.txt"])
    assert [(t.line, t.token, t.kind) for t in found] == [(1, "1", "unaccounted"), (2, "22", "unaccounted")]


def test_the_hap_2020_last_line_is_read():
    lines = seed_lines("000_ae6d746da066a1e1.txt")
    assert not (SEEDS / "000_ae6d746da066a1e1.txt").read_bytes().endswith(b"\n")
    found = [t for t in ledger.classify(names=["000_ae6d746da066a1e1.txt"]) if t.line == len(lines)]
    assert [t.token for t in found] == ledger.tokens(lines[-1]) and "2018" in [t.token for t in found]


def _write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ledger.NOT_FIGURE_COLUMNS)
        writer.writerows(rows)


def test_a_token_is_a_figure_not_a_figure_or_unaccounted(tmp_path):
    data = copy_data(tmp_path)
    seed = "002_2dfa10be0f04b10c.txt"
    # Line 143: "We started the service on 25th October 2010 ... To date 1,300 people have received ..."
    _write(data / ledger.NOT_FIGURES, [[seed, 143, "2010", "year in a date", ""]])
    kinds = {t.token: t.kind for t in ledger.classify(data, names=[seed]) if t.line == 143}
    assert kinds["2010"] == ledger.NOT_A_FIGURE and kinds["25"] == ledger.UNACCOUNTED
    # Line 44 prints the target of 1,500 trained Neighbourhood Champions, captured in observations.csv.
    assert {t.token: t.kind for t in ledger.classify(data, names=[seed]) if t.line == 44}["1,500"] == ledger.FIGURE


def test_counts_per_document(tmp_path):
    found = [ledger.Token("a", 1, "1", ledger.FIGURE, ""), ledger.Token("a", 1, "2", ledger.NOT_A_FIGURE, ""),
             ledger.Token("a", 2, "3", ledger.UNACCOUNTED, ""), ledger.Token("b", 1, "4", ledger.FIGURE, "")]
    assert ledger.counts(found) == [
        {"seed": "a", "tokens": 3, "figures": 1, "not_figures": 1, "unaccounted": 1,
         "accounted_pct": pytest.approx(200 / 3), "captured_pct": 50.0},
        {"seed": "b", "tokens": 1, "figures": 1, "not_figures": 0, "unaccounted": 0,
         "accounted_pct": 100.0, "captured_pct": 100.0},
    ]


def test_not_figures_problems_name_their_row(tmp_path):
    data = copy_data(tmp_path)
    seed = "002_2dfa10be0f04b10c.txt"
    _write(data / ledger.NOT_FIGURES, [
        [seed, 143, "2010", "year in a date", ""],
        [seed, 143, "2010", "year in a date", "again"],
        [seed, 143, "1999", "year in a date", ""],
        [seed, 143, "25", "a day", ""],
        [seed, 8, "2011", "duplicate", "no line named"],
        [seed, 44, "1,500", "other", "captured already"],
        [seed, 9999, "1", "list marker", ""],
        ["nope.txt", 1, "1", "list marker", ""],
        [seed, 143, "25", "other", ""],
    ])
    assert ledger.check_not_figures(data) == [
        f"not_figures.csv row 3: 2010 on {seed} line 143 is listed twice",
        "not_figures.csv row 4, column token: '1999' is not a number token of line 143",
        f"not_figures.csv row 5, column category: 'a day' is not one of {ledger.CATEGORIES}",
        "not_figures.csv row 6, column note: a duplicate must name the line its figure is captured on "
        "('duplicate of line N')",
        f"not_figures.csv row 7: 1,500 on {seed} line 44 is a captured figure",
        f"not_figures.csv row 8, column line: 9999 is not a line of {seed}",
        "not_figures.csv row 9, column seed: 'nope.txt' is not a seed document",
        "not_figures.csv row 10, column note: a row of category 'other' needs a note",
        f"not_figures.csv row 10: 25 on {seed} line 143 is listed twice",
    ]
    _write(data / ledger.NOT_FIGURES, [[seed, 72, "2011", "duplicate", "duplicate of line 44"]])
    assert ledger.check_not_figures(data) == [
        "not_figures.csv row 2, column note: a duplicate must name the line its figure is captured on "
        "('duplicate of line N')"]
    (data / ledger.NOT_FIGURES).write_text("seed,line,token\n", encoding="utf-8")
    assert ledger.check_not_figures(data) == ["not_figures.csv: the header must be seed,line,token,category,note"]


def test_the_listed_not_figures_are_valid():
    assert ledger.check_not_figures() == []


def test_every_token_of_a_complete_seed_is_accounted_for():
    """The goal: every number a seed prints is a figure in data/ or in data/not_figures.csv.
    `python -m harrow_kpi token-ledger --seed FILE --unaccounted` lists what is left."""
    left = [f"{t.seed}:{t.line} {t.token}" for t in ledger.classify(names=ledger.COMPLETE)
            if t.kind == ledger.UNACCOUNTED]
    assert left == []


def test_the_data_readme_shows_the_current_counts():
    readme = (dataset.DATA_DIR / "README.md").read_text(encoding="utf-8")
    assert ledger.MARK_START in readme
    assert ledger.refresh_readme(readme) == readme
    assert checks.refresh_readme  # the data-readme command refreshes this table with the others
