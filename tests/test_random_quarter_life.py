"""Random sequences of upload, re-upload, rollback, publish, unpublish and rebuild, checked after every
step against a model of what the store should hold (hypothesis' stateful testing).

The model is written from the rules, not from the code: an upload changes the figures that differ,
a rollback restores what its upload changed unless a later upload changed the same figures, a
rebuild changes nothing an officer did, and every history row is kept."""

import sqlite3

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from harrow_kpi import ingest, quarters, queries, rebuild, store, uploads

HEADER = "indicator_id,period,actual,target,rag,status_note,commentary,ward_code\n"
# Each file's rows as (measure, period, actual); files overlap so that rollbacks can be blocked.
FILES = [
    [("council-tax-collected", "2019/20 Q3", 84.1), ("sickness-absence", "2019/20 Q3", 9.8)],
    [("sickness-absence", "2019/20 Q3", 9.1), ("book-issues", "2019/20 Q2", 1.0)],
    [("book-issues", "2019/20 Q3", 5.0), ("council-tax-collected", "2019/20 Q3", 80.0)],
    [("book-issues", "2019/20 Q4", 7.0)],
]
KEYS = sorted({(measure, period) for rows in FILES for measure, period, _ in rows})
OFFICERS = ("asingh", "jsmith")
QUARTERS = ("2019/20 Q2", "2019/20 Q3", "2019/20 Q4")


def text(rows) -> str:
    return HEADER + "".join(f"{measure},{period},{actual},,,,,\n" for measure, period, actual in rows)


def figures(path) -> dict:
    with store.opened(path) as db:
        found = dict.fromkeys(KEYS)
        for measure, period, actual in db.execute(
                "SELECT indicator_id, period, actual FROM observations WHERE ward_code IS NULL"):
            if (measure, period) in found:
                found[(measure, period)] = actual
    return found


class QuarterLife(RuleBasedStateMachine):
    source = None  # the session's database, set by the test

    def __init__(self):
        super().__init__()
        self.path = self.directory / f"kpi-{id(self)}.db"
        with sqlite3.connect(self.source) as source, sqlite3.connect(self.path) as copy:
            source.backup(copy)
        self.figures = figures(self.path)  # the model: (measure, period) -> actual, None if absent
        self.documents = dict(self.figures)
        self.log = []  # the audit log: {"kind", "changed": [(key, before)], "status", "period"}
        self.published = {"2019/20 Q2": True}

    def _uploaded(self, period) -> bool:
        """A quarter an officer loaded is a scorecard column while any of its uploaded figures stands."""
        return any(key[1] == period and self.figures[key] != self.documents[key] for key in KEYS)

    def _column(self, period) -> bool:
        return period == "2019/20 Q2" or self._uploaded(period)

    @rule(file=st.integers(0, len(FILES) - 1), officer=st.sampled_from(OFFICERS))
    def upload(self, file, officer):
        with store.opened(self.path) as db:
            checked = ingest.check(text(FILES[file]).encode(), f"file{file}.csv", uploads.context(db))
        assert checked.ok
        _, counts = uploads.commit(self.path, checked, officer)
        changed = [((m, p), self.figures[(m, p)]) for m, p, actual in FILES[file] if self.figures[(m, p)] != actual]
        for m, p, actual in FILES[file]:
            self.figures[(m, p)] = actual
        self.log.append({"kind": "quarter", "changed": changed, "status": "accepted"})
        assert counts["added"] + counts["changed"] == len(changed)
        assert counts["unchanged"] == len(FILES[file]) - len(changed)

    @rule(entry=st.integers(1, 6), officer=st.sampled_from(OFFICERS))
    def roll_back(self, entry, officer):
        if entry > len(self.log) or self.log[entry - 1]["status"] != "accepted":
            with pytest.raises(uploads.RollbackError, match="is not an accepted upload"):
                uploads.rollback(self.path, entry, officer)
            return
        mine = self.log[entry - 1]
        keys = {key for key, _ in mine.get("changed", [])}
        later = [number for number, other in enumerate(self.log[entry:], start=entry + 1)
                 if other["status"] == "accepted" and keys & {key for key, _ in other.get("changed", [])}]
        if later:
            with pytest.raises(uploads.RollbackError, match="changed the same figures"):
                uploads.rollback(self.path, entry, officer)
            return
        uploads.rollback(self.path, entry, officer)
        for key, before in reversed(mine.get("changed", [])):
            self.figures[key] = before
        mine["status"] = "rolled back"
        self._replay_states()

    @rule(period=st.sampled_from(QUARTERS), officer=st.sampled_from(OFFICERS))
    def publish(self, period, officer):
        if not self._column(period) or self.published.get(period, False):
            with pytest.raises(quarters.PublishError):
                uploads.publish(self.path, period, officer)
            return
        uploads.publish(self.path, period, officer)
        self.log.append({"kind": "publish", "period": period, "status": "accepted"})
        self._replay_states()

    @rule(period=st.sampled_from(QUARTERS), officer=st.sampled_from(OFFICERS))
    def unpublish(self, period, officer):
        if not self._column(period) or not self.published.get(period, False):
            with pytest.raises(quarters.PublishError):
                uploads.unpublish(self.path, period, officer)
            return
        uploads.unpublish(self.path, period, officer)
        self.log.append({"kind": "unpublish", "period": period, "status": "accepted"})
        self._replay_states()

    @rule()
    def rebuild(self):
        rebuild.rebuild(self.path)

    def _replay_states(self):
        """A quarter's state: published if printed in the documents, then each standing publish or
        unpublish in turn."""
        self.published = {"2019/20 Q2": True}
        for entry in self.log:
            if entry["status"] == "accepted" and entry["kind"] in ("publish", "unpublish"):
                self.published[entry["period"]] = entry["kind"] == "publish"

    @invariant()
    def the_store_holds_what_the_model_says(self):
        assert figures(self.path) == self.figures
        with store.opened(self.path) as db:
            states = queries.quarter_states(db)
            history = db.execute("SELECT count(*) FROM observation_history").fetchone()[0]
            log = db.execute("SELECT kind, status FROM uploads ORDER BY upload_id").fetchall()
        for period in QUARTERS:
            if self._column(period):
                assert states[period].published == self.published.get(period, False), period
            else:
                assert period not in states, period
        assert history == sum(len(entry.get("changed", [])) for entry in self.log)
        assert log == [(entry["kind"], entry["status"]) for entry in self.log]


def test_random_sequences_of_uploads_rollbacks_publishing_and_rebuilds(db_file, tmp_path):
    QuarterLife.source = db_file
    QuarterLife.directory = tmp_path
    run_state_machine_as_test(QuarterLife, settings=settings(
        max_examples=60, stateful_step_count=12, deadline=None, suppress_health_check=list(HealthCheck)))
