"""Slugs for the rows people name (teams, products), written once for every path that creates
them: the administration pages and the importer."""

from django.utils.text import slugify

# Slugs that name a page beside the rows' own under the same prefix
# (``/administration/teams/new/``): a team or product called "New" gets ``new-2`` instead, so its
# links never open another page.
RESERVED_SLUGS = frozenset({"new", "edit", "archive"})


def unique_slug(model, name: str, *, exclude_pk=None) -> str:
    base = slugify(name)[:110] or model._meta.model_name
    slug, n = base, 2
    if base in RESERVED_SLUGS:
        slug, n = f"{base}-{n}", n + 1
    while model.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
