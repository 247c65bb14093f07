"""``UseCase.goal_ids`` and ``product_ids`` follow the links whoever writes them: statement
triggers on the link tables, and a repair run after every ``migrate``."""

import pgtrigger
from django.db import connections

from usecases.models.usecase import UseCase


def _touch_linked_usecases(name: str, operation) -> pgtrigger.Trigger:
    """A statement trigger on a link table that touches the use cases whose links a statement
    added, removed or changed, so their ``usecase_link_sets`` trigger recomputes the id arrays:
    one update per statement, however many links it wrote. A TRUNCATE has no rows to name, so it
    touches every use case whose arrays are not already empty."""
    if operation == pgtrigger.Truncate:
        referencing, touched = (
            None,
            "SELECT id FROM usecases_usecase WHERE goal_ids <> '{}' OR product_ids <> '{}'",
        )
    elif operation == pgtrigger.Insert:
        referencing, touched = (
            pgtrigger.Referencing(new="new_links"),
            "SELECT usecase_id FROM new_links",
        )
    elif operation == pgtrigger.Delete:
        referencing, touched = (
            pgtrigger.Referencing(old="old_links"),
            "SELECT usecase_id FROM old_links",
        )
    else:  # an UPDATE may move a link from one use case to another: both are touched
        referencing = pgtrigger.Referencing(old="old_links", new="new_links")
        touched = "SELECT usecase_id FROM old_links UNION SELECT usecase_id FROM new_links"
    return pgtrigger.Trigger(
        name=name,
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=operation,
        referencing=referencing,
        func=f"""
        UPDATE usecases_usecase SET goal_ids = goal_ids WHERE id IN ({touched});
        RETURN NULL;
        """,
    )


LINK_SET_OPERATIONS = {
    "link_set_added": pgtrigger.Insert,
    "link_set_removed": pgtrigger.Delete,
    "link_set_changed": pgtrigger.Update,
    "link_set_truncated": pgtrigger.Truncate,
}


def repair_link_sets(*, using: str = "default") -> int:
    """Bring every use case's id arrays in line with its links; the number of use cases fixed.
    The triggers keep them so; this catches links written while the link tables' triggers were
    not yet installed (they are installed after ``migrate``, so a data migration writing links
    would leave the arrays behind). Runs after every ``migrate``; one scan."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            """
            UPDATE usecases_usecase u SET goal_ids = goal_ids
            WHERE u.goal_ids IS DISTINCT FROM ARRAY(
                SELECT strategicgoal_id FROM usecases_usecase_goals
                WHERE usecase_id = u.id ORDER BY 1)
            OR u.product_ids IS DISTINCT FROM ARRAY(
                SELECT product_id FROM usecases_usecase_products
                WHERE usecase_id = u.id ORDER BY 1)
            """
        )
        return cursor.rowcount


# Installed on migrate (``PGTRIGGER_INSTALL_ON_MIGRATE``): the link tables are Django's own.
LINK_SET_TRIGGERS = []
for _through in (UseCase.goals.through, UseCase.products.through):
    pgtrigger.register(
        *(
            _touch_linked_usecases(name, operation)
            for name, operation in LINK_SET_OPERATIONS.items()
        )
    )(_through)
    LINK_SET_TRIGGERS += [f"{_through._meta.label}:{name}" for name in LINK_SET_OPERATIONS]
