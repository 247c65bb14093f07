"""What the OpenAPI document says beyond the operations' signatures, so that it describes the
contract a client meets: the ``If-Match`` a change needs, the headers answers carry (``ETag``,
``Location``, ``Retry-After``) and the list page's filters as query parameters, generated from
its filter set (``usecases.filters.UseCaseFilter``) so the document follows the page."""

from typing import Annotated

from pydantic import WithJsonSchema

from usecases.dashboard import SCOPE_PARAMS
from usecases.filters import UseCaseFilter

_TEXT = {"type": "string"}

# On a change's decorator (``openapi_extra=IF_MATCH``): declared in the document only, so that a
# request without it is still the API's 428 problem, not a parameter refused with 400.
IF_MATCH = {
    "parameters": [
        {
            "in": "header",
            "name": "If-Match",
            "required": True,
            "description": 'the ETag you read; without it 428 (the version, as `"7"` or `7`)',
            "schema": _TEXT,
        }
    ]
}

ETAG = {
    "ETag": {
        "description": "The use case's version: send it back as If-Match with a change.",
        "required": True,
        "schema": _TEXT,
    }
}
LOCATION = {
    "Location": {"description": "The new use case's address.", "required": True, "schema": _TEXT}
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds until the token's rate allows another request.",
        "required": True,
        "schema": {"type": "integer"},
    }
}


def answer_headers(status: int, headers: dict, **more) -> dict:
    """``openapi_extra`` declaring the headers the ``status`` answer carries (with ``more``)."""
    return {"responses": {status: {"headers": headers}}, **more}


def named_one_of(values):
    """A path parameter's type: text, which the document says is one of ``values``; the
    operation itself answers any other (its own problem, not a refused parameter)."""
    return Annotated[str, WithJsonSchema({"type": "string", "enum": list(values)})]


CUSTOM_FIELDS = (
    "Each custom field in use filters too, as `cf_<name>` (`GET /custom-fields` lists them): "
    "text contains, a number, a date as year-month-day, yes or no, one of its choices, a person "
    "by username."
)


def _filter_parameter(name: str, item) -> dict:
    label = item.label or name.replace("_", " ").capitalize()
    schema = dict(_TEXT)
    choices = item.extra.get("choices")
    if "queryset" in item.extra:
        label += f" (by {item.extra.get('to_field_name') or 'id'})"
    elif choices is not None:
        schema["enum"] = [value for value, _ in choices]
    return {"in": "query", "name": name, "required": False, "description": label, "schema": schema}


def filter_parameters(names=None) -> list[dict]:
    """The list page's filters as query parameters (``names`` only, when given)."""
    return [
        _filter_parameter(name, item)
        for name, item in UseCaseFilter.base_filters.items()
        if names is None or name in names
    ]


# The operations that read the list page's filters: which of them, and whether the custom
# fields' too (their names change as an admin adds fields: the pattern is described).
FILTERED = {
    ("/api/v1/usecases", "get"): (filter_parameters(), True),
    ("/api/v1/exports/{format}", "get"): (filter_parameters(), True),
    ("/api/v1/dashboard", "get"): (filter_parameters(SCOPE_PARAMS), False),
}


def declared(document: dict) -> dict:
    """The document with the filters as query parameters and every 429's ``Retry-After``."""
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            filters, custom = FILTERED.get((path, method), ((), False))
            if filters:
                # A filter the operation declares itself (the list's ``sort``) stays as it is.
                known = {parameter["name"] for parameter in operation.get("parameters", [])}
                operation.setdefault("parameters", []).extend(
                    dict(parameter) for parameter in filters if parameter["name"] not in known
                )
            if custom:
                operation["description"] = f"{operation.get('description', '')}\n\n{CUSTOM_FIELDS}"
            too_many = operation.get("responses", {}).get(429)
            if too_many is not None:
                too_many["headers"] = RETRY_AFTER
    return document
