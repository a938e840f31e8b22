"""Open data: the store's published tables served read-only as JSON and CSV by Datasette.

Only the tables built from data/ (the documents' figures and the ward reference data) are
published; the tables the app writes (the upload audit log, the figures uploads replaced,
scorecard definitions, imported boundaries, build facts, sign-in attempts) are not. An allow-list,
not a deny-list: a table added later stays private until it is named here. Datasette is told
three times: those tables are 404 (a route ahead of its own), not viewable (a permission), and
no free SQL or whole-file download can reach them.
"""

from __future__ import annotations

import csv
import re
import sqlite3
import sys
from pathlib import Path

from datasette import hookimpl
from datasette.app import Datasette
from datasette.plugins import pm
from datasette.utils.asgi import Response

from harrow_kpi import dataset, queries, store
from harrow_kpi.schema import BUILD_ORDER

PUBLIC_TABLES = tuple(BUILD_ORDER)
PLUGIN_NAME = "harrow_kpi_opendata"

COUNCIL_LICENCE = "Harrow Council documents: reproduced for scrutiny and information; copyright Harrow Council"
OGL = "Open Government Licence v3.0"
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"

MEASURE_HISTORY = """SELECT o.period, o.ward_code, o.target, o.target_low, o.target_high, o.actual,
  o.target_as_printed, o.actual_as_printed, o.qualifier, o.basis, o.rag_reported, o.rag_computed,
  o.status_note, o.seed, o.line, o.section
FROM observations o
WHERE o.indicator_id = :indicator_id
ORDER BY o.period_order, o.ward_code IS NOT NULL, o.ward_code"""

QUARTER_SCORECARD = """SELECT i.scorecard_number, i.indicator_id, i.name, t.name AS priority, i.polarity, i.unit,
  o.target, o.target_low, o.target_high, o.actual, o.target_as_printed, o.actual_as_printed, o.qualifier,
  o.rag_reported, o.rag_computed, o.status_note, o.seed, o.line
FROM indicators i
LEFT JOIN themes t ON t.theme_id = i.priority
LEFT JOIN observations o ON o.indicator_id = i.indicator_id AND o.period = :period AND o.ward_code IS NULL
WHERE i.on_scorecard = 1
  AND i.plan_id IN (SELECT plan_id FROM observations WHERE period = :period)
ORDER BY t.position, i.rowid"""

QUERIES = {
    "measure_history": {
        "title": "A measure's history",
        "description": "Every figure printed for one measure (indicator_id, e.g. book-issues), oldest first; "
                       "an empty ward_code is the whole borough.",
        "sql": MEASURE_HISTORY,
    },
    "quarter_scorecard": {
        "title": "A quarter's scorecard",
        "description": "Every measure on the Corporate Scorecard with its target, actual and RAG for one "
                       "quarter (period, e.g. 2019/20 Q2); a measure with nothing printed that quarter has "
                       "empty figures.",
        "sql": QUARTER_SCORECARD,
    },
}

SOURCE = {
    "seed": "the source document's text file (see the database description for its title)",
    "line": "the line of that file the row was read from",
    "section": "the document's section or table heading",
    "note": "how the row was read, and anything the document leaves unclear",
}

COLUMNS = {
    "plans": {
        "plan_id": "our short name for the document", "title": "the document's title as printed",
        "published": "publication date as printed (empty if not printed)",
        "period_start": "start of the period it covers", "period_end": "end of the period it covers", **SOURCE,
    },
    "indicators": {
        "indicator_id": "our short name for the measure (the key of observations)",
        "name": "the measure's name as printed", "priority": "the priority it reports under (themes.theme_id)",
        "polarity": "whether higher or lower is better", "unit": "what its figures count (percent, count, gbp ...)",
        "headline": "1 for a headline measure", "portfolio_holder": "the Cabinet member responsible",
        "director": "the director responsible", "frequency": "how often it is reported",
        "scorecard_number": "its number on the Corporate Scorecard", "latest_rag": "the latest RAG printed",
        "latest_rag_period": "the period of that RAG", "trend_as_printed": "the direction of travel as printed",
        "definition": "what it measures, as printed", "plan_id": "the document that defines it",
        "on_scorecard": "1 if it is on the 2019/20 Corporate Scorecard", **SOURCE,
    },
    "observations": {
        "indicator_id": "the measure (indicators.indicator_id)", "period": "the quarter or year, e.g. 2019/20 Q2",
        "ward_code": "the ONS ward code; empty for the whole borough", "as_at": "the date a level was taken",
        "target": "the target as a number", "target_low": "a range target's lower end",
        "target_high": "a range target's upper end", "actual": "the actual as a number",
        "target_as_printed": "the target exactly as printed", "actual_as_printed": "the actual exactly as printed",
        "qualifier": "a printed bound on the actual: over, under, about, at least, at most",
        "basis": "what period the figure covers where it is not the measure's own (year-to-date, year ...)",
        "rag_reported": "the RAG the document printed (HG, LG, A, LR, HR)",
        "rag_computed": "the RAG by Harrow's rule from target and actual",
        "status_note": "why a figure is missing, as printed", "commentary": "the officers' commentary",
        "period_order": "a number that sorts periods in time order", **SOURCE,
    },
    "commitments": {
        "commitment_id": "our short name for the promise", "plan_id": "the document making it",
        "theme_id": "the priority or theme it sits under", "text": "the promise as printed",
        "indicator_id": "the measure that tracks it, where there is one", "target_value": "the target as a number",
        "target_as_printed": "the target exactly as printed", "deadline": "when it is due",
        "deadline_as_printed": "the deadline exactly as printed", "status": "its status as printed", **SOURCE,
    },
    "wards": {
        "ward_code": "the ONS ward code", "name": "the ward's name", "valid_from": "when the ward came into being",
        "valid_to": "when it was replaced", "centroid_lat": "latitude of the ward's centroid (WGS84)",
        "centroid_lon": "longitude of the ward's centroid (WGS84)", "hex_q": "column on the hex map",
        "hex_r": "row on the hex map", "neighbours": "ONS codes of the wards it borders",
        "source": "where the boundaries and codes come from",
    },
}

TITLES = {
    "plans": "The documents", "themes": "Priorities, themes and objectives",
    "theme_links": "Theme lineage, 2004 to 2020", "wards": "Harrow's 21 wards, 2002 to 2022",
    "indicators": "Measures", "observations": "Figures (targets, actuals, RAG)",
    "commitments": "Targets and promises", "actions": "Harrow Ambition Plan actions", "places": "Named places",
    "budget_lines": "Budget lines as printed",
}


def documents(folder: str | Path | None = None) -> list[tuple[str, str]]:
    """(title, seed file) of each source document, from data/plans.csv."""
    with open(Path(folder or dataset.DATA_DIR) / "plans.csv", newline="", encoding="utf-8") as handle:
        return [(row["title"] or row["plan_id"], row["seed"]) for row in csv.DictReader(handle)]


def metadata(database: str, folder: str | Path | None = None) -> dict:
    """Datasette metadata: titles, licences, the source documents, column descriptions, canned queries."""
    sources = "; ".join(f"{title} ({seed})" for title, seed in documents(folder))
    tables = {}
    for name in PUBLIC_TABLES:
        tables[name] = {"title": TITLES[name], "columns": COLUMNS.get(name, {})}
    tables["wards"] |= {"license": OGL, "license_url": OGL_URL,
                        "source": "ONS generalised clipped ward boundaries 2013"}
    return {
        "title": "Harrow KPI Explorer: open data",
        "description": "Harrow Council's plans, performance measures, targets and promises, 2004 to 2020, as "
                       "printed in its documents, each row with its document and line. Source documents: "
                       f"{sources}. The ward reference data (codes, centroids, neighbours) is from ONS "
                       f"boundaries under the {OGL}. Read only.",
        "license": COUNCIL_LICENCE,
        "source": "Harrow Council plans and performance reports",
        "databases": {database: {"tables": tables, "queries": QUERIES, "allow_sql": False}},
    }


# Any path inside a database that is not a published table or canned query (nor Datasette's own /-/).
_PUBLIC = "|".join(re.escape(name) for name in (*PUBLIC_TABLES, *QUERIES))
UNPUBLISHED = rf"^/(?!-/)[^/]+/(?!-/)(?!(?:{_PUBLIC})(?:[./]|$))[^/]+.*$"


# This module is the Datasette plugin that keeps the unpublished tables out of reach.
@hookimpl
def register_routes():
    def not_found():
        return Response.text("Not found: this table is not published.", status=404)

    return [(UNPUBLISHED, not_found)]


WRITES = {"execute-sql", "view-database-download", "insert-row", "delete-row", "update-row", "create-table",
          "drop-table", "alter-table"}


@hookimpl
def permission_allowed(action, resource):
    if action in WRITES:
        return False
    if action in {"view-table", "view-query"} and isinstance(resource, tuple):
        return resource[1] in (PUBLIC_TABLES if action == "view-table" else QUERIES)
    return None


def datasette(path: str | Path, folder: str | Path | None = None):
    """A Datasette instance serving the store at ``path`` immutable (read-only), published tables only."""
    if pm.get_plugin(PLUGIN_NAME) is None:
        pm.register(sys.modules[__name__], name=PLUGIN_NAME)
    database = Path(path).stem
    return Datasette(immutables=[str(path)], metadata=metadata(database, folder),
                     settings={"allow_download": False, "allow_facet": True, "default_page_size": 100})


def published(path: str | Path, folder: str | Path) -> Path:
    """A copy of the store holding only what readers may see: the published tables, less every figure
    of a draft quarter. Served instead of the store itself, so drafts and officer data are not merely
    hidden but absent, and officers can go on writing the store while it is served."""
    target = Path(folder) / Path(path).name
    with sqlite3.connect(path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    source.close()
    with store.opened(target) as db:
        drafts = queries.draft_quarters(db)
        with store.writing(db, bump=False):
            db.execute(f"DELETE FROM observations WHERE period IN ({','.join('?' * len(drafts))})", drafts)
            for table in set(db.table_names()) - set(PUBLIC_TABLES):
                db.execute(f"DROP TABLE [{table}]")
        db.execute("VACUUM")
    return target


def serve(path: str | Path, host: str, port: int) -> None:
    """Serve a published copy (see ``published``) until interrupted; restart to publish changes."""
    import tempfile

    import uvicorn

    with tempfile.TemporaryDirectory(prefix="harrow-kpi-open-data-") as folder:
        uvicorn.run(datasette(published(path, folder)).app(), host=host, port=port, log_level="warning")
