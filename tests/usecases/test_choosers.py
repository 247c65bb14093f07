"""The choosers on the pages: a page weighs the same with a hundred people, teams, products and
goals or six hundred more; what is typed into a chooser's box without JavaScript is read as the
person, team, product or goal it names, or refused with a message that says why."""

import re

import pytest
from django.contrib.auth import get_user_model

from portfolio.choices import GoalStatus
from portfolio.models import Product, StrategicGoal, Team
from tests.conftest import create_form_data, make_usecase
from tests.factories import UserFactory
from usecases import services
from usecases.choosers.kinds import SHOWN
from usecases.models import UseCase

pytestmark = pytest.mark.django_db

# The most queries any of these pages may take, with six people or six hundred more.
BUDGET = 30

User = get_user_model()


def grow(count: int, *, start: int) -> None:
    """``count`` more people, teams, products and goals, straight into the tables; named to sort
    after the organisation's own, so the first ``SHOWN`` stay the same as more are added."""
    User.objects.bulk_create(
        User(username=f"zp{n:05d}", first_name="Zoe", last_name=f"Person {n:05d}")
        for n in range(start, start + count)
    )
    teams = Team.objects.bulk_create(
        Team(name=f"Zone team {n:05d}", slug=f"zone-team-{n:05d}")
        for n in range(start, start + count)
    )
    Product.objects.bulk_create(
        Product(name=f"Zone product {n:05d}", slug=f"zone-product-{n:05d}", team=team)
        for n, team in enumerate(teams, start=start)
    )
    StrategicGoal.objects.bulk_create(
        StrategicGoal(title=f"Zone goal {n:05d}") for n in range(start, start + count)
    )


@pytest.fixture
def pages(org):
    """The pages that hold a chooser, each with the person who sees it there."""
    active = make_usecase(org=org, title="Transfer me")
    for step in ("submit", "approve", "sign_off"):
        actor = {"submit": org.lead, "approve": org.reviewer, "sign_off": org.owner}[step]
        kwargs = {"accepted": True} if step == "sign_off" else {}
        getattr(services, f"usecase_{step}")(usecase=active, actor=actor, **kwargs)
    unowned = make_usecase(org=org, title="Nobody owns me", owner=None)
    return {
        "new use case": (org.admin, "/usecases/new/"),
        "edit": (org.lead, f"/usecases/{unowned.key}/edit/"),
        "list and bulk assignment": (org.lead, "/usecases/?team=claims-processing"),
        "transfer": (org.lead, f"/usecases/{active.key}/"),
        "ask someone to own": (org.lead, f"/usecases/{unowned.key}/"),
        "deactivation": (org.admin, f"/administration/people/{org.owner.pk}/deactivate/"),
        "dashboard filters": (org.reviewer, "/dashboard/"),
        "product edit": (org.admin, f"/administration/products/{org.product.slug}/edit/"),
    }


def weight(client, user, url) -> int:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    # The CSRF token differs on every page; everything else must be the same size.
    return len(re.sub(rb'value="[A-Za-z0-9]{64}"', b"", response.content))


def queries(client, user, url, page_queries) -> int:
    client.force_login(user)
    return page_queries(client, url, budget=BUDGET)


@pytest.mark.parametrize(
    "page",
    [
        "new use case",
        "edit",
        "list and bulk assignment",
        "transfer",
        "ask someone to own",
        "deactivation",
        "product edit",
    ],
)
def test_a_page_weighs_the_same_with_six_hundred_more_of_everything(
    client, pages, page, page_queries
):
    user, url = pages[page]
    small = queries(client, user, url, page_queries)
    grow(SHOWN + 10, start=0)
    before = weight(client, user, url)
    grow(600, start=SHOWN + 10)
    after = weight(client, user, url)
    assert abs(after - before) <= 64, f"{page}: {before} bytes, then {after}"
    assert queries(client, user, url, page_queries) == small


def test_the_dashboard_filters_carry_a_bounded_number_of_teams_products_and_goals(
    client, pages, org
):
    grow(SHOWN + 10, start=0)
    client.force_login(org.reviewer)
    html = client.get("/dashboard/").text
    for name in ("team", "product", "goal"):
        select = html[
            html.index(f'name="{name}"') : html.index("</select>", html.index(f'name="{name}"'))
        ]
        assert select.count("<option") <= SHOWN + 1
        assert f'name="{name}_search"' in html


def test_a_small_organisation_sees_every_option_and_no_search_box(as_user, org):
    html = as_user(org.admin).get("/usecases/new/").text
    assert "_search" not in html
    assert "Owen Owner (owen)" in html and "Digital Platforms" in html


def test_past_the_bound_the_form_offers_a_search_for_each_chooser(as_user, org):
    grow(SHOWN + 1, start=0)
    html = as_user(org.admin).get("/usecases/new/").text
    for name in ("team", "owner", "products", "goals"):
        assert f'name="{name}_search"' in html
    assert html.count("Zoe Person") == SHOWN - 6  # the org's six people come first
    assert 'hx-get="/choose/people/?name=owner' in html


def test_a_chosen_value_past_the_bound_is_still_shown_chosen(as_user, org):
    grow(SHOWN + 50, start=0)
    last = User.objects.get(username=f"zp{SHOWN + 49:05d}")
    usecase = make_usecase(org=org, owner=last)
    html = as_user(org.lead).get(f"/usecases/{usecase.key}/edit/").text
    assert f'<option value="{last.pk}" selected>Zoe Person {SHOWN + 49:05d} (' in html


# -- Without JavaScript: the box's text is posted and read -----------------------------------------


@pytest.mark.parametrize("typed", ["owen", "OWEN", "Owen Owner (owen)", "Owen Owner", "owen own"])
def test_an_owner_typed_without_javascript_is_saved(as_user, org, typed):
    data = create_form_data(org=org, owner="", owner_search=typed)
    response = as_user(org.member).post("/usecases/new/", data)
    assert response.status_code == 302
    assert UseCase.objects.get().owner == org.owner


def test_team_products_and_goals_typed_without_javascript_are_saved(as_user, org):
    other = Product.objects.create(name="Contact Centre", slug="contact-centre", team=org.team)
    data = create_form_data(
        org=org,
        team="",
        team_search="Claims Processing",
        products_search="contact-centre",
        goals=[],
        goals_search="decide claims faster",
    )
    assert as_user(org.member).post("/usecases/new/", data).status_code == 302
    usecase = UseCase.objects.get()
    assert usecase.team == org.team
    assert set(usecase.products.all()) == {org.product, other}
    assert list(usecase.goals.all()) == [org.goal]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("zz-nobody", "No person here matches “zz-nobody”: check the spelling, or choose from"),
        ("sam", "“sam” matches more than one person: type their username, or choose from"),
    ],
)
def test_typed_text_naming_nobody_or_several_is_refused_and_saves_nothing(
    as_user, org, typed, message
):
    UserFactory(username="sam1", first_name="Sam", last_name="One")
    UserFactory(username="sam2", first_name="Sam", last_name="Two")
    response = as_user(org.member).post(
        "/usecases/new/", create_form_data(org=org, owner="", owner_search=typed)
    )
    assert response.status_code == 200
    assert message in response.text
    assert f'name="owner_search" id="id_owner_search" value="{typed}"' in response.text
    assert not UseCase.objects.exists()


def test_a_whole_name_is_taken_over_longer_names_that_contain_it(as_user, org):
    Product.objects.create(name="Claims Portal Archive", slug="archive", team=org.team)
    data = create_form_data(org=org, products=[], products_search="claims portal")
    assert as_user(org.member).post("/usecases/new/", data).status_code == 302
    assert list(UseCase.objects.get().products.all()) == [org.product]


def test_a_member_cannot_type_their_way_into_another_team(as_user, org):
    data = create_form_data(org=org, team="", team_search="Digital Platforms")
    response = as_user(org.member).post("/usecases/new/", data)
    assert "No team here matches “Digital Platforms”" in response.text
    assert not UseCase.objects.exists()


def test_the_list_filters_read_a_typed_owner_like_a_chosen_one(as_user, org):
    make_usecase(org=org, title="Owned by Owen")
    make_usecase(org=org, title="Owned by Mia", owner=org.member)
    client = as_user(org.member)
    typed = client.get("/usecases/?owner=&owner_search=Owen+Owner").context["page"]
    chosen = client.get("/usecases/?owner=owen").context["page"]
    assert [u.title for u in typed] == [u.title for u in chosen] == ["Owned by Owen"]


def test_a_transfer_typed_without_javascript_goes_to_that_person(as_user, org, pages):
    usecase = UseCase.objects.get(title="Transfer me")
    response = as_user(org.lead).post(
        f"/usecases/{usecase.key}/transfer-ownership/",
        {"new_owner": "", "new_owner_search": "mia", "version": usecase.version},
    )
    assert response.status_code == 302
    assert usecase.transfers.get().to_owner == org.member


@pytest.mark.parametrize("multiple", [False, True], ids=["select", "tick boxes"])
@pytest.mark.parametrize("chosen", [False, True], ids=["nothing chosen", "one chosen"])
def test_a_chooser_draws_djangos_own_markup(org, multiple, chosen):
    """A chooser's select and tick boxes are drawn in Python (a page carries some forty options
    each): the HTML is what Django's widget templates write for the same options, escaping
    included, whether or not one is chosen."""
    from django import forms
    from django.forms.renderers import DjangoTemplates
    from django.test.html import parse_html

    from usecases.choosers.widgets import ChooserCheckboxSelectMultiple, ChooserSelect

    Product.objects.create(name='Tricky <b>"quoted"</b> & co', slug="tricky", team=org.team)
    widget_class = ChooserCheckboxSelectMultiple if multiple else ChooserSelect
    field_class = forms.ModelMultipleChoiceField if multiple else forms.ModelChoiceField
    field = field_class(
        Product.objects.order_by("name"),
        widget=widget_class(kind="products", scope="all", attrs={"class": "wide"}),
        required=False,
    )
    widget = field.widget
    value = [str(Product.objects.get(slug="tricky").pk)] if chosen else []
    single = (value or [None])[0]
    context = widget.get_context("product", value if multiple else single, {"id": "id_product"})
    assert context["widget"]["optgroups"], "the product list is not empty"
    drawn = widget._render(widget.template_name, context)
    stock = DjangoTemplates()  # Django's own widget templates, not the project's
    by_template = forms.Widget._render(widget, widget.template_name, context, stock)
    assert parse_html(drawn) == parse_html(by_template)
    assert "&lt;b&gt;&quot;quoted&quot;&lt;/b&gt; &amp; co" in drawn
    if chosen:
        assert (" checked" if multiple else " selected") in drawn


def test_the_projects_widget_templates_write_djangos_markup():
    """templates/django/forms/widgets/ write a select's options, tick boxes, inputs and text
    areas without an include each: the HTML is Django's own for the same widget."""
    from django import forms
    from django.forms.renderers import DjangoTemplates, TemplatesSetting
    from django.test.html import parse_html

    choices = [("", "—"), ("a", 'A <"b">'), ("c", "C & D")]
    attrs = {"class": "wide", "required": True, "disabled": False, "hx-get": "/x?a=1&b=2"}
    widgets = [
        (forms.Select(attrs=attrs, choices=choices), "c"),
        (forms.Select(choices=[("Group", choices[1:]), ("", "none")]), "a"),
        (forms.CheckboxSelectMultiple(attrs=attrs, choices=choices[1:]), ["a"]),
        (forms.RadioSelect(attrs={"id": "id_pick"}, choices=choices[1:]), "c"),
        (forms.TextInput(attrs=attrs), 'say "hi" <now>'),
        (forms.NumberInput(), None),
        (forms.Textarea(attrs=attrs), "line one\n<b>two</b>"),
    ]
    for widget, value in widgets:
        ours = widget.render("field", value, {"id": "id_field"}, TemplatesSetting())
        djangos = widget.render("field", value, {"id": "id_field"}, DjangoTemplates())
        assert parse_html(ours) == parse_html(djangos), type(widget).__name__


def test_a_choosers_options_can_be_drawn_one_by_one(org):
    """A template may loop over a chooser's options (``{% for box in form.products %}``): each
    is drawn as Django draws one option, ticked or not."""
    from django import forms

    from usecases.choosers.widgets import ChooserCheckboxSelectMultiple

    for name in ("Alpha", "Beta"):
        Product.objects.create(name=f"{name} <one>", slug=name.lower(), team=org.team)
    products = Product.objects.order_by("name")
    field = forms.ModelMultipleChoiceField(
        products, widget=ChooserCheckboxSelectMultiple(kind="products", scope="all")
    )
    form = forms.Form(data={"products": [str(products[0].pk)]})
    form.fields["products"] = field
    boxes = [str(box) for box in form["products"]]
    assert len(boxes) == products.count()
    assert 'id="id_products_0"' in boxes[0] and "checked" in boxes[0]
    assert "Beta &lt;one&gt;" in boxes[1] and "checked" not in boxes[1]


@pytest.mark.parametrize("more", [0, 1, 2, 30], ids=lambda n: f"{n} past the bound")
@pytest.mark.parametrize("kind", ["goals by pk", "products by slug"])
def test_a_chooser_offers_the_first_rows_and_the_chosen_ones_past_them(org, more, kind):
    """What a chooser carries is what plain queries give: the first ``SHOWN`` rows in the
    field's order, the chosen rows past them in that order, and whether any row is left out.
    Chosen: the first row, the last one shown, the first one past them, and the very last.
    Rows share what they are ordered by, two by two, and the lower key of each pair is written
    again (so it lies after the other on disk): only the key breaks their ties."""
    from django import forms

    from usecases.choosers.widgets import _first_and_chosen

    if kind == "goals by pk":
        StrategicGoal.objects.all().delete()
        StrategicGoal.objects.bulk_create(
            StrategicGoal(title=f"Goal {n // 2:04d}") for n in range(SHOWN + more)
        )
        model, ordering, key = StrategicGoal, ["title"], None
    else:
        Product.objects.all().delete()
        teams = Team.objects.bulk_create(
            Team(name=f"Pair {n:04d}", slug=f"pair-{n:04d}") for n in range((SHOWN + more + 1) // 2)
        )
        Product.objects.bulk_create(
            Product(name=f"Product {n:04d}", slug=f"product-{n:04d}", team=teams[n // 2])
            for n in range(SHOWN + more)
        )
        model, ordering, key = Product, ["team__name"], "slug"
    rows = model.objects.order_by("pk")
    other_text = "description" if model is StrategicGoal else "vision"  # not what orders them
    model.objects.filter(pk__in=[row.pk for row in rows[::2]]).update(**{other_text: "again"})
    queryset = model.objects.order_by(*ordering)
    ordered = list(queryset.order_by(*ordering, "pk"))
    field = forms.ModelMultipleChoiceField(queryset, required=False, to_field_name=key)
    picks = {0, SHOWN - 1, min(SHOWN, len(ordered) - 1), len(ordered) - 1}
    chosen = [str(field.prepare_value(ordered[n])) for n in sorted(picks, reverse=True)]
    first, beyond, left_out = _first_and_chosen(field, chosen)
    assert first == ordered[:SHOWN]
    assert beyond == [row for row in ordered[SHOWN:] if str(field.prepare_value(row)) in chosen]
    assert left_out == (len(ordered) > SHOWN)
    assert _first_and_chosen(field, []) == (ordered[:SHOWN], [], len(ordered) > SHOWN)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "team=zone-team-00049&product=zone-product-00049&goal=GOAL",
        "team=claims-processing&subunits=none&product_search=Zone&goal_search=nothing+at+all",
        "team=aaa-nested&goal=SAME",
    ],
    ids=["nothing chosen", "chosen past the bound", "typed into the boxes", "among equal titles"],
)
def test_the_dashboard_draws_its_choosers_from_the_rows_it_read(client, org, query, monkeypatch):
    """The dashboard offers its team, product and goal choosers the rows its tables read: the
    options drawn are those the choosers draw from their own queries (the list's filters), three
    queries fewer."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from usecases.dashboard import SCOPE_PARAMS, scope_data
    from usecases.filters import scope_filter
    from usecases.views import dashboard as views

    grow(SHOWN + 10, start=0)
    # Among the first: a unit beneath another (named by its path), an archived team and product,
    # a dropped goal, a title with markup, and goals sharing a title (the pk orders them).
    Team.objects.create(name="Aaa nested", slug="aaa-nested", parent=org.team)
    archived = Team.objects.create(name="Aab archived", slug="aab-archived", is_archived=True)
    Product.objects.create(name="Aab product", slug="aab-product", team=archived, is_archived=True)
    StrategicGoal.objects.create(title="Aab dropped", status="dropped")
    StrategicGoal.objects.create(title="Aac <b>bold</b> & more")
    same = StrategicGoal.objects.bulk_create(StrategicGoal(title="Aaa same") for _ in range(3))
    goal = StrategicGoal.objects.get(title="Zone goal 00049")
    among_same = "SAME" in query
    query = query.replace("GOAL", str(goal.pk)).replace("SAME", str(same[1].pk))
    client.force_login(org.reviewer)
    client.get(f"/dashboard/?{query}")  # the session's and the paths' first reads

    def filters(html: str) -> str:
        start = html.index('<form class="filters dashboard-filters"')
        return html[start : html.index("</form>", start)]

    with CaptureQueriesContext(connection) as offered:
        html = client.get(f"/dashboard/?{query}").text
    monkeypatch.setattr(views, "_offer_scope_rows", lambda form, scope: None)
    with CaptureQueriesContext(connection) as own:
        assert filters(client.get(f"/dashboard/?{query}").text) == filters(html)
    assert len(offered) == len(own) - 3
    params = dict(pair.split("=") for pair in query.split("&") if pair)
    form = scope_filter(scope_data({k: v.replace("+", " ") for k, v in params.items()})).form
    for name in SCOPE_PARAMS:
        assert str(form[name]) in html, name
    if "00049" in query:
        for value in ("zone-team-00049", "zone-product-00049", str(goal.pk)):
            assert f'<option value="{value}" selected>' in html
    assert "Claims Processing › Aaa nested</option>" in html
    assert f'<option value="{same[1].pk}"{" selected" if among_same else ""}>' in html


@pytest.mark.parametrize("kind", ["people", "teams", "products", "goals"])
def test_a_choosers_search_is_answered_from_trigram_indexes(org, kind):
    """A word typed into a chooser's box is found anywhere in each field the kind is searched
    by, from that field's trigram index (``portfolio`` migration 0007) rather than by reading
    every row: the plan PostgreSQL makes when told to avoid reading the table names each index.
    An index on another expression than the search's would not be used, and the table read."""
    from tests.plans import plan_avoiding_table_reads
    from usecases.choosers.kinds import FOUND, KINDS, every, search

    chooser = KINDS[kind]
    # Every row (a scope's own condition, such as active people only, is another index's).
    found = search(chooser, every(chooser), "ocess")[: FOUND + 1]
    plan = plan_avoiding_table_reads(*found.query.sql_with_params())
    table = found.model._meta.db_table.removeprefix("portfolio_")
    for field in chooser.text:
        assert f"Bitmap Index Scan on portfolio_chooser_{table}_{field}_trgm" in plan, plan
    assert "Seq Scan" not in plan


def test_a_chooser_reading_its_first_rows_by_compiled_sql_reads_its_fields_own(org):
    """The list's filters and the bulk owner read their first rows by SQL compiled once
    (``first=``): the same rows, in the same order, as their field's queryset gives, with more
    rows than shown, deactivated people, archived products and dropped goals among them and
    names or titles that tie (the key breaks ties; products' names are unique)."""
    from core.compiled import compiled_instances
    from usecases.filters import UseCaseFilter
    from usecases.forms.claims import BulkAssignForm
    from usecases.models import UseCase

    grow(SHOWN + 5, start=0)
    User.objects.bulk_create(
        User(username=f"aa{n}", first_name="Aaron", last_name="Same", is_active=n % 2 == 0)
        for n in range(6)
    )
    # Archived products and goals no longer pursued are filtered on too: first, by name.
    Product.objects.bulk_create(
        Product(name=f"Aardvark {n}", slug=f"aardvark-{n}", team=org.team, is_archived=n < 2)
        for n in range(3)
    )
    StrategicGoal.objects.bulk_create(
        StrategicGoal(title="Aardvark goal", status=status)
        for status in (GoalStatus.DROPPED, GoalStatus.ACHIEVED, GoalStatus.ACTIVE)
    )
    fields = [
        *(UseCaseFilter(queryset=UseCase.objects.none()).form.fields[name] for name in
          ("owner", "author", "product", "goal")),
        BulkAssignForm().fields["owner"],
    ]  # fmt: skip
    for field in fields:
        first = field.widget.first
        assert first is not None
        ordering = [*field.queryset.query.order_by, "pk"]
        expected = list(field.queryset.order_by(*ordering)[: SHOWN + 1])
        assert [row.pk for row in compiled_instances(first)] == [row.pk for row in expected]
        # And the page draws those options.
        html = field.widget.render("x", None)
        labels = re.findall(r"<option value=\"[^\"]+\">([^<]*)</option>", html)
        assert labels == [field.label_from_instance(row) for row in expected[:SHOWN]]


def test_the_list_reads_the_people_its_choosers_carry_once(as_user, org):
    """The owner and author filters and the bulk owner carry the same first people: one query
    reads them for the page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    grow(SHOWN + 5, start=0)
    make_usecase(org=org)  # the bulk form comes with rows to tick
    client = as_user(org.lead)  # a lead sees the bulk form
    client.get("/usecases/")
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/usecases/").text
    assert 'id="bulk-owner"' in page
    people = [
        query["sql"]
        for query in captured.captured_queries
        if 'FROM "auth_user"' in query["sql"] and f"LIMIT {SHOWN + 1}" in query["sql"]
    ]
    assert len(people) == 1, people
    assert (
        page.count(f">{org.member.first_name} {org.member.last_name} ({org.member.username})<") == 3
    )
