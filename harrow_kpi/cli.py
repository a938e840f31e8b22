"""Command line: ``python -m harrow_kpi COMMAND``; one function per command, mirroring the library.

The database path comes from --db (before or after the command), else $HARROW_KPI_DB,
else data/harrow_kpi.db.
"""

from __future__ import annotations

import functools
import getpass
import hmac
import os
import sqlite3
import sys
from pathlib import Path

import click

from harrow_kpi import (
    auth,
    checks,
    dataset,
    exports,
    geography,
    ingest,
    ledger,
    periods,
    quarters,
    queries,
    rebuild,
    scorecards,
    store,
    uploads,
)

DB_HELP = "SQLite database path (default: $HARROW_KPI_DB or data/harrow_kpi.db)"


@click.group(help=__doc__.split("\n")[0])
@click.option("--db", "db", metavar="PATH", help=DB_HELP)
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    ctx.obj = {"db": db}


def _with_db(ready: bool = True):
    """A command's --db option; with ``ready``, the database is built or refreshed first."""

    def decorate(command):
        @click.option("--db", "db", metavar="PATH", help=DB_HELP)
        @click.pass_context
        @functools.wraps(command)
        def wrapper(ctx: click.Context, db: str | None, **kwargs):
            path = store.db_path(db or (ctx.obj or {}).get("db"))
            try:
                if ready:
                    rebuild.ensure_current(path)
                return command(path, **kwargs)
            except dataset.DataError as error:
                _fail(error.problems)
            except (store.StoreError, quarters.PublishError, uploads.RollbackError) as error:
                _fail([str(error)])
            except sqlite3.Error as error:
                _fail([str(store.plain_error(error))])

        return wrapper

    return decorate


def _fail(lines, code: int = 1):
    for line in lines:
        click.echo(line, err=True)
    sys.exit(code)


def _csv(frame) -> None:
    click.echo(frame.to_csv(index=False, lineterminator="\n"), nl=False)


@cli.command(help="(Re)build the database from data/*.csv, replaying accepted uploads.")
@_with_db(ready=False)
def build(path: Path) -> None:
    counts = rebuild.rebuild(path)
    click.echo(f"Built {path}")
    for table, count in counts.items():
        click.echo(f"  {table}: {count} rows")


@cli.command(help="Write a table as CSV on stdout: observations (every figure with its source) or indicators.")
@click.argument("table", type=click.Choice(["observations", "indicators"]))
@_with_db()
def export(path: Path, table: str) -> None:
    with store.opened(path) as db:
        frame = queries.export_observations(db) if table == "observations" else queries.export_indicators(db)
    _csv(frame)


@cli.command("rag-check", help="The reported RAG against Harrow's rule, as Markdown.")
@_with_db()
def rag_check(path: Path) -> None:
    with store.opened(path) as db:
        click.echo(checks.agreement_markdown(db))


@cli.command("import-boundaries", help="Check and store official ward boundaries (GeoJSON, WGS84).")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--user", help="who is loading them (default: the login name)")
@_with_db()
def import_boundaries(path: Path, file: str, user: str | None) -> None:
    data = _read(file)
    try:
        count = geography.import_boundaries(path, data, Path(file).name, user or getpass.getuser())
    except geography.BoundaryError as error:
        _fail(f"{file}: {problem}" for problem in error.problems)
    click.echo(f"Imported boundaries of {count} wards from {file}; the map now draws them.")


def _read(file: str) -> bytes:
    try:
        return Path(file).read_bytes()
    except OSError as error:
        _fail([f"{file}: {error.strerror}"])


def _refuse_if_bad(path: Path, file: str, checked: ingest.Checked, user: str, dry_run: bool, kind: str) -> None:
    """A file with problems: one line each, exit 1; logged in the audit log unless a dry run."""
    if not checked.ok:
        if not dry_run:
            uploads.reject(path, checked, user, kind=kind)
        _fail(f"{file}: {problem}" for problem in checked.problems)


@cli.command("import-quarter", help="Check and load a quarter CSV or .xlsx (exit 1, changing nothing, if invalid).")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="check and preview only; write nothing")
@click.option("--user", help="who is loading it (default: the login name)")
@_with_db()
def import_quarter(path: Path, file: str, dry_run: bool, user: str | None) -> None:
    user = user or getpass.getuser()
    data = _read(file)
    with store.opened(path) as db:
        context = uploads.context(db)
    checked = ingest.check(data, Path(file).name, context)
    _refuse_if_bad(path, file, checked, user, dry_run, "quarter")
    with store.opened(path) as db:
        preview = uploads.preview(db, checked.rows)
    for row in preview.to_dict("records"):
        where = f" ward {row['ward_code']}" if row["ward_code"] else ""
        detail = f" ({row['changes']})" if row["changes"] else ""
        flag = f"; reported {row['rag_reported']}, rule {row['rag_computed']}" if row["rag_differs"] else ""
        click.echo(f"{row['outcome']}: {row['indicator_id']} {row['period']}{where} actual {row['actual']}"
                   f"{detail}{flag}")
    if dry_run:
        counts = preview["outcome"].value_counts()
        click.echo(f"Dry run: would add {counts.get('new', 0)}, change {counts.get('changed', 0)}, "
                   f"leave {counts.get('unchanged', 0)} unchanged. Nothing written.")
        return
    upload_id, counts = uploads.commit(path, checked, user, on_wait=_say)
    click.echo(f"Upload {upload_id}: added {counts['added']}, changed {counts['changed']}, "
               f"unchanged {counts['unchanged']}.")


@cli.command("import-scorecard",
             help="Check and load a year's scorecard definition, CSV or .xlsx (exit 1, changing nothing, if invalid).")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="check and preview only; write nothing")
@click.option("--user", help="who is loading it (default: the login name)")
@_with_db()
def import_scorecard(path: Path, file: str, dry_run: bool, user: str | None) -> None:
    user = user or getpass.getuser()
    data = _read(file)
    with store.opened(path) as db:
        checked = scorecards.check(data, Path(file).name, *uploads.scorecard_context(db))
    _refuse_if_bad(path, file, checked, user, dry_run, "scorecard")
    with store.opened(path) as db:
        preview = uploads.scorecard_preview(db, checked.rows)
    for row in preview.to_dict("records"):
        detail = f" ({row['changes']})" if row["changes"] else ""
        click.echo(f"{row['outcome']}: {row['indicator_id']} {row['name']}{detail}")
    year = checked.rows[0]["year"]
    counts = preview["outcome"].value_counts()
    summary = (f"{counts.get('new', 0)} new, {counts.get('changed', 0)} changed, {counts.get('unchanged', 0)} "
               f"unchanged, {counts.get('retiring', 0)} retiring")
    if dry_run:
        click.echo(f"Dry run: the {year} scorecard would have {summary}. Nothing written.")
        return
    upload_id, _ = uploads.commit_scorecard(path, checked, user, on_wait=_say)
    click.echo(f"Upload {upload_id}: the {year} scorecard is loaded: {summary}.")


@cli.command("scorecard-template", help="A scorecard definition CSV to edit for a year, on stdout.")
@click.option("--year", required=True, help="the financial year, e.g. '2020/21'")
@_with_db()
def scorecard_template(path: Path, year: str) -> None:
    try:
        parsed = periods.parse(year)
    except periods.PeriodError as error:
        _fail([str(error)])
    if parsed.is_quarter:
        _fail([f"'{year}' is a quarter: give the financial year, e.g. '{parsed.financial_year}'"])
    with store.opened(path) as db:
        _csv(uploads.scorecard_template(db, str(parsed)))


@cli.command("uploads", help="List past uploads (the audit log) as CSV.")
@_with_db()
def list_uploads(path: Path) -> None:
    with store.opened(path) as db:
        # File names and officer names are typed by people: formula-safe, as every download is.
        _csv(exports.safe(uploads.list_uploads(db).drop(columns=["errors"])))


@cli.command(help="Restore the figures an upload replaced, or withdraw a scorecard definition.")
@click.argument("upload_id", type=click.IntRange(1, 2**63 - 1))
@click.option("--user", help="who is rolling it back (default: the login name)")
@_with_db()
def rollback(path: Path, upload_id: int, user: str | None) -> None:
    with store.opened(path) as db:
        kinds = dict(zip(*[uploads.list_uploads(db)[c] for c in ("upload_id", "kind")]))
    touched = uploads.rollback(path, upload_id, user or getpass.getuser(), on_wait=_say)
    what = "measures of its scorecard removed" if kinds.get(upload_id) == "scorecard" else "figures restored"
    click.echo(f"Rolled back upload {upload_id}: {touched} {what}.")


def _say(message: str) -> None:
    click.echo(message, err=True)


@cli.command(help="Publish a draft quarter: readers then see it by default.")
@click.argument("period")
@click.option("--user", help="the officer publishing it (default: the login name)")
@_with_db()
def publish(path: Path, period: str, user: str | None) -> None:
    _publishing(uploads.publish, path, period, user)


@cli.command(help="Take a published quarter back to draft: readers see the quarter before it again.")
@click.argument("period")
@click.option("--user", help="the officer unpublishing it (default: the login name)")
@_with_db()
def unpublish(path: Path, period: str, user: str | None) -> None:
    _publishing(uploads.unpublish, path, period, user)


def _publishing(change, path: Path, period: str, user: str | None) -> None:
    try:
        quarter = change(path, period, user or getpass.getuser(), on_wait=_say)
    except periods.PeriodError as error:
        _fail([str(error)])
    state = "published" if quarter.published else f"a draft ({quarter.label})"
    click.echo(f"{quarter.period} is now {state}.")


@cli.command(help="A quarter CSV to fill in, on stdout.")
@click.option("--period", required=True, help="the quarter, e.g. '2019/20 Q3'")
@_with_db()
def template(path: Path, period: str) -> None:
    try:
        quarter = str(periods.parse(period))
    except periods.PeriodError as error:
        _fail([str(error)])
    with store.opened(path) as db:
        _csv(uploads.template(db, quarter))


@cli.command(help="The Cabinet slides of a quarter as a PowerPoint deck (.pptx), with native charts.")
@click.option("--period", help="the quarter, e.g. '2019/20 Q2' (default: the latest published one)")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="the .pptx file to write")
@click.option("--headline", is_flag=True, help="headline measures only")
@click.option("--rag", help="RAG bands, comma-separated: HG,LG,A,LR,HR, differs, none")
@click.option("--portfolio-holder", multiple=True, help="a portfolio holder as named on the scorecard (repeatable)")
@click.option("--director", multiple=True, help="a director as named on the scorecard (repeatable)")
@click.option("--direction", help="directions, comma-separated: improving,unchanged,worsening,none")
@click.option("--search", default="", help="measure name contains")
@_with_db()
def deck(path: Path, period: str | None, output: str, headline: bool, rag: str | None,
         portfolio_holder: tuple[str, ...], director: tuple[str, ...], direction: str | None, search: str) -> None:
    from harrow_kpi import deck as pptx_deck
    from harrow_kpi import filters, slides

    with store.opened(path) as db:
        states = queries.quarter_states(db)
        published = [p for p, q in states.items() if q.published]
        drafts = [p for p, q in states.items() if not q.published]
        people = queries.people_on_scorecards(db)
        params = {"quarter": period or (published or [*states])[-1], "drafts": "1", "q": search,
                  "headline": "1" if headline else "", "rag": rag or "", "direction": direction or "",
                  "ph": list(portfolio_holder), "director": list(director)}
        chosen = filters.from_query({k: v for k, v in params.items() if v}, published,
                                    people["portfolio_holder"].dropna().unique().tolist(),
                                    people["director"].dropna().unique().tolist(), drafts)
        if chosen.ignored or not chosen.quarter:
            _fail([f"Not understood: {', '.join(chosen.ignored) or 'no quarter'}. Quarters: {', '.join(states)}."])
        table = queries.scorecard(db, chosen.quarter)
        before = str(periods.parse(chosen.quarter).previous())
        previous = queries.scorecard(db, before) if before in states else None
        histories = queries.histories(db, table["indicator_id"])
        made = slides.build(table, previous, histories, queries.priorities(db), chosen)
    Path(output).write_bytes(pptx_deck.build(made, draft=states[chosen.quarter].label, shown=chosen.describe()))
    click.echo(f"Wrote {output}: {len(made)} slides for {chosen.quarter} ({chosen.describe()}).")


@cli.command("sign-ins", help="List officer sign-in attempts (the sign-in audit), newest first, as CSV.")
@_with_db(ready=False)
def sign_ins(path: Path) -> None:
    import pandas as pd

    columns = ["at", "method", "officer", "client", "outcome", "wait_seconds", "reason"]
    rows = []
    if path.exists():  # no database yet: no sign-ins, and none is made just to say so
        with store.opened(path) as db:
            rows = auth.attempts(db)
    # Officer names and reasons are typed or sent by people: formula-safe, as every download is.
    _csv(exports.safe(pd.DataFrame(rows, columns=columns)))


def _at_terminal() -> bool:
    return sys.stdin.isatty()


@cli.command("hash-password",
             help="Make an officer password hash for secrets.toml (asks for the password twice).")
def hash_password() -> None:
    if _at_terminal():
        password = getpass.getpass("Officer password: ")
        again = getpass.getpass("The same password again: ")
    else:  # piped: two lines, the password and the password again
        password, again = (sys.stdin.readline().rstrip("\r\n") for _ in range(2))
    if len(password) < 12:
        _fail(["Use a password of at least 12 characters."])
    if not hmac.compare_digest(password.encode(), again.encode()):
        _fail(["The two passwords differ; no hash was made. Run the command again."])
    hashed = auth.hash_password(password)
    click.echo(hashed)
    _say("Store it in single quotes, so that no shell or file format changes its '$' signs: in "
         f".streamlit/secrets.toml under [officers], NAME = '{hashed}'; or in the environment, "
         f"HARROW_KPI_OFFICERS='NAME={hashed}'.")


@cli.command("serve-data", help="Publish the store read-only as JSON and CSV with Datasette (no officer tables).")
@click.option("--port", default=8001, show_default=True, help="the port to listen on")
@click.option("--host", default="127.0.0.1", show_default=True, help="the address to listen on")
@_with_db()
def serve_data(path: Path, port: int, host: str) -> None:
    from harrow_kpi import opendata  # Datasette loads only for this command

    click.echo(f"Serving {path} read-only at http://{host}:{port}/ (Ctrl+C to stop)")
    opendata.serve(path, host, port)


@cli.command("data-readme", help="Refresh the generated sections of data/README.md.")
@_with_db()
def data_readme(path: Path) -> None:
    readme = dataset.DATA_DIR / "README.md"
    with store.opened(path) as db:
        readme.write_text(checks.refresh_readme(db, readme.read_text(encoding="utf-8")), encoding="utf-8")
    click.echo(f"Refreshed {readme}")


@cli.command("token-ledger", help="Count the seeds' number tokens: figures, not figures, unaccounted.")
@click.option("--seed", "seeds", multiple=True, metavar="FILE", help="Only this seed (repeatable).")
@click.option("--unaccounted", is_flag=True, help="List each unaccounted token with its line.")
def token_ledger(seeds: tuple[str, ...], unaccounted: bool) -> None:
    problems = ledger.check_not_figures()
    if problems:
        _fail(problems)
    names = seeds or ledger.SEED_FILES
    unknown = [name for name in names if name not in ledger.SEED_FILES]
    if unknown:
        _fail([f"'{name}' is not a seed document" for name in unknown])
    found = ledger.classify(names=names)
    click.echo("seed,tokens,figures,not_figures,unaccounted,accounted_pct,captured_pct")
    for row in ledger.counts(found):
        click.echo(f"{row['seed']},{row['tokens']},{row['figures']},{row['not_figures']},{row['unaccounted']},"
                   f"{row['accounted_pct']:.1f},{row['captured_pct']:.1f}")
    if unaccounted:
        for token in found:
            if token.kind == ledger.UNACCOUNTED:
                click.echo(f"{token.seed}:{token.line}\t{token.token}\t{token.text.strip()[:160]}")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; a reader that closes the pipe early (``| head``) ends it quietly."""
    try:
        cli.main(args=argv, prog_name="python -m harrow_kpi", standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except click.exceptions.Abort:
        return 1
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return 0
