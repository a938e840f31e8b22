"""Helpers shared by the tests: where things are, the seed documents' lines, the command line
in process, a private copy of data/."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from harrow_kpi import dataset, geography, store
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


def copy_database(source_path, target) -> None:
    """SQLite's backup API, so a write-ahead log is copied too."""
    with sqlite3.connect(source_path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    source.close()
    copy.close()


def private_store(db_file, tmp_path):
    """A writable copy of the session's database, as a fresh build would make it; much quicker than
    building one per test."""
    target = tmp_path / "kpi.db"
    copy_database(db_file, target)
    return target


# The mutated modules whose code `store.build` runs (tests/test_store.py checks the list). A mutant
# anywhere else leaves the built database as it is, so its test session copies one built without a
# mutant instead of building again: a fifth of a second per mutant, minutes over a mutation run.
BUILT_BY = {"dataset", "figures", "periods", "rag"}


def mutant_under_test() -> str | None:
    """The module of the mutant this mutmut session runs (``harrow_kpi.rag.x_band__mutmut_3``), or None."""
    name = os.environ.get("MUTANT_UNDER_TEST", "")
    return name.split(".")[1] if "__mutmut_" in name else None


def warm_up_pandera() -> None:
    """Pandera registers its pandas back-ends on the first validation of a process (0.05 s, an import
    of its strategies): one tiny validation of no code of ours, done before mutmut forks its sessions."""
    import pandas as pd
    import pandera.pandas as pa

    schema = pa.DataFrameSchema({"a": pa.Column(str, pa.Check.isin(["x"]), nullable=True)})
    schema.validate(pd.DataFrame({"a": ["x"]}), lazy=True)


def mutant_changes_the_build() -> bool:
    module = mutant_under_test()
    return module is None or module in BUILT_BY


def pristine_database() -> Path:
    """A database built once, without a mutant, for every mutmut session whose mutant is outside the
    build; keyed on the code and data, in mutmut's working folder (mutants/)."""
    digest = hashlib.sha256(dataset.fingerprint().encode())
    for source in sorted(Path("harrow_kpi").glob("*.py")):
        digest.update(source.read_bytes())
    path = Path(f"pristine-{digest.hexdigest()[:16]}.db")
    if not path.exists():
        building = Path(f"{path}.{os.getpid()}")
        store.build(building)
        copy_database(building, f"{building}.copy")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{building}{suffix}").unlink(missing_ok=True)
        os.replace(f"{building}.copy", path)
    return path


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


def without_sign_ins(path):
    """A private store with no sign-in attempts: the session's database may hold some (a page test
    signs in there), and the sign-in throttle and audit tests count them."""
    with sqlite3.connect(path) as db:
        if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'sign_in_attempts'").fetchone():
            db.execute("DELETE FROM sign_in_attempts")
    db.close()
    return path
