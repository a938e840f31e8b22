"""The quarter in plain English: sentences written from the data, each with the rows behind it.

Nothing here is written by hand: every number in a sentence is counted from the
scorecard table (queries.scorecard), and every sentence carries the measures it
speaks of, so a councillor can ask "which ones?" and be shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from harrow_kpi import periods, queries, rag
from harrow_kpi.figures import figure_text, missing


@dataclass
class Sentence:
    key: str
    text: str
    rows: pd.DataFrame  # the measures behind the sentence


def _names(frame: pd.DataFrame, limit: int) -> str:
    names = [f"“{name}”" for name in frame["name"].head(limit)]
    more = len(frame) - limit
    if more > 0:
        names.append(f"{more} more")
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def _figure(row) -> str:
    return figure_text(row.get("actual_as_printed"), row.get("actual"), None, row.get("qualifier"))


def movement(table: pd.DataFrame) -> pd.Series:
    """How far each measure moved against the previous quarter, in its own target's terms:
    the change in its signed deviation from target, else the relative change of the figure."""
    values = []
    for row in table.to_dict("records"):  # pragma: no mutate
        known = row["polarity"] in rag.POLARITIES
        before_row = {"actual": row.get("previous_actual"), "target": row.get("previous_target"),
                      "target_low": row.get("previous_target_low"), "target_high": row.get("previous_target_high")}
        now = queries.deviation_from_target(row, row["polarity"]) if known else None
        before = queries.deviation_from_target(before_row, row["polarity"]) if known else None
        if now is not None and before is not None:
            values.append(now - before)
        elif not missing(row.get("actual")) and not missing(row.get("previous_actual")) and row["previous_actual"]:
            change = (row["actual"] - row["previous_actual"]) / abs(row["previous_actual"])
            values.append(change if row["polarity"] == "higher" else -change if row["polarity"] == "lower" else None)
        else:
            values.append(None)
    return pd.Series(values, index=table.index, dtype="float64")


def quarter_summary(table: pd.DataFrame, previous: pd.DataFrame | None = None, names: int = 3) -> list[Sentence]:
    """Sentences about one quarter's scorecard (``queries.scorecard``), with their rows.

    ``previous`` is the scorecard for the quarter before, for what is new this quarter.
    """
    period = table["period"].iloc[0] if len(table) else ""  # pragma: no mutate
    sentences = []
    compared = table[table["direction"].notna()]
    up = compared[compared["direction"] == "improving"]
    held = compared[compared["direction"] == "unchanged"]
    down = compared[compared["direction"] == "worsening"]
    if len(compared):
        sentences.append(Sentence(
            "direction",
            f"In {period}, of the {_plural(len(compared), 'measure')} with figures in this quarter and the last, "
            f"{len(up)} improved, {len(held)} unchanged and {len(down)} worsened.",
            compared,
        ))
    moved = table.assign(movement=movement(table)).dropna(subset=["movement"])
    if len(moved):
        best = moved.sort_values("movement", ascending=False).head(1)
        worst = moved.sort_values("movement").head(1)
        parts = []
        if best["movement"].iloc[0] > 0:
            row = best.iloc[0]
            parts.append(f"the biggest improvement was “{row['name']}” (now {_figure(row)})")
        if worst["movement"].iloc[0] < 0:
            row = worst.iloc[0]
            parts.append(f"the biggest fall was “{row['name']}” (now {_figure(row)})")
        if parts:
            text = "Against their targets, " + " and ".join(parts) + "."
            behind = pd.concat([best, worst]).drop_duplicates("indicator_id")  # pragma: no mutate
            sentences.append(Sentence("moved", text, behind))
    high_red = table[table["rag_reported"] == "HR"]
    if previous is not None and len(previous):
        was_red = set(previous.loc[previous["rag_reported"] == "HR", "indicator_id"])
        new_red = high_red[~high_red["indicator_id"].isin(was_red)]
        if len(new_red):
            sentences.append(Sentence(
                "new_high_red",
                f"{_plural(len(new_red), 'measure is', 'measures are')} newly High Red: {_names(new_red, names)}.",
                new_red,
            ))
        else:
            sentences.append(Sentence("new_high_red", "No measure is newly High Red.", new_red))
        met_now = table[table["rag_computed"].isin(["HG", "LG"])]
        missed_before = set(previous.loc[previous["rag_computed"].isin(["A", "LR", "HR"]), "indicator_id"])
        newly_met = met_now[met_now["indicator_id"].isin(missed_before)]
        sentences.append(Sentence(
            "newly_met",
            (f"{_plural(len(newly_met), 'measure')} newly met {'its' if len(newly_met) == 1 else 'their'} target: "
             f"{_names(newly_met, names)}.") if len(newly_met) else "No measure newly met its target.",
            newly_met,
        ))
    if len(high_red):
        sentences.append(Sentence("high_red", f"{_plural(len(high_red), 'measure is', 'measures are')} High Red "
                                  f"in all.", high_red))
    differs = table[table["rag_differs"]]
    if len(differs):
        sentences.append(Sentence(
            "differs",
            f"For {_plural(len(differs), 'measure')} the reported RAG differs from Harrow's rule: "
            f"{_names(differs, names)}.",
            differs,
        ))
    return sentences


def needs_attention(table: pd.DataFrame, histories: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Measures that need attention: High Red now, or worse in each of the last two steps
    between the three latest periods with a figure."""
    rows = []
    for row in table.to_dict("records"):  # pragma: no mutate
        reasons = []
        if row["rag_reported"] == "HR":
            reasons.append("High Red")
        history = histories.get(row["indicator_id"])
        if history is not None and len(history):
            until = periods.parse(row["period"]).order
            figures = history[history["actual"].notna() & (history["period_order"] <= until)]
            recent = figures.tail(3)
            last = recent.to_dict("records")  # pragma: no mutate
            if len(last) == 3 and row["polarity"] in ("higher", "lower"):
                steps = [queries.direction(last[i + 1], last[i], row["polarity"]) for i in range(2)]
                if steps == ["worsening", "worsening"]:
                    reasons.append(f"worse in each of {last[1]['period']} and {last[2]['period']}")
        if reasons:
            rows.append({**row, "reason": "; ".join(reasons)})
    return pd.DataFrame(rows, columns=[*table.columns, "reason"])
