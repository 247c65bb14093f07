"""GIN indexes on the goals' closure and the products of the facts waiting in review or for
sign-off, one per status: the dashboard's longest wait within a goal or product, where the walk
down the waiting index finds none of its use cases, reads those of the status in it alone, not
every fact of the goal or product (``usecases.dashboard.summary.oldest_waiting``; a top goal's
fallback read 478k facts in 350 ms at a million use cases). Built concurrently, outside a
transaction, as 0022's: every write to a use case writes its fact."""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("usecases", "0026_scope_tallies"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="usecasefact",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=[array],
                condition=models.Q(status=status, waiting_since__isnull=False),
                name=f"usecasefact_{short_status}_{short_array}",
            ),
        )
        for array, short_array in (("goal_closure", "goals"), ("product_ids", "products"))
        for status, short_status in (("in_review", "review"), ("awaiting_sign_off", "signoff"))
    ]
