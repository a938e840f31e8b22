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


def _asked_for(config) -> dict[str, set[str]]:
    """The test functions a mutmut session names, by module: ``tests/test_x.py::test_y[param]``."""
    if not hasattr(config, "_harrow_asked_for"):
        asked: dict[str, set[str] | None] = {}
        for arg in config.args:
            module, _, rest = str(arg).partition("::")
            if not rest or "::" in rest:
                asked[module] = None  # a whole file, or a test in a class: collect it all
            elif asked.get(module, set()) is not None:
                asked.setdefault(module, set()).add(rest.split("[", 1)[0])
        config._harrow_asked_for = asked
    return config._harrow_asked_for


def pytest_pycollect_makeitem(collector, name, obj):
    """Under mutmut, collect only the test functions the session names. Each mutant is a fresh
    pytest session over the tests that cover its function; building every other test of those
    modules (and each parametrized case) was most of a session's start-up."""
    if helpers.mutant_under_test() is None or not name.startswith("test_") or not callable(obj):
        return None
    names = _asked_for(collector.config).get(collector.nodeid.split("::", 1)[0])
    return [] if names is not None and name not in names else None


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
