"""The demo's data files (``demo_data/``) and what the seeding steps share: loading a file, the
error a contradiction raises, a row's measures, the organisation as seeded, the seed's report and
its history mark."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Model

from core import history
from portfolio.models import Product, StrategicGoal, Team

DATA_DIR = Path(__file__).resolve().parent / "demo_data"

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
# The seed's own bookkeeping writes (a demo row's source and reference, backdated sign-offs) carry
# this mark in their history context, as a service's writes carry its event name: the timeline
# then shows the workflow steps, not the seed's housekeeping as "changed outside the registry".
SEED_HISTORY_MARK = "demo.seeded"
history.register_marks([(SEED_HISTORY_MARK, "Written by the demo seed")])


class DemoDataError(Exception):
    """The demo data files contradict themselves, or the base demo is missing from the database."""


def load(name: str) -> dict:
    """A file from ``demo_data/``; numbers with a fraction load as Decimal, as the model stores
    them."""
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"), parse_float=Decimal)


def measures(row: dict) -> dict:
    """A use-case row's priority inputs and success metric, as model field values."""
    target_date = row["metric_target_date"]
    return {
        **{name: row[name] for name in MEASURE_FIELDS},
        "metric_target_date": date.fromisoformat(target_date) if target_date else None,
    }


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
