"""Every source of a use case's history in one timeline, in the order things happened: workflow
events, comments, measurements, and changes made outside the registry's pages to the use case, its
links and its reviews; and the page costs the same queries at 3 entries as at 60."""

from datetime import timedelta

import pghistory
import pytest
from django.utils import timezone
from django.utils.html import escape

from tests.conftest import make_measurable, make_usecase
from tests.factories import ProductFactory
from usecases import services
from usecases.models import Review, UseCase
from usecases.selectors.history import usecase_timeline

OUTSIDE = "Changed outside the registry's pages"
# The detail page's queries: the owner's (evidence and recorders, the handover's choices) and a
# team member's page of a draft, each with changes made outside.
OWNER_BUDGET = 18
DRAFT_BUDGET = 14
REVIEW_CHANGED = "Review changed outside the registry's pages"


def titles(timeline):
    return [(entry.source, entry.title) for entry in timeline]


# Committed transactions, so each change carries its own time (inside one test transaction the
# database's NOW() stands still); the serialized rollback restores the role groups afterwards.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_source_takes_its_place_in_time_on_the_page(org, as_user):
    usecase = make_usecase(org=org)
    services.comment_post(usecase=usecase, actor=org.reviewer, body="First <look>.")
    UseCase.objects.filter(pk=usecase.pk).update(title="Renamed in the shell")
    with pghistory.context(user=org.admin.pk, url="/admin/usecases/usecase/"):
        usecase.products.add(ProductFactory(name="Case Manager", team=org.team))
    usecase = services.usecase_submit(usecase=UseCase.objects.get(pk=usecase.pk), actor=org.lead)
    Review.objects.filter(usecase=usecase).update(comment="Rewritten in the shell.")
    services.comment_post(usecase=usecase, actor=org.member, body="Last.\nTwo lines.")

    assert titles(usecase_timeline(usecase)) == [
        ("comment", "Comment"),
        ("outside", REVIEW_CHANGED),
        ("event", "Submitted for review"),
        ("outside", OUTSIDE),
        ("outside", OUTSIDE),
        ("comment", "Comment"),
        ("event", "Created"),
    ]
    html = as_user(org.member).get(usecase.get_absolute_url()).content.decode()
    shown = [
        "Comment</strong> by Mia Member",
        "Last.<br>Two lines.",
        f"{escape(REVIEW_CHANGED)}</strong> by "
        '<span class="missing">someone not signed in (a script or the shell)</span>',
        '<ins class="diff-new">Rewritten in the shell.</ins>',
        "Submitted for review</strong> by Leo Lead",
        '<p class="muted">Draft → In review</p>',
        f"{escape(OUTSIDE)}</strong> by Adam Admin",
        '<span class="missing">empty</span> → <ins class="diff-new">Case Manager linked</ins>',
        '<p class="muted">Through /admin/usecases/usecase/</p>',
        '<del class="diff-old">Triage incoming benefit claims</del> → '
        '<ins class="diff-new">Renamed in the shell</ins>',
        "Comment</strong> by Rita Reviewer",
        "First &lt;look&gt;.",
        "Created</strong> by Mia Member",
    ]
    positions = [html.index(text) for text in shown]
    assert positions == sorted(positions)


@pytest.mark.django_db
def test_an_entry_says_when_in_local_time_and_which_version(org, as_user):
    usecase = make_usecase(org=org)
    created = usecase.events.get()
    local = timezone.localtime(created.created_at)

    html = as_user(org.member).get(usecase.get_absolute_url()).content.decode()

    assert (
        f'<time datetime="{local.isoformat()}">{local.day} {local:%b %Y %H:%M}</time> '
        '<span class="muted">(version 1)</span>'
    ) in html


def mixed_history(org, rounds: int):
    """The owner's active, measured use case with ``rounds`` rounds of every kind of entry: an
    edit, a comment, a measurement, a change in the shell, a review changed in the admin and a
    product linked there."""
    usecase = make_measurable(org=org)
    review = usecase.reviews.get()
    today = timezone.localdate()
    for n in range(rounds):
        usecase = services.usecase_update(
            usecase=usecase,
            actor=org.lead,
            data={"business_intent": f"Take {n}"},
            expected_version=usecase.version,
        )
        services.comment_post(usecase=usecase, actor=org.reviewer, body=f"Comment {n}")
        services.measurement_record(
            usecase=usecase, actor=org.owner, measured_on=today - timedelta(days=n), value=30 - n
        )
        UseCase.objects.filter(pk=usecase.pk).update(effort=n % 5 + 1)
        with pghistory.context(user=[org.admin, org.lead][n % 2].pk, url="/admin/"):
            Review.objects.filter(pk=review.pk).update(comment=f"Take {n}")
            usecase.products.add(ProductFactory(team=org.team))
        usecase = UseCase.objects.get(pk=usecase.pk)
    return usecase


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?history=all"])
def test_the_owners_page_costs_the_same_with_a_short_or_a_long_mixed_history(
    as_user, org, page_queries, query
):
    client = as_user(org.owner)
    counts = []
    for rounds in (1, 12):
        usecase = mixed_history(org, rounds)
        counts.append(
            page_queries(client, f"{usecase.get_absolute_url()}{query}", budget=OWNER_BUDGET)
        )
        page = client.get(f"{usecase.get_absolute_url()}{query}")
        assert page.context["evidence"].rows  # the measurements' table, with delete forms
        assert {entry.source for entry in page.context["timeline"]} == {
            "event",
            "comment",
            "outside",
        }

    assert counts[0] == counts[1], counts


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?history=all"])
def test_the_page_costs_the_same_at_3_and_at_60_entries(as_user, org, page_queries, query):
    """A draft with an edit, a comment and a change in the shell, then with twenty of each."""
    client = as_user(org.member)
    counts = []
    for size in (3, 60):
        usecase = make_usecase(org=org)
        for n in range(size // 3 - 1):
            usecase = services.usecase_update(
                usecase=usecase,
                actor=[org.member, org.lead][n % 2],
                data={"title": f"Triage claims, take {n}"},
                expected_version=usecase.version,
            )
        for n in range(size // 3):
            services.comment_post(usecase=usecase, actor=org.reviewer, body=f"Comment {n}")
            UseCase.objects.filter(pk=usecase.pk).update(business_value=n % 5 + 1, effort=n % 4 + 1)
        counts.append(
            page_queries(client, f"{usecase.get_absolute_url()}{query}", budget=DRAFT_BUDGET)
        )
        timeline = client.get(f"{usecase.get_absolute_url()}{query}").context["timeline"]
        assert len(timeline) == (min(size, 50) if not query else size)

    assert counts[0] == counts[1], counts
