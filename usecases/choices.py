from django.db import models


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    AWAITING_SIGN_OFF = "awaiting_sign_off", "Awaiting sign-off"
    ACTIVE = "active", "Active"
    DECLINED = "declined", "Declined"
    RETIRED = "retired", "Retired"


# Colour family of each status badge (see static/css/app.css).
STATUS_TONES = {
    Status.DRAFT: "neutral",
    Status.IN_REVIEW: "info",
    Status.AWAITING_SIGN_OFF: "warning",
    Status.ACTIVE: "success",
    Status.DECLINED: "danger",
    Status.RETIRED: "muted",
}


class LifecycleStage(models.TextChoices):
    """Where the use case stands in practice, whatever its approval status: a system in production
    may still lack a signed owner (the dashboard counts exactly those)."""

    IDEA = "idea", "Idea"
    IN_DEVELOPMENT = "in_development", "In development"
    PILOT = "pilot", "Pilot"
    IN_PRODUCTION = "in_production", "In production"
    RETIRED = "retired", "Retired"


# The lifecycle's dates, in the order they must come (each optional).
LIFECYCLE_DATES = ("started_on", "in_production_on", "ended_on")


class ImpactLevel(models.TextChoices):
    """The impact assessment's verdict (the US inventory's three answers); blank: not assessed."""

    HIGH = "high", "High impact"
    NOT_HIGH = "not_high", "Not high impact"
    PRESUMED_NOT_HIGH = "presumed_not_high", "Presumed high impact, determined not"


class AssessmentKind(models.TextChoices):
    """Impact assessments registers ask for."""

    DPIA = "dpia", "DPIA (data protection impact assessment)"
    IAMA = "iama", "IAMA (human rights and algorithms impact assessment)"
    PIA = "pia", "PIA (privacy impact assessment)"
    AIA = "aia", "AIA (algorithmic impact assessment)"
    FRIA = "fria", "FRIA (fundamental rights impact assessment)"
    OTHER = "other", "Other assessment"


class Technique(models.TextChoices):
    """The US inventory's AI classification."""

    AGENTIC_AI = "agentic_ai", "Agentic AI"
    CLASSICAL_ML = "classical_ml", "Classical / predictive machine learning"
    COMPUTER_VISION = "computer_vision", "Computer vision"
    GENERATIVE_AI = "generative_ai", "Generative AI"
    NLP = "nlp", "Natural language processing"
    REINFORCEMENT_LEARNING = "reinforcement_learning", "Reinforcement learning"
    NOT_AI = "not_ai", "None of these / not AI"


class Sourcing(models.TextChoices):
    IN_HOUSE = "in_house", "Built in-house"
    VENDOR = "vendor", "Bought from a vendor"
    BOTH = "both", "Both"


# The register fields (``usecases.register``), by section, in the form's order.
CONTACT_FIELDS = ("contact_email", "vendor", "sourcing")
RISK_FIELDS = (
    "impact_level",
    "impact_justification",
    "personal_data",
    "personal_data_kinds",
    "impact_assessments",
    "legal_basis",
    "legal_basis_url",
    "human_oversight",
    "appeal_route",
    "independent_review",
    "monitoring",
    "public_consultation",
    "pre_deployment_testing",
    "potential_impacts",
    "operator_training",
)
TECHNICAL_FIELDS = (
    "techniques",
    "system_name",
    "data_sources",
    "outputs",
    "code_url",
    "documentation_urls",
    "topic_area",
)
REGISTER_FIELDS = (*CONTACT_FIELDS, *RISK_FIELDS, *TECHNICAL_FIELDS)


class Action(models.TextChoices):
    """The workflow's actions; ``usecases.workflow`` describes each (one ``Transition``)."""

    SUBMIT = "submit", "Submit for review"
    APPROVE = "approve", "Approve"
    REQUEST_CHANGES = "request_changes", "Request changes"
    REJECT = "reject", "Reject"
    SIGN_OFF = "sign_off", "Sign off"
    DECLINE_OWNERSHIP = "decline_ownership", "Decline ownership"
    TRANSFER_OWNERSHIP = "transfer_ownership", "Transfer ownership"
    REATTEST = "reattest", "Re-attest"
    RETIRE = "retire", "Retire"
    REOPEN = "reopen", "Reopen"


class MetricDirection(models.TextChoices):
    INCREASE = "increase", "Higher is better"
    DECREASE = "decrease", "Lower is better"


class EvidenceArea(models.TextChoices):
    """The four key value areas of Evidence-Based Management."""

    CURRENT_VALUE = "current_value", "Current Value"
    UNREALIZED_VALUE = "unrealized_value", "Unrealized Value"
    TIME_TO_MARKET = "time_to_market", "Time to Market"
    ABILITY_TO_INNOVATE = "ability_to_innovate", "Ability to Innovate"


class Source(models.TextChoices):
    MANUAL = "manual", "Entered in the registry"
    DEMO = "demo", "Demo data"
    US_FEDERAL_2025 = "us_federal_2025", "US federal AI inventory 2025"
    US_FEDERAL_2024 = "us_federal_2024", "US federal AI inventory 2024"
    US_FEDERAL_2023 = "us_federal_2023", "US federal AI inventory 2023"
    NL_ALGORITHM_REGISTER = "nl_algorithm_register", "Dutch algorithm register"
    UK_ATRS = "uk_atrs", "UK algorithmic transparency records"
    REGISTRY = "registry", "A registry export"
    FILE = "file", "An imported file"


# Fields a person edits in the use-case form; the optimistic lock covers all of them.
EDITABLE_FIELDS = [
    "title",
    "who",
    "problem",
    "success_signal",
    "business_intent",
    "people_change",
    "process_change",
    "technology_change",
    "metric_name",
    "metric_unit",
    "metric_direction",
    "metric_baseline",
    "metric_baseline_date",
    "metric_target",
    "metric_target_date",
    "evidence_area",
    "team",
    "owner",
    "business_value",
    "effort",
    "lifecycle_stage",
    *LIFECYCLE_DATES,
    *REGISTER_FIELDS,
]
# The form edits those one for one; the custom fields' values (one JSON column, a form field each:
# ``usecases.custom_fields``) are locked, versioned and recorded with them, and are not material.
FORM_FIELDS = EDITABLE_FIELDS
EDITABLE_FIELDS = [*FORM_FIELDS, "custom_values"]
# Statuses whose text people may edit. An edit to an active use case that touches what was signed
# (MATERIAL_FIELDS: who, the problem, the success signal with its metric, the owner) sends it back
# through review and sign-off: moving a target must not turn "off track" into "on track" unseen.
EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.ACTIVE})
MATERIAL_FIELDS = (
    "who",
    "problem",
    "success_signal",
    "metric_name",
    "metric_direction",
    "metric_baseline",
    "metric_baseline_date",
    "metric_target",
    "metric_target_date",
    "owner",
)
# While a use case is high impact (before or after an edit), its risk and compliance section is
# part of what its owner signs, too: the database's digest holds them (migration 0009).
MATERIAL_WHEN_HIGH_IMPACT = RISK_FIELDS


class EventKind(models.TextChoices):
    """Noun, dot, past tense: what happened to a use case."""

    CREATED = "usecase.created", "Created"
    UPDATED = "usecase.updated", "Edited"
    SUBMITTED = "usecase.submitted", "Submitted for review"
    RESUBMITTED = "usecase.resubmitted", "Sent back to review after a change to what was signed"
    APPROVED = "review.approved", "Approved"
    CHANGES_REQUESTED = "review.changes_requested", "Changes requested"
    REJECTED = "review.rejected", "Rejected"
    SIGNED_OFF = "signoff.given", "Signed off"
    REATTESTED = "signoff.reattested", "Re-attested"
    ATTESTATION_LAPSED = "signoff.lapsed", "Attestation lapsed"
    OWNERSHIP_DECLINED = "signoff.declined", "Ownership declined"
    TRANSFER_REQUESTED = "ownership.transfer_requested", "Ownership transfer requested"
    OWNERSHIP_REQUESTED = "ownership.requested", "Asked someone to own it"
    OWNERSHIP_REQUEST_DECLINED = "ownership.request_declined", "Declined to own it"
    OWNERSHIP_CLAIMED = "ownership.claimed", "Took ownership"
    RETIRED = "usecase.retired", "Retired"
    REOPENED = "usecase.reopened", "Reopened"
    COMMENTED = "comment.posted", "Commented"
    MEASUREMENT_RECORDED = "measurement.recorded", "Measurement recorded"
    MEASUREMENT_DELETED = "measurement.deleted", "Measurement deleted"
    RECORDERS_CHANGED = "measurement.recorders_changed", "Changed who may record measurements"
    EVIDENCE_CHANGED = "evidence.status_changed", "Evidence status changed"


class ReviewDecision(models.TextChoices):
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    REJECTED = "rejected", "Rejected"


class SignOffKind(models.TextChoices):
    SIGN_OFF = "sign_off", "Sign-off"
    REATTEST = "reattest", "Re-attestation"


class RevisionReason(models.TextChoices):
    SUBMITTED = "submitted", "Submitted for review"
    SIGNED = "signed", "Signed off"


class NotificationKind(models.TextChoices):
    REVIEW_REQUESTED = "review.requested", "Review requested"
    REVIEW_DECIDED = "review.decided", "Review decided"
    SIGN_OFF_REQUESTED = "signoff.requested", "Sign-off requested"
    OWNERSHIP_TRANSFERRED = "ownership.transferred", "Ownership transferred to you"
    ATTESTATION_DUE = "attestation.due", "Attestation due"
    OWNERSHIP_DECLINED = "ownership.declined", "Ownership declined"
    OWNERSHIP_REQUESTED = "ownership.requested", "Asked to own a use case"
    OWNERSHIP_CLAIMED = "ownership.claimed", "Ownership accepted"


SIGN_OFF_STATEMENT = "I accept ownership of this use case and its success signal."


class EvidenceStatus(models.TextChoices):
    """Where the success metric stands against the line from baseline to target."""

    NO_DATA = "no_data", "No measurements"
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"


EVIDENCE_TONES = {
    EvidenceStatus.NO_DATA: "neutral",
    EvidenceStatus.ON_TRACK: "success",
    EvidenceStatus.AT_RISK: "warning",
    EvidenceStatus.OFF_TRACK: "danger",
}


# Statuses in which the success metric is measured: once approved, until retired.
MEASURABLE_STATUSES = frozenset({Status.AWAITING_SIGN_OFF, Status.ACTIVE})


class HistoryMark(models.TextChoices):
    """What a service marks the history rows it writes with when it records no event row."""

    REMINDER_SENT = "signoff.reminder_sent", "Attestation reminder sent"
    OWNER_REASSIGNED = "usecase.owner_reassigned", "Owner reassigned"
    AUTHOR_REASSIGNED = "usecase.author_reassigned", "Author reassigned"
    EVIDENCE_RECOMPUTED = "evidence.recomputed", "Evidence status recomputed"
