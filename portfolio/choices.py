from django.db import models


class TeamKind(models.TextChoices):
    BUSINESS = "business", "Business"
    IT = "it", "IT"
    INNOVATION = "innovation", "Innovation"
    OPERATIONS = "operations", "Operations"


class MembershipRole(models.TextChoices):
    MEMBER = "member", "Member"
    LEAD = "lead", "Lead"


class ProductLifecycle(models.TextChoices):
    PLANNED = "planned", "Planned"
    PILOT = "pilot", "Pilot"
    LIVE = "live", "Live"
    SUNSETTING = "sunsetting", "Sunsetting"
    RETIRED = "retired", "Retired"


class GoalStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    ACHIEVED = "achieved", "Achieved"
    DROPPED = "dropped", "Dropped"


# Names of the groups created by migration 0002; roles beyond team membership.
REVIEWERS_GROUP = "Reviewers"
ADMINS_GROUP = "Admins"
