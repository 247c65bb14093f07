"""A believable demo organisation, and generated use cases on top of it for scale work.

``seed_demo()`` builds teams, people, products, goals and 60 use cases from the JSON files in
``demo_data/``. The use-case texts are real problems and intents from the US federal AI use-case
inventory 2025 (public domain; each row records its agency and inventory id), so search, lists and
dashboards show what a registry really holds, including a few drafts left deliberately incomplete.

Each use case reaches its status the way a real one does: through the workflow services, played by
the people who may take each step (``permissions.RULES``), as ``demo_data/workflow.json`` tells.
Its events, revisions, reviews, sign-offs, transfers, comments and notifications are therefore the
services' own, and every state is one the workflow can produce. The notifications queue their
e-mail inside the seed's transaction, so the tasks exist exactly when it commits; in development the worker ``make run`` starts prints
them to the console.

Every row is found by a natural key (username, slug, goal title, external reference) and created
only when missing; nothing that exists is changed. Reseeding is therefore safe at any time and
never undoes what someone did while trying the demo.

``bulk_add_usecases()`` adds any number of use cases recombined from the demo texts, with
``bulk_create`` in batches, so list, search and dashboard speed can be measured at scale. Those
rows skip the workflow: their status is set directly (see ``bulk_add_usecases``).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pgtrigger
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, reset_queries, transaction
from django.db.models import F, Model
from django.utils import timezone

from core.history import history_context
from portfolio.choices import ADMINS_GROUP, REVIEWERS_GROUP, MembershipRole
from portfolio.models import Membership, Product, StrategicGoal, Team
from usecases import integrity
from usecases.choices import Action, Source, Status
from usecases.dashboard import seed_snapshots
from usecases.models import (
    LINK_SET_TRIGGERS,
    NUMBER_SEQUENCE,
    Comment,
    Notification,
    OwnershipTransfer,
    Review,
    Revision,
    SignOff,
    UseCase,
    UseCaseEvent,
)
from usecases.permissions import can_edit
from usecases.services import (
    UseCaseError,
    comment_post,
    measurement_record,
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

DEMO_PASSWORD = "demo-registry-2026"
DATA_DIR = Path(__file__).resolve().parent / "demo_data"
ROLE_GROUPS = {"reviewer": REVIEWERS_GROUP, "admin": ADMINS_GROUP}

# Use-case fields read from usecases.json as they are.
TEXT_FIELDS = ["title", "who", "problem", "success_signal", "business_intent"]
# Priority inputs and the success metric: a generated use case borrows them whole from one demo row.
MEASURE_FIELDS = [
    "business_value",
    "effort",
    "metric_name",
    "metric_unit",
    "metric_direction",
    "metric_baseline",
    "metric_target",
    "evidence_area",
]
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
# The seed's own bookkeeping writes (a demo row's source and reference, backdated sign-offs) carry
# this mark in their history context, as a service's writes carry its event name: the timeline
# then shows the workflow steps, not the seed's housekeeping as "changed outside the registry".
SEED_HISTORY_MARK = "demo.seeded"
# Attestation expiry, in days from seeding, of a signed demo use case that workflow.json gives
# none: spread over this range, so lists and dashboards show a realistic mix of dates.
DEFAULT_EXPIRY_DAYS = (45, 165)


class DemoDataError(Exception):
    """The demo data files contradict themselves, or the base demo is missing from the database."""


@dataclass
class SeedReport:
    """Per kind of row, in seeding order: how many the seed created and how many it found.

    ``workflow`` counts what the workflow services wrote along the way (reviews, sign-offs, ...).
    """

    created: Counter = field(default_factory=Counter)
    present: Counter = field(default_factory=Counter)
    workflow: Counter = field(default_factory=Counter)

    def record(self, model: type[Model], *, created: bool) -> None:
        # Both counters get every kind, so either lists the kinds in seeding order.
        kind = str(model._meta.verbose_name_plural)
        self.created[kind] += int(created)
        self.present[kind] += int(not created)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str


@dataclass
class Organisation:
    """The demo's reference rows from the database, keyed the way the JSON files refer to them."""

    teams: dict[str, Team]
    users: dict[str, AbstractBaseUser]
    products: dict[str, Product]
    goals: dict[str, StrategicGoal]
    # Team slug -> usernames: everyone in the team, and its lead (who submits and retires).
    members: dict[str, set[str]] = field(default_factory=dict)
    leads: dict[str, str] = field(default_factory=dict)
    # Usernames of the reviewers, in file order; they take turns deciding.
    reviewers: list[str] = field(default_factory=list)


def _load(name: str) -> dict:
    """A file from ``demo_data/``; numbers with a fraction load as Decimal, as the model stores them."""
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"), parse_float=Decimal)


def demo_logins() -> list[DemoLogin]:
    """The accounts to try the registry with, one per role."""
    return [
        DemoLogin(username=user["username"], role=user["demo_role"])
        for user in _load("organisation.json")["users"]
        if "demo_role" in user
    ]


# What the workflow writes besides use cases, counted for the seed's report.
WORKFLOW_MODELS = [Review, SignOff, OwnershipTransfer, Comment, Notification]


def seed_demo() -> SeedReport:
    """Create whatever part of the demo organisation is missing, in one transaction.

    One transaction, so a failure leaves nothing half-seeded. The services' notifications queue
    their e-mail in the same transaction (the task queue is a table of this database): the tasks
    exist once, and only if it commits.
    """
    data = _load("organisation.json")
    rows = _load("usecases.json")["usecases"]
    stories = _stories(rows)
    report = SeedReport()
    with transaction.atomic():
        before = {model: model.objects.count() for model in WORKFLOW_MODELS}
        teams = {row["slug"]: _seed_team(row, report=report) for row in data["teams"]}
        users = _seed_users(data["users"], report=report)
        _seed_memberships(data["memberships"], teams=teams, users=users, report=report)
        products = {
            row["slug"]: _seed_product(row, teams=teams, users=users, report=report)
            for row in data["products"]
        }
        goals = _seed_goals(data["goals"], users=users, report=report)
        org = Organisation(
            teams=teams,
            users=users,
            products=products,
            goals=goals,
            members=_team_members(data["memberships"]),
            leads=_team_leads(data["memberships"]),
            reviewers=[
                row["username"] for row in data["users"] if "reviewer" in row.get("roles", [])
            ],
        )
        for index, row in enumerate(rows):
            _seed_usecase(
                row, story=stories.get(row["ref"], {}), index=index, org=org, report=report
            )
        _seed_measurements()
        for model in WORKFLOW_MODELS:
            count = model.objects.count() - before[model]
            report.workflow[_kind(model, count)] = count
    # The dashboard's trend charts: today's snapshot and 12 weeks of demo back-fill before it
    # (weeks that have a snapshot keep it, so reseeding adds nothing).
    seed_snapshots(weeks=12)
    return report


def _kind(model: type[Model], count: int) -> str:
    names = model._meta
    return str(names.verbose_name if count == 1 else names.verbose_name_plural)


def _stories(rows: list[dict]) -> dict[str, dict]:
    stories = _load("workflow.json")["usecases"]
    refs = {row["ref"] for row in rows}
    for ref, story in stories.items():
        if ref not in refs:
            raise DemoDataError(f"workflow.json tells of {ref}, which usecases.json lacks.")
        unknown = set(story) - STORY_KEYS
        if unknown:
            raise DemoDataError(f"workflow.json, {ref}: unknown keys {', '.join(sorted(unknown))}.")
    return stories


def _seed_team(row: dict, *, report: SeedReport) -> Team:
    team, created = Team.objects.get_or_create(
        slug=row["slug"],
        defaults={"name": row["name"], "kind": row["kind"], "description": row["description"]},
    )
    report.record(Team, created=created)
    return team


def _seed_users(rows: list[dict], *, report: SeedReport) -> dict[str, AbstractBaseUser]:
    """The demo users share one published password, hashed once rather than once per user: key
    stretching is slow on purpose and would cost seconds on every fresh seed."""
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)
    users = {}
    for row in rows:
        user, created = User.objects.get_or_create(
            username=row["username"],
            defaults={
                "first_name": row["first_name"],
                "last_name": row["last_name"],
                "email": row["email"],
                "password": password,
            },
        )
        if created:
            user.groups.set(
                [Group.objects.get(name=ROLE_GROUPS[role]) for role in row.get("roles", [])]
            )
        report.record(User, created=created)
        users[row["username"]] = user
    return users


def _seed_memberships(
    memberships: dict,
    *,
    teams: dict[str, Team],
    users: dict[str, AbstractBaseUser],
    report: SeedReport,
) -> None:
    for slug, roles in memberships.items():
        for role, usernames in roles.items():
            for username in usernames:
                _, created = Membership.objects.get_or_create(
                    team=teams[slug], user=users[username], defaults={"role": MembershipRole(role)}
                )
                report.record(Membership, created=created)


def _seed_product(
    row: dict,
    *,
    teams: dict[str, Team],
    users: dict[str, AbstractBaseUser],
    report: SeedReport,
) -> Product:
    product, created = Product.objects.get_or_create(
        slug=row["slug"],
        defaults={
            "name": row["name"],
            "team": teams[row["team"]],
            "manager": users[row["manager"]],
            "vision": row["vision"],
            "lifecycle": row["lifecycle"],
        },
    )
    report.record(Product, created=created)
    return product


def _seed_goals(
    rows: list[dict], *, users: dict[str, AbstractBaseUser], report: SeedReport
) -> dict[str, StrategicGoal]:
    """Goals have no natural key but their title; a parent is listed before its children."""
    goals: dict[str, StrategicGoal] = {}
    for row in rows:
        goal, created = StrategicGoal.objects.get_or_create(
            title=row["title"],
            defaults={
                "description": row["description"],
                "owner": users[row["owner"]],
                "parent": goals[row["parent"]] if "parent" in row else None,
                "period": row["period"],
                "status": row["status"],
            },
        )
        report.record(StrategicGoal, created=created)
        goals[row["key"]] = goal
    return goals


def _team_members(memberships: dict) -> dict[str, set[str]]:
    return {
        slug: {username for usernames in roles.values() for username in usernames}
        for slug, roles in memberships.items()
    }


def _team_leads(memberships: dict) -> dict[str, str]:
    return {slug: roles["lead"][0] for slug, roles in memberships.items() if roles.get("lead")}


def _seed_usecase(
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
    final = _usecase_data(row, org=org)
    round_ = story.get("changes_requested")
    first_draft = round_["first_draft"] if round_ else {}
    if set(first_draft) - set(TEXT_FIELDS):
        raise DemoDataError(f"{row['ref']}: a first draft may differ in {', '.join(TEXT_FIELDS)}.")

    usecase = usecase_create(actor=author, data={**final, **first_draft})
    with history_context(service=SEED_HISTORY_MARK):
        UseCase.objects.filter(pk=usecase.pk).update(source=Source.DEMO, external_ref=row["ref"])
    usecase.source, usecase.external_ref = Source.DEMO, row["ref"]

    if target != Status.DRAFT:
        reviewer = users[story.get("reviewer") or _next_reviewer(row, index=index, org=org)]
        if round_:
            usecase = _step(usecase_submit, Action.SUBMIT, usecase, lead)
            usecase = _step(
                usecase_request_changes,
                Action.REQUEST_CHANGES,
                usecase,
                users[round_["reviewer"]],
                comment=round_["comment"],
            )
            if not can_edit(author, usecase):
                raise DemoDataError(f"{row['ref']}: {author} may not edit it.")
            usecase = usecase_update(
                usecase=usecase,
                actor=author,
                data={name: final[name] for name in first_draft},
                expected_version=usecase.version,
            )
        usecase = _step(usecase_submit, Action.SUBMIT, usecase, lead)
        if target == Status.DECLINED:
            usecase = _step(
                usecase_reject, Action.REJECT, usecase, reviewer, rationale=story["rationale"]
            )
        elif target != Status.IN_REVIEW:
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
                _backdate_sign_off(usecase, expires_in_days=_expiry_days(story, index=index))
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
                usecase = _step(
                    usecase_retire, Action.RETIRE, usecase, by, reason=retired["reason"]
                )

    for comment in story.get("comments", []):
        comment_post(usecase=usecase, actor=users[comment["by"]], body=comment["body"])
    return usecase


def _step(service, action: Action, usecase: UseCase, actor, **arguments) -> UseCase:
    """Take one workflow step as ``actor``, who must be someone the pages would offer it to."""
    if not can(actor, action, usecase):
        raise DemoDataError(
            f"{usecase.external_ref}: {actor} may not {action.label.lower()} it while it is "
            f"{usecase.get_status_display().lower()} (see permissions.RULES)."
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


def _backdate_sign_off(usecase: UseCase, *, expires_in_days: int) -> None:
    """Move a fresh sign-off into the past, so its attestation runs out ``expires_in_days`` from
    today (negative: it is overdue).

    DEMO DATA ONLY. The services sign off "now" and give the attestation the full validity period,
    so without this every demo attestation would be brand new. The whole history of the use case
    so far moves back by the same amount, with queryset ``update()``: the use case's own dates
    (``signed_off_at``, ``attestation_expires_at``, created and updated), its ``SignOff``
    (``signed_at``, ``expires_at``), and the events, revisions, reviews and notifications written
    on the way. The use case, its current sign-off and its timeline then agree with each other.
    Steps taken afterwards (a transfer, retirement, comments) happen today.
    """
    age = timedelta(days=settings.SIGN_OFF_VALID_DAYS - expires_in_days)
    if age <= timedelta(0):
        return
    shift = {"usecase_id": usecase.pk}
    with history_context(service=SEED_HISTORY_MARK):
        UseCase.objects.filter(pk=usecase.pk).update(
            signed_off_at=F("signed_off_at") - age,
            attestation_expires_at=F("attestation_expires_at") - age,
            created_at=F("created_at") - age,
            updated_at=F("updated_at") - age,
        )
        SignOff.objects.filter(**shift).update(
            signed_at=F("signed_at") - age, expires_at=F("expires_at") - age
        )
        Review.objects.filter(**shift).update(
            submitted_at=F("submitted_at") - age, decided_at=F("decided_at") - age
        )
        for model in (UseCaseEvent, Revision, Notification):
            model.objects.filter(**shift).update(created_at=F("created_at") - age)


def _usecase_data(row: dict, *, org: Organisation) -> dict:
    return {
        **{name: row[name] for name in TEXT_FIELDS},
        **_measures(row),
        "team": org.teams[row["team"]],
        "owner": org.users[row["owner"]] if row["owner"] else None,
        "products": [org.products[slug] for slug in row["products"]],
        "goals": [org.goals[key] for key in row["goals"]],
    }


def _measures(row: dict) -> dict:
    target_date = row["metric_target_date"]
    return {
        **{name: row[name] for name in MEASURE_FIELDS},
        "metric_target_date": date.fromisoformat(target_date) if target_date else None,
    }


# Generated rows: roughly the status mix of a registry that has been in use for a few years.
BULK_STATUS_WEIGHTS = {
    Status.DRAFT: 30,
    Status.IN_REVIEW: 10,
    Status.AWAITING_SIGN_OFF: 8,
    Status.ACTIVE: 40,
    Status.DECLINED: 5,
    Status.RETIRED: 7,
}
# Share of generated drafts left unfinished: no owner, no success signal, no metric.
BULK_UNFINISHED_DRAFTS = 0.4
# Variants of a demo title, as the same idea comes back for another region, phase or audience.
BULK_TITLE_VARIANTS = [
    "pilot",
    "phase 2",
    "national roll-out",
    "northern region",
    "southern region",
    "eastern region",
    "western region",
    "appeals",
    "reassessments",
    "new claims",
    "overseas claimants",
    "representatives",
    "partner organisations",
    "employer accounts",
    "peak season",
    "weekend service",
    "night shift",
    "mailroom",
    "second iteration",
    "scale-up",
]
# Rows per INSERT: large enough to amortise the round trip, small enough to keep memory flat.
BULK_BATCH_SIZE = 5000
# A fixed seed, so every scale run measures the same data.
BULK_SEED = 2026
# Share of generated active use cases whose attestation is overdue.
BULK_OVERDUE_SHARE = 0.1
# Statuses whose generated rows carry sign-off dates: signed once, whatever happened since.
BULK_SIGNED_STATUSES = frozenset({Status.ACTIVE, Status.RETIRED})


def bulk_add_usecases(*, count: int) -> None:
    """Add ``count`` use cases to the demo organisation for scale work, in one transaction.

    Texts, people, products and goals are recombined from the demo, so search and filters meet
    realistic data. Rows go in with ``bulk_create`` and are linked through the many-to-many tables
    directly. They carry ``source=demo`` and an empty external reference, which the unique
    constraint ignores.

    Bulk rows skip the workflow: their status is set directly, and they get no events, revisions,
    reviews, sign-offs or notifications (the database's history triggers still record each
    insert, so their timelines show them as created outside the registry's pages). They give
    lists, search and dashboards their volume; a workflow history per row would multiply the
    writes for data no scale run reads. So that dashboards treat them sensibly, active and retired
    rows carry the dates a sign-off would have left (``signed_off_at``,
    ``attestation_expires_at``), about one active row in ten with its attestation overdue.
    """
    generator = _BulkGenerator.from_demo()
    with transaction.atomic():
        # Check foreign keys at the end of each INSERT rather than at commit. Django creates them
        # DEFERRABLE INITIALLY DEFERRED, so every row would queue its checks until commit, and
        # the history trigger's exception block (pghistory's context lookup, a subtransaction
        # per row) scans that queue when it ends: time per batch grew with every batch, 100,000
        # rows took minutes. Bulk rows only reference rows that exist already.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for start in range(0, count, BULK_BATCH_SIZE):
            generator.insert(size=min(BULK_BATCH_SIZE, count - start))
            # Under DEBUG, Django keeps the SQL of every query: here, each batch's data once more.
            reset_queries()


@dataclass(frozen=True)
class _BulkTeam:
    pk: int
    member_ids: list[int]


@dataclass(frozen=True)
class _BulkRow:
    usecase: UseCase
    product_ids: list[int]
    goal_ids: list[int]


class _BulkGenerator:
    """Builds unsaved use cases from the demo's texts and reference rows."""

    def __init__(
        self,
        *,
        rows: list[dict],
        teams: list[_BulkTeam],
        product_ids: list[int],
        goal_ids: list[int],
    ):
        self.rng = random.Random(BULK_SEED)
        self.rows = rows
        self.measures = [_measures(row) for row in rows]
        self.whos = [row["who"] for row in rows if row["who"]]
        self.signals = [row["success_signal"] for row in rows if row["success_signal"]]
        self.teams = teams
        self.product_ids = product_ids
        self.goal_ids = goal_ids
        self.now = timezone.now()
        self.valid = timedelta(days=settings.SIGN_OFF_VALID_DAYS)
        # Signed at a random moment within this span before now: the oldest part has expired.
        self.signed_span = self.valid / (1 - BULK_OVERDUE_SHARE)

    @classmethod
    def from_demo(cls) -> _BulkGenerator:
        organisation = _load("organisation.json")
        products = Product.objects.filter(
            slug__in=[row["slug"] for row in organisation["products"]]
        )
        goals = StrategicGoal.objects.filter(
            title__in=[row["title"] for row in organisation["goals"]]
        )
        return cls(
            rows=_load("usecases.json")["usecases"],
            teams=_demo_teams(slugs=[row["slug"] for row in organisation["teams"]]),
            product_ids=list(products.values_list("pk", flat=True)),
            goal_ids=list(goals.values_list("pk", flat=True)),
        )

    def insert(self, *, size: int) -> None:
        statuses = self.rng.choices(
            list(BULK_STATUS_WEIGHTS), weights=list(BULK_STATUS_WEIGHTS.values()), k=size
        )
        numbers = _take_numbers(count=size)
        rows = [self._row(status=s, number=n) for s, n in zip(statuses, numbers, strict=True)]
        UseCase.objects.bulk_create([row.usecase for row in rows])
        ProductLink, GoalLink = UseCase.products.through, UseCase.goals.through
        # Each link table's trigger would rewrite the batch's use cases to keep their id arrays;
        # rewrite them once, after both, instead.
        with pgtrigger.ignore(*LINK_SET_TRIGGERS):
            ProductLink.objects.bulk_create(
                ProductLink(usecase_id=row.usecase.pk, product_id=pk)
                for row in rows
                for pk in row.product_ids
            )
            GoalLink.objects.bulk_create(
                GoalLink(usecase_id=row.usecase.pk, strategicgoal_id=pk)
                for row in rows
                for pk in row.goal_ids
            )
        UseCase.objects.filter(pk__in=[row.usecase.pk for row in rows]).update(goal_ids=[])

    def _row(self, *, status: Status, number: int) -> _BulkRow:
        """One demo row's title, problem and metric, with another's intent and a third's people."""
        rng = self.rng
        index = rng.randrange(len(self.rows))
        source, other = self.rows[index], rng.choice(self.rows)
        team = rng.choice(self.teams)
        unfinished = status == Status.DRAFT and rng.random() < BULK_UNFINISHED_DRAFTS
        signed_off_at = (
            self.now - self.signed_span * rng.random() if status in BULK_SIGNED_STATUSES else None
        )
        usecase = UseCase(
            number=number,
            **({} if unfinished else self.measures[index]),
            title=f"{source['title']} ({rng.choice(BULK_TITLE_VARIANTS)})"[:200],
            who=rng.choice(self.whos),
            problem=f"{source['problem']} {other['problem']}",
            success_signal="" if unfinished else rng.choice(self.signals),
            business_intent=other["business_intent"],
            team_id=team.pk,
            author_id=rng.choice(team.member_ids),
            owner_id=None if unfinished else rng.choice(team.member_ids),
            status=status,
            signed_off_at=signed_off_at,
            attestation_expires_at=signed_off_at + self.valid if signed_off_at else None,
            source=Source.DEMO,
        )
        return _BulkRow(
            usecase=usecase,
            product_ids=rng.sample(self.product_ids, rng.randint(1, 2)),
            goal_ids=rng.sample(self.goal_ids, rng.randint(1, 2)),
        )


def _demo_teams(*, slugs: list[str]) -> list[_BulkTeam]:
    """The demo teams with their members; refuses when the base demo has not been seeded."""
    members: dict[int, list[int]] = {}
    memberships = Membership.objects.filter(team__slug__in=slugs).values_list("team_id", "user_id")
    for team_id, user_id in memberships:
        members.setdefault(team_id, []).append(user_id)
    if len(members) < len(slugs):
        raise DemoDataError("The demo organisation is missing: run seed_demo first.")
    return [_BulkTeam(pk=pk, member_ids=ids) for pk, ids in members.items()]


def _take_numbers(*, count: int) -> list[int]:
    """Draw use-case numbers from their sequence ahead of the insert. Left to the database default,
    every row would carry an expression, which rules out PostgreSQL's UNNEST bulk insert: one
    placeholder per row and field instead of one per field, twice as slow at 100,000 rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [NUMBER_SEQUENCE, count]
        )
        return [number for (number,) in cursor.fetchall()]


# How the demo's active use cases have measured so far: the share of the planned progress reached
# at each reading (1.0 = exactly on the line from baseline to target), or None for "not measured
# yet". "stale" readings stop four months ago. The cycle gives every evidence status on the
# dashboard and on "my work".
MEASUREMENT_SHAPES = [
    ("on track", 1.05, False),
    ("at risk", 0.94, False),
    ("off track", 0.55, False),
    ("on track", 1.1, False),
    ("stale", 1.0, True),
    None,
]


def _seed_measurements() -> None:
    """Monthly readings, recorded by each owner through the service, for active demo use cases
    with a complete metric and no readings yet (so reseeding adds nothing)."""
    today = timezone.localdate()
    candidates = (
        UseCase.objects.filter(source=Source.DEMO, status=Status.ACTIVE, measurements__isnull=True)
        .exclude(external_ref="")
        .exclude(metric_baseline=None)
        .exclude(metric_target=None)
        .exclude(metric_target_date=None)
        .select_related("owner")
        .order_by("number")
    )
    for usecase in candidates:
        # Chosen by number, not position, so a use case left unmeasured stays so on a reseed.
        shape = MEASUREMENT_SHAPES[usecase.number % len(MEASUREMENT_SHAPES)]
        if shape is None:
            continue
        _, progress, stale = shape
        start = min(today - timedelta(days=240), usecase.metric_target_date - timedelta(days=60))
        with history_context(service=SEED_HISTORY_MARK), integrity.demo_rewrite_signed_text():
            # In the demo's story the owner signed this baseline date: the date moves back, and
            # the sign-off's digest with it, like the dates _backdate_sign_off moves.
            UseCase.objects.filter(pk=usecase.pk).update(metric_baseline_date=start)
            integrity.demo_rebind_sign_off(usecase)
        last = today - timedelta(days=120 if stale else 10)
        span = (usecase.metric_target_date - start).days or 1
        gap = usecase.metric_target - usecase.metric_baseline
        for month in range(4, -1, -1):
            measured_on = last - timedelta(days=30 * month)
            if measured_on <= start:
                continue
            planned = min((measured_on - start).days / span, 1.0)
            value = usecase.metric_baseline + gap * Decimal(str(round(planned * progress, 4)))
            measurement_record(
                usecase=usecase,
                actor=usecase.owner,
                measured_on=measured_on,
                value=value.quantize(Decimal("0.01")),
                note="Monthly reading (demo data).",
            )
