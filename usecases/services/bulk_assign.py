"""Assigning owners and teams to many drafts at once, from the list: a team lead (for the teams they
lead) or an admin picks rows, a person and/or a team, sees what will happen to each row and why a
row is refused, then confirms. Each row is then done through the services in a transaction of its
own: the person chosen is asked to own it (``usecase_request_ownership``: a request they accept or
decline, never an owner set behind their back) and the draft moves team (``usecase_update``).

Every row carries the version the person saw; a row changed since is refused as stale, never
overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from core.people import person_name
from usecases import permissions
from usecases.choices import Status
from usecases.models import UseCase, parse_key
from usecases.services.claims import usecase_request_ownership
from usecases.services.editing import usecase_update
from usecases.services.errors import EditConflict, UseCaseError

# The most rows one assignment takes; the page says so rather than silently dropping rows.
BULK_LIMIT = 500


@dataclass
class BulkRow:
    """One selected use case: what will happen to it, or why not (``refusal``)."""

    key: str
    seen_version: int | None
    usecase: UseCase | None = None
    steps: list[str] = field(default_factory=list)
    refusal: str = ""
    done: bool = False

    @property
    def selection(self) -> str:
        """How the confirm page posts the row back: key and the version shown."""
        version = self.seen_version if self.seen_version is not None else self.usecase.version
        return f"{self.key}:{version}"


def parse_selection(values: list[str]) -> list[tuple[str, int | None]]:
    """``["UC-12:3", "UC-14"]`` as (key, version seen or None), each key once, in order; a
    version that is not a number counts as not given."""
    seen: dict[str, int | None] = {}
    for value in values:
        key, _, version = value.strip().partition(":")
        key = key.strip().upper()
        if key and key not in seen:
            seen[key] = int(version) if version.isascii() and version.isdigit() else None
    return list(seen.items())


def plan_bulk_assignment(*, actor, selection, owner=None, team=None) -> list[BulkRow]:
    """What assigning ``owner`` and/or ``team`` would do to each selected use case, as it is now:
    one query for the rows. ``selection`` is ``parse_selection``'s answer."""
    numbers = {}
    for key, _ in selection:
        number = parse_key(key)
        if number is not None:
            numbers[number] = key
    found = {
        usecase.key: usecase
        for usecase in UseCase.objects.filter(number__in=numbers).select_related("team", "owner")
    }
    rows = []
    for key, version in selection:
        row = BulkRow(key=key, seen_version=version, usecase=found.get(key))
        row.refusal = _refusal(actor, row, owner, team)
        if not row.refusal:
            row.steps = _steps(row.usecase, owner, team)
        rows.append(row)
    return rows


def _refusal(actor, row: BulkRow, owner, team) -> str:
    """Why this row can't be assigned, or ""."""
    usecase = row.usecase
    if usecase is None:
        return "There is no such use case."
    if not permissions.leads(actor, usecase):
        return f"You don't lead its team, {usecase.team.name}."
    if team is not None and not permissions.may_move_to_team(actor, team):
        return f"You can't move use cases into {team.name}: you don't lead it."
    if row.seen_version is not None and row.seen_version != usecase.version:
        return (
            f"Changed by someone else since you chose it (version {row.seen_version}, now "
            f"{usecase.version}); look at it again."
        )
    if usecase.status != Status.DRAFT:
        return f"It is {usecase.get_status_display().lower()}, not a draft."
    if owner is not None and usecase.owner_id is not None:
        return f"It already has an owner, {person_name(usecase.owner)}."
    if owner is None and team is not None and team.pk == usecase.team_id:
        return f"It is already in {team.name}."
    return ""


def _steps(usecase: UseCase, owner, team) -> list[str]:
    steps = []
    if team is not None and team.pk != usecase.team_id:
        steps.append(f"Moves from {usecase.team.name} to {team.name}.")
    if owner is not None:
        steps.append(f"{person_name(owner)} is asked to own it (to accept or decline).")
    return steps


def apply_bulk_assignment(*, actor, selection, owner=None, team=None) -> list[BulkRow]:
    """Plan again on the rows as they are now, then do each row that is not refused in its own
    transaction; a row refused on the way (changed meanwhile) keeps the service's reason."""
    rows = plan_bulk_assignment(actor=actor, selection=selection, owner=owner, team=team)
    for row in rows:
        if row.refusal:
            continue
        try:
            _apply_row(actor, row, owner, team)
        except EditConflict as conflict:
            row.refusal = (
                f"Changed by someone else since you chose it (now version "
                f"{conflict.current.version}); nothing was done to it."
            )
        except UseCaseError as refusal:
            row.refusal = str(refusal)
        else:
            row.done = True
    return rows


def _apply_row(actor, row: BulkRow, owner, team) -> None:
    """The row's move and request together, or neither."""
    usecase, version = row.usecase, row.usecase.version
    if row.seen_version is not None:
        version = row.seen_version
    with transaction.atomic():
        if team is not None and team.pk != usecase.team_id:
            usecase = usecase_update(
                usecase=usecase, actor=actor, data={"team": team}, expected_version=version
            )
            version = usecase.version
        if owner is not None:
            usecase_request_ownership(
                usecase=usecase, actor=actor, person=owner, expected_version=version
            )
