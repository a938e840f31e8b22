"""Is this RAG right? The reported RAG held against Harrow's rule, row by row."""

from __future__ import annotations

import math
import re

import pandas as pd

from harrow_kpi import ledger, queries, rag
from harrow_kpi.figures import format_number, target_text

MARK_START = "<!-- rag-agreement:start -->"
MARK_END = "<!-- rag-agreement:end -->"


def rag_agreement(db, plan_id: str = queries.SCORECARD) -> pd.DataFrame:
    """Rows with a reported RAG, a target and an actual, with whether the rule agrees."""
    obs = queries.observations(db, plan_id)
    both = obs[obs["rag_reported"].notna() & obs["rag_computed"].notna()].copy()
    both["agrees"] = both["rag_reported"] == both["rag_computed"]
    return both


def reason(row) -> str:
    """How far the figure is from target, and which way the printed band leans."""
    dev = rag.deviation(row["actual"], row["target"], row["polarity"], row["target_low"], row["target_high"])
    if dev in (math.inf, -math.inf):
        gap = "misses a zero target" if dev < 0 else "beats a zero target"
    elif row["polarity"] == "range":
        gap = f"{abs(dev) * 100:.1f}% outside the range" if dev else "inside the range"
    else:
        gap = f"{abs(dev) * 100:.1f}% {'better' if dev >= 0 else 'worse'} than target"
    steps = rag.BANDS.index(row["rag_computed"]) - rag.BANDS.index(row["rag_reported"])
    lean = "kinder" if steps > 0 else "harsher"
    return f"{gap}; the printed RAG is {abs(steps)} band{'s' if abs(steps) > 1 else ''} {lean} than the rule"


def agreement_markdown(db) -> str:
    table = rag_agreement(db)
    differ = table[~table["agrees"]]
    lines = [
        MARK_START,
        f"Scorecard rows with a reported RAG, a target and an actual: **{len(table)}**. "
        f"The rule agrees on **{int(table['agrees'].sum())}** "
        f"({table['agrees'].mean() * 100:.0f}%) and differs on **{len(differ)}**:",
        "",
        "| measure | period | target | actual | reported | by the rule | why they differ |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in differ.to_dict("records"):
        lines.append(
            f"| {row['indicator_name']} (`{row['indicator_id']}`) | {row['period']} | "
            f"{target_text(row)} | {format_number(row['actual'])} | "
            f"{row['rag_reported']} | {row['rag_computed']} | {reason(row)} |"
        )
    lines.append(MARK_END)
    return "\n".join(lines)


EMPTY_START = "<!-- empty-cells:start -->"
EMPTY_END = "<!-- empty-cells:end -->"


_WHY_WORDS = r"target_value|empty|blank|placeholder|no numeric|no count|printed"


def _why(note: str, limit: int = 160) -> str:
    """The sentence of a curator's note that says why the cell is empty."""
    sentences = [s.strip() for s in re.split(r"(?<=[.;])\s+", note or "") if s.strip()]
    telling = [s for s in sentences if re.search(_WHY_WORDS, s)]
    sentence = (telling or sentences or [""])[0].rstrip(".;").replace("|", "/").replace("\n", " ")
    return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"


def empty_cells_markdown(db) -> str:
    table = queries.empty_cells(db).fillna("")
    lines = [
        EMPTY_START,
        f"**{len(table)}** cells are left empty on purpose:",
        "",
        "| file | id | period | source | printed | why |",
        "|---|---|---|---|---|---|",
    ]
    for row in table.to_dict("records"):
        why = _why(row["note"]) or row["status_note"]
        lines.append(
            f"| {row['file']} | `{row['id']}` | {row['period'] or ''} | {row['seed']}:{row['line']} | "
            f"{(row['printed'] or '').replace('|', '/')} | {why} |"
        )
    lines.append(EMPTY_END)
    return "\n".join(lines)


def refresh_readme(db, text: str) -> str:
    """The data README with its generated sections brought up to date."""
    for start, end, body in (
        (MARK_START, MARK_END, agreement_markdown(db)),
        (EMPTY_START, EMPTY_END, empty_cells_markdown(db)),
    ):
        before, _, rest = text.partition(start)
        _, _, after = rest.partition(end)
        text = before + body + after
    return ledger.refresh_readme(text)
