"""Helpers shared by the tests: where things are, the seed documents' lines, the command line
in process, a private copy of data/."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from harrow_kpi import dataset, geography
from harrow_kpi.cli import cli

ROOT = Path(__file__).resolve().parent.parent
# ../shared beside the repository (also found from a copy inside it, such as mutmut's mutants/).
SHARED = next((parent / "shared" for parent in ROOT.parents if (parent / "shared" / "seeds").is_dir()),
              ROOT.parent / "shared")
SEEDS = SHARED / "seeds"


def seed_lines(name: str) -> list[str]:
    """The lines of a seed document (line N is item N - 1); skipped outside CI if ../shared is absent."""
    path = SEEDS / name
    if not path.exists():
        if os.environ.get("CI"):
            raise FileNotFoundError(f"{path} is missing: CI must have ../shared/seeds beside the repository")
        pytest.skip(f"seed documents not found at {SEEDS}")
    return path.read_text(encoding="utf-8").split("\n")


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args, db=None, env_db=None, input=None) -> Ran:
    """``python -m harrow_kpi ARGS`` run in this process, as a shell would run it."""
    env = {"HARROW_KPI_DB": str(env_db)} if env_db else {}
    result = CliRunner().invoke(cli, [*(["--db", str(db)] if db else []), *map(str, args)], env=env, input=input,
                                catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


def private_store(db_file, tmp_path):
    """A writable copy of the session's database, as a fresh build would make it (SQLite's backup API,
    so a write-ahead log is copied too); much quicker than building one per test."""
    target = tmp_path / "kpi.db"
    with sqlite3.connect(db_file) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    source.close()
    copy.close()
    return target


def copy_data(tmp_path):
    """A private copy of data/*.csv that a test may corrupt."""
    data = tmp_path / "data"
    shutil.copytree(dataset.DATA_DIR, data, ignore=shutil.ignore_patterns("*.db*", "parts", "*.md"))
    return data


def geojson_from_schematic(wards, **overrides) -> dict:
    """A boundary file of our own: each ward's hexagon as a GeoJSON polygon."""
    features = [
        {"type": "Feature", "properties": {"WD13CD": w.ward_code, "WD13NM": w.name},
         "geometry": {"type": "Polygon", "coordinates": [geography.hex_ring(int(w.hex_q), int(w.hex_r))]}}
        for w in wards.itertuples()
    ]
    return {"type": "FeatureCollection", "features": features, **overrides}


def as_bytes(document) -> bytes:
    return json.dumps(document).encode()
