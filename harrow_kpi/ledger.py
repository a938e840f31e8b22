"""The token ledger: every number printed in the five seed documents, accounted for.

A number token on a seed's line is either a **figure** (some row of data/*.csv cites that seed
and line and holds the number in an as-printed text or a value), or **not a figure**, listed in
``data/not_figures.csv`` with a reason (a year in a date, a page number, a duplicate of line N,
…), or else **unaccounted**: a printed figure the dataset has not captured yet. The test holds
the seeds in ``COMPLETE`` to 100% accounted for; data/README.md shows the counts per document.

A token is a run of digits with optional thousands commas and decimals (``1,080``, ``56.2``,
``.87``), not preceded by a letter, digit or point: the ``2`` of ``Q2`` or ``CO2`` and the digits
of codes such as ``E05000304`` are not tokens. Numbers written in words ("a thousand", "Eight")
are not tokens either, though they are captured where they are figures.
"""

from __future__ import annotations

import csv
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from harrow_kpi import dataset

# The seeds whose every token is accounted for: the ledger test requires 100% of these.
# Add a seed here once its last token is a figure or listed in data/not_figures.csv.
COMPLETE: tuple[str, ...] = (
    "000_ae6d746da066a1e1.txt",
    "001_efe026106ea22757.txt",
    "002_2dfa10be0f04b10c.txt",
    "003_2f0341b9452202b1.txt",
    "004_28eb89efdbf3a60c.txt",
)

SEED_FILES = (
    "000_ae6d746da066a1e1.txt",
    "001_efe026106ea22757.txt",
    "002_2dfa10be0f04b10c.txt",
    "003_2f0341b9452202b1.txt",
    "004_28eb89efdbf3a60c.txt",
)

TOKEN = re.compile(r"(?<![\w.])(?:\d+(?:,\d{3}(?!\d))*(?:\.\d+)?|\.\d+)")

NOT_FIGURES = "not_figures.csv"
NOT_FIGURE_COLUMNS = ("seed", "line", "token", "category", "note")
# Why a number is not a figure. "duplicate" needs the note to name the line that holds the
# figure ("duplicate of line 154"); "other" needs a note saying what the number is.
CATEGORIES = (
    "year in a date",      # 2017 in "August 2017", 31 in "31st March 2017", 2019/20 in a period label
    "page number",
    "phone number",
    "list marker",         # 1. 2. 3. numbering of items, objectives, table rows
    "reference number",    # BVPI 12, a scorecard row number, a footnote or section number
    "duplicate",           # the same figure printed again; the note names the line it is captured on
    "part of a name",      # a number inside a name: "Harrow 2020", "16-18 year olds", "Section 106"
    "time of day",
    "address",             # a street number or postcode
    "web address",
    "other",
)
_DUPLICATE_OF = re.compile(r"\bline (\d+)\b")

# Columns of data/*.csv that hold a figure as printed, and those that hold it as a number.
PRINTED_COLUMNS = ("target_as_printed", "actual_as_printed", "baseline_as_printed", "amount_as_printed",
                   "deadline_as_printed", "as_at", "scorecard_number")
VALUE_COLUMNS = ("target", "target_low", "target_high", "actual", "target_value", "baseline_value", "amount")


def value(token: str) -> float:
    """A token as a number: ``1,080`` is 1080."""
    return float(token.replace(",", ""))


def tokens(text: str) -> list[str]:
    """The number tokens of a text, in order, as printed."""
    return TOKEN.findall(text or "")


def seeds_dir() -> Path:
    """The seed documents: $HARROW_KPI_SEEDS, else ``shared/seeds`` beside the repository."""
    if os.environ.get("HARROW_KPI_SEEDS"):
        return Path(os.environ["HARROW_KPI_SEEDS"])
    root = dataset.ROOT
    found = next((parent / "shared" / "seeds" for parent in root.parents if (parent / "shared" / "seeds").is_dir()),
                 None)
    return found or root.parent / "shared" / "seeds"


def seed_lines(name: str, folder: Path | None = None) -> list[str]:
    """A seed's lines, line N at index N - 1; a last line without a newline is kept."""
    return (Path(folder or seeds_dir()) / name).read_text(encoding="utf-8").split("\n")


def _cited_rows(folder: Path) -> list[dict]:
    rows = []
    for name in dataset.BUILD_ORDER:
        path = folder / f"{name}.csv"
        if path.exists():
            rows += [{"_file": name, **row} for row in dataset.read_csv(path) if row.get("seed")]
    return rows


def _as_number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def captured(folder: str | os.PathLike | None = None) -> dict[tuple[str, int], set[float]]:
    """(seed, line) → the numbers that rows of data/*.csv citing that line hold."""
    found: dict[tuple[str, int], set[float]] = {}
    for row in _cited_rows(dataset.data_dir(folder)):
        try:
            key = (row["seed"], int(row["line"]))
        except (TypeError, ValueError):
            continue
        numbers = found.setdefault(key, set())
        for column in PRINTED_COLUMNS:
            numbers.update(value(token) for token in tokens(row.get(column) or ""))
        for column in VALUE_COLUMNS:
            number = _as_number(row.get(column))
            if number is not None:
                numbers.add(number)
    return found


def read_not_figures(folder: str | os.PathLike | None = None) -> list[dict]:
    path = dataset.data_dir(folder) / NOT_FIGURES
    if not path.exists():
        return []
    return [{"_row": number, **row} for number, row in enumerate(dataset.read_csv(path), start=2)]


@dataclass(frozen=True)
class Token:
    seed: str
    line: int
    token: str
    kind: str          # figure, not a figure, unaccounted
    text: str          # the line it is on


FIGURE, NOT_A_FIGURE, UNACCOUNTED = "figure", "not a figure", "unaccounted"


def _is_in(number: float, numbers) -> bool:
    return any(abs(number - other) <= 1e-9 * max(1.0, abs(other)) for other in numbers)


def classify(folder: str | os.PathLike | None = None, seeds: Path | None = None,
             names=SEED_FILES) -> list[Token]:
    """Every number token of the seeds, each a figure, not a figure, or unaccounted."""
    figures = captured(folder)
    listed: dict[tuple[str, int], set[float]] = {}
    for row in read_not_figures(folder):
        try:
            listed.setdefault((row["seed"], int(row["line"])), set()).add(value(row["token"]))
        except (TypeError, ValueError):
            continue
    out = []
    for name in names:
        for number, text in enumerate(seed_lines(name, seeds), start=1):
            for token in tokens(text):
                key = (name, number)
                if _is_in(value(token), figures.get(key, ())):
                    kind = FIGURE
                elif _is_in(value(token), listed.get(key, ())):
                    kind = NOT_A_FIGURE
                else:
                    kind = UNACCOUNTED
                out.append(Token(name, number, token, kind, text))
    return out


def counts(found: list[Token]) -> list[dict]:
    """Per seed: tokens, figures captured, not figures, unaccounted, and the share captured."""
    rows = []
    for name in dict.fromkeys(t.seed for t in found):
        kinds = Counter(t.kind for t in found if t.seed == name)
        total = sum(kinds.values())
        printed = kinds[FIGURE] + kinds[UNACCOUNTED]
        rows.append({
            "seed": name, "tokens": total, "figures": kinds[FIGURE], "not_figures": kinds[NOT_A_FIGURE],
            "unaccounted": kinds[UNACCOUNTED],
            "accounted_pct": 100.0 * (total - kinds[UNACCOUNTED]) / total if total else 100.0,
            "captured_pct": 100.0 * kinds[FIGURE] / printed if printed else 100.0,
        })
    return rows


def check_not_figures(folder: str | os.PathLike | None = None, seeds: Path | None = None) -> list[str]:
    """Every problem with data/not_figures.csv, naming its row: columns, category, the token on
    its line, a duplicate that names the line its figure is captured on, rows listed twice, and
    rows for a number that is already a captured figure on that line."""
    path = dataset.data_dir(folder) / NOT_FIGURES
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), [])
    if tuple(header) != NOT_FIGURE_COLUMNS:
        return [f"{NOT_FIGURES}: the header must be {','.join(NOT_FIGURE_COLUMNS)}"]
    figures = captured(folder)
    problems, seen, lines = [], set(), {}
    for row in read_not_figures(folder):
        where = f"{NOT_FIGURES} row {row['_row']}"
        if row["seed"] not in SEED_FILES:
            problems.append(f"{where}, column seed: '{row['seed']}' is not a seed document")
            continue
        if row["seed"] not in lines:
            lines[row["seed"]] = seed_lines(row["seed"], seeds)
        try:
            line = int(row["line"])
            number = value(row["token"])
        except (TypeError, ValueError):
            problems.append(f"{where}: line and token must be numbers")
            continue
        text = lines[row["seed"]][line - 1] if 1 <= line <= len(lines[row["seed"]]) else None
        if text is None:
            problems.append(f"{where}, column line: {line} is not a line of {row['seed']}")
            continue
        if row["token"] not in tokens(text):
            problems.append(f"{where}, column token: '{row['token']}' is not a number token of line {line}")
        if row["category"] not in CATEGORIES:
            problems.append(f"{where}, column category: '{row['category']}' is not one of {CATEGORIES}")
        note = row.get("note") or ""
        if row["category"] in ("duplicate", "other") and not note.strip():
            problems.append(f"{where}, column note: a row of category '{row['category']}' needs a note")
        if row["category"] == "duplicate":
            of = _DUPLICATE_OF.search(note)
            if not of or not _is_in(number, figures.get((row["seed"], int(of.group(1))), ())):
                problems.append(f"{where}, column note: a duplicate must name the line its figure is captured on "
                                f"('duplicate of line N')")
        key = (row["seed"], line, number)
        if key in seen:
            problems.append(f"{where}: {row['token']} on {row['seed']} line {line} is listed twice")
        seen.add(key)
        if _is_in(number, figures.get((row["seed"], line), ())):
            problems.append(f"{where}: {row['token']} on {row['seed']} line {line} is a captured figure")
    return problems


MARK_START = "<!-- token-ledger:start -->"
MARK_END = "<!-- token-ledger:end -->"


def counts_markdown(found: list[Token]) -> str:
    """The per-document counts table for data/README.md."""
    lines = [
        MARK_START,
        "| seed | tokens | figures captured | not figures | unaccounted | accounted for | printed figures captured |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in counts(found):
        done = " (complete)" if row["seed"] in COMPLETE else ""
        lines.append(f"| `{row['seed']}`{done} | {row['tokens']} | {row['figures']} | {row['not_figures']} | "
                     f"{row['unaccounted']} | {row['accounted_pct']:.1f}% | {row['captured_pct']:.1f}% |")
    lines.append(MARK_END)
    return "\n".join(lines)


def refresh_readme(text: str, folder: str | os.PathLike | None = None, seeds: Path | None = None) -> str:
    """The data README with its token-ledger table brought up to date (unchanged without the seeds)."""
    if MARK_START not in text or not (Path(seeds or seeds_dir()) / SEED_FILES[0]).exists():
        return text
    before, _, rest = text.partition(MARK_START)
    _, _, after = rest.partition(MARK_END)
    return before + counts_markdown(classify(folder, seeds)) + after
