"""Every table of the store: those built from data/*.csv, and those the app writes.

One place that says what each column is, so that the build, the checks, the
uploads and data/README.md cannot drift apart.
"""

# Bump when a table's shape changes: the database is then rebuilt on the next start.
SCHEMA_VERSION = "5"

SOURCE_COLUMNS = {"seed": "text", "line": "int", "section": "text", "note": "text"}

TABLES = {
    "plans": {
        "pk": "plan_id",
        "columns": {
            "plan_id": "text",
            "title": "text",
            "published": "text",
            "period_start": "text",
            "period_end": "text",
            **SOURCE_COLUMNS,
        },
        "required": ["plan_id", "title", "seed"],
        "foreign_keys": [],
    },
    "themes": {
        "pk": "theme_id",
        "columns": {
            "theme_id": "text",
            "plan_id": "text",
            "parent_id": "text",
            "name": "text",
            "kind": "text",
            "position": "int",
            **SOURCE_COLUMNS,
        },
        "required": ["theme_id", "plan_id", "name", "seed", "line"],
        "foreign_keys": [("plan_id", "plans", "plan_id"), ("parent_id", "themes", "theme_id")],
    },
    "wards": {
        "pk": "ward_code",
        "columns": {
            "ward_code": "text",
            "name": "text",
            "valid_from": "text",
            "valid_to": "text",
            "centroid_lat": "float",
            "centroid_lon": "float",
            "hex_q": "int",
            "hex_r": "int",
            "neighbours": "text",
            "source": "text",
            "note": "text",
        },
        "required": ["ward_code", "name", "hex_q", "hex_r", "source"],
        "foreign_keys": [],
    },
    "places": {
        "pk": "place_id",
        "columns": {
            "place_id": "text",
            "name": "text",
            "kind": "text",
            "ward_code": "text",
            "ward_confidence": "text",
            "commitment_ids": "text",
            "action_ids": "text",
            "indicator_ids": "text",
            **SOURCE_COLUMNS,
        },
        "required": ["place_id", "name", "kind", "seed", "line"],
        "foreign_keys": [("ward_code", "wards", "ward_code")],
    },
    "indicators": {
        "pk": "indicator_id",
        "columns": {
            "indicator_id": "text",
            "name": "text",
            "priority": "text",
            "polarity": "text",
            "unit": "text",
            "headline": "int",
            "portfolio_holder": "text",
            "director": "text",
            "frequency": "text",
            "scorecard_number": "text",
            "latest_rag": "text",
            "latest_rag_period": "text",
            "trend_as_printed": "text",
            "definition": "text",
            **SOURCE_COLUMNS,
        },
        "required": ["indicator_id", "name", "seed", "line"],
        "foreign_keys": [("priority", "themes", "theme_id")],
    },
    "observations": {
        "pk": "observation_id",
        "columns": {
            "indicator_id": "text",
            "period": "text",
            "ward_code": "text",
            "as_at": "text",
            "target": "float",
            "target_low": "float",
            "target_high": "float",
            "actual": "float",
            "target_as_printed": "text",
            "actual_as_printed": "text",
            "qualifier": "text",
            "basis": "text",
            "rag_reported": "text",
            "status_note": "text",
            "commentary": "text",
            **SOURCE_COLUMNS,
        },
        "required": ["indicator_id", "period", "seed", "line"],
        "foreign_keys": [("indicator_id", "indicators", "indicator_id"), ("ward_code", "wards", "ward_code")],
    },
    "commitments": {
        "pk": "commitment_id",
        "columns": {
            "commitment_id": "text",
            "plan_id": "text",
            "theme_id": "text",
            "text": "text",
            "metric": "text",
            "indicator_id": "text",
            "target_value": "float",
            "target_as_printed": "text",
            "qualifier": "text",
            "target_kind": "text",
            "basis": "text",
            "unit": "text",
            "baseline_value": "float",
            "baseline_as_printed": "text",
            "baseline_period": "text",
            "deadline": "text",
            "deadline_as_printed": "text",
            "status": "text",
            "directorate": "text",
            "portfolio_holder": "text",
            **SOURCE_COLUMNS,
        },
        "required": ["commitment_id", "plan_id", "text", "seed", "line"],
        "foreign_keys": [
            ("plan_id", "plans", "plan_id"),
            ("theme_id", "themes", "theme_id"),
            ("indicator_id", "indicators", "indicator_id"),
        ],
    },
    "actions": {
        "pk": "action_id",
        "columns": {
            "action_id": "text",
            "plan_id": "text",
            "theme_id": "text",
            "objective": "text",
            "action": "text",
            "update_summary": "text",
            "rag_status": "text",
            "directorate": "text",
            "portfolio_holder": "text",
            **SOURCE_COLUMNS,
        },
        "required": ["action_id", "plan_id", "theme_id", "seed", "line"],
        "foreign_keys": [("plan_id", "plans", "plan_id"), ("theme_id", "themes", "theme_id")],
    },
    "theme_links": {
        "pk": "link_id",
        "columns": {
            "from_theme_id": "text",
            "to_theme_id": "text",
            "relation": "text",
            "rationale": "text",
            **SOURCE_COLUMNS,
        },
        "required": ["from_theme_id", "to_theme_id", "relation", "rationale", "seed", "line"],
        "foreign_keys": [("from_theme_id", "themes", "theme_id"), ("to_theme_id", "themes", "theme_id")],
    },
    "budget_lines": {
        "pk": "budget_line_id",
        "columns": {
            "plan_id": "text",
            "theme_id": "text",
            "service": "text",
            "period": "text",
            "amount": "float",
            "amount_as_printed": "text",
            "unit": "text",
            "description": "text",
            **SOURCE_COLUMNS,
        },
        "required": ["plan_id", "service", "seed", "line"],
        "foreign_keys": [("plan_id", "plans", "plan_id"), ("theme_id", "themes", "theme_id")],
    },
}

# Columns the build derives from each row (dataset.prepare), beyond those of the CSV file.
DERIVED = {
    "indicators": {"source": "text", "plan_id": "text", "on_scorecard": "int"},
    "observations": {
        "observation_id": "int", "source": "text", "plan_id": "text", "period_start": "text", "period_end": "text",
        "period_order": "int", "rag_computed": "text", "upload_id": "int",
    },
}

# Tables the app writes, kept across rebuilds of data/: the upload audit log, the figures
# each upload replaced (so it can be rolled back), each year's scorecard, imported ward boundaries, build facts.
# What a row of the audit log (the uploads table) records.
KINDS = ("quarter", "scorecard", "publish", "unpublish")

APP_TABLES = {
    "uploads": {
        "pk": "upload_id",
        "columns": {
            "upload_id": "int", "kind": "text", "period": "text", "filename": "text", "sha256": "text",
            "user": "text", "at": "text", "status": "text", "added": "int", "changed": "int", "unchanged": "int",
            "rows_json": "text", "errors": "text", "rolled_back_at": "text", "rolled_back_by": "text",
        },
        "not_null": ["status", "kind"],
        "defaults": {"added": 0, "changed": 0, "unchanged": 0, "kind": "quarter"},
        "indexes": [["kind", "period"]],
    },
    "observation_history": {
        "pk": "history_id",
        "columns": {
            "history_id": "int", "upload_id": "int", "indicator_id": "text", "period": "text", "ward_code": "text",
            "action": "text", "previous_json": "text",
        },
        "not_null": ["upload_id", "indicator_id", "period", "action"],
        "defaults": {},
        "indexes": [["upload_id"], ["indicator_id", "period", "ward_code"]],
    },
    # Each accepted scorecard definition's measures for its year, with that year's fields; ``created``
    # marks a measure the definition added to indicators (so a roll back removes exactly those).
    "scorecard_measures": {
        "pk": ("upload_id", "indicator_id"),
        "columns": {
            "upload_id": "int", "indicator_id": "text", "year": "text", "row": "int", "created": "int",
            "name": "text", "priority": "text", "polarity": "text", "unit": "text", "headline": "int",
            "portfolio_holder": "text", "director": "text", "frequency": "text", "target": "float",
            "target_low": "float", "target_high": "float", "target_as_printed": "text", "quarter_targets": "text",
        },
        "not_null": ["upload_id", "indicator_id", "year", "name"],
        "defaults": {"created": 0},
        "indexes": [["year"], ["indicator_id"]],
    },
    "ward_boundaries": {
        "pk": "ward_code",
        "columns": {
            "ward_code": "text", "geometry": "text", "filename": "text", "sha256": "text", "imported_at": "text",
            "imported_by": "text",
        },
        "not_null": [],
        "defaults": {},
        "indexes": [],
    },
    # Every officer sign-in attempt, password or council (OIDC): the throttle counts the wrong
    # passwords here per officer name and per client, and it is the audit of sign-ins.
    "sign_in_attempts": {
        "pk": "attempt_id",
        "columns": {
            "attempt_id": "int", "at": "text", "method": "text", "officer": "text", "officer_key": "text",
            "client": "text", "outcome": "text", "wait_seconds": "float", "reason": "text",
        },
        "not_null": ["at", "method", "outcome"],
        "defaults": {},
        "indexes": [["officer_key", "at"], ["client", "at"]],
    },
    "meta": {"pk": "key", "columns": {"key": "text", "value": "text"}, "not_null": [], "defaults": {}, "indexes": []},
}

# Build order: a table comes after the tables its foreign keys point at.
BUILD_ORDER = [
    "plans", "themes", "theme_links", "wards", "indicators", "observations", "commitments", "actions",
    "places", "budget_lines",
]
# Tables whose rows carry their own source text instead of a seed line (reference data).
OWN_SOURCE = ("wards",)
PLACE_KINDS = ("regeneration", "library", "leisure", "park", "school", "town-centre", "civic", "station", "area",
               "other")
WARD_CONFIDENCE = ("printed", "likely", "unsure")

TARGET_KINDS = ("level", "change", "total", "other")
# A figure printed as a bound ("over 1,000", "almost half", "at least 97%") keeps its number with the
# bound's direction: the observation's actual, or the commitment's target, lies over / under / about /
# at least / at most that number ("more than" is over, "almost" and "fewer than" are under).
QUALIFIERS = ("over", "under", "about", "at least", "at most")
# What period a figure covers, where it is not the measure's own basis (an empty basis is the basis the
# measure's scorecard or defining document reports). Figures on different bases are different series:
# never one trend line, one direction of travel or one promises verdict.
BASES = {
    "quarter": "the quarter's own figure",
    "year-to-date": "cumulative from 1 April to the end of the period",
    "year": "a whole year's figure (an annual total, or a rate or survey result for the year)",
    "month": "one month's figure",
    "rolling-year": "the twelve months to the end of the period",
    "cumulative": "a running total since a start other than 1 April (the note says when)",
    "point-in-time": "a level on one day (a stock or a share at a date)",
}
LINK_RELATIONS = ("continues", "splits", "merges", "partly")
# The statuses of Harrow Ambition Plan actions, most pressing first (a place shows its most pressing).
ACTION_STATUSES = ("RED", "AMBER", "Not started", "GREEN", "COMPLETE", "CLOSED")
UNITS = (
    "percent", "count", "rate", "days", "weeks", "score", "ratio", "gbp", "gbp_thousands",
    "gbp_millions", "index", "years",
)
