"""A figure as the dashboard writes it, and what counts as no figure at all.

One place for both rules, so the pages, the exports, the briefing pack and the
upload preview cannot drift apart on how 56.2 or an empty cell reads.
"""

from __future__ import annotations

import math
import re

import pandas as pd

# A figure written as bare digits ("14000", "340000.5"): shown with thousands separators, as the
# documents print most figures, so "14000" never stands beside "27,263".
BARE_DIGITS = re.compile(r"(-?)(\d{4,})(\.\d+)?(%?)")


def missing(value) -> bool:
    """No figure: None, NaN, or pandas' own missing markers."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_number(value) -> str:
    """A number as plain text: 27 not 27.0, 56.2 not 56.200000000000003."""
    if missing(value):
        return ""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(round(value, 6))


def target_text(row) -> str:
    """A target as officers write it: a number, or a range low-high."""
    if not missing(row.get("target_low")) and not missing(row.get("target_high")):
        return f"{format_number(row['target_low'])}-{format_number(row['target_high'])}"
    return format_number(row.get("target"))


def figure_text(printed, value, unit=None, qualifier=None) -> str:
    """A figure as the document printed it, else formatted from the number, with its bound
    ("over 1,000") unless the printed text already starts with words ("More than 1,000");
    bare digits get thousands separators either way."""
    if isinstance(printed, str) and printed.strip():
        text = printed
    else:
        text = format_number(value)
        text = f"{text}%" if text and unit == "percent" else text
    bare = BARE_DIGITS.fullmatch(text.strip())
    if bare:
        sign, digits, decimals, percent = bare.groups()
        text = f"{sign}{int(digits):,}{decimals or ''}{percent}"
    if text and isinstance(qualifier, str) and qualifier and not text[0].isalpha():
        return f"{qualifier} {text}"
    return text
