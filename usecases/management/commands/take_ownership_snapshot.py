"""``manage.py take_ownership_snapshot``: run once a week (cron, a systemd timer)."""

from django.core.management.base import BaseCommand

from usecases.dashboard.snapshots import ownership_snapshot_take


class Command(BaseCommand):
    help = (
        "Record the ownership dashboard's key counts as they stand now, for the whole "
        "organisation and per team: the weekly points of its trend charts. Taken twice on one "
        "day, the day's snapshots are updated, never duplicated."
    )

    def handle(self, *args, **options):
        taken = ownership_snapshot_take()
        teams = sum(1 for snapshot in taken if snapshot.team_id is not None)
        day = taken[0].taken_on if taken else None
        self.stdout.write(
            f"Took the ownership snapshot of {day}: the organisation and {teams} "
            f"team{'' if teams == 1 else 's'}."
        )
