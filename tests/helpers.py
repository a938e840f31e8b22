"""Helpers shared by the tests: the command line in process, a private copy of data/."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

from click.testing import CliRunner

from harrow_kpi import dataset
from harrow_kpi.cli import cli


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


def copy_data(tmp_path):
    """A private copy of data/*.csv that a test may corrupt."""
    data = tmp_path / "data"
    shutil.copytree(dataset.DATA_DIR, data, ignore=shutil.ignore_patterns("*.db*", "parts", "*.md"))
    return data
