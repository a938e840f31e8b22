"""Harrow's corporate RAG key, computed from target and actual.

The reported RAG printed in a document is the council's record; the computed
one is a check that scrutiny can hold it against. Both are kept.
"""

from __future__ import annotations

import math

from harrow_kpi.figures import missing

BANDS = ("HG", "LG", "A", "LR", "HR")

LABELS = {
    "HG": "High Green",
    "LG": "Low Green",
    "A": "Amber",
    "LR": "Low Red",
    "HR": "High Red",
}

MEANINGS = {
    "HG": "Exceeded target by 5% or more",
    "LG": "Met target or exceeded it by under 5%",
    "A": "Just off target, less than 5%",
    "LR": "Between 5% and 10% off target",
    "HR": "More than 10% off target",
}

POLARITIES = ("higher", "lower", "range")


def deviation(actual, target=None, polarity="higher", target_low=None, target_high=None):
    """Distance from target as a fraction, signed so that positive is better.

    Returns ``None`` when there is nothing to compare, and ``±inf`` when the target
    is zero and the actual is not (any miss of a zero target is a full miss).
    """
    if missing(actual):
        return None
    if polarity == "range":
        if missing(target_low) or missing(target_high):
            return None
        if target_low <= actual <= target_high:  # pragma: no mutate
            return 0.0
        bound = target_low if actual < target_low else target_high  # pragma: no mutate
        return -_relative(abs(actual - bound), bound)
    if missing(target):
        return None
    if polarity not in ("higher", "lower"):
        raise ValueError(f"polarity must be one of {POLARITIES}, not {polarity!r}")
    better = actual - target if polarity == "higher" else target - actual
    return _relative(better, target) if better >= 0 else -_relative(-better, target)  # pragma: no mutate


def _relative(amount, base):
    if amount == 0:
        return 0.0
    if base == 0:
        return math.inf
    return round(amount / abs(base), 9)


def band(dev) -> str | None:
    """The RAG band for a signed deviation."""
    if dev is None:
        return None
    if dev >= 0.05:
        return "HG"
    if dev >= 0:
        return "LG"
    if dev > -0.05:
        return "A"
    if dev >= -0.10:
        return "LR"
    return "HR"


# Which side of its printed number a bounded figure lies: above (over, at least) or below.
BOUND_SIDE = {"over": 1, "at least": 1, "under": -1, "at most": -1}
STRICT_BOUNDS = ("over", "under")


def compute(actual, target=None, polarity="higher", target_low=None, target_high=None, qualifier=None):
    """The RAG band by Harrow's key, or ``None`` without an actual and a target.

    A figure printed as a bound (``qualifier`` over / under / at least / at most) gets the band
    it is sure of: a bound on the better side gives the band the figure reaches at worst ("over
    1,000" against 1,000 is Low Green); a bound on the worse side gives High Red when even the
    bound is High Red, else no band. "about" reads as the number; a bound against a range, none.
    """
    # Inside a range target the deviation is zero: Low Green, met but not exceeded.
    dev = deviation(actual, target, polarity, target_low, target_high)
    side = BOUND_SIDE.get(qualifier)
    if dev is None or side is None:
        return band(dev)
    if polarity == "range":
        return None
    better = side if polarity == "higher" else -side
    # Past a strict bound the figure is just beyond the printed number: the band of the next value.
    edge = math.nextafter(dev, math.inf * better) if qualifier in STRICT_BOUNDS else dev  # pragma: no mutate
    if better > 0:  # pragma: no mutate
        return band(edge)
    return "HR" if band(edge) == "HR" else None
