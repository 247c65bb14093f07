"""The demo's use cases, each brought to its status the way a real one gets there: through the
workflow services, played by the people who may take each step (``usecases.workflow``), as
``demo_data/workflow.json`` tells. Its events, revisions, reviews, sign-offs, transfers, comments
and notifications are therefore the services' own, and every state is one the workflow can
produce. The notifications queue their e-mail inside the seed's transaction, so the tasks exist
exactly when it commits; in development the worker ``make run`` starts prints them to the console.
"""

from __future__ import annotations

from django.utils import timezone

from core.history import history_context
from demo import data
from demo.backdating import backdate_sign_off
from demo.custom_fields import custom_values_of
from demo.data import SEED_HISTORY_MARK, TEXT_FIELDS, DemoDataError, Organisation, SeedReport
from demo.lifecycle import lifecycle_of
from demo.profiles import register_facts_of
from usecases.choices import Action, Source, Status
from usecases.models import UseCase
from usecases.permissions import can_edit
from usecases.services import (
    UseCaseError,
    comment_post,
    usecase_approve,
    usecase_create,
    usecase_reject,
    usecase_request_changes,
    usecase_retire,
    usecase_sign_off,
    usecase_submit,
    usecase_transfer_ownership,
    usecase_update,
)
from usecases.workflow import can

# What a use case's entry in workflow.json may say (its "about" explains each).
STORY_KEYS = frozenset(
    {
        "reviewer",
        "changes_requested",
        "approval_comment",
        "rationale",
        "retired",
        "expires_in_days",
        "transfer",
        "comments",
    }
)
# Attestation expiry, in days from seeding, of a signed demo use case that workflow.json gives
# none: spread over this range, so lists and dashboards show a realistic mix of dates.
DEFAULT_EXPIRY_DAYS = (45, 165)


def stories_of(rows: list[dict]) -> dict[str, dict]:
    stories = data.load("workflow.json")["usecases"]
    refs = {row["ref"] for row in rows}
    for ref, story in stories.items():
        if ref not in refs:
            raise DemoDataError(f"workflow.json tells of {ref}, which usecases.json lacks.")
        unknown = set(story) - STORY_KEYS
        if unknown:
            raise DemoDataError(f"workflow.json, {ref}: unknown keys {', '.join(sorted(unknown))}.")
    return stories


def seed_usecase(
    row: dict, *, story: dict, index: int, org: Organisation, report: SeedReport
) -> None:
    """Create the use case and play its story through the services, unless it exists already."""
    exists = UseCase.objects.filter(source=Source.DEMO, external_ref=row["ref"]).exists()
    if not exists:
        if row["author"] not in org.members[row["team"]]:
            raise DemoDataError(f"{row['ref']}: {row['author']} is not in team {row['team']}.")
        try:
            usecase = _play(row, story=story, index=index, org=org)
        except (UseCaseError, KeyError) as error:
            detail = f"missing {error}" if isinstance(error, KeyError) else error
            raise DemoDataError(f"{row['ref']}, on its way to {row['status']}: {detail}") from error
        if usecase.status != row["status"]:
            raise DemoDataError(
                f"{row['ref']}: its steps in workflow.json end in {usecase.status}, "
                f"not in {row['status']} as usecases.json says."
            )
    report.record(UseCase, created=not exists)


def _play(row: dict, *, story: dict, index: int, org: Organisation) -> UseCase:
    """Bring a new use case to ``row["status"]`` the way people would, one service call per step:

    draft: created only. in_review: the team's lead submits it (after an earlier round of
    "request changes" when the story has one). declined: a reviewer rejects it. awaiting_sign_off:
    a reviewer approves it. active: its owner signs off. retired: active, then retired by the lead.
    A story's transfer hands an active use case to a new owner, who has yet to sign off.
    """
    target = Status(row["status"])
    users = org.users
    author, lead = users[row["author"]], users[org.leads[row["team"]]]
    today = timezone.localdate()
    lifecycle = lifecycle_of(row["status"], index=index, today=today)
    register = register_facts_of(
        lifecycle, index=index, team=row["team"], stated=row.get("register", {})
    )
    final = {
        **_usecase_data(row, org=org),
        **lifecycle,
        **register,
        "custom_values": custom_values_of(index),
    }
    round_ = story.get("changes_requested")
    first_draft = round_["first_draft"] if round_ else {}
    if set(first_draft) - set(TEXT_FIELDS):
        raise DemoDataError(f"{row['ref']}: a first draft may differ in {', '.join(TEXT_FIELDS)}.")

    usecase = _create(row, author=author, fields={**final, **first_draft})
    if target != Status.DRAFT:
        reviewer = users[story.get("reviewer") or _next_reviewer(row, index=index, org=org)]
        if round_:
            corrected = {name: final[name] for name in first_draft}
            usecase = _round_of_changes(
                usecase, round_, author=author, lead=lead, org=org, corrected=corrected
            )
        usecase = _step(usecase_submit, Action.SUBMIT, usecase, lead)
        if target == Status.DECLINED:
            usecase = _step(
                usecase_reject, Action.REJECT, usecase, reviewer, rationale=story["rationale"]
            )
        elif target != Status.IN_REVIEW:
            usecase = _approved(
                usecase, row, story=story, index=index, org=org, reviewer=reviewer, lead=lead
            )

    for comment in story.get("comments", []):
        comment_post(usecase=usecase, actor=users[comment["by"]], body=comment["body"])
    return usecase


def _create(row: dict, *, author, fields: dict) -> UseCase:
    """The use case as its author creates it, marked as the demo's row ``row["ref"]``."""
    usecase = usecase_create(actor=author, data=fields)
    with history_context(service=SEED_HISTORY_MARK):
        UseCase.objects.filter(pk=usecase.pk).update(source=Source.DEMO, external_ref=row["ref"])
    usecase.source, usecase.external_ref = Source.DEMO, row["ref"]
    return usecase


def _round_of_changes(
    usecase: UseCase, round_: dict, *, author, lead, org: Organisation, corrected: dict
) -> UseCase:
    """The lead submits the first draft, a reviewer asks for changes, the author makes them."""
    usecase = _step(usecase_submit, Action.SUBMIT, usecase, lead)
    usecase = _step(
        usecase_request_changes,
        Action.REQUEST_CHANGES,
        usecase,
        org.users[round_["reviewer"]],
        comment=round_["comment"],
    )
    if not can_edit(author, usecase):
        raise DemoDataError(f"{usecase.external_ref}: {author} may not edit it.")
    return usecase_update(
        usecase=usecase, actor=author, data=corrected, expected_version=usecase.version
    )


def _approved(
    usecase: UseCase, row: dict, *, story: dict, index: int, org: Organisation, reviewer, lead
) -> UseCase:
    """Approved by ``reviewer``; then, as the story goes on, signed off by its owner (the
    sign-off moved into the past), handed to a new owner, retired."""
    users = org.users
    target = Status(row["status"])
    usecase = _step(
        usecase_approve,
        Action.APPROVE,
        usecase,
        reviewer,
        comment=story.get("approval_comment", ""),
    )
    if target != Status.AWAITING_SIGN_OFF or "transfer" in story:
        owner = users[row["owner"]]
        usecase = _step(usecase_sign_off, Action.SIGN_OFF, usecase, owner, accepted=True)
        backdate_sign_off(usecase, expires_in_days=_expiry_days(story, index=index))
    if transfer := story.get("transfer"):
        usecase = _step(
            usecase_transfer_ownership,
            Action.TRANSFER_OWNERSHIP,
            usecase,
            users[transfer["by"]],
            new_owner=users[transfer["to"]],
            reason=transfer.get("reason", ""),
        )
    if target == Status.RETIRED:
        retired = story["retired"]
        by = users[retired["by"]] if "by" in retired else lead
        usecase = _step(usecase_retire, Action.RETIRE, usecase, by, reason=retired["reason"])
    return usecase


def _step(service, action: Action, usecase: UseCase, actor, **arguments) -> UseCase:
    """Take one workflow step as ``actor``, who must be someone the pages would offer it to."""
    if not can(actor, action, usecase):
        raise DemoDataError(
            f"{usecase.external_ref}: {actor} may not {action.label.lower()} it while it is "
            f"{usecase.get_status_display().lower()} (see usecases.workflow)."
        )
    return service(usecase=usecase, actor=actor, **arguments)


def _next_reviewer(row: dict, *, index: int, org: Organisation) -> str:
    """The reviewers take turns; nobody decides on a use case they wrote."""
    candidates = [name for name in org.reviewers if name != row["author"]]
    if not candidates:
        raise DemoDataError(f"{row['ref']}: no reviewer other than its author.")
    return candidates[index % len(candidates)]


def _expiry_days(story: dict, *, index: int) -> int:
    if "expires_in_days" in story:
        return int(story["expires_in_days"])
    low, high = DEFAULT_EXPIRY_DAYS
    return low + (index * 37) % (high - low + 1)


def _usecase_data(row: dict, *, org: Organisation) -> dict:
    return {
        **{name: row[name] for name in TEXT_FIELDS},
        **data.measures(row),
        "team": org.teams[row["team"]],
        "owner": org.users[row["owner"]] if row["owner"] else None,
        "products": [org.products[slug] for slug in row["products"]],
        "goals": [org.goals[key] for key in row["goals"]],
        # Contact, vendor, impact, risk and technical facts, from the row's source (checked by
        # the services like any other write).
        **row.get("register", {}),
    }
