"""People: the list, creating and editing someone (the generic edit view), reactivating someone
who returns, sending a fresh set-password link. Someone leaving: ``deactivation``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from administration.forms.objects import PersonCreateForm, PersonEditForm, ReactivateForm
from administration.forms.people_search import PeopleSearchForm
from administration.selectors import people_list
from administration.services import people
from administration.services.errors import AdminError
from administration.views.generic import ObjectEditView, require_admin
from core.people import person_label
from portfolio.permissions import can_change_person, get_person_actions

PEOPLE_PAGE_SIZE = 50


def person_list(request):
    """The people, by name, 50 a page, searchable by name, username and e-mail address; the
    deactivated ones on their own list (``?show=deactivated``)."""
    require_admin(request)
    show_inactive = request.GET.get("show") == "deactivated"
    search = PeopleSearchForm(request.GET)
    words = search.words()
    people = people_list(active=not show_inactive, search=words)
    page = Paginator(people, PEOPLE_PAGE_SIZE).get_page(request.GET.get("page"))
    listed = list(page.object_list)
    for person in listed:
        person.actions = get_person_actions(request.user, person)
    kept = {"show": "deactivated" if show_inactive else "", "q": words}
    return render(
        request,
        "administration/person_list.html",
        {
            "page": page,
            "people": listed,
            "show_inactive": show_inactive,
            "search": search,
            "words": words,
            "querystring": urlencode({name: value for name, value in kept.items() if value}),
        },
    )


def person_to_change(request, pk):
    """The person ``pk``, if the signed-in admin may change them (403 otherwise, 404 if none)."""
    require_admin(request)
    person = get_object_or_404(get_user_model(), pk=pk)
    if not can_change_person(request.user, person):
        raise PermissionDenied
    return person


def people_url(person) -> str:
    """The people page that lists ``person``: the active ones, or the deactivated ones."""
    url = reverse("administration:person_list")
    return url if person.is_active else f"{url}?show=deactivated"


class PersonEditView(ObjectEditView):
    """Create a person (they get an e-mail with a link to choose their password), or edit a
    person's name, e-mail address and roles."""

    def get_object(self, request, **kwargs):
        return person_to_change(request, kwargs["pk"]) if kwargs else None

    def get_form(self, request, obj, data, state=None, **kwargs):
        if obj is None:
            return PersonCreateForm(data)
        state = state or people.person_state(obj)
        return PersonEditForm(data, person=obj, actor=request.user, state=state, **kwargs)

    def save(self, request, obj, data, form):
        if obj is None:
            return people.person_create(actor=request.user, data=data)
        return people.person_update(
            user=obj, actor=request.user, data=form.edited_data(), fingerprint=data["fingerprint"]
        )

    def success(self, request, saved, form):
        if isinstance(form, PersonCreateForm):
            return (
                f"{person_label(saved)} created. A link to choose a password is on its way "
                f"to {saved.email}.",
                reverse("administration:person_create"),
            )
        return f"{person_label(saved)} saved.", people_url(saved)

    def conflict_form_kwargs(self, conflict):
        # The person's state as the service read it under the lock, not read again.
        return {"state": conflict.current}

    def create_context(self, request):
        return {
            "title": "New person",
            "action": reverse("administration:person_create"),
            "submit": "Create and send the set-password e-mail",
            "cancel": "",
        }

    def edit_page(self, request, obj, form, **extra):
        return "administration/person_edit.html", {
            "person": obj,
            "form": form,
            "actions": get_person_actions(request.user, obj),
            "people_url": people_url(obj),
            **extra,
        }


@require_http_methods(["GET", "POST"])
def person_reactivate(request, pk):
    """Confirm, then let a deactivated person sign in again."""
    person = person_to_change(request, pk)
    if person.is_active:
        messages.info(request, f"{person_label(person)} is already active. Nothing was changed.")
        return redirect(people_url(person))
    form = ReactivateForm(
        request.POST if request.method == "POST" else None,
        initial={"send_email": not person.has_usable_password()},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                send = form.cleaned_data["send_email"]
                saved = people.person_reactivate(user=person, actor=request.user, send_email=send)
            except AdminError as error:
                form.add_error(None, f"{error} Nothing was changed.")
            else:
                messages.success(request, _reactivated_message(saved, send))
                return redirect("administration:person_edit", pk=saved.pk)
    context = {"person": person, "form": form, "people_url": people_url(person)}
    return render(request, "administration/person_reactivate.html", context, status=status)


def _reactivated_message(saved, sent: bool) -> str:
    message = f"{person_label(saved)} is active again and can sign in"
    if sent and saved.email:
        return message + f"; a link to choose a password is on its way to {saved.email}."
    if sent:
        return message + ". They have no e-mail address, so no set-password link was sent."
    return message + " with the password they had."


@require_POST
def person_send_password_email(request, pk):
    """Send a person a fresh link to choose their password (the same e-mail as on creation)."""
    person = person_to_change(request, pk)
    try:
        people.person_send_password_email(user=person, actor=request.user)
    except AdminError as error:
        messages.error(request, f"{error} Nothing was sent.")
    else:
        messages.success(request, f"A link to choose a password is on its way to {person.email}.")
    return redirect("administration:person_edit", pk=person.pk)
