"""Dates as the pages write them (``|date:"j M Y"`` and ``|date:"j M Y H:i"``), for the long
loops written in Python: the same text as Django's ``date_format``, at a tenth of its cost (no
format lookup and no formatter object for each date). Month names follow the active language."""

from datetime import date, datetime

from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.translation import get_language

_MONTHS: dict[str | None, tuple[str, ...]] = {}


def month_names() -> tuple[str, ...]:
    """The short month names in the active language, as ``date_format``'s "M" writes them, by
    month number. A loop reads them once and passes them on (the language lookup is the slow
    part)."""
    language = get_language()
    names = _MONTHS.get(language)
    if names is None:
        names = _MONTHS[language] = ("", *(str(MONTHS_3[m]).title() for m in range(1, 13)))
    return names


def day_text(day: date, months: tuple[str, ...] | None = None) -> str:
    """``day`` as ``|date:"j M Y"`` writes it: 5 Mar 2026 (``months``: ``month_names()``)."""
    return f"{day.day} {(months or month_names())[day.month]} {day.year:04d}"


def local_moment(moment: datetime, zone=None) -> datetime:
    """An aware ``moment`` in the current time zone (or ``zone``: a loop looks it up once), as
    templates show it."""
    if moment.utcoffset() is None:
        return moment
    return moment.astimezone(zone or timezone.get_current_timezone())


def moment_text(moment: datetime, months: tuple[str, ...] | None = None) -> str:
    """``moment`` in the current time zone as ``|date:"j M Y H:i"`` writes it: 5 Mar 2026 14:07."""
    return clock_text(local_moment(moment), months)


def clock_text(local: datetime, months: tuple[str, ...] | None = None) -> str:
    """``moment_text`` of a moment already in the current time zone (``local_moment``)."""
    return f"{day_text(local, months)} {local.hour:02d}:{local.minute:02d}"
