"""Why a figure gets its RAG: the rule's arithmetic in one sentence a scrutiny member can check.

"63.9% against 70% is 8.7% below target; Low Red is 5–10% off; reported Low Red ✔". One
function writes it, from the same deviation the rule uses (``rag.deviation``), so the sentence
and the band can never disagree.
"""

from __future__ import annotations

import math

from harrow_kpi import rag
from harrow_kpi.display import figure_shown
from harrow_kpi.figures import format_number, missing

# Each band's threshold, as the corporate key states it.
THRESHOLDS = {
    "HG": "High Green is 5% or more better than target",
    "LG": "Low Green is on target or under 5% better",
    "A": "Amber is under 5% off",
    "LR": "Low Red is 5–10% off",
    "HR": "High Red is more than 10% off",
}


def percent(fraction: float) -> str:
    """A deviation as a percentage: one decimal, two where one would land on a band's edge."""
    value = abs(fraction) * 100
    text = f"{value:.1f}"
    if text in ("5.0", "10.0") and not math.isclose(value, float(text)):
        text = f"{value:.2f}"
    return f"{text}%"


def _verdict(computed: str, reported) -> str:
    if missing(reported) or reported not in rag.LABELS:
        return "no RAG reported"
    if reported == computed:
        return f"reported {rag.LABELS[reported]} ✔"
    return f"reported {rag.LABELS[reported]} ✖, the rule gives {rag.LABELS[computed]}"


def explain(actual, target=None, polarity="higher", unit=None, reported=None, target_low=None, target_high=None,
            actual_as_printed=None, target_as_printed=None) -> str | None:
    """The rule's arithmetic for one figure, ending with the reported RAG against it; ``None``
    when the rule has nothing to compare (no actual, or no target)."""
    dev = rag.deviation(actual, target, polarity, target_low, target_high)
    if dev is None:
        return None
    computed = rag.band(dev)
    shown = figure_shown(actual_as_printed, actual, unit)
    if polarity == "range":
        low, high = format_number(target_low), format_number(target_high)
        if dev == 0:
            how = f"{shown} is inside the target range {low}–{high}; inside the range is Low Green"
        else:
            side = "below" if actual < target_low else "above"  # pragma: no mutate
            how = (f"{shown} against the target range {low}–{high} is {percent(dev)} {side} the range; "
                   f"{THRESHOLDS[computed]}")
        return f"{how}; {_verdict(computed, reported)}"
    aim = figure_shown(target_as_printed, target, unit)
    if target == 0 and actual != 0:
        how = f"{shown} against a target of {aim} is off target: any figure the wrong side of zero is a full miss"
    elif actual == target:
        how = f"{shown} against {aim} is exactly on target"
    else:
        side = "above" if actual > target else "below"  # pragma: no mutate
        note = " (lower is better)" if polarity == "lower" else ""
        how = f"{shown} against {aim} is {percent(dev)} {side} target{note}"
    return f"{how}; {THRESHOLDS[computed]}; {_verdict(computed, reported)}"
