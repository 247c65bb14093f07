"""Managing a team: its details (the generic edit view), its members and their roles, archiving."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from administration.forms.objects import MembershipAddForm, MembershipRoleForm, TeamForm
from administration.services import teams
from administration.services.errors import AdminError
from administration.views.generic import ObjectEditView, archive_view, require_admin
from core.people import person_label
from portfolio.models import Membership, Team
from portfolio.selectors import team_descendant_ids


def _team_manage_context(team, **extra):
    memberships = list(
        Membership.objects.filter(team=team)
        .select_related("user")
        .order_by("role", "user__first_name", "user__last_name")
    )
    return {
        "team": team,
        "memberships": memberships,
        "add_form": MembershipAddForm(team=team),
        "role_choices": MembershipRoleForm().fields["role"].choices,
        **extra,
    }


class TeamEditView(ObjectEditView):
    """Create a team, or manage one: its details, its members and their roles, archiving."""

    queryset = Team.objects.all()

    def get_form(self, request, obj, data, **kwargs):
        if obj is not None:
            return TeamForm(data, team=obj, excluded_parents=team_descendant_ids(obj), **kwargs)
        initial = {}
        if request.method == "GET" and request.GET.get("parent"):
            # "Add a sub-unit" on a team's page: the new team starts under it.
            initial["parent"] = Team.objects.filter(slug=request.GET["parent"]).first()
        return TeamForm(data, initial=initial, **kwargs)

    def save(self, request, obj, data, form):
        if obj is None:
            return teams.team_create(actor=request.user, data=data)
        return teams.team_update(
            team=obj, actor=request.user, data=data, fingerprint=data["fingerprint"]
        )

    def success(self, request, saved, form):
        message = f"Team {saved} created. Add its members below." if form.team is None else None
        return (
            message or f"Team {saved} saved.",
            reverse("administration:team_edit", args=[saved.slug]),
        )

    def create_context(self, request):
        return {
            "title": "New team",
            "action": reverse("administration:team_create"),
            "submit": "Create team",
            "cancel": reverse("portfolio:team_list"),
        }

    def edit_page(self, request, obj, form, **extra):
        return "administration/team_manage.html", _team_manage_context(obj, form=form, **extra)


@require_POST
def team_archive(request, slug):
    require_admin(request)
    team = get_object_or_404(Team, slug=slug)
    archive_view(
        request,
        set_archived=lambda **kwargs: teams.team_set_archived(team=team, **kwargs),
        done=f"Team {team} {{}}.",
    )
    return redirect("administration:team_edit", slug=team.slug)


@require_POST
def membership_add(request, slug):
    require_admin(request)
    team = get_object_or_404(Team, slug=slug)
    form = MembershipAddForm(request.POST, team=team)
    if not form.is_valid():
        errors = "; ".join(error for errors in form.errors.values() for error in errors)
        messages.error(request, f"Not added: {errors} Nothing was changed.")
    else:
        try:
            membership = teams.membership_add(
                team=team,
                actor=request.user,
                user=form.cleaned_data["user"],
                role=form.cleaned_data["role"],
            )
        except AdminError as error:
            messages.error(request, f"{error} Nothing was changed.")
        else:
            messages.success(
                request,
                f"{person_label(membership.user)} added to {team} as "
                f"{membership.get_role_display().lower()}.",
            )
    return redirect("administration:team_edit", slug=team.slug)


@require_POST
def membership_edit(request, pk):
    """Change a member's role: make them the lead, or a member again."""
    require_admin(request)
    membership = get_object_or_404(Membership.objects.select_related("team", "user"), pk=pk)
    form = MembershipRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose member or lead. Nothing was changed.")
    else:
        membership = teams.membership_set_role(
            membership=membership, actor=request.user, role=form.cleaned_data["role"]
        )
        messages.success(
            request,
            f"{person_label(membership.user)} is now "
            f"{membership.get_role_display().lower()} of {membership.team}.",
        )
    return redirect("administration:team_edit", slug=membership.team.slug)


@require_POST
def membership_remove(request, pk):
    require_admin(request)
    membership = get_object_or_404(Membership.objects.select_related("team", "user"), pk=pk)
    team, person = membership.team, membership.user
    try:
        teams.membership_remove(membership=membership, actor=request.user)
    except AdminError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{person_label(person)} removed from {team}.")
    return redirect("administration:team_edit", slug=team.slug)
