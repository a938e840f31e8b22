"""Command line: ``python -m harrow_kpi COMMAND``; the commands mirror the library (see --help).

The database path comes from --db, else $HARROW_KPI_DB, else data/harrow_kpi.db.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from harrow_kpi import checks, queries, store


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
    if args.command == "import-boundaries":
        return _import_boundaries(path, args.file)
    with store.opened(path) as db:
        if args.command == "rag-check":
            print(checks.agreement_markdown(db))
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
