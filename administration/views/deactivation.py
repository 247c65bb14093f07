"""The guided deactivation: what a person holds, who takes each over, then the account is off."""

from __future__ import annotations

from django.contrib import messages
from django.db import OperationalError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from administration.forms.deactivate import DeactivateForm
from administration.selectors import Holdings, person_holdings, use_cases
from administration.services import deactivation
from administration.services.errors import AdminError
from administration.views.people import person_to_change
from core.people import person_label
from usecases.services import UseCaseError


def _done_message(person, holdings: Holdings, choices: dict) -> str:
    handed = len(holdings.owned)
    parts = [f"{person_label(person)} is deactivated."]
    if handed:
        parts.append(
            f"{use_cases(handed)} handed over; each new owner of an active one was asked to "
            "sign off."
        )
    else:
        parts.append("They owned no use cases.")
    if holdings.authored:
        parts.append(f"{use_cases(len(holdings.authored), 'open ')} they wrote have a new author.")
    leads = choices.get("team_leads") or {}
    for team in holdings.led_teams:
        if team.pk in leads and leads[team.pk] is None:
            parts.append(f"{team} has no lead for now.")
        else:
            new_lead = leads.get(team.pk) or choices.get("successor")
            parts.append(f"{person_label(new_lead)} now leads {team}.")
    return " ".join(parts)


def _refusal(request, person, choices: dict) -> str | None:
    """Deactivate ``person`` as ``choices`` say; the reason it was refused, or None if done."""
    try:
        deactivation.person_deactivate(person=person, actor=request.user, **choices)
    except (UseCaseError, AdminError) as error:
        return f"{error} Nothing was changed."
    except OperationalError as error:
        if not deactivation.lost_a_lock_race(error):
            raise
        return str(deactivation.PeopleChangedMeanwhile())
    return None


def _page(request, person, holdings: Holdings, form, status: int):
    context = {
        "person": person,
        "holdings": holdings,
        "form": form,
        "rows": {
            kind: [(item, form[name]) for item, name in rows] for kind, rows in form.rows.items()
        },
        "lead_rows": [(team, form[name]) for team, name in form.lead_rows],
        "datalists": form.datalists(),
        "is_self": person.pk == request.user.pk,
    }
    return render(request, "administration/person_deactivate.html", context, status=status)


@require_http_methods(["GET", "POST"])
def person_deactivate(request, pk):
    person = person_to_change(request, pk)
    if not person.is_active:
        messages.info(request, f"{person_label(person)} is already deactivated.")
        return redirect("administration:person_list")
    holdings = person_holdings(person)
    form = DeactivateForm(request.POST if request.method == "POST" else None, holdings=holdings)
    if request.method != "POST":
        return _page(request, person, holdings, form, 200)
    if not form.is_valid():
        return _page(request, person, holdings, form, 400)
    choices = form.successors()
    refusal = _refusal(request, person, choices)
    if refusal is None:
        messages.success(request, _done_message(person, holdings, choices))
        return redirect("administration:person_list")
    # Someone may have changed what they hold meanwhile: show it as it is now, with what this
    # admin chose.
    holdings = person_holdings(person)
    form = DeactivateForm(request.POST, holdings=holdings)
    form.is_valid()
    form.add_error(None, refusal)
    return _page(request, person, holdings, form, 409)
