"""Text search over title, who and problem, with prefix matching as the user types."""

import re

from django.contrib.postgres.search import SearchQuery

SEARCH_CONFIG = "english"
WORD = re.compile(r"\w+", re.UNICODE)


def prefix_query(text: str) -> SearchQuery | None:
    """``"claims in"`` -> every word must match as a prefix; None when there is nothing to search.

    Words are stemmed (``english``: "officers" finds "officer"), and English stop words among them
    are ignored ("the triage" finds "triage"). The last word is the one being typed, so it is also
    tried unstemmed (``simple``): "in" on the way to "incoming" is a stop word and would otherwise
    match nothing. Only word characters reach ``to_tsquery``, so input cannot form tsquery syntax.
    """
    words = WORD.findall(text or "")[:12]
    if not words:
        return None
    *complete, typing = words
    query = SearchQuery(f"{typing}:*", search_type="raw", config=SEARCH_CONFIG) | SearchQuery(
        f"{typing}:*", search_type="raw", config="simple"
    )
    for word in complete:
        query &= SearchQuery(f"{word}:*", search_type="raw", config=SEARCH_CONFIG)
    return query
