"""Errors as problem+json (RFC 9457): a type, a title, the status, a detail a person can read and,
for refused input, the fields named. Every refusal of the API answers in this one shape."""

from django.http import JsonResponse
from ninja import Schema
from pydantic import ConfigDict

PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str = "", *, errors: dict | None = None, **more):
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(more)
    return JsonResponse(body, status=status, content_type=PROBLEM)


def form_refused(form, detail: str):
    """400 for a form or filter set that refused its input, each field named with its messages."""
    errors = {name: " ".join(messages) for name, messages in form.errors.items()}
    return problem(400, "Bad request", detail, errors=errors)


class Problem(Schema):
    """A refusal as RFC 9457 describes it; ``errors`` names each refused field, and a stale
    version's 412 adds the version now stored and what changed since."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: dict[str, str] | None = None


# Every operation may answer these: no credentials, or a token's rate used up.
ALWAYS = (401, 429)


def problems(*codes: int) -> dict:
    """The refusals an operation declares (beside 401 and 429, which any may answer), each a
    ``Problem``: ``response={200: UseCaseOut, **problems(403, 404)}``."""
    return {code: Problem for code in (*codes, *ALWAYS)}


def problem_content_types(document: dict) -> dict:
    """The OpenAPI document with each refusal's body typed ``application/problem+json``, as the
    API sends it (django-ninja names one media type for every response)."""
    for path in document.get("paths", {}).values():
        for operation in path.values():
            for status, answer in operation.get("responses", {}).items():
                content = answer.get("content")
                if int(status) >= 400 and content and "application/json" in content:
                    answer["content"] = {PROBLEM: content.pop("application/json")}
    return document
