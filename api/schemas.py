"""What the API says about a use case: its fields as the registry stores them, typed."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema


class TeamRef(Schema):
    slug: str
    name: str


class PersonRef(Schema):
    username: str
    name: str


class UseCaseOut(Schema):
    key: str
    title: str
    status: str
    lifecycle_stage: str
    who: str
    problem: str
    success_signal: str
    business_intent: str
    team: TeamRef
    owner: PersonRef | None
    metric_name: str
    metric_unit: str
    metric_direction: str
    metric_baseline: Decimal | None
    metric_target: Decimal | None
    metric_target_date: date | None
    evidence_status: str
    signed_off_at: datetime | None
    attestation_expires_at: datetime | None
    changed_since_sign_off: bool
    contact_email: str
    impact_level: str
    techniques: list[str]
    source: str
    external_ref: str
    custom_values: dict
    version: int
    url: str


class UseCasePage(Schema):
    items: list[UseCaseOut]
    next_cursor: str | None
