"""The fast date formatters, and the templates' ``date`` filter that uses them for the pages' two
formats, write what Django's own ``date`` filter writes, in any month, time zone change and
language; any other format or value is Django's filter's."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.template import Context, Template, defaultfilters
from django.utils import timezone, translation
from django.utils.timezone import template_localtime

from core.formats import day_text, moment_text

FORMATS = ("j M Y", "j M Y H:i")
# The templates' ``date`` (core.templatetags.dates, a builtin of the engine).
FILTERS = Template('{{ day|date:"j M Y" }}|{{ moment|date:"j M Y H:i" }}')
START = datetime(2025, 12, 31, 22, 59, 30, tzinfo=UTC)
# Every month, both sides of midnight and of the clocks changing in Europe/Amsterdam.
MOMENTS = [
    *(START + timedelta(days=n * 13, hours=n % 5, minutes=n * 7) for n in range(60)),
    datetime(2026, 3, 29, 0, 59, tzinfo=UTC),
    datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
]


def djangos(value, arg) -> str:
    """Django's own ``date`` filter, given the value as the engine gives it (in local time)."""
    return defaultfilters.date(template_localtime(value), arg)


def filtered(day, moment) -> list[str]:
    return FILTERS.render(Context({"day": day, "moment": moment})).split("|")


def test_days_and_moments_read_as_djangos_date_filter_writes_them():
    for moment in MOMENTS:
        day = moment.date()
        expected = [djangos(day, FORMATS[0]), djangos(moment, FORMATS[1])]
        assert [day_text(day), moment_text(moment)] == expected
        assert filtered(day, moment) == expected


def test_month_names_follow_the_active_language():
    day = date(2026, 5, 7)
    with translation.override("nl"):
        for shown in (day, date(2026, 3, 1)):
            assert day_text(shown) == djangos(shown, "j M Y") == filtered(shown, None)[0]
        assert djangos(day, "j M Y") != "7 May 2026"  # the test reads Dutch names
    assert day_text(day) == "7 May 2026"


def test_other_formats_and_values_are_djangos():
    """A format the pages' fast path does not write, or a value it does not take, reads as
    Django's filter writes it (nothing, text), or fails as it does (a time of a day without
    one)."""
    template = Template("{{ value|date:arg }}")
    moment = MOMENTS[7]
    for value, arg in [
        (moment, "c"),
        (moment, "j M Y, H:i"),
        (moment, None),
        (None, "j M Y"),
        ("", "j M Y H:i"),
        ("not a date", "j M Y"),
    ]:
        shown = template.render(Context({"value": value, "arg": arg}))
        assert shown == (djangos(value, arg) if value else "")
    with pytest.raises(TypeError, match="time-related"):
        djangos(moment.date(), "j M Y H:i")
    with pytest.raises(TypeError, match="time-related"):
        template.render(Context({"value": moment.date(), "arg": "j M Y H:i"}))


def test_the_templates_date_is_the_fast_one_and_reads_as_djangos_wherever_it_is_used():
    """The engine's ``date`` is ``core.templatetags.dates``'s (a builtin): an aware datetime
    written as a day in local time (at local midnight too), a naive one as it is, and under
    ``{% localtime off %}`` the moment as stored, as Django's filter writes each."""
    from core.templatetags import dates

    # The last builtin naming a filter is the one templates get (the parser adds them in order).
    defining = [lib for lib in Template("").engine.template_builtins if "date" in lib.filters]
    assert defining[-1].filters["date"] is dates.date
    zone = "Europe/Amsterdam"
    midnight = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # 29 Mar 00:00 in Amsterdam
    naive = datetime(2026, 7, 1, 23, 30)
    both = '{{ v|date:"j M Y" }}|{{ v|date:"j M Y H:i" }}'
    with timezone.override(zone):
        for value in (midnight, *MOMENTS[:10], naive):
            shown = Template(both).render(Context({"v": value}))
            assert shown == f"{djangos(value, FORMATS[0])}|{djangos(value, FORMATS[1])}"
        assert Template(both).render(Context({"v": midnight})) == "29 Mar 2026|29 Mar 2026 00:00"
        stored = Template("{% load tz %}{% localtime off %}" + both + "{% endlocaltime %}")
        shown = stored.render(Context({"v": midnight}))
        assert shown == "28 Mar 2026|28 Mar 2026 23:00"
        assert shown == f"{defaultfilters.date(midnight, FORMATS[0])}|" + defaultfilters.date(
            midnight, FORMATS[1]
        )
