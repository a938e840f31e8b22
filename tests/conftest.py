"""Shared fixtures: one real database built from data/ for the whole run."""

import os
from pathlib import Path

import pytest

from harrow_kpi import store

ROOT = Path(__file__).resolve().parent.parent
# ../shared beside the repository (also found from a copy inside it, such as mutmut's mutants/).
SHARED = next((parent / "shared" for parent in ROOT.parents if (parent / "shared" / "seeds").is_dir()),
              ROOT.parent / "shared")
SEEDS = SHARED / "seeds"


@pytest.fixture(scope="session")
def db_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("store") / "harrow_kpi.db"
    store.build(path)
    return path


@pytest.fixture()
def db(db_file):
    with store.opened(db_file) as database:
        yield database


@pytest.fixture()
def app_env(db_file, monkeypatch):
    """Point the app at the session's database, as HARROW_KPI_DB would in production."""
    monkeypatch.setenv("HARROW_KPI_DB", str(db_file))
    yield db_file


def seed_lines(name: str) -> list[str]:
    path = SEEDS / name
    if not path.exists():
        if os.environ.get("CI"):
            raise FileNotFoundError(f"{path} is missing: CI must have ../shared/seeds beside the repository")
        pytest.skip(f"seed documents not found at {SEEDS}")
    return path.read_text(encoding="utf-8").split("\n")
