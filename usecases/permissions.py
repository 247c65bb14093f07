"""Who may do what with a use case. Views ask these; the workflow's actions name the role each
one needs (``usecases.workflow``), and templates ask ``workflow.get_actions``.

Roles: everyone signed in reads and comments; members of the owning team (and the author) edit
drafts and active use cases; team leads also submit, transfer and retire them; reviewers decide
reviews of use cases they did not write; the named owner signs off, declines and re-attests;
admins may do anything a lead may. Rules that must hold whoever asks (separation of duties) are
enforced again in ``usecases.services``, which ask these predicates.
"""

from portfolio.permissions import (
    can_view_portfolio,
    is_admin,
    is_lead,
    is_member,
    is_reviewer,
    led_team_ids,
    team_roles,
)
from usecases.choices import EDITABLE_STATUSES, MEASURABLE_STATUSES, Status
from usecases.contacts import is_contact


def can_view(user, usecase=None) -> bool:
    return can_view_portfolio(user)


def can_use_choosers(user) -> bool:
    """Everyone signed in searches the choosers' people, teams, products and goals: the same
    names every use case page shows them. A chooser's scope narrows the rows to what its form
    accepts (``usecases.choosers.kinds.SCOPES``); the form still validates what is posted."""
    return can_view_portfolio(user)


def can_comment(user, usecase) -> bool:
    return can_view_portfolio(user)


def can_create(user) -> bool:
    """Anyone in a team (or an admin) can log a use case for one of their teams."""
    return can_view_portfolio(user) and (is_admin(user) or bool(team_roles(user)))


def creatable_team_ids(user) -> set[int] | None:
    """Teams the user may file a use case under; None means every team (admins)."""
    if is_admin(user):
        return None
    return set(team_roles(user))


def _in_team(user, usecase) -> bool:
    return is_admin(user) or is_member(user, usecase.team_id) or usecase.author_id == user.pk


# The roles that may take workflow actions (``usecases.workflow`` names one per action).


def leads(user, usecase) -> bool:
    """A lead of the owning team, or an admin."""
    return is_admin(user) or is_lead(user, usecase.team_id)


def is_owner(user, usecase) -> bool:
    return usecase.owner_id is not None and usecase.owner_id == user.pk


def may_decide(user, usecase) -> bool:
    """A reviewer who neither wrote the use case nor sent this version to review."""
    return is_reviewer(user) and not usecase.is_review_party(user)


def may_transfer(user, usecase) -> bool:
    return is_owner(user, usecase) or leads(user, usecase)


def may_reopen(user, usecase) -> bool:
    return leads(user, usecase) or usecase.author_id == user.pk


def can_edit(user, usecase) -> bool:
    if not can_view_portfolio(user) or usecase.status not in EDITABLE_STATUSES:
        return False
    return _in_team(user, usecase)


# --- Claiming unowned drafts (imported use cases) -----------------------------------------------


def is_unowned_draft(usecase) -> bool:
    return usecase.status == Status.DRAFT and usecase.owner_id is None


def may_request_ownership(user, usecase) -> bool:
    """A lead of the owning team (or an admin) asks someone to own a draft nobody owns."""
    return can_view_portfolio(user) and is_unowned_draft(usecase) and leads(user, usecase)


def may_claim(user, usecase) -> bool:
    """The person an unowned imported draft names as its contact takes ownership directly."""
    return (
        can_view_portfolio(user)
        and is_unowned_draft(usecase)
        and usecase.is_imported
        and is_contact(user, usecase)
    )


def may_answer_ownership_request(user, ownership_request) -> bool:
    """Only the person asked accepts or declines, while the request is open."""
    return (
        can_view_portfolio(user)
        and ownership_request.resolved_at is None
        and ownership_request.person_id == user.pk
    )


def can_claim(user, usecase, open_request) -> bool:
    """Take ownership of an unowned draft: as the person ``open_request`` asks, or as its contact."""
    if not is_unowned_draft(usecase):
        return False
    asked = open_request is not None and may_answer_ownership_request(user, open_request)
    return asked or may_claim(user, usecase)


def can_bulk_assign(user) -> bool:
    """The list's bulk assignment: admins, and leads (for their own teams' use cases)."""
    return can_view_portfolio(user) and (
        is_admin(user) or any(is_lead(user, team_id) for team_id in team_roles(user))
    )


def bulk_assign_team_ids(user) -> set[int] | None:
    """The teams whose use cases ``user`` assigns in bulk and may move them into: the ones they
    lead; None means every team (admins)."""
    if is_admin(user):
        return None
    return led_team_ids(user)


def may_move_to_team(user, team) -> bool:
    """A lead moves a use case only into a team they lead; an admin into any team not archived."""
    return not team.is_archived and (is_admin(user) or is_lead(user, team.pk))


def can_view_review_queue(user) -> bool:
    """The Reviews page: what waits for a reviewer's decision."""
    return is_reviewer(user)


def can_view_own_work(user) -> bool:
    """The inbox and the Sign-offs page: every signed-in person has their own."""
    return can_view_portfolio(user)


# --- Success-signal evidence ----------------------------------------------------------------------


def is_measurable(usecase) -> bool:
    """Measurements are taken once a use case is approved (until it is retired) and has a metric."""
    return usecase.status in MEASURABLE_STATUSES and bool(usecase.metric_name)


def is_measurement_recorder(user, usecase) -> bool:
    """A team member the owner allowed to record. Uses the prefetched recorders when the page
    loaded them; someone who has left the team no longer counts."""
    if not is_member(user, usecase.team_id):
        return False
    return any(person.pk == user.pk for person in usecase.measurement_recorders.all())


def _is_evidence_keeper(user, usecase) -> bool:
    """The owner; during a handover the outgoing owner, until the new one signs
    (``UseCase.evidence_keeper_id``): someone not yet signed cannot delete what was measured."""
    return usecase.evidence_keeper_id is not None and usecase.evidence_keeper_id == user.pk


def can_record_measurement(user, usecase) -> bool:
    """The evidence keeper (the owner), or a team member they allowed, on an approved use case
    with a metric."""
    if not can_view_portfolio(user) or not is_measurable(usecase):
        return False
    return _is_evidence_keeper(user, usecase) or is_measurement_recorder(user, usecase)


def can_delete_measurement(user, measurement, usecase) -> bool:
    """The evidence keeper deletes any measurement; a recorder deletes the ones they recorded."""
    if not can_record_measurement(user, usecase):
        return False
    return _is_evidence_keeper(user, usecase) or measurement.recorded_by_id == user.pk


def measurement_deletable(user, usecase):
    """``can_delete_measurement`` for each of ``usecase``'s measurements: a function of the
    measurement, what does not depend on it checked once."""
    if not can_record_measurement(user, usecase):
        return lambda measurement: False
    if _is_evidence_keeper(user, usecase):
        return lambda measurement: True
    return lambda measurement: measurement.recorded_by_id == user.pk


def can_manage_recorders(user, usecase) -> bool:
    """Only the evidence keeper chooses who else may record measurements."""
    return can_view_portfolio(user) and _is_evidence_keeper(user, usecase)


def keeps_measurements(user, usecase) -> bool:
    """The evidence keeper or an allowed recorder, whatever the use case's state: someone who is
    told why a measurement can't be recorded now, rather than refused outright."""
    return can_view_portfolio(user) and (
        _is_evidence_keeper(user, usecase) or is_measurement_recorder(user, usecase)
    )


def keeps_measurement(user, measurement, usecase) -> bool:
    """``keeps_measurements`` for one reading: the evidence keeper, or the recorder who took it."""
    return keeps_measurements(user, usecase) and (
        _is_evidence_keeper(user, usecase) or measurement.recorded_by_id == user.pk
    )


def can_view_dashboard(user) -> bool:
    """The ownership dashboard is read-only: reviewers and admins are its audience, and everyone
    else signed in sees the same page."""
    return can_view_portfolio(user)
