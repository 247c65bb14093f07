"""The use case page's parts, shared by the views that draw it whole or a panel of it: the status
panel's context, the timeline, the revision diff, the evidence panel.
"""

from django.http import Http404

from core.people import person_label
from portfolio.permissions import role_facts_statements
from usecases import selectors, workflow
from usecases.choices import Action
from usecases.custom_fields.values import definitions_statement
from usecases.forms import (
    ActionForm,
    MeasurementForm,
    MeasurementRecordersForm,
    OwnershipRequestForm,
)
from usecases.models import UseCase
from usecases.profiles import enabled_profiles, enabled_profiles_statement, loaded_profile_gaps
from usecases.register import shown_sections

DETAIL_TEMPLATE = "usecases/usecase_detail.html"
EVIDENCE_TEMPLATE = "usecases/_evidence.html"
# The panels that show none of the use case's products and goals: they are not read for them.
PANELS_WITHOUT_LINKS = frozenset({"timeline", "evidence"})


def get_usecase(key: str, *, with_links: bool = True) -> UseCase:
    try:
        return selectors.usecase_detail(key, with_links=with_links)
    except UseCase.DoesNotExist:
        raise Http404(f"No use case {key}.") from None


def detail_context(request, usecase, **extra) -> dict:
    claim = selectors.claim_panel(usecase, request.user)
    actions = workflow.get_actions(usecase, request.user)
    return {
        "usecase": usecase,
        "actions": actions,
        # Built only where an action asks for a new owner (a form and its field cost a third of
        # a millisecond, on every page of a use case whether it shows them or not).
        "transfer_owner": (
            _transfer_owner(usecase) if any(a.button.asks_for_owner for a in actions) else None
        ),
        "request_owner": _request_owner(claim) if claim and claim.can_request else None,
        "register_sections": shown_sections(usecase),
        "claim": claim,
        **extra,
    }


def _transfer_owner(usecase):
    """The transfer's "new owner" chooser: a few people on the page, the rest by search. Queries
    only when the page shows it."""
    form = ActionForm(action=Action.TRANSFER_OWNERSHIP, usecase=usecase)
    field = form.fields["new_owner"]
    field.empty_label = "Choose a person"
    field.widget.attrs["id"] = f"{Action.TRANSFER_OWNERSHIP}-new-owner"
    return form["new_owner"]


def _request_owner(claim):
    """The "ask someone to own this" chooser, the contact's account chosen and named so."""
    form = OwnershipRequestForm(initial={"person": claim.suggested_id}, auto_id="request-owner-%s")
    field = form.fields["person"]
    field.empty_label = "Choose a person"
    field.label_from_instance = lambda person: (
        person_label(person) + (": the contact" if person.pk == claim.suggested_id else "")
    )
    return form["person"]


def profiles_context(usecase) -> dict:
    """What the use case lacks under each standard's profile switched on (the whole page only):
    one query for the profiles; the gaps are read off the row the page has just loaded."""
    return {"profile_gaps": loaded_profile_gaps(usecase, enabled_profiles())}


def frame_statements(user) -> list:
    """What base.html's frame reads for ``user``, for a page that reads it ahead with its own
    reads (``read_ahead``): their roles (the navigation's links) and their unread notices (its
    badge)."""
    return [*role_facts_statements(user), *selectors.unread_count_statements(user)]


def page_statements(request, usecase) -> list:
    """What the whole page reads once it has the use case (its products and goals, and each
    part's reads), none depending on another's: read together (``core.compiled.read_ahead``), in
    one round trip to the server."""
    return [
        *selectors.usecase_links_statements(usecase),
        *timeline_panel_statements(request, usecase),
        *selectors.evidence_statements(usecase, user=request.user),
        enabled_profiles_statement(),
        definitions_statement(),
    ]


def timeline_panel_statements(request, usecase) -> list:
    """What ``timeline_context`` reads of the timeline's sources, for ``read_ahead``."""
    return selectors.timeline_statements(usecase, limit=_timeline_read(request))


def _timeline_read(request) -> int | None:
    """How many entries to read: all of them (None) with ``?history=all``; else one more than
    ``TIMELINE_LIMIT``, which tells whether there is more to show."""
    params = request.POST if request.method == "POST" else request.GET
    return None if params.get("history") == "all" else selectors.TIMELINE_LIMIT + 1


def timeline_context(request, usecase) -> dict:
    """The newest ``TIMELINE_LIMIT`` entries, or all of them with ``?history=all``."""
    read = _timeline_read(request)
    full = read is None
    limit = selectors.TIMELINE_LIMIT
    entries = selectors.usecase_timeline(usecase, limit=read)
    return {
        "timeline": entries if full else entries[:limit],
        "timeline_truncated": not full and len(entries) > limit,
        "full_history": full,
    }


def _shows_revision_diff(user, usecase) -> bool:
    """A reviewer deciding, or the owner about to sign, compares the text with what was signed."""
    return workflow.can_review(user, usecase) or workflow.can_sign_off(user, usecase)


def diff_context(usecase) -> dict:
    diff = selectors.revision_diff(usecase)
    return {
        "revision_diff": diff,
        "never_signed": bool(diff) and diff[0].signed is None,
        "changed_fields": [field for field in diff if field.changed],
        "unchanged_labels": [field.label for field in diff if not field.changed],
    }


def revision_context(request, usecase) -> dict:
    context = {"revision_diff": None, "last_signed": None}
    if _shows_revision_diff(request.user, usecase):
        context.update(diff_context(usecase))
    if usecase.changed_since_sign_off:
        context["last_signed"] = selectors.last_signed_revision(usecase)
    return context


def evidence_context(
    request, usecase, *, form=None, recorders_form=None, flash="", error=""
) -> dict:
    """The evidence panel's context, less the use case itself (the page already has it).
    ``recorders_form``: who may record as the owner posted it, refused (the boxes as ticked and
    what was typed, shown again)."""
    # No metric, nothing to measure: the page says so without reading measurements.
    evidence = selectors.evidence_panel(usecase, user=request.user) if usecase.metric_name else None
    return {
        "evidence": evidence,
        "recorders_field": _recorders_field(usecase, evidence, recorders_form),
        "recorders_refused": recorders_form is not None,
        "measurement_form": form or MeasurementForm(usecase=usecase),
        "evidence_flash": flash,
        "evidence_error": error,
    }


def _recorders_field(usecase, evidence, refused=None):
    """The owner's chooser of who may record, its options the ones the panel read (the first
    members by name and those allowed; ``selectors.evidence_panel``): no query of its own. A
    refused form is drawn as posted (its chooser reads its first members and ticked ones)."""
    if evidence is None or not evidence.recorder_choices:
        return None
    if refused is not None:
        return refused["recorders"]
    choices = evidence.recorder_choices
    form = MeasurementRecordersForm(
        usecase=usecase,
        offered=[(person.pk, person_label(person)) for person in choices],
        initial={"recorders": [person.pk for person in choices if person.is_recorder]},
    )
    return form["recorders"]
