"""A person chooser offers the first 40 people by first name, last name and username, the id
breaking ties (``usecases.choosers``): an index in that order lets the page read those 40 instead
of sorting everyone on each page that offers a chooser. ``auth_user`` belongs to Django's auth
app, so the index is plain SQL here, as in 0005."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0005_people_by_name")]

    operations = [
        migrations.RunSQL(
            sql=(
                "CREATE INDEX portfolio_person_chooser_order "
                "ON auth_user (first_name, last_name, username, id)"
            ),
            reverse_sql="DROP INDEX portfolio_person_chooser_order",
        ),
    ]
