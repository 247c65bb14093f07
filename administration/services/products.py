"""Products: create, edit (a new manager must be active), archive."""

from __future__ import annotations

from django.db import transaction

from administration.services import editing
from core.history import history_context
from portfolio.choices import AdminAction
from portfolio.models import Product
from portfolio.naming import unique_slug

PRODUCT_FIELDS = ["name", "team", "manager", "vision", "lifecycle"]

PRODUCT_STATE_LABELS = {
    "name": "name",
    "team": "owning team",
    "manager": "product manager",
    "vision": "vision",
    "lifecycle": "lifecycle",
    "is_archived": "archived",
}


def product_state(product: Product) -> dict:
    """What the product form edits, and whether it is archived (its team and manager loaded)."""
    return editing.row_state(product, PRODUCT_STATE_LABELS)


@history_context(admin_action=AdminAction.PRODUCT_CREATED)
def product_create(*, actor, data: dict) -> Product:
    with transaction.atomic():
        editing.refuse_taken_name(Product, data["name"], noun="product")
        product = Product(slug=unique_slug(Product, data["name"]))
        editing.apply_changes(product, data, PRODUCT_FIELDS)
        product.save()
        editing.log(
            actor=actor,
            action=AdminAction.PRODUCT_CREATED,
            target=product,
            details={"team": str(product.team)},
        )
    return product


@history_context(admin_action=AdminAction.PRODUCT_UPDATED)
def product_update(
    *, product: Product, actor, data: dict, fingerprint: str | None = None
) -> Product:
    """Edit a product. ``fingerprint`` is ``state_fingerprint(product_state(product))`` as the
    edit form loaded it: if anyone changed the product since, ``EditConflict`` and nothing is
    written."""
    with transaction.atomic():
        current = editing.locked(Product.objects).get(pk=product.pk)
        editing.refuse_if_changed(
            current=current,
            state=product_state(current),
            fingerprint=fingerprint,
            labels=PRODUCT_STATE_LABELS,
        )
        if "name" in data:
            editing.refuse_taken_name(Product, data["name"], noun="product", exclude_pk=current.pk)
        editing.refuse_deactivated(data.get("manager"), unless_pk=current.manager_id)
        changes = editing.apply_changes(current, data, PRODUCT_FIELDS)
        if changes:
            current.save()
            editing.log(
                actor=actor,
                action=AdminAction.PRODUCT_UPDATED,
                target=current,
                details={"changes": changes},
            )
    return current


@history_context(admin_action=AdminAction.PRODUCT_ARCHIVED)
def product_set_archived(*, product: Product, actor, archived: bool) -> Product:
    return editing.set_archived(Product, product, actor=actor, archived=archived, noun="product")
