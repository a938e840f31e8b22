"""Shared fixtures: one real database built from data/ for the whole run."""

import json
from pathlib import Path

import pytest

from harrow_kpi import store
from tests import helpers


@pytest.fixture(scope="session")
def db_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("store") / "harrow_kpi.db"
    if helpers.mutant_changes_the_build():
        store.build(path)
    else:
        helpers.copy_database(helpers.pristine_database(), path)
    return path


def pytest_collection_modifyitems(items):
    """Under mutmut, the quickest tests first: a mutant is killed by its first failing test (`-x`)."""
    if helpers.mutant_under_test() is None:
        return
    try:
        durations = json.loads(Path("mutmut-stats.json").read_text())["duration_by_test"]
    except (OSError, ValueError, KeyError):
        return
    items.sort(key=lambda item: durations.get(item.nodeid, 0.0))


@pytest.fixture()
def db(db_file):
    with store.opened(db_file) as database:
        yield database


@pytest.fixture()
def app_env(db_file, monkeypatch):
    """Point the app at the session's database, as HARROW_KPI_DB would in production."""
    monkeypatch.setenv("HARROW_KPI_DB", str(db_file))
    yield db_file
