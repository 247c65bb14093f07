"""Text search over title, who and problem, with prefix matching as the user types."""

import re

from django.contrib.postgres.search import SearchQuery

SEARCH_CONFIG = "english"
WORD = re.compile(r"\w+", re.UNICODE)


def prefix_query(text: str) -> SearchQuery | None:
    """``"claims proc"`` -> ``claims:* & proc:*``; None when there is nothing to search for.

    Only word characters reach ``to_tsquery``, so no user input can form tsquery syntax.
    """
    words = WORD.findall(text or "")[:12]
    if not words:
        return None
    raw = " & ".join(f"{word}:*" for word in words)
    return SearchQuery(raw, search_type="raw", config=SEARCH_CONFIG)
