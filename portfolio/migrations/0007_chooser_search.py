"""A chooser's search box (``usecases.choosers.kinds.search``) finds the rows holding each typed
word anywhere in one of their fields, as ``icontains`` writes it: ``UPPER(field::text) LIKE
UPPER('%word%')``. No b-tree helps with that: every person was read and matched on each search
(4.7 ms at 4,801 people, and ten times that at ten times as many). A trigram index on each of
those expressions answers a word of three letters or more from the index, whatever the number of
rows (0.05-0.5 ms there); a shorter word still reads the table. ``auth_user`` belongs to Django's
auth app, so the indexes are plain SQL here, as in 0005 and 0006. The tables are small (people in
thousands, teams, products and goals in hundreds): built in the migration's transaction, in
milliseconds."""

from django.db import migrations

# (table, column) searched by a chooser: ``KINDS[...].text``.
SEARCHED = [
    ("auth_user", "username"),
    ("auth_user", "first_name"),
    ("auth_user", "last_name"),
    ("portfolio_team", "name"),
    ("portfolio_team", "slug"),
    ("portfolio_product", "name"),
    ("portfolio_product", "slug"),
    ("portfolio_strategicgoal", "title"),
]


def _name(table: str, column: str) -> str:
    return f"portfolio_chooser_{table.removeprefix('portfolio_')}_{column}_trgm"


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0006_people_chooser_order")]

    operations = [
        # Created by the use cases' search too (``usecases`` 0017), which may run first or after
        # this; neither drops it when undone, as the other's indexes need it.
        migrations.RunSQL(
            sql="CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop
        ),
        *(
            migrations.RunSQL(
                sql=(
                    f"CREATE INDEX {_name(table, column)} ON {table} "
                    f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
                ),
                reverse_sql=f"DROP INDEX {_name(table, column)}",
            )
            for table, column in SEARCHED
        ),
    ]
