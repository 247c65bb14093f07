"""The use-case list a page at a time, each page as cheap as the first, with a count exact up to a
cap. Pages are read by keyset (``core.keyset``: the rows after or before a row, in the list's
order), never by a deep ``OFFSET``: the first few pages keep their numbers (``?page=3``, an offset
of a few dozen rows costs nothing and a link reads well), further pages are an opaque signed
``?cursor=``, and ``?page=last`` is the first page of the reversed order, shown turned back."""

from dataclasses import dataclass
from math import ceil
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import QuerySet

from core.keyset import AFTER, BEFORE, Keyset, StaleCursor

# Pages linked by number; an offset this deep reads a few hundred index entries at most.
NUMBERED_PAGES = 10
LAST = "last"
PAGING_PARAMS = ("page", "cursor")
STALE_LINK = "That page link no longer fits this list (it was made for another sort or search, or it is damaged); here is the first page."
UNKNOWN_PAGE = "Page {given} is not a page of this list; here is the first page. Later pages are reached with Next and Last."


@dataclass(frozen=True)
class Count:
    """How many rows the list holds: exact up to ``cap``; past it, ``more`` and ``count`` is the cap."""

    count: int
    more: bool
    per_page: int

    @property
    def shown(self) -> str:
        """The count as the page says it: "More than 10,000" past the cap."""
        return f"More than {self.count:,}" if self.more else str(self.count)

    @property
    def num_pages(self) -> int | None:
        return None if self.more else max(1, ceil(self.count / self.per_page))


@dataclass
class ListPage:
    """One page: its rows, the count, its number where known, and the query-string pairs of the
    pages it links to (``page=2``, ``cursor=…``, ``page=last``), None where there is none."""

    object_list: list
    paginator: Count
    number: int | None = None
    previous: str | None = None
    next: str | None = None
    notice: str = ""

    def has_next(self) -> bool:
        return self.next is not None

    def has_previous(self) -> bool:
        return self.previous is not None

    @property
    def last(self) -> str | None:
        return f"page={LAST}" if self.has_next() else None

    @property
    def shows_first(self) -> bool:
        """A link to the first page besides "Previous", unless "Previous" is that link."""
        return self.has_previous() and self.previous != "page=1"

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def count_capped(queryset: QuerySet, cap: int) -> tuple[int, bool]:
    """``SELECT count(*) FROM (… LIMIT cap + 1)``: exact up to ``cap``; (cap, True) past it."""
    counted = queryset.order_by().values("pk")[: cap + 1].count()
    return (cap, True) if counted > cap else (counted, False)


def list_page(queryset: QuerySet, params, *, sort: str, total=None, counted=None) -> ListPage:
    """The page ``params`` (the request's query) asks for, of ``queryset`` in its order. A link
    that no longer fits (another sort, a damaged cursor) or a page that is none gives the first
    page and a notice saying so. ``total``: how many there are, where the caller can say so
    exactly and cheaply; ``counted``: ``(count, more)`` counted up to a cap of the caller's
    (otherwise counted up to ``USECASE_COUNT_CAP``)."""
    size = settings.USECASE_PAGE_SIZE
    if total is not None:
        count, more = total(), False
    elif counted is not None:
        count, more = counted
    else:
        count, more = count_capped(queryset, settings.USECASE_COUNT_CAP)
    return _read(_Reader(Keyset(queryset, sort=sort), Count(count, more, size)), params)


def _read(reader: "_Reader", params) -> ListPage:
    cursor, page = params.get("cursor", ""), params.get("page", "").strip()
    if cursor:
        try:
            return reader.at_cursor(cursor)
        except StaleCursor:
            return reader.first(notice=STALE_LINK)
    if page == LAST:
        return reader.last()
    if page in ("", "1"):
        return reader.first()
    if page.isascii() and page.isdigit() and int(page) <= NUMBERED_PAGES:
        return reader.numbered(int(page))
    return reader.first(notice=UNKNOWN_PAGE.format(given=page[:20]))


class _Reader:
    def __init__(self, keyset: Keyset, count: Count):
        self.keyset = keyset
        self.count = count
        self.size = count.per_page

    def _link(self, number: int | None, row, direction: str) -> str:
        """The pair that leads to page ``number``: by its number while it is one of the first
        pages, else a cursor naming the row beside it."""
        if number is not None and number <= NUMBERED_PAGES:
            return f"page={number}"
        cursor = self.keyset.cursor(row, direction, page=number)
        return urlencode({"cursor": cursor})

    def _page(self, rows: list, number, *, before: bool, after: bool, notice="") -> ListPage:
        following = None if number is None else number + 1
        preceding = None if number is None else number - 1
        return ListPage(
            rows,
            self.count,
            number,
            previous=self._link(preceding, rows[0], BEFORE) if before else None,
            next=self._link(following, rows[-1], AFTER) if after else None,
            notice=notice,
        )

    def first(self, *, notice: str = "") -> ListPage:
        rows = list(self.keyset.queryset[: self.size + 1])
        more = len(rows) > self.size
        return self._page(rows[: self.size], 1, before=False, after=more, notice=notice)

    def numbered(self, number: int) -> ListPage:
        start = (number - 1) * self.size
        rows = list(self.keyset.queryset[start : start + self.size + 1])
        if not rows:
            return self.last()  # past the end, as Django's paginator answers
        more = len(rows) > self.size
        return self._page(rows[: self.size], number, before=True, after=more)

    def last(self) -> ListPage:
        """The reversed order's first page, turned back: as many rows as the last page holds
        when the count is exact (so it lines up with the numbered pages), else a full page."""
        pages = self.count.num_pages
        if pages == 1:
            return self.first()
        take = self.size if pages is None else self.count.count - (pages - 1) * self.size
        rows = list(self.keyset.reversed[: take + 1])
        if len(rows) <= take:
            return self.first()  # fewer rows than counted a moment ago: the list is one page
        return self._page(rows[:take][::-1], pages, before=True, after=False)

    def at_cursor(self, cursor: str) -> ListPage:
        given = self.keyset.read(cursor)
        number = given.get("page")
        number = number if isinstance(number, int) and number > 1 else None
        if BEFORE in given:
            rows = list(self.keyset.beyond(given[BEFORE], backwards=True)[: self.size + 1])
            if not rows:
                return self.first()  # nothing before it any more
            if len(rows) <= self.size:
                # The start, reached from a page not lined up with the numbered ones (from the
                # last page past the cap): what is left, so no row shows twice.
                return self._page(rows[::-1], 1, before=False, after=True)
            return self._page(rows[: self.size][::-1], number, before=True, after=True)
        rows = list(self.keyset.beyond(given[AFTER], backwards=False)[: self.size + 1])
        if not rows:
            return self.last()  # the rows after it were removed meanwhile
        more = len(rows) > self.size
        return self._page(rows[: self.size], number, before=True, after=more)
