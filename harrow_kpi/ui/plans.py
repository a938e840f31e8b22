"""Plan to plan, 2004 to 2020: what the council promised, and what became of it.

Top to bottom: the theme lineage (Sankey, follow one theme), two plans side by
side, the measures that recur across plans, the promises ledger, and resources.
Each choice is kept in the URL (theme, a, b, measure, plan, status).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from harrow_kpi import charts, exports, lineage, promises, ui
from harrow_kpi.ui import url

PLAN_LABELS = {
    "bvpp-2004": "2004/05 Best Value Performance Plan",
    "priorities-2011": "2011/12 Council priorities",
    "equality-2016": "Equality objectives to 2016",
    "hap-2020": "Harrow Ambition Plan 2020 (2018 update)",
    "scorecard-2019": "Corporate Scorecard 2019/20",
}
STATUS_WORDS = {
    "achieved": "✔ achieved",
    "missed": "✖ missed",
    "in progress": "► in progress",
    "no later evidence": "– no later evidence",
    "not comparable": "≠ not comparable",
}


def plans_page() -> None:
    path = ui.db_path()
    data = ui.plan_tables(path)
    order = list(data["plans"]["plan_id"])
    labels = {plan: PLAN_LABELS.get(plan, title) for plan, title in zip(order, data["plans"]["title"])}
    st.title("Plans 2004 to 2020")
    st.caption("Five times in these documents Harrow set out its priorities. How the agenda moved, "
               "and which promises were kept, as far as later figures show.")
    if data["themes"].empty:
        st.info("The database has no plans yet. Run `python -m harrow_kpi build`.")
        return
    _lineage(data, order, labels)
    _side_by_side(data, order, labels)
    _recurring(path, data, labels)
    _ledger(data, order, labels)
    _resources(data, labels)


def _top_name(data) -> dict:
    top = lineage.top_themes(data["themes"])
    return dict(zip(top["theme_id"], top["name"]))


def _lineage(data: dict, order: list[str], labels: dict) -> None:
    st.header("How the priorities moved")
    top = lineage.top_themes(data["themes"])
    top = top[top["plan_id"].isin(order)]
    top = top.assign(index=top["plan_id"].map(order.index)).sort_values(["index", "position"])
    names = dict(zip(top["theme_id"], top["name"]))
    ids = list(top["theme_id"])
    url.seed("follow", "theme", ids)
    followed = st.selectbox(
        "Follow a theme", [None, *ids], key="follow",
        format_func=lambda t: f"{labels[t.split('/')[0]]}: {names[t]}" if t else "All themes",
        help="Shows the theme's line through every plan, with its commitments and measures",
    )
    url.keep("theme", followed)
    if data["links"].empty:
        st.info("No theme links yet: data/theme_links.csv is missing.")
        return
    highlight = lineage.lineage(followed, data["links"]) if followed else None
    nodes, edges = lineage.sankey_nodes_links(data["themes"], data["links"], order)
    st.plotly_chart(charts.sankey_figure(nodes, edges, [labels[p] for p in order], highlight),
                    key="sankey", config={"displaylogo": False})
    st.caption("Each link is a curated judgement with a one-line rationale and a source line "
               "(data/theme_links.csv); hover over a link to read it.")
    if followed:
        _followed(data, followed, highlight, order, labels, names)


def _followed(data, followed, family, order, labels, names) -> None:
    links = data["links"]
    st.subheader(f"The line of “{ui.plain(names[followed])}”")
    for plan in order:
        members = [t for t in family if t.startswith(plan + "/") and t in names]
        if not members:
            continue
        st.markdown(f"**{ui.plain(labels[plan])}**")
        for theme_id in members:
            why = links[(links["to_theme_id"] == theme_id) & links["from_theme_id"].isin(family)]
            subtree = lineage.subtree(theme_id, data["themes"])
            promised = data["commitments"][data["commitments"]["theme_id"].isin(subtree)]
            measures = data["indicators"][data["indicators"]["priority"].isin(subtree)]
            with st.expander(f"{names[theme_id]}: {len(promised)} commitments, {len(measures)} measures"):
                for reason in why["rationale"]:
                    st.markdown(f"_{ui.plain(reason)}_")
                if len(promised):
                    ui.table(_commitment_frame(promised), hide_index=True, border="horizontal")
                if len(measures):
                    st.markdown("Measures: " + "; ".join(ui.plain(n) for n in measures["name"]))


def _commitment_frame(commitments: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Commitment": commitments["text"].fillna(""),
        "Target": commitments["target_as_printed"].fillna(""),
        "Deadline": commitments["deadline_as_printed"].fillna(commitments["deadline"]).fillna(""),
        "Source": commitments["seed"] + " line " + commitments["line"].astype(str),
    })


def _side_by_side(data: dict, order: list[str], labels: dict) -> None:
    st.header("Two plans side by side")
    url.seed("plan_a", "a", order, order[0])
    url.seed("plan_b", "b", order, order[-1])
    left, right = st.columns(2)
    plan_a = left.selectbox("Earlier plan", order, key="plan_a", format_func=labels.get)
    plan_b = right.selectbox("Later plan", order, key="plan_b", format_func=labels.get)
    url.keep("a", plan_a)
    url.keep("b", plan_b)
    if plan_a == plan_b:
        st.info("Choose two different plans to compare them.")
        return
    aligned = lineage.align(plan_a, plan_b, data["themes"], data["links"], order)
    names = _top_name(data)
    rows = []
    for row in aligned["rows"]:
        rows.append({
            labels[aligned["earlier"]]: row["name"],
            labels[aligned["later"]]: "; ".join(names[t] for t in row["became"]) or "— dropped",
            "Numeric targets then": _targets(data, row["theme_id"]),
        })
    for theme_id in aligned["new"]:
        rows.append({labels[aligned["earlier"]]: "— new", labels[aligned["later"]]: names[theme_id],
                     "Numeric targets then": ""})
    ui.table(pd.DataFrame(rows), hide_index=True, border="horizontal")
    persisted, dropped, new = st.columns(3)
    persisted.metric("Persisted", len(aligned["persisted"]))
    dropped.metric("Dropped", len(aligned["dropped"]))
    new.metric("New", len(aligned["new"]))
    pairs = [(row["theme_id"], row["became"]) for row in aligned["rows"]] + [(None, [t]) for t in aligned["new"]]
    for earlier, later in pairs:
        title = " → ".join(filter(None, [names.get(earlier), "; ".join(names[t] for t in later) or "dropped"]))
        with st.expander(title):
            for theme_id in filter(None, [earlier, *later]):
                promised = _numeric_targets(data, theme_id)
                st.markdown(f"**{ui.plain(names[theme_id])}**: {len(promised)} numeric targets")
                if len(promised):
                    ui.table(_commitment_frame(promised), hide_index=True, border="horizontal")


def _numeric_targets(data: dict, theme_id: str) -> pd.DataFrame:
    subtree = lineage.subtree(theme_id, data["themes"])
    commitments = data["commitments"]
    return commitments[commitments["theme_id"].isin(subtree) & commitments["target_value"].notna()]


def _targets(data: dict, theme_id: str) -> str:
    return str(len(_numeric_targets(data, theme_id)))


def _recurring(path: str, data: dict, labels: dict) -> None:
    st.header("Measures that recur across plans")
    recurring = data["recurring"]
    if recurring.empty:
        st.caption("No measure appears in more than one plan.")
        return
    ids = list(recurring["indicator_id"])
    names = dict(zip(recurring["indicator_id"], recurring["name"]))
    url.seed("measure", "measure", ids, "household-waste-recycled" if "household-waste-recycled" in ids else ids[0])
    chosen = st.selectbox("Measure", ids, key="measure", format_func=lambda i: names[i])
    url.keep("measure", chosen)
    info = recurring.set_index("indicator_id").loc[chosen]
    history = ui.histories(path, (chosen,)).get(chosen, pd.DataFrame())
    ledger = data["ledger"]
    promised = ledger[ledger["indicator_id"] == chosen] if len(ledger) else ledger
    marks = [(day, labels[plan]) for day, plan in lineage.plan_dates(data["plans"], data["as_of"])]
    if len(history):
        st.plotly_chart(charts.timeline_figure(history, info["name"], info["unit"], promised, marks),
                        key=f"timeline:{chosen}", config={"displaylogo": False})
    st.subheader("Met or missed")
    sentences = promises.history_statements(history, info["polarity"], info["unit"])
    sentences += [f"{row['plan_title']}: “{row['text']}” — {row['detail']}" for row in promised.to_dict("records")]
    if sentences:
        st.markdown("\n".join(f"- {ui.plain(s)}" for s in sentences))
    else:
        st.caption("No figure of this measure has a target beside it.")
    with st.expander(f"All {len(recurring)} recurring measures"):
        ui.table(pd.DataFrame({
            "Measure": recurring["name"],
            "Plans": recurring["plan_ids"].map(lambda ids_: "; ".join(labels.get(p, p) for p in ids_.split(","))),
        }), hide_index=True, border="horizontal")


def _ledger(data: dict, order: list[str], labels: dict) -> None:
    st.header("Promises ledger")
    ledger = data["ledger"]
    if ledger.empty:
        st.caption("No commitments with a deadline.")
        return
    st.caption(
        f"Every commitment with a deadline (printed, or the end of its plan), judged against figures printed in "
        f"later documents up to {data['as_of']:%B %Y}. Never guessed: without a later figure it says so."
    )
    url.seed("ledger_plans", "plan", order, many=True)
    url.seed("ledger_status", "status", promises.STATUSES, many=True)
    left, right = st.columns(2)
    chosen_plans = left.multiselect("Plan", order, key="ledger_plans", format_func=labels.get,
                                    placeholder="Every plan")
    chosen_status = right.multiselect("Status", list(promises.STATUSES), key="ledger_status",
                                      format_func=STATUS_WORDS.get, placeholder="Any status")
    url.keep("plan", chosen_plans)
    url.keep("status", chosen_status)
    top = _top_of(data["themes"])
    shown = ledger.assign(top_theme=ledger["theme_id"].map(top))
    if chosen_plans:
        shown = shown[shown["plan_id"].isin(chosen_plans)]
    names = _top_name(data)
    themes_here = [t for t in dict.fromkeys(shown["top_theme"].dropna())]
    theme = st.selectbox("Theme", [None, *themes_here], key="ledger_theme",
                         format_func=lambda t: names.get(t, t) if t else "Every theme")
    if theme:
        shown = shown[shown["top_theme"] == theme]
    if chosen_status:
        shown = shown[shown["status"].isin(chosen_status)]
    counts = shown["status"].value_counts()
    for column, status in zip(st.columns(len(promises.STATUSES)), promises.STATUSES):
        column.metric(STATUS_WORDS[status], int(counts.get(status, 0)))
    if shown.empty:
        st.info("No commitments match these choices.")
        return
    table = pd.DataFrame({
        "Plan": shown["plan_id"].map(labels),
        "Theme": shown["top_theme"].map(lambda t: names.get(t, "")),
        "Commitment": shown["text"],
        "Deadline": [f"{d}" + (" (plan end)" if s == "plan end" else "")
                     for d, s in zip(shown["effective_deadline"], shown["deadline_source"])],
        "Status": shown["status"].map(STATUS_WORDS),
        "Why": shown["detail"],
        "Evidence": shown["evidence_source"].fillna(""),
        "Source": shown["seed"] + " line " + shown["line"].astype(str),
    })
    st.dataframe(table, hide_index=True, width="stretch", height=min(38 + 35 * len(table), 700),
                 column_config={"Commitment": st.column_config.TextColumn(width="large"),
                                "Why": st.column_config.TextColumn(width="large")})
    st.download_button("Download the ledger (CSV)", lambda: exports.to_csv(table), "promises-ledger.csv",
                       mime="text/csv", icon="⬇", on_click="ignore", key="ledger_csv")


def _top_of(themes: pd.DataFrame) -> dict:
    parent = dict(zip(themes["theme_id"], themes["parent_id"]))
    top = {}
    for theme_id in parent:
        current = theme_id
        while isinstance(parent.get(current), str):
            current = parent[current]
        top[theme_id] = current
    return top


def _resources(data: dict, labels: dict) -> None:
    st.header("Resources")
    budget = data["budget"]
    if budget.empty:
        st.caption("No budget figures in the documents.")
        return
    st.caption("Budget figures exactly as the documents print them. The 2004/05 medium-term budget and the "
               "2017/18 net controllable budget are on different bases: read each on its own, do not compare "
               "them line by line.")
    for plan_id, lines in budget.groupby("plan_id", sort=False):
        st.subheader(labels.get(plan_id, plan_id))
        st.dataframe(pd.DataFrame({
            "Service": lines["service"],
            "Period": lines["period"].fillna(""),
            "Amount": lines["amount_as_printed"].fillna(""),
            "Unit": lines["unit"].fillna(""),
            "Description": lines["description"].fillna(""),
            "Source": lines["seed"] + " line " + lines["line"].astype(str),
        }), hide_index=True, width="stretch", height=min(38 + 35 * len(lines), 500))
