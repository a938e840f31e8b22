"""The SQLite store: every table of schema.py, built from the dataset in one transaction.

The CSV files in data/ are the source of truth; the database is a build artefact,
rebuilt whenever they change (see rebuild.py, which also replays the officers'
uploads). Connections are opened per call: Streamlit serves each session from its
own thread, and a sqlite3 connection belongs to one thread. The one exception is
data_version's watch on each file, which every page run asks through one lock.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from harrow_kpi import dataset
from harrow_kpi.schema import APP_TABLES, BUILD_ORDER, DERIVED, SCHEMA_VERSION, TABLES

DEFAULT_DB = dataset.DATA_DIR / "harrow_kpi.db"
PYTHON_TYPES = {"text": str, "int": int, "float": float}


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """--db PATH, else $HARROW_KPI_DB, else data/harrow_kpi.db."""
    return Path(explicit or os.environ.get("HARROW_KPI_DB") or DEFAULT_DB)


def connect(path: str | os.PathLike | None = None) -> sqlite_utils.Database:
    conn = sqlite3.connect(str(db_path(path)), timeout=30)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    return sqlite_utils.Database(conn)


@contextmanager
def opened(path: str | os.PathLike | None = None):
    db = connect(path)
    try:
        yield db
    finally:
        db.close()


class StoreError(Exception):
    """A write the store could not make, in one plain line; nothing was changed."""


class Busy(StoreError):
    pass


# How long a writer waits for another writer before it is refused (seconds).
WRITE_WAIT = float(os.environ.get("HARROW_KPI_WRITE_WAIT", "120"))
WAITING = "Another upload is being committed; yours will start when it finishes."


def plain_error(error: sqlite3.Error) -> StoreError:
    """SQLite's refusals in an officer's words."""
    text = str(error).lower()
    if "readonly" in text or "read-only" in text:
        return StoreError("The database is read-only here; nothing was changed. Ask the administrator to "
                          "make it writable.")
    if "disk is full" in text or "disk i/o" in text:
        return StoreError("The disk holding the database is full or failing; nothing was changed.")
    if "locked" in text or "busy" in text:
        return Busy(f"The database stayed busy with another write for {WRITE_WAIT:.0f} s; nothing was "
                    "changed. Try again in a few minutes.")
    return StoreError(f"The database refused the write ({error}); nothing was changed.")


@contextmanager
def writing(db: sqlite_utils.Database, wait: float | None = None, on_wait: Callable[[str], None] | None = None,
            bump: bool = True):
    """One short write transaction: wait in turn for another writer (saying so once through
    ``on_wait``), refuse plainly after ``wait`` seconds, bump the data version on success
    (unless ``bump`` is false: a sign-in attempt changes no figure, so no cached page is dropped)."""
    if bump and read_only():
        raise StoreError(READ_ONLY_NODE)
    wait = WRITE_WAIT if wait is None else wait
    deadline = time.monotonic() + wait
    db.execute("PRAGMA busy_timeout = 200")
    told = False
    try:
        while True:
            try:
                db.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error):
                    raise plain_error(error) from error
                if time.monotonic() >= deadline:
                    raise plain_error(error) from error
                if on_wait is not None and not told:
                    on_wait(WAITING)
                    told = True
                time.sleep(0.2)
        try:
            yield db
            if bump:
                bump_version(db)
            db.execute("COMMIT")
        except BaseException as error:
            if db.conn.in_transaction:  # SQLite ends the transaction itself on a full disk
                db.execute("ROLLBACK")
            if isinstance(error, sqlite3.OperationalError | sqlite3.DatabaseError) \
                    and not isinstance(error, sqlite3.IntegrityError):
                raise plain_error(error) from error
            raise
    finally:
        db.execute("PRAGMA busy_timeout = 30000")


def bump_version(db: sqlite_utils.Database) -> None:
    """Every write moves the data version on, so every cached page reads afresh."""
    db.execute(
        "INSERT INTO meta (key, value) VALUES ('data_version', '1') "
        "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
    )


def _version(db: sqlite_utils.Database) -> int:
    if "meta" not in db.table_names():
        return 0
    row = db.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
    return int(row[0]) if row else 0


def data_version(path: str | os.PathLike | None = None) -> int:
    """The data version: the same number means the same figures, in every process.

    Every page run asks, so a reader keeps one connection per database file and reads the
    version again only when SQLite says another connection has committed since it last looked
    (``PRAGMA data_version``, a look at the write-ahead log's header) or the file was replaced
    (a rebuild, a restore from the replica). Opening a connection and listing the tables each
    time cost a page run more than the rest of its loaders together (docs/performance.md)."""
    name = str(db_path(path))
    try:
        status = os.stat(name)
    except OSError:
        return 0
    inode = (status.st_dev, status.st_ino)
    with _WATCH_LOCK:
        watch = _WATCHED.pop(name, None)
        try:
            if watch is None or watch["inode"] != inode:
                if watch is not None:
                    watch["connection"].close()
                watch = dict(connection=sqlite3.connect(name, timeout=30, check_same_thread=False),
                             inode=inode, changes=None, version=0)
            changes = watch["connection"].execute("PRAGMA data_version").fetchone()[0]
            if changes != watch["changes"]:
                watch.update(changes=changes, version=_stored_version(watch["connection"]))
        except sqlite3.Error:
            if watch is not None:
                watch["connection"].close()
            return 0
        _WATCHED[name] = watch  # the most recently asked last, so the oldest is the one let go
        while len(_WATCHED) > WATCHED_FILES:
            _WATCHED.pop(next(iter(_WATCHED)))["connection"].close()
        return watch["version"]


# The database files data_version keeps a connection to (a server has one; a test run has many).
WATCHED_FILES = 8
_WATCHED: dict[str, dict] = {}
_WATCH_LOCK = threading.Lock()


def _stored_version(connection: sqlite3.Connection) -> int:
    try:
        row = connection.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
    except sqlite3.OperationalError:  # no meta table: a database from before versions, or not ours
        return 0
    return int(row[0]) if row else 0


def _column_types(name: str) -> dict:
    spec = TABLES[name]
    columns = {spec["pk"]: int} if spec["pk"] not in spec["columns"] else {}
    columns.update({c: PYTHON_TYPES[k] for c, k in spec["columns"].items()})
    columns.setdefault("source", str)
    columns.update({c: PYTHON_TYPES[k] for c, k in DERIVED.get(name, {}).items()})
    return columns


def ensure_app_tables(db: sqlite_utils.Database) -> None:
    """Create the tables the app writes (uploads, history, boundaries, meta) if missing."""
    for name, spec in APP_TABLES.items():
        if name in db.table_names():
            # A database from before a column was added gains it, empty.
            have = db[name].columns_dict
            for column, kind in spec["columns"].items():
                if column not in have:
                    db[name].add_column(column, PYTHON_TYPES[kind], not_null_default=spec["defaults"].get(column))
        else:
            db[name].create({c: PYTHON_TYPES[k] for c, k in spec["columns"].items()}, pk=spec["pk"],
                            not_null=spec["not_null"], defaults=spec["defaults"])
        for columns in spec["indexes"]:
            db[name].create_index(columns, if_not_exists=True)


def build(path: str | os.PathLike | None = None, folder: str | os.PathLike | None = None,
          then: Callable[[sqlite_utils.Database], None] | None = None) -> dict[str, int]:
    """Rebuild the CSV-built tables from data/*.csv in one transaction; return row counts.

    The tables the app writes are kept. ``then`` runs inside the same transaction,
    after the tables are filled: rebuild.py replays the accepted uploads there.
    """
    tables = dataset.load(folder)
    target = db_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    db = connect(target)
    try:
        try:
            db.enable_wal()
        except sqlite3.Error as error:
            raise plain_error(error) from error
        with writing(db):
            version = _version(db)
            for name in ["meta", *reversed(BUILD_ORDER)]:
                if name in db.table_names():
                    db[name].drop()
            for name in BUILD_ORDER:
                spec = TABLES[name]
                db[name].create(
                    _column_types(name),
                    pk=spec["pk"],
                    foreign_keys=spec["foreign_keys"],
                    not_null=spec["required"],
                )
                if tables[name]:
                    db[name].insert_all(tables[name], batch_size=500)
            _index(db)
            ensure_app_tables(db)
            if then is not None:
                then(db)
            db["meta"].insert_all(
                [
                    {"key": "fingerprint", "value": dataset.fingerprint(folder)},
                    {"key": "schema_version", "value": SCHEMA_VERSION},
                    {"key": "data_version", "value": str(version)},
                ],
            )
        return {name: db[name].count for name in BUILD_ORDER}
    finally:
        db.close()


def _index(db: sqlite_utils.Database) -> None:
    db.execute(
        "CREATE UNIQUE INDEX idx_observations_key "
        "ON observations(indicator_id, period, ifnull(ward_code, ''))"
    )
    db["observations"].create_index(["period_order"])
    db["observations"].create_index(["plan_id"])
    db["indicators"].create_index(["priority"])
    db["themes"].create_index(["plan_id"])
    db["commitments"].create_index(["plan_id"])
    db["actions"].create_index(["theme_id"])


READ_ONLY_NODE = ("This copy of the explorer is read-only ($HARROW_KPI_READ_ONLY=1): it follows the writer's "
                  "database, so quarters are loaded and published on the writer. Nothing was changed.")


def read_only() -> bool:
    """A reader node ($HARROW_KPI_READ_ONLY=1) follows a writer's database (docs/deploy.md): it never
    builds, uploads or publishes."""
    return os.environ.get("HARROW_KPI_READ_ONLY", "") == "1"


def is_current(path: str | os.PathLike | None = None, folder: str | os.PathLike | None = None) -> bool:
    """Whether the database exists and was built from the CSV files as they are now."""
    target = db_path(path)
    if not target.exists():
        return False
    try:
        with opened(target) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
    except sqlite3.DatabaseError:
        return False
    return bool(row) and row[0] == dataset.fingerprint(folder)


def save_boundaries(path, geometries: dict[str, dict], filename: str, sha256: str, user: str) -> int:
    """Store checked ward polygons (ward code -> GeoJSON geometry), replacing any before."""
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    db = connect(path)
    try:
        with writing(db):
            ensure_app_tables(db)
            db.execute("DELETE FROM ward_boundaries")
            db["ward_boundaries"].insert_all(
                {"ward_code": code, "geometry": json.dumps(geometry), "filename": filename, "sha256": sha256,
                 "imported_at": stamp, "imported_by": user}
                for code, geometry in sorted(geometries.items())
            )
    finally:
        db.close()
    return len(geometries)


SIGN_IN_KEYS = ("officer_key", "client")


def password_attempts(db: sqlite_utils.Database, key: str, value: str, since: str) -> list[tuple[str, str]]:
    """(outcome, at) of the password sign-ins of one officer name or client since ``since``, newest
    first: what the throttle counts (locked attempts are left out, so waiting does not lengthen it)."""
    if key not in SIGN_IN_KEYS:
        raise ValueError(f"not a sign-in key: {key}")
    if "sign_in_attempts" not in db.table_names():
        return []
    return db.execute(
        f"SELECT outcome, at FROM sign_in_attempts WHERE method = 'password' AND {key} = ? AND at >= ? "
        "AND outcome IN ('accepted', 'refused', 'malformed') ORDER BY at DESC, attempt_id DESC",
        [value, since],
    ).fetchall()


def sign_in_attempts(db: sqlite_utils.Database) -> list[dict]:
    """Every sign-in attempt, newest first: the sign-in audit."""
    if "sign_in_attempts" not in db.table_names():
        return []
    return list(db.query("SELECT at, method, officer, client, outcome, wait_seconds, reason FROM sign_in_attempts "
                         "ORDER BY at DESC, attempt_id DESC"))
