"""Read the store into pandas DataFrames for the pages and the CLI.

Every function takes an open ``sqlite_utils.Database`` so that callers decide
how long a connection lives (one per call in the app, one per test).
"""

from __future__ import annotations

import json

import pandas as pd

from harrow_kpi import periods, quarters, rag
from harrow_kpi.figures import format_number, missing, target_text

SCORECARD = "scorecard-2019"

_OBSERVATIONS = """
SELECT o.observation_id, o.indicator_id, i.name AS indicator_name,
       i.priority, t.name AS priority_name, o.plan_id, o.period, o.period_order,
       o.period_start, o.period_end, o.ward_code, o.as_at, o.target, o.target_low,
       o.target_high, o.actual, o.target_as_printed, o.actual_as_printed, o.qualifier, o.basis,
       o.rag_reported, o.rag_computed, o.status_note, o.commentary, o.source, o.note, o.upload_id,
       i.polarity, i.unit, i.headline, i.portfolio_holder, i.director
FROM observations o
JOIN indicators i ON i.indicator_id = o.indicator_id
LEFT JOIN themes t ON t.theme_id = i.priority
"""


def query(db, sql: str, params=()) -> pd.DataFrame:
    return pd.read_sql_query(sql, db.conn, params=params)


def plans(db) -> pd.DataFrame:
    """The plans in the order they were published (the order of data/plans.csv)."""
    return query(db, "SELECT * FROM plans ORDER BY rowid")  # pragma: no mutate


def priorities(db, plan_id: str = SCORECARD) -> pd.DataFrame:
    """The top-level priorities of a plan, in the order the plan prints them."""
    return query(
        db,
        "SELECT * FROM themes WHERE plan_id = ? AND parent_id IS NULL ORDER BY position",  # pragma: no mutate
        (plan_id,),
    )


def observations(db, plan_id: str | None = None) -> pd.DataFrame:
    in_plan = " WHERE o.plan_id = ?"  # pragma: no mutate
    sql = _OBSERVATIONS + (in_plan if plan_id else "")
    sql += " ORDER BY o.indicator_id, o.period_order, ifnull(o.ward_code, '')"  # pragma: no mutate
    return query(db, sql, (plan_id,) if plan_id else ())


def promised_observations(db, hidden=()) -> pd.DataFrame:
    """Figures of the measures that some plan made a promise about: the promises ledger's evidence."""
    leave_out, params = _leaving_out(hidden)
    return query(
        db,
        _OBSERVATIONS
        + " WHERE o.indicator_id IN (SELECT indicator_id FROM commitments "  # pragma: no mutate
        + "WHERE indicator_id IS NOT NULL)"  # pragma: no mutate
        + leave_out + " ORDER BY o.indicator_id, o.period_order",  # pragma: no mutate
        params,
    )


def indicators(db) -> pd.DataFrame:
    return query(
        db,
        """
        SELECT i.*, t.name AS priority_name, t.position AS priority_position
        FROM indicators i LEFT JOIN themes t ON t.theme_id = i.priority
        ORDER BY t.plan_id, t.position, i.rowid
        """,
    )


_COLUMNS_SQL = """
SELECT o.period,
    count(DISTINCT CASE WHEN o.actual IS NOT NULL OR o.status_note IS NOT NULL THEN o.indicator_id END),
    (SELECT count(*) FROM ({members})),
    count(*) - count(o.upload_id),
    min(o.period_order)
FROM observations o
WHERE o.plan_id = ? AND o.indicator_id IN ({members}) AND o.period LIKE '% Q_' AND o.ward_code IS NULL{years}
GROUP BY o.period
HAVING count(*) * 2 >= (SELECT count(*) FROM ({members})) OR count(o.upload_id) > 0
"""
_SEED_MEMBERS = "SELECT indicator_id FROM indicators WHERE on_scorecard AND plan_id = ?"
_DEFINED_MEMBERS = "SELECT indicator_id FROM scorecard_measures WHERE upload_id = ?"


def _scorecard_columns(db, plan_id: str) -> list[tuple]:
    """(period, measures reported, measures, figures from data/) for every scorecard column, oldest first.

    A scorecard column has a row for (nearly) every measure of its year's scorecard, even if
    only a status note; a figure quoted in a commentary does not make its quarter a column, but
    a quarter an officer has uploaded does. Each year counts the members of its own scorecard.
    """
    groups: dict[int | None, list[str]] = {}
    if plan_id == SCORECARD and _has_definitions(db):  # pragma: no mutate
        years = [year for (year,) in db.execute(
            """SELECT DISTINCT substr(period, 1, 7) FROM observations WHERE plan_id = ? AND period LIKE '% Q_'""",
            (plan_id,))]
        for year in years:
            groups.setdefault(definition_in_effect(db, year), []).append(year)
    else:
        groups[None] = []
    found = []
    for upload_id, years in groups.items():
        members, member_params = (_SEED_MEMBERS, (plan_id,)) if upload_id is None else (_DEFINED_MEMBERS,
                                                                                         (upload_id,))
        in_years = f" AND substr(o.period, 1, 7) IN ({','.join('?' * len(years))})" if years else ""
        sql = _COLUMNS_SQL.format(members=members, years=in_years)
        found += db.execute(sql, (*member_params, plan_id, *member_params, *years, *member_params)).fetchall()
    return [row[:4] for row in sorted(found, key=lambda row: row[4])]  # pragma: no mutate


def _has_definitions(db) -> bool:
    return "uploads" in db.table_names() and db.execute(  # pragma: no mutate
        """SELECT 1 FROM uploads WHERE kind = 'scorecard' AND status = 'accepted' LIMIT 1""").fetchone() is not None


def definition_in_effect(db, year: str) -> int | None:
    """The upload id of the scorecard definition for a financial year: the latest accepted one
    for that year or an earlier one; None means the 2019/20 scorecard as printed."""
    if not _has_definitions(db):
        return None
    row = db.execute(
        """SELECT upload_id FROM uploads WHERE kind = 'scorecard' AND status = 'accepted' AND period <= ?
        ORDER BY period DESC, upload_id DESC LIMIT 1""", (year,)).fetchone()
    return row[0] if row else None


MEMBER_COLUMNS = ["indicator_id", "name", "priority", "priority_name", "priority_position", "polarity", "unit",
                  "headline", "portfolio_holder", "director", "frequency", "target", "target_low", "target_high",
                  "target_as_printed", "quarter_targets"]


def scorecard_members(db, year: str | None = None, targets: bool = True) -> pd.DataFrame:
    """The measures of a financial year's scorecard with that year's fields (name, priority, holder,
    director, polarity, unit, target): from the definition in effect, else the 2019/20 scorecard
    as printed with each measure's latest target (left out unless ``targets``: it reads every figure)."""
    upload_id = definition_in_effect(db, year) if year else None  # pragma: no mutate
    if upload_id is None:
        frame = query(db, """SELECT * FROM indicators WHERE plan_id = ? AND on_scorecard = 1 ORDER BY rowid""",
                      (SCORECARD,))
        latest = current_targets(db) if targets else pd.DataFrame(columns=["target", "target_low", "target_high"])
        for column in ("target", "target_low", "target_high"):
            frame[column] = frame["indicator_id"].map(latest[column])
        frame["target_as_printed"] = None
        frame["quarter_targets"] = [{} for _ in range(len(frame))]
    else:
        frame = query(db, """SELECT * FROM scorecard_measures WHERE upload_id = ? ORDER BY row""", (upload_id,))
        frame["quarter_targets"] = [json.loads(text) for text in frame["quarter_targets"]]
    names = query(db, """SELECT theme_id AS priority, name AS priority_name, position AS priority_position
                      FROM themes""")
    return frame.merge(names, on="priority", how="left")[MEMBER_COLUMNS]  # pragma: no mutate


def people_on_scorecards(db) -> pd.DataFrame:
    """Portfolio holders and directors of every year's scorecard: the 2019/20 one and each accepted definition."""
    sql = "SELECT portfolio_holder, director FROM indicators WHERE on_scorecard = 1"  # pragma: no mutate
    if _has_definitions(db):
        sql += """ UNION SELECT portfolio_holder, director FROM scorecard_measures WHERE upload_id IN
                (SELECT upload_id FROM uploads WHERE kind = 'scorecard' AND status = 'accepted')"""
    return query(db, sql)


def quarter_states(db, plan_id: str = SCORECARD, needed: int | None = None) -> dict[str, quarters.Quarter]:
    """Every scorecard quarter, oldest first, with its state read from the audit log."""
    needed = quarters.approvals_needed() if needed is None else needed
    events: dict[str, list[tuple[str, str]]] = {}
    if "uploads" in db.table_names():
        for period, kind, user in db.execute(
            """SELECT period, kind, user FROM uploads WHERE kind IN ('publish', 'unpublish')
            AND status = 'accepted' ORDER BY upload_id"""
        ).fetchall():
            events.setdefault(period, []).append((kind, user))
    found = {}
    for period, reported, measures, seeded in _scorecard_columns(db, plan_id):
        state, approvals = quarters.state(quarters.from_the_documents(seeded, measures), events.get(period, ()),
                                          needed)
        found[period] = quarters.Quarter(period, state, reported, measures, approvals, needed)
    return found


def draft_quarters(db) -> tuple[str, ...]:
    """The quarters readers do not see unless they ask: every figure of them is left out."""
    return tuple(period for period, quarter in quarter_states(db).items() if not quarter.published)


def _leaving_out(hidden) -> tuple[str, tuple]:
    hidden = tuple(hidden)
    return f" AND o.period NOT IN ({','.join('?' * len(hidden))})", hidden  # SQLite allows NOT IN ()


def reported_quarters(db, plan_id: str = SCORECARD, drafts: bool = False) -> list[str]:
    """The scorecard's quarters, oldest first: the published ones, and the drafts if asked for."""
    return [period for period, quarter in quarter_states(db, plan_id).items() if drafts or quarter.published]


def latest_quarter(db, plan_id: str = SCORECARD, drafts: bool = False) -> str | None:
    """The default quarter: the latest published one (or the latest of all, drafts included)."""
    found = reported_quarters(db, plan_id, drafts)
    return found[-1] if found else None


def direction(now: dict, before: dict, polarity: str | None, cumulative: bool = False) -> str | None:
    """Improving, worsening or unchanged against an earlier period.

    Where both periods have a target, compare how far each was from its target:
    that stays fair when the target moves or the figure is cumulative within the
    year. Otherwise compare the figures themselves, by polarity, except for
    cumulative figures, whose quarters are not comparable.
    """
    if polarity not in rag.POLARITIES or missing(now.get("actual")) or missing(before.get("actual")):
        return None
    # Two bases (an annual total and a quarter's figure) or a printed bound ("over 600") say nothing.
    if _basis(now) != _basis(before) or _bounded(now) or _bounded(before):
        return None
    now_dev = deviation_from_target(now, polarity)
    before_dev = deviation_from_target(before, polarity)
    # Two full misses of a zero target (both capped) say nothing: compare the figures instead.
    full_misses = now_dev == before_dev == -_CAP
    if now_dev is not None and before_dev is not None and not full_misses:
        change = now_dev - before_dev
    elif polarity == "range" or cumulative:
        return None
    else:
        change = now["actual"] - before["actual"]
        change = change if polarity == "higher" else -change
    if abs(change) < 1e-9:
        return "unchanged"
    return "improving" if change > 0 else "worsening"  # pragma: no mutate


def _basis(row: dict) -> str:
    basis = row.get("basis")
    return basis if isinstance(basis, str) else ""  # pragma: no mutate


def _bounded(row: dict) -> bool:
    return row.get("qualifier") in rag.BOUND_SIDE


def deviation_from_target(row: dict, polarity: str):
    """A row's signed distance from its target (rag.deviation), capped so it can be subtracted."""
    def value(key):
        item = row.get(key)
        return None if missing(item) else float(item)

    dev = rag.deviation(value("actual"), value("target"), polarity, value("target_low"), value("target_high"))
    if dev is None:
        return None
    return max(min(dev, _CAP), -_CAP)


_CAP = 1e6


def scorecard(db, period: str) -> pd.DataFrame:
    """One row per measure of the period's scorecard (its financial year's), borough-wide,
    with the previous period's actual and the direction of travel."""
    current = periods.parse(period)
    wanted = [str(current), str(current.previous()), str(current.year_earlier())]
    obs = query(
        db,
        _OBSERVATIONS + " WHERE o.plan_id = ? AND o.ward_code IS NULL AND o.period IN (?, ?, ?)",  # pragma: no mutate
        (SCORECARD, *wanted),
    )
    shown = ["indicator_id", "name", "priority", "priority_name", "priority_position", "polarity", "unit",
             "headline", "portfolio_holder", "director", "latest_rag", "latest_rag_period", "trend_as_printed",
             "scorecard_number"]
    # The year's own scorecard: its measures, names, priorities and holders; the printed extras stay.
    members = scorecard_members(db, current.financial_year, targets=False)  # pragma: no mutate
    printed = indicators(db)[["indicator_id", "latest_rag", "latest_rag_period", "trend_as_printed",
                              "scorecard_number"]]
    measures = members.merge(printed, on="indicator_id", how="left")[shown]  # pragma: no mutate
    now = obs[obs["period"] == str(current)]
    figures = ["actual", "target", "target_low", "target_high", "qualifier", "basis"]
    before = obs[obs["period"] == str(current.previous())].set_index("indicator_id")[figures]
    year_before = obs[obs["period"] == str(current.year_earlier())].set_index("indicator_id")[figures]
    table = measures.merge(
        now[["indicator_id", "period", "target", "target_low", "target_high", "actual",
             "target_as_printed", "actual_as_printed", "qualifier", "basis", "rag_reported", "rag_computed",
             "status_note", "commentary", "source"]],
        on="indicator_id",  # pragma: no mutate
        how="left",
    )
    table["period"] = str(current)
    for column in ("actual", "target", "target_low", "target_high"):
        table[f"previous_{column}"] = table["indicator_id"].map(before[column])
    table["year_earlier_actual"] = table["indicator_id"].map(year_before["actual"])
    rows = table.to_dict("records")  # pragma: no mutate
    for name, earlier in (("direction", before), ("direction_year", year_before)):
        earlier_rows = earlier.to_dict("index")  # pragma: no mutate
        table[name] = [
            direction(row, earlier_rows.get(row["indicator_id"], {}), row["polarity"], _cumulative(row["name"]))
            for row in rows
        ]
    table["rag_differs"] = (
        table["rag_reported"].notna()
        & table["rag_computed"].notna()
        & (table["rag_reported"] != table["rag_computed"])
    )
    # Sorting on two columns, pandas keeps the members' order within a priority (a stable sort).
    return table.sort_values(["priority_position", "headline"], ascending=[True, False])


def _cumulative(name: str) -> bool:
    name = name.lower()
    return "cumulative" in name or "year to date" in name


def rag_counts(table: pd.DataFrame, column: str = "rag_reported") -> pd.DataFrame:
    """Measures per priority (rows, by name) in each RAG band, and with none ("none")."""
    return (
        table.assign(band=table[column].fillna("none"))
        .groupby(["priority_name", "band"])
        .size()
        .unstack(fill_value=0)
        .reindex(columns=[*rag.BANDS, "none"], fill_value=0)
    )


EXPORT_OBSERVATION_COLUMNS = [
    "indicator_id", "indicator_name", "priority", "period", "ward_code", "target", "actual",
    "rag_reported", "rag_computed", "status_note", "source", "plan_id", "as_at", "unit",
    "polarity", "target_low", "target_high", "commentary", "quarter_state", "qualifier", "basis",
]

EXPORT_INDICATOR_COLUMNS = ["indicator_id", "name", "priority", "polarity", "unit", "headline"]


def export_observations(db) -> pd.DataFrame:
    """Every figure with its source, in the DESIGN.md contract's columns (``priority`` is the name)."""
    obs = observations(db)
    drafts = draft_quarters(db)
    out = obs.assign(
        priority=obs["priority_name"],
        quarter_state=[quarters.DRAFT if period in drafts else quarters.PUBLISHED for period in obs["period"]],
        target=[target_text(row) for row in
                obs.to_dict("records")],  # pragma: no mutate
        actual=obs["actual"].map(format_number),
        target_low=obs["target_low"].map(format_number),
        target_high=obs["target_high"].map(format_number),
    )
    return out[EXPORT_OBSERVATION_COLUMNS]


def export_indicators(db) -> pd.DataFrame:
    """Every measure, in the contract's columns (``priority`` is the priority's name, as printed)."""
    table = indicators(db)
    table = table.assign(priority=table["priority_name"], headline=table["headline"].fillna(0).astype(int))
    return table[EXPORT_INDICATOR_COLUMNS]


def objectives(db, theme_id: str) -> pd.DataFrame:
    """The objectives a plan prints under one of its priorities."""
    return query(db, "SELECT * FROM themes WHERE parent_id = ? ORDER BY position",  # pragma: no mutate
                 (theme_id,))


def actions(db, theme_id: str) -> pd.DataFrame:
    """The Harrow Ambition Plan actions reported under a priority, in document order."""
    return query(db, "SELECT * FROM actions WHERE theme_id = ? ORDER BY rowid",  # pragma: no mutate
                 (theme_id,))


def indicator(db, indicator_id: str) -> dict | None:
    rows = query(
        db,
        """
        SELECT i.*, t.name AS priority_name, p.title AS plan_title
        FROM indicators i
        LEFT JOIN themes t ON t.theme_id = i.priority
        LEFT JOIN plans p ON p.plan_id = i.plan_id
        WHERE i.indicator_id = ?
        """,
        (indicator_id,),
    )
    records = rows.to_dict("records")  # pragma: no mutate
    return records[0] if records else None


def histories(db, indicator_ids, hidden=()) -> dict[str, pd.DataFrame]:
    """Borough-wide figures of several measures across all plans, with each plan's title,
    leaving out the ``hidden`` periods (the drafts a reader has not asked for)."""
    ids = list(indicator_ids)
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    leave_out, params = _leaving_out(hidden)
    frame = query(
        db,
        f"""
        SELECT o.*, p.title AS plan_title
        FROM observations o JOIN plans p ON p.plan_id = o.plan_id
        WHERE o.indicator_id IN ({marks}) AND o.ward_code IS NULL{leave_out}
        ORDER BY o.indicator_id, o.period_order
        """,
        [*ids, *params],
    )
    return {key: group.reset_index(drop=True) for key, group in frame.groupby("indicator_id")}


def history(db, indicator_id: str, hidden=()) -> pd.DataFrame:
    """Every borough-wide figure of a measure across all plans, oldest first."""
    return histories(db, [indicator_id], hidden).get(indicator_id, pd.DataFrame())


def commitments_for(db, indicator_id: str) -> pd.DataFrame:
    """What the plans promised for a measure, oldest plan first."""
    return query(
        db,
        """
        SELECT c.*, p.title AS plan_title FROM commitments c JOIN plans p ON p.plan_id = c.plan_id
        WHERE c.indicator_id = ? ORDER BY p.rowid, c.rowid
        """,
        (indicator_id,),
    )


def themes(db) -> pd.DataFrame:
    return query(db, "SELECT * FROM themes ORDER BY rowid")  # pragma: no mutate


def theme_links(db) -> pd.DataFrame:
    return query(db, "SELECT * FROM theme_links ORDER BY link_id")  # pragma: no mutate


def commitments(db) -> pd.DataFrame:
    return query(
        db,
        """
        SELECT c.*, p.title AS plan_title FROM commitments c JOIN plans p ON p.plan_id = c.plan_id
        ORDER BY p.rowid, c.rowid
        """,
    )


def budget_lines(db) -> pd.DataFrame:
    return query(
        db,
        """
        SELECT b.*, p.title AS plan_title FROM budget_lines b JOIN plans p ON p.plan_id = b.plan_id
        ORDER BY p.rowid, b.budget_line_id
        """,
    )


def recurring_measures(db) -> pd.DataFrame:
    """Measures that appear in more than one plan, as a figure or as a promise."""
    return query(
        db,
        """
        WITH appearances AS (
            SELECT indicator_id, plan_id FROM observations
            UNION SELECT indicator_id, plan_id FROM commitments WHERE indicator_id IS NOT NULL
        )
        SELECT i.indicator_id, i.name, i.unit, i.polarity, count(DISTINCT a.plan_id) AS plans,
               group_concat(DISTINCT a.plan_id) AS plan_ids
        FROM appearances a JOIN indicators i ON i.indicator_id = a.indicator_id
        GROUP BY i.indicator_id HAVING count(DISTINCT a.plan_id) > 1
        ORDER BY plans DESC, i.name
        """,
    )


def wards(db) -> pd.DataFrame:
    return query(db, "SELECT * FROM wards ORDER BY name")  # pragma: no mutate


def places(db) -> pd.DataFrame:
    return query(db, "SELECT * FROM places ORDER BY rowid")  # pragma: no mutate


def boundaries(db) -> pd.DataFrame:
    """Official ward polygons imported by an officer, if any (the table is made by every build)."""
    return query(db, "SELECT * FROM ward_boundaries ORDER BY ward_code")  # pragma: no mutate


def ward_observations(db, hidden=()) -> pd.DataFrame:
    """Ward-level figures, from the dataset or from uploaded quarters (less the ``hidden`` periods)."""
    leave_out, params = _leaving_out(hidden)
    return query(db, _OBSERVATIONS + " WHERE o.ward_code IS NOT NULL" + leave_out  # pragma: no mutate
                 + " ORDER BY o.indicator_id, o.period_order",  # pragma: no mutate
                 params)


def current_targets(db) -> pd.DataFrame:
    """Each measure's latest borough-wide target (a number or a range), indexed by indicator_id."""
    return query(
        db,
        """SELECT o.indicator_id, o.target, o.target_low, o.target_high FROM observations o
        JOIN (SELECT indicator_id, max(period_order) AS latest FROM observations
              WHERE ward_code IS NULL AND (target IS NOT NULL OR target_low IS NOT NULL) GROUP BY indicator_id) l
        ON l.indicator_id = o.indicator_id AND l.latest = o.period_order WHERE o.ward_code IS NULL""",
    ).drop_duplicates("indicator_id").set_index("indicator_id")  # pragma: no mutate


def all_actions(db) -> pd.DataFrame:
    """Every Harrow Ambition Plan action, in document order."""
    return query(db, "SELECT * FROM actions ORDER BY rowid")  # pragma: no mutate


def empty_cells(db) -> pd.DataFrame:
    """Cells the documents print but we could not read as a number, with why."""
    return query(
        db,
        """
        SELECT 'observations' AS file, indicator_id AS id, period, seed, line,
               CASE WHEN actual IS NULL AND actual_as_printed IS NOT NULL THEN 'actual' ELSE 'target' END AS cell,
               coalesce(actual_as_printed, target_as_printed, '') AS printed,
               coalesce(status_note, '') AS status_note, coalesce(note, '') AS note
        FROM observations
        WHERE (actual IS NULL AND actual_as_printed IS NOT NULL)
           OR (target IS NULL AND target_low IS NULL AND target_as_printed IS NOT NULL)
           OR status_note IN ('Not printed in the report', 'No exact figure printed')
        UNION ALL
        SELECT 'commitments', commitment_id, deadline_as_printed, seed, line, 'target_value',
               target_as_printed, '', coalesce(note, '')
        FROM commitments WHERE target_value IS NULL AND target_as_printed IS NOT NULL
        ORDER BY file DESC, seed, line, id
        """,
    )
