"""How the council's agenda moved: themes of each plan linked to the next plan's.

The links are curated data (data/theme_links.csv); this module only walks them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

import pandas as pd


def top_themes(themes: pd.DataFrame) -> pd.DataFrame:
    return themes[themes["parent_id"].isna()]


def _edges(links: pd.DataFrame) -> tuple[dict, dict]:
    forward, backward = defaultdict(set), defaultdict(set)
    for row in links.itertuples():
        forward[row.from_theme_id].add(row.to_theme_id)
        backward[row.to_theme_id].add(row.from_theme_id)
    return forward, backward


def _walk(start: str, edges: dict) -> set[str]:
    seen, stack = set(), [start]
    while stack:
        for nxt in edges.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def descendants(theme_id: str, links: pd.DataFrame) -> set[str]:
    """Themes of later plans that a theme leads to, through any number of plans."""
    return _walk(theme_id, _edges(links)[0])


def ancestors(theme_id: str, links: pd.DataFrame) -> set[str]:
    """Themes of earlier plans that a theme descends from."""
    return _walk(theme_id, _edges(links)[1])


def lineage(theme_id: str, links: pd.DataFrame) -> set[str]:
    """The theme and every theme it descends from or leads to."""
    return {theme_id} | ancestors(theme_id, links) | descendants(theme_id, links)


def sankey_nodes_links(themes: pd.DataFrame, links: pd.DataFrame, plan_order: list[str]) -> tuple[list, list]:
    """Nodes (top-level themes in plan order) and links, as lists of dicts for a Sankey."""
    top = top_themes(themes)
    top = top[top["plan_id"].isin(plan_order)].copy()
    top["plan_index"] = top["plan_id"].map(plan_order.index)
    top = top.sort_values(["plan_index", "position"])
    nodes = top[["theme_id", "name", "plan_id", "plan_index"]].to_dict("records")
    index = {node["theme_id"]: i for i, node in enumerate(nodes)}
    edges = [
        {"source": index[row.from_theme_id], "target": index[row.to_theme_id], "relation": row.relation,
         "rationale": row.rationale, "from_theme_id": row.from_theme_id, "to_theme_id": row.to_theme_id}
        for row in links.itertuples()
        if row.from_theme_id in index and row.to_theme_id in index
    ]
    return nodes, edges


def plan_dates(plans: pd.DataFrame, latest_quarter_end=None) -> list[tuple]:
    """When each plan appeared, as far as the documents say: its publication date, else
    the start of its period (a bare year marks 1 January), else, for the performance
    report, the end of the quarter it reports. Plans with no printed date are left out."""
    marks = []
    for plan in plans.to_dict("records"):
        for value in (plan.get("published"), plan.get("period_start")):
            text = value if isinstance(value, str) else ""
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                marks.append((dt.date.fromisoformat(text), plan["plan_id"]))
                break
            if re.fullmatch(r"\d{4}(-\d{2})?", text):
                year, _, month = text.partition("-")
                marks.append((dt.date(int(year), int(month or 1), 1), plan["plan_id"]))
                break
        else:
            if plan["plan_id"] == "scorecard-2019" and latest_quarter_end:
                marks.append((latest_quarter_end, plan["plan_id"]))
    return marks


def subtree(theme_id: str, themes: pd.DataFrame) -> set[str]:
    """A theme and every theme printed under it (objectives, sub-priorities)."""
    children = defaultdict(set)
    for row in themes.itertuples():
        if isinstance(row.parent_id, str):
            children[row.parent_id].add(row.theme_id)
    return {theme_id} | _walk(theme_id, children)


# A theme kept going (rather than handing a part of itself on): the relations a chain of links
# across plans may pass through and still count as the same line of work.
KEPT = ("continues", "merges")


def _measures_by_theme(themes: pd.DataFrame, commitments: pd.DataFrame, indicators: pd.DataFrame) -> dict:
    """Each top-level theme's measures: those filed under it, and those its commitments name."""
    parent = dict(zip(themes["theme_id"], themes["parent_id"]))

    def top(theme_id):
        while isinstance(parent.get(theme_id), str):
            theme_id = parent[theme_id]
        return theme_id

    found = defaultdict(set)
    for theme_id, indicator_id in zip(indicators["priority"], indicators["indicator_id"]):
        if isinstance(theme_id, str):
            found[top(theme_id)].add(indicator_id)
    for theme_id, indicator_id in zip(commitments["theme_id"], commitments["indicator_id"]):
        if isinstance(theme_id, str) and isinstance(indicator_id, str):
            found[top(theme_id)].add(indicator_id)
    return found


def continuity(plan_a: str, plan_b: str, themes: pd.DataFrame, links: pd.DataFrame, plan_order: list[str],
               commitments: pd.DataFrame, indicators: pd.DataFrame) -> dict:
    """Two plans side by side, each pairing of themes backed by evidence: a curated link (a
    direct one of any kind, or a chain through the plans between whose every step kept the theme
    going) or a measure both themes count. Not every descendant: links fan out, and after
    three plans every theme would reach every later one."""
    if plan_order.index(plan_a) > plan_order.index(plan_b):
        plan_a, plan_b = plan_b, plan_a
    top = top_themes(themes)
    earlier = top[top["plan_id"] == plan_a].sort_values("position")
    later = top[top["plan_id"] == plan_b].sort_values("position")
    later_ids = list(later["theme_id"])
    direct = {(r.from_theme_id, r.to_theme_id): r.relation for r in links.itertuples()}
    kept = _edges(links[links["relation"].isin(KEPT)])[0]
    measures = _measures_by_theme(themes, commitments, indicators)
    rows, reached = [], set()
    for theme in earlier.to_dict("records"):
        chained = _walk(theme["theme_id"], kept)
        pairs = []
        for later_id in later_ids:
            why = []
            if (theme["theme_id"], later_id) in direct:
                why.append(f"linked: {direct[(theme['theme_id'], later_id)]}")
            elif later_id in chained:
                why.append("linked through the plans between")
            shared = sorted(measures[theme["theme_id"]] & measures[later_id])
            if shared:
                why.append(f"{len(shared)} shared measure{'s' if len(shared) != 1 else ''}")
            if why:
                pairs.append({"theme_id": later_id, "why": why, "shared": shared})
        reached |= {pair["theme_id"] for pair in pairs}
        rows.append({"theme_id": theme["theme_id"], "name": theme["name"], "became": pairs})
    return {
        "earlier": plan_a,
        "later": plan_b,
        "rows": rows,
        "persisted": [r["theme_id"] for r in rows if r["became"]],
        "dropped": [r["theme_id"] for r in rows if not r["became"]],
        "new": [t for t in later_ids if t not in reached],
    }
