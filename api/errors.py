"""Errors as problem+json (RFC 9457): a type, a title, the status, a detail a person can read and,
for refused input, the fields named. Every refusal of the API answers in this one shape."""

from django.http import JsonResponse

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
