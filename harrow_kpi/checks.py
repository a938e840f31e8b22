"""Is this RAG right? The reported RAG held against Harrow's rule, row by row."""

from __future__ import annotations

import math

import pandas as pd

from harrow_kpi import queries, rag

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
            f"{queries.target_text(row)} | {queries.format_number(row['actual'])} | "
            f"{row['rag_reported']} | {row['rag_computed']} | {reason(row)} |"
        )
    lines.append(MARK_END)
    return "\n".join(lines)
