"""The register fields: what public registers and regulators ask of a use case beyond the
registry's core (contact and supplier, risk and compliance, technical facts).

Written once here: the sections and their order (the form, the detail page and the profiles read
them), how a value is checked (``checked_register``: the model field's own parsing and validators,
so the form, the services, an import and the API refuse the same values with the same message),
and how a value reads. The columns are declared on ``UseCase``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.text import capfirst

from usecases.choices import (
    CONTACT_FIELDS,
    MATERIAL_FIELDS,
    MATERIAL_WHEN_HIGH_IMPACT,
    REGISTER_FIELDS,
    RISK_FIELDS,
    TECHNICAL_FIELDS,
    AssessmentKind,
    ImpactLevel,
    Technique,
)
from usecases.dates import out_of_bounds

# Only web addresses: they are what the pages link (ftp and the rest would show as dead text).
web_address = URLValidator(
    schemes=["http", "https"],
    message="Enter a full web address starting with https:// or http://.",
)


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    intro: str
    fields: tuple[str, ...]


SECTIONS = (
    Section(
        "contact",
        "Contact and supplier",
        "Where people can ask about this use case, and who supplies it. The contact may be a "
        "shared mailbox; it is not the owner, who is a person who signs.",
        CONTACT_FIELDS,
    ),
    Section(
        "risk",
        "Risk and compliance",
        "What registers and regulators ask: the impact assessment, personal data, the legal "
        "basis and the safeguards. While a use case is high impact, this section is part of what "
        "its owner signs: changing it sends an active use case back to review.",
        RISK_FIELDS,
    ),
    Section(
        "technical",
        "Technical facts",
        "What the system is and works with: technique, data, outputs, where its code and "
        "documentation are.",
        TECHNICAL_FIELDS,
    ),
)


def material_fields(*impact_levels: str) -> tuple[str, ...]:
    """What an edit may not change on an active use case without review and sign-off again: the
    core that was signed, and the risk section while the use case is (or was, before the edit)
    high impact. The database's ``usecase_material_digest`` is the same rule (migration 0009)."""
    if ImpactLevel.HIGH in impact_levels:
        return (*MATERIAL_FIELDS, *MATERIAL_WHEN_HIGH_IMPACT)
    return MATERIAL_FIELDS


# --- Impact assessments: a list of {kind, date, link} --------------------------------------------

_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_LINK = re.compile(r"\bhttps?://\S+", re.IGNORECASE)
_KINDS = {
    **{kind.value: kind.value for kind in AssessmentKind},
    **{kind.label.split(" (")[0].lower(): kind.value for kind in AssessmentKind},
    **{kind.label.lower(): kind.value for kind in AssessmentKind},
}


def _assessment_error(number: int, problem: str) -> ValidationError:
    # Not code "invalid": a JSON field would put its own "not valid JSON" message in its place.
    return ValidationError(f"Impact assessment {number}: {problem}", code="invalid_assessment")


def _checked_assessment(number: int, item) -> dict:
    if not isinstance(item, dict) or set(item) - {"kind", "date", "link"}:
        raise _assessment_error(number, "give its kind, and its date and link where known.")
    kind = str(item.get("kind") or "")
    if kind not in AssessmentKind.values:
        raise _assessment_error(
            number, f"“{kind}” is not a kind; use one of {', '.join(AssessmentKind.values)}."
        )
    when, link = item.get("date") or "", item.get("link") or ""
    if when:
        try:
            parsed = date.fromisoformat(str(when))
        except ValueError:
            raise _assessment_error(number, f"“{when}” is not a date as year-month-day.") from None
        if problem := out_of_bounds(parsed, "its date"):
            raise _assessment_error(number, problem)
        when = parsed.isoformat()
    if link:
        try:
            web_address(str(link))
        except ValidationError:
            raise _assessment_error(
                number, f"“{link}” is not a web address starting with https://."
            ) from None
    return {"kind": kind, "date": when, "link": str(link)}


def validate_assessments(value) -> None:
    """The model field's validator: a list of assessments, each of a known kind, a real date and a
    web address where given."""
    if not isinstance(value, list):
        raise ValidationError(
            "Impact assessments: give a list of assessments.", code="invalid_assessment"
        )
    for number, item in enumerate(value, start=1):
        _checked_assessment(number, item)


def parse_assessments(text: str) -> list[dict]:
    """One assessment per line as people type it: its kind first, then a date (year-month-day) and
    a link in any order, e.g. ``DPIA 2024-03-01 https://example.org/dpia``."""
    assessments = []
    for number, line in enumerate((ln for ln in text.splitlines() if ln.strip()), start=1):
        link = _LINK.search(line)
        rest = _LINK.sub(" ", line)
        when = _ISO_DATE.search(rest)
        rest = _ISO_DATE.sub(" ", rest)
        words = [word for word in re.split(r"[\s,;|·]+", rest) if word]
        if not words:
            raise _assessment_error(number, "start the line with its kind, e.g. DPIA.")
        kind = _KINDS.get(" ".join(words).lower())
        if kind is None:
            kind, *left = words
            kind = _KINDS.get(kind.lower(), kind)
            if left:
                raise _assessment_error(
                    number,
                    f"“{' '.join(left)}” is neither a date (year-month-day) nor a web address "
                    "starting with https://.",
                )
        item = {"kind": kind, "date": when.group(1) if when else "", "link": ""}
        item["link"] = link.group(0) if link else ""
        assessments.append(_checked_assessment(number, item))
    return assessments


def assessment_line(item: dict) -> str:
    """An assessment as one line, the way the form takes it back."""
    return " ".join(part for part in (item["kind"].upper(), item["date"], item["link"]) if part)


def assessments_text(value: list[dict]) -> str:
    return "\n".join(assessment_line(item) for item in value or [])


def value_text(name: str, value) -> str | None:
    """How a register value reads where the model field alone would read it wrong (a list, a
    yes/no left unstated, the assessments); None for the rest."""
    if name == "techniques":
        return ", ".join(Technique(item).label for item in value or [] if item in Technique.values)
    if name == "personal_data":
        return {True: "Yes", False: "No"}.get(value, "")
    if name == "impact_assessments":
        return assessments_text(value)
    if name == "documentation_urls":
        return "\n".join(value or [])
    return None


# --- Checking values written by any path ----------------------------------------------------------


def checked_register(usecase, values: dict) -> tuple[dict, dict[str, str]]:
    """``values``' register fields parsed by their model fields (choices, lengths, e-mail and web
    addresses, the assessments' shape), and the refusals by field name, each naming the field.
    Fields not in ``values`` are left out of both."""
    parsed, errors = {}, {}
    meta = type(usecase)._meta
    for name in REGISTER_FIELDS:
        if name not in values:
            continue
        field = meta.get_field(name)
        value = values[name]
        if value is None and not field.null:
            value = field.get_default()
        try:
            parsed[name] = field.clean(value, usecase)
        except ValidationError as error:
            label = field.verbose_name[:1].upper() + field.verbose_name[1:]
            errors[name] = f"{label}: {' '.join(error.messages)}"
    return parsed, errors


# --- How the detail page shows them -----------------------------------------------------------------

_LINKED = ("legal_basis_url", "code_url")


@dataclass(frozen=True)
class Shown:
    """One filled register field on the detail page: its text, or items each with a link."""

    label: str
    text: str = ""
    items: tuple[tuple[str, str], ...] = ()


def _shown(usecase, name: str) -> Shown | None:
    value = getattr(usecase, name)
    if value in (None, "", []):
        return None
    label = capfirst(type(usecase)._meta.get_field(name).verbose_name)
    if name in _LINKED:
        return Shown(label, items=((value, value),))
    if name == "documentation_urls":
        return Shown(label, items=tuple((url, url) for url in value))
    if name == "contact_email":
        return Shown(label, items=((value, f"mailto:{value}"),))
    if name == "impact_assessments":
        kinds = dict(AssessmentKind.choices)
        return Shown(
            label,
            items=tuple(
                (
                    " · ".join(part for part in (kinds[item["kind"]], item["date"]) if part),
                    item["link"],
                )
                for item in value
            ),
        )
    text = value_text(name, value)
    if text is None:
        field_display = getattr(usecase, f"get_{name}_display", None)
        text = field_display() if field_display else str(value)
    return Shown(label, text=text)


def shown_sections(usecase) -> list[tuple[Section, list[Shown]]]:
    """Each register section with its filled fields, in order; no query."""
    return [
        (section, [shown for name in section.fields if (shown := _shown(usecase, name))])
        for section in SECTIONS
    ]
