"""The demo data: every use case reaches its status through the workflow services, each state is
one the workflow can produce, a second run changes nothing, bulk mode still works, and the command
refuses to publish its admin password outside development."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from demo import data
from demo.data import DemoDataError
from demo.organisation import seed_demo
from portfolio.choices import REVIEWERS_GROUP, MembershipRole
from portfolio.models import Membership
from usecases import integrity
from usecases.choices import (
    EventKind,
    ImpactLevel,
    LifecycleStage,
    NotificationKind,
    ReviewDecision,
    Source,
    Status,
)
from usecases.concerns import concern_condition
from usecases.models import (
    Comment,
    CustomField,
    EnabledProfile,
    Notification,
    OwnershipTransfer,
    Review,
    SignOff,
    UseCase,
)
from usecases.profiles import PROFILES, profile_gaps
from usecases.tasks import send_notification_email

User = get_user_model()


def seed(*arguments: str) -> str:
    out = StringIO()
    call_command("seed_demo", *arguments, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    """Rows in every table Django knows, history and task queue included."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def usecase_state() -> list[tuple]:
    return list(UseCase.objects.order_by("pk").values_list("pk", "status", "version", "updated_at"))


def demo_usecases():
    return UseCase.objects.filter(source=Source.DEMO).exclude(external_ref="")


@pytest.fixture
def seeded(db):
    seed_demo()


def test_a_second_run_creates_and_changes_nothing(db, settings):
    settings.DEBUG = True
    seed()
    counts, state = row_counts(), usecase_state()

    output = seed()

    assert row_counts() == counts
    assert usecase_state() == state
    assert "The workflow services wrote" not in output
    assert re.search(r"^use cases\s+0\s+60$", output, re.MULTILINE)


def test_every_status_is_reached_through_the_services(seeded):
    usecases = demo_usecases()
    assert usecases.count() == 60
    assert set(usecases.values_list("status", flat=True)) == set(Status.values)
    for usecase in usecases:
        created = usecase.events.get(kind=EventKind.CREATED)
        assert created.actor_id == usecase.author_id, usecase.external_ref
        if usecase.status != Status.DRAFT:
            # Leads submit (usecases.workflow), and every submission is one review round.
            submitters = set(
                usecase.events.filter(kind=EventKind.SUBMITTED).values_list("actor_id", flat=True)
            )
            leads = set(
                Membership.objects.filter(
                    team=usecase.team_id, role=MembershipRole.LEAD
                ).values_list("user_id", flat=True)
            )
            assert submitters and submitters <= leads, usecase.external_ref
            assert (
                usecase.reviews.count() == usecase.events.filter(kind=EventKind.SUBMITTED).count()
            )


def test_each_state_is_one_the_workflow_produces(seeded):
    now = timezone.now()
    reviewers = set(User.objects.filter(groups__name=REVIEWERS_GROUP).values_list("pk", flat=True))
    for usecase in demo_usecases().select_related("owner"):
        ref = usecase.external_ref
        reviews = list(usecase.reviews.order_by("submitted_at", "pk"))
        open_reviews = [review for review in reviews if review.decided_at is None]
        decided = [review for review in reviews if review.decided_at is not None]
        current = SignOff.objects.filter(usecase=usecase, superseded_at__isnull=True).first()
        for review in decided:
            assert review.reviewer_id in reviewers, ref
            assert review.reviewer_id != usecase.author_id, ref

        if usecase.status == Status.DRAFT:
            assert not reviews and current is None, ref
        elif usecase.status == Status.IN_REVIEW:
            assert len(open_reviews) == 1, ref
            assert all(r.decision == ReviewDecision.CHANGES_REQUESTED for r in decided), ref
        else:
            assert not open_reviews, ref
            last = decided[-1].decision
            if usecase.status == Status.DECLINED:
                assert last == ReviewDecision.REJECTED and decided[-1].comment, ref
            else:
                assert last == ReviewDecision.APPROVED, ref
        if usecase.status == Status.AWAITING_SIGN_OFF:
            assert usecase.owner is not None, ref
        if usecase.status in (Status.ACTIVE, Status.RETIRED):
            assert usecase.owner is not None and current is not None, ref
            assert current.owner_id == usecase.owner_id, ref
            assert current.signed_at == usecase.signed_off_at, ref
            assert current.expires_at == usecase.attestation_expires_at, ref
            assert current.signed_at <= now, ref
            assert usecase.events.get(kind=EventKind.SIGNED_OFF).created_at <= now, ref
        if usecase.status == Status.RETIRED:
            assert usecase.events.get(kind=EventKind.RETIRED).note, ref


def test_some_use_cases_went_through_a_round_of_changes(seeded):
    resubmitted = demo_usecases().filter(
        status=Status.IN_REVIEW, reviews__decision=ReviewDecision.CHANGES_REQUESTED
    )
    assert resubmitted.count() >= 2
    for usecase in resubmitted:
        kinds = list(usecase.events.order_by("created_at", "pk").values_list("kind", "actor_id"))
        assert [kind for kind, _ in kinds] == [
            EventKind.CREATED,
            EventKind.SUBMITTED,
            EventKind.CHANGES_REQUESTED,
            EventKind.UPDATED,
            EventKind.SUBMITTED,
        ]
        assert kinds[3][1] == usecase.author_id  # the author fixed it


def test_attestations_include_overdue_and_soon_due_ones(seeded, settings):
    now = timezone.now()
    active = demo_usecases().filter(status=Status.ACTIVE)
    assert UseCase.objects.overdue().exists()
    assert active.filter(
        attestation_expires_at__gte=now, attestation_expires_at__lt=now + timedelta(days=30)
    ).exists()
    # Signed on different days, each sign-off valid for the configured period.
    assert active.values("signed_off_at__date").distinct().count() > 5
    for sign_off in SignOff.objects.filter(usecase__in=active):
        assert sign_off.expires_at - sign_off.signed_at == timedelta(
            days=settings.SIGN_OFF_VALID_DAYS
        )


def test_one_ownership_transfer_waits_for_the_new_owner(seeded):
    transfer = OwnershipTransfer.objects.get(resolved_at__isnull=True)
    usecase = transfer.usecase
    assert usecase.status == Status.AWAITING_SIGN_OFF
    assert usecase.owner_id == transfer.to_owner_id != transfer.from_owner_id
    # The previous owner's sign-off holds until the new owner signs.
    assert SignOff.objects.get(usecase=usecase, superseded_at__isnull=True).owner_id == (
        transfer.from_owner_id
    )
    assert Notification.objects.filter(
        usecase=usecase,
        recipient=transfer.to_owner,
        kind=NotificationKind.OWNERSHIP_TRANSFERRED,
    ).exists()


def test_comments_and_notifications_come_from_the_services(
    db, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        seed_demo()

    assert Comment.objects.values("usecase").distinct().count() >= 3
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {
        NotificationKind.REVIEW_REQUESTED,
        NotificationKind.REVIEW_DECIDED,
        NotificationKind.SIGN_OFF_REQUESTED,
        NotificationKind.OWNERSHIP_TRANSFERRED,
    } <= kinds
    # Each notice's e-mail was queued once, with the seed's commit, for the worker to send.
    queued = sorted(
        result.task_result.args[0]
        for result in DBTaskResult.objects.filter(task_path=send_notification_email.module_path)
    )
    assert queued == sorted(Notification.objects.values_list("pk", flat=True))


def test_bulk_mode_adds_use_cases_with_products_goals_and_sign_off_dates(db, settings):
    seed("--force")
    before = set(UseCase.objects.values_list("pk", flat=True))

    output = seed("--force", "--use-cases", "50")

    added = UseCase.objects.exclude(pk__in=before)
    assert added.count() == 50
    assert "Added 50 generated use cases" in output
    assert not added.filter(products__isnull=True).exists()
    assert not added.filter(goals__isnull=True).exists()
    # The dashboard's id arrays hold the links, though the links went in around their triggers.
    for usecase in added:
        assert usecase.goal_ids == sorted(usecase.goals.values_list("pk", flat=True))
        assert usecase.product_ids == sorted(usecase.products.values_list("pk", flat=True))
    for usecase in added.filter(status__in=[Status.ACTIVE, Status.RETIRED]):
        assert usecase.attestation_expires_at - usecase.signed_off_at == timedelta(
            days=settings.SIGN_OFF_VALID_DAYS
        )
    assert added.filter(status=Status.ACTIVE).exists()
    assert not added.exclude(status__in=[Status.ACTIVE, Status.RETIRED]).filter(
        signed_off_at__isnull=False
    )
    # Bulk rows skip the workflow.
    assert not Review.objects.filter(usecase__in=added).exists()


def test_refuses_without_debug_unless_forced(db, settings):
    settings.DEBUG = False
    for arguments in [(), ("--use-cases", "10")]:
        with pytest.raises(CommandError, match=r"DEBUG off.*--force"):
            seed(*arguments)
    assert not User.objects.exists()
    assert not UseCase.objects.exists()

    seed("--force")
    assert User.objects.filter(username="adam").exists()


def test_a_story_that_breaks_the_rules_seeds_nothing(db, monkeypatch):
    """The demo's steps are taken by people the pages would let take them; if workflow.json has
    someone else do one, the seed stops and its one transaction leaves nothing behind."""
    load = data.load
    loaded = []

    def load_with_author_as_reviewer(name):
        content = load(name)
        loaded.append(name)
        if name == "workflow.json":
            content["usecases"]["demo:40"]["reviewer"] = "daniel"  # wrote it, and is no reviewer
        return content

    monkeypatch.setattr(data, "load", load_with_author_as_reviewer)
    with pytest.raises(DemoDataError, match=r"demo:40: daniel may not reject it"):
        seed_demo()
    assert "workflow.json" in loaded  # the seed read the story through the patch
    assert not UseCase.objects.exists()
    assert not User.objects.exists()


def test_no_demo_use_case_starts_out_changed_since_sign_off(seeded):
    """The demo back-dates baselines its owners signed; that is its story, not a change."""
    flagged = UseCase.objects.filter(status=Status.ACTIVE, changed_since_sign_off=True)
    assert list(flagged.values_list("number", flat=True)) == []
    assert integrity.check_signed_text().changed == []


def test_demo_use_cases_have_stages_that_fit_their_status(seeded):
    """Active ones mostly in production, drafts ideas or in development, retired ones ended; and
    some in production without a signed owner, so the dashboard's tile shows something."""
    usecases = demo_usecases()
    stages = {
        status: set(usecases.filter(status=status).values_list("lifecycle_stage", flat=True))
        for status in Status
    }
    assert stages[Status.DRAFT] == {LifecycleStage.IDEA, LifecycleStage.IN_DEVELOPMENT}
    assert stages[Status.RETIRED] == {LifecycleStage.RETIRED}
    assert LifecycleStage.IN_PRODUCTION in stages[Status.ACTIVE]
    assert not usecases.filter(lifecycle_stage=LifecycleStage.RETIRED, ended_on=None).exists()
    live = usecases.filter(lifecycle_stage=LifecycleStage.IN_PRODUCTION)
    assert not live.filter(in_production_on=None).exists()
    assert not live.filter(in_production_on__gt=timezone.localdate()).exists()
    assert usecases.filter(concern_condition("in_production_unsigned")).exists()


def test_bulk_rows_carry_a_stage_that_fits_their_status(db, settings):
    seed("--force", "--use-cases", "40")
    added = UseCase.objects.filter(source=Source.DEMO, external_ref="")
    assert set(added.filter(status=Status.RETIRED).values_list("lifecycle_stage", flat=True)) <= {
        LifecycleStage.RETIRED
    }
    assert added.exclude(lifecycle_stage=LifecycleStage.IDEA).exists()


def test_demo_use_cases_carry_their_source_s_register_fields(seeded, client):
    """Contacts (a shared mailbox where the source names none), impact levels, techniques and
    assessments from the inventory rows, shown on the use case's page."""
    usecases = demo_usecases()
    assert not usecases.filter(contact_email="").exists()
    levels = set(usecases.values_list("impact_level", flat=True))
    assert {ImpactLevel.HIGH, ImpactLevel.NOT_HIGH, ImpactLevel.PRESUMED_NOT_HIGH} <= levels
    live_high = usecases.filter(
        impact_level=ImpactLevel.HIGH, lifecycle_stage=LifecycleStage.IN_PRODUCTION
    )
    assert live_high.exists()
    with_assessment = usecases.exclude(impact_assessments=[]).first()
    client.force_login(with_assessment.owner or with_assessment.author)
    html = client.get(with_assessment.get_absolute_url()).content.decode()
    assert with_assessment.impact_assessments[0]["link"] in html


@pytest.mark.django_db
def test_the_demo_switches_the_us_profile_on_with_use_cases_it_finds_lacking():
    seed_demo()
    assert list(EnabledProfile.objects.values_list("key", flat=True)) == ["us_omb_2025"]
    us = PROFILES["us_omb_2025"]
    high = UseCase.objects.filter(impact_level="high", lifecycle_stage=LifecycleStage.IN_PRODUCTION)
    lacking = high.filter(us.not_reportable)
    assert lacking.exists() and high.exclude(pk__in=lacking).exists()
    (gaps,) = profile_gaps(lacking.first(), [us])
    assert "appeal_route" in {requirement.field for requirement in gaps.lacking}
    assert "human_oversight" not in {requirement.field for requirement in gaps.lacking}


def test_demo_use_cases_carry_custom_field_values(seeded):
    fields = dict(CustomField.objects.values_list("name", "type"))
    assert fields == {"cost_centre": "text", "risk_tier": "choice"}
    usecases = UseCase.objects.filter(source=Source.DEMO)
    assert not usecases.exclude(custom_values__has_key="cost_centre").exists()
    tiers = {value.get("risk_tier") for value in usecases.values_list("custom_values", flat=True)}
    assert tiers == {None, "Low", "Medium", "High"}
