"""Creating, editing (moving in the hierarchy) and archiving strategic goals."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from administration.forms.objects import GoalForm
from administration.services import goals
from administration.views.generic import ObjectEditView, archive_view, require_admin
from portfolio.choices import GoalStatus
from portfolio.models import StrategicGoal
from portfolio.selectors import goal_descendant_ids


class GoalEditView(ObjectEditView):
    """Create a goal (``?parent=`` chooses where it sits), or edit one: choosing another parent
    moves it, with its sub-goals, in the hierarchy."""

    queryset = StrategicGoal.objects.select_related("owner", "parent")

    def get_form(self, request, obj, data, **kwargs):
        if obj is not None:
            return GoalForm(data, goal=obj, excluded_parents=goal_descendant_ids(obj), **kwargs)
        initial = {}
        if request.method == "GET" and request.GET.get("parent", "").isdigit():
            initial["parent"] = int(request.GET["parent"])
        return GoalForm(data, initial=initial)

    def save(self, request, obj, data, form):
        if obj is None:
            return goals.goal_create(actor=request.user, data=data)
        return goals.goal_update(
            goal=obj, actor=request.user, data=data, fingerprint=data["fingerprint"]
        )

    def success(self, request, saved, form):
        done = "created" if form.goal is None else "saved"
        return f"Goal “{saved}” {done}.", saved

    def current(self, conflict):
        return self.queryset.get(pk=conflict.target.pk)

    def create_context(self, request):
        return {
            "title": "New goal",
            "action": reverse("administration:goal_create"),
            "submit": "Create goal",
            "cancel": reverse("portfolio:goal_list"),
        }

    def edit_page(self, request, obj, form, **extra):
        return "administration/admin_edit.html", {
            "form": form,
            "title": f"Edit goal “{obj}”",
            "action": reverse("administration:goal_edit", args=[obj.pk]),
            "submit": "Save goal",
            "cancel": obj.get_absolute_url(),
            "archive_url": reverse("administration:goal_archive", args=[obj.pk]),
            "is_archived": obj.status == GoalStatus.DROPPED,
            "noun": "goal",
            **extra,
        }


@require_POST
def goal_archive(request, pk):
    """Archive (drop) a goal or restore it; its use cases keep their link."""
    require_admin(request)
    goal = get_object_or_404(StrategicGoal, pk=pk)
    archive_view(
        request,
        set_archived=lambda **kwargs: goals.goal_set_archived(goal=goal, **kwargs),
        done=f"Goal “{goal}” {{}}.",
    )
    return redirect(goal)
