"""The custom fields page (every field, in use and archived), and defining, editing, archiving
and restoring one."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from administration.forms.custom_fields import CustomFieldForm
from administration.services import custom_fields
from administration.views.generic import ObjectEditView, archive_view, require_admin
from usecases.models import CustomField

LIST_URL = "administration:customfield_list"


def customfield_list(request):
    require_admin(request)
    fields = list(CustomField.objects.order_by("is_archived", "group", "order", "label"))
    return render(request, "administration/customfield_list.html", {"fields": fields})


class CustomFieldEditView(ObjectEditView):
    queryset = CustomField.objects.all()

    def get_form(self, request, obj, data, **kwargs):
        return CustomFieldForm(data, field=obj, **kwargs)

    def save(self, request, obj, data, form):
        if obj is None:
            return custom_fields.customfield_create(actor=request.user, data=data)
        return custom_fields.customfield_update(
            field=obj, actor=request.user, data=data, fingerprint=data["fingerprint"]
        )

    def success(self, request, saved, form):
        done = "created" if form.field is None else "saved"
        return f"Custom field “{saved}” {done}.", reverse(LIST_URL)

    def current(self, conflict):
        return self.queryset.get(pk=conflict.target.pk)

    def create_context(self, request):
        return {
            "title": "New custom field",
            "eyebrow": "Custom fields",
            "action": reverse("administration:customfield_create"),
            "submit": "Create field",
            "cancel": reverse(LIST_URL),
        }

    def edit_page(self, request, obj, form, **extra):
        return "administration/admin_edit.html", {
            "form": form,
            "title": f"Edit custom field “{obj}”",
            "action": reverse("administration:customfield_edit", args=[obj.pk]),
            "submit": "Save field",
            "cancel": reverse(LIST_URL),
            "archive_url": reverse("administration:customfield_archive", args=[obj.pk]),
            "is_archived": obj.is_archived,
            "noun": "field",
            **extra,
        }


@require_POST
def customfield_archive(request, pk):
    """Archive a field (off the form, the pages and the list; its values kept) or restore it."""
    require_admin(request)
    field = get_object_or_404(CustomField, pk=pk)
    archive_view(
        request,
        set_archived=lambda **kwargs: custom_fields.customfield_set_archived(field=field, **kwargs),
        done=f"Custom field “{field}” {{}}.",
    )
    return redirect(LIST_URL)
