"""What the administration views share: admins only, one create/edit view for every kind of row
(modelled on NetBox's ``ObjectEditView``), and archiving."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from administration.forms.objects import ArchiveForm
from administration.services.editing import (
    EditConflict,
    fingerprint_differences,
    shown_state_value,
    state_fingerprint,
)
from administration.services.errors import AdminError
from portfolio.permissions import is_admin


def require_admin(request) -> None:
    if not is_admin(request.user):
        raise PermissionDenied


def rebased_on(conflict: EditConflict, form, *, rebuild):
    """After a conflict: a fresh form that keeps what this admin changed and takes everything
    else as saved now, carrying the fingerprint of what is saved now (so saving again is a
    deliberate choice made knowing both), and the rows that say what someone else changed.

    ``rebuild(initial=...)`` makes the form.
    """
    yours = form.edited_data()
    touched = set(fingerprint_differences(form.cleaned_data["fingerprint"], yours))
    now = conflict.current
    initial = {name: yours[name] if name in touched else now[name] for name in yours}
    rebased = rebuild(initial={**initial, "fingerprint": state_fingerprint(now)})
    rows = [
        {
            "label": conflict.labels[name],
            "now": shown_state_value(name, now[name]),
            "edited_here": name in yours,
            "touched": name in touched,
            "yours": shown_state_value(name, yours[name]) if name in yours else "",
        }
        for name in conflict.changed
    ]
    return rebased, {"conflict": conflict, "conflict_rows": rows}


class ObjectEditView(View):
    """Create a row (a URL without keywords) or edit one (``lookup`` in the URL), as NetBox's
    ``ObjectEditView`` does: a GET shows the form; a valid POST calls the service, says what was
    done and redirects; bad input or a refusal by the service shows the form again (400) with the
    reason. Saving over a change someone else made after the form was loaded is refused (409):
    the page names what changed and keeps what this admin changed (``rebased_on``).

    A subclass names ``queryset`` and implements ``get_form``, ``save``, ``success``,
    ``create_context`` (the page ``administration/admin_form.html`` shows) and ``edit_page``.
    """

    http_method_names = ["get", "post"]
    queryset = None
    create_template = "administration/admin_form.html"

    def get(self, request, **kwargs):
        return self.handle(request, **kwargs)

    def post(self, request, **kwargs):
        return self.handle(request, **kwargs)

    def handle(self, request, **kwargs):
        require_admin(request)
        obj = self.get_object(request, **kwargs)
        posted = request.method == "POST"
        form = self.get_form(request, obj, request.POST if posted else None)
        if not posted:
            return self.render_page(request, obj, form)
        if form.is_valid():
            try:
                saved = self.save(request, obj, form.cleaned_data, form)
            except EditConflict as conflict:
                return self.conflict_page(request, form, conflict)
            except AdminError as error:
                form.add_error(None, f"{error} Nothing was changed.")
            else:
                message, to = self.success(request, saved, form)
                messages.success(request, message)
                return redirect(to)
        return self.render_page(request, obj, form, status=400)

    def get_object(self, request, **kwargs):
        """The row to edit, or None to create one."""
        return get_object_or_404(self.queryset, **kwargs) if kwargs else None

    def current(self, conflict: EditConflict):
        """The row as saved now, after someone else changed it."""
        return conflict.target

    def conflict_form_kwargs(self, conflict: EditConflict) -> dict:
        """More keywords for the form rebuilt after a conflict."""
        return {}

    def conflict_page(self, request, form, conflict: EditConflict):
        now = self.current(conflict)
        more = self.conflict_form_kwargs(conflict)
        rebased, extra = rebased_on(
            conflict,
            form,
            rebuild=lambda **kwargs: self.get_form(request, now, None, **more, **kwargs),
        )
        return self.render_page(request, now, rebased, status=409, **extra)

    def render_page(self, request, obj, form, *, status=200, **extra):
        if obj is None:
            context = {"form": form, "eyebrow": "", **self.create_context(request)}
            return render(request, self.create_template, context, status=status)
        template, context = self.edit_page(request, obj, form, **extra)
        return render(request, template, context, status=status)

    def get_form(self, request, obj, data, **kwargs):
        raise NotImplementedError

    def save(self, request, obj, data: dict, form):
        raise NotImplementedError

    def success(self, request, saved, form) -> tuple[str, object]:
        """The message, and where to go (a URL or a row with ``get_absolute_url``)."""
        raise NotImplementedError

    def create_context(self, request) -> dict:
        """``title``, ``action``, ``submit`` and ``cancel`` of the create page."""
        raise NotImplementedError

    def edit_page(self, request, obj, form, **extra) -> tuple[str, dict]:
        raise NotImplementedError


def archive_view(request, *, set_archived, done: str):
    """Archive or restore a row as the posted ``ArchiveForm`` says; ``done`` is the message with
    ``{}`` for "archived" or "restored". The caller has checked that the user is an admin."""
    form = ArchiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose archive or restore. Nothing was changed.")
    else:
        archived = form.cleaned_data["archived"]
        try:
            set_archived(actor=request.user, archived=archived)
        except AdminError as error:
            messages.error(request, f"{error} Nothing was changed.")
        else:
            messages.success(request, done.format("archived" if archived else "restored"))
