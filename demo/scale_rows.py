"""DEMO DATA ONLY: the tables ``demo.scale`` writes, their COPY columns, and the text lines
PostgreSQL's ``COPY ... FROM STDIN`` (text format) reads."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

# The columns each generated line fills, in the order ``demo.scale`` gives the values. Ids the
# generator does not need to refer to are left to the table's identity default.
TABLE_COLUMNS = {
    "usecases_usecase": [
        "id", "number", "title", "who", "problem", "success_signal", "business_intent",
        "metric_name", "metric_unit", "metric_direction", "metric_baseline", "metric_target",
        "metric_target_date", "evidence_area", "status", "business_value", "effort", "source",
        "created_at", "updated_at", "author_id", "owner_id", "team_id",
        "attestation_expires_at", "signed_off_at", "evidence_status", "last_measured_on",
        "goal_ids", "product_ids", "lifecycle_stage", "started_on", "in_production_on",
        "ended_on",
    ],
    "usecases_usecase_products": ["usecase_id", "product_id"],
    "usecases_usecase_goals": ["usecase_id", "strategicgoal_id"],
    "usecases_usecaseevent": [
        "kind", "version", "changes", "created_at", "actor_id", "usecase_id", "from_status",
        "note", "to_status",
    ],
    "usecases_revision": [
        "id", "number", "version", "reason", "data", "created_at", "created_by_id", "usecase_id",
    ],
    "usecases_review": [
        "submitted_at", "decision", "comment", "decided_at", "reviewer_id", "submitted_by_id",
        "usecase_id", "revision_id",
    ],
    "usecases_signoff": [
        "kind", "statement", "signed_at", "expires_at", "superseded_at", "reminder_sent_at",
        "owner_id", "revision_id", "superseded_by_id", "usecase_id", "material_digest",
        "lapse_recorded_at",
    ],
    "usecases_measurement": [
        "measured_on", "value", "note", "source_url", "created_at", "recorded_by_id",
        "usecase_id",
    ],
}  # fmt: skip
WRITTEN_TABLES = list(TABLE_COLUMNS)

# Columns every generated use case has the same value in (the register section left empty, as
# most registries' rows are): COPY needs them, as the model's defaults live in Python.
_EMPTY_TEXT = [
    "external_ref",
    "people_change",
    "process_change",
    "technology_change",
    "appeal_route",
    "code_url",
    "contact_email",
    "data_sources",
    "human_oversight",
    "impact_justification",
    "impact_level",
    "independent_review",
    "legal_basis",
    "legal_basis_url",
    "monitoring",
    "operator_training",
    "outputs",
    "personal_data_kinds",
    "potential_impacts",
    "pre_deployment_testing",
    "public_consultation",
    "sourcing",
    "system_name",
    "topic_area",
    "vendor",
]
USECASE_CONSTANTS = {
    "version": "1",
    "changed_since_sign_off": "f",
    "custom_values": "{}",
    "documentation_urls": "{}",
    "techniques": "{}",
    "impact_assessments": "[]",
    "personal_data": r"\N",
    **dict.fromkeys(_EMPTY_TEXT, ""),
}
TABLE_COLUMNS["usecases_usecase"] += list(USECASE_CONSTANTS)
_CONSTANT_TAILS = {"usecases_usecase": "\t" + "\t".join(USECASE_CONSTANTS.values())}

# The history table of each written table, with what its rows are read from: (source table,
# the pghistory label, the time column, whether rows carry ``pgh_obj_id``, the use-case column).
HISTORY_SOURCES = {
    "usecases_usecasehistory": ("usecases_usecase", "insert", "created_at", True, "id"),
    "usecases_reviewhistory": ("usecases_review", "insert", "submitted_at", True, "usecase_id"),
    "usecases_signoffhistory": ("usecases_signoff", "insert", "signed_at", True, "usecase_id"),
    "usecases_measurementhistory": (
        "usecases_measurement", "insert", "created_at", True, "usecase_id",
    ),
    "usecases_usecaseproducthistory": (
        "usecases_usecase_products", "product.linked", None, False, "usecase_id",
    ),
    "usecases_usecasegoalhistory": (
        "usecases_usecase_goals", "goal.linked", None, False, "usecase_id",
    ),
}  # fmt: skip
HISTORY_TABLES = list(HISTORY_SOURCES)

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _escaped(value: str) -> str:
    # Scanning for the four characters is far cheaper than translating every long text.
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_ESCAPES)
    return value


# How COPY's text format spells each type of value, looked up by exact type (the fast path).
_FORMATS = {
    str: _escaped,
    int: str,
    float: str,
    Decimal: str,
    bool: lambda value: "t" if value else "f",
    list: lambda value: "{" + ",".join(map(str, value)) + "}",
    datetime: datetime.isoformat,
    date: date.isoformat,
    type(None): lambda value: r"\N",
}


def _text(value) -> str:
    """One value as COPY's text format spells it."""
    format_ = _FORMATS.get(type(value))
    if format_ is not None:
        return format_(value)
    if isinstance(value, str):  # a choices member
        return _escaped(str(value))
    raise TypeError(f"No COPY text for {type(value).__name__}")


def format_row(values) -> str:
    return "\t".join([_text(value) for value in values])


def copy_text(cursor, table: str, columns: list[str], lines: list[str]) -> None:
    """Stream ``lines`` into ``table`` with one COPY."""
    if not lines:
        return
    tail = _CONSTANT_TAILS.get(table, "")
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for start in range(0, len(lines), 1000):
            copy.write("".join(f"{line}{tail}\n" for line in lines[start : start + 1000]))


# Sign-offs carry a digest of the use case's signed text that the database computes
# (``usecase_material_digest``, as their insert trigger does): each chunk's go through a staging
# table and in with it, one INSERT ... SELECT, rather than being updated after the load (a second
# write of every row and its indexes).
STAGED = {"usecases_signoff": ("material_digest", "usecase_material_digest(u)")}


def copy_staged(cursor, table: str, columns: list[str], lines: list[str]) -> None:
    """``lines`` into ``table`` through a staging table, with the computed column filled in."""
    staging, listed = f"scale_staged_{table}", ", ".join(columns)
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {staging} ON COMMIT DROP AS "
        f"SELECT {listed} FROM {table} WITH NO DATA"
    )
    cursor.execute(f"TRUNCATE {staging}")
    copy_text(cursor, staging, columns, lines)
    # So the join reads the chunk's use cases by key, not the whole table.
    cursor.execute(f"ANALYZE {staging}")
    computed, expression = STAGED[table]
    selected = ", ".join(expression if name == computed else f"s.{name}" for name in columns)
    cursor.execute(
        f"INSERT INTO {table} ({listed}) SELECT {selected} FROM {staging} s "
        "JOIN usecases_usecase u ON u.id = s.usecase_id"
    )


def history_insert_sql(cursor, table: str) -> str:
    """The INSERT ... SELECT writing ``table``'s rows for the use cases with ids between the two
    last parameters, as the history triggers would have: every column the history table shares
    with its source, the context (first parameter), label, time and the row's id."""
    source, label, time_column, has_obj, usecase_column = HISTORY_SOURCES[table]
    cursor.execute(
        """
        SELECT h.column_name FROM information_schema.columns h
        JOIN information_schema.columns s
          ON s.table_name = %s AND s.column_name = h.column_name
        WHERE h.table_name = %s AND h.column_name NOT LIKE 'pgh\\_%%'
        ORDER BY h.ordinal_position
        """,
        [source, table],
    )
    columns = [name for (name,) in cursor.fetchall()]
    extra_columns = ["pgh_created_at", "pgh_label", "pgh_context_id"]
    extra_values = [time_column or "now()", f"'{label}'", "%s::uuid"]
    if has_obj:
        extra_columns.append("pgh_obj_id")
        extra_values.append("id")
    return (
        f"INSERT INTO {table} ({', '.join(extra_columns + columns)}) "
        f"SELECT {', '.join(extra_values + columns)} FROM {source} "
        f"WHERE {usecase_column} BETWEEN %s AND %s"
    )
