"""The use-case pages as people use them: who may do what, what they see, and what gets saved."""

import re

import pytest
from django.test import Client

from portfolio.models import Membership
from tests.conftest import ROLES, create_form_data, edit_form_data, make_usecase
from tests.factories import PASSWORD, GoalFactory, ProductFactory, UserFactory
from usecases import services
from usecases.models import UseCase

pytestmark = pytest.mark.django_db

LIST_URL = "/usecases/"
CREATE_URL = "/usecases/new/"


def detail_url(usecase):
    return f"/usecases/{usecase.key}/"


def edit_url(usecase):
    return f"/usecases/{usecase.key}/edit/"


def login_url(next_path):
    return f"/accounts/login/?next={next_path}"


def listed_keys(response) -> set[str]:
    return {usecase.key for usecase in response.context["page"].object_list}


def stored(usecase) -> UseCase:
    return UseCase.objects.get(pk=usecase.pk)


# -- Permission matrix ---------------------------------------------------------------------------

READ = {role: 200 for role in ROLES} | {"anonymous": "login"}
CREATE_PAGE = {
    "anonymous": "login",
    "non_member": 200,  # in another team: may log use cases there
    "member": 200,
    "lead": 200,
    "reviewer": 403,  # in no team
    "admin": 200,
    "owner": 403,  # in no team
}
CREATE_FOR_TEAM = {
    "anonymous": "login",
    "non_member": "team refused",
    "member": "created",
    "lead": "created",
    "reviewer": 403,
    "admin": "created",
    "owner": 403,
}
EDIT = {
    "anonymous": "login",
    "non_member": 403,
    "member": 200,
    "lead": 200,
    "reviewer": 403,
    "admin": 200,
    "owner": 403,  # named owner, but not in the team: reads, does not edit a draft
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["list", "detail"])
def test_reading_pages_per_role(as_role, usecase, role, page):
    url = LIST_URL if page == "list" else detail_url(usecase)
    response = as_role(role).get(url)
    if READ[role] == "login":
        assert response.status_code == 302
        assert response.url == login_url(url)
    else:
        assert response.status_code == 200
        assert usecase.title in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_create_page_per_role(as_role, org, role):
    response = as_role(role).get(CREATE_URL)
    expected = CREATE_PAGE[role]
    if expected == "login":
        assert response.status_code == 302
        assert response.url == login_url(CREATE_URL)
    else:
        assert response.status_code == expected
    if expected == 403:
        assert "You can't do that here" in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_creating_a_usecase_for_the_team_per_role(as_role, org, role):
    client = as_role(role)
    response = client.post(CREATE_URL, create_form_data(org=org))
    expected = CREATE_FOR_TEAM[role]
    if expected == "created":
        created = UseCase.objects.get()
        assert response.status_code == 302
        assert response.url == detail_url(created)
        assert created.author == getattr(org, role)
        assert created.team == org.team
        return
    if expected == "login":
        assert response.status_code == 302
        assert response.url == login_url(CREATE_URL)
    elif expected == "team refused":
        assert response.status_code == 200
        assert "team" in response.context["form"].errors
    else:
        assert response.status_code == expected
    assert not UseCase.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_edit_page_per_role(as_role, usecase, role):
    response = as_role(role).get(edit_url(usecase))
    expected = EDIT[role]
    if expected == "login":
        assert response.status_code == 302
        assert response.url == login_url(edit_url(usecase))
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_saving_an_edit_per_role(as_role, usecase, role):
    response = as_role(role).post(edit_url(usecase), edit_form_data(usecase, title="Renamed"))
    expected = EDIT[role]
    if expected == 200:
        assert response.status_code == 302
        assert response.url == detail_url(usecase)
        assert stored(usecase).title == "Renamed"
        assert stored(usecase).version == 2
        return
    if expected == "login":
        assert response.status_code == 302
        assert response.url == login_url(edit_url(usecase))
    else:
        assert response.status_code == expected
    assert stored(usecase).title == usecase.title
    assert stored(usecase).version == 1


def test_a_person_in_no_team_cannot_open_the_create_page(as_user, org):
    response = as_user(UserFactory(username="solo")).get(CREATE_URL)
    assert response.status_code == 403


def test_the_create_page_offers_only_the_non_members_own_team(as_user, org):
    response = as_user(org.non_member).get(CREATE_URL)
    assert list(response.context["form"].fields["team"].queryset) == [org.other_team]
    html = response.content.decode()
    assert "Digital Platforms" in html
    assert "Claims Processing" not in html


def test_the_new_button_shows_only_to_people_who_may_create(as_user, org):
    assert "New use case" in as_user(org.member).get(LIST_URL).content.decode()
    assert "New use case" not in as_user(org.reviewer).get(LIST_URL).content.decode()


def test_the_edit_button_shows_only_to_people_who_may_edit(as_user, org, usecase):
    assert edit_url(usecase) in as_user(org.member).get(detail_url(usecase)).content.decode()
    assert edit_url(usecase) not in as_user(org.owner).get(detail_url(usecase)).content.decode()


def test_the_author_may_still_edit_their_draft_after_leaving_the_team(as_user, org, usecase):
    Membership.objects.filter(user=org.member).delete()
    response = as_user(org.member).post(edit_url(usecase), edit_form_data(usecase, title="Mine"))
    assert response.status_code == 302
    assert stored(usecase).title == "Mine"


# -- Create --------------------------------------------------------------------------------------


def test_creating_saves_a_draft_by_the_author_and_says_so(as_user, org):
    client = as_user(org.member)
    response = client.post(CREATE_URL, create_form_data(org=org), follow=True)
    created = UseCase.objects.get()
    assert response.redirect_chain == [(detail_url(created), 302)]
    assert created.status == "draft"
    assert created.author == org.member
    assert created.owner == org.owner
    assert list(created.products.all()) == [org.product]
    assert list(created.goals.all()) == [org.goal]
    assert created.events.get().kind == "usecase.created"
    assert f"Draft {created.key} saved." in response.content.decode()


def test_creating_without_a_title_shows_the_error_inline_and_saves_nothing(as_user, org):
    response = as_user(org.member).post(CREATE_URL, create_form_data(org=org, title=""))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Give the use case a title." in html
    assert '<a href="#id_title">Title: Give the use case a title.</a>' in html
    # What was typed elsewhere is kept.
    assert "Claims land in the wrong queue and wait." in html
    assert not UseCase.objects.exists()


def test_inline_validation_returns_only_the_fields_fragment(as_user, org):
    response = as_user(org.member).post(
        CREATE_URL,
        create_form_data(org=org, title="", _validate="title"),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="field-title"' in html
    assert "Give the use case a title." in html
    assert "<html" not in html
    assert 'id="field-who"' not in html
    assert not UseCase.objects.exists()


def test_inline_validation_of_a_valid_field_shows_no_error(as_user, org):
    response = as_user(org.member).post(
        CREATE_URL, create_form_data(org=org, _validate="title"), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert 'id="field-title"' in html
    assert "field-errors" not in html
    assert not UseCase.objects.exists()


def test_inline_validation_of_an_unknown_field_is_not_found(as_user, org):
    response = as_user(org.member).post(
        CREATE_URL, create_form_data(org=org, _validate="password"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 404
    assert not UseCase.objects.exists()


def test_inline_validation_on_the_edit_page_saves_nothing(as_user, org, usecase):
    response = as_user(org.member).post(
        edit_url(usecase),
        edit_form_data(usecase, title="", _validate="title"),
        headers={"HX-Request": "true"},
    )
    assert "Give the use case a title." in response.content.decode()
    assert stored(usecase).title == usecase.title


# -- Edit ----------------------------------------------------------------------------------------


def test_editing_saves_bumps_the_version_and_says_so(as_user, org, usecase):
    response = as_user(org.member).post(
        edit_url(usecase), edit_form_data(usecase, title="Triage claims by urgency"), follow=True
    )
    assert response.redirect_chain == [(detail_url(usecase), 302)]
    saved = stored(usecase)
    assert saved.title == "Triage claims by urgency"
    assert saved.version == 2
    html = response.content.decode()
    assert f"{usecase.key} saved." in html
    assert "Version 2" in html


def test_the_edit_form_shows_the_current_values(as_user, org, usecase):
    html = as_user(org.member).get(edit_url(usecase)).content.decode()
    assert 'value="Triage incoming benefit claims"' in html
    assert "Claims wait weeks before anyone reads them." in html
    assert 'name="version" value="1"' in html


def test_an_edit_without_its_version_is_refused_and_saves_nothing(as_user, org, usecase):
    data = edit_form_data(usecase, title="Lost version")
    del data["version"]
    response = as_user(org.member).post(edit_url(usecase), data)
    assert response.status_code == 400
    assert "The form is missing its version" in response.content.decode()
    assert stored(usecase).title == usecase.title


@pytest.fixture
def stale_edit(as_user, org, usecase):
    """Mia opens the form; Leo saves a new title; Mia saves her own title from version 1."""
    client = as_user(org.member)
    typed = edit_form_data(usecase, title="Triage claims by urgency")
    services.usecase_update(
        usecase=usecase,
        actor=org.lead,
        data={"title": "Triage claims by postcode"},
        expected_version=1,
    )
    return client, client.post(edit_url(usecase), typed)


def test_a_stale_edit_is_refused_with_a_conflict_page(stale_edit, usecase):
    _, response = stale_edit
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this use case while you were editing" in html
    assert re.search(
        r'<th scope="row">Title</th>\s*<td data-label="Now saved">Triage claims by postcode</td>'
        r'\s*<td data-label="Changed by">Leo Lead</td>'
        r'\s*<td data-label="Your version">Triage claims by urgency</td>',
        html,
    )
    assert "<h1>Edit “Triage claims by postcode”</h1>" in html
    assert "Save my version" in html


def test_a_stale_edit_keeps_what_was_typed_and_moves_to_the_current_version(stale_edit, usecase):
    _, response = stale_edit
    html = response.content.decode()
    assert 'name="title" value="Triage claims by urgency"' in html
    assert 'name="version" value="2"' in html
    assert 'name="version" value="1"' not in html


def test_a_stale_edit_leaves_the_other_persons_save_in_place(stale_edit, usecase):
    saved = stored(usecase)
    assert saved.title == "Triage claims by postcode"
    assert saved.version == 2


def test_resubmitting_the_conflict_form_deliberately_saves_the_stale_editors_version(
    stale_edit, org, usecase
):
    client, conflict = stale_edit
    resubmitted = dict(conflict.context["form"].data.lists())
    response = client.post(edit_url(usecase), resubmitted)
    assert response.status_code == 302
    saved = stored(usecase)
    assert saved.title == "Triage claims by urgency"
    assert saved.version == 3
    assert saved.events.first().actor == org.member


def test_a_usecase_in_review_cannot_be_edited_by_a_member(as_user, org, usecase):
    UseCase.objects.filter(pk=usecase.pk).update(status="in_review")
    client = as_user(org.member)
    assert client.get(edit_url(usecase)).status_code == 403
    response = client.post(edit_url(usecase), edit_form_data(usecase, title="Sneaky"))
    assert response.status_code == 403
    assert stored(usecase).title == usecase.title
    assert edit_url(usecase) not in client.get(detail_url(usecase)).content.decode()


# -- List ----------------------------------------------------------------------------------------


@pytest.fixture
def two_usecases(org):
    """One draft in Claims Processing, one in review in Digital Platforms, nothing shared."""
    contact_centre = ProductFactory(
        name="Contact Centre", slug="contact-centre", team=org.other_team
    )
    calls_goal = GoalFactory(title="Answer calls within a minute")
    claims = make_usecase(org=org)
    calls = make_usecase(
        org=org,
        author=org.non_member,
        title="Forecast call-centre demand",
        who="Workforce planners",
        problem="Rosters are drawn up from last year's spreadsheets.",
        team=org.other_team,
        owner=org.lead,
        products=[contact_centre],
        goals=[calls_goal],
    )
    UseCase.objects.filter(pk=calls.pk).update(status="in_review")
    return {"claims": claims, "calls": calls, "calls_goal": calls_goal}


LIST_FILTERS = [
    ("status=draft", {"claims"}),
    ("status=in_review", {"calls"}),
    ("team=claims-processing", {"claims"}),
    ("team=digital-platforms", {"calls"}),
    ("product=claims-portal", {"claims"}),
    ("product=contact-centre", {"calls"}),
    ("goal={claims_goal}", {"claims"}),
    ("goal={calls_goal}", {"calls"}),
    ("owner=owen", {"claims"}),
    ("owner=leo", {"calls"}),
    ("q=forecast", {"calls"}),
    ("q=triag", {"claims"}),
    ("q=workforce", {"calls"}),
    ("q={calls_key}", {"calls"}),
    ("team=claims-processing&status=in_review", set()),
    ("", {"claims", "calls"}),
]


@pytest.mark.parametrize(("query", "expected"), LIST_FILTERS)
def test_list_filters_narrow_the_results(as_user, org, two_usecases, query, expected):
    query = query.format(
        claims_goal=org.goal.pk,
        calls_goal=two_usecases["calls_goal"].pk,
        calls_key=two_usecases["calls"].key,
    )
    response = as_user(org.reviewer).get(f"{LIST_URL}?{query}")
    assert response.status_code == 200
    assert listed_keys(response) == {two_usecases[name].key for name in expected}
    count = len(expected)
    assert f"{count} use case{'' if count == 1 else 's'}</p>" in response.content.decode()


def test_list_shows_status_team_and_owner(as_user, org, two_usecases):
    html = as_user(org.reviewer).get(LIST_URL).content.decode()
    assert '<span class="badge badge-info">In review</span>' in html
    assert '<span class="badge badge-neutral">Draft</span>' in html
    assert "Owen Owner" in html
    assert "Digital Platforms" in html


@pytest.mark.parametrize(
    "query",
    ["team=nope", "product=nope", "goal=abc", "goal=999999", "owner=nobody", "status=bogus"],
)
def test_an_invalid_filter_value_gets_a_clear_message_not_an_error(
    as_user, org, two_usecases, query
):
    response = as_user(org.member).get(f"{LIST_URL}?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Some filters were not understood and were ignored" in html
    assert f"{query.split('=')[0]} (" in html


def test_an_invalid_filter_is_ignored_and_the_other_filters_still_apply(as_user, org, two_usecases):
    """The page promises the bad filter "was ignored"; the good ones must still narrow."""
    response = as_user(org.member).get(f"{LIST_URL}?team=nope&status=in_review")
    assert "Some filters were not understood and were ignored: team (" in response.content.decode()
    assert listed_keys(response) == {two_usecases["calls"].key}


@pytest.mark.parametrize("query", ["page=abc", "page=999", "page=-1", "sort=bogus", "q=²"])
def test_odd_paging_sorting_and_search_values_do_not_crash(as_user, org, two_usecases, query):
    assert as_user(org.member).get(f"{LIST_URL}?{query}").status_code == 200


@pytest.fixture
def twenty_six_claims(org):
    return [make_usecase(org=org, title=f"Triage claims batch {n}") for n in range(26)]


def test_the_list_shows_twenty_five_use_cases_per_page(as_user, org, twenty_six_claims):
    client = as_user(org.member)
    first = client.get(LIST_URL)
    assert len(first.context["page"].object_list) == 25
    assert "Page 1 of 2" in first.content.decode()
    # Newest first: the first-created use case is the one left for page 2.
    second = client.get(f"{LIST_URL}?page=2")
    assert listed_keys(second) == {twenty_six_claims[0].key}


def test_pagination_links_keep_the_filters(as_user, org, twenty_six_claims):
    make_usecase(org=org, title="Something else entirely")
    client = as_user(org.member)
    first = client.get(f"{LIST_URL}?team=claims-processing&q=triag")
    assert first.context["page"].paginator.count == 26
    html = first.content.decode()
    assert 'href="?team=claims-processing&amp;q=triag&amp;page=2"' in html

    second = client.get(f"{LIST_URL}?team=claims-processing&q=triag&page=2")
    assert listed_keys(second) == {twenty_six_claims[0].key}
    assert 'href="?team=claims-processing&amp;q=triag&amp;page=1"' in second.content.decode()


def test_an_htmx_request_gets_only_the_results_fragment(as_user, org, two_usecases):
    response = as_user(org.member).get(f"{LIST_URL}?q=forecast", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert "<html" not in html
    assert "Forecast call-centre demand" in html
    assert "Triage incoming benefit claims" not in html
    assert "HX-Request" in response.headers["Vary"]


def test_a_boosted_htmx_request_gets_the_whole_page(as_user, org, two_usecases):
    response = as_user(org.member).get(
        LIST_URL, headers={"HX-Request": "true", "HX-Boosted": "true"}
    )
    assert "<html" in response.content.decode()


# -- Detail --------------------------------------------------------------------------------------


def test_the_detail_page_shows_every_field(as_user, org):
    second_product = ProductFactory(name="Case Manager", slug="case-manager", team=org.team)
    usecase = make_usecase(
        org=org,
        business_intent="Fewer complaints about slow decisions.",
        people_change="Officers triage on screen, not on paper.",
        process_change="One intake queue instead of five.",
        technology_change="A scoring model in the claims portal.",
        metric_name="Median days to first decision",
        metric_unit="days",
        metric_direction="decrease",
        metric_baseline=14,
        metric_target="9.5",
        metric_target_date="2026-06-01",
        evidence_area="time_to_market",
        business_value=4,
        effort=2,
        products=[org.product, second_product],
    )
    response = as_user(org.reviewer).get(detail_url(usecase))
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        usecase.key,
        "Triage incoming benefit claims",
        "Claims officers in regional offices",
        "Claims wait weeks before anyone reads them.",
        "Median days from receipt to first decision below 10.",
        "Fewer complaints about slow decisions.",
        "Officers triage on screen, not on paper.",
        "One intake queue instead of five.",
        "A scoring model in the claims portal.",
        "Median days to first decision (days)",
        "Lower is better",
        "<dd>14</dd>",
        "9.50 by 1 Jun 2026",
        "Time to Market",
        "Business value 4 · effort 2",
        "Owen Owner",  # owner
        "Mia Member",  # author
        '<span class="badge badge-neutral">Draft</span>',
        '<a href="/teams/claims-processing/">Claims Processing</a>',
        '<a href="/products/claims-portal/">Claims Portal</a>',
        '<a href="/products/case-manager/">Case Manager</a>',
        f'<a href="/goals/{org.goal.pk}/">Decide claims faster</a>',
        "Created</strong> by Mia Member",
    ]:
        assert text in html, text


def test_the_detail_page_says_what_is_missing_on_a_bare_draft(as_user, org):
    usecase = services.usecase_create(
        actor=org.member, data={"title": "Just an idea", "team": org.team}
    )
    html = as_user(org.member).get(detail_url(usecase)).content.decode()
    assert "No owner yet" in html
    assert "No metric defined yet." in html
    assert html.count("None linked") == 2
    assert "Not described yet" in html


@pytest.mark.parametrize("role", ["owner", "member", "lead", "reviewer", "non_member"])
def test_the_page_sends_its_reads_to_the_server_together(as_user, org, usecase, role):
    """Past the session and the person signed in, every read of the page goes to the server with
    others (``read_ahead``, psycopg's pipeline mode): the use case with the person's roles and
    unread count, then its links, timeline, evidence, profiles and custom fields; the page the
    same as read one by one (its other tests)."""
    from django.db import connection

    client = as_user(getattr(org, role))
    url = usecase.get_absolute_url()
    assert client.get(url).status_code == 200
    sent = []

    def record(execute, sql, params, many, context):
        sent.append((bool(connection.connection.pgconn.pipeline_status), sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert client.get(url).status_code == 200
    alone = [sql.split(" FROM ", 1)[1].split()[0] for together, sql in sent if not together]
    assert alone == ['"django_session"', '"auth_user"']
    assert sum(together for together, _ in sent) >= 10


@pytest.mark.parametrize("key", ["UC-999999", "claims", "UC-", "UC-99999999999999999999", "UC-²"])
def test_an_unknown_key_is_not_found(as_user, org, usecase, key):
    client = as_user(org.member)
    assert client.get(f"/usecases/{key}/").status_code == 404
    assert client.get(f"/usecases/{key}/edit/").status_code == 404


def test_a_key_past_any_number_is_refused_without_reading_the_use_cases(as_user, org, usecase):
    """A key whose number no use case can have (past the 64-bit column) is refused without a
    query on the use cases; an unknown number in range costs that one query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user(org.member)
    read = {}
    for key in ("UC-999999", "UC-99999999999999999999"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/usecases/{key}/").status_code == 404
        read[key] = [q["sql"] for q in queries.captured_queries if '"usecases_usecase"' in q["sql"]]
    assert len(read["UC-999999"]) == 1
    assert read["UC-99999999999999999999"] == []


def test_the_detail_page_accepts_a_lower_case_key(as_user, org, usecase):
    response = as_user(org.member).get(f"/usecases/{usecase.key.lower()}/")
    assert response.status_code == 200
    assert response.context["usecase"] == usecase


# -- Security ------------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"


def test_markup_in_a_title_is_escaped_on_list_and_detail(as_user, org):
    usecase = make_usecase(org=org, title=SCRIPT, who=SCRIPT, problem=SCRIPT)
    client = as_user(org.member)
    for url in (LIST_URL, detail_url(usecase), edit_url(usecase), "/teams/claims-processing/"):
        html = client.get(url).content.decode()
        assert SCRIPT not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


def test_a_post_without_a_csrf_token_is_rejected(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.member)
    response = client.post(CREATE_URL, create_form_data(org=org))
    assert response.status_code == 403
    assert not UseCase.objects.exists()


def test_a_post_with_the_csrf_token_from_the_form_is_accepted(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.member)
    client.get(CREATE_URL)
    token = client.cookies["csrftoken"].value
    response = client.post(CREATE_URL, create_form_data(org=org, csrfmiddlewaretoken=token))
    assert response.status_code == 302
    assert UseCase.objects.count() == 1


# -- Signing in and out --------------------------------------------------------------------------


def test_the_login_page_renders_for_anonymous_visitors(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sign in" in html
    assert 'name="username"' in html
    assert 'name="password"' in html


def test_signing_in_with_username_and_password_opens_the_registry(client, org, usecase):
    response = client.post(
        "/accounts/login/",
        {"username": "mia", "password": PASSWORD, "next": detail_url(usecase)},
    )
    assert response.status_code == 302
    assert response.url == detail_url(usecase)
    assert client.get(LIST_URL).status_code == 200


def test_signing_in_without_next_lands_on_my_work(client, org):
    response = client.post("/accounts/login/", {"username": "mia", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == "/"
    assert client.get(response.url).status_code == 200


def test_a_wrong_password_is_refused_with_a_message(client, org):
    response = client.post("/accounts/login/", {"username": "mia", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert client.get(LIST_URL).status_code == 302


def test_signing_out_needs_a_post(as_user, org):
    client = as_user(org.member)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get(LIST_URL).status_code == 200

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    assert client.get(LIST_URL).status_code == 302
