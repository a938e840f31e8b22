"""A reader node's copy of the writer's database, kept up to date from a Litestream replica.

    python -m deploy.follow --replica file:///var/lib/harrow/replica --db /srv/harrow/reader.db

The writer runs ``litestream replicate`` (docs/deploy.md), which ships every committed transaction
of its database to the replica within a second. This restores the replica into a new file every
``--every`` seconds and, when its data version has moved on, swaps it in with one rename: a page
run already reading keeps the old file, the next one opens the new. The copy is switched out of
WAL mode before the swap, so no write-ahead log of an older copy can ever be read beside it. The
app on the reader runs with HARROW_KPI_READ_ONLY=1 and HARROW_KPI_DB pointing at ``--db``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

from harrow_kpi import store

LITESTREAM = shutil.which("litestream") or "litestream"


def restore(replica: str, target: Path) -> None:
    """The replica's latest state into ``target`` (which must not exist), in rollback-journal mode."""
    subprocess.run([LITESTREAM, "restore", "-o", str(target), replica], check=True, capture_output=True,
                   timeout=120)
    with sqlite3.connect(target) as db:
        db.execute("PRAGMA journal_mode = DELETE")
    db.close()


def follow_once(replica: str, path: str | os.PathLike) -> bool:
    """Bring ``path`` up to the replica; return whether it changed."""
    path = Path(path)
    fresh = path.with_name(f".{path.name}.restoring")
    fresh.unlink(missing_ok=True)
    restore(replica, fresh)
    if path.exists() and store.data_version(fresh) == store.data_version(path):
        fresh.unlink()
        return False
    os.replace(fresh, path)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replica", required=True, help="the Litestream replica URL (file://, s3://, …)")
    parser.add_argument("--db", required=True, help="the reader's database file (its HARROW_KPI_DB)")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between restores (default 5)")
    args = parser.parse_args()
    while True:
        try:
            if follow_once(args.replica, args.db):
                print(f"{time.strftime('%H:%M:%S')} data version {store.data_version(args.db)}", flush=True)
        except (subprocess.SubprocessError, sqlite3.Error, OSError) as error:
            print(f"{time.strftime('%H:%M:%S')} restore failed, the copy is unchanged: {error}", flush=True)
        time.sleep(args.every)


if __name__ == "__main__":
    main()
