"""Command line: ``python -m harrow_kpi COMMAND``; the commands mirror the library (see --help).

The database path comes from --db, else $HARROW_KPI_DB, else data/harrow_kpi.db.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from harrow_kpi import checks, ingest, periods, queries, store, uploads


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m harrow_kpi", description=__doc__)
    parser.add_argument("--db", help="SQLite database path (default: $HARROW_KPI_DB or data/harrow_kpi.db)")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="(re)build the database from data/*.csv")
    build.add_argument("--db", dest="sub_db", help=argparse.SUPPRESS)
    export = commands.add_parser("export", help="write a table as CSV on stdout")
    export.add_argument("table", choices=["observations", "indicators"])
    export.add_argument("--db", dest="sub_db", help=argparse.SUPPRESS)
    check = commands.add_parser("rag-check", help="reported RAG against the rule, as Markdown")
    check.add_argument("--db", dest="sub_db", help=argparse.SUPPRESS)
    boundaries = commands.add_parser("import-boundaries", help="store official ward boundaries (GeoJSON, WGS84)")
    boundaries.add_argument("file")
    boundaries.add_argument("--db", dest="sub_db", help=argparse.SUPPRESS)
    quarter = commands.add_parser("import-quarter", help="check and load a quarter CSV or .xlsx")
    quarter.add_argument("file")
    quarter.add_argument("--dry-run", action="store_true", help="check and preview only; write nothing")
    quarter.add_argument("--user", default=None, help="who is loading it (default: the login name)")
    quarter.add_argument("--db", dest="sub_db", help=argparse.SUPPRESS)
    listing = commands.add_parser("uploads", help="list past uploads (the audit log)")
    listing.add_argument("--db", dest="sub_db", help=argparse.SUPPRESS)
    undo = commands.add_parser("rollback", help="restore the figures an upload replaced")
    undo.add_argument("upload_id", type=int)
    undo.add_argument("--user", default=None)
    undo.add_argument("--db", dest="sub_db", help=argparse.SUPPRESS)
    template = commands.add_parser("template", help="a quarter CSV to fill in, on stdout")
    template.add_argument("--period", required=True, help="e.g. '2019/20 Q3'")
    template.add_argument("--db", dest="sub_db", help=argparse.SUPPRESS)
    commands.add_parser("hash-password", help="make an officer password hash for secrets.toml")
    readme = commands.add_parser("data-readme", help="refresh the generated sections of data/README.md")
    readme.add_argument("--db", dest="sub_db", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    path = store.db_path(getattr(args, "sub_db", None) or args.db)
    if args.command == "build":
        try:
            counts = store.build(path)
        except store.DataError as error:
            for problem in error.problems:
                print(problem, file=sys.stderr)
            return 1
        print(f"Built {path}")
        for table, count in counts.items():
            print(f"  {table}: {count} rows")
        return 0
    try:
        store.ensure_built(path)
    except store.DataError as error:
        print("\n".join(error.problems), file=sys.stderr)
        return 1
    if args.command == "hash-password":
        return _hash_password()
    if args.command == "import-boundaries":
        return _import_boundaries(path, args.file)
    if args.command == "import-quarter":
        return _import_quarter(path, args.file, args.dry_run, args.user or getpass.getuser())
    if args.command == "rollback":
        try:
            touched = uploads.rollback(path, args.upload_id, args.user or getpass.getuser())
        except uploads.RollbackError as error:
            print(str(error), file=sys.stderr)
            return 1
        print(f"Rolled back upload {args.upload_id}: {touched} figures restored.")
        return 0
    with store.opened(path) as db:
        if args.command == "rag-check":
            print(checks.agreement_markdown(db))
            return 0
        if args.command == "uploads":
            uploads.list_uploads(db).drop(columns=["errors"]).to_csv(sys.stdout, index=False, lineterminator="\n")
            return 0
        if args.command == "template":
            try:
                period = str(periods.parse(args.period))
            except periods.PeriodError as error:
                print(str(error), file=sys.stderr)
                return 1
            uploads.template(db, period).to_csv(sys.stdout, index=False, lineterminator="\n")
            return 0
        if args.command == "data-readme":
            readme_path = store.DATA_DIR / "README.md"
            readme_path.write_text(checks.refresh_readme(db, readme_path.read_text(encoding="utf-8")), encoding="utf-8")
            print(f"Refreshed {readme_path}")
            return 0
        table = (
            queries.export_observations(db)
            if args.table == "observations"
            else queries.export_indicators(db)
        )
    table.to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def _import_boundaries(path, file: str) -> int:
    from harrow_kpi import geography

    try:
        data = Path(file).read_bytes()
    except OSError as error:
        print(f"{file}: {error.strerror}", file=sys.stderr)
        return 1
    try:
        count = store.import_boundaries(path, data, Path(file).name, getpass.getuser())
    except geography.BoundaryError as error:
        for problem in error.problems:
            print(f"{file}: {problem}", file=sys.stderr)
        return 1
    print(f"Imported boundaries of {count} wards from {file}; the map now draws them.")
    return 0


def _import_quarter(path, file: str, dry_run: bool, user: str) -> int:
    try:
        data = Path(file).read_bytes()
    except OSError as error:
        print(f"{file}: {error.strerror}", file=sys.stderr)
        return 1
    with store.opened(path) as db:
        uploads.ensure_tables(db)
        context = uploads.context(db)
    checked = ingest.check(data, Path(file).name, context)
    if not checked.ok:
        for problem in checked.problems:
            print(f"{file}: {problem}", file=sys.stderr)
        if not dry_run:
            uploads.reject(path, checked, user)
        return 1
    with store.opened(path) as db:
        preview = uploads.preview(db, checked.rows)
    for row in preview.to_dict("records"):
        where = f" ward {row['ward_code']}" if row["ward_code"] else ""
        detail = f" ({row['changes']})" if row["changes"] else ""
        flag = f"; reported {row['rag_reported']}, rule {row['rag_computed']}" if row["rag_differs"] else ""
        print(f"{row['outcome']}: {row['indicator_id']} {row['period']}{where} actual {row['actual']}{detail}{flag}")
    if dry_run:
        counts = preview["outcome"].value_counts()
        print(f"Dry run: would add {counts.get('new', 0)}, change {counts.get('changed', 0)}, "
              f"leave {counts.get('unchanged', 0)} unchanged. Nothing written.")
        return 0
    upload_id, counts = uploads.commit(path, checked, user)
    print(f"Upload {upload_id}: added {counts['added']}, changed {counts['changed']}, "
          f"unchanged {counts['unchanged']}.")
    return 0


def _hash_password() -> int:
    from harrow_kpi import auth

    password = getpass.getpass("Officer password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if len(password) < 12:
        print("Use a password of at least 12 characters.", file=sys.stderr)
        return 1
    print(auth.hash_password(password))
    return 0
