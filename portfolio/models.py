import pghistory
from django.conf import settings
from django.db import models
from django.urls import reverse

from core import history
from portfolio.choices import (
    AdminAction,
    GoalStatus,
    MembershipRole,
    ProductLifecycle,
    TeamKind,
)


class TeamQuerySet(models.QuerySet):
    # The teams use cases may be given to: a condition, so a query can OR it with others.
    ACTIVE = models.Q(is_archived=False)

    def active(self):
        return self.filter(self.ACTIVE)


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=TeamKind.choices)
    description = models.TextField(blank=True)
    # Organisation units: a team may sit under another (department -> agency -> bureau, any
    # depth); a unit with sub-units is a team like any other.
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="part of",
    )
    is_archived = models.BooleanField("archived", default=False)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="teams"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")), name="team_not_own_parent"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("portfolio:team_detail", args=[self.slug])


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        max_length=10, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_unique_team_user"),
        ]
        ordering = ["team__name", "user__username"]

    def __str__(self):
        return f"{self.user} in {self.team} ({self.get_role_display()})"


class ProductQuerySet(models.QuerySet):
    # The products offered for new links: a condition, so a query can OR it with others.
    ACTIVE = models.Q(is_archived=False)

    def active(self):
        return self.filter(self.ACTIVE)


class Product(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="products")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_products",
        verbose_name="product manager",
    )
    vision = models.TextField(blank=True)
    lifecycle = models.CharField(
        max_length=20, choices=ProductLifecycle.choices, default=ProductLifecycle.LIVE
    )
    is_archived = models.BooleanField("archived", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("portfolio:product_detail", args=[self.slug])


class StrategicGoalQuerySet(models.QuerySet):
    # The goals offered for new links: a condition, so a query can OR it with others.
    ACTIVE = ~models.Q(status=GoalStatus.DROPPED)

    def active(self):
        return self.filter(self.ACTIVE)


class StrategicGoal(models.Model):
    """A vision, goal or objective; the hierarchy is expressed by ``parent``."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_goals",
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    period = models.CharField(max_length=40, blank=True, help_text="For example 2026 or 2026-H1.")
    status = models.CharField(max_length=20, choices=GoalStatus.choices, default=GoalStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StrategicGoalQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")), name="goal_not_own_parent"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("portfolio:goal_detail", args=[self.pk])


# Every change to teams, memberships, products and goals is recorded by database triggers, with
# the signed-in user from the request (pghistory middleware). People (Django's own user table) are
# covered by AdminEvent, written by the administration services.
for _model, _name in [
    (Team, "TeamHistory"),
    (Membership, "MembershipHistory"),
    (Product, "ProductHistory"),
    (StrategicGoal, "StrategicGoalHistory"),
]:
    pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        model_name=_name,
        obj_field=pghistory.ObjForeignKey(related_name="history"),
    )(_model)


class AdminEvent(models.Model):
    """One administration action (noun.past_tense), by whom, on what: the admin history page.
    Written by ``core.history.record`` with an ``AdminAction`` name."""

    event_field = "action"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField(max_length=60)
    target_type = models.CharField(max_length=40)
    target_id = models.CharField(max_length=40)
    target_label = models.CharField(max_length=200)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="adminevent_target")]

    def __str__(self):
        return f"{self.action} {self.target_label}"


history.register_events(AdminEvent, AdminAction)
