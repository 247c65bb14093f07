"""The API's one instance: /api/v1/, its OpenAPI document and its interactive docs (served from
the registry's own static files), errors as problem+json."""

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_not_required
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from api import editing, measurements, tokens  # noqa: F401  (their operations join the use cases' router)
from api.actions import router as actions
from api.auth import AUTH, RateLimited
from api.custom_fields import router as custom_fields
from api.dashboard import router as dashboard
from api.document import declared
from api.errors import problem, problem_content_types
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
    return problem(exc.status_code, str(exc.message) or "Error")


@login_not_required
def unknown_path(request):
    """Any other path under /api/: 401 without credentials (as every operation answers), else a
    404 problem pointing at the document. Never the HTML pages' 404 or a sign-in redirect."""
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    signed_in = request.user.is_authenticated and request.user.is_active
    if not signed_in and not (scheme.lower() == "bearer" and tokens.authenticate(key.strip())):
        return unauthenticated(request, None)
    return problem(
        404, "Not found", "No API operation has this path: see /api/v1/openapi.json for them all."
    )


def urls():
    """The API's URL patterns, each left to the API's own authentication: none redirects to the
    sign-in page (Django's LoginRequiredMiddleware would)."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if pattern.name == "api-root":  # /api/v1/ itself: no operation
            pattern.callback = unknown_path
        pattern.callback = login_not_required(pattern.callback)
        if pattern.name == "openapi-view":
            # Swagger UI sets style attributes and draws its icons as data: images.
            pattern.callback = csp_update(DOCS_CSP)(pattern.callback)
    return patterns, app_name, namespace
