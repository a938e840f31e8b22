"""Shared fixtures: one real database built from data/ for the whole run."""

from pathlib import Path

import pytest

from harrow_kpi import store


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
