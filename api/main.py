"""The API's one instance: /api/v1/, its OpenAPI document and its interactive docs (served from
the registry's own static files), errors as problem+json."""

from functools import wraps
from http import HTTPStatus

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_not_required
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from api import editing, measurements, tokens  # noqa: F401  (their operations join the use cases' router)
from api.actions import router as actions
from api.auth import AUTH, RateLimited, count_request
from api.custom_fields import router as custom_fields
from api.dashboard import router as dashboard
from api.document import declared
from api.errors import PROBLEM, problem, problem_content_types
from api.exports import router as exports
from api.imports import router as imports
from api.portfolio import router as portfolio
from api.usecases import router as usecases

DOCS_CSP = {"style-src": ["'unsafe-inline'"], "img-src": ["data:"]}


class RegistryAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        return declared(problem_content_types(super().get_openapi_schema(**kwargs)))


api = RegistryAPI(
    title="Use-case registry API",
    version="1",
    description="Every business use case, its owner, success signal, products and goals.",
    urls_namespace="api",
    auth=AUTH,
    docs_url="/docs",
    # Without deep links: Swagger UI puts each one inside the operation's button (a link nested
    # in a button, which a screen reader cannot operate).
    docs=Swagger(settings={"deepLinking": False}),
    openapi_url="/openapi.json",
)
api.add_router("/", usecases)
api.add_router("/", actions)
api.add_router("/", portfolio)
api.add_router("/", dashboard)
api.add_router("/", custom_fields)
api.add_router("/", exports)
api.add_router("/", imports)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return problem(401, "Unauthorized", "Sign in, or send an access token.")


@api.exception_handler(RateLimited)
def rate_limited(request, exc):
    response = problem(
        429, "Too many requests", f"This token's rate is used up; try again in {exc.retry_after} s."
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(ValidationError)
def invalid(request, exc):
    errors = {}
    for error in exc.errors:
        name = ".".join(str(part) for part in error.get("loc", ())[1:]) or "request"
        errors[name] = error.get("msg", "invalid")
    return problem(400, "Bad request", "Some of the request was not understood.", errors=errors)


@api.exception_handler(HttpError)
def http_error(request, exc):
    return problem(exc.status_code, HTTPStatus(exc.status_code).phrase, str(exc.message))


def _without_credentials(request):
    """The refusal for a request with neither a live token nor a signed-in active person (401),
    or past its token's rate (429); None when it may be answered. For the answers django-ninja
    gives before any operation's authentication: no such path, no such method."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    token = tokens.authenticate(key.strip()) if scheme.lower() == "bearer" else None
    if token is not None:
        try:
            count_request(token)  # a wrong path costs the token's rate like any other request
        except RateLimited as exc:
            return rate_limited(request, exc)
        return None
    if request.user.is_authenticated and request.user.is_active:
        return None
    return unauthenticated(request, None)


@login_not_required
def unknown_path(request):
    """Any other path under /api/: 401 without credentials (as every operation answers), else a
    404 problem pointing at the document. Never the HTML pages' 404 or a sign-in redirect."""
    return _without_credentials(request) or problem(
        404, "Not found", "No API operation has this path: see /api/v1/openapi.json for them all."
    )


def _problem_for_other_methods(view):
    """django-ninja answers a method a path does not have with a plain-text 405: answer it as
    problem+json, after the credentials, naming the methods the path has."""

    @wraps(view)
    def answer(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code != 405 or response.get("Content-Type", "").startswith(PROBLEM):
            return response
        allowed = response.get("Allow", "")
        refused = _without_credentials(request) or problem(
            405, "Method not allowed", f"{request.path} answers {allowed or 'no method'}."
        )
        if allowed and refused.status_code == 405:
            refused["Allow"] = allowed
        return refused

    return answer


def urls():
    """The API's URL patterns, each left to the API's own authentication: none redirects to the
    sign-in page (Django's LoginRequiredMiddleware would)."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if pattern.name == "api-root":  # /api/v1/ itself: no operation
            pattern.callback = unknown_path
        pattern.callback = login_not_required(_problem_for_other_methods(pattern.callback))
        if pattern.name == "openapi-view":
            # Swagger UI sets style attributes and draws its icons as data: images.
            pattern.callback = csp_update(DOCS_CSP)(pattern.callback)
    return patterns, app_name, namespace
