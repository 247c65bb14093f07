"""The queues read a page at a time in their order: each use case's number beside its fact (the
fact source, frozen in ``0015_summary_tables``, gains it as its last column), and indexes holding
the review queue's order and each owner's sign-off queue's."""

from datetime import UTC, datetime
from importlib import import_module

from django.db import migrations, models
from django.db.models.functions import Coalesce

# ``usecases.models.summary.WAITING_SINCE_UNKNOWN`` as it was written.
WAITING_SINCE_UNKNOWN = datetime(9999, 12, 31, tzinfo=UTC)

_SUMMARY = import_module("usecases.migrations.0015_summary_tables")
_VIEW_START = _SUMMARY.FUNCTIONS.index("CREATE OR REPLACE VIEW usecases_fact_source")
_VIEW_END = _SUMMARY.FUNCTIONS.index("WHERE c.id = 1;", _VIEW_START) + len("WHERE c.id = 1;")
FACT_SOURCE = _SUMMARY.FUNCTIONS[_VIEW_START:_VIEW_END]
_LAST_COLUMN = "    usecases_unreportable(u) AS unreportable\n"
assert FACT_SOURCE.count(_LAST_COLUMN) == 1
FACT_SOURCE_WITH_NUMBER = FACT_SOURCE.replace(
    _LAST_COLUMN, "    usecases_unreportable(u) AS unreportable,\n    u.number\n"
)

FORWARD = f"""
ALTER TABLE usecases_usecasefact ADD COLUMN number bigint;
UPDATE usecases_usecasefact f SET number = u.number FROM usecases_usecase u
WHERE u.id = f.usecase_id;
ALTER TABLE usecases_usecasefact ALTER COLUMN number SET NOT NULL;
{FACT_SOURCE_WITH_NUMBER}
"""

BACKWARD = f"""
DROP VIEW usecases_fact_source;
{FACT_SOURCE}
ALTER TABLE usecases_usecasefact DROP COLUMN number;
"""


def queue_index(*leading, status: str, name: str) -> migrations.AddIndex:
    """The facts of ``status`` in a queue's order (``usecases.models.summary.waiting_order``)."""
    waiting = Coalesce(models.F("waiting_since"), models.Value(WAITING_SINCE_UNKNOWN))
    return migrations.AddIndex(
        model_name="usecasefact",
        index=models.Index(
            *leading,
            waiting,
            models.F("number"),
            include=("usecase_id",),
            condition=models.Q(status=status),
            name=name,
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("usecases", "0018_summary_slots"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.AddField(
                    model_name="usecasefact",
                    name="number",
                    field=models.BigIntegerField(),
                    preserve_default=False,
                ),
            ],
        ),
        queue_index(status="in_review", name="usecasefact_review_queue"),
        queue_index(
            models.F("owner_id"), status="awaiting_sign_off", name="usecasefact_sign_off_queue"
        ),
    ]
