"""The dates the registry accepts: a typo like year 1 or 9999 would otherwise be stored and
judged, and draw a chart across millennia. The form and the services refuse the same range."""

from datetime import date

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)


def out_of_bounds(value: date | None, what: str) -> str:
    """The refusal for ``value`` outside the range, or "" when it is within (or empty)."""
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        return f"Give {what} between {EARLIEST_DATE.year} and {LATEST_DATE.year}."
    return ""
