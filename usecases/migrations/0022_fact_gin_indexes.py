"""GIN indexes on the summary facts' goals, goal closure and products: a dashboard filtered by a
goal or a product counts the facts they find (``usecases.dashboard.live.count_facts``). Built
concurrently, outside a transaction: every write to a use case, its links, reviews or
memberships writes facts, and a plain build would hold them all up for as long as it takes."""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("usecases", "0021_team_tally"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="usecasefact",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=[field], name=f"usecasefact_{name}"
            ),
        )
        for field, name in (
            ("goal_closure", "goal_closure"),
            ("goal_ids", "goals"),
            ("product_ids", "products"),
        )
    ]
