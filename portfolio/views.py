from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core.people import person_label
from portfolio import forms, selectors, services
from portfolio.choices import GoalStatus
from portfolio.models import Membership, Product, StrategicGoal, Team
from portfolio.permissions import (
    can_change_person,
    can_view_portfolio,
    get_person_actions,
    is_admin,
)

# How many use cases a team, product or goal page lists before linking to the full, filtered list.
USECASE_PREVIEW = 50


def _require_view(request):
    if not can_view_portfolio(request.user):
        raise PermissionDenied


def _usecase_preview(related_manager):
    """The newest use cases behind a reverse relation, with what their rows show."""
    usecases = related_manager.select_related("owner", "team").order_by("-number")
    return list(usecases[:USECASE_PREVIEW]), related_manager.count()


def team_list(request):
    _require_view(request)
    return render(request, "portfolio/team_list.html", {"teams": selectors.team_list()})


def team_detail(request, slug):
    _require_view(request)
    try:
        team = selectors.team_detail(slug)
    except Team.DoesNotExist:
        raise Http404 from None
    usecases, usecase_count = _usecase_preview(team.usecases)
    context = {
        "team": team,
        "usecases": usecases,
        "usecase_count": usecase_count,
        "filter_query": f"team={team.slug}",
    }
    return render(request, "portfolio/team_detail.html", context)


def product_list(request):
    _require_view(request)
    return render(request, "portfolio/product_list.html", {"products": selectors.product_list()})


def product_detail(request, slug):
    _require_view(request)
    try:
        product = selectors.product_detail(slug)
    except Product.DoesNotExist:
        raise Http404 from None
    usecases, usecase_count = _usecase_preview(product.usecases)
    context = {
        "product": product,
        "usecases": usecases,
        "usecase_count": usecase_count,
        "filter_query": f"product={product.slug}",
    }
    return render(request, "portfolio/product_detail.html", context)


def goal_list(request):
    _require_view(request)
    goals = selectors.flatten_goal_tree(selectors.goal_tree())
    return render(request, "portfolio/goal_list.html", {"goals": goals})


def goal_detail(request, pk):
    _require_view(request)
    try:
        goal = selectors.goal_detail(pk)
    except StrategicGoal.DoesNotExist:
        raise Http404 from None
    usecases, usecase_count = _usecase_preview(goal.usecases)
    context = {
        "goal": goal,
        "children": selectors.goal_children(goal),
        "usecases": usecases,
        "usecase_count": usecase_count,
        "filter_query": f"goal={goal.pk}",
    }
    return render(request, "portfolio/goal_detail.html", context)


# --- Administration (admins only): teams, members, people, products, goals, history ------------

HISTORY_PAGE_SIZE = 50
OUTSIDE = "elsewhere"  # the history tab of row changes made outside these pages


def _require_admin(request):
    if not is_admin(request.user):
        raise PermissionDenied


def _form_page(request, form, *, title, action, submit, cancel, status=200, eyebrow=""):
    """The one page every administration form uses: fields, errors, a submit and a way back."""
    context = {
        "form": form,
        "title": title,
        "action": action,
        "submit": submit,
        "cancel": cancel,
        "eyebrow": eyebrow,
    }
    return render(request, "portfolio/admin_form.html", context, status=status)


def _handle_form(request, form, *, save, success, conflict=None):
    """What every administration form does with a POST: validate, call the service, say what was
    done, redirect.

    ``save(cleaned_data)`` calls the service and returns what it saved; ``success(saved)`` returns
    the message and where to go (a URL or a model with ``get_absolute_url``). An edit form passes
    ``conflict(error)``, the page to show when someone else changed the row since the form was
    loaded (``services.EditConflict``). Returns ``(response, status)``: the redirect after a save
    or the conflict page (409), or None and the status to show the form again with (400 when the
    form or the service refused, with the reason on the form).
    """
    if request.method != "POST":
        return None, 200
    if form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except services.EditConflict as error:
            if conflict is None:
                raise
            return conflict(error), 409
        except services.AdminError as error:
            form.add_error(None, f"{error} Nothing was changed.")
        else:
            message, to = success(saved)
            messages.success(request, message)
            return redirect(to), 200
    return None, 400


def _rebased_on(conflict: services.EditConflict, form, *, yours: dict, rebuild):
    """After a conflict: a fresh form that keeps what this admin changed and takes everything
    else as saved now, carrying the fingerprint of what is saved now (so saving again is a
    deliberate choice made knowing both), and the rows that say what someone else changed.

    ``yours`` holds the posted values by state name; ``rebuild(initial=...)`` makes the form.
    """
    touched = set(services.fingerprint_differences(form.cleaned_data["fingerprint"], yours))
    now = conflict.current
    initial = {name: yours[name] if name in touched else now[name] for name in yours}
    rebased = rebuild(initial={**initial, "fingerprint": services.state_fingerprint(now)})
    rows = [
        {
            "label": conflict.labels[name],
            "now": services.shown_state_value(name, now[name]),
            "edited_here": name in yours,
            "touched": name in touched,
            "yours": services.shown_state_value(name, yours[name]) if name in yours else "",
        }
        for name in conflict.changed
    ]
    return rebased, {"conflict": conflict, "conflict_rows": rows}


@require_http_methods(["GET", "POST"])
def team_create(request):
    _require_admin(request)
    form = forms.TeamForm(request.POST or None)
    done, status = _handle_form(
        request,
        form,
        save=lambda data: services.team_create(actor=request.user, data=data),
        success=lambda team: (
            f"Team {team} created. Add its members below.",
            reverse("portfolio:team_edit", args=[team.slug]),
        ),
    )
    return done or _form_page(
        request,
        form,
        title="New team",
        action=reverse("portfolio:team_create"),
        submit="Create team",
        cancel=reverse("portfolio:team_list"),
        status=status,
    )


def _team_manage_context(team, **extra):
    memberships = list(
        Membership.objects.filter(team=team)
        .select_related("user")
        .order_by("role", "user__first_name", "user__last_name")
    )
    return {
        "team": team,
        "memberships": memberships,
        "add_form": forms.MembershipAddForm(team=team),
        "role_choices": forms.MembershipRoleForm().fields["role"].choices,
        **extra,
    }


@require_http_methods(["GET", "POST"])
def team_edit(request, slug):
    """Manage a team: its details, its members and their roles, archiving. Saving details over a
    change someone else made after the form was loaded is refused (409), naming what changed."""
    _require_admin(request)
    team = get_object_or_404(Team, slug=slug)
    form = forms.TeamForm(request.POST or None, team=team)

    def conflict(error):
        rebased, extra = _rebased_on(
            error,
            form,
            yours=form.edited_data(),
            rebuild=lambda **kwargs: forms.TeamForm(team=error.target, **kwargs),
        )
        context = _team_manage_context(error.target, form=rebased, **extra)
        return render(request, "portfolio/team_manage.html", context, status=409)

    done, status = _handle_form(
        request,
        form,
        save=lambda data: services.team_update(
            team=team, actor=request.user, data=data, fingerprint=data["fingerprint"]
        ),
        success=lambda saved: (
            f"Team {saved} saved.",
            reverse("portfolio:team_edit", args=[saved.slug]),
        ),
        conflict=conflict,
    )
    return done or render(
        request, "portfolio/team_manage.html", _team_manage_context(team, form=form), status=status
    )


@require_POST
def team_archive(request, slug):
    _require_admin(request)
    team = get_object_or_404(Team, slug=slug)
    form = forms.ArchiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose archive or restore. Nothing was changed.")
    else:
        archived = form.cleaned_data["archived"]
        services.team_set_archived(team=team, actor=request.user, archived=archived)
        messages.success(request, f"Team {team} {'archived' if archived else 'restored'}.")
    return redirect("portfolio:team_edit", slug=team.slug)


@require_POST
def membership_add(request, slug):
    _require_admin(request)
    team = get_object_or_404(Team, slug=slug)
    form = forms.MembershipAddForm(request.POST, team=team)
    if not form.is_valid():
        errors = "; ".join(error for errors in form.errors.values() for error in errors)
        messages.error(request, f"Not added: {errors} Nothing was changed.")
    else:
        try:
            membership = services.membership_add(
                team=team,
                actor=request.user,
                user=form.cleaned_data["user"],
                role=form.cleaned_data["role"],
            )
        except services.AdminError as error:
            messages.error(request, f"{error} Nothing was changed.")
        else:
            messages.success(
                request,
                f"{person_label(membership.user)} added to {team} as "
                f"{membership.get_role_display().lower()}.",
            )
    return redirect("portfolio:team_edit", slug=team.slug)


@require_POST
def membership_edit(request, pk):
    """Change a member's role: make them the lead, or a member again."""
    _require_admin(request)
    membership = get_object_or_404(Membership.objects.select_related("team", "user"), pk=pk)
    form = forms.MembershipRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose member or lead. Nothing was changed.")
    else:
        membership = services.membership_set_role(
            membership=membership, actor=request.user, role=form.cleaned_data["role"]
        )
        messages.success(
            request,
            f"{person_label(membership.user)} is now "
            f"{membership.get_role_display().lower()} of {membership.team}.",
        )
    return redirect("portfolio:team_edit", slug=membership.team.slug)


@require_POST
def membership_remove(request, pk):
    _require_admin(request)
    membership = get_object_or_404(Membership.objects.select_related("team", "user"), pk=pk)
    team, person = membership.team, membership.user
    try:
        services.membership_remove(membership=membership, actor=request.user)
    except services.AdminError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{person_label(person)} removed from {team}.")
    return redirect("portfolio:team_edit", slug=team.slug)


@require_http_methods(["GET", "POST"])
def user_create(request):
    """Create a person; they get an e-mail with a link to choose their password."""
    _require_admin(request)
    form = forms.UserCreateForm(request.POST or None)
    done, status = _handle_form(
        request,
        form,
        save=lambda data: services.user_create(actor=request.user, data=data),
        success=lambda person: (
            f"{person_label(person)} created. A link to choose a password is on its way "
            f"to {person.email}.",
            reverse("portfolio:user_create"),
        ),
    )
    return done or _form_page(
        request,
        form,
        title="New person",
        action=reverse("portfolio:user_create"),
        submit="Create and send the set-password e-mail",
        cancel="",
        status=status,
    )


def _person_to_change(request, pk):
    """The person ``pk``, if the signed-in admin may change them (403 otherwise, 404 if none)."""
    _require_admin(request)
    person = get_object_or_404(get_user_model(), pk=pk)
    if not can_change_person(request.user, person):
        raise PermissionDenied
    return person


def _people_url(person) -> str:
    """The people page that lists ``person``: the active ones, or the deactivated ones."""
    url = reverse("usecases:person_list")
    return url if person.is_active else f"{url}?show=deactivated"


def _person_page(request, person, form, *, status=200, **extra):
    context = {
        "person": person,
        "form": form,
        "actions": get_person_actions(request.user, person),
        "people_url": _people_url(person),
        **extra,
    }
    return render(request, "portfolio/user_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
def user_edit(request, pk):
    """Edit a person's name, e-mail address and roles. Saving over a change someone else made
    after the form was loaded is refused (409), naming what changed."""
    person = _person_to_change(request, pk)
    state = services.person_state(person)
    form = forms.UserEditForm(
        request.POST if request.method == "POST" else None,
        person=person,
        actor=request.user,
        state=state,
    )
    if request.method != "POST":
        return _person_page(request, person, form)
    if form.is_valid():
        try:
            saved = services.user_update(
                user=person,
                actor=request.user,
                data=form.edited_data(),
                fingerprint=form.cleaned_data["fingerprint"],
            )
        except services.EditConflict as conflict:
            return _person_conflict(request, form, conflict)
        except services.AdminError as error:
            form.add_error(None, f"{error} Nothing was changed.")
        else:
            messages.success(request, f"{person_label(saved)} saved.")
            return redirect(_people_url(saved))
    return _person_page(request, person, form, status=400)


def _person_conflict(request, form, conflict: services.EditConflict):
    """Show what someone else changed; keep what this admin changed and take everything else as
    saved now (``_rebased_on``)."""
    rebased, extra = _rebased_on(
        conflict,
        form,
        yours=form.edited_data(),
        rebuild=lambda **kwargs: forms.UserEditForm(
            person=conflict.target, actor=request.user, state=conflict.current, **kwargs
        ),
    )
    return _person_page(request, conflict.target, rebased, status=409, **extra)


@require_http_methods(["GET", "POST"])
def user_reactivate(request, pk):
    """Confirm, then let a deactivated person sign in again."""
    person = _person_to_change(request, pk)
    if person.is_active:
        messages.info(request, f"{person_label(person)} is already active. Nothing was changed.")
        return redirect(_people_url(person))
    form = forms.ReactivateForm(
        request.POST if request.method == "POST" else None,
        initial={"send_email": not person.has_usable_password()},
    )

    def success(saved):
        message = f"{person_label(saved)} is active again and can sign in"
        if form.cleaned_data["send_email"] and saved.email:
            message += f"; a link to choose a password is on its way to {saved.email}."
        elif form.cleaned_data["send_email"]:
            message += ". They have no e-mail address, so no set-password link was sent."
        else:
            message += " with the password they had."
        return message, reverse("portfolio:user_edit", args=[saved.pk])

    done, status = _handle_form(
        request,
        form,
        save=lambda data: services.user_reactivate(
            user=person, actor=request.user, send_email=data["send_email"]
        ),
        success=success,
    )
    context = {"person": person, "form": form, "people_url": _people_url(person)}
    return done or render(request, "portfolio/user_reactivate.html", context, status=status)


@require_POST
def user_send_password_email(request, pk):
    """Send a person a fresh link to choose their password (the same e-mail as on creation)."""
    person = _person_to_change(request, pk)
    try:
        services.user_send_password_email(user=person, actor=request.user)
    except services.AdminError as error:
        messages.error(request, f"{error} Nothing was sent.")
    else:
        messages.success(request, f"A link to choose a password is on its way to {person.email}.")
    return redirect("portfolio:user_edit", pk=person.pk)


# --- Products and goals -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def product_create(request):
    _require_admin(request)
    form = forms.ProductForm(request.POST or None)
    done, status = _handle_form(
        request,
        form,
        save=lambda data: services.product_create(actor=request.user, data=data),
        success=lambda product: (f"Product {product} created.", product),
    )
    return done or _form_page(
        request,
        form,
        title="New product",
        action=reverse("portfolio:product_create"),
        submit="Create product",
        cancel=reverse("portfolio:product_list"),
        status=status,
    )


def _product_edit_context(product, form, **extra):
    return {
        "form": form,
        "title": f"Edit {product}",
        "action": reverse("portfolio:product_edit", args=[product.slug]),
        "submit": "Save product",
        "cancel": product.get_absolute_url(),
        "archive_url": reverse("portfolio:product_archive", args=[product.slug]),
        "is_archived": product.is_archived,
        "noun": "product",
        **extra,
    }


@require_http_methods(["GET", "POST"])
def product_edit(request, slug):
    """Edit a product. Saving over a change someone else made after the form was loaded is
    refused (409), naming what changed."""
    _require_admin(request)
    product = get_object_or_404(Product.objects.select_related("team", "manager"), slug=slug)
    form = forms.ProductForm(request.POST or None, product=product)

    def conflict(error):
        now = Product.objects.select_related("team", "manager").get(pk=product.pk)
        rebased, extra = _rebased_on(
            error,
            form,
            yours=form.edited_data(),
            rebuild=lambda **kwargs: forms.ProductForm(product=now, **kwargs),
        )
        context = _product_edit_context(now, rebased, **extra)
        return render(request, "portfolio/admin_edit.html", context, status=409)

    done, status = _handle_form(
        request,
        form,
        save=lambda data: services.product_update(
            product=product, actor=request.user, data=data, fingerprint=data["fingerprint"]
        ),
        success=lambda saved: (f"Product {saved} saved.", saved),
        conflict=conflict,
    )
    return done or render(
        request, "portfolio/admin_edit.html", _product_edit_context(product, form), status=status
    )


@require_POST
def product_archive(request, slug):
    _require_admin(request)
    product = get_object_or_404(Product, slug=slug)
    form = forms.ArchiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose archive or restore. Nothing was changed.")
    else:
        archived = form.cleaned_data["archived"]
        services.product_set_archived(product=product, actor=request.user, archived=archived)
        messages.success(request, f"Product {product} {'archived' if archived else 'restored'}.")
    return redirect(product)


@require_http_methods(["GET", "POST"])
def goal_create(request):
    _require_admin(request)
    initial = {}
    if request.method == "GET" and request.GET.get("parent", "").isdigit():
        initial["parent"] = int(request.GET["parent"])
    form = forms.GoalForm(request.POST or None, initial=initial)
    done, status = _handle_form(
        request,
        form,
        save=lambda data: services.goal_create(actor=request.user, data=data),
        success=lambda goal: (f"Goal “{goal}” created.", goal),
    )
    return done or _form_page(
        request,
        form,
        title="New goal",
        action=reverse("portfolio:goal_create"),
        submit="Create goal",
        cancel=reverse("portfolio:goal_list"),
        status=status,
    )


def _goal_edit_context(goal, form, **extra):
    return {
        "form": form,
        "title": f"Edit goal “{goal}”",
        "action": reverse("portfolio:goal_edit", args=[goal.pk]),
        "submit": "Save goal",
        "cancel": goal.get_absolute_url(),
        "archive_url": reverse("portfolio:goal_archive", args=[goal.pk]),
        "is_archived": goal.status == GoalStatus.DROPPED,
        "noun": "goal",
        **extra,
    }


@require_http_methods(["GET", "POST"])
def goal_edit(request, pk):
    """Edit a goal; choosing another parent moves it, with its sub-goals, in the hierarchy.
    Saving over a change someone else made after the form was loaded (a move, say) is refused
    (409), naming what changed."""
    _require_admin(request)
    goal = get_object_or_404(StrategicGoal.objects.select_related("owner", "parent"), pk=pk)
    form = forms.GoalForm(
        request.POST or None, goal=goal, excluded_parents=selectors.goal_descendant_ids(goal)
    )

    def conflict(error):
        now = StrategicGoal.objects.select_related("owner", "parent").get(pk=goal.pk)
        rebased, extra = _rebased_on(
            error,
            form,
            yours=form.edited_data(),
            rebuild=lambda **kwargs: forms.GoalForm(
                goal=now, excluded_parents=selectors.goal_descendant_ids(now), **kwargs
            ),
        )
        context = _goal_edit_context(now, rebased, **extra)
        return render(request, "portfolio/admin_edit.html", context, status=409)

    done, status = _handle_form(
        request,
        form,
        save=lambda data: services.goal_update(
            goal=goal, actor=request.user, data=data, fingerprint=data["fingerprint"]
        ),
        success=lambda saved: (f"Goal “{saved}” saved.", saved),
        conflict=conflict,
    )
    return done or render(
        request, "portfolio/admin_edit.html", _goal_edit_context(goal, form), status=status
    )


@require_POST
def goal_archive(request, pk):
    """Archive (drop) a goal or restore it; its use cases keep their link."""
    _require_admin(request)
    goal = get_object_or_404(StrategicGoal, pk=pk)
    form = forms.ArchiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose archive or restore. Nothing was changed.")
    else:
        archived = form.cleaned_data["archived"]
        services.goal_set_archived(goal=goal, actor=request.user, archived=archived)
        messages.success(request, f"Goal “{goal}” {'archived' if archived else 'restored'}.")
    return redirect(goal)


# --- History ------------------------------------------------------------------------------------


def adminevent_list(request):
    """Every administration action: who, what, on what, when."""
    _require_admin(request)
    kind = request.GET.get("kind", "")
    if kind not in selectors.ADMIN_HISTORY_KINDS and kind != OUTSIDE:
        kind = ""
    context = {
        "kind": kind,
        "kinds": selectors.ADMIN_HISTORY_KINDS,
        "outside": OUTSIDE,
        "querystring": f"kind={kind}" if kind else "",
    }
    if kind == OUTSIDE:
        page = Paginator(selectors.outside_changes(), HISTORY_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        changes = list(page.object_list)
        user_ids = {(row.pgh_context or {}).get("user") for row in changes} - {None}
        people = get_user_model().objects.in_bulk(user_ids)
        for row in changes:
            row.person = people.get((row.pgh_context or {}).get("user"))
            row.what = row.pgh_model.split(".")[-1].removesuffix("History")
            data = row.pgh_data or {}
            row.label = data.get("name") or data.get("title") or f"#{row.pgh_obj_id}"
            row.shown_diff = {
                name: pair for name, pair in (row.pgh_diff or {}).items() if name != "id"
            }
        context.update(page=page, changes=changes)
    else:
        page = Paginator(selectors.admin_history(kind=kind), HISTORY_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        context.update(page=page, events=page.object_list)
    return render(request, "portfolio/adminevent_list.html", context)
