"""Text search over title, who and problem: whole words by their prefix as the user types
(full text, ``search_vector``), and any word of three letters or more found inside a longer token
(trigram, ``SearchedText``): PostgreSQL's parser reads "grantor/settlor" as one file-path token, so
full text alone never finds "settlor" there. Each has its GIN index; results rank by both."""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import BooleanField, Case, F, FloatField, Func, Q, TextField, Value, When

SEARCH_CONFIG = "english"
WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 12
# A trigram index finds nothing by a shorter word, and two letters are inside nearly every row: a
# search of short words only is left to the prefix search.
INFIX_MIN = 3


class SearchedText(Func):
    """``title || ' ' || who || ' ' || problem``: the text the trigram index holds (all three
    columns are NOT NULL). The query must spell it exactly as the index does to use it."""

    template = "(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = TextField()

    def __init__(self):
        super().__init__(F("title"), F("who"), F("problem"))


class ILike(Func):
    """``text ILIKE pattern``: the operator the trigram index answers (Django's ``icontains``
    compares ``UPPER(...)``, which no index on the text serves)."""

    template = "%(expressions)s"
    arg_joiner = " ILIKE "
    output_field = BooleanField()


class WordSimilarity(Func):
    """How closely the typed words match some run of the text (0 to 1), from trigrams."""

    function = "word_similarity"
    output_field = FloatField()


def words_of(text: str) -> list[str]:
    return WORD.findall(text or "")[:MAX_WORDS]


def prefix_query(text: str) -> SearchQuery | None:
    """``"claims in"`` -> every word must match as a prefix; None when there is nothing to search.

    Words are stemmed (``english``: "officers" finds "officer"), and English stop words among them
    are ignored ("the triage" finds "triage"). The last word is the one being typed, so it is also
    tried unstemmed (``simple``): "in" on the way to "incoming" is a stop word and would otherwise
    match nothing. Only word characters reach ``to_tsquery``, so input cannot form tsquery syntax.
    """
    words = words_of(text)
    if not words:
        return None
    *complete, typing = words
    query = SearchQuery(f"{typing}:*", search_type="raw", config=SEARCH_CONFIG) | SearchQuery(
        f"{typing}:*", search_type="raw", config="simple"
    )
    for word in complete:
        query &= SearchQuery(f"{word}:*", search_type="raw", config=SEARCH_CONFIG)
    return query


def _like_pattern(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("_", "\\_") + "%"


def infix_condition(text: str) -> Q | None:
    """Every word appears somewhere in the text, inside a token or not ("settlor" in
    "grantor/settlor"); None unless some word is three letters or more: that word's trigrams find
    the rows through the index, and the shorter words ("Draft 3") narrow them as they are read.
    """
    words = words_of(text)
    if not any(len(word) >= INFIX_MIN for word in words):
        return None
    condition = Q()
    for word in words:
        condition &= Q(ILike(SearchedText(), Value(_like_pattern(word))))
    return condition


def search_condition(text: str) -> Q | None:
    """What a row must meet to be found by ``text``: the prefix search, or the words inside
    tokens. None when ``text`` holds no word."""
    query = prefix_query(text)
    if query is None:
        return None
    condition = Q(search_vector=query)
    infix = infix_condition(text)
    return condition | infix if infix is not None else condition


def search_rank(text: str):
    """Relevance, higher first: a row whose words match scores 1 plus its full-text rank (a title
    word counts more than one in who or problem); a row found only inside a token ("settlor" in
    "grantor/settlor") scores below every such row, by how closely its title matches the words
    (``word_similarity`` over the title alone: over the whole text it costs ten times more and
    says nothing, the words being in it by the match). None when ``text`` holds no word."""
    query = prefix_query(text)
    if query is None:
        return None
    typed = " ".join(words_of(text))
    return Case(
        When(Q(search_vector=query), then=Value(1.0) + SearchRank(F("search_vector"), query)),
        default=WordSimilarity(Value(typed), F("title")),
        output_field=FloatField(),
    )
