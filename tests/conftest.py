"""Shared fixtures: one real database built from data/ for the whole run."""

import json
import os
import time
from pathlib import Path

import pytest

from harrow_kpi import store
from tests import helpers

# mutmut forks every mutant's session from one that has collected the tests: what that one warms
# up, thousands of sessions need not.
if "MUTANT_UNDER_TEST" in os.environ:
    helpers.warm_up_pandera()


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


# What each test costs run on its own, as a mutmut session runs it: its own time and the set-up of
# every fixture it uses, module- and session-wide ones too. mutmut orders a session's tests by the
# first alone, so a test whose module fixture builds a slide deck (a second) ran first and cheap
# tests that would have failed at once waited behind it. Measured in mutmut's statistics run.
COSTS = Path("harrow-test-costs.json")
_setups: dict[str, float] = {}
_costs: dict[str, float] = {}


def _collecting_stats() -> bool:
    return os.environ.get("MUTANT_UNDER_TEST") == "stats"


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    if not _collecting_stats():
        return (yield)
    started = time.perf_counter()
    try:
        return (yield)
    finally:
        took = time.perf_counter() - started
        _setups[fixturedef.argname] = max(_setups.get(fixturedef.argname, 0.0), took)


def pytest_runtest_makereport(item, call):
    if call.when == "call" and _collecting_stats():
        _costs[item.nodeid] = call.duration + sum(_setups.get(name, 0.0) for name in item.fixturenames)


def pytest_sessionfinish(session):
    if _collecting_stats() and _costs:
        COSTS.write_text(json.dumps(_costs))


# The tests that killed a mutant, one line each ("function<TAB>test"), appended by each mutant's
# session in mutmut's working folder. A function's mutants run one after another, and a test that
# killed one of them most often kills the next: it goes first.
KILLS = Path("harrow-test-kills.tsv")


def _mutated_function() -> str:
    return os.environ.get("MUTANT_UNDER_TEST", "").partition("__mutmut_")[0]


def _killers(function: str) -> dict[str, int]:
    """How often each test killed a mutant of ``function`` (and, counted apart, of its module)."""
    module = function.rpartition(".")[0]
    found: dict[str, int] = {}
    try:
        lines = KILLS.read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        killed, _, test = line.partition("\t")
        if killed == function:
            found[test] = found.get(test, 0) + 1000
        elif killed.rpartition(".")[0] == module:
            found[test] = found.get(test, 0) + 1
    return found


def pytest_collection_modifyitems(items):
    """Under mutmut, the tests that killed this function's mutants (then its module's) first, then the
    cheapest: a mutant is killed by its first failing test (`-x`)."""
    if helpers.mutant_under_test() is None:
        return
    try:
        costs = json.loads(COSTS.read_text())
    except (OSError, ValueError):
        costs = {}
    killers = _killers(_mutated_function())
    items.sort(key=lambda item: (-killers.get(item.nodeid, 0), costs.get(item.nodeid, 0.0)))


def pytest_runtest_logreport(report):
    if report.failed and helpers.mutant_under_test() is not None:
        with KILLS.open("a", encoding="utf-8") as kills:  # one short line: an atomic append
            kills.write(f"{_mutated_function()}\t{report.nodeid}\n")


@pytest.fixture()
def db(db_file):
    with store.opened(db_file) as database:
        yield database


@pytest.fixture()
def app_env(db_file, monkeypatch):
    """Point the app at the session's database, as HARROW_KPI_DB would in production."""
    monkeypatch.setenv("HARROW_KPI_DB", str(db_file))
    yield db_file
