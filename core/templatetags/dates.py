"""Django's ``date`` filter, with the pages' two own formats written directly: ``|date:"j M Y"``
and ``|date:"j M Y H:i"`` (``core.formats``). The text is the same as Django's; each date costs a
tenth as much (Django's looks up the format, builds a formatter and translates the month name for
each date: some forty microseconds, where a page such as a use case's shows a dozen). Any other
format, or a value that is not a date (or, for a time of day, not a datetime), goes to Django's
own filter. A builtin of the template engine (``TEMPLATES``), so it stands in for Django's
everywhere."""

from datetime import date as date_type
from datetime import datetime

from django import template
from django.template import defaultfilters

from core.formats import clock_text, day_text

register = template.Library()

_DAY, _MOMENT = "j M Y", "j M Y H:i"


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    """As Django's ``date``: the engine has already moved an aware datetime to the current time
    zone (``expects_localtime``), as it does for Django's."""
    if arg == _DAY and isinstance(value, date_type):
        return day_text(value)
    if arg == _MOMENT and isinstance(value, datetime):
        return clock_text(value)
    return defaultfilters.date(value, arg)
