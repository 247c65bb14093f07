"""What a use case needs before it can go to review: the one rule the submit service enforces,
and that the form's "needed for review" marks and the readiness lists read.

A need is a field of the use case (a form field of the same name) and the words the refusal,
the readiness lists and My work use for it.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Need:
    field: str
    label: str


REVIEW_NEEDS = (
    Need("who", "Who"),
    Need("problem", "Problem"),
    Need("success_signal", "Success signal"),
    Need("owner", "Owner"),
    Need("products", "at least one product"),
    Need("goals", "at least one goal"),
)
REVIEW_FIELDS = frozenset(need.field for need in REVIEW_NEEDS)


def _present(usecase, name: str, links: dict) -> bool:
    if name in links:
        return bool(links[name])
    field = type(usecase)._meta.get_field(name)
    if field.many_to_many:
        # Reads a prefetched set when there is one, else asks the database.
        return getattr(usecase, name).exists()
    if field.is_relation:
        return getattr(usecase, field.attname) is not None
    return bool((getattr(usecase, name) or "").strip())


def missing_needs(usecase, links: dict | None = None, custom: dict | None = None) -> list[Need]:
    """The needs ``usecase`` does not meet yet. ``links`` may give the many-to-many fields
    (``products``, ``goals``) as anything whose truth says whether one is chosen; otherwise
    they are read from the use case. The custom fields required for review are needs too
    (``custom``: the fields in use, when the caller has them; else one query)."""
    # Imported here: the use-case model reads this module, and the custom fields' module reads
    # the models.
    from usecases.custom_fields.values import missing_required

    links = links or {}
    needs = [need for need in REVIEW_NEEDS if not _present(usecase, need.field, links)]
    return needs + [Need(field.key, field.label) for field in missing_required(usecase, custom)]


def missing_for_review(usecase, m2m: dict | None = None, custom: dict | None = None) -> list[str]:
    """What a complete use case has and this one lacks, in the form's words."""
    return [need.label for need in missing_needs(usecase, m2m, custom)]
