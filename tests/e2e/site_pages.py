"""Every page of the registry, found from the URLconf, for the browser sweeps that check them all
(axe-core in test_accessibility.py, sideways scrolling in test_small_screens.py).

``site_pages`` walks the resolver, so a page added to a ``urls.py`` is swept without anyone
remembering to list it: its path parameters are filled from ``build_site``'s data by name
(``PARAMETERS``), and a URL whose GET is refused with 405 is a POST-only action, not a page.
``test_every_get_page_is_swept_or_excluded`` fails when a GET page is reached by no role and is
not in ``EXCLUDED`` with a reason.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from administration.services import people
from demo.snapshots import seed_snapshots
from imports.running import execute
from imports.runs import new_run, read_upload
from portfolio.models import Membership
from tests.conftest import advance_usecase, make_measurable, make_usecase
from tests.factories import UserFactory
from tests.imports.registers import us_2025_csv
from usecases import services
from usecases.choices import Status
from usecases.models import (
    CustomField,
    CustomFieldType,
    EnabledProfile,
    Measurement,
    Notification,
    UseCase,
)
from usecases.workflow import transition
from webhooks.models import Endpoint, WebhookEvent
from webhooks.services import endpoint_create

# Pages (URL names, or a namespace followed by ":*") that no sweep visits, each with its reason.
EXCLUDED = {
    "admin:*": "Django's own admin: its templates and their accessibility are Django's, not ours",
    "usecases:inbox_count": "an htmx fragment (the Inbox badge inside every page's header), not a page",
    **dict.fromkeys(
        [f"usecases:{kind}_choices" for kind in ("person", "team", "product", "goal")],
        "an htmx fragment (a chooser's options), not a page (tests/usecases/views/"
        "test_chooser_views.py checks each per role; test_choosers.py in e2e uses them)",
    ),
    "exports:usecase_export": "a file download, not a page (tests/exports checks each format per role)",
    "imports:run_failures": "a file download, not a page (tests/imports checks it per role)",
    "api:*": (
        "the JSON API and its document (tests/api checks them per role); its docs page draws "
        "itself with JavaScript, so test_accessibility checks it once drawn and opened"
    ),
}

# A title a person pasted without spaces: it must wrap, never widen the page.
LONG_TITLE = "Reconcile_" + "".join(f"claims_batch_{n:02d}_" for n in range(8)) + "end"

# The viewport widths a phone and a laptop show.
PHONE = {"width": 360, "height": 780}
LAPTOP = {"width": 1280, "height": 800}


@dataclass
class Site:
    """The organisation of ``tests.conftest.org`` with something on every page: a use case in each
    status, one measured with a chart, long unbroken titles, a deactivated person, trend data."""

    org: object
    by_status: dict[str, UseCase]
    measured: UseCase
    former: object
    imports: dict[str, object]  # the lead's import being mapped, and one done
    reset_uid: str = ""
    reset_token: str = ""


def _measured(org) -> UseCase:
    today = timezone.localdate()
    usecase = make_measurable(org=org, title=f"{LONG_TITLE}_measured")
    for days_ago, value in ((45, 38), (25, 30), (5, 24)):
        services.measurement_record(
            usecase=usecase,
            actor=org.owner,
            measured_on=today - timedelta(days=days_ago),
            value=Decimal(value),
            note="Monthly report",
        )
    return UseCase.objects.get(pk=usecase.pk)


def _custom_fields() -> None:
    """A custom field of every type, so the form, the use case's page and the list show them."""
    for n, kind in enumerate(CustomFieldType):
        choices = ["Low", "Medium", "High"] if "choice" in kind else []
        CustomField.objects.create(
            name=f"field_{kind}",
            label=f"{kind.label} field",
            type=kind,
            choices=choices,
            group="Finance" if n % 2 else "",
            help_text="What this field records.",
        )


def _imports(org) -> dict[str, object]:
    """Two of the lead's imports: one at its mapping and preview, one done (a row failed)."""
    content = us_2025_csv(3, changed={3: {"use_case_name": ""}})
    mapping, done = (
        new_run(data=content, name=name, register=read_upload(content, name), actor=org.lead,
                team=org.team)
        for name in ("inventory-2026.csv", "inventory-2025.csv")
    )  # fmt: skip
    return {"mapping": mapping, "done": execute(done)}


def build_site(org) -> Site:
    _custom_fields()
    by_status = {
        status: advance_usecase(
            make_usecase(org=org, title=f"{LONG_TITLE}_{status}"), org=org, to=status
        )
        for status in ("draft", "in_review", "awaiting_sign_off", "active", "declined", "retired")
    }
    measured = _measured(org)
    former = UserFactory(
        username="max", first_name="Maximiliana", last_name="Featherstonehaugh-Worthington"
    )
    Membership.objects.create(team=org.team, user=former)
    people.person_account_deactivate(user=former, actor=org.admin, reason="Left the company.")
    seed_snapshots(weeks=6)
    # Two standards' profiles on: the use case page's panel and the dashboard's tiles are swept.
    EnabledProfile.objects.bulk_create(
        [EnabledProfile(key="us_omb_2025"), EnabledProfile(key="uk_atrs")]
    )
    # A webhook endpoint, so its page and its edit page are swept.
    endpoint_create(
        actor=org.admin,
        url="https://hooks.example.org/registry",
        events=[WebhookEvent.values[0]],
        description="The catalogue's listener",
    )
    return Site(
        org=org,
        by_status=by_status,
        measured=measured,
        former=former,
        imports=_imports(org),
        reset_uid=urlsafe_base64_encode(force_bytes(org.member.pk)),
        reset_token=default_token_generator.make_token(org.member),
    )


def _usecase_key(site: Site, name: str, default_args: dict) -> str:
    if "action" in default_args:  # a workflow action's page: a use case where it can start
        starts = transition(default_args["action"]).sources
        return next(
            site.by_status[status].key for status in Status.values if status in starts
        )  # StopIteration: add a use case in that status to build_site
    return site.measured.key


def _pk(site: Site, name: str, default_args: dict) -> int:
    org = site.org
    if name.startswith("imports:"):
        return site.imports["done" if name == "imports:run_detail" else "mapping"].pk
    if "goal" in name:
        return org.goal.pk
    if name == "webhooks:delivery_redeliver":
        return "00000000-0000-0000-0000-000000000000"  # POST-only: 405 on a GET
    if name.startswith("webhooks:"):
        return Endpoint.objects.get().pk
    if name == "api_pages:token_revoke":
        return 0  # POST-only: 405 on a GET, before any token is looked up
    if name == "administration:person_reactivate":
        return site.former.pk
    if "user_" in name or "person_" in name:
        return org.owner.pk  # owns, signs and keeps evidence: every section has something
    rows = {
        "notification": Notification,
        "measurement": Measurement,
        "membership": Membership,
        "customfield": CustomField,
    }
    model = next(model for word, model in rows.items() if word in name)
    return model.objects.filter(**({"team": org.team} if model is Membership else {})).first().pk


# How each path parameter is filled, by its name: (site, URL name, the pattern's default args).
PARAMETERS = {
    "key": _usecase_key,
    "number": lambda site, name, args: site.measured.revisions.latest("number").number,
    "slug": lambda site, name, args: (
        site.org.product.slug if "product" in name else site.org.team.slug
    ),
    "pk": _pk,
    "uidb64": lambda site, name, args: site.reset_uid,
    "token": lambda site, name, args: site.reset_token,
    # Retrying a task is a POST-only action (405 on GET, before any task is looked up).
    "task_id": lambda site, name, args: "00000000-0000-0000-0000-000000000000",
}


@dataclass(frozen=True)
class SitePage:
    name: str
    url: str


def _patterns(patterns, prefix="", namespace=""):
    """(URL name, path parameter names, default args) for every named URL in the URLconf."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            params = [*prefix, *getattr(pattern.pattern, "converters", {})]
            yield from _patterns(pattern.url_patterns, params, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            params = [*prefix, *getattr(pattern.pattern, "converters", {})]
            yield name, params, pattern.default_args


def excluded(name: str) -> bool:
    return name in EXCLUDED or f"{name.partition(':')[0]}:*" in EXCLUDED


def site_pages(site: Site) -> list[SitePage]:
    """Every named URL that is not excluded, its path parameters filled from ``site``."""
    pages = []
    for name, params, default_args in _patterns(get_resolver().url_patterns):
        if excluded(name):
            continue
        unknown = [param for param in params if param not in PARAMETERS]
        assert not unknown, f"{name}: say in site_pages.PARAMETERS how to fill {unknown}"
        kwargs = {param: PARAMETERS[param](site, name, default_args) for param in params}
        pages.append(SitePage(name, reverse(name, kwargs=kwargs)))
    return pages


def client_as(role: str, org) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(getattr(org, role))
    return client


def reaches(client: Client, page: SitePage) -> int | None:
    """The status of ``page`` for the client's person, following redirects that stay on the page
    (a password-reset link moves its token into the session): 200 when they reach it."""
    response = client.get(page.url, follow=True)
    if response.status_code == 200 and resolve(response.request["PATH_INFO"]).view_name != (
        page.name
    ):
        return 302  # sent elsewhere (to sign in, or on to another page)
    return response.status_code


def pages_for(role: str, site: Site) -> list[SitePage]:
    """The pages ``role`` reaches (GET answers 200 on that page), in URLconf order."""
    client = client_as(role, site.org)
    return [page for page in site_pages(site) if reaches(client, page) == 200]
