"""The command line contract in DESIGN.md: build, export observations, export indicators, import-quarter."""

import csv
import io
import subprocess
import sys

from harrow_kpi import auth
from tests.helpers import ROOT
from tests.helpers import run_cli as run

OBSERVATION_COLUMNS = (
    "indicator_id,indicator_name,priority,period,ward_code,target,actual,"
    "rag_reported,rag_computed,status_note,source"
).split(",")


def test_build_reports_row_counts(tmp_path):
    result = run("build", db=tmp_path / "kpi.db")
    assert result.returncode == 0, result.stderr
    assert "observations:" in result.stdout
    assert (tmp_path / "kpi.db").exists()


def test_the_database_path_can_come_from_the_environment(tmp_path):
    result = run("build", env_db=tmp_path / "env.db")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "env.db").exists()


def test_export_observations_has_the_contract_columns_and_formats(db_file):
    result = run("export", "observations", db=db_file)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert set(OBSERVATION_COLUMNS) <= set(rows[0])
    council_tax = {
        r["period"]: r for r in rows if r["indicator_id"] == "council-tax-collected" and not r["ward_code"]
    }
    assert council_tax["2018/19 Q2"]["actual"] == "56.2"  # a percentage on the 0-100 scale
    assert council_tax["2019/20 Q2"]["target"] == "57"
    assert council_tax["2019/20 Q2"]["rag_reported"] == "A"
    assert council_tax["2019/20 Q2"]["rag_computed"] == "A"
    assert council_tax["2019/20 Q2"]["priority"] == "Build a Better Harrow"
    assert "001_efe026106ea22757.txt line 117" in council_tax["2019/20 Q2"]["source"]
    periods = {r["period"] for r in rows}
    assert {"2018/19 Q2", "2019/20 Q1", "2019/20 Q2"} <= periods
    assert all(p[:4].isdigit() and p[4] == "/" for p in periods)
    equality = [r for r in rows if r["indicator_id"] == "adult-social-care-equality-of-service"]
    assert {"0.9-1.1"} == {r["target"] for r in equality if r["period"] == "2019/20 Q2"}
    plans = {"bvpp-2004", "priorities-2011", "equality-2016", "hap-2020", "scorecard-2019"}
    assert {r["plan_id"] for r in rows} == plans


def test_export_indicators_has_the_contract_columns(db_file):
    result = run("export", "indicators", db=db_file)
    assert result.returncode == 0, result.stderr
    reader = csv.DictReader(io.StringIO(result.stdout))
    assert reader.fieldnames == ["indicator_id", "name", "priority", "polarity", "unit", "headline"]
    rows = {r["indicator_id"]: r for r in reader}
    assert len(rows) >= 114
    assert rows["sickness-absence"]["polarity"] == "lower"
    assert rows["sickness-absence"]["headline"] == "1"
    assert rows["council-tax-collected"]["headline"] == "0"


def test_export_builds_the_database_when_missing(tmp_path):
    result = run("export", "indicators", db=tmp_path / "fresh.db")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("indicator_id,name,priority,polarity,unit,headline")


def test_unknown_commands_fail():
    assert run("frobnicate").returncode != 0
    assert run("export", "wards").returncode != 0


def test_import_quarter_follows_the_contract(tmp_path):
    path = tmp_path / "kpi.db"
    assert run("build", db=path).returncode == 0
    good = tmp_path / "q3.csv"
    good.write_bytes("\ufeffindicator_id,period,actual,target,rag\n"
                     "council-tax-collected,2019/20 Q3,84.1%,85%,A\nbook-issues,2019/20 Q3,\"301,200\",300000,\n"
                     .encode())
    bad = tmp_path / "bad.csv"
    bad.write_text("indicator_id,period,actual\nno-such,2019/20 Q3,5\nbook-issues,2019/20 Q9,x\n", encoding="utf-8")
    before = run("export", "observations", db=path).stdout

    dry = run("import-quarter", str(good), "--dry-run", db=path)
    assert dry.returncode == 0 and "new: council-tax-collected 2019/20 Q3" in dry.stdout
    assert run("export", "observations", db=path).stdout == before

    refused = run("import-quarter", str(bad), db=path)
    assert refused.returncode != 0
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 3
    assert "row 2, column indicator_id" in lines[0] and "row 3, column period" in lines[1]
    assert "row 3, column actual" in lines[2]
    assert run("export", "observations", db=path).stdout == before

    loaded = run("import-quarter", str(good), db=path)
    assert loaded.returncode == 0 and "added 2, changed 0" in loaded.stdout
    after = run("export", "observations", db=path).stdout
    assert "council-tax-collected,Percentage of Council Tax collected (cumulative),Build a Better Harrow," \
           "2019/20 Q3,,85,84.1,A,A" in after

    listing = run("uploads", db=path)
    assert listing.returncode == 0 and "accepted" in listing.stdout and "rejected" in listing.stdout
    undone = run("rollback", "2", db=path)
    assert undone.returncode == 0, undone.stderr
    assert run("export", "observations", db=path).stdout == before


def test_template_and_hash_password(tmp_path):
    path = tmp_path / "kpi.db"
    template = run("template", "--period", "2019/20 Q3", db=path)
    assert template.returncode == 0
    assert template.stdout.splitlines()[0].startswith("indicator_id,period,actual,target,rag,status_note,commentary")
    hashed = run("hash-password", input="a long passphrase\na long passphrase\n")
    assert hashed.returncode == 0 and auth.verify_password("a long passphrase", hashed.stdout.strip())
    assert hashed.stdout.count("\n") == 1  # the hash alone on stdout, for a script to take
    assert "in single quotes" in hashed.stderr and f"HARROW_KPI_OFFICERS='NAME={hashed.stdout.strip()}'" \
        in hashed.stderr


def test_hash_password_never_builds_a_database(tmp_path):
    path = tmp_path / "never.db"
    assert run("hash-password", db=path, input="a long passphrase\na long passphrase\n").returncode == 0
    assert not path.exists()
    short = run("hash-password", input="short\nshort\n")
    assert short.returncode == 1 and "at least 12 characters" in short.stderr


def test_hash_password_asks_twice_and_refuses_two_different_passwords():
    differ = run("hash-password", input="a long passphrase\na long passphrasf\n")
    assert differ.returncode == 1 and differ.stdout == ""
    assert "The two passwords differ; no hash was made" in differ.stderr
    once = run("hash-password", input="a long passphrase\n")
    assert once.returncode == 1 and "differ" in once.stderr


def test_sign_ins_lists_the_audit_newest_first_and_formula_safe(db_file, tmp_path):
    from tests.helpers import private_store, without_sign_ins

    none = tmp_path / "none.db"
    assert run("sign-ins", db=none).stdout.startswith("at,method") and not none.exists()
    path = without_sign_ins(private_store(db_file, tmp_path))
    empty = run("sign-ins", db=path)
    assert empty.returncode == 0 and empty.stdout == "at,method,officer,client,outcome,wait_seconds,reason\n"
    stored = auth.hash_password("a long passphrase", iterations=1000)
    auth.attempt(path, "=cmd|'/c calc'!A1", "guess", "10.0.0.9", {"jsmith": stored})
    auth.attempt(path, "jsmith", "a long passphrase", None, {"jsmith": stored})
    lines = run("sign-ins", db=path).stdout.splitlines()
    assert len(lines) == 3
    assert lines[1].split(",")[1:6] == ["password", "jsmith", "local", "accepted", "0.0"]
    assert ",password,'=cmd|'/c calc'!A1,10.0.0.9,refused,0.0,wrong name or password" in lines[2]


def test_hash_password_prompts_twice_at_a_terminal(monkeypatch):
    from harrow_kpi import cli as cli_module

    prompts = []
    answers = iter(["a long passphrase", "a long passphrase"])
    monkeypatch.setattr(cli_module.getpass, "getpass", lambda prompt: prompts.append(prompt) or next(answers))
    monkeypatch.setattr(cli_module, "_at_terminal", lambda: True)
    result = run("hash-password")
    assert result.returncode == 0, result.stderr
    assert prompts == ["Officer password: ", "The same password again: "]
    assert auth.verify_password("a long passphrase", result.stdout.strip())


def test_the_database_option_also_follows_the_command(tmp_path):
    result = run("build", "--db", tmp_path / "after.db")
    assert result.returncode == 0 and (tmp_path / "after.db").exists()


def test_an_impossible_upload_number_is_refused_not_a_traceback(db_file):
    result = run("rollback", str(2**70), db=db_file)
    assert result.returncode == 2 and "2**63" not in result.stderr and "Invalid value" in result.stderr


def test_a_closed_pipe_ends_quietly(db_file):
    """`python -m harrow_kpi export observations | head -1`: no BrokenPipeError traceback."""
    command = f"{sys.executable} -m harrow_kpi --db {db_file} export observations | head -1"
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.stdout.startswith("indicator_id,")
    assert result.stderr == "" and result.returncode == 0


def test_the_audit_log_export_is_formula_safe(db_file, tmp_path):
    from tests.helpers import private_store

    path = private_store(db_file, tmp_path)
    hostile = tmp_path / "=HYPERLINK(x).csv"
    hostile.write_text("indicator_id,period,actual\nbook-issues,2019/20 Q3,5\n", encoding="utf-8")
    assert run("import-quarter", str(hostile), "--user", "@officer", db=path).returncode == 0
    listing = list(csv.DictReader(io.StringIO(run("uploads", db=path).stdout)))
    assert (listing[0]["filename"], listing[0]["user"]) == ("'=HYPERLINK(x).csv", "'@officer")


def test_a_read_only_node_refuses_every_write_and_still_exports(db_file, tmp_path, monkeypatch):
    from tests.helpers import private_store

    path = private_store(db_file, tmp_path)
    good = tmp_path / "q3.csv"
    good.write_text("indicator_id,period,actual\nbook-issues,2019/20 Q3,301200\n", encoding="utf-8")
    before = run("export", "observations", db=path).stdout
    monkeypatch.setenv("HARROW_KPI_READ_ONLY", "1")
    for command in (["import-quarter", str(good)], ["publish", "2019/20 Q2", "--user", "jsmith"],
                    ["unpublish", "2019/20 Q2", "--user", "jsmith"], ["rollback", "1", "--user", "jsmith"],
                    ["build"]):
        refused = run(*command, db=path)
        assert refused.returncode != 0, command
        assert "read-only ($HARROW_KPI_READ_ONLY=1)" in refused.stderr and "Nothing was changed" in refused.stderr, \
            (command, refused.stderr)
    assert run("export", "observations", db=path).stdout == before  # reading goes on
    assert run("import-quarter", str(good), "--dry-run", db=path).returncode == 0  # a check writes nothing
