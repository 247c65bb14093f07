"""The people page lists people by name, 50 a page, active or deactivated: an index in that order
lets a page be read without sorting everyone first. ``auth_user`` belongs to Django's auth app,
so the index is plain SQL here, beside the people's memberships."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0004_team_parent"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunSQL(
            sql=(
                "CREATE INDEX portfolio_person_by_name "
                "ON auth_user (is_active, last_name, first_name, username)"
            ),
            reverse_sql="DROP INDEX portfolio_person_by_name",
        ),
    ]
