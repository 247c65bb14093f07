"""Who may import. Admins import any register, into the teams the file names (created on
confirmation) or into one team; a team lead imports into a team they lead, every row into it, and
creates no unit or team. A run is seen by the person who started it and by admins."""

from portfolio.permissions import can_view_portfolio, is_admin, led_team_ids

# The account ``manage.py import_register`` writes as when no one is named: an operator's import.
IMPORTER_USERNAME = "register-import"


def can_import(user) -> bool:
    return can_view_portfolio(user) and (is_admin(user) or bool(led_team_ids(user)))


def may_import_into(user, team) -> bool:
    """``team`` None: the teams the file names, for admins only."""
    if is_admin(user):
        return team is None or not team.is_archived
    return team is not None and not team.is_archived and team.pk in led_team_ids(user)


def may_name_teams(user) -> bool:
    """Whether the user may import into the units and teams a file names, creating the missing."""
    return is_admin(user)


def can_view_run(user, run) -> bool:
    return can_view_portfolio(user) and (is_admin(user) or run.created_by_id == user.pk)


def can_change_run(user, run) -> bool:
    """Map, preview and start a run: its uploader (while still allowed to import into its team)."""
    return (
        can_view_run(user, run) and run.created_by_id == user.pk and may_import_into(user, run.team)
    )


def is_importer_account(user) -> bool:
    """The command's own account: that name, no sign-in, no password: a person who happens to
    take the name gains nothing."""
    return (
        user.get_username() == IMPORTER_USERNAME
        and not user.is_active
        and not user.has_usable_password()
    )


def import_scope(user) -> set[int] | None:
    """The teams whose use cases an import by ``user`` may change: every team (None) for admins
    and the operator's command; a lead's own teams, so a file can never reach past them."""
    if is_admin(user) or is_importer_account(user):
        return None
    return led_team_ids(user)


def sees_every_run(user) -> bool:
    return is_admin(user)
