"""The values a standard asks for that are no one field of a use case, worked out from what the
registry holds (``usecases.profiles.COMPUTED_EXPORT_FIELDS``). Each gives ``None`` where the
registry does not know the answer: an export leaves the cell empty rather than guess.

``top_unit`` needs the units above each team: ``UnitRoots`` reads them in one query per export.
"""

from __future__ import annotations

from portfolio.models import Team
from usecases.choices import AssessmentKind, Sourcing
from usecases.models import UseCase

# Assessments of the system's effect on people (an AI impact assessment in the US inventory's
# sense); a DPIA or PIA is about personal data only.
AI_IMPACT_ASSESSMENTS = frozenset({AssessmentKind.AIA, AssessmentKind.IAMA, AssessmentKind.FRIA})
PRIVACY_ASSESSMENTS = (AssessmentKind.PIA, AssessmentKind.DPIA)
# The Dutch register's own names for the assessments it recommends (publication standard 1.0,
# ``impacttoetsen_grouping``); any other kind by its label in the registry.
DUTCH_ASSESSMENT_TITLES = {
    AssessmentKind.DPIA: "Data Protection Impact Assessment (DPIA)",
    AssessmentKind.IAMA: "Impact Assessment Mensenrechten en Algoritmes (IAMA)",
}
LINK_TITLE_LENGTH = 100  # the Dutch standard's longest title of a link to a law


class UnitRoots:
    """The top unit above each team (a team at the top is its own): read once, on first use."""

    def __init__(self):
        self._names: dict[int, str] | None = None

    def name(self, usecase: UseCase) -> str:
        if self._names is None:
            units = Team.objects.values_list("pk", "parent_id", "name")
            rows = {pk: (parent, name) for pk, parent, name in units}
            self._names = {pk: _root(rows, pk) for pk in rows}
        return self._names.get(usecase.team_id, usecase.team.name)


def _root(rows: dict[int, tuple[int | None, str]], pk: int) -> str:
    seen = set()
    while (parent := rows[pk][0]) is not None and parent in rows and parent not in seen:
        seen.add(pk)
        pk = parent
    return rows[pk][1]


def _assessments(usecase: UseCase) -> list[dict]:
    return [item for item in usecase.impact_assessments or [] if isinstance(item, dict)]


def has_custom_code(usecase: UseCase) -> str | None:
    """ "Yes" when its code is published or it was built in-house (wholly or in part): code was
    written for it. Bought from a vendor, the registry does not know: empty."""
    built = usecase.sourcing in (Sourcing.IN_HOUSE, Sourcing.BOTH)
    return "Yes" if usecase.code_url or built else None


def privacy_assessment_link(usecase: UseCase) -> str | None:
    """The link of its first privacy (or data protection) impact assessment that has one."""
    for kind in PRIVACY_ASSESSMENTS:
        for item in _assessments(usecase):
            if item.get("kind") == kind and item.get("link"):
                return item["link"]
    return None


def ai_impact_assessment(usecase: UseCase) -> str | None:
    """ "Yes" when an AI impact assessment (AIA, IAMA or FRIA) is recorded as done."""
    done = any(item.get("kind") in AI_IMPACT_ASSESSMENTS for item in _assessments(usecase))
    return "Yes" if done else None


def _month(day) -> str | None:
    return day.strftime("%Y-%m") if day else None


def legal_basis_links(usecase: UseCase) -> list[dict] | None:
    """The law by title and link, where both are known and the title is short enough to be one."""
    title, link = usecase.legal_basis, usecase.legal_basis_url
    if title and link and len(title) <= LINK_TITLE_LENGTH:
        return [{"title": title, "link": link}]
    return None


def assessment_links(usecase: UseCase) -> list[dict] | None:
    """Each assessment with a link, titled as the Dutch register names it."""
    labels = dict(AssessmentKind.choices)
    links = [
        {
            "title": DUTCH_ASSESSMENT_TITLES.get(item.get("kind"))
            or str(labels.get(item.get("kind"), item.get("kind") or "")),
            "link": item["link"],
        }
        for item in _assessments(usecase)
        if item.get("link")
    ]
    return links or None


COMPUTED = {
    "has_custom_code": has_custom_code,
    "privacy_assessment_link": privacy_assessment_link,
    "ai_impact_assessment": ai_impact_assessment,
    "production_month": lambda usecase: _month(usecase.in_production_on),
    "end_month": lambda usecase: _month(usecase.ended_on),
    "legal_basis_links": legal_basis_links,
    "assessment_links": assessment_links,
}
