"""Rebuild the database from data/*.csv, then replay the officers' accepted uploads onto it.

The one way the app and the command line (re)build the store, so that a change to
the curated CSV files never loses a quarter an officer has loaded.
"""

from __future__ import annotations

import os
from pathlib import Path

from harrow_kpi import store, uploads


def rebuild(path: str | os.PathLike | None = None, folder: str | os.PathLike | None = None) -> dict[str, int]:
    """Build from data/ and replay the accepted uploads, all in one transaction; return row counts."""
    return store.build(path, folder, then=uploads.replay)


def ensure_current(path: str | os.PathLike | None = None, folder: str | os.PathLike | None = None) -> Path:
    """Rebuild when the database is missing or older than the CSV files; a reader node never builds
    (its database is the writer's, restored from a replica), it says what is missing instead."""
    if not store.is_current(path, folder):
        if store.read_only():
            raise store.StoreError(f"{store.db_path(path)} is missing or older than data/: this read-only node "
                                   "shows the writer's database once it is restored (docs/deploy.md)")
        rebuild(path, folder)
    return store.db_path(path)
