"""The detail page's timeline, comments and revision diff: one history of everything that
happened to a use case, whoever did it and however, and what a reviewer or signer decides on."""

import pghistory
import pytest
from django.db import connection
from django.utils.html import escape

from tests.conftest import ROLES, edit_form_data, make_usecase
from tests.factories import GoalFactory, ProductFactory
from usecases import services
from usecases.models import Comment, UseCase
from usecases.selectors.history import TIMELINE_LIMIT, usecase_timeline
from usecases.selectors.history_queries import links_reviews_and_sign_offs_changed_outside
from usecases.selectors.history_rows import FieldChange
from usecases.selectors.revisions import last_signed_revision, revision_diff

pytestmark = pytest.mark.django_db

OUTSIDE = "Changed outside the registry's pages"
HTMX = {"HTTP_HX_REQUEST": "true"}


def detail_url(usecase):
    return f"/usecases/{usecase.key}/"


def comment_url(usecase):
    return f"/usecases/{usecase.key}/comments/"


def revision_url(usecase, number):
    return f"/usecases/{usecase.key}/revisions/{number}/"


def login_url(next_path):
    return f"/accounts/login/?next={next_path}"


def outside_entries(usecase):
    return [e for e in usecase_timeline(usecase) if e.source == "outside"]


def change_of(entry, label):
    return next(change for change in entry.changes if change.label == label)


def submitted(org, usecase):
    return services.usecase_submit(usecase=usecase, actor=org.lead)


def awaiting_sign_off(org, usecase):
    usecase = submitted(org, usecase)
    return services.usecase_approve(usecase=usecase, actor=org.reviewer)


def signed(org, usecase):
    usecase = awaiting_sign_off(org, usecase)
    return services.usecase_sign_off(usecase=usecase, actor=org.owner, accepted=True)


# -- Order and content -----------------------------------------------------------------------------


def test_the_timeline_lists_events_and_comments_newest_first(org, usecase):
    services.comment_post(usecase=usecase, actor=org.reviewer, body="Who measures the median?")
    usecase = services.usecase_update(
        usecase=usecase,
        actor=org.member,
        data={"title": "Triage benefit claims", "problem": "Claims wait."},
        expected_version=usecase.version,
    )
    usecase = submitted(org, usecase)
    services.usecase_request_changes(usecase=usecase, actor=org.reviewer, comment="Name a source.")

    timeline = usecase_timeline(usecase)

    assert [(entry.source, entry.title) for entry in timeline] == [
        ("event", "Changes requested"),
        ("event", "Submitted for review"),
        ("event", "Edited"),
        ("comment", "Comment"),
        ("event", "Created"),
    ]
    requested, submit, edited, comment, _ = timeline
    assert (requested.actor, requested.text) == (org.reviewer, "Name a source.")
    assert (requested.from_status, requested.to_status) == ("In review", "Draft")
    assert (submit.actor, submit.from_status, submit.to_status) == (org.lead, "Draft", "In review")
    assert edited.changed_labels == ("Title", "Problem")
    assert (comment.actor, comment.text) == (org.reviewer, "Who measures the median?")


def test_the_detail_page_shows_the_timeline_with_who_and_what(as_user, org, usecase):
    services.comment_post(usecase=usecase, actor=org.reviewer, body="Who measures the median?")
    submitted(org, usecase)

    html = as_user(org.member).get(detail_url(usecase)).content.decode()

    assert "Submitted for review</strong> by Leo Lead" in html
    assert "Draft → In review" in html
    assert "Comment</strong> by Rita Reviewer" in html
    assert "Who measures the median?" in html
    assert html.index("Submitted for review</strong>") < html.index("Comment</strong>")


def test_the_timeline_panel_alone_answers_htmx(as_user, org, usecase):
    response = as_user(org.member).get(f"{detail_url(usecase)}?panel=timeline", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="timeline"')
    assert "<html" not in html
    assert "Created</strong> by Mia Member" in html
    assert 'hx-trigger="usecaseChanged from:body"' in html


def test_the_timeline_shows_the_newest_fifty_and_links_to_the_full_history(as_user, org, usecase):
    Comment.objects.bulk_create(
        Comment(usecase=usecase, author=org.member, body=f"Note {n}") for n in range(55)
    )
    client = as_user(org.member)

    capped = client.get(detail_url(usecase))
    full = client.get(f"{detail_url(usecase)}?history=all")

    assert len(capped.context["timeline"]) == TIMELINE_LIMIT
    assert capped.context["timeline_truncated"]
    assert f'href="{detail_url(usecase)}?history=all#history"' in capped.content.decode()
    assert len(full.context["timeline"]) == 56  # 55 comments and the creation
    assert "Show full history" not in full.content.decode()


# -- Changes made outside the services -------------------------------------------------------------


def test_a_queryset_update_outside_the_services_shows_with_old_and_new_values(org, usecase):
    UseCase.objects.filter(pk=usecase.pk).update(title="Renamed in the shell")

    (entry,) = outside_entries(usecase)

    assert entry.title == OUTSIDE
    assert entry.actor is None
    assert change_of(entry, "Title") == FieldChange(
        "Title", "Triage incoming benefit claims", "Renamed in the shell"
    )
    assert [change.label for change in entry.changes] == ["Title"]  # no version or time noise


def test_a_save_in_a_shell_shows_the_changed_fields_and_readable_values(org, usecase):
    stored = UseCase.objects.get(pk=usecase.pk)
    stored.problem = "Changed by an importer."
    stored.owner = org.lead
    stored.business_value = 4
    stored.save()

    (entry,) = outside_entries(usecase)

    assert {change.label: (change.old, change.new) for change in entry.changes} == {
        "Problem": ("Claims wait weeks before anyone reads them.", "Changed by an importer."),
        "Owner": ("Owen Owner", "Leo Lead"),
        "Business value": ("", "4"),
    }


def test_a_use_case_created_outside_the_services_shows_what_it_was_created_with(org):
    usecase = UseCase.objects.create(
        title="Imported claims triage", who="Claims officers", team=org.team, author=org.member
    )

    (entry,) = usecase_timeline(usecase)

    assert entry.title == "Created outside the registry's pages"
    assert {change.label: (change.old, change.new) for change in entry.changes} == {
        "Title": ("", "Imported claims triage"),
        "Who": ("", "Claims officers"),
        "Team": ("", "Claims Processing"),
        "Author": ("", "Mia Member"),
        "Status": ("", "Draft"),
        "Source": ("", "Entered in the registry"),
        "Lifecycle stage": ("", "Idea"),  # by its label, as on the form
    }


def test_a_change_in_the_admin_shows_who_made_it_and_where(org, usecase):
    with pghistory.context(user=org.admin.pk, url="/admin/usecases/usecase/1/change/"):
        UseCase.objects.filter(pk=usecase.pk).update(status="retired")

    (entry,) = outside_entries(usecase)

    assert entry.actor == org.admin
    assert entry.via == "/admin/usecases/usecase/1/change/"
    assert change_of(entry, "Status") == FieldChange("Status", "Draft", "Retired")


def test_each_use_case_shows_its_own_outside_changes_in_full_and_capped(org, usecase):
    """The query reading a use case's history rows is compiled once per process (each limit):
    asked for one use case after another, each gets its own rows, capped or not."""
    other = make_usecase(org=org, title="Another claims triage")
    UseCase.objects.filter(pk=usecase.pk).update(title="First renamed in the shell")
    UseCase.objects.filter(pk=other.pk).update(title="Second renamed in the shell")

    for limit in (None, TIMELINE_LIMIT + 1, None):
        first = [e for e in usecase_timeline(usecase, limit=limit) if e.source == "outside"]
        second = [e for e in usecase_timeline(other, limit=limit) if e.source == "outside"]
        assert [change_of(e, "Title").new for e in first] == ["First renamed in the shell"]
        assert [change_of(e, "Title").new for e in second] == ["Second renamed in the shell"]


def test_the_page_shows_an_outside_change(as_user, org, usecase):
    UseCase.objects.filter(pk=usecase.pk).update(title="Renamed in the shell")

    html = as_user(org.member).get(detail_url(usecase)).content.decode()

    assert f"{escape(OUTSIDE)}</strong> by" in html
    assert "someone not signed in" in html
    assert "Renamed in the shell" in html


def test_changes_through_the_services_do_not_show_twice(org, usecase):
    usecase = services.usecase_update(
        usecase=usecase,
        actor=org.member,
        data={"title": "Triage benefit claims", "products": [ProductFactory(team=org.team)]},
        expected_version=usecase.version,
    )
    usecase = signed(org, usecase)
    services.usecase_retire(usecase=usecase, actor=org.lead, reason="Replaced.")

    timeline = usecase_timeline(usecase)

    assert outside_entries(usecase) == []
    assert [entry.title for entry in timeline].count("Edited") == 1


def test_changes_through_the_pages_do_not_show_twice(as_user, org, usecase):
    client = as_user(org.member)
    client.post(f"/usecases/{usecase.key}/edit/", edit_form_data(usecase, title="Renamed"))
    version = UseCase.objects.get(pk=usecase.pk).version
    as_user(org.lead).post(f"/usecases/{usecase.key}/submit/", {"version": version})
    as_user(org.reviewer).post(
        f"/usecases/{usecase.key}/approve/", {"note": "Fine.", "version": version + 1}
    )

    assert outside_entries(usecase) == []
    assert UseCase.objects.get(pk=usecase.pk).status == "awaiting_sign_off"


def test_a_write_beside_a_service_in_the_same_context_still_shows_as_outside(org, usecase):
    """One context for a whole request or import run: the service's mark stays on its own rows."""
    with pghistory.context(user=org.admin.pk, url="/import/"):
        services.usecase_update(
            usecase=usecase,
            actor=org.admin,
            data={"title": "Through the service"},
            expected_version=usecase.version,
        )
        UseCase.objects.filter(pk=usecase.pk).update(problem="Patched by the import.")

    (entry,) = outside_entries(usecase)
    assert [change.label for change in entry.changes] == ["Problem"]
    assert entry.actor == org.admin


# Committed transactions, so each change carries its own time (inside one test transaction the
# database's NOW() stands still); the serialized rollback restores the role groups afterwards.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_outside_change_takes_its_place_in_time(org):
    usecase = make_usecase(org=org)
    services.comment_post(usecase=usecase, actor=org.member, body="Before.")
    UseCase.objects.filter(pk=usecase.pk).update(title="Renamed in the shell")
    services.comment_post(usecase=usecase, actor=org.member, body="After.")

    timeline = usecase_timeline(usecase)

    assert [(entry.source, entry.text) for entry in timeline] == [
        ("comment", "After."),
        ("outside", ""),
        ("comment", "Before."),
        ("event", ""),
    ]


def test_a_product_linked_outside_the_services_shows(org, usecase):
    product = ProductFactory(name="Case Manager", team=org.team)

    usecase.products.add(product)
    usecase.products.remove(org.product)

    changes = {(c.label, c.old, c.new) for e in outside_entries(usecase) for c in e.changes}
    assert changes == {
        ("Products", "", "Case Manager linked"),
        ("Products", "Claims Portal unlinked", ""),
    }


def test_a_goal_linked_in_the_admin_shows_who_linked_it(org, usecase):
    goal = GoalFactory(title="Fewer complaints")

    with pghistory.context(user=org.admin.pk, url="/admin/"):
        usecase.goals.add(goal)

    (entry,) = outside_entries(usecase)
    assert entry.actor == org.admin
    assert entry.changes == (FieldChange("Goals", "", "Fewer complaints linked"),)


def test_links_changed_through_the_services_do_not_show_twice(org, usecase):
    services.usecase_update(
        usecase=usecase,
        actor=org.member,
        data={"products": [ProductFactory(team=org.team)], "goals": [GoalFactory()]},
        expected_version=usecase.version,
    )

    assert outside_entries(usecase) == []


# -- Comments ----------------------------------------------------------------------------------------


def test_posting_a_comment_with_htmx_returns_the_timeline_and_an_empty_form(as_user, org, usecase):
    response = as_user(org.reviewer).post(
        comment_url(usecase), {"body": "Who measures the median?"}, **HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="timeline"')
    assert "Who measures the median?" in html
    assert 'id="comment-form"' in html and 'hx-swap-oob="true"' in html
    assert (
        '<textarea name="body" id="comment-body" rows="3" maxlength="10000" required></textarea>'
        in html
    )
    assert "usecaseChanged" in response["HX-Trigger-After-Swap"]
    comment = Comment.objects.get()
    assert (comment.usecase, comment.author, comment.body) == (
        usecase,
        org.reviewer,
        "Who measures the median?",
    )


def test_posting_a_comment_without_javascript_redirects_with_a_message(as_user, org, usecase):
    response = as_user(org.owner).post(
        comment_url(usecase), {"body": "I can own this."}, follow=True
    )

    assert response.redirect_chain == [(f"{detail_url(usecase)}#history", 302)]
    html = response.content.decode()
    assert "Comment posted." in html
    assert "I can own this." in html
    assert Comment.objects.get().author == org.owner


@pytest.mark.parametrize("body", ["", "   \n  "])
def test_an_empty_comment_is_refused_with_a_message(as_user, org, usecase, body):
    response = as_user(org.member).post(comment_url(usecase), {"body": body})

    assert response.status_code == 400
    assert "Write something before posting." in response.content.decode()
    assert not Comment.objects.exists()


def test_an_empty_comment_with_htmx_shows_the_message_at_the_form(as_user, org, usecase):
    response = as_user(org.member).post(comment_url(usecase), {"body": " "}, **HTMX)

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#comment-form"
    assert response["HX-Reswap"] == "outerHTML"
    assert "Write something before posting." in response.content.decode()
    assert "HX-Trigger-After-Swap" not in response
    assert not Comment.objects.exists()


def test_comments_are_posted_not_fetched(as_user, org, usecase):
    assert as_user(org.member).get(comment_url(usecase)).status_code == 405


@pytest.mark.parametrize("role", ROLES)
def test_commenting_per_role(as_role, org, usecase, role):
    response = as_role(role).post(comment_url(usecase), {"body": "A question."})

    if role == "anonymous":
        assert response.status_code == 302
        assert response.url == login_url(comment_url(usecase))
        assert not Comment.objects.exists()
    else:
        assert response.status_code == 302
        assert Comment.objects.get().author == getattr(org, role)


def test_the_comment_form_is_on_the_page(as_user, org, usecase):
    html = as_user(org.non_member).get(detail_url(usecase)).content.decode()

    assert '<label for="comment-body">Add a comment</label>' in html
    assert f'action="{comment_url(usecase)}"' in html


# -- Revisions and the diff -------------------------------------------------------------------------


def test_a_use_case_never_signed_shows_the_submitted_fields(org, usecase):
    usecase = submitted(org, usecase)

    diff = {field.field: field for field in revision_diff(usecase)}

    assert diff["problem"].signed is None
    assert diff["problem"].proposed == "Claims wait weeks before anyone reads them."
    assert diff["owner"].proposed == "Owen Owner"
    assert not any(field.changed for field in diff.values())


def test_the_diff_compares_the_text_under_review_with_the_last_signed_text(org, usecase):
    usecase = signed(org, usecase)
    usecase = services.usecase_update(
        usecase=usecase,
        actor=org.lead,
        data={"problem": "Claims wait a month.", "title": "Triage claims"},
        expected_version=usecase.version,
    )
    assert usecase.status == "in_review"  # a material edit goes back to review

    changed = {f.label: (f.signed, f.proposed) for f in revision_diff(usecase) if f.changed}

    assert changed == {
        "Title": ("Triage incoming benefit claims", "Triage claims"),
        "Problem": ("Claims wait weeks before anyone reads them.", "Claims wait a month."),
    }


def test_a_transfer_shows_the_new_owner_against_the_signed_text(org, usecase):
    usecase = signed(org, usecase)
    usecase = services.usecase_transfer_ownership(
        usecase=usecase, actor=org.lead, new_owner=org.lead
    )

    changed = {f.label: (f.signed, f.proposed) for f in revision_diff(usecase) if f.changed}

    assert changed == {"Owner": ("Owen Owner", "Leo Lead")}


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_the_diff_while_in_review(as_role, org, usecase, role):
    usecase = submitted(org, usecase)

    response = as_role(role).get(detail_url(usecase))

    if role == "anonymous":
        assert response.status_code == 302
        return
    # Reviewers decide; everyone else reads the use case as it stands.
    assert ("The text submitted for review" in response.content.decode()) == (role == "reviewer")


@pytest.mark.parametrize("role", ["member", "lead", "reviewer", "owner"])
def test_only_the_owner_sees_the_diff_while_awaiting_sign_off(as_role, org, usecase, role):
    usecase = awaiting_sign_off(org, usecase)

    html = as_role(role).get(detail_url(usecase)).content.decode()

    assert ("The text submitted for review" in html) == (role == "owner")


def test_the_reviewer_sees_a_field_diff_after_a_change_to_what_was_signed(as_user, org, usecase):
    usecase = signed(org, usecase)
    services.usecase_update(
        usecase=usecase,
        actor=org.lead,
        data={"problem": "Claims wait a month."},
        expected_version=usecase.version,
    )

    html = as_user(org.reviewer).get(detail_url(usecase)).content.decode()

    assert "Changes since the last sign-off" in html
    assert '<del class="diff-old">Claims wait weeks before anyone reads them.</del>' in html
    assert '<ins class="diff-new">Claims wait a month.</ins>' in html
    assert "Unchanged: Title, Who, Success signal, Business intent" in html
    assert html.index("Changes since the last sign-off") < html.index('id="essentials"')


def test_a_changed_since_sign_off_use_case_links_to_the_last_signed_text(as_user, org, usecase):
    usecase = signed(org, usecase)
    services.usecase_update(
        usecase=usecase,
        actor=org.lead,
        data={"problem": "Claims wait a month."},
        expected_version=usecase.version,
    )
    signed_revision = last_signed_revision(usecase)
    client = as_user(org.non_member)

    page = client.get(detail_url(usecase)).content.decode()
    revision = client.get(revision_url(usecase, signed_revision.number)).content.decode()

    assert f'href="{revision_url(usecase, signed_revision.number)}"' in page
    assert "Claims wait weeks before anyone reads them." in revision
    assert "This is what its owner signed" in revision
    assert "Signed off by Owen Owner" in revision


def test_the_diff_panel_alone_answers_htmx(as_user, org, usecase):
    usecase = submitted(org, usecase)

    response = as_user(org.reviewer).get(f"{detail_url(usecase)}?panel=revision-diff", **HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="revision-diff"')
    assert "The text submitted for review" in html


@pytest.mark.parametrize(
    ("action", "role", "shown"),
    [
        ("approve", "reviewer", True),
        ("request-changes", "reviewer", True),
        ("reject", "reviewer", True),
    ],
)
def test_the_decision_pages_show_the_diff(as_role, org, usecase, action, role, shown):
    usecase = submitted(org, usecase)

    response = as_role(role).get(f"/usecases/{usecase.key}/{action}/")

    html = response.content.decode()
    assert ("The text submitted for review" in html) == shown
    assert "hx-post" not in html  # a plain form: this page has no panel for htmx to swap


def test_the_sign_off_page_shows_the_diff(as_user, org, usecase):
    usecase = awaiting_sign_off(org, usecase)

    html = as_user(org.owner).get(f"/usecases/{usecase.key}/sign-off/").content.decode()

    assert "The text submitted for review" in html
    assert "Claims wait weeks before anyone reads them." in html


@pytest.mark.parametrize("role", ROLES)
def test_reading_a_revision_per_role(as_role, org, usecase, role):
    usecase = submitted(org, usecase)
    url = revision_url(usecase, 1)

    response = as_role(role).get(url)

    if role == "anonymous":
        assert response.status_code == 302
        assert response.url == login_url(url)
    else:
        assert response.status_code == 200
        assert "Submitted for review by Leo Lead" in response.content.decode()


def test_a_revision_that_does_not_exist_is_not_found(as_user, org, usecase):
    assert as_user(org.member).get(revision_url(usecase, 7)).status_code == 404


# -- Query budget ------------------------------------------------------------------------------------


def history_of_size(org, size):
    """A use case in review with ``size`` edits, ``size`` comments and four changes made outside
    (two of the row, a product and a goal linked)."""
    usecase = make_usecase(org=org)
    for n in range(size):
        usecase = services.usecase_update(
            usecase=usecase,
            actor=[org.member, org.lead][n % 2],
            data={"title": f"Triage claims, take {n}"},
            expected_version=usecase.version,
        )
        services.comment_post(usecase=usecase, actor=org.reviewer, body=f"Comment {n}")
    UseCase.objects.filter(pk=usecase.pk).update(who="Claims officers everywhere")
    with pghistory.context(user=org.admin.pk):
        UseCase.objects.filter(pk=usecase.pk).update(business_value=3)
        usecase.products.add(ProductFactory(team=org.team))
    usecase.goals.add(GoalFactory())
    return submitted(org, usecase)


def test_the_detail_page_costs_the_same_with_a_short_or_a_long_history(
    as_user, org, django_assert_max_num_queries
):
    client = as_user(org.reviewer)
    counts = []
    for size in (3, 30):
        usecase = history_of_size(org, size)
        with django_assert_max_num_queries(20) as captured:
            response = client.get(detail_url(usecase))
        assert response.status_code == 200
        assert response.context["revision_diff"]  # the reviewer's page, with every panel
        assert len(response.context["timeline"]) == min(2 * size + 6, TIMELINE_LIMIT)
        counts.append(len(captured))

    assert counts[0] == counts[1]


def test_the_history_tables_query_is_prepared_once_for_any_use_case(org):
    """The timeline's one query across the links', reviews' and sign-offs' history tables, which
    the server took longer to plan than to run, is a prepared statement: one for every use case,
    whatever the size of its key."""

    def history_statements():
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [sql for (sql,) in cursor.fetchall() if "pghistory_events" in sql]

    usecase = make_usecase(org=org)
    before = history_statements()
    for pk in (usecase.pk, 40_000, 3_000_000_000):
        links_reviews_and_sign_offs_changed_outside(UseCase(pk=pk), TIMELINE_LIMIT + 1)
    added = [sql for sql in history_statements() if sql not in before]
    assert len(added) == 1
