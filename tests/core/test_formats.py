"""The fast date formatters write what the templates' ``date`` filter writes, in any month, time
zone change and language."""

from datetime import UTC, date, datetime, timedelta

from django.template import Context, Template
from django.utils import translation

from core.formats import day_text, moment_text

FILTERS = Template('{{ day|date:"j M Y" }}|{{ moment|date:"j M Y H:i" }}|{{ moment|date:"c" }}')


def filtered(day, moment) -> list[str]:
    return FILTERS.render(Context({"day": day, "moment": moment})).split("|")


def test_days_and_moments_read_as_the_date_filter_writes_them():
    start = datetime(2025, 12, 31, 22, 59, 30, tzinfo=UTC)
    # Every month, both sides of midnight and of the clocks changing in Europe/Amsterdam.
    moments = [start + timedelta(days=n * 13, hours=n % 5, minutes=n * 7) for n in range(60)]
    moments += [datetime(2026, 3, 29, 0, 59, tzinfo=UTC), datetime(2026, 10, 25, 1, 0, tzinfo=UTC)]
    for moment in moments:
        day = moment.date()
        day_shown, moment_shown, _ = filtered(day, moment)
        assert (day_text(day), moment_text(moment)) == (day_shown, moment_shown)


def test_month_names_follow_the_active_language():
    day = date(2026, 5, 7)
    with translation.override("nl"):
        assert day_text(day) == filtered(day, None)[0]
        assert day_text(date(2026, 3, 1)) == filtered(date(2026, 3, 1), None)[0]
    assert day_text(day) == "7 May 2026"
