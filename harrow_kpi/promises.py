"""What did we promise, and did we deliver? A commitment's status from later figures.

The status is derived, never guessed: a commitment is judged only against a figure
for its own measure printed in a later document, and only when its target is a
level on the same basis as that measure (``target_kind`` = level).

- achieved / missed: the deadline has passed and the first later figure at or after
  it, within two years of it, meets / misses the target;
- in progress: the deadline is after the latest data; the latest later figure says
  whether it is on track so far;
- no later evidence: no later document prints a figure for the measure (or none
  within two years after a passed deadline: a figure a decade on says nothing
  about whether a promise was kept on time);
- not comparable: there are later figures, but the target is a change, a
  programme total or another basis than the measure's figures.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from harrow_kpi import rag
from harrow_kpi.figures import figure_text, missing

STATUSES = ("achieved", "missed", "in progress", "no later evidence", "not comparable")
WINDOW = dt.timedelta(days=731)  # how long after a deadline a figure still tells


INFINITIES = (float("inf"), float("-inf"))  # pragma: no mutate

def parse_date(text) -> dt.date | None:
    """An ISO date, or a bare year (its last day, as the deadline convention says)."""
    if not isinstance(text, str) or not text.strip():
        return None
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.date.fromisoformat(text)
    if re.fullmatch(r"\d{4}", text):
        return dt.date(int(text), 12, 31)
    return None


def effective_deadline(commitment: dict, plan_end) -> tuple[dt.date | None, str]:
    """The printed deadline, else the end of the plan the promise sits in."""
    printed = parse_date(commitment.get("deadline"))
    if printed:
        return printed, "printed"
    end = parse_date(plan_end)
    return (end, "plan end") if end else (None, "")


def meets(actual: float, target: float, polarity: str | None, qualifier: str | None = None) -> bool | None:
    """Whether a figure meets a target; ``None`` when the polarity or a printed bound cannot say.

    "over 1,000" meets a target of 1,000 (higher is better); "under 100" misses a target of 100
    but says nothing against a target of 90.
    """
    if polarity not in ("higher", "lower"):
        return None
    side = rag.BOUND_SIDE.get(qualifier)
    if side is None:
        return actual >= target if polarity == "higher" else actual <= target
    strict = qualifier in rag.STRICT_BOUNDS
    if (side > 0) == (polarity == "higher"):  # pragma: no mutate
        # A bound on the better side: met when the bound itself meets the target, else unknown.
        return True if (actual >= target if polarity == "higher" else actual <= target) else None
    # A bound on the worse side: missed when even the bound (past it, for a strict one) misses.
    if polarity == "higher":
        return False if (actual <= target if strict else actual < target) else None
    return False if (actual >= target if strict else actual > target) else None


def gap_text(actual: float, target: float, polarity: str, unit: str | None, qualifier: str | None = None) -> str:
    """By how much a figure beats or misses a target, in the unit's own terms."""
    dev = rag.deviation(actual, target, polarity)
    if dev is None:
        return ""
    if rag.BOUND_SIDE.get(qualifier):
        return f"by an amount not printed (the figure is {figure_text(None, actual, None, qualifier)})"
    difference = abs(actual - target)
    amount = f"{difference:.1f} points" if unit == "percent" else f"{difference:,.6g}"
    if dev in INFINITIES:
        return f"{amount} {'better than' if dev > 0 else 'off'} a zero target"  # pragma: no mutate
    word = "better than" if dev >= 0 else "short of"
    return f"{amount} ({abs(dev) * 100:.0f}%) {word} target"


def judge(commitment: dict, evidence: pd.DataFrame, polarity: str | None, unit: str | None,
          plan_end, as_of: dt.date) -> dict:
    """A commitment's status with the evidence row behind it and a plain sentence."""
    deadline, deadline_source = effective_deadline(commitment, plan_end)
    verdict = {"status": "no later evidence", "deadline": deadline, "deadline_source": deadline_source,
               "evidence": None, "detail": "No later document prints a figure for this measure."}
    figures = evidence[evidence["actual"].notna()] if len(evidence) else evidence
    if not len(figures) or not commitment.get("indicator_id"):
        return verdict
    figures = figures.sort_values("period_end")
    target = commitment.get("target_value")
    if commitment.get("target_kind") != "level" or missing(target) or polarity not in ("higher", "lower"):
        latest = figures.iloc[-1].to_dict()
        return {**verdict, "status": "not comparable", "evidence": latest,
                "detail": f"Later figures exist (latest {latest['period']}: {_figure(latest)}), but the promise "
                          "is not a level on the same basis as the measure."}
    if deadline is not None and deadline <= as_of:
        ends = pd.to_datetime(figures["period_end"]).dt.date
        after = figures[(ends >= deadline) & (ends <= deadline + WINDOW)]
        if not len(after):
            later = figures[ends > deadline + WINDOW]  # pragma: no mutate
            nxt = (f" The next figure is {_figure(later.iloc[0].to_dict())} in {later.iloc[0]['period']}, "
                   "too long after to judge it." if len(later) else "")
            return {**verdict, "detail": f"No figure within two years after the deadline ({deadline:%B %Y}).{nxt}"}
        row = after.iloc[0].to_dict()
        met = _met(row, commitment, polarity)
        if met is None:
            return {**verdict, **_unsure(row, commitment)}
        status = "achieved" if met else "missed"
        detail = (f"{status.capitalize()}: {_figure(row)} in {row['period']} against {_target(commitment)}, "
                  f"{gap_text(row['actual'], target, polarity, unit, row.get('qualifier'))}.")
        return {**verdict, "status": status, "evidence": row, "detail": detail}
    row = figures.iloc[-1].to_dict()
    met = _met(row, commitment, polarity)
    if met is None:
        return {**verdict, **_unsure(row, commitment)}
    when = f"by {deadline:%B %Y}" if deadline else "with no deadline"
    detail = (f"In progress ({when}): {_figure(row)} in {row['period']} against {_target(commitment)}, "
              f"{'on track' if met else 'behind'}: "
              f"{gap_text(row['actual'], target, polarity, unit, row.get('qualifier'))}.")
    return {**verdict, "status": "in progress", "evidence": row, "detail": detail, "on_track": met}


def _met(row: dict, commitment: dict, polarity: str) -> bool | None:
    """Does a figure (perhaps a bound) meet a commitment's target (perhaps "over" a number)?"""
    target = commitment["target_value"]
    met = meets(row["actual"], target, polarity, row.get("qualifier"))
    # "over 1,000" as a target is not met by exactly 1,000 (nor "under 10" by exactly 10).
    strict = {"higher": "over", "lower": "under"}[polarity]
    if met and commitment.get("qualifier") == strict and row["actual"] == target \
            and not isinstance(row.get("qualifier"), str):
        return False
    return met


def _unsure(row: dict, commitment: dict) -> dict:
    return {"status": "not comparable", "evidence": row,
            "detail": f"{_figure(row)} in {row['period']} is printed as a bound that cannot say whether "
                      f"{_target(commitment)} was met."}


def _figure(row: dict) -> str:
    return figure_text(row.get("actual_as_printed"), row.get("actual"), None, row.get("qualifier"))


def _target(commitment: dict) -> str:
    printed = figure_text(commitment.get("target_as_printed"), None, None, commitment.get("qualifier"))
    return f"the target of {printed}" if printed else "the target"


def ledger(commitments: pd.DataFrame, observations: pd.DataFrame, indicators: pd.DataFrame,
           plans: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Every commitment with a deadline (printed or its plan's end), judged.

    Evidence for a commitment is a figure for its measure printed in a document
    published after the commitment's own (the order of data/plans.csv).
    """
    order = {plan_id: position for position, plan_id in enumerate(plans["plan_id"])}
    plan_end = dict(zip(plans["plan_id"], plans["period_end"]))
    polarity = dict(zip(indicators["indicator_id"], indicators["polarity"]))
    unit = dict(zip(indicators["indicator_id"], indicators["unit"]))
    borough = observations[observations["ward_code"].isna()].assign(
        plan_position=lambda frame: frame["plan_id"].map(order)
    )
    by_indicator = {key: group for key, group in borough.groupby("indicator_id")}
    rows = []
    for commitment in commitments.to_dict("records"):  # pragma: no mutate
        indicator_id = commitment.get("indicator_id")
        evidence = by_indicator.get(indicator_id, borough.iloc[0:0])  # pragma: no mutate
        evidence = evidence[evidence["plan_position"] > order.get(commitment["plan_id"], -1)]  # pragma: no mutate
        # Only figures on the commitment's own basis judge it (an annual total never a quarter's figure).
        evidence = evidence[_bases(evidence) == _basis_of(commitment)]
        verdict = judge(commitment, evidence, polarity.get(indicator_id), unit.get(indicator_id),
                        plan_end.get(commitment["plan_id"]), as_of)
        if verdict["deadline"] is None:
            continue
        found = verdict["evidence"] or {}
        rows.append({
            **commitment,
            "printed_status": commitment.get("status"),
            "status": verdict["status"],
            "effective_deadline": verdict["deadline"].isoformat(),
            "deadline_source": verdict["deadline_source"],
            "detail": verdict["detail"],
            "evidence_period": found.get("period"),
            "evidence_actual": found.get("actual"),
            "evidence_source": found.get("source"),
        })
    return pd.DataFrame(rows)


def _bases(frame: pd.DataFrame) -> pd.Series:
    """Each figure's basis, "" for the measure's own (frames without the column are all on it)."""
    if "basis" not in frame:
        return pd.Series("", index=frame.index)
    return frame["basis"].where(frame["basis"].map(lambda b: isinstance(b, str)), "")


def _basis_of(commitment: dict) -> str:
    basis = commitment.get("basis")
    return basis if isinstance(basis, str) else ""


def history_statements(history: pd.DataFrame, polarity: str | None, unit: str | None) -> list[str]:
    """One sentence for each figure printed beside a target: met or missed, by how much, when."""
    sentences = []
    if history is None or not len(history) or polarity not in ("higher", "lower"):
        return sentences
    for row in history.to_dict("records"):  # pragma: no mutate
        if missing(row.get("actual")) or missing(row.get("target")):
            continue
        met = meets(row["actual"], row["target"], polarity, row.get("qualifier"))
        target = row.get("target_as_printed") or f"{row['target']:g}"
        verdict = {True: "met", False: "missed", None: "cannot say"}[met]
        sentences.append(
            f"{row['period']}: {_figure(row)} against a target of {target}: {verdict}, "
            f"{gap_text(row['actual'], row['target'], polarity, unit, row.get('qualifier'))} "
            f"({row.get('plan_title', row['plan_id'])})."
        )
    return sentences
