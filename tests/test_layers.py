"""The layers hold: pages -> harrow_kpi.ui -> the domain; SQL only in the store's modules.

`lint-imports` (import-linter, run by .ci/run) checks the contracts in pyproject.toml;
these tests keep those contracts complete as modules are added.
"""

import ast
import re
import tomllib

from tests.helpers import ROOT

PACKAGE = ROOT / "harrow_kpi"
DOMAIN = sorted(f"harrow_kpi.{path.stem}" for path in PACKAGE.glob("*.py") if not path.stem.startswith("__"))
SQL = re.compile(r"\b(SELECT|INSERT INTO|DELETE FROM|UPDATE \w+ SET|CREATE (TABLE|INDEX))\b")
STORE_MODULES = {"store.py", "queries.py", "uploads.py", "opendata.py"}


def contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def imports(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_every_domain_module_is_held_to_the_no_streamlit_contract():
    contract = next(c for c in contracts() if c["name"] == "The domain never imports the Streamlit layer")
    assert sorted(contract["source_modules"]) == DOMAIN
    assert {"harrow_kpi.ui", "streamlit"} <= set(contract["forbidden_modules"])


PAGE_FILES = sorted(path for path in (ROOT / "pages").glob("*.py") if path.name != "__init__.py")


def test_pages_and_the_entry_point_use_only_the_ui_layer():
    for path in [ROOT / "app.py", *PAGE_FILES]:
        ours = {name for name in imports(path) if name.startswith("harrow_kpi")}
        assert ours, path.name
        assert all(name.startswith(("harrow_kpi.ui", "harrow_kpi.ui.")) for name in ours), (path.name, ours)


def test_pages_are_thin():
    for path in PAGE_FILES:
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 7, path.name  # docstring, leave, import, call


def test_sql_lives_only_in_the_store_modules():
    holders = {path.name for path in PACKAGE.rglob("*.py") if SQL.search(path.read_text(encoding="utf-8"))}
    assert holders == STORE_MODULES


def test_no_two_modules_share_a_name():
    names = [path.stem for path in PACKAGE.rglob("*.py") if path.stem != "__init__"]
    assert len(names) == len(set(names)), sorted(names)


def test_pages_folder_imports_nothing_of_ours():
    """pages/__init__.py runs before anything else on a server's first request: Streamlit and the
    standard library only, so that it answers within milliseconds."""
    assert {name.split(".")[0] for name in imports(ROOT / "pages" / "__init__.py")} == {"streamlit", "runpy", "pathlib"}


def test_every_page_starts_by_leaving_streamlits_legacy_run_and_is_named_as_its_url():
    app = (ROOT / "app.py").read_text(encoding="utf-8")
    for path in [ROOT / "app.py", *PAGE_FILES]:
        code = [line for line in path.read_text(encoding="utf-8").splitlines()[1:] if line and not line.startswith("#")]
        assert code[:2] == ["from pages import leave_legacy_run",
                            "leave_legacy_run(__file__, default=True)" if path.name == "app.py"
                            else "leave_legacy_run(__file__)"], path.name
        if path.name not in {"overview.py"}:
            assert f'url_path="{path.stem}"' in app or "{slug}" in app, path.name
