from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from portfolio import forms, selectors, services
from portfolio.choices import GoalStatus
from portfolio.models import Membership, Product, StrategicGoal, Team
from portfolio.permissions import can_view_portfolio, is_admin

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


def _refuse(request, form, error) -> None:
    form.add_error(None, f"{error} Nothing was changed.")


@require_http_methods(["GET", "POST"])
def team_create(request):
    _require_admin(request)
    form = forms.TeamForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                team = services.team_create(actor=request.user, data=form.cleaned_data)
            except services.AdminError as error:
                _refuse(request, form, error)
            else:
                messages.success(request, f"Team {team} created. Add its members below.")
                return redirect("portfolio:team_edit", slug=team.slug)
        status = 400
    return _form_page(
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
    """Manage a team: its details, its members and their roles, archiving."""
    _require_admin(request)
    team = get_object_or_404(Team, slug=slug)
    form = forms.TeamForm(request.POST or None, team=team)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                team = services.team_update(team=team, actor=request.user, data=form.cleaned_data)
            except services.AdminError as error:
                _refuse(request, form, error)
            else:
                messages.success(request, f"Team {team} saved.")
                return redirect("portfolio:team_edit", slug=team.slug)
        status = 400
    return render(
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
                f"{forms.person_label(membership.user)} added to {team} as "
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
            f"{forms.person_label(membership.user)} is now "
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
        messages.success(request, f"{forms.person_label(person)} removed from {team}.")
    return redirect("portfolio:team_edit", slug=team.slug)


@require_http_methods(["GET", "POST"])
def user_create(request):
    """Create a person; they get an e-mail with a link to choose their password."""
    _require_admin(request)
    form = forms.UserCreateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                person = services.user_create(actor=request.user, data=form.cleaned_data)
            except services.AdminError as error:
                _refuse(request, form, error)
            else:
                messages.success(
                    request,
                    f"{forms.person_label(person)} created. A link to choose a password is on "
                    f"its way to {person.email}.",
                )
                return redirect("portfolio:user_create")
        status = 400
    return _form_page(
        request,
        form,
        title="New person",
        action=reverse("portfolio:user_create"),
        submit="Create and send the set-password e-mail",
        cancel="",
        status=status,
    )


# --- Products and goals -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def product_create(request):
    _require_admin(request)
    form = forms.ProductForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                product = services.product_create(actor=request.user, data=form.cleaned_data)
            except services.AdminError as error:
                _refuse(request, form, error)
            else:
                messages.success(request, f"Product {product} created.")
                return redirect(product)
        status = 400
    return _form_page(
        request,
        form,
        title="New product",
        action=reverse("portfolio:product_create"),
        submit="Create product",
        cancel=reverse("portfolio:product_list"),
        status=status,
    )


@require_http_methods(["GET", "POST"])
def product_edit(request, slug):
    _require_admin(request)
    product = get_object_or_404(Product, slug=slug)
    form = forms.ProductForm(request.POST or None, product=product)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                product = services.product_update(
                    product=product, actor=request.user, data=form.cleaned_data
                )
            except services.AdminError as error:
                _refuse(request, form, error)
            else:
                messages.success(request, f"Product {product} saved.")
                return redirect(product)
        status = 400
    context = {
        "form": form,
        "title": f"Edit {product}",
        "action": reverse("portfolio:product_edit", args=[product.slug]),
        "submit": "Save product",
        "cancel": product.get_absolute_url(),
        "archive_url": reverse("portfolio:product_archive", args=[product.slug]),
        "is_archived": product.is_archived,
        "noun": "product",
    }
    return render(request, "portfolio/admin_edit.html", context, status=status)


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
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                goal = services.goal_create(actor=request.user, data=form.cleaned_data)
            except services.AdminError as error:
                _refuse(request, form, error)
            else:
                messages.success(request, f"Goal “{goal}” created.")
                return redirect(goal)
        status = 400
    return _form_page(
        request,
        form,
        title="New goal",
        action=reverse("portfolio:goal_create"),
        submit="Create goal",
        cancel=reverse("portfolio:goal_list"),
        status=status,
    )


@require_http_methods(["GET", "POST"])
def goal_edit(request, pk):
    """Edit a goal; choosing another parent moves it, with its sub-goals, in the hierarchy."""
    _require_admin(request)
    goal = get_object_or_404(StrategicGoal, pk=pk)
    form = forms.GoalForm(
        request.POST or None, goal=goal, excluded_parents=selectors.goal_descendant_ids(goal)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                goal = services.goal_update(goal=goal, actor=request.user, data=form.cleaned_data)
            except services.AdminError as error:
                _refuse(request, form, error)
            else:
                messages.success(request, f"Goal “{goal}” saved.")
                return redirect(goal)
        status = 400
    context = {
        "form": form,
        "title": f"Edit goal “{goal}”",
        "action": reverse("portfolio:goal_edit", args=[goal.pk]),
        "submit": "Save goal",
        "cancel": goal.get_absolute_url(),
        "archive_url": reverse("portfolio:goal_archive", args=[goal.pk]),
        "is_archived": goal.status == GoalStatus.DROPPED,
        "noun": "goal",
    }
    return render(request, "portfolio/admin_edit.html", context, status=status)


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
