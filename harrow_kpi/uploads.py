"""Quarter uploads and scorecard definitions in the store: preview, commit, audit, roll back, and
replay after a rebuild.

An accepted upload is applied in one SQLite transaction (BEGIN IMMEDIATE, so two
officers uploading at once queue rather than interleave). Each observation it adds
or replaces is recorded in ``observation_history`` with its previous state, so the
upload can be rolled back exactly. The ``uploads`` table is the audit log (accepted,
rejected and rolled-back uploads) and keeps each accepted upload's rows, so a
rebuild of data/*.csv replays them and loses nothing.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from harrow_kpi import ingest, periods, quarters, queries, rag, scorecards, store
from harrow_kpi.figures import format_number, missing, target_text

UPLOADS = "uploads"
HISTORY = "observation_history"
MEASURES = "scorecard_measures"
# Uploaded quarters continue the corporate scorecard.
UPLOAD_PLAN = queries.SCORECARD
FIELDS = ("target", "target_low", "target_high", "actual", "target_as_printed", "actual_as_printed",
          "rag_reported", "status_note", "commentary")


def context(db) -> ingest.Context:
    indicators = {
        row["indicator_id"]: {"unit": row["unit"], "polarity": row["polarity"], "name": row["name"]}
        for row in db.query("SELECT indicator_id, unit, polarity, name FROM indicators")  # pragma: no mutate
    }
    wards = {row["ward_code"]: (row["valid_from"] or "0000", row["valid_to"] or "9999")
             for row in db.query("SELECT ward_code, valid_from, valid_to FROM wards")  # pragma: no mutate
             }
    return ingest.Context(indicators=indicators, wards=wards)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _existing(db, row) -> dict | None:
    found = list(db.query(
        "SELECT * FROM observations WHERE indicator_id = ? AND period = ? "  # pragma: no mutate
        "AND ifnull(ward_code, '') = ?",  # pragma: no mutate
        (row["indicator_id"], row["period"], row.get("ward_code") or ""),
    ))
    return found[0] if found else None


def _polarities(db) -> dict[str, str]:
    sql = "SELECT indicator_id, polarity FROM indicators"  # pragma: no mutate
    return {r["indicator_id"]: r["polarity"] for r in db.query(sql)}


def _same(a, b) -> bool:
    if missing(a) or missing(b):  # pragma: no mutate
        return missing(a) and missing(b)
    return a == b


def preview(db, rows: list[dict]) -> pd.DataFrame:
    """What an upload will do: each row new, changed (old -> new) or unchanged, with its RAG by the rule."""
    polarity = _polarities(db)
    out = []
    for row in with_year_targets(db, rows):
        before = _existing(db, row)
        computed = _rag(row, row.get("polarity") or polarity.get(row["indicator_id"]))
        changes = [] if before is None else _changes(before, row)
        outcome = "new" if before is None else ("changed" if changes else "unchanged")
        out.append({
            "row": row.get("row"), "outcome": outcome, "indicator_id": row["indicator_id"], "period": row["period"],
            "ward_code": row.get("ward_code") or "", "target": target_text(row),
            "actual": _show(row.get("actual")),
            "rag_reported": row.get("rag_reported") or "", "rag_computed": computed or "",
            "rag_differs": bool(row.get("rag_reported") and computed and row["rag_reported"] != computed),
            "changes": "; ".join(changes),
        })
    return pd.DataFrame(out, columns=["row", "outcome", "indicator_id", "period", "ward_code", "target", "actual",
                                      "rag_reported", "rag_computed", "rag_differs", "changes"])


# The numbers each printed form stands for: the printed form is listed only when its number is unchanged.
PRINTED_FOR = {"target_as_printed": ("target", "target_low", "target_high"), "actual_as_printed": ("actual",)}


def _changes(before: dict, row: dict) -> list[str]:
    """What a row changes, by the commit's own comparison: a figure printed another way
    (56.20% for 56.2%) is a change too, because the pages show figures as printed."""
    changed = [name for name in FIELDS if not _same(before[name], row.get(name))]
    shown = [name for name in changed if not set(PRINTED_FOR.get(name, ())) & set(changed)]
    return [f"{name.replace('_as_printed', ' as printed')}: {_show(before[name])} → {_show(row.get(name))}"
            for name in shown]


def _show(value) -> str:
    return format_number(value) if isinstance(value, int | float) else (value or "")


def _blank(value) -> str:
    return "" if missing(value) else value


def _rag(row, polarity) -> str | None:
    if not polarity:
        return None
    return rag.compute(row.get("actual"), row.get("target"), polarity, row.get("target_low"), row.get("target_high"))


def _key(row) -> tuple[str, str, str]:
    return row["indicator_id"], row["period"], row.get("ward_code") or ""


def _apply(db, upload_id: int, meta: dict, rows: list[dict], replaying: dict | None = None) -> dict:
    """Write an upload's rows, keeping each replaced row in the history. Inside a transaction.

    On a replay after a rebuild, ``replaying`` maps the keys this upload changed when it was
    committed to their history rows: only those are written again (a row that changed nothing
    then changes nothing now), and each history row is brought up to date with what it now replaces.
    """
    polarity = _polarities(db)
    counts = {"added": 0, "changed": 0, "unchanged": 0}
    for row in rows:
        if row["indicator_id"] not in polarity or (replaying is not None and _key(row) not in replaying):
            continue
        before = _existing(db, row)
        period = periods.parse(row["period"])
        values = {name: row.get(name) for name in FIELDS}
        if replaying is None and before is not None and all(_same(before[n], values[n]) for n in FIELDS):
            counts["unchanged"] += 1
            continue
        derived = dict(
            rag_computed=_rag(row, row.get("polarity") or polarity[row["indicator_id"]]),
            upload_id=upload_id,
            # An officer's figure is exact: a bound printed for the figure it replaces goes with it.
            qualifier=None,
            seed="upload",
            line=row.get("row") or 0,  # pragma: no mutate
            section=f"quarter upload #{upload_id} ({meta['filename']})",
            source=f"Quarter upload #{upload_id}: {meta['filename']}, row {row.get('row')}, "
                      f"by {meta['user']} on {meta['at'][:10]}",
        )
        action, previous = ("insert", None) if before is None else ("update", json.dumps(before))
        if replaying is None:
            db.execute(
                f"INSERT INTO {HISTORY} (upload_id, indicator_id, period, ward_code, action, previous_json) "
                "VALUES (?, ?, ?, ?, ?, ?)",  # pragma: no mutate
                (upload_id, row["indicator_id"], row["period"], row.get("ward_code"), action, previous),
            )
        else:
            db.execute(f"UPDATE {HISTORY} SET action = ?, previous_json = ? WHERE history_id = ?",
                       (action, previous, replaying[_key(row)]))
        if before is None:
            db["observations"].insert(dict(
                indicator_id=row["indicator_id"], period=row["period"], ward_code=row.get("ward_code"),
                plan_id=UPLOAD_PLAN, period_start=period.start.isoformat(),
                period_end=period.end.isoformat(), period_order=period.order,
                note=None, as_at=None, **values, **derived,  # pragma: no mutate
            ))
            counts["added"] += 1
        else:
            db["observations"].update(before["observation_id"], {**values, **derived})
            counts["changed"] += 1
    return counts


def with_year_targets(db, rows: list[dict]) -> list[dict]:
    """Rows for a year with a scorecard definition take that year's polarity (for the RAG by the
    rule) and, borough-wide with a blank target, the definition's target for the quarter. Kept in
    the upload's rows, so a replay after a rebuild gives the same figures."""
    years: dict[str, dict] = {}
    out = []
    for row in rows:
        period = periods.parse(row["period"])
        year = period.financial_year
        if year not in years:
            defined = queries.definition_in_effect(db, year) is not None
            members = queries.scorecard_members(db, year).to_dict("records")  # pragma: no mutate
            years[year] = ({m["indicator_id"]: m for m in members}
                           if defined else {})
        measure = years[year].get(row["indicator_id"])
        if measure is None:
            out.append(row)
            continue
        row = {**row, "polarity": measure["polarity"]}
        blank = all(missing(row.get(name)) for name in ("target", "target_low", "target_high"))  # pragma: no mutate
        if blank and not row.get("ward_code"):
            row.update({name: None if missing(value) else value  # pragma: no mutate
                        for name, value in scorecards.quarter_target(measure, period.quarter).items()})
        out.append(row)
    return out


def commit(path, checked: ingest.Checked, user: str, on_wait=None) -> tuple[int, dict]:
    """Apply a checked upload in one transaction and record it; return (upload_id, counts).

    A second officer's commit waits its turn (``on_wait`` is told once) and is refused
    plainly after store.WRITE_WAIT seconds."""
    if not checked.ok:
        raise ValueError("only a checked upload with no problems can be committed")
    db = store.connect(path)
    try:
        with store.writing(db, on_wait=on_wait):
            store.ensure_app_tables(db)
            rows = with_year_targets(db, checked.rows)
            rows_json = json.dumps(rows)
            meta = {"filename": checked.filename, "user": user, "at": _now()}
            cursor = db.execute(
                f"INSERT INTO {UPLOADS} (kind, filename, sha256, user, at, status, rows_json) "
                "VALUES ('quarter', ?, ?, ?, ?, ?, ?)",  # pragma: no mutate
                (checked.filename, checked.sha256, user, meta["at"], "accepted", rows_json),
            )
            upload_id = cursor.lastrowid
            counts = _apply(db, upload_id, meta, rows)
            db.execute(f"UPDATE {UPLOADS} SET added = ?, changed = ?, unchanged = ? WHERE upload_id = ?",
                       (counts["added"], counts["changed"], counts["unchanged"], upload_id))
        return upload_id, counts
    finally:
        db.close()


def reject(path, checked: ingest.Checked, user: str, kind: str = "quarter") -> int:
    """Log a rejected upload (a quarter file, or a scorecard definition) in the audit table; nothing else is
    touched."""
    db = store.connect(path)
    try:
        with store.writing(db):
            store.ensure_app_tables(db)
            cursor = db.execute(
                f"INSERT INTO {UPLOADS} (kind, filename, sha256, user, at, status, errors) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",  # pragma: no mutate
                (kind, checked.filename, checked.sha256, user, _now(), "rejected",
                 json.dumps([str(p) for p in checked.problems[:500]])),  # pragma: no mutate
            )
        return cursor.lastrowid
    finally:
        db.close()


class RollbackError(ValueError):
    pass


def _blocking(db, upload_id: int, history: list[dict]) -> list[int]:
    """Later accepted uploads that changed a figure this one changed: one pass over their history."""
    mine = {(h["indicator_id"], h["period"], h["ward_code"] or "") for h in history}
    later = db.execute(
        f"""SELECT h.upload_id, h.indicator_id, h.period, h.ward_code FROM {HISTORY} h
        JOIN {UPLOADS} u ON u.upload_id = h.upload_id WHERE h.upload_id > ? AND u.status = 'accepted'""",
        (upload_id,),
    ).fetchall()
    return sorted({later_id for later_id, indicator, period, ward in later if (indicator, period, ward or "") in mine})


def rollback(path, upload_id: int, user: str, on_wait=None) -> int:
    """Undo an entry of the audit log: restore exactly what an upload replaced, withdraw a scorecard
    definition (its rows and the measures it created), or a publish or unpublish; return how many
    figures it restored (for a definition, how many of its measures it removed)."""
    db = store.connect(path)
    try:
        with store.writing(db, on_wait=on_wait):
            store.ensure_app_tables(db)
            found = list(db.query(f"SELECT * FROM {UPLOADS} WHERE upload_id = ?", (upload_id,)))
            if not found or found[0]["status"] != "accepted":
                raise RollbackError(f"upload {upload_id} is not an accepted upload that can be rolled back")
            if found[0]["kind"] == "scorecard":
                removed = _withdraw_scorecard(db, found[0])
                db.execute(f"UPDATE {UPLOADS} SET status = 'rolled back', rolled_back_at = ?, rolled_back_by = ? "
                           "WHERE upload_id = ?",  # pragma: no mutate
                           (_now(), user, upload_id))
                return removed
            history = list(db.query(f"SELECT * FROM {HISTORY} WHERE upload_id = ? ORDER BY history_id DESC",
                                    (upload_id,)))
            later = _blocking(db, upload_id, history)
            if later:
                ids = ", ".join(str(later_id) for later_id in later)
                raise RollbackError(f"later upload(s) {ids} changed the same figures; roll those back first")
            for entry in history:
                key = (entry["indicator_id"], entry["period"], entry["ward_code"] or "")
                db.execute("DELETE FROM observations WHERE indicator_id = ? AND period = ? "  # pragma: no mutate
                           "AND ifnull(ward_code, '') = ?",  # pragma: no mutate
                           key)
                if entry["action"] == "update":
                    db["observations"].insert(json.loads(entry["previous_json"]))
            db.execute(f"UPDATE {UPLOADS} SET status = 'rolled back', rolled_back_at = ?, rolled_back_by = ? "
                       "WHERE upload_id = ?",  # pragma: no mutate
                       (_now(), user, upload_id))
        return len(history)
    finally:
        db.close()


def publish(path, period: str, user: str, needed: int | None = None, on_wait=None) -> quarters.Quarter:
    """An officer approves a draft quarter; with two approvals needed, a second officer completes it."""
    return _publishing(path, "publish", period, user, needed, on_wait)


def unpublish(path, period: str, user: str, needed: int | None = None, on_wait=None) -> quarters.Quarter:
    """Take a published quarter back to draft: readers see the quarter before it again."""
    return _publishing(path, "unpublish", period, user, needed, on_wait)


def _publishing(path, action: str, period: str, user: str, needed, on_wait) -> quarters.Quarter:
    period = str(periods.parse(period))
    db = store.connect(path)
    try:
        with store.writing(db, on_wait=on_wait):
            store.ensure_app_tables(db)
            states = queries.quarter_states(db, needed=needed)
            if period not in states:
                raise quarters.PublishError(f"{period} has no scorecard figures to publish")
            current = states[period]
            if action == "publish" and current.published:
                raise quarters.PublishError(f"{period} is already published")
            if action == "publish" and user in current.approvals:
                raise quarters.PublishError(f"{user} has already approved {period}; a second officer must publish it")
            if action == "unpublish" and not current.published:
                raise quarters.PublishError(f"{period} is a draft already")
            db.execute(f"INSERT INTO {UPLOADS} (kind, period, user, at, status) VALUES (?, ?, ?, ?, 'accepted')",
                       (action, period, user, _now()))
            return queries.quarter_states(db, needed=needed)[period]
    finally:
        db.close()


def replay(db) -> None:
    """After a rebuild from data/*.csv, apply the accepted uploads again, oldest first: each
    exactly as far as it changed the figures when committed. Every history row is kept. Scorecard
    definitions are replayed in the same order, so new measures exist before the figures that use them."""
    if UPLOADS not in db.table_names():
        return
    changed: dict[int, dict] = {}
    for entry in db.query(f"SELECT history_id, upload_id, indicator_id, period, ward_code FROM {HISTORY}"):
        key = (entry["indicator_id"], entry["period"], entry["ward_code"] or "")
        changed.setdefault(entry["upload_id"], {})[key] = entry["history_id"]
    accepted = list(db.query(
        f"SELECT * FROM {UPLOADS} WHERE status = 'accepted' AND kind IN ('quarter', 'scorecard') ORDER BY upload_id"))
    for upload in accepted:
        meta = {"filename": upload["filename"], "user": upload["user"], "at": upload["at"]}
        if upload["kind"] == "scorecard":
            # The definition's own rows are kept (an app table); the measures it created come back first.
            for measure in db.query(f"SELECT * FROM {MEASURES} WHERE upload_id = ? AND created = 1",
                                    (upload["upload_id"],)):
                _create_measure(db, upload["upload_id"], meta, measure)
            continue
        _apply(db, upload["upload_id"], meta, json.loads(upload["rows_json"] or "[]"),  # pragma: no mutate
               replaying=changed.get(upload["upload_id"], {}))


def list_uploads(db) -> pd.DataFrame:
    store.ensure_app_tables(db)
    return queries.query(
        db,
        f"""SELECT upload_id, kind, period, at, user, filename, sha256, status, added, changed, unchanged, errors,
        rolled_back_at, rolled_back_by FROM {UPLOADS} ORDER BY upload_id DESC""",
    )


def template(db, period: str) -> pd.DataFrame:
    """A quarter CSV ready to fill in: every measure of that year's scorecard with its unit, polarity
    and target (the definition's for the quarter, else the current one)."""
    quarter = periods.parse(period)
    rows = []
    for measure in queries.scorecard_members(db, quarter.financial_year).to_dict("records"):  # pragma: no mutate
        rows.append({
            "indicator_id": measure["indicator_id"], "period": period, "actual": "",
            "target": target_text(scorecards.quarter_target(measure, quarter.quarter)), "rag": "",
            "status_note": "", "commentary": "", "ward_code": "", "name": measure["name"],
            "unit": _blank(measure["unit"]), "polarity": _blank(measure["polarity"]),
        })
    return pd.DataFrame(rows)


# Scorecard definitions: next year's measures, checked by scorecards.py.

def scorecard_context(db) -> tuple[set[str], dict[str, str]]:
    """What a definition is checked against: the measure ids in the store, and the five corporate
    priorities (theme id -> name)."""
    known = {row[0] for row in db.execute("SELECT indicator_id FROM indicators")}  # pragma: no mutate
    return known, _priority_names(db)


def _priority_names(db) -> dict[str, str]:
    return {row["theme_id"]: row["name"] for row in queries.priorities(db).to_dict("records")}  # pragma: no mutate


def previous_scorecard(db, year: str) -> dict[str, dict]:
    """The scorecard a definition for ``year`` follows: the one in effect for the year before."""
    before = str(periods.parse(year).previous())
    return {m["indicator_id"]: m for m in queries.scorecard_members(db, before).to_dict("records")}  # pragma: no mutate


def scorecard_preview(db, rows: list[dict]) -> pd.DataFrame:
    """What a definition does: each measure new, changed (with what) or unchanged against the previous
    year's scorecard, then the measures that retire. Reads the store, writes nothing."""
    columns = ["outcome", "indicator_id", "name", "changes"]
    if not rows:
        return pd.DataFrame(columns=columns)
    found = scorecards.compare(previous_scorecard(db, rows[0]["year"]), rows, _priority_names(db))
    return pd.DataFrame(found, columns=columns)


def commit_scorecard(path, checked: ingest.Checked, user: str, on_wait=None) -> tuple[int, dict]:
    """Load a checked definition in one transaction and record it; return (upload_id, counts of
    new, changed and unchanged measures, and retiring)."""
    if not checked.ok or not checked.rows:
        raise ValueError("only a checked scorecard definition with no problems can be committed")
    db = store.connect(path)
    try:
        with store.writing(db, on_wait=on_wait):
            store.ensure_app_tables(db)
            outcomes = scorecard_preview(db, checked.rows)["outcome"].value_counts()
            counts = {"added": int(outcomes.get("new", 0)), "changed": int(outcomes.get("changed", 0)),
                      "unchanged": int(outcomes.get("unchanged", 0)), "retiring": int(outcomes.get("retiring", 0))}
            meta = {"filename": checked.filename, "user": user, "at": _now()}
            cursor = db.execute(
                f"INSERT INTO {UPLOADS} (kind, period, filename, sha256, user, at, status, rows_json, added, changed, "
                "unchanged) VALUES ('scorecard', ?, ?, ?, ?, ?, 'accepted', ?, ?, ?, ?)",  # pragma: no mutate
                (checked.rows[0]["year"], checked.filename, checked.sha256, user, meta["at"],
                 json.dumps(checked.rows), counts["added"], counts["changed"], counts["unchanged"]),
            )
            upload_id = cursor.lastrowid
            known = {row[0] for row in db.execute("SELECT indicator_id FROM indicators")}  # pragma: no mutate
            for row in checked.rows:
                measure = dict(
                    upload_id=upload_id, indicator_id=row["indicator_id"], year=row["year"],
                    row=row["row"], created=int(row["indicator_id"] not in known),
                    **{name: row.get(name) for name in ("name", "priority", "polarity", "unit", "headline",
                                                        "portfolio_holder", "director", "frequency", "target",
                                                        "target_low", "target_high", "target_as_printed")},
                    quarter_targets=json.dumps(row.get("quarter_targets") or {}),
                )
                db[MEASURES].insert(measure)
                if measure["created"]:
                    _create_measure(db, upload_id, meta, measure)
        return upload_id, counts
    finally:
        db.close()


def _create_measure(db, upload_id: int, meta: dict, measure: dict) -> None:
    """A measure a definition adds, citing the upload; skipped if the store has it already (the
    CSV files may have gained it since)."""
    known = "SELECT 1 FROM indicators WHERE indicator_id = ?"  # pragma: no mutate
    if db.execute(known, (measure["indicator_id"],)).fetchone():
        return
    a_priority = "SELECT 1 FROM themes WHERE theme_id = ?"  # pragma: no mutate
    theme = db.execute(a_priority, (measure["priority"],)).fetchone()
    db["indicators"].insert(dict(
        indicator_id=measure["indicator_id"], name=measure["name"],
        priority=measure["priority"] if theme else None, polarity=measure["polarity"],  # pragma: no mutate
        unit=measure["unit"], headline=measure["headline"], portfolio_holder=measure["portfolio_holder"],
        director=measure["director"], frequency=measure["frequency"], plan_id=UPLOAD_PLAN,
        on_scorecard=0, seed="upload", line=measure["row"],
        section=f"scorecard upload #{upload_id} ({meta['filename']})",
        source=f"Scorecard upload #{upload_id}: {meta['filename']}, row {measure['row']}, by {meta['user']} "
                  f"on {meta['at'][:10]}",
    ))


def _withdraw_scorecard(db, upload: dict) -> int:
    """Remove a definition's rows and the measures it created; refused while figures depend on it."""
    upload_id, year = upload["upload_id"], upload["period"]
    later = [row[0] for row in db.execute(
        f"""SELECT DISTINCT h.upload_id FROM {HISTORY} h JOIN {UPLOADS} u ON u.upload_id = h.upload_id
        WHERE h.upload_id > ? AND u.status = 'accepted' AND substr(h.period, 1, 7) = ? ORDER BY h.upload_id""",
        (upload_id, year))]
    if later:
        raise RollbackError(f"later upload(s) {', '.join(map(str, later))} have figures for {year}; "
                            "roll those back first")
    created = [row[0] for row in db.execute(
        f"SELECT indicator_id FROM {MEASURES} WHERE upload_id = ? AND created = 1 ORDER BY row", (upload_id,))]
    marks = ",".join("?" * len(created))
    if created:
        used = [row[0] for row in db.execute(
            f"SELECT DISTINCT indicator_id FROM observations WHERE indicator_id IN ({marks}) ORDER BY 1", created)]
        if used:
            raise RollbackError(f"figures exist for measure(s) this definition created ({', '.join(used)}); "
                                "roll those back first")
        kept = [row[0] for row in db.execute(
            f"""SELECT DISTINCT s.upload_id FROM {MEASURES} s JOIN {UPLOADS} u ON u.upload_id = s.upload_id
            WHERE s.upload_id > ? AND u.status = 'accepted' AND s.indicator_id IN ({marks}) ORDER BY 1""",
            (upload_id, *created))]
        if kept:
            raise RollbackError(f"later scorecard definition(s) {', '.join(map(str, kept))} list measures this one "
                                "created; roll those back first")
        db.execute(f"DELETE FROM indicators WHERE seed = 'upload' AND indicator_id IN ({marks})", created)
    removed = db.execute(f"DELETE FROM {MEASURES} WHERE upload_id = ?", (upload_id,)).rowcount
    return removed


def scorecard_template(db, year: str) -> pd.DataFrame:
    """A definition file for ``year`` to edit: the scorecard in effect for it (or before it), every measure
    with its fields and target."""
    members = queries.scorecard_members(db, year).to_dict("records")  # pragma: no mutate
    rows = scorecards.template_rows(members, year, _priority_names(db))
    return pd.DataFrame(rows, columns=list(scorecards.COLUMNS))  # pragma: no mutate
