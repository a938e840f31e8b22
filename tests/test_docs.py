"""The README keeps up with the code: every command, option and module is documented."""

import re

import pytest

from harrow_kpi.cli import cli
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
BUILT = README.split("## How it is built", 1)[1]


def options(command) -> list[str]:
    return [name for param in command.params for name in getattr(param, "opts", []) if name.startswith("--")]


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_is_in_the_readme_with_its_options(name):
    """Each command has a line `python -m harrow_kpi NAME ...` naming its options (--db is global)."""
    lines = [line for line in README.splitlines() if f"python -m harrow_kpi {name}" in line]
    assert lines, f"README has no `python -m harrow_kpi {name}` line"
    for option in options(cli.commands[name]):
        if option != "--db":
            assert any(option in line for line in lines), (name, option)


def test_the_global_database_option_is_documented():
    assert "--db PATH" in README and "HARROW_KPI_DB" in README


MODULES = sorted(path.relative_to(ROOT / "harrow_kpi").as_posix() for path in (ROOT / "harrow_kpi").rglob("*.py")
                 if path.relative_to(ROOT / "harrow_kpi").as_posix() not in ("__init__.py", "__main__.py"))


@pytest.mark.parametrize("module", MODULES)
def test_every_module_is_described_under_how_it_is_built(module):
    assert f"`{module}`" in BUILT, f"README 'How it is built' does not name `{module}`"


def test_the_readme_starts_with_exactly_two_setup_commands():
    blocks = re.findall(r"```bash\n(.*?)```", README.split("## ", 1)[0], re.S)
    assert len(blocks) == 2
    assert "pip install" in blocks[0] and "streamlit run app.py" in blocks[0]
    assert "pip install" in blocks[1] and blocks[1].strip().endswith("pytest")
