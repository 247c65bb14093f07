"""What the API says about a use case: its fields as the registry stores them, typed."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema
from pydantic import field_validator


def _without_nul(value):
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("Text may not hold the NUL character.")
    elif isinstance(value, list | tuple):
        for item in value:
            _without_nul(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _without_nul(key)
            _without_nul(item)
    return value


class InputSchema(Schema):
    """What a request sends. No text may hold NUL (PostgreSQL stores none; the pages' forms
    refuse it too), so it is refused naming the field before anything is looked up."""

    @field_validator("*", mode="after")
    @classmethod
    def no_nul(cls, value):
        return _without_nul(value)


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
