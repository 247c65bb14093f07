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


class AdminAction(models.TextChoices):
    """Noun, dot, past tense: what an administrator did (the administration history page)."""

    TEAM_CREATED = "team.created", "Team created"
    TEAM_UPDATED = "team.updated", "Team edited"
    TEAM_ARCHIVED = "team.archived", "Team archived"
    TEAM_RESTORED = "team.restored", "Team restored"
    MEMBERSHIP_ADDED = "membership.added", "Member added"
    MEMBERSHIP_ROLE_CHANGED = "membership.role_changed", "Member's role changed"
    MEMBERSHIP_REMOVED = "membership.removed", "Member removed"
    USER_CREATED = "user.created", "Person added"
    USER_UPDATED = "user.updated", "Person edited"
    USER_DEACTIVATED = "user.deactivated", "Person deactivated"
    USER_REACTIVATED = "user.reactivated", "Person reactivated"
    USER_PASSWORD_EMAIL_SENT = "user.password_email_sent", "Set-password e-mail sent"
    PRODUCT_CREATED = "product.created", "Product created"
    PRODUCT_UPDATED = "product.updated", "Product edited"
    PRODUCT_ARCHIVED = "product.archived", "Product archived"
    PRODUCT_RESTORED = "product.restored", "Product restored"
    GOAL_CREATED = "goal.created", "Goal created"
    GOAL_UPDATED = "goal.updated", "Goal edited"
    GOAL_MOVED = "goal.moved", "Goal moved"
    GOAL_ARCHIVED = "goal.archived", "Goal archived"
    GOAL_RESTORED = "goal.restored", "Goal restored"
    TASK_RETRIED = "task.retried", "Background task retried"
    PROFILE_ENABLED = "profile.enabled", "Standard's profile switched on"
    PROFILE_DISABLED = "profile.disabled", "Standard's profile switched off"
    CUSTOM_FIELD_CREATED = "customfield.created", "Custom field created"
    CUSTOM_FIELD_UPDATED = "customfield.updated", "Custom field edited"
    CUSTOM_FIELD_ARCHIVED = "customfield.archived", "Custom field archived"
    CUSTOM_FIELD_RESTORED = "customfield.restored", "Custom field restored"
    TOKEN_CREATED = "accesstoken.created", "API token made"
    TOKEN_REVOKED = "accesstoken.revoked", "API token revoked"
    WEBHOOK_CREATED = "endpoint.created", "Webhook endpoint registered"
    WEBHOOK_UPDATED = "endpoint.updated", "Webhook endpoint edited"
    WEBHOOK_SWITCHED_ON = "endpoint.switched_on", "Webhook endpoint switched on"
    WEBHOOK_SWITCHED_OFF = "endpoint.switched_off", "Webhook endpoint switched off"
    WEBHOOK_REDELIVERED = "endpoint.redelivered", "Webhook delivery sent again"
