"""The demo's public standards: the US federal AI inventory's profile switched on, and the register
facts that make it worth looking at, added to what each use case's source row states (never over
it). Every use case in production states its basic facts; of those its row calls high impact, half
answer all of the inventory's high-impact questions while the rest answer only some, so the
dashboard's "Not reportable under US AI inventory" has a few to show and each of their pages says
what is missing. Derived from the row's place in the file, so every seed agrees."""

from __future__ import annotations

from usecases.choices import ImpactLevel, LifecycleStage, Sourcing, Technique
from usecases.models import EnabledProfile

DEMO_PROFILE = "us_omb_2025"

_TECHNIQUES = [Technique.CLASSICAL_ML, Technique.NLP, Technique.GENERATIVE_AI]
_TOPICS = ["Benefits", "Customer service", "Finance", "Operations"]
# The high-impact answers every high-impact demo use case gives ...
_SOME_ANSWERS = {
    "human_oversight": "A caseworker confirms every outcome before anyone is told.",
    "monitoring": "A monthly report on accuracy and complaints, read by the owner.",
    "impact_assessments": [{"kind": "dpia", "date": "2024-02-01", "link": ""}],
    "pre_deployment_testing": "Run beside the old process for six weeks before going live.",
}
# ... and those only half of them have written down yet.
_OTHER_ANSWERS = {
    "potential_impacts": "A person's case may be ranked too low; the lowest tenth is re-read.",
    "independent_review": "Reviewed by the internal audit team before go-live.",
    "operator_training": "Every operator takes a half-day course.",
    "appeal_route": "The usual objection procedure, within six weeks.",
    "public_consultation": "A customer panel saw it before launch.",
}


def register_facts_of(lifecycle: dict, *, index: int, team: str, stated: dict) -> dict:
    """What the ``index``-th demo use case adds to the register facts its source row ``stated``,
    at the stage ``lifecycle`` gives: a use case in production states its basic facts, and if its
    row calls it high impact, the inventory's high-impact answers (all of them in half the cases,
    some in the rest). Never overrides what the row says."""
    if lifecycle["lifecycle_stage"] != LifecycleStage.IN_PRODUCTION:
        return {}
    facts = {
        "contact_email": f"{team}@example.org",
        "sourcing": Sourcing.IN_HOUSE,
        "techniques": [_TECHNIQUES[index % len(_TECHNIQUES)]],
        "topic_area": _TOPICS[index % len(_TOPICS)],
        "outputs": "A ranked work queue for the team.",
        "data_sources": "The team's own case records.",
        "personal_data": index % 2 == 0,
        "personal_data_kinds": "Names and case history" if index % 2 == 0 else "",
        "impact_level": ImpactLevel.NOT_HIGH,
    }
    if stated.get("impact_level") == ImpactLevel.HIGH:
        facts.update(_SOME_ANSWERS)
        if index % 2:
            facts.update(_OTHER_ANSWERS)
    return {name: value for name, value in facts.items() if name not in stated}


def seed_profiles() -> None:
    """Switch the US inventory's profile on, where it is not yet."""
    EnabledProfile.objects.get_or_create(key=DEMO_PROFILE)
