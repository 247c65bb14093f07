"""Where each demo use case stands in practice: a lifecycle stage and dates that fit its status,
as a registry of a few years would hold them. Most active use cases are in production (some still
piloting), drafts are ideas or in development, retired ones ended; a few use cases awaiting
sign-off are in production already, so the dashboard's "in production without a signed owner"
has something to show. Derived from the row's status and place in the file, so every seed agrees.
"""

from __future__ import annotations

from datetime import date, timedelta

from usecases.choices import LifecycleStage, Status


def lifecycle_of(status: str, *, index: int, today: date) -> dict:
    """The lifecycle fields for the ``index``-th demo use case, whose status is ``status``."""
    started = today - timedelta(days=200 + (index * 53) % 900)
    live = started + timedelta(days=90 + (index * 29) % 100)
    if status == Status.ACTIVE:
        if index % 5 == 4:
            return {"lifecycle_stage": LifecycleStage.PILOT, "started_on": started}
        return _in_production(started, live)
    if status == Status.AWAITING_SIGN_OFF:
        if index % 3 == 0:  # running before anyone signed for it
            return _in_production(started, live)
        return {"lifecycle_stage": LifecycleStage.PILOT, "started_on": started}
    if status == Status.RETIRED:
        ended = min(live + timedelta(days=180 + (index * 17) % 300), today)
        return {
            **_in_production(started, live),
            "lifecycle_stage": LifecycleStage.RETIRED,
            "ended_on": ended,
        }
    if status == Status.IN_REVIEW or (status == Status.DRAFT and index % 2):
        return {"lifecycle_stage": LifecycleStage.IN_DEVELOPMENT, "started_on": started}
    return {"lifecycle_stage": LifecycleStage.IDEA}


def _in_production(started: date, live: date) -> dict:
    return {
        "lifecycle_stage": LifecycleStage.IN_PRODUCTION,
        "started_on": started,
        "in_production_on": live,
    }
