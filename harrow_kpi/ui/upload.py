"""Officers' upload: template, check, preview, commit, and undo; next year's scorecard and boundary import too.

Locked until an officer signs in. Nothing is written until the officer commits a
file with no problems; a file with problems lists every one and changes nothing
(the rejection is recorded in the audit log).
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from harrow_kpi import exports, geography, ingest, periods, quarters, scorecards, store, ui, uploads, worker
from harrow_kpi.ui import signin

# Column headings in an officer's words, never the store's column names.
PREVIEW_WORDS = {
    "row": "Row", "outcome": "Outcome", "indicator_id": "Measure (id)", "period": "Period", "ward_code": "Ward",
    "target": "Target", "actual": "Actual", "rag_reported": "Reported RAG", "rag_computed": "RAG by the rule",
    "rag_differs": "Reported RAG differs", "changes": "What changes",
}
SCORECARD_WORDS = {"outcome": "Outcome", "indicator_id": "Measure (id)", "name": "Measure", "changes": "What changes"}
OUTCOME_WORDS = {"new": "New on the scorecard", "changed": "Changed", "unchanged": "Unchanged",
                 "retiring": "Retiring (on last year's scorecard, not this one)"}
AUDIT_WORDS = {
    "upload_id": "Entry", "kind": "What", "period": "Quarter or year", "at": "When (UTC)", "user": "Officer",
    "filename": "File", "status": "Status",
    "added": "Added", "changed": "Changed", "unchanged": "Unchanged", "rolled_back_at": "Rolled back (UTC)",
    "rolled_back_by": "Rolled back by", "sha256": "File fingerprint",
}


def upload_page() -> None:
    st.title("Upload a quarter")
    st.caption("For officers: bring the new quarter's scorecard figures. Every file is checked before it "
               "touches anything, previewed, recorded with who loaded it, and can be rolled back.")
    if store.read_only():
        st.info("This copy of the explorer is read-only: it follows the council's main copy, where officers "
                "upload, roll back and publish. Its figures are the main copy's of a few seconds ago.")
        return
    officer = signin.officer()
    if not officer:
        st.warning("Uploading and rolling back are locked until an officer signs in. Reading stays open.")
        return
    # Each section reads the database as the section before it left it (a commit or roll back
    # moves the data version on, and the sections below must show it at once).
    for section in (_template, _upload, _history, _publishing, _next_year, _boundaries):
        section(ui.db_path(), officer)


def _next_quarters(path: str) -> list[str]:
    latest = ui.reported_quarters(path, drafts=True)
    start = periods.parse(latest[-1]).next() if latest else periods.containing(pd.Timestamp.today().date())
    found, current = [], start
    for _ in range(4):
        found.append(str(current))
        current = current.next()
    return found


def _template(path: str, officer: str) -> None:
    st.header("1. Template")
    period = st.selectbox("Quarter to report", _next_quarters(path), key="template_period")
    with store.opened(path) as db:
        table = uploads.template(db, period)
    stem = f"harrow-kpi-{period.replace('/', '-').replace(' ', '-')}"
    left, right, _ = st.columns([1, 1, 3])
    left.download_button("Template (CSV)", exports.to_csv(table), f"{stem}.csv", mime="text/csv",
                         key="template_csv", on_click="ignore")
    right.download_button("Template (Excel)", lambda: exports.to_excel(table, sheet="Quarter"), f"{stem}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key="template_xlsx", on_click="ignore")
    # Column names in bold, not code spans: code in a caption fails the contrast check (axe-core).
    st.caption("One row per measure, pre-filled with its current target. Fill in **actual** (or **status_note** "
               "saying why there is none), and **rag**, **commentary** or **ward_code** where you have them; rows left "
               "without an actual, RAG, status note or commentary are skipped. **name**, **unit** and **polarity** are "
               "there to help and are ignored.")


def _upload(path: str, officer: str) -> None:
    st.header("2. Check and preview")
    file = st.file_uploader("Quarter CSV or Excel file", type=["csv", "xlsx"], key="upload_file",
                            max_upload_size=ingest.MAX_BYTES // (1024 * 1024))
    if file is None:
        return
    data = file.getvalue()
    with store.opened(path) as db:
        context = uploads.context(db)
    checked = _checked("quarter", path, ingest.check, data, file.name, context)
    if not checked.ok:
        _refused(path, checked, officer, "quarter")
        return
    with store.opened(path) as db:
        preview = uploads.preview(db, checked.rows)
    counts = preview["outcome"].value_counts()
    new, changed, same, differs = st.columns(4)
    new.metric("New figures", int(counts.get("new", 0)))
    changed.metric("Changed", int(counts.get("changed", 0)))
    same.metric("Unchanged", int(counts.get("unchanged", 0)))
    differs.metric("⚠ RAG differs from the rule", int(preview["rag_differs"].sum()))
    shown = preview.assign(rag_reported=preview["rag_reported"].map(ui.rag_text),
                           rag_computed=preview["rag_computed"].map(ui.rag_text),
                           rag_differs=preview["rag_differs"].map({True: "⚠ yes", False: ""}))
    st.dataframe(shown.rename(columns=PREVIEW_WORDS), hide_index=True, width="stretch")
    if st.session_state.get("committed") == checked.sha256:
        st.success("This file has been committed.")
        return
    if st.button(f"Commit {ui.plural(len(checked.rows), 'row')}", type="primary", key="commit"):
        done = _write(uploads.commit, path, checked, officer)
        if done is None:
            return
        upload_id, result = done
        st.session_state["committed"] = checked.sha256
        # Publishing (below) turns to the quarter just loaded, not the one chosen before the commit.
        st.session_state["publish_quarter"] = str(max(periods.parse(row["period"]) for row in checked.rows))
        st.success(f"Upload {upload_id} committed: {result['added']} added, {result['changed']} changed, "
                   f"{result['unchanged']} unchanged. The quarter stays a draft until an officer publishes "
                   "it (section 4).")


def _checked(kind: str, path, function, data: bytes, name: str, *args) -> ingest.Checked:
    """A file checked in the worker process (worker.apart), once per file and data version: the reruns
    that follow (preview, commit) reuse the result rather than checking it again."""
    key = (hashlib.sha256(data).hexdigest(), name, path.version)
    found = st.session_state.get(f"{kind}_checked")
    if found is not None and found[0] == key:
        return found[1]
    with st.spinner("Checking the file…"):
        checked = worker.apart(function, data, name, *args)
    st.session_state[f"{kind}_checked"] = (key, checked)
    return checked


def _refused(path, checked: ingest.Checked, officer: str, kind: str) -> None:
    """A file with problems: logged once in the audit log, every problem listed, nothing changed."""
    logged = f"{kind}_rejected_logged"
    if st.session_state.get(logged) != checked.sha256:
        uploads.reject(path, checked, officer, kind=kind)
        st.session_state[logged] = checked.sha256
    count = len(checked.problems)
    st.error(f"{count} problem{'s' if count != 1 else ''} in {ui.plain(checked.filename)}. Nothing has been "
             "changed. Fix the file and upload it again.")
    st.dataframe(exports.safe(pd.DataFrame([{"Row": p.row or "", "Column": p.column or "", "Value": p.value or "",
                                             "Problem": p.message} for p in checked.problems])),
                 hide_index=True, width="stretch")


def _history(path: str, officer: str) -> None:
    st.header("3. Past uploads")
    with store.opened(path) as db:
        past = uploads.list_uploads(db)
    if past.empty:
        st.caption("No uploads yet.")
        return
    # The fingerprint's first 12 characters tell files apart; the CLI's `uploads` lists it whole.
    shown = past.drop(columns=["errors"]).assign(sha256=past["sha256"].str[:12])
    blank = ["period", "filename", "rolled_back_at", "rolled_back_by"]
    shown[blank] = shown[blank].fillna("")
    # File and officer names are typed by people, and the table's toolbar downloads it as CSV: formula-safe.
    st.dataframe(exports.safe(shown[[*AUDIT_WORDS]].rename(columns=AUDIT_WORDS)), hide_index=True, width="stretch")
    accepted = past[past["status"] == "accepted"]
    if accepted.empty:
        return
    labels = {row["upload_id"]: _entry_label(row) for row in accepted.to_dict("records")}
    labels_kind = dict(zip(accepted["upload_id"], accepted["kind"]))
    chosen = st.selectbox("Roll back an entry", list(labels), format_func=labels.get, key="rollback_choice")
    sure = st.checkbox("I understand this restores the figures (or the quarter's state) as they were before "
                       "that entry", key="rollback_ok")
    if st.button("Roll back", disabled=not sure, key="rollback"):
        touched = _write(uploads.rollback, path, int(chosen), officer)
        if touched is not None:
            what = "measures of its scorecard removed" if labels_kind[chosen] == "scorecard" else "figures restored"
            st.success(f"Entry {chosen} rolled back: {touched} {what}.")


def _write(change, *args):
    """One write: it says so while it waits for another writer, and a refusal is one plain line
    (nothing changed); returns the write's result, or None when refused."""
    waiting = st.empty()
    try:
        result = change(*args, on_wait=waiting.info)
    except (store.StoreError, uploads.RollbackError, quarters.PublishError) as error:
        waiting.error(ui.plain(str(error)))
        return None
    waiting.empty()
    return result


def _entry_label(row: dict) -> str:
    what = {"quarter": row["filename"], "scorecard": f"scorecard {row['period']} ({row['filename']})"}.get(
        row["kind"], f"{row['kind']} {row['period']}")
    return f"#{row['upload_id']} {what} ({row['at'][:16]}, {row['user']})"


def _publishing(path, officer: str) -> None:
    st.header("4. Publish a quarter")
    st.caption("A quarter loaded by officers is a draft: readers see the latest published quarter until an "
               "officer publishes it. Unpublishing takes it back to draft. Both are in the audit log above.")
    states = ui.quarter_states(path)
    if not states:
        st.caption("No quarter to publish yet.")
        return
    st.dataframe(pd.DataFrame([{"Quarter": q.period, "State": "Published" if q.published else "Draft",
                                "Measures reported": f"{q.reported} of {q.measures}",
                                "Approved by": ", ".join(q.approvals)} for q in reversed(states.values())]),
                 hide_index=True, width="stretch")
    newest_first = list(states)[::-1]
    if st.session_state.get("publish_quarter") not in newest_first:  # first visit, or rolled back
        drafts = [period for period in newest_first if not states[period].published]
        st.session_state["publish_quarter"] = drafts[0] if drafts else newest_first[0]
    period = st.selectbox("Quarter", newest_first, key="publish_quarter",
                          format_func=lambda p: f"{p} ({'published' if states[p].published else 'draft'})")
    action = "unpublish" if states[period].published else "publish"
    if st.button(f"{action.capitalize()} {period}", key="publish_button", type="primary"):
        quarter = _write(uploads.unpublish if action == "unpublish" else uploads.publish, path, period, officer)
        if quarter is not None:
            st.success(f"{period} is now {'published' if quarter.published else 'a draft'}"
                       + (f" ({quarter.label})." if quarter.label else "."))


def _next_years(path: str) -> list[str]:
    """The financial years an officer may define: from the one after the latest quarter's, four on."""
    latest = ui.reported_quarters(path, drafts=True)
    start = periods.parse(latest[-1]) if latest else periods.containing(pd.Timestamp.today().date())
    first = periods.parse(start.financial_year).next()
    return [str(periods.Period(first.year + step)) for step in range(4)]


def _next_year(path: str, officer: str) -> None:
    st.header("5. Next year's scorecard")
    st.caption("A scorecard definition sets a financial year's measures: each one's name, priority, polarity, "
               "unit, headline, portfolio holder, director, frequency and target (and, if you like, a target for "
               "each quarter). Start from the template, which lists the current scorecard. New measures get a "
               "new id; a measure left out retires from that year's scorecard.")
    year = st.selectbox("Year", _next_years(path), key="scorecard_year")
    with store.opened(path) as db:
        table = uploads.scorecard_template(db, year)
    stem = f"harrow-kpi-scorecard-{year.replace('/', '-')}"
    left, right, _ = st.columns([1, 1, 3])
    left.download_button("Scorecard template (CSV)", exports.to_csv(table), f"{stem}.csv", mime="text/csv",
                         key="scorecard_template_csv", on_click="ignore")
    right.download_button("Scorecard template (Excel)", lambda: exports.to_excel(table, sheet="Scorecard"),
                          f"{stem}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key="scorecard_template_xlsx", on_click="ignore")
    file = st.file_uploader("Scorecard definition, CSV or Excel", type=["csv", "xlsx"], key="scorecard_file",
                            max_upload_size=ingest.MAX_BYTES // (1024 * 1024))
    if file is None:
        return
    data = file.getvalue()
    with store.opened(path) as db:
        known, priorities = uploads.scorecard_context(db)
    checked = _checked("scorecard", path, scorecards.check, data, file.name, known, priorities)
    if not checked.ok:
        _refused(path, checked, officer, "scorecard")
        return
    with store.opened(path) as db:
        preview = uploads.scorecard_preview(db, checked.rows)
    defined = checked.rows[0]["year"]
    counts = preview["outcome"].value_counts()
    columns = st.columns(4)
    for column, (outcome, label) in zip(columns, (("new", "New measures"), ("changed", "Changed"),
                                                  ("unchanged", "Unchanged"), ("retiring", "Retiring"))):
        column.metric(label, int(counts.get(outcome, 0)))
    shown = preview.assign(outcome=preview["outcome"].map(OUTCOME_WORDS))
    st.dataframe(shown.rename(columns=SCORECARD_WORDS), hide_index=True, width="stretch")
    if st.session_state.get("scorecard_committed") == checked.sha256:
        st.success(f"This definition of the {defined} scorecard has been committed.")
        return
    if st.button(f"Commit the {defined} scorecard ({len(checked.rows)} measures)", type="primary",
                 key="scorecard_commit"):
        done = _write(uploads.commit_scorecard, path, checked, officer)
        if done is None:
            return
        upload_id, result = done
        st.session_state["scorecard_committed"] = checked.sha256
        st.success(f"Upload {upload_id}: the {defined} scorecard is loaded: {result['added']} new, "
                   f"{result['changed']} changed, {result['unchanged']} unchanged, {result['retiring']} retiring. "
                   f"Its quarters' templates now list its measures.")


def _boundaries(path: str, officer: str) -> None:
    st.header("6. Official ward boundaries")
    st.caption("A GeoJSON file of Harrow's 2002-2022 wards in WGS84 longitude/latitude (ONS Open Geography "
               "Portal). It is checked before anything is stored; the ward map then draws the real shapes.")
    file = st.file_uploader("Boundary file (.geojson)", type=["geojson", "json"], key="boundary_file")
    if file is None:
        return
    data = file.getvalue()
    if st.session_state.get("boundaries_imported") == geography.sha256(data):
        st.success(f"Boundaries imported from {ui.plain(file.name)}.")
        return
    try:
        count = geography.import_boundaries(path, data, file.name, officer)
    except geography.BoundaryError as error:
        st.error("The boundary file cannot be used; nothing has been changed.")
        st.dataframe(pd.DataFrame({"Problem": error.problems}), hide_index=True, width="stretch")
    except store.StoreError as error:
        st.error(ui.plain(str(error)))
    else:
        st.session_state["boundaries_imported"] = geography.sha256(data)
        st.success(f"Boundaries of {count} wards imported from {ui.plain(file.name)}.")
