"""Sign-offs bound to their text: find active use cases whose material fields no longer match the
digest their owner signed, however the text was changed.

The database keeps this current on every write (the ``usecase_material_change`` trigger in
``usecases.models``); the daily check catches what no trigger saw (a restore or bulk load with
triggers off, rows written before the digest existed) and reports every mismatch.
"""

import logging
from dataclasses import dataclass

from django.db import connection, transaction

from usecases.models import KEY_PREFIX

logger = logging.getLogger(__name__)

_MISMATCHED = """
    FROM usecases_signoff s
    WHERE s.usecase_id = u.id AND s.superseded_at IS NULL AND u.status = 'active'
      AND s.material_digest <> '' AND s.material_digest <> usecase_material_digest(u)
"""


@dataclass(frozen=True)
class SignOffCheck:
    flagged: list[str]  # keys newly marked "changed since sign-off" by this check
    changed: list[str]  # every active use case whose text differs from what was signed


def check_signed_text() -> SignOffCheck:
    """Mark each active use case whose text differs from its sign-off "changed since sign-off"
    (it then counts as needing re-review) and report them all."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE usecases_usecase u SET changed_since_sign_off = true"
            + _MISMATCHED
            + " AND NOT u.changed_since_sign_off RETURNING u.number"
        )
        flagged = sorted(number for (number,) in cursor.fetchall())
        cursor.execute(
            "SELECT u.number FROM usecases_usecase u WHERE EXISTS (SELECT 1" + _MISMATCHED + ")"
        )
        changed = sorted(number for (number,) in cursor.fetchall())
    result = SignOffCheck(
        flagged=[f"{KEY_PREFIX}{number}" for number in flagged],
        changed=[f"{KEY_PREFIX}{number}" for number in changed],
    )
    if result.flagged:
        logger.warning(
            "Signed text changed outside the registry's pages: %s", ", ".join(result.flagged)
        )
    return result
