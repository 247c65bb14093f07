"""Forms a person can finish on the first try: the fields a review needs are marked and the draft's
gaps listed before "Submit for review" refuses; a refused form names each error and links to its
field; an htmx workflow action says what happened where focus lands. Browser behaviour (focus,
inline checks, Escape) is in tests/e2e/test_form_guidance.py."""

import re

import pytest

from tests.conftest import create_form_data, edit_form_data, make_usecase
from tests.markup import Markup, attr, find_all, text
from usecases import readiness, services
from usecases.display import M2M_FIELDS
from usecases.models import UseCase

pytestmark = pytest.mark.django_db

CREATE_URL = "/usecases/new/"
HTMX = {"HX-Request": "true"}
NEEDED = "(needed for review)"
# The labels the form shows for the fields review needs, as the submit rule names them.
FORM_LABELS = {
    "who": "Who",
    "problem": "Problem",
    "success_signal": "Success signal",
    "owner": "Owner",
    "products": "Products",
    "goals": "Goals",
}
ALL_GAPS = [
    "Who",
    "Problem",
    "Success signal",
    "Owner",
    "At least one product",
    "At least one goal",
]


def page_title(html: str) -> str:
    return " ".join(re.search(r"<title>(.*?)</title>", html, re.S)[1].split())


def field_label(page: Markup, name: str) -> str:
    """The label (or, for a checkbox list, the legend) a person reads for field ``name``."""
    labels = page.all("label", **{"for": f"id_{name}"})
    if labels:
        return text(labels[0])
    return text(find_all(page.by_id(f"field-{name}"), "legend")[0])


def readiness_gaps(page: Markup) -> list[str]:
    section = page.by_id("review-readiness")
    return [text(item) for item in find_all(section, "li")]


def summary_links(page: Markup, summary_id: str = "error-summary") -> list[tuple[str, str]]:
    summary = page.by_id(summary_id)
    return [(attr(link, "href"), text(link)) for link in find_all(summary, "a")]


# -- "Needed for review": marked on the form, read from the submit rule ---------------------------


def test_the_new_form_marks_each_field_the_submit_rule_asks_for(as_user, org):
    page = Markup(as_user(org.member).get(CREATE_URL).content.decode())

    marked = {name for name in FORM_LABELS if NEEDED in field_label(page, name)}
    assert marked == set(FORM_LABELS)
    assert marked == {need.field for need in readiness.REVIEW_NEEDS}
    for name in ("title", "team", "business_intent", "metric_name"):
        assert NEEDED not in field_label(page, name), name


@pytest.mark.parametrize("need", readiness.REVIEW_NEEDS, ids=lambda need: need.field)
def test_each_marked_field_is_one_the_submit_refusal_names(org, need, as_user):
    """Leave only that field empty: submitting is refused naming it, and the form marks it."""
    empty = [] if need.field in M2M_FIELDS else None if need.field == "owner" else ""
    draft = make_usecase(org=org, **{need.field: empty})
    with pytest.raises(services.Incomplete) as refusal:
        services.usecase_submit(usecase=draft, actor=org.lead)
    assert refusal.value.missing == [need.label]

    page = Markup(as_user(org.member).get(f"/usecases/{draft.key}/edit/").content.decode())
    assert NEEDED in field_label(page, need.field)
    assert readiness_gaps(page) == [need.label[0].upper() + need.label[1:]]


# -- The draft's readiness: on the form and on the draft's page -----------------------------------


def test_the_new_form_lists_everything_review_needs_each_linked_to_its_field(as_user, org):
    page = Markup(as_user(org.member).get(CREATE_URL).content.decode())

    section = page.by_id("review-readiness")
    assert text(section).startswith("Still needed for review")
    links = [(attr(link, "href"), text(link)) for link in find_all(section, "a")]
    assert links == [
        ("#id_who", "Who"),
        ("#id_problem", "Problem"),
        ("#id_success_signal", "Success signal"),
        ("#id_owner", "Owner"),
        ("#id_products", "At least one product"),
        ("#id_goals", "At least one goal"),
    ]
    for href, _ in links:  # each link lands on an element of the page
        assert page.all(id=href[1:]), href


def test_a_refused_form_lists_what_review_still_needs_from_what_was_typed(as_user, org):
    data = create_form_data(org=org, title="", problem="", owner="", goals=[])
    page = Markup(as_user(org.member).post(CREATE_URL, data).content.decode())

    assert readiness_gaps(page) == ["Problem", "Owner", "At least one goal"]


def test_each_inline_check_brings_the_readiness_list_up_to_date(as_user, org):
    data = create_form_data(org=org, problem="", goals=[], _validate="who")
    response = as_user(org.member).post(CREATE_URL, data, headers=HTMX)

    page = Markup(response.content.decode())
    section = page.by_id("review-readiness")
    assert attr(section, "hx-swap-oob") == "true"
    assert readiness_gaps(page) == ["Problem", "At least one goal"]


def test_a_complete_draft_is_ready_for_review_on_the_form_and_its_page(as_user, org, usecase):
    client = as_user(org.member)
    form_page = Markup(client.get(f"/usecases/{usecase.key}/edit/").content.decode())
    detail_page = Markup(client.get(f"/usecases/{usecase.key}/").content.decode())

    for page in (form_page, detail_page):
        section = page.by_id("review-readiness")
        assert text(section).startswith("Ready for review")
        assert not find_all(section, "li")


def test_a_drafts_page_says_what_it_still_needs_before_review_and_only_a_drafts(
    as_user, org, usecase_in
):
    draft = make_usecase(org=org, who="", success_signal="", products=[])
    client = as_user(org.lead)
    page = Markup(client.get(f"/usecases/{draft.key}/").content.decode())

    status_panel = page.by_id("status-panel")
    assert find_all(status_panel, "section")[0] == page.by_id("review-readiness")
    assert readiness_gaps(page) == ["Who", "Success signal", "At least one product"]

    in_review = usecase_in("in_review")
    for url in (f"/usecases/{in_review.key}/", f"/usecases/{in_review.key}/edit/"):
        assert not Markup(client.get(url).content.decode()).all(id="review-readiness"), url


# -- The error summary: every error listed, each a link to its field ------------------------------


def test_a_refused_use_case_form_lists_each_error_as_a_link_to_its_field(as_user, org):
    data = create_form_data(org=org, title="", team="", metric_baseline="40")
    html = as_user(org.member).post(CREATE_URL, data).content.decode()
    page = Markup(html)

    summary = page.by_id("error-summary")
    assert attr(summary, "role") == "alert"
    assert attr(summary, "tabindex") == "-1"
    assert text(page.by_id(attr(summary, "aria-labelledby"))) == "There is a problem"
    assert summary_links(page) == [
        ("#id_title", "Title: Give the use case a title."),
        ("#id_team", "Team: Choose the team that owns this use case."),
        ("#id_metric_name", "Metric: Name the metric the baseline and target refer to."),
    ]
    for href, _ in summary_links(page):
        assert page.all(id=href[1:]), href
    assert page_title(html) == "Error: New use case · Use-case registry"
    assert "Some fields need attention" not in html
    fresh = as_user(org.member).get(CREATE_URL).content.decode()
    assert page_title(fresh) == "New use case · Use-case registry"
    assert not Markup(fresh).all(id="error-summary")


def test_a_field_error_is_read_with_its_field_and_keeps_list_semantics(as_user, org):
    html = as_user(org.member).post(CREATE_URL, create_form_data(org=org, title="")).content
    page = Markup(html.decode())

    title = page.by_id("id_title")
    assert attr(title, "aria-invalid") == "true"
    error = page.by_id("id_title_error")
    assert "id_title_error" in attr(title, "aria-describedby").split()
    assert text(error) == "Error: Give the use case a title."
    assert error.name != "ul" and attr(error, "role") is None
    # No list anywhere carries a role that would hide its items from assistive technology.
    assert not [node for node in page.all("ul") + page.all("ol") if attr(node, "role")]


def test_a_refused_edit_of_an_active_use_case_lists_the_refusal(as_user, org, usecase_in):
    active = usecase_in("active")
    response = as_user(org.lead).post(
        f"/usecases/{active.key}/edit/", edit_form_data(active, who="", goals=[])
    )
    assert response.status_code == 400
    page = Markup(response.content.decode())
    assert "Missing: Who, at least one goal." in text(page.by_id("error-summary"))
    assert page_title(response.content.decode()).startswith("Error: ")


def test_admin_form_pages_list_each_error_as_a_link(as_user, org):
    response = as_user(org.admin).post("/administration/products/new/", {"name": "", "team": ""})
    html = response.content.decode()
    page = Markup(html)

    links = summary_links(page)
    assert ("#id_name", "Name: This field is required.") in links
    for href, _ in links:
        assert page.all(id=href[1:]), href
    assert page_title(html).startswith("Error: ")
    assert attr(page.by_id("id_name"), "aria-describedby").split()[-1] == "id_name_error"


def test_the_person_form_lists_each_error_as_a_link(as_user, org):
    response = as_user(org.admin).post(
        f"/administration/people/{org.member.pk}/edit/",
        {"first_name": "Mia", "last_name": "Member", "email": "not an address"},
    )
    page = Markup(response.content.decode())
    assert ("#id_email", "E-mail address: Enter a valid email address.") in summary_links(page)
    assert page_title(response.content.decode()).startswith("Error: ")


def test_the_sign_in_page_lists_what_went_wrong(client, org):
    response = client.post("/accounts/login/", {"username": "mia", "password": "wrong"})
    html = response.content.decode()
    summary = Markup(html).by_id("error-summary")
    assert "Please enter a correct username and password" in text(summary)
    assert page_title(html) == "Error: Sign in · Use-case registry"


def test_the_password_change_page_lists_each_error_as_a_link(as_user, org):
    response = as_user(org.member).post("/accounts/password_change/", {"old_password": "wrong"})
    page = Markup(response.content.decode())
    links = dict(summary_links(page))
    assert "#id_old_password" in links
    assert "#id_new_password1" in links
    assert not [node for node in page.all("ul") if attr(node, "role") == "alert"]


def test_the_deactivation_page_lists_each_error_as_a_link(as_user, org, usecase_in):
    owned = usecase_in("active")
    response = as_user(org.admin).post(
        f"/administration/people/{org.owner.pk}/deactivate/",
        {"default_owner": "", f"usecase_{owned.pk}": "nobody-by-that-name"},
    )
    page = Markup(response.content.decode())
    summary = page.by_id("error-summary")
    assert "Nothing was changed." in text(summary)
    links = summary_links(page)
    assert links and all(page.all(id=href[1:]) for href, _ in links), links
    assert any(href == f"#id_usecase_{owned.pk}" for href, _ in links), links
    assert UseCase.objects.get(pk=owned.pk).owner == org.owner


def test_a_refused_measurement_lists_each_error_as_a_link(as_user, org, usecase_in):
    measured = usecase_in("active", metric_name="Median days to a decision")
    response = as_user(org.owner).post(
        f"/usecases/{measured.key}/measurements/",
        {"measured_on": "", "value": "lots", "note": "", "source_url": ""},
    )
    assert response.status_code == 400
    html = response.content.decode()
    page = Markup(html)
    assert summary_links(page, "evidence-error") == [
        ("#measurement-measured_on", "Date measured: Give the date the value was measured."),
        (
            "#measurement-value",
            "Value: “lots” is not a number. Write it like 12.5, 12,5, 1250.5, 1,250.5, 1.250,5 or 1 250,5.",
        ),
    ]
    assert page_title(html).startswith("Error: ")


# -- A workflow action done with htmx: its outcome takes focus, stale messages go -----------------


def test_an_htmx_action_answers_with_its_outcome_to_focus_and_clears_the_messages(
    as_user, org, usecase
):
    response = as_user(org.lead).post(
        f"/usecases/{usecase.key}/submit/", {"version": usecase.version}, headers=HTMX
    )
    page = Markup(response.content.decode())

    outcome = page.one(**{"data-focus-on-load": ""})
    assert attr(outcome, "tabindex") == "-1"
    assert text(outcome) == f"{usecase.key} submitted for review. Status: in review."
    messages = page.by_id("messages")
    assert attr(messages, "hx-swap-oob") == "true"
    assert messages.children == []


def test_a_refused_htmx_action_answers_with_the_refusal_to_focus(as_user, org):
    draft = make_usecase(org=org, who="")
    response = as_user(org.lead).post(
        f"/usecases/{draft.key}/submit/", {"version": draft.version}, headers=HTMX
    )
    page = Markup(response.content.decode())
    outcome = page.one(**{"data-focus-on-load": ""})
    assert attr(outcome, "role") == "alert"
    assert "Missing: Who." in text(outcome)
